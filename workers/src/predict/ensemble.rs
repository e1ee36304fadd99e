//! The ensemble: a weighted average of member forecasts whose weights are fitted on
//! out-of-sample forecasts (never set by hand), by maximum likelihood on the simplex.
//!
//! The fit is the EM update for mixture weights, `w_k ← mean_i(w_k·p_ik / Σ_j w_j·p_ij)`,
//! which raises the likelihood at every step and keeps the weights non-negative and
//! summing to one without any projection.

use serde::{Deserialize, Serialize};

use super::data::Outcome;
use super::error::PredictError;

/// Named member weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub members: Vec<String>,
    pub weights: Vec<f64>,
}

impl Weights {
    /// Equal weights, for when there is nothing to fit on yet.
    pub fn equal(members: &[&str]) -> Self {
        let w = 1.0 / members.len().max(1) as f64;
        Self { members: members.iter().map(|m| m.to_string()).collect(), weights: vec![w; members.len()] }
    }

    /// The weighted forecast of one match; `forecasts` in member order.
    pub fn combine(&self, forecasts: &[[f64; 3]]) -> [f64; 3] {
        let mut out = [0.0; 3];
        for (w, p) in self.weights.iter().zip(forecasts) {
            for (o, x) in out.iter_mut().zip(p) {
                *o += w * x;
            }
        }
        let total: f64 = out.iter().sum();
        if total > 0.0 {
            out.iter_mut().for_each(|x| *x /= total);
        }
        out
    }
}

/// Iterations of the EM update; the weights move by well under 1e-6 long before.
const ITERATIONS: usize = 300;

/// Fits weights for `members` on `forecasts[i][k]` (match i, member k) and the outcomes.
pub fn fit(
    members: &[&str],
    forecasts: &[Vec<[f64; 3]>],
    outcomes: &[Outcome],
) -> Result<Weights, PredictError> {
    if forecasts.len() != outcomes.len() {
        return Err(PredictError::LengthMismatch { left: forecasts.len(), right: outcomes.len() });
    }
    if forecasts.is_empty() || members.is_empty() {
        return Err(PredictError::Empty);
    }
    let k = members.len();
    if let Some(bad) = forecasts.iter().find(|f| f.len() != k) {
        return Err(PredictError::LengthMismatch { left: bad.len(), right: k });
    }
    // The probability each member gave to what happened, floored so one confident miss
    // cannot zero a member for good.
    let hit: Vec<Vec<f64>> = forecasts
        .iter()
        .zip(outcomes)
        .map(|(f, o)| f.iter().map(|p| p[o.index()].max(1e-9)).collect())
        .collect();
    let mut w = vec![1.0 / k as f64; k];
    let mut next = vec![0.0; k];
    for _ in 0..ITERATIONS {
        next.iter_mut().for_each(|x| *x = 0.0);
        for row in &hit {
            let mix: f64 = w.iter().zip(row).map(|(a, b)| a * b).sum();
            for j in 0..k {
                next[j] += w[j] * row[j] / mix;
            }
        }
        let n = hit.len() as f64;
        for j in 0..k {
            w[j] = next[j] / n;
        }
    }
    Ok(Weights { members: members.iter().map(|m| m.to_string()).collect(), weights: w })
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::predict::testutil::draw;

    #[test]
    fn the_informative_member_takes_the_weight() {
        let mut rng = StdRng::seed_from_u64(7);
        let (mut forecasts, mut outcomes) = (Vec::new(), Vec::new());
        for _ in 0..4_000 {
            let h: f64 = rng.random_range(0.2..0.7);
            let truth = [h, 0.25, 0.75 - h];
            outcomes.push(draw(&mut rng, truth));
            forecasts.push(vec![truth, [0.45, 0.27, 0.28]]);
        }
        let w = fit(&["truth", "base_rate"], &forecasts, &outcomes).unwrap();
        assert!(w.weights[0] > 0.85, "{w:?}");
        assert!((w.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(w.weights.iter().all(|x| *x >= 0.0));
    }

    #[test]
    fn two_halves_of_the_truth_share_it() {
        // Each member is right on its own half of the matches and uniform on the other:
        // the mixture needs both.
        let mut rng = StdRng::seed_from_u64(11);
        let (mut forecasts, mut outcomes) = (Vec::new(), Vec::new());
        let uniform = [1.0 / 3.0; 3];
        for i in 0..4_000 {
            let truth = if i % 2 == 0 { [0.7, 0.2, 0.1] } else { [0.1, 0.2, 0.7] };
            outcomes.push(draw(&mut rng, truth));
            forecasts.push(if i % 2 == 0 { vec![truth, uniform] } else { vec![uniform, truth] });
        }
        let w = fit(&["a", "b"], &forecasts, &outcomes).unwrap();
        assert!((w.weights[0] - 0.5).abs() < 0.08, "{w:?}");
    }

    #[test]
    fn combine_is_a_distribution_and_bad_input_is_refused() {
        let w = Weights { members: vec!["a".into(), "b".into()], weights: vec![0.25, 0.75] };
        let p = w.combine(&[[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]]);
        assert!((p[0] - 0.2).abs() < 1e-12 && (p[2] - 0.5).abs() < 1e-12);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(fit(&["a"], &[], &[]).is_err());
        assert!(fit(&["a", "b"], &[vec![[1.0, 0.0, 0.0]]], &[Outcome::Home]).is_err());
        let eq = Weights::equal(&["a", "b", "c", "d"]);
        assert_eq!(eq.weights, vec![0.25; 4]);
    }
}
