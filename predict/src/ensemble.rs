//! The ensemble: member forecasts pooled with weights fitted on out-of-sample forecasts
//! (never set by hand), by maximum likelihood.
//!
//! Two pools:
//! - **linear**, `Σ_k w_k p_k` with the weights on the simplex ([`fit`]), by the EM update
//!   for mixture weights, `w_k ← mean_i(w_k·p_ik / Σ_j w_j·p_ij)`, which raises the
//!   likelihood at every step and needs no projection. Averaging members that mostly
//!   agree blunts the forecast: a linear pool of calibrated forecasts is less sharp than
//!   it should be (Ranjan and Gneiting 2010).
//! - **logarithmic**, `p ∝ exp(c + Σ_k w_k log p_k)` with non-negative weights free to sum
//!   past one (sharpening what the members agree on) and an offset per outcome (a draw
//!   rate the members share a bias on) ([`fit_logarithmic`]): stacking on the members'
//!   log-probabilities, by L-BFGS. This is what Kickoff fits.

use super::optim;

use serde::{Deserialize, Serialize};

use super::data::Outcome;
use super::error::PredictError;

/// How member forecasts are pooled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pool {
    /// A weighted average (weights sum to one).
    #[default]
    Linear,
    /// A weighted geometric mean, renormalised, with per-outcome offsets.
    Logarithmic,
}

/// Named member weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub members: Vec<String>,
    pub weights: Vec<f64>,
    /// Weights stored before the logarithmic pool existed are linear.
    #[serde(default)]
    pub pool: Pool,
    /// The logarithmic pool's offsets for home, draw and away (home's is 0).
    #[serde(default)]
    pub offsets: [f64; 3],
}

impl Weights {
    /// Equal weights, for when there is nothing to fit on yet.
    pub fn equal(members: &[&str]) -> Self {
        let w = 1.0 / members.len().max(1) as f64;
        Self {
            members: members.iter().map(|m| m.to_string()).collect(),
            weights: vec![w; members.len()],
            pool: Pool::Linear,
            offsets: [0.0; 3],
        }
    }

    /// The weighted forecast of one match; `forecasts[i]` is the forecast of `names[i]`.
    /// Weights are matched by member name, so weights stored before a member was added
    /// (or after one was dropped) still weigh the members they were fitted on; a member
    /// with no weight counts for nothing.
    pub fn combine(&self, names: &[&str], forecasts: &[[f64; 3]]) -> [f64; 3] {
        let mut out = match self.pool {
            Pool::Linear => [0.0; 3],
            Pool::Logarithmic => self.offsets,
        };
        for (member, w) in self.members.iter().zip(&self.weights) {
            let Some(p) = names.iter().position(|n| n == member).and_then(|i| forecasts.get(i)) else {
                continue;
            };
            for (o, x) in out.iter_mut().zip(p) {
                *o += match self.pool {
                    Pool::Linear => w * x,
                    Pool::Logarithmic => w * x.max(P_FLOOR).ln(),
                };
            }
        }
        if self.pool == Pool::Logarithmic {
            let top = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            out.iter_mut().for_each(|x| *x = (*x - top).exp());
        }
        let total: f64 = out.iter().sum();
        if total > 0.0 {
            out.iter_mut().for_each(|x| *x /= total);
        }
        out
    }
}

/// Probabilities are floored here before a logarithm, so one member's 0 cannot veto an
/// outcome.
const P_FLOOR: f64 = 1e-9;

/// Fits the logarithmic pool of `members` on `forecasts[i][k]` (match i, member k) and
/// the outcomes: weights `exp(θ_k)` (non-negative) and offsets for draw and away, by
/// maximum likelihood with a light ridge on both.
pub fn fit_logarithmic(
    members: &[&str],
    forecasts: &[Vec<[f64; 3]>],
    outcomes: &[Outcome],
) -> Result<Weights, PredictError> {
    check(members, forecasts, outcomes)?;
    let k = members.len();
    let logs: Vec<Vec<[f64; 3]>> =
        forecasts.iter().map(|f| f.iter().map(|p| p.map(|x| x.max(P_FLOOR).ln())).collect()).collect();
    let n = outcomes.len() as f64;
    // Layout: θ (k), then the draw and away offsets.
    let objective = |x: &[f64], g: &mut [f64]| {
        let w: Vec<f64> = x[..k].iter().map(|t| t.exp()).collect();
        let c = [0.0, x[k], x[k + 1]];
        g.fill(0.0);
        let mut ll = 0.0;
        for (row, o) in logs.iter().zip(outcomes) {
            let mut s = c;
            for (wk, l) in w.iter().zip(row) {
                for j in 0..3 {
                    s[j] += wk * l[j];
                }
            }
            let top = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s.iter().map(|v| (v - top).exp()).sum();
            let q = s.map(|v| (v - top).exp() / z);
            let y = o.index();
            ll += s[y] - top - z.ln();
            for (m, l) in row.iter().enumerate() {
                let expected: f64 = (0..3).map(|j| q[j] * l[j]).sum();
                g[m] += w[m] * (l[y] - expected);
            }
            g[k] += f64::from(u8::from(y == 1)) - q[1];
            g[k + 1] += f64::from(u8::from(y == 2)) - q[2];
        }
        ll -= 0.5 * OFFSET_RIDGE * (x[k] * x[k] + x[k + 1] * x[k + 1]);
        g[k] -= OFFSET_RIDGE * x[k];
        g[k + 1] -= OFFSET_RIDGE * x[k + 1];
        ll -= 0.5 * WEIGHT_RIDGE * w.iter().map(|v| v * v).sum::<f64>();
        for (gm, wm) in g.iter_mut().zip(&w) {
            // d/dθ of ½·R·w² with w = exp(θ).
            *gm -= WEIGHT_RIDGE * wm * wm;
        }
        g.iter_mut().for_each(|v| *v = -*v / n);
        -ll / n
    };
    let mut x0 = vec![(1.0 / k as f64).ln(); k];
    x0.extend([0.0, 0.0]);
    let m = optim::minimise(objective, x0, 1e-9, 500)?;
    Ok(Weights {
        members: members.iter().map(|m| m.to_string()).collect(),
        weights: m.x[..k].iter().map(|t| t.exp()).collect(),
        pool: Pool::Logarithmic,
        offsets: [0.0, m.x[k], m.x[k + 1]],
    })
}

/// Ridge on the logarithmic pool's offsets, in matches: they move only as far as the
/// outcomes insist.
const OFFSET_RIDGE: f64 = 1.0;

/// Ridge on its weights, in matches: members that mostly agree cannot trade huge
/// opposite weights on a few weeks of forecasts.
const WEIGHT_RIDGE: f64 = 1.0;

fn check(members: &[&str], forecasts: &[Vec<[f64; 3]>], outcomes: &[Outcome]) -> Result<(), PredictError> {
    if forecasts.len() != outcomes.len() {
        return Err(PredictError::LengthMismatch { left: forecasts.len(), right: outcomes.len() });
    }
    if forecasts.is_empty() || members.is_empty() {
        return Err(PredictError::Empty);
    }
    if let Some(bad) = forecasts.iter().find(|f| f.len() != members.len()) {
        return Err(PredictError::LengthMismatch { left: bad.len(), right: members.len() });
    }
    Ok(())
}

/// Iterations of the EM update; the weights move by well under 1e-6 long before.
const ITERATIONS: usize = 300;

/// Fits weights for `members` on `forecasts[i][k]` (match i, member k) and the outcomes.
pub fn fit(
    members: &[&str],
    forecasts: &[Vec<[f64; 3]>],
    outcomes: &[Outcome],
) -> Result<Weights, PredictError> {
    check(members, forecasts, outcomes)?;
    let k = members.len();
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
    Ok(Weights { weights: w, ..Weights::equal(members) })
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::testutil::draw;

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

    /// A member that is the truth blunted (its square root, renormalised) and one that
    /// is noise: the logarithmic pool puts a weight near 2 on the first, recovering the
    /// truth, and scores better than the linear pool can.
    #[test]
    fn the_logarithmic_pool_sharpens_a_blunt_member() {
        let mut rng = StdRng::seed_from_u64(9);
        let (mut forecasts, mut outcomes) = (Vec::new(), Vec::new());
        for _ in 0..6_000 {
            let h: f64 = rng.random_range(0.1..0.68);
            let truth = [h, 0.22, 0.78 - h];
            let blunt = truth.map(f64::sqrt);
            let total: f64 = blunt.iter().sum();
            let noise: f64 = rng.random_range(0.2..0.6);
            outcomes.push(draw(&mut rng, truth));
            forecasts.push(vec![blunt.map(|x| x / total), [noise, 0.3, 0.7 - noise]]);
        }
        let names = ["blunt", "noise"];
        let log = fit_logarithmic(&names, &forecasts, &outcomes).unwrap();
        assert_eq!(log.pool, Pool::Logarithmic);
        assert!((log.weights[0] - 2.0).abs() < 0.3, "{log:?}");
        assert!(log.weights[1] < 0.2, "{log:?}");
        let linear = fit(&names, &forecasts, &outcomes).unwrap();
        let loss = |w: &Weights| -> f64 {
            forecasts.iter().zip(&outcomes).map(|(f, o)| -w.combine(&names, f)[o.index()].ln()).sum::<f64>()
        };
        assert!(loss(&log) < loss(&linear) - 20.0, "{} vs {}", loss(&log), loss(&linear));
        assert!(fit_logarithmic(&names, &[], &[]).is_err());
    }

    #[test]
    fn the_logarithmic_pool_by_hand() {
        let w = Weights {
            members: vec!["a".into(), "b".into()],
            weights: vec![1.0, 0.5],
            pool: Pool::Logarithmic,
            offsets: [0.0, 0.1, -0.2],
        };
        let (a, b): ([f64; 3], [f64; 3]) = ([0.5, 0.3, 0.2], [0.4, 0.4, 0.2]);
        let s: [f64; 3] = [0.0, 0.1, -0.2];
        let raw: Vec<f64> = (0..3).map(|j| (s[j] + a[j].ln() + 0.5 * b[j].ln()).exp()).collect();
        let total: f64 = raw.iter().sum();
        let p = w.combine(&["a", "b"], &[a, b]);
        for j in 0..3 {
            assert!((p[j] - raw[j] / total).abs() < 1e-12, "{p:?}");
        }
        // Stored linear weights (no `pool`) still read as linear.
        let old: Weights = serde_json::from_str(r#"{"members":["a"],"weights":[1.0]}"#).unwrap();
        assert_eq!((old.pool, old.offsets), (Pool::Linear, [0.0; 3]));
    }

    #[test]
    fn combine_is_a_distribution_and_bad_input_is_refused() {
        let w = Weights { weights: vec![0.25, 0.75], ..Weights::equal(&["a", "b"]) };
        let p = w.combine(&["a", "b"], &[[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]]);
        assert!((p[0] - 0.2).abs() < 1e-12 && (p[2] - 0.5).abs() < 1e-12);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // By name: a member added since the weights were fitted counts for nothing, and
        // the order of the forecasts does not matter.
        let q = w.combine(&["b", "new", "a"], &[[0.1, 0.3, 0.6], [1.0, 0.0, 0.0], [0.5, 0.3, 0.2]]);
        assert!(p.iter().zip(&q).all(|(x, y)| (x - y).abs() < 1e-12), "{q:?}");
        assert!(fit(&["a"], &[], &[]).is_err());
        assert!(fit(&["a", "b"], &[vec![[1.0, 0.0, 0.0]]], &[Outcome::Home]).is_err());
        let eq = Weights::equal(&["a", "b", "c", "d"]);
        assert_eq!(eq.weights, vec![0.25; 4]);
    }
}
