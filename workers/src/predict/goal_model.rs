//! Team ratings for goal models, fitted by weighted maximum likelihood: the shared
//! engine of [`super::poisson`] and [`super::dixon_coles`].
//!
//! Home goals ~ Poisson(λ), away goals ~ Poisson(μ) with
//! `log λ = attack[home] + defence[away] + home_advantage` and
//! `log μ = attack[away] + defence[home]`; a higher defence rating concedes more.
//! Dixon-Coles multiplies the joint probability of 0–0, 1–0, 0–1 and 1–1 by τ(ρ).
//! Attack ratings sum to zero: the fit optimises free values θ and uses `θ − mean(θ)`,
//! which leaves the likelihood flat along the removed direction instead of favouring
//! one team as a reference.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::{self, MatchRecord};
use super::error::PredictError;
use super::optim;
use super::score_matrix::{ScoreMatrix, tau};

/// Smallest τ the likelihood takes a log of: a ρ outside its valid range is penalised
/// steeply instead of producing a NaN.
const TAU_FLOOR: f64 = 1e-10;

/// Options of a goal-model fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FitOptions {
    /// Time decay per day: a match `t` days before the cut-off weighs `exp(−xi t)`.
    pub xi: f64,
    /// L2 penalty on attack and on centred defence ratings, in units of matches' weight.
    pub ridge: f64,
    /// Whether to fit the Dixon-Coles ρ (else ρ = 0: independent Poisson).
    pub with_rho: bool,
    /// Iteration limit of the optimiser.
    pub max_iters: u64,
}

/// Fitted ratings of a goal model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRatings {
    /// Attack rating per team index (sums to zero over the teams fitted).
    pub attack: Vec<f64>,
    /// Defence rating per team index (higher concedes more).
    pub defence: Vec<f64>,
    /// Home advantage on the log goal rate.
    pub home_advantage: f64,
    /// Dixon-Coles low-score dependence (0 for independent Poisson).
    pub rho: f64,
    /// Weighted log-likelihood at the optimum, without the constant `−Σ log(y!)`.
    pub log_likelihood: f64,
    /// Matches fitted on.
    pub n_matches: usize,
    /// Optimiser iterations used.
    pub iterations: u64,
}

impl TeamRatings {
    /// Goal rates (λ, μ) of `home` against `away`; unknown teams rate as the average.
    pub fn rates(&self, home: u32, away: u32) -> (f64, f64) {
        let att = |t: u32| self.attack.get(t as usize).copied().unwrap_or(0.0);
        let def = |t: u32| self.defence.get(t as usize).copied().unwrap_or_else(|| self.mean_defence());
        ((att(home) + def(away) + self.home_advantage).exp(), (att(away) + def(home)).exp())
    }

    /// The score grid of `home` against `away`.
    pub fn score_matrix(&self, home: u32, away: u32) -> ScoreMatrix {
        let (lambda, mu) = self.rates(home, away);
        ScoreMatrix::new(lambda, mu, self.rho)
    }

    fn mean_defence(&self) -> f64 {
        if self.defence.is_empty() {
            0.0
        } else {
            self.defence.iter().sum::<f64>() / self.defence.len() as f64
        }
    }
}

/// One match reduced to what the likelihood reads.
struct Obs {
    home: usize,
    away: usize,
    hg: f64,
    ag: f64,
    /// Dixon-Coles cell (0–0, 0–1, 1–0, 1–1) or `None` for any other score.
    low: Option<(usize, usize)>,
    w: f64,
}

/// Fit ratings on the matches of `history` strictly before `as_of`.
pub(crate) fn fit(
    history: &[MatchRecord],
    as_of: NaiveDate,
    opt: FitOptions,
) -> Result<TeamRatings, PredictError> {
    if !(opt.xi.is_finite() && opt.xi >= 0.0) {
        return Err(PredictError::InvalidParameter {
            name: "xi", reason: format!("{} is not ≥ 0", opt.xi)
        });
    }
    if !(opt.ridge.is_finite() && opt.ridge >= 0.0) {
        return Err(PredictError::InvalidParameter {
            name: "ridge",
            reason: format!("{} is not ≥ 0", opt.ridge),
        });
    }
    let matches = data::history_before(history, as_of);
    if matches.is_empty() {
        return Err(PredictError::NoHistory { as_of });
    }
    let n = data::team_count(&matches);
    let obs = observations(&matches, as_of, opt);
    let total_w: f64 = obs.iter().map(|o| o.w).sum();

    // Start from the league averages: every team average, home advantage from the
    // home/away goal ratio.
    let (hg, ag) = obs.iter().fold((0.0, 0.0), |(h, a), o| (h + o.w * o.hg, a + o.w * o.ag));
    let mean_away = (ag / total_w).max(0.1);
    let mut x0 = vec![0.0; 2 * n + 2];
    x0[n..2 * n].fill(mean_away.ln());
    x0[2 * n] = ((hg / total_w).max(0.1) / mean_away).ln();

    let objective = |x: &[f64], g: &mut [f64]| negative_log_likelihood(x, g, n, &obs, total_w, opt);
    let min = optim::minimise(objective, x0, 1e-9, opt.max_iters)?;

    let x = &min.x;
    let mean_theta = x[..n].iter().sum::<f64>() / n as f64;
    Ok(TeamRatings {
        attack: x[..n].iter().map(|t| t - mean_theta).collect(),
        defence: x[n..2 * n].to_vec(),
        home_advantage: x[2 * n],
        rho: if opt.with_rho { bounded_rho(x[2 * n + 1]) } else { 0.0 },
        log_likelihood: -min.value * total_w,
        n_matches: obs.len(),
        iterations: min.iterations,
    })
}

/// The matches as the likelihood reads them: goals, the low-score cell Dixon-Coles
/// corrects (when fitted with ρ), and the time-decay weight.
fn observations(matches: &[MatchRecord], as_of: NaiveDate, opt: FitOptions) -> Vec<Obs> {
    matches
        .iter()
        .map(|m| {
            let (h, a) = (usize::from(m.home_goals), usize::from(m.away_goals));
            Obs {
                home: m.home as usize,
                away: m.away as usize,
                hg: h as f64,
                ag: a as f64,
                low: (opt.with_rho && h <= 1 && a <= 1).then_some((h, a)),
                w: (-opt.xi * (as_of - m.date).num_days() as f64).exp(),
            }
        })
        .collect()
}

/// |ρ| never exceeds this: real leagues fit well inside it, and a degenerate history
/// (all draws 1–1, say) would otherwise drive ρ to where τ explodes.
const RHO_BOUND: f64 = 0.3;

/// ρ from its unbounded optimiser coordinate: `B·tanh(x/B)`, close to `x` near zero.
fn bounded_rho(x: f64) -> f64 {
    RHO_BOUND * (x / RHO_BOUND).tanh()
}

/// Penalised negative log-likelihood divided by the total weight (so tolerances do not
/// depend on how much history there is), and its gradient in `g`.
/// Layout of `x`: θ (n), defence (n), home advantage, ρ.
fn negative_log_likelihood(
    x: &[f64],
    g: &mut [f64],
    n: usize,
    obs: &[Obs],
    total_w: f64,
    opt: FitOptions,
) -> f64 {
    let (theta, rest) = x.split_at(n);
    let (def, rest) = rest.split_at(n);
    let (hfa, rho) = (rest[0], if opt.with_rho { bounded_rho(rest[1]) } else { 0.0 });
    let mean_theta = theta.iter().sum::<f64>() / n as f64;

    g.fill(0.0);
    let (mut ll, mut g_hfa, mut g_rho) = (0.0, 0.0, 0.0);
    {
        let (g_att, rest) = g.split_at_mut(n);
        let (g_def, _) = rest.split_at_mut(n);
        for o in obs {
            let log_l = theta[o.home] - mean_theta + def[o.away] + hfa;
            let log_m = theta[o.away] - mean_theta + def[o.home];
            let (lambda, mu) = (log_l.exp(), log_m.exp());
            // d ll / d log λ, d ll / d log μ.
            let mut rl = o.hg - lambda;
            let mut rm = o.ag - mu;
            let mut term = o.hg * log_l - lambda + o.ag * log_m - mu;
            if let Some((h, a)) = o.low {
                let t = tau(h, a, lambda, mu, rho).max(TAU_FLOOR);
                term += t.ln();
                // ∂τ/∂log λ, ∂τ/∂log μ, ∂τ/∂ρ for each corrected cell.
                let (dl, dm, dr) = match (h, a) {
                    (0, 0) => (-lambda * mu * rho, -lambda * mu * rho, -lambda * mu),
                    (0, 1) => (lambda * rho, 0.0, lambda),
                    (1, 0) => (0.0, mu * rho, mu),
                    _ => (0.0, 0.0, -1.0),
                };
                rl += dl / t;
                rm += dm / t;
                g_rho += o.w * dr / t;
            }
            ll += o.w * term;
            let (wl, wm) = (o.w * rl, o.w * rm);
            g_att[o.home] += wl;
            g_def[o.away] += wl;
            g_hfa += wl;
            g_att[o.away] += wm;
            g_def[o.home] += wm;
        }
    }

    // Ridge on attack (already centred) and on centred defence.
    let mean_def = def.iter().sum::<f64>() / n as f64;
    let mut penalty = 0.0;
    for i in 0..n {
        let (a, d) = (theta[i] - mean_theta, def[i] - mean_def);
        penalty += a * a + d * d;
        g[i] -= opt.ridge * a;
        g[n + i] -= opt.ridge * d;
    }
    ll -= 0.5 * opt.ridge * penalty;

    // Chain rule through attack = θ − mean(θ): subtract the mean of the attack gradient.
    let mean_g_att = g[..n].iter().sum::<f64>() / n as f64;
    g[..n].iter_mut().for_each(|v| *v -= mean_g_att);
    g[2 * n] = g_hfa;
    if opt.with_rho {
        let t = (rest[1] / RHO_BOUND).tanh();
        g[2 * n + 1] = g_rho * (1.0 - t * t);
    } else {
        g[2 * n + 1] = 0.0;
    }
    // Minimise the negative, per unit weight.
    g.iter_mut().for_each(|v| *v = -*v / total_w);
    -ll / total_w
}

#[cfg(test)]
mod tests {
    use super::super::testutil;
    use super::*;

    /// The analytic gradient agrees with central differences, with ρ non-zero and a ridge.
    #[test]
    fn gradient_matches_finite_differences() {
        let truth = testutil::Truth::random(6, 0.25, -0.12, 3);
        let matches = testutil::simulate(&truth, 2, 4);
        let as_of = matches.iter().map(|m| m.date).max().unwrap() + chrono::Days::new(1);
        let opt = FitOptions { xi: 0.002, ridge: 0.5, with_rho: true, max_iters: 0 };
        let obs = observations(&matches, as_of, opt);
        let tw: f64 = obs.iter().map(|o| o.w).sum();
        let n = 6;
        let x: Vec<f64> = (0..2 * n + 2).map(|i| 0.05 * ((i * 7 % 5) as f64 - 2.0)).collect();
        let mut g = vec![0.0; x.len()];
        negative_log_likelihood(&x, &mut g, n, &obs, tw, opt);
        for i in 0..x.len() {
            let h = 1e-6;
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[i] += h;
            xm[i] -= h;
            let mut tmp = vec![0.0; x.len()];
            let fd = (negative_log_likelihood(&xp, &mut tmp, n, &obs, tw, opt)
                - negative_log_likelihood(&xm, &mut tmp, n, &obs, tw, opt))
                / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-6, "component {i}: analytic {} vs numeric {fd}", g[i]);
        }
    }
}
