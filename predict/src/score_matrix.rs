//! Score grids: the probability of every scoreline up to [`MAX_GOALS`] each, from
//! independent Poisson goals with optional Dixon-Coles low-score correction, and the
//! markets that follow from a grid (1X2, expected goals, over/under).

use serde::{Deserialize, Serialize};

/// Highest goal count per side held in a grid. With goal rates below ~4 the mass beyond
/// it is under 1e-3; the 1X2 and over/under figures are renormalised over the grid.
pub const MAX_GOALS: usize = 10;
const N: usize = MAX_GOALS + 1;

/// `1/k` for the Poisson recursion `p_k = p_{k−1} λ / k`, so the inner loop multiplies.
const INV: [f64; N] = {
    let mut inv = [0.0; N];
    let mut k = 1;
    while k < N {
        inv[k] = 1.0 / k as f64;
        k += 1;
    }
    inv
};

/// Dixon-Coles correction factor τ for the scoreline `home`–`away`: it moves mass between
/// 0–0, 1–1 and 1–0, 0–1 (a negative `rho` adds draws) and leaves the grid's total unchanged.
pub fn tau(home: usize, away: usize, lambda: f64, mu: f64, rho: f64) -> f64 {
    match (home, away) {
        (0, 0) => 1.0 - lambda * mu * rho,
        (0, 1) => 1.0 + lambda * rho,
        (1, 0) => 1.0 + mu * rho,
        (1, 1) => 1.0 - rho,
        _ => 1.0,
    }
}

/// Probabilities of the scorelines `0..=MAX_GOALS` × `0..=MAX_GOALS`, indexed
/// `[home goals][away goals]`. Fixed size, so filling one allocates nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreMatrix {
    probs: [[f64; N]; N],
}

impl Default for ScoreMatrix {
    fn default() -> Self {
        Self { probs: [[0.0; N]; N] }
    }
}

impl ScoreMatrix {
    /// The grid for home goal rate `lambda`, away goal rate `mu` and Dixon-Coles `rho`
    /// (0 for independent Poisson).
    pub fn new(lambda: f64, mu: f64, rho: f64) -> Self {
        let mut m = Self::default();
        m.fill(lambda, mu, rho);
        m
    }

    /// Overwrite this grid in place (for batch inference without allocation).
    /// τ is floored at 0 so a `rho` outside its valid range cannot make a probability negative.
    pub fn fill(&mut self, lambda: f64, mu: f64, rho: f64) {
        let (ph, pa) = (poisson_pmf(lambda), poisson_pmf(mu));
        for (row, &h) in self.probs.iter_mut().zip(&ph) {
            for (cell, &a) in row.iter_mut().zip(&pa) {
                *cell = h * a;
            }
        }
        if rho != 0.0 {
            for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                self.probs[i][j] *= tau(i, j, lambda, mu, rho).max(0.0);
            }
        }
    }

    /// The bivariate Poisson grid: home goals `X + Z`, away goals `Y + Z` with `X`, `Y`,
    /// `Z` Poisson of rates `lambda`, `mu` and `lambda3`.
    pub fn bivariate(lambda: f64, mu: f64, lambda3: f64) -> Self {
        let (ph, pa, pz) = (poisson_pmf(lambda), poisson_pmf(mu), poisson_pmf(lambda3));
        let mut m = Self::default();
        for (i, row) in m.probs.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..=i.min(j)).map(|k| pz[k] * ph[i - k] * pa[j - k]).sum();
            }
        }
        m
    }

    /// Probability of the scoreline `home`–`away` (0 beyond the grid).
    pub fn get(&self, home: usize, away: usize) -> f64 {
        self.probs.get(home).and_then(|r| r.get(away)).copied().unwrap_or(0.0)
    }

    /// The rows of the grid, `[home goals][away goals]`.
    pub fn rows(&self) -> &[[f64; N]; N] {
        &self.probs
    }

    /// Mass held by the grid (1 minus what lies beyond [`MAX_GOALS`]).
    pub fn total(&self) -> f64 {
        self.probs.iter().flatten().sum()
    }

    /// `[home win, draw, away win]`, renormalised over the grid so they sum to 1.
    pub fn outcomes(&self) -> [f64; 3] {
        let (mut h, mut d, mut a) = (0.0, 0.0, 0.0);
        for (i, row) in self.probs.iter().enumerate() {
            h += row[..i].iter().sum::<f64>();
            d += row[i];
            a += row[i + 1..].iter().sum::<f64>();
        }
        let t = h + d + a;
        [h / t, d / t, a / t]
    }

    /// Expected (home, away) goals over the grid, renormalised.
    pub fn expected_goals(&self) -> (f64, f64) {
        let (mut eh, mut ea, mut t) = (0.0, 0.0, 0.0);
        for (i, row) in self.probs.iter().enumerate() {
            for (j, &p) in row.iter().enumerate() {
                eh += i as f64 * p;
                ea += j as f64 * p;
                t += p;
            }
        }
        (eh / t, ea / t)
    }

    /// (over, under) probabilities for total goals against `line` (e.g. 2.5), renormalised.
    /// Totals equal to a whole-number line count as neither (a push).
    pub fn over_under(&self, line: f64) -> (f64, f64) {
        let (mut over, mut under) = (0.0, 0.0);
        for (i, row) in self.probs.iter().enumerate() {
            for (j, &p) in row.iter().enumerate() {
                let goals = (i + j) as f64;
                if goals > line {
                    over += p;
                } else if goals < line {
                    under += p;
                }
            }
        }
        let t = self.total();
        (over / t, under / t)
    }
}

/// Poisson probabilities of `0..=MAX_GOALS` by the recursion `p_k = p_{k−1} λ / k`:
/// one `exp` per side, no factorials or powers.
fn poisson_pmf(lambda: f64) -> [f64; N] {
    let mut p = [0.0; N];
    p[0] = (-lambda).exp();
    for k in 1..N {
        p[k] = p[k - 1] * lambda * INV[k];
    }
    p
}

/// 1X2 probabilities for many matches, `rates[i] = (lambda, mu)`, written into `out`,
/// filling one grid after another in the same buffer.
pub fn batch_outcomes(rates: &[(f64, f64)], rho: f64, out: &mut [[f64; 3]]) {
    let mut m = ScoreMatrix::default();
    for (&(lambda, mu), o) in rates.iter().zip(out.iter_mut()) {
        m.fill(lambda, mu, rho);
        *o = m.outcomes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pmf_direct(k: usize, lambda: f64) -> f64 {
        let fact: f64 = (1..=k).map(|i| i as f64).product();
        lambda.powi(k as i32) * (-lambda).exp() / fact
    }

    /// The bivariate grid agrees with Karlis and Ntzoufras' closed form, its marginal
    /// means are `λ + λ₃` and `μ + λ₃`, it has more draws than independent goals of the
    /// same means, and `λ₃ = 0` is independent Poisson.
    #[test]
    fn bivariate_grid() {
        let (l1, l2, l3) = (1.2, 0.9, 0.15);
        let m = ScoreMatrix::bivariate(l1, l2, l3);
        let closed = |x: usize, y: usize| {
            let fact = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
            let choose = |n: usize, k: usize| fact(n) / (fact(k) * fact(n - k));
            let s: f64 = (0..=x.min(y))
                .map(|k| choose(x, k) * choose(y, k) * fact(k) * (l3 / (l1 * l2)).powi(k as i32))
                .sum();
            (-(l1 + l2 + l3)).exp() * l1.powi(x as i32) / fact(x) * l2.powi(y as i32) / fact(y) * s
        };
        for (x, y) in [(0, 0), (1, 0), (2, 3), (4, 1)] {
            assert!((m.get(x, y) - closed(x, y)).abs() < 1e-12, "{x}-{y}");
        }
        let (eh, ea) = m.expected_goals();
        assert!((eh - (l1 + l3)).abs() < 1e-3 && (ea - (l2 + l3)).abs() < 1e-3, "{eh} {ea}");
        let independent = ScoreMatrix::new(l1 + l3, l2 + l3, 0.0);
        assert!(m.outcomes()[1] > independent.outcomes()[1] + 0.005);
        assert_eq!(ScoreMatrix::bivariate(l1, l2, 0.0), ScoreMatrix::new(l1, l2, 0.0));
    }

    #[test]
    fn grid_matches_the_poisson_formula() {
        let m = ScoreMatrix::new(1.6, 1.1, 0.0);
        for i in 0..N {
            for j in 0..N {
                let want = pmf_direct(i, 1.6) * pmf_direct(j, 1.1);
                assert!((m.get(i, j) - want).abs() < 1e-15, "{i}-{j}");
            }
        }
        assert_eq!(m.get(N, 0), 0.0);
    }

    #[test]
    fn grids_hold_nearly_all_the_mass_and_outcomes_sum_to_one() {
        for &(l, u, r) in &[(0.3, 0.2, 0.0), (1.5, 1.2, -0.1), (3.0, 0.5, 0.05), (3.3, 2.8, -0.05)] {
            let m = ScoreMatrix::new(l, u, r);
            assert!(m.total() >= 0.999 && m.total() <= 1.0 + 1e-12, "{l} {u}: {}", m.total());
            let o = m.outcomes();
            assert!((o.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(o.iter().all(|&p| p > 0.0 && p < 1.0));
            let (over, under) = m.over_under(2.5);
            assert!((over + under - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn dixon_coles_correction_keeps_the_total_and_adds_draws_when_negative() {
        let (l, u) = (1.4, 1.1);
        let p = ScoreMatrix::new(l, u, 0.0);
        let dc = ScoreMatrix::new(l, u, -0.1);
        assert!((p.total() - dc.total()).abs() < 1e-14);
        assert!(dc.outcomes()[1] > p.outcomes()[1]);
        assert!((dc.get(0, 0) - p.get(0, 0) * (1.0 + l * u * 0.1)).abs() < 1e-15);
        assert!((dc.get(1, 1) - p.get(1, 1) * 1.1).abs() < 1e-15);
        assert!((dc.get(2, 3) - p.get(2, 3)).abs() < 1e-18);
    }

    #[test]
    fn expected_goals_and_over_under_of_a_known_grid() {
        let m = ScoreMatrix::new(1.5, 1.0, 0.0);
        let (eh, ea) = m.expected_goals();
        // Truncation at ten goals costs ~5e-6 of the home mean.
        assert!((eh - 1.5).abs() < 1e-5 && (ea - 1.0).abs() < 1e-6, "{eh} {ea}");
        // Total goals ~ Poisson(2.5): P(≤ 2) = e^−2.5 (1 + 2.5 + 3.125).
        let under = (-2.5f64).exp() * (1.0 + 2.5 + 3.125);
        let (over, u) = m.over_under(2.5);
        assert!((u - under).abs() < 1e-6 && (over - (1.0 - under)).abs() < 1e-6);
    }

    #[test]
    fn batch_equals_one_by_one() {
        let rates = [(1.2, 0.9), (2.1, 0.7), (0.8, 1.6)];
        let mut out = [[0.0; 3]; 3];
        batch_outcomes(&rates, -0.08, &mut out);
        for (r, o) in rates.iter().zip(&out) {
            assert_eq!(*o, ScoreMatrix::new(r.0, r.1, -0.08).outcomes());
        }
    }
}
