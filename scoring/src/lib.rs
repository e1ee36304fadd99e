//! Scoring rules of probabilistic 1X2 forecasts, one forecast at a time. Probabilities
//! are `[home, draw, away]`; RPS uses that order as the ranking. The backtests and the
//! API's analytics score with these same functions.

/// Probabilities are clipped to this before a logarithm so a confident miss costs a
/// large but finite log loss.
const LOG_FLOOR: f64 = 1e-15;

/// Ranked probability score of one forecast over ordered outcomes:
/// `1/(r−1) Σ_{i<r} (Σ_{j≤i} p_j − Σ_{j≤i} o_j)²`. 0 is perfect; lower is better.
pub fn rps(probs: &[f64], outcome: usize) -> f64 {
    let r = probs.len();
    if r < 2 {
        return 0.0;
    }
    let (mut cum_p, mut total) = (0.0, 0.0);
    for (i, &p) in probs[..r - 1].iter().enumerate() {
        cum_p += p;
        let cum_o = if outcome <= i { 1.0 } else { 0.0 };
        total += (cum_p - cum_o).powi(2);
    }
    total / (r - 1) as f64
}

/// Log loss (negative log-likelihood) of one forecast, natural log.
pub fn log_loss(probs: &[f64], outcome: usize) -> f64 {
    -probs.get(outcome).copied().unwrap_or(0.0).max(LOG_FLOOR).ln()
}

/// Multi-class Brier score of one forecast: `Σ_i (p_i − o_i)²`, from 0 (perfect) to 2.
pub fn brier(probs: &[f64], outcome: usize) -> f64 {
    probs.iter().enumerate().map(|(i, &p)| (p - if i == outcome { 1.0 } else { 0.0 }).powi(2)).sum()
}

/// Whether the most likely outcome (the first on ties) happened.
pub fn hit(probs: &[f64], outcome: usize) -> bool {
    let best = probs.iter().enumerate().fold(0, |best, (i, &p)| if p > probs[best] { i } else { best });
    best == outcome
}

/// Mean RPS, log loss, Brier and accuracy over `(forecast, outcome index)` pairs;
/// `None` when there are none.
pub fn means<'a>(scored: impl IntoIterator<Item = (&'a [f64; 3], usize)>) -> Option<Means> {
    let (mut n, mut r, mut l, mut b, mut h) = (0usize, 0.0, 0.0, 0.0, 0usize);
    for (p, o) in scored {
        n += 1;
        r += rps(p, o);
        l += log_loss(p, o);
        b += brier(p, o);
        h += usize::from(hit(p, o));
    }
    (n > 0).then(|| {
        let k = n as f64;
        Means { n, rps: r / k, log_loss: l / k, brier: b / k, accuracy: h as f64 / k }
    })
}

/// Mean scores of a set of forecasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Means {
    pub n: usize,
    pub rps: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub accuracy: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 3] = [0.5, 0.3, 0.2];

    #[test]
    fn rps_by_hand() {
        // Cumulative forecast (0.5, 0.8).
        // Home: observed (1, 1) → (0.25 + 0.04) / 2.
        assert!((rps(&P, 0) - 0.145).abs() < 1e-12);
        // Draw: observed (0, 1) → (0.25 + 0.04) / 2.
        assert!((rps(&P, 1) - 0.145).abs() < 1e-12);
        // Away: observed (0, 0) → (0.25 + 0.64) / 2.
        assert!((rps(&P, 2) - 0.445).abs() < 1e-12);
        assert_eq!(rps(&[1.0, 0.0, 0.0], 0), 0.0);
        assert!((rps(&[0.0, 0.0, 1.0], 0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn log_loss_and_brier_by_hand() {
        assert!((log_loss(&P, 1) - 1.203_972_804_325_936).abs() < 1e-12); // −ln 0.3
        assert!(log_loss(&[1.0, 0.0, 0.0], 2).is_finite());
        // Home: 0.5² + 0.3² + 0.2² = 0.25 + 0.09 + 0.04.
        assert!((brier(&P, 0) - 0.38).abs() < 1e-12);
        // Away: 0.5² + 0.3² + 0.8² = 0.25 + 0.09 + 0.64.
        assert!((brier(&P, 2) - 0.98).abs() < 1e-12);
    }

    #[test]
    fn means_average_and_refuse_nothing() {
        let f = [P, [0.2, 0.3, 0.5]];
        let m = means(f.iter().map(|p| (p, 0))).unwrap();
        assert_eq!(m.n, 2);
        assert!((m.accuracy - 0.5).abs() < 1e-12);
        assert!((m.rps - (0.145 + 0.445) / 2.0).abs() < 1e-12);
        assert!((m.brier - (0.38 + 0.98) / 2.0).abs() < 1e-12);
        assert_eq!(means(std::iter::empty()), None);
    }
}
