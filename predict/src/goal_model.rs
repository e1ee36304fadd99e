//! Team ratings for goal models, fitted by weighted maximum likelihood: the shared
//! engine of [`super::poisson`] and [`super::dixon_coles`].
//!
//! Home goals ~ Poisson(λ), away goals ~ Poisson(μ) with
//! `log λ = attack[home] + defence[away] + home_advantage` and
//! `log μ = attack[away] + defence[home]`; a higher defence rating concedes more.
//! Dixon-Coles multiplies the joint probability of 0–0, 1–0, 0–1 and 1–1 by τ(ρ); the
//! bivariate Poisson (Karlis and Ntzoufras 2003) adds a goal count λ₃ common to both
//! sides, `home = X + Z, away = Y + Z` with `Z ~ Poisson(λ₃)`, which correlates the
//! scores and raises draws.
//! Attack ratings sum to zero: the fit optimises free values θ and uses `θ − mean(θ)`,
//! which leaves the likelihood flat along the removed direction instead of favouring
//! one team as a reference.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::{self, MatchRecord};
use super::error::PredictError;
use super::optim;
use super::promotion::{Rosters, mean_of};
use super::score_matrix::{ScoreMatrix, tau};

/// Smallest τ the likelihood takes a log of: a ρ outside its valid range is penalised
/// steeply instead of producing a NaN.
const TAU_FLOOR: f64 = 1e-10;

/// How the two sides' goals depend on each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dependence {
    /// Independent Poisson.
    Independent,
    /// Dixon-Coles' low-score correction ρ.
    DixonColes,
    /// A common Poisson component λ₃.
    Bivariate,
}

/// Options of a goal-model fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FitOptions {
    /// Time decay per day: a match `t` days before the cut-off weighs `exp(−xi t)`.
    pub xi: f64,
    /// L2 penalty on attack and on centred defence ratings, in units of matches' weight.
    pub ridge: f64,
    /// The dependence parameter fitted beside the ratings.
    pub dependence: Dependence,
    /// How strongly a team promoted into the latest season is pulled towards the mean
    /// ratings of the teams it replaced, in matches' weight (0: not at all).
    pub promoted_prior: f64,
    /// Fit on a mix of goals (this share) and expected goals (the rest) instead of goals
    /// alone; a match without expected goals counts its shots at the history's goals per
    /// shot, and one without either its goals. `None`: goals alone.
    pub goal_weight: Option<f64>,
    /// Iteration limit of the optimiser.
    pub max_iters: u64,
}

impl FitOptions {
    /// A fit on goals alone with `dependence`.
    pub(crate) fn goals(
        xi: f64,
        ridge: f64,
        promoted_prior: f64,
        max_iters: u64,
        dependence: Dependence,
    ) -> Self {
        Self { xi, ridge, dependence, promoted_prior, goal_weight: None, max_iters }
    }
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
    /// Bivariate Poisson common goal rate (0 for the other models).
    #[serde(default)]
    pub lambda3: f64,
    /// `(attack, defence)` of a team the fit never saw: the mean of the teams it is taken
    /// to replace ([`super::promotion::Rosters::expected_relegated`]; `None`: the league
    /// average).
    #[serde(default)]
    pub newcomer: Option<(f64, f64)>,
    /// Weighted log-likelihood at the optimum, without the constant `−Σ log(y!)`.
    pub log_likelihood: f64,
    /// Matches fitted on.
    pub n_matches: usize,
    /// Optimiser iterations used.
    pub iterations: u64,
}

impl TeamRatings {
    /// Goal rates (λ, μ) of `home` against `away`; unknown teams rate as the average.
    /// For the bivariate model, the rates of the sides' own components (each side's
    /// expected goals add λ₃).
    pub fn rates(&self, home: u32, away: u32) -> (f64, f64) {
        let (new_att, new_def) = self.newcomer.unwrap_or((0.0, self.mean_defence()));
        let att = |t: u32| self.attack.get(t as usize).copied().unwrap_or(new_att);
        let def = |t: u32| self.defence.get(t as usize).copied().unwrap_or(new_def);
        ((att(home) + def(away) + self.home_advantage).exp(), (att(away) + def(home)).exp())
    }

    /// The score grid of `home` against `away`.
    pub fn score_matrix(&self, home: u32, away: u32) -> ScoreMatrix {
        let (lambda, mu) = self.rates(home, away);
        if self.lambda3 > 0.0 {
            ScoreMatrix::bivariate(lambda, mu, self.lambda3)
        } else {
            ScoreMatrix::new(lambda, mu, self.rho)
        }
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

/// Promoted teams and the mean of the teams they replaced, which the fit pulls their
/// ratings towards.
struct Coupling {
    promoted: Vec<usize>,
    relegated: Vec<usize>,
    strength: f64,
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
    if opt.goal_weight.is_some() && opt.dependence != Dependence::Independent {
        // The dependence terms read whole goals; a goals/xG mix has none.
        return Err(PredictError::InvalidParameter {
            name: "goal_weight",
            reason: "only independent Poisson fits on expected goals".into(),
        });
    }
    let matches = data::history_before(history, as_of);
    if matches.is_empty() {
        return Err(PredictError::NoHistory { as_of });
    }
    let n = data::team_count(&matches);
    let obs = observations(&matches, as_of, opt);
    let total_w: f64 = obs.iter().map(|o| o.w).sum();
    let rosters = Rosters::of(&matches);
    let (promoted, relegated) =
        rosters.latest().map(|s| (rosters.promoted(s), rosters.relegated(s))).unwrap_or_default();
    let coupling = Coupling {
        promoted: promoted.iter().map(|&t| t as usize).collect(),
        relegated: relegated.iter().map(|&t| t as usize).collect(),
        strength: opt.promoted_prior,
    };

    // Start from the league averages: every team average, home advantage from the
    // home/away goal ratio.
    let (hg, ag) = obs.iter().fold((0.0, 0.0), |(h, a), o| (h + o.w * o.hg, a + o.w * o.ag));
    let mean_away = (ag / total_w).max(0.1);
    let mut x0 = vec![0.0; 2 * n + 2];
    x0[n..2 * n].fill(mean_away.ln());
    x0[2 * n] = ((hg / total_w).max(0.1) / mean_away).ln();
    if opt.dependence == Dependence::Bivariate {
        x0[2 * n + 1] = INITIAL_LAMBDA3.ln();
    }

    let objective =
        |x: &[f64], g: &mut [f64]| negative_log_likelihood(x, g, n, &obs, total_w, opt, &coupling);
    let min = optim::minimise(objective, x0, 1e-9, opt.max_iters)?;

    let x = &min.x;
    let mean_theta = x[..n].iter().sum::<f64>() / n as f64;
    let attack: Vec<f64> = x[..n].iter().map(|t| t - mean_theta).collect();
    let defence = x[n..2 * n].to_vec();
    let expected = rosters.expected_relegated();
    let newcomer =
        mean_of(&expected, |t| attack[t as usize]).zip(mean_of(&expected, |t| defence[t as usize]));
    Ok(TeamRatings {
        attack,
        defence,
        home_advantage: x[2 * n],
        rho: if opt.dependence == Dependence::DixonColes { bounded_rho(x[2 * n + 1]) } else { 0.0 },
        lambda3: if opt.dependence == Dependence::Bivariate { x[2 * n + 1].exp() } else { 0.0 },
        newcomer,
        log_likelihood: -min.value * total_w,
        n_matches: obs.len(),
        iterations: min.iterations,
    })
}

/// Where the bivariate model's common rate starts: the size Karlis and Ntzoufras found
/// in Serie A.
const INITIAL_LAMBDA3: f64 = 0.1;

/// `(S, E[k])` of the bivariate Poisson's sum over the shared goals `k` of an `x`–`y`
/// score: `S = Σ_k C(x,k) C(y,k) k! r^k` with `r = λ₃/(λ₁λ₂)`, and the mean of `k` under
/// the terms' weights (what the gradients need).
pub(crate) fn shared_goals(x: usize, y: usize, r: f64) -> (f64, f64) {
    let (mut term, mut sum, mut k_sum) = (1.0, 1.0, 0.0);
    for k in 1..=x.min(y) {
        term *= ((x - k + 1) * (y - k + 1)) as f64 / k as f64 * r;
        sum += term;
        k_sum += k as f64 * term;
    }
    (sum, k_sum / sum)
}

/// The matches as the likelihood reads them: goals, the low-score cell Dixon-Coles
/// corrects (when fitted with ρ), and the time-decay weight.
fn observations(matches: &[MatchRecord], as_of: NaiveDate, opt: FitOptions) -> Vec<Obs> {
    // Goals per shot on target, and per shot, over the matches that record them: what a
    // chance is worth where no source publishes expected goals.
    let per = |shots: fn(&MatchRecord) -> (Option<u16>, Option<u16>)| {
        let (g, n) = matches.iter().fold((0.0, 0.0), |(g, n), m| match shots(m) {
            (Some(h), Some(a)) => {
                (g + f64::from(m.home_goals) + f64::from(m.away_goals), n + f64::from(h) + f64::from(a))
            }
            _ => (g, n),
        });
        (n > 0.0).then(|| g / n)
    };
    // Only a fit on expected goals reads them; a goals-only fit skips both passes.
    let mix = opt.goal_weight.map(|w| {
        (w, per(|m| (m.home_shots_on_target, m.away_shots_on_target)), per(|m| (m.home_shots, m.away_shots)))
    });
    let target = |goals: u8, xg: Option<f32>, on_target: Option<u16>, shots: Option<u16>| {
        let goals = f64::from(goals);
        let Some((w, per_on_target, per_shot)) = mix else { return goals };
        let expected = xg
            .map(f64::from)
            .filter(|x| x.is_finite() && *x >= 0.0)
            .or_else(|| on_target.zip(per_on_target).map(|(s, r)| f64::from(s) * r))
            .or_else(|| shots.zip(per_shot).map(|(s, r)| f64::from(s) * r));
        expected.map_or(goals, |x| w * goals + (1.0 - w) * x)
    };
    matches
        .iter()
        .map(|m| {
            let (h, a) = (usize::from(m.home_goals), usize::from(m.away_goals));
            Obs {
                home: m.home as usize,
                away: m.away as usize,
                hg: target(m.home_goals, m.home_xg, m.home_shots_on_target, m.home_shots),
                ag: target(m.away_goals, m.away_xg, m.away_shots_on_target, m.away_shots),
                low: (opt.dependence == Dependence::DixonColes && h <= 1 && a <= 1).then_some((h, a)),
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
/// Layout of `x`: θ (n), defence (n), home advantage, then ρ (Dixon-Coles) or log λ₃
/// (bivariate).
fn negative_log_likelihood(
    x: &[f64],
    g: &mut [f64],
    n: usize,
    obs: &[Obs],
    total_w: f64,
    opt: FitOptions,
    coupling: &Coupling,
) -> f64 {
    let (theta, rest) = x.split_at(n);
    let (def, rest) = rest.split_at(n);
    let hfa = rest[0];
    let rho = if opt.dependence == Dependence::DixonColes { bounded_rho(rest[1]) } else { 0.0 };
    let lambda3 = if opt.dependence == Dependence::Bivariate { rest[1].exp() } else { 0.0 };
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
            if lambda3 > 0.0 {
                let (s, k) = shared_goals(o.hg as usize, o.ag as usize, lambda3 / (lambda * mu));
                term += s.ln() - lambda3;
                rl -= k;
                rm -= k;
                g_rho += o.w * (k - lambda3);
            }
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
    ll -= couple(theta, mean_theta, def, coupling, g, n);

    // Chain rule through attack = θ − mean(θ): subtract the mean of the attack gradient.
    let mean_g_att = g[..n].iter().sum::<f64>() / n as f64;
    g[..n].iter_mut().for_each(|v| *v -= mean_g_att);
    g[2 * n] = g_hfa;
    g[2 * n + 1] = match opt.dependence {
        Dependence::DixonColes => {
            let t = (rest[1] / RHO_BOUND).tanh();
            g_rho * (1.0 - t * t)
        }
        // `g_rho` already holds d ll / d log λ₃.
        Dependence::Bivariate => g_rho,
        Dependence::Independent => 0.0,
    };
    // Minimise the negative, per unit weight.
    g.iter_mut().for_each(|v| *v = -*v / total_w);
    -ll / total_w
}

/// The promoted teams' penalty, `s/2 · Σ_promoted (a − ā_R)² + (d − d̄_R)²` with `ā_R`,
/// `d̄_R` the relegated teams' means; returns it and adds its (negated) gradient in
/// attack and defence to `g`, whose attack part is still taken in the centred ratings.
fn couple(theta: &[f64], mean_theta: f64, def: &[f64], c: &Coupling, g: &mut [f64], n: usize) -> f64 {
    if c.strength <= 0.0 || c.promoted.is_empty() || c.relegated.is_empty() {
        return 0.0;
    }
    let r = c.relegated.len() as f64;
    let att_r = c.relegated.iter().map(|&j| theta[j] - mean_theta).sum::<f64>() / r;
    let def_r = c.relegated.iter().map(|&j| def[j]).sum::<f64>() / r;
    let mut penalty = 0.0;
    for &i in &c.promoted {
        let (da, dd) = (theta[i] - mean_theta - att_r, def[i] - def_r);
        penalty += da * da + dd * dd;
        g[i] -= c.strength * da;
        g[n + i] -= c.strength * dd;
        for &j in &c.relegated {
            g[j] += c.strength * da / r;
            g[n + j] += c.strength * dd / r;
        }
    }
    0.5 * c.strength * penalty
}

#[cfg(test)]
mod tests {
    use super::super::testutil;
    use super::*;

    /// The analytic gradient agrees with central differences, with each dependence
    /// parameter non-zero, a ridge and a promoted team's coupling.
    #[test]
    fn gradient_matches_finite_differences() {
        let truth = testutil::Truth::random(6, 0.25, -0.12, 3);
        let matches = testutil::simulate(&truth, 2, 4);
        let as_of = matches.iter().map(|m| m.date).max().unwrap() + chrono::Days::new(1);
        for dependence in [Dependence::Independent, Dependence::DixonColes, Dependence::Bivariate] {
            let opt = FitOptions {
                xi: 0.002,
                ridge: 0.5,
                dependence,
                promoted_prior: 2.0,
                goal_weight: None,
                max_iters: 0,
            };
            let coupling = Coupling { promoted: vec![1], relegated: vec![4, 5], strength: 2.0 };
            let obs = observations(&matches, as_of, opt);
            let tw: f64 = obs.iter().map(|o| o.w).sum();
            let n = 6;
            let mut x: Vec<f64> = (0..2 * n + 2).map(|i| 0.05 * ((i * 7 % 5) as f64 - 2.0)).collect();
            x[2 * n + 1] = if dependence == Dependence::Bivariate { -1.5 } else { -0.1 };
            let mut g = vec![0.0; x.len()];
            let nll = |x: &[f64], g: &mut [f64]| negative_log_likelihood(x, g, n, &obs, tw, opt, &coupling);
            nll(&x, &mut g);
            for i in 0..x.len() {
                let h = 1e-6;
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[i] += h;
                xm[i] -= h;
                let mut tmp = vec![0.0; x.len()];
                let fd = (nll(&xp, &mut tmp) - nll(&xm, &mut tmp)) / (2.0 * h);
                assert!(
                    (fd - g[i]).abs() < 1e-6,
                    "{dependence:?} component {i}: analytic {} vs numeric {fd}",
                    g[i]
                );
            }
        }
    }

    /// The shared-goals sum written out for a 2–3 score.
    #[test]
    fn shared_goals_by_hand() {
        let r = 0.2;
        // k = 0: 1; k = 1: 2·3·r; k = 2: 1·3·2·r².
        let s = 1.0 + 6.0 * r + 6.0 * r * r;
        let (sum, mean_k) = shared_goals(2, 3, r);
        assert!((sum - s).abs() < 1e-12);
        assert!((mean_k - (6.0 * r + 12.0 * r * r) / s).abs() < 1e-12);
        assert_eq!(shared_goals(0, 4, r), (1.0, 0.0));
    }

    /// Two seasons of eight teams; in the second, team 8 replaces team 7 (the weakest) and
    /// has played two matches. Pulled towards team 7, its rating sits near the bottom
    /// instead of at the league average, and a team never seen is rated as the bottom
    /// side of the season.
    #[test]
    fn a_promoted_team_starts_from_the_team_it_replaced() {
        let mut truth = testutil::Truth::random(9, 0.25, 0.0, 5);
        truth.attack[7] = -0.5;
        truth.defence[7] = 0.6;
        let mut matches: Vec<MatchRecord> =
            testutil::simulate(&truth, 2, 6).into_iter().filter(|m| m.home < 8 && m.away < 8).collect();
        matches.retain(|m| m.season_year() == 2010 || (m.home != 7 && m.away != 7));
        let start = matches.iter().map(|m| m.date).max().unwrap() + chrono::Days::new(1);
        matches.push(MatchRecord::new(start, 8, 0, 1, 1));
        matches.push(MatchRecord::new(start, 1, 8, 2, 2));
        let as_of = start + chrono::Days::new(1);
        let fit = |prior: f64| {
            let opt = FitOptions {
                xi: 0.0,
                ridge: 0.01,
                dependence: Dependence::Independent,
                promoted_prior: prior,
                goal_weight: None,
                max_iters: 500,
            };
            fit(&matches, as_of, opt).unwrap()
        };
        let (free, pulled) = (fit(0.0), fit(4.0));
        let strength = |r: &TeamRatings, t: usize| r.attack[t] - r.defence[t];
        assert!(
            strength(&pulled, 8) < strength(&free, 8) - 0.1,
            "{} vs {}",
            strength(&pulled, 8),
            strength(&free, 8)
        );
        // A team never seen is rated as the bottom side of the latest season.
        let bottom = Rosters::of(&data::history_before(&matches, as_of)).expected_relegated();
        assert_eq!(bottom.len(), 1);
        let t = bottom[0];
        let (att, def) = pulled.newcomer.unwrap();
        assert!(
            (att - pulled.attack[t as usize]).abs() < 1e-12
                && (def - pulled.defence[t as usize]).abs() < 1e-12
        );
        assert_eq!(pulled.rates(20, 0), pulled.rates(t, 0));
    }
}
