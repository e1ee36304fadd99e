//! Value and stakes: the edge of a price over a model probability, fractional Kelly
//! stakes, and confidence bands for presenting value bets.

use serde::{Deserialize, Serialize};

use super::error::PredictError;

/// Expected profit per unit staked: `p × price − 1`.
pub fn edge(p: f64, price: f64) -> f64 {
    p * price - 1.0
}

/// Fractional Kelly stake as a share of the bankroll:
/// `fraction × (p × price − 1) / (price − 1)`, clipped to `[0, cap]`.
/// Full Kelly (`fraction = 1`) maximises log growth but is ruinous when `p` is
/// overestimated, hence a fraction and a cap.
pub fn kelly_stake(p: f64, price: f64, fraction: f64, cap: f64) -> Result<f64, PredictError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(PredictError::InvalidProbability(p));
    }
    if !(price.is_finite() && price > 1.0) {
        return Err(PredictError::InvalidOdds(price));
    }
    if !(fraction.is_finite() && fraction >= 0.0) {
        return Err(PredictError::InvalidParameter { name: "fraction", reason: format!("{fraction} < 0") });
    }
    if !(cap.is_finite() && (0.0..=1.0).contains(&cap)) {
        return Err(PredictError::InvalidParameter { name: "cap", reason: format!("{cap} not in [0, 1]") });
    }
    let full = edge(p, price) / (price - 1.0);
    Ok((fraction * full).clamp(0.0, cap))
}

/// How much to trust a value bet, for display and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Confidence {
    /// Positive edge, but small or from an uncertain model.
    Low,
    /// A moderate edge from a reasonably sure model.
    Medium,
    /// A large edge from a sure model.
    High,
}

/// Thresholds of [`confidence`]. A band needs both its edge and its model confidence;
/// either alone is not enough, since a large edge from an unsure model is as often the
/// model's error as the market's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceBands {
    /// Minimum edge for [`Confidence::High`].
    pub high_edge: f64,
    /// Minimum model confidence for [`Confidence::High`].
    pub high_model: f64,
    /// Minimum edge for [`Confidence::Medium`].
    pub medium_edge: f64,
    /// Minimum model confidence for [`Confidence::Medium`].
    pub medium_model: f64,
}

impl Default for ConfidenceBands {
    fn default() -> Self {
        Self { high_edge: 0.05, high_model: 0.7, medium_edge: 0.02, medium_model: 0.4 }
    }
}

/// The band of a bet with `edge` (see [`edge`]) from a model whose confidence in this
/// prediction is `model_confidence` in `[0, 1]` (e.g. its validation skill, or one minus
/// the normalised entropy of its probabilities). `None` when there is no value (`edge ≤ 0`).
///
/// Rule: High if `edge ≥ high_edge` and `model ≥ high_model`; else Medium if
/// `edge ≥ medium_edge` and `model ≥ medium_model`; else Low.
pub fn confidence(edge: f64, model_confidence: f64, bands: &ConfidenceBands) -> Option<Confidence> {
    if edge.is_nan() || edge <= 0.0 {
        return None;
    }
    Some(if edge >= bands.high_edge && model_confidence >= bands.high_model {
        Confidence::High
    } else if edge >= bands.medium_edge && model_confidence >= bands.medium_model {
        Confidence::Medium
    } else {
        Confidence::Low
    })
}

/// One minus the normalised Shannon entropy of a distribution: 1 when certain, 0 when
/// uniform. A model-confidence measure for [`confidence`] when nothing better is at hand.
pub fn sharpness(probs: &[f64]) -> f64 {
    if probs.len() < 2 {
        return 1.0;
    }
    let h: f64 = probs.iter().filter(|&&p| p > 0.0).map(|&p| -p * p.ln()).sum();
    (1.0 - h / (probs.len() as f64).ln()).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_of_known_inputs() {
        assert!((edge(0.5, 2.2) - 0.1).abs() < 1e-12);
        assert!((edge(0.25, 3.0) + 0.25).abs() < 1e-12);
    }

    #[test]
    fn kelly_of_known_inputs() {
        // Full Kelly at p = 0.5, price 2.2: 0.1 / 1.2 = 0.083333; a quarter of it 0.0208333.
        let full = kelly_stake(0.5, 2.2, 1.0, 1.0).unwrap();
        assert!((full - 0.1 / 1.2).abs() < 1e-12);
        let quarter = kelly_stake(0.5, 2.2, 0.25, 1.0).unwrap();
        assert!((quarter - 0.020_833_333_333_333).abs() < 1e-12);
        // p = 0.6 at evens: full Kelly 0.2, capped at 0.05.
        assert!((kelly_stake(0.6, 2.0, 1.0, 0.05).unwrap() - 0.05).abs() < 1e-12);
        // No value, no stake.
        assert_eq!(kelly_stake(0.3, 3.0, 0.5, 0.1).unwrap(), 0.0);
    }

    #[test]
    fn kelly_refuses_bad_inputs() {
        assert!(kelly_stake(1.2, 2.0, 0.5, 0.1).is_err());
        assert!(kelly_stake(0.5, 1.0, 0.5, 0.1).is_err());
        assert!(kelly_stake(0.5, 2.0, -0.5, 0.1).is_err());
        assert!(kelly_stake(0.5, 2.0, 0.5, 2.0).is_err());
    }

    #[test]
    fn confidence_bands_need_edge_and_model_confidence() {
        let b = ConfidenceBands::default();
        assert_eq!(confidence(0.08, 0.9, &b), Some(Confidence::High));
        assert_eq!(confidence(0.08, 0.5, &b), Some(Confidence::Medium));
        assert_eq!(confidence(0.03, 0.9, &b), Some(Confidence::Medium));
        assert_eq!(confidence(0.01, 0.9, &b), Some(Confidence::Low));
        assert_eq!(confidence(0.08, 0.1, &b), Some(Confidence::Low));
        assert_eq!(confidence(0.0, 0.9, &b), None);
        assert_eq!(confidence(-0.1, 0.9, &b), None);
    }

    #[test]
    fn sharpness_spans_uniform_to_certain() {
        assert!(sharpness(&[1.0 / 3.0; 3]).abs() < 1e-12);
        assert!((sharpness(&[1.0, 0.0, 0.0]) - 1.0).abs() < 1e-12);
        let s = sharpness(&[0.6, 0.25, 0.15]);
        assert!(s > 0.0 && s < 1.0);
    }
}
