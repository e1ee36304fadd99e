//! The model and the market, blended: the probability a bet is judged on.
//!
//! A bookmaker's margin-free line already holds most of what can be known before a
//! match, so a model's forecast is worth only what it adds to it. The blend is a
//! logarithmic pool, `p_i ∝ model_i^w · market_i^(1−w)`, with `w` fitted by maximum
//! likelihood on earlier matches of the same league: where the model adds nothing, `w`
//! goes to 0 and the blend is the market's line, so the model's disagreements with the
//! market (where its value bets come from) count only as far as they have paid before.
//! The log-likelihood is concave in `w` (a log-linear family), so a golden-section search
//! on `[0, 1]` finds its maximum.

use super::data::Outcome;
use super::error::PredictError;

/// Fewer earlier matches than this and the model gets no weight: the market's line alone.
pub const MIN_MATCHES: usize = 200;

/// The pooled forecast of `model` and `market` with weight `w` on the model.
pub fn pool(model: [f64; 3], market: [f64; 3], w: f64) -> [f64; 3] {
    let w = w.clamp(0.0, 1.0);
    let mut out = [0.0; 3];
    for i in 0..3 {
        // Floors keep a zero from either side from vetoing an outcome outright.
        out[i] = (w * model[i].max(1e-9).ln() + (1.0 - w) * market[i].max(1e-9).ln()).exp();
    }
    let total: f64 = out.iter().sum();
    out.map(|x| x / total)
}

/// One earlier match: the model's forecast, the market's margin-free line, the result.
pub type Sample = ([f64; 3], [f64; 3], Outcome);

/// Mean log-likelihood of the outcomes under the pool with weight `w`.
fn mean_log_likelihood(samples: &[Sample], w: f64) -> f64 {
    let total: f64 = samples.iter().map(|(m, k, o)| pool(*m, *k, w)[o.index()].max(1e-12).ln()).sum();
    total / samples.len() as f64
}

/// The model's weight fitted on `samples`; 0 (the market alone) below [`MIN_MATCHES`].
pub fn fit(samples: &[Sample]) -> Result<f64, PredictError> {
    if let Some(bad) = samples.iter().flat_map(|(m, k, _)| m.iter().chain(k)).find(|p| !p.is_finite()) {
        return Err(PredictError::InvalidProbability(*bad));
    }
    if samples.len() < MIN_MATCHES {
        return Ok(0.0);
    }
    // Golden-section search for the maximum of a concave function on [0, 1].
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut fa, mut fb) = (mean_log_likelihood(samples, a), mean_log_likelihood(samples, b));
    while hi - lo > 1e-4 {
        if fa < fb {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = mean_log_likelihood(samples, b);
        } else {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = mean_log_likelihood(samples, a);
        }
    }
    let w = (lo + hi) / 2.0;
    // The ends themselves: the maximum may sit on the boundary.
    let best = [(0.0, mean_log_likelihood(samples, 0.0)), (w, mean_log_likelihood(samples, w))]
        .into_iter()
        .chain([(1.0, mean_log_likelihood(samples, 1.0))])
        .fold((0.0, f64::NEG_INFINITY), |acc, x| if x.1 > acc.1 { x } else { acc });
    Ok(best.0)
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::testutil::draw;

    fn normalised(p: [f64; 3]) -> [f64; 3] {
        let t: f64 = p.iter().sum();
        p.map(|x| x / t)
    }

    #[test]
    fn pool_of_known_inputs() {
        let (m, k) = ([0.5, 0.3, 0.2], [0.4, 0.3, 0.3]);
        assert_eq!(pool(m, k, 0.0), normalised(k));
        let one = pool(m, k, 1.0);
        for i in 0..3 {
            assert!((one[i] - m[i]).abs() < 1e-12);
        }
        // Halfway: the normalised geometric mean.
        let half = pool(m, k, 0.5);
        let g = normalised([(0.5f64 * 0.4).sqrt(), 0.3, (0.2f64 * 0.3).sqrt()]);
        for i in 0..3 {
            assert!((half[i] - g[i]).abs() < 1e-12, "{half:?} {g:?}");
        }
    }

    /// Outcomes drawn from the market's line, a model that is the line plus noise: the
    /// model earns (almost) no weight. Drawn from the model's: it earns (almost) all.
    #[test]
    fn weight_goes_to_whichever_side_carries_the_information() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut from_market = Vec::new();
        let mut from_model = Vec::new();
        for _ in 0..4_000 {
            let market = normalised([rng.random_range(0.2..0.6), 0.27, rng.random_range(0.15..0.5)]);
            let noisy = normalised(market.map(|p| p * rng.random_range(0.6..1.4)));
            from_market.push((noisy, market, draw(&mut rng, market)));
            from_model.push((noisy, market, draw(&mut rng, noisy)));
        }
        let w_market = fit(&from_market).unwrap();
        let w_model = fit(&from_model).unwrap();
        assert!(w_market < 0.15, "{w_market}");
        assert!(w_model > 0.75, "{w_model}");
    }

    #[test]
    fn too_few_matches_leave_the_market_alone_and_bad_input_is_refused() {
        let s = ([0.5, 0.3, 0.2], [0.4, 0.3, 0.3], Outcome::Home);
        assert_eq!(fit(&vec![s; MIN_MATCHES - 1]).unwrap(), 0.0);
        let bad = ([f64::NAN, 0.3, 0.2], [0.4, 0.3, 0.3], Outcome::Home);
        assert!(matches!(fit(&[bad]), Err(PredictError::InvalidProbability(_))));
    }
}
