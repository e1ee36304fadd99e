//! Scoring rules for probabilistic 1X2 forecasts, and a calibration table.
//!
//! Probabilities are `[home, draw, away]`; RPS uses that order as the ranking.

use serde::{Deserialize, Serialize};

use super::data::Outcome;
use super::error::PredictError;

pub use scoring::{brier, hit, log_loss, rps};

/// Mean scores of a set of 1X2 forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Number of forecasts scored.
    pub n: usize,
    /// Mean ranked probability score.
    pub rps: f64,
    /// Mean log loss.
    pub log_loss: f64,
    /// Mean multi-class Brier score.
    pub brier: f64,
    /// Share of forecasts whose most likely outcome happened.
    pub accuracy: f64,
}

/// Mean RPS, log loss, Brier and accuracy of `forecasts` against `outcomes`.
pub fn evaluate(forecasts: &[[f64; 3]], outcomes: &[Outcome]) -> Result<Scores, PredictError> {
    if forecasts.len() != outcomes.len() {
        return Err(PredictError::LengthMismatch { left: forecasts.len(), right: outcomes.len() });
    }
    if forecasts.is_empty() {
        return Err(PredictError::Empty);
    }
    let m = scoring::means(forecasts.iter().zip(outcomes).map(|(p, o)| (p, o.index())))
        .ok_or(PredictError::Empty)?;
    Ok(Scores { n: m.n, rps: m.rps, log_loss: m.log_loss, brier: m.brier, accuracy: m.accuracy })
}

/// One bin of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin (inclusive).
    pub lower: f64,
    /// Upper edge of the bin (exclusive, except 1.0 for the last bin).
    pub upper: f64,
    /// Number of predictions in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin (NaN when empty).
    pub mean_predicted: f64,
    /// Share of the bin's predictions whose event happened (NaN when empty).
    pub observed: f64,
}

/// Calibration table: predicted probabilities in `bins` equal-width bins over [0, 1],
/// each with its mean prediction and the observed frequency of the event. A calibrated
/// model has `mean_predicted ≈ observed` in every well-filled bin.
pub fn calibration(
    probs: &[f64],
    happened: &[bool],
    bins: usize,
) -> Result<Vec<CalibrationBin>, PredictError> {
    if probs.len() != happened.len() {
        return Err(PredictError::LengthMismatch { left: probs.len(), right: happened.len() });
    }
    if bins == 0 {
        return Err(PredictError::InvalidParameter { name: "bins", reason: "must be at least 1".into() });
    }
    let mut sum_p = vec![0.0; bins];
    let mut hits = vec![0usize; bins];
    let mut counts = vec![0usize; bins];
    for (&p, &y) in probs.iter().zip(happened) {
        if !(0.0..=1.0).contains(&p) {
            return Err(PredictError::InvalidProbability(p));
        }
        let i = ((p * bins as f64) as usize).min(bins - 1);
        sum_p[i] += p;
        hits[i] += usize::from(y);
        counts[i] += 1;
    }
    Ok((0..bins)
        .map(|i| {
            let c = counts[i] as f64;
            CalibrationBin {
                lower: i as f64 / bins as f64,
                upper: (i + 1) as f64 / bins as f64,
                count: counts[i],
                mean_predicted: sum_p[i] / c,
                observed: hits[i] as f64 / c,
            }
        })
        .collect())
}

/// Calibration of 1X2 forecasts, pooling all three outcomes of every match as separate
/// (probability, happened) events.
pub fn calibration_1x2(
    forecasts: &[[f64; 3]],
    outcomes: &[Outcome],
    bins: usize,
) -> Result<Vec<CalibrationBin>, PredictError> {
    if forecasts.len() != outcomes.len() {
        return Err(PredictError::LengthMismatch { left: forecasts.len(), right: outcomes.len() });
    }
    let mut probs = Vec::with_capacity(forecasts.len() * 3);
    let mut happened = Vec::with_capacity(forecasts.len() * 3);
    for (p, o) in forecasts.iter().zip(outcomes) {
        for (i, &pi) in p.iter().enumerate() {
            probs.push(pi);
            happened.push(i == o.index());
        }
    }
    calibration(&probs, &happened, bins)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 3] = [0.5, 0.3, 0.2];

    #[test]
    fn evaluate_averages() {
        let f = [P, [0.2, 0.3, 0.5]];
        let o = [Outcome::Home, Outcome::Home];
        let s = evaluate(&f, &o).unwrap();
        assert_eq!(s.n, 2);
        assert!((s.accuracy - 0.5).abs() < 1e-12);
        // Second: cumulative (0.2, 0.5) vs (1, 1) → (0.64 + 0.25) / 2 = 0.445.
        assert!((s.rps - (0.145 + 0.445) / 2.0).abs() < 1e-12);
        // Second Brier: 0.64 + 0.09 + 0.25 = 0.98.
        assert!((s.brier - (0.38 + 0.98) / 2.0).abs() < 1e-12);
        assert!((s.log_loss - (-(0.5f64.ln()) - 0.2f64.ln()) / 2.0).abs() < 1e-12);
        assert!(evaluate(&f, &o[..1]).is_err());
        assert!(evaluate(&[], &[]).is_err());
    }

    #[test]
    fn calibration_bins_by_hand() {
        let probs = [0.05, 0.15, 0.12, 0.95, 1.0];
        let happened = [false, true, false, true, true];
        let t = calibration(&probs, &happened, 10).unwrap();
        assert_eq!(t.len(), 10);
        assert_eq!(t[0].count, 1);
        assert_eq!(t[0].observed, 0.0);
        assert_eq!(t[1].count, 2);
        assert!((t[1].mean_predicted - 0.135).abs() < 1e-12);
        assert!((t[1].observed - 0.5).abs() < 1e-12);
        // 1.0 falls into the last bin.
        assert_eq!(t[9].count, 2);
        assert!((t[9].mean_predicted - 0.975).abs() < 1e-12);
        assert!(t[5].mean_predicted.is_nan());
        assert!(calibration(&[1.5], &[true], 10).is_err());
    }

    #[test]
    fn calibration_1x2_pools_three_events_per_match() {
        let t = calibration_1x2(&[P], &[Outcome::Draw], 2).unwrap();
        assert_eq!(t[0].count, 2); // 0.3 and 0.2
        assert_eq!(t[1].count, 1); // 0.5
        assert!((t[0].observed - 0.5).abs() < 1e-12);
        assert_eq!(t[1].observed, 0.0);
    }
}
