//! Elo ratings computed walk-forward over the history, mapped to home/draw/away by an
//! ordered logit on the rating difference fitted by maximum likelihood.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::{self, MatchRecord, Outcome};
use super::error::PredictError;
use super::model::{Model, Prediction};
use super::optim;
use super::promotion::{Rosters, mean_of};

/// Hyper-parameters of the Elo model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EloParams {
    /// Update step per match, in rating points.
    pub k: f64,
    /// Home advantage in rating points, used in the expected score of each update.
    pub home_advantage: f64,
    /// Rating of a team's first match.
    pub initial: f64,
    /// Scale updates by the goal difference (World Football Elo: ×1 up to one goal, ×1.5 for
    /// two, ×(11 + n)/8 for n ≥ 3).
    pub goal_difference: bool,
    /// Leading matches left out of the ordered-logit fit while ratings are still settling.
    pub burn_in: usize,
}

impl Default for EloParams {
    fn default() -> Self {
        Self { k: 20.0, home_advantage: 60.0, initial: 1500.0, goal_difference: true, burn_in: 0 }
    }
}

/// Ordered logit on `x` (the rating difference over 400): a latent `slope·x + ε` with
/// logistic ε is an away win below `cut_away`, a draw up to `cut_draw`, a home win above.
/// Asymmetric cutpoints carry the home advantage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrderedLogit {
    /// Lower cutpoint.
    pub cut_away: f64,
    /// Upper cutpoint (above `cut_away`).
    pub cut_draw: f64,
    /// Slope on `x`.
    pub slope: f64,
}

fn sigmoid(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// Probabilities below this are floored before a logarithm.
const P_FLOOR: f64 = 1e-300;

impl OrderedLogit {
    /// `[home, draw, away]` at `x`.
    pub fn probs(&self, x: f64) -> [f64; 3] {
        let f1 = sigmoid(self.cut_away - self.slope * x);
        let f2 = sigmoid(self.cut_draw - self.slope * x);
        [1.0 - f2, f2 - f1, f1]
    }

    /// Maximum-likelihood fit on pairs of `x` and outcome. The upper cutpoint is optimised
    /// as `cut_away + exp(g)` so the order holds without constraints.
    pub fn fit(xs: &[f64], outcomes: &[Outcome]) -> Result<Self, PredictError> {
        if xs.len() != outcomes.len() {
            return Err(PredictError::LengthMismatch { left: xs.len(), right: outcomes.len() });
        }
        if xs.is_empty() {
            return Err(PredictError::Empty);
        }
        let n = xs.len() as f64;
        let share = |o: Outcome| (outcomes.iter().filter(|&&x| x == o).count() as f64 + 0.5) / (n + 1.5);
        let (pa, pd) = (share(Outcome::Away), share(Outcome::Draw));
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let c1 = logit(pa);
        let x0 = vec![c1, (logit((pa + pd).min(0.999)) - c1).max(1e-3).ln(), 0.0];

        let objective = |p: &[f64], g: &mut [f64]| {
            let (c1, e, s) = (p[0], p[1].exp(), p[2]);
            let c2 = c1 + e;
            let (mut ll, mut g1, mut g2, mut gs) = (0.0, 0.0, 0.0, 0.0);
            for (&x, &o) in xs.iter().zip(outcomes) {
                let (f1, f2) = (sigmoid(c1 - s * x), sigmoid(c2 - s * x));
                // d ll / d u1 and d ll / d u2, where u_i = c_i − s x.
                let (d1, d2) = match o {
                    Outcome::Away => {
                        ll += f1.max(P_FLOOR).ln();
                        (1.0 - f1, 0.0)
                    }
                    Outcome::Draw => {
                        let pd = (f2 - f1).max(P_FLOOR);
                        ll += pd.ln();
                        (-f1 * (1.0 - f1) / pd, f2 * (1.0 - f2) / pd)
                    }
                    Outcome::Home => {
                        ll += (1.0 - f2).max(P_FLOOR).ln();
                        (0.0, -f2)
                    }
                };
                g1 += d1 + d2;
                g2 += d2 * e;
                gs -= x * (d1 + d2);
            }
            g[0] = -g1 / n;
            g[1] = -g2 / n;
            g[2] = -gs / n;
            -ll / n
        };
        let m = optim::minimise(objective, x0, 1e-10, 500)?;
        Ok(Self { cut_away: m.x[0], cut_draw: m.x[0] + m.x[1].exp(), slope: m.x[2] })
    }
}

impl OrderedLogit {
    /// Fits on the walk's pre-match `xs` and the matches' outcomes, leaving out the first
    /// `burn_in` matches while ratings settle.
    pub(crate) fn fit_after(
        matches: &[MatchRecord],
        xs: &[f64],
        burn_in: usize,
        as_of: NaiveDate,
    ) -> Result<Self, PredictError> {
        let skip = burn_in.min(matches.len());
        if skip == matches.len() {
            return Err(PredictError::NoHistory { as_of });
        }
        let outcomes: Vec<Outcome> = matches[skip..].iter().map(MatchRecord::outcome).collect();
        Self::fit(&xs[skip..], &outcomes)
    }
}

/// A fitted Elo model: the ratings after the last match before `as_of`, and the logit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Elo {
    /// Hyper-parameters it was fitted with.
    pub params: EloParams,
    /// Cut-off date of the fit.
    pub as_of: NaiveDate,
    /// Rating per team index.
    pub ratings: Vec<f64>,
    /// Outcome model on the rating difference.
    pub logit: OrderedLogit,
    /// Rating of a team the fit never saw: the mean of the teams it is taken to replace
    /// ([`super::promotion::Rosters::expected_relegated`]; `None`: `params.initial`).
    #[serde(default)]
    pub newcomer: Option<f64>,
}

/// World Football Elo's goal-difference multiplier.
fn goal_multiplier(home_goals: u8, away_goals: u8) -> f64 {
    match home_goals.abs_diff(away_goals) {
        0 | 1 => 1.0,
        2 => 1.5,
        n => (11.0 + f64::from(n)) / 8.0,
    }
}

/// The points the home side gains (and the away side loses) from `m`, given the
/// pre-match ratings.
pub(crate) fn rating_delta(home: f64, away: f64, m: &MatchRecord, params: &EloParams) -> f64 {
    let expected = 1.0 / (1.0 + 10f64.powf(-(home + params.home_advantage - away) / 400.0));
    let score = match m.outcome() {
        Outcome::Home => 1.0,
        Outcome::Draw => 0.5,
        Outcome::Away => 0.0,
    };
    let g = if params.goal_difference { goal_multiplier(m.home_goals, m.away_goals) } else { 1.0 };
    params.k * g * (score - expected)
}

/// Walk the matches in order, returning final ratings, for every match the pre-match
/// rating difference over 400 (what the ordered logit sees), and the rating a team never
/// seen gets. A team first seen in a season it was promoted into starts from the mean
/// rating of the teams relegated at that boundary (see [`super::promotion`]).
fn walk(matches: &[MatchRecord], n: usize, params: &EloParams) -> (Vec<f64>, Vec<f64>, Option<f64>) {
    let rosters = Rosters::of(matches);
    let mut r = vec![params.initial; n];
    let mut seen = vec![false; n];
    let mut xs = Vec::with_capacity(matches.len());
    let (mut season, mut relegated) = (None, Vec::new());
    for m in matches {
        if season != Some(m.season_year()) {
            season = Some(m.season_year());
            relegated = rosters.relegated(m.season_year());
        }
        for t in [m.home as usize, m.away as usize] {
            if !std::mem::replace(&mut seen[t], true)
                && let Some(start) = mean_of(&relegated, |j| r[j as usize])
            {
                r[t] = start;
            }
        }
        let (h, a) = (m.home as usize, m.away as usize);
        xs.push((r[h] - r[a]) / 400.0);
        let delta = rating_delta(r[h], r[a], m, params);
        r[h] += delta;
        r[a] -= delta;
    }
    let latest = rosters.expected_relegated();
    let newcomer = mean_of(&latest, |j| r[j as usize]);
    (r, xs, newcomer)
}

impl Model for Elo {
    type Params = EloParams;

    fn fit(history: &[MatchRecord], as_of: NaiveDate, params: &EloParams) -> Result<Self, PredictError> {
        if !(params.k.is_finite() && params.k > 0.0) {
            return Err(PredictError::InvalidParameter {
                name: "k",
                reason: format!("{} is not > 0", params.k),
            });
        }
        let matches = data::history_before(history, as_of);
        let (ratings, xs, newcomer) = walk(&matches, data::team_count(&matches), params);
        let logit = OrderedLogit::fit_after(&matches, &xs, params.burn_in, as_of)?;
        Ok(Self { params: *params, as_of, ratings, logit, newcomer })
    }

    fn predict(&self, home: u32, away: u32) -> Prediction {
        let unseen = self.newcomer.unwrap_or(self.params.initial);
        let rating = |t: u32| self.ratings.get(t as usize).copied().unwrap_or(unseen);
        let [p_home, p_draw, p_away] = self.logit.probs((rating(home) - rating(away)) / 400.0);
        Prediction { p_home, p_draw, p_away, expected_goals: None, score_matrix: None }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::super::testutil::{self, Truth};
    use super::*;

    #[test]
    fn ordered_logit_recovers_simulated_parameters() {
        let truth = OrderedLogit { cut_away: -0.9, cut_draw: 0.25, slope: 1.6 };
        let mut rng = StdRng::seed_from_u64(7);
        let xs: Vec<f64> = (0..20_000).map(|_| rng.random_range(-1.5..1.5)).collect();
        let outcomes: Vec<Outcome> = xs
            .iter()
            .map(|&x| {
                let [h, d, _] = truth.probs(x);
                let u: f64 = rng.random();
                if u < h {
                    Outcome::Home
                } else if u < h + d {
                    Outcome::Draw
                } else {
                    Outcome::Away
                }
            })
            .collect();
        let fit = OrderedLogit::fit(&xs, &outcomes).unwrap();
        assert!((fit.cut_away - truth.cut_away).abs() < 0.06, "{fit:?}");
        assert!((fit.cut_draw - truth.cut_draw).abs() < 0.06, "{fit:?}");
        assert!((fit.slope - truth.slope).abs() < 0.08, "{fit:?}");
    }

    #[test]
    fn ordered_logit_probabilities_are_distributions() {
        let l = OrderedLogit { cut_away: -0.9, cut_draw: 0.25, slope: 1.6 };
        for x in [-3.0, -0.5, 0.0, 0.7, 3.0] {
            let p = l.probs(x);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(p.iter().all(|&v| v > 0.0 && v < 1.0));
        }
        assert!(l.probs(1.0)[0] > l.probs(0.0)[0]);
    }

    #[test]
    fn goal_multiplier_by_hand() {
        assert_eq!(goal_multiplier(1, 0), 1.0);
        assert_eq!(goal_multiplier(2, 2), 1.0);
        assert_eq!(goal_multiplier(0, 2), 1.5);
        assert_eq!(goal_multiplier(4, 1), 14.0 / 8.0);
    }

    #[test]
    fn one_update_by_hand() {
        // Equal ratings, home advantage 100: expected 1/(1 + 10^−0.25) = 0.640065; a 2–0 home
        // win moves k·1.5·(1 − 0.640065) = 10.798 points.
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let m = [MatchRecord::new(d, 0, 1, 2, 0)];
        let p = EloParams { k: 20.0, home_advantage: 100.0, ..Default::default() };
        let (r, xs, newcomer) = walk(&m, 2, &p);
        // One season: a team never seen is rated as its bottom three, here both teams.
        assert!(newcomer.is_some_and(|n| (n - 1500.0).abs() < 1e-9), "{newcomer:?}");
        let delta = 20.0 * 1.5 * (1.0 - 1.0 / (1.0 + 10f64.powf(-0.25)));
        assert!((r[0] - 1500.0 - delta).abs() < 1e-9 && (r[1] - 1500.0 + delta).abs() < 1e-9);
        assert_eq!(xs, vec![0.0]);
    }

    #[test]
    fn ratings_rank_simulated_teams_and_home_advantage_shows_in_the_cutpoints() {
        let truth = Truth::random(12, 0.3, 0.0, 51);
        let matches = testutil::simulate(&truth, 6, 52);
        let m =
            Elo::fit(&matches, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), &EloParams::default()).unwrap();
        let strength = |t: usize| truth.attack[t] - truth.defence[t];
        let best = (0..12).max_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap();
        let worst = (0..12).min_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap();
        assert!(m.ratings[best] > m.ratings[worst] + 100.0, "{:?}", m.ratings);
        assert!(m.logit.slope > 0.0);
        let even = m.logit.probs(0.0);
        assert!(even[0] > even[2], "home advantage: {even:?}");
        let p = m.predict(best as u32, worst as u32);
        assert!(p.p_home > p.p_away);
        assert!(p.score_matrix.is_none());
    }

    /// A team promoted in the second season starts from the rating of the team it
    /// replaced, not from 1500; a team never seen is rated like the bottom team.
    #[test]
    fn a_newcomer_starts_from_the_relegated_team() {
        let d = |y: i32, day: u32| NaiveDate::from_ymd_opt(y, 9, day).unwrap();
        let mut history = Vec::new();
        for day in 1..=10 {
            history.push(MatchRecord::new(d(2022, day), 0, 2, 3, 0));
            history.push(MatchRecord::new(d(2022, day), 2, 1, 0, 2));
        }
        history.push(MatchRecord::new(d(2023, 1), 3, 0, 0, 2));
        history.push(MatchRecord::new(d(2023, 2), 1, 0, 1, 1));
        let (r, xs, newcomer) = walk(&data::history_before(&history, d(2024, 1)), 4, &EloParams::default());
        assert!(r[2] < 1400.0, "{r:?}");
        // Team 3's first match was rated from team 2's rating (the team it replaced).
        assert!(xs[20] < -0.5, "{}", xs[20]);
        // A team never seen replaces the bottom of the latest season: team 3, pointless.
        assert_eq!(newcomer, Some(r[3]));
        let m = Elo::fit(&history, d(2024, 1), &EloParams::default()).unwrap();
        assert_eq!(m.predict(9, 0), m.predict(3, 0));
    }

    #[test]
    fn walk_forward() {
        testutil::assert_walk_forward::<Elo>(&EloParams::default());
    }
}
