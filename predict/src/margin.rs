//! Bookmaker margin removal: from decimal prices to probabilities that sum to one.
//!
//! Multiplicative normalisation spreads the margin in proportion to each implied
//! probability. Shin's method models the margin as the bookmaker's protection against a
//! share `z` of insider money, which loads more of it onto longshots: the favourite comes
//! out more likely and the longshots less than under normalisation.

use serde::{Deserialize, Serialize};

use super::error::PredictError;

/// Implied probabilities `1/o_i`, checking every price.
pub fn implied(odds: &[f64]) -> Result<Vec<f64>, PredictError> {
    if odds.len() < 2 {
        return Err(PredictError::TooFewOutcomes(odds.len()));
    }
    odds.iter()
        .map(|&o| if o.is_finite() && o > 1.0 { Ok(1.0 / o) } else { Err(PredictError::InvalidOdds(o)) })
        .collect()
}

/// The book's overround `Σ 1/o_i − 1` (0.05 is a 5 % margin).
pub fn overround(odds: &[f64]) -> Result<f64, PredictError> {
    Ok(implied(odds)?.iter().sum::<f64>() - 1.0)
}

/// Multiplicative normalisation: `p_i = (1/o_i) / Σ_j (1/o_j)`.
pub fn normalise(odds: &[f64]) -> Result<Vec<f64>, PredictError> {
    let mut p = implied(odds)?;
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|x| *x /= total);
    Ok(p)
}

/// Shin's probabilities and the insider share `z` that makes them sum to one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shin {
    /// Margin-free probabilities, in the order of the prices.
    pub probs: Vec<f64>,
    /// Estimated share of insider trading, in `[0, 1)`.
    pub z: f64,
}

/// Shin's method for a market of two or more outcomes.
///
/// With `π_i = 1/o_i` and `β = Σ π_i`, `p_i(z) = (√(z² + 4(1−z)π_i²/β) − z) / (2(1−z))`,
/// and `z` solves `Σ p_i(z) = 1` on `[0, 1)`. `Σ p_i(0) = √β > 1` and `Σ p_i(z) → Σπ_i²/β < 1`
/// as `z → 1`, so a book with a margin always has exactly one bracketed root. A book
/// without one (`β ≤ 1`) has no insider share: `z = 0` and the normalised probabilities.
pub fn shin(odds: &[f64]) -> Result<Shin, PredictError> {
    let pi = implied(odds)?;
    let beta: f64 = pi.iter().sum();
    if beta <= 1.0 + 1e-12 {
        return Ok(Shin { probs: pi.iter().map(|p| p / beta).collect(), z: 0.0 });
    }
    let p_at = |z: f64, p: f64| ((z * z + 4.0 * (1.0 - z) * p * p / beta).sqrt() - z) / (2.0 * (1.0 - z));
    let excess = |z: f64| pi.iter().map(|&p| p_at(z, p)).sum::<f64>() - 1.0;
    let z = brent(excess, 0.0, 1.0 - 1e-9, 1e-15, 200)?;
    let mut probs: Vec<f64> = pi.iter().map(|&p| p_at(z, p)).collect();
    // The root is exact to ~1e-15; renormalise so the sum is one to the last bit.
    let total: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= total);
    Ok(Shin { probs, z })
}

/// Brent's method: a root of `f` in `[a, b]` where `f(a)` and `f(b)` differ in sign.
/// Inverse quadratic interpolation where it is safe, bisection where it is not, so it
/// converges at least as fast as bisection.
pub(crate) fn brent(
    f: impl Fn(f64) -> f64,
    mut a: f64,
    mut b: f64,
    tol: f64,
    max_iters: usize,
) -> Result<f64, PredictError> {
    let (mut fa, mut fb) = (f(a), f(b));
    if !(fa.is_finite() && fb.is_finite()) {
        return Err(PredictError::RootFinding("function not finite at the bracket"));
    }
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    if fa.signum() == fb.signum() {
        return Err(PredictError::RootFinding("no sign change in the bracket"));
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..max_iters {
        if fb.signum() == fc.signum() {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            (a, b, c) = (b, c, b);
            (fa, fb, fc) = (fb, fc, fb);
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol;
        let m = 0.5 * (c - b);
        if m.abs() <= tol1 || fb == 0.0 {
            return Ok(b);
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * m * s, 1.0 - s)
            } else {
                let q = fa / fc;
                let r = fb / fc;
                (s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0)), (q - 1.0) * (r - 1.0) * (s - 1.0))
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * m * q - (tol1 * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 { d } else { tol1.copysign(m) };
        fb = f(b);
    }
    Err(PredictError::RootFinding("did not converge"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64], tol: f64) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < tol, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn normalisation_of_known_prices() {
        // 1/2 + 1/3.5 + 1/4 = 1.0357142857; each implied probability divided by it.
        let p = normalise(&[2.0, 3.5, 4.0]).unwrap();
        close(&p, &[0.482_758_620_689_655_2, 0.275_862_068_965_517_2, 0.241_379_310_344_827_6], 1e-12);
        assert!((overround(&[2.0, 3.5, 4.0]).unwrap() - 0.035_714_285_714_285_6).abs() < 1e-12);
    }

    #[test]
    fn shin_of_known_prices() {
        // Reference values from the fixed-point iteration z ← (Σ√(z² + 4(1−z)π²/β) − 2)/(n − 2),
        // a different algorithm from the root finder used here.
        let s = shin(&[2.0, 3.5, 4.0]).unwrap();
        assert!((s.z - 0.017_891_311_770_300_79).abs() < 1e-10, "z = {}", s.z);
        close(&s.probs, &[0.486_733_634_762_946_2, 0.274_328_396_122_805_2, 0.238_937_969_114_252_4], 1e-10);
    }

    #[test]
    fn shin_on_a_two_way_market() {
        // Reference by bisection on Σp(z) = 1 for 1.5 / 2.6.
        let s = shin(&[1.5, 2.6]).unwrap();
        assert!((s.z - 0.051_498_257_839_721).abs() < 1e-9, "z = {}", s.z);
        close(&s.probs, &[0.641_025_641_025_641, 0.358_974_358_974_359], 1e-9);
    }

    #[test]
    fn shin_on_fair_odds_is_normalisation() {
        let fair = [2.0, 4.0, 4.0];
        let s = shin(&fair).unwrap();
        assert!(s.z.abs() < 1e-12);
        close(&s.probs, &normalise(&fair).unwrap(), 1e-12);
        close(&s.probs, &[0.5, 0.25, 0.25], 1e-12);
    }

    #[test]
    fn shin_moves_probability_from_longshots_to_the_favourite() {
        let odds = [1.3, 5.5, 11.0];
        let s = shin(&odds).unwrap();
        let n = normalise(&odds).unwrap();
        assert!(s.z > 0.0);
        assert!(s.probs[0] > n[0]);
        assert!(s.probs[2] < n[2]);
        assert!((s.probs.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn bad_prices_are_refused() {
        assert_eq!(normalise(&[2.0]), Err(PredictError::TooFewOutcomes(1)));
        assert_eq!(normalise(&[2.0, 1.0]), Err(PredictError::InvalidOdds(1.0)));
        assert!(shin(&[2.0, f64::NAN]).is_err());
    }

    #[test]
    fn brent_finds_a_known_root() {
        let r = brent(|x| x * x - 2.0, 0.0, 2.0, 1e-15, 100).unwrap();
        assert!((r - std::f64::consts::SQRT_2).abs() < 1e-14);
        assert!(brent(|x| x * x + 1.0, 0.0, 2.0, 1e-15, 100).is_err());
    }
}
