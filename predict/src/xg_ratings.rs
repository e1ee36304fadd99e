//! Expected-goals ratings: the Poisson ratings of [`super::goal_model`] fitted on a mix of
//! goals and expected goals instead of goals alone. Goals are a noisy measure of how well
//! a side played (a season's xG predicts the next season's goals better than its goals
//! do), so ratings fitted on chances settle faster. Where no source publishes xG, a
//! side's shots at the league's goals per shot stand in for it. Forecasts are
//! independent Poisson score grids from the ratings, as for [`super::poisson`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::MatchRecord;
use super::error::PredictError;
use super::goal_model::{self, Dependence, FitOptions, TeamRatings};
use super::model::{Model, Prediction};
use super::promotion::PROMOTED_PRIOR;

/// Hyper-parameters of an expected-goals rating fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct XgParams {
    /// Share of goals in what the ratings are fitted on (the rest: expected goals).
    pub goal_weight: f64,
    /// Time decay per day.
    pub xi: f64,
    /// L2 penalty on ratings, in matches' weight.
    pub ridge: f64,
    /// Pull of a promoted team towards the teams it replaced, in matches' weight.
    pub promoted_prior: f64,
    /// Optimiser iteration limit.
    pub max_iters: u64,
}

impl Default for XgParams {
    fn default() -> Self {
        Self { goal_weight: 0.5, xi: 0.0018, ridge: 0.01, promoted_prior: PROMOTED_PRIOR, max_iters: 500 }
    }
}

/// Fitted expected-goals ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XgRatings {
    pub params: XgParams,
    pub as_of: NaiveDate,
    pub ratings: TeamRatings,
}

impl Model for XgRatings {
    type Params = XgParams;

    fn fit(history: &[MatchRecord], as_of: NaiveDate, params: &XgParams) -> Result<Self, PredictError> {
        if !(0.0..=1.0).contains(&params.goal_weight) {
            return Err(PredictError::InvalidParameter {
                name: "goal_weight",
                reason: format!("{} is not in [0, 1]", params.goal_weight),
            });
        }
        let opt = FitOptions {
            goal_weight: Some(params.goal_weight),
            ..FitOptions::goals(
                params.xi,
                params.ridge,
                params.promoted_prior,
                params.max_iters,
                Dependence::Independent,
            )
        };
        Ok(Self { params: *params, as_of, ratings: goal_model::fit(history, as_of, opt)? })
    }

    fn predict(&self, home: u32, away: u32) -> Prediction {
        Prediction::from_matrix(self.ratings.score_matrix(home, away))
    }
}

#[cfg(test)]
mod tests {
    use super::super::poisson::{Poisson, PoissonParams};
    use super::super::testutil::{self, Truth};
    use super::*;

    /// Two sides that scored alike but created unlike: fitted on chances, the side that
    /// made more is rated higher; on goals alone (weight 1) they rate as Poisson does.
    #[test]
    fn chances_move_the_ratings_goals_alone_do_not() {
        let d = |day: u64| NaiveDate::from_ymd_opt(2023, 9, 1).unwrap() + chrono::Days::new(day);
        let mut history = Vec::new();
        for k in 0..20u64 {
            // Both 1–1 against team 2, home and away; team 0 with 20 shots, team 1 with 4.
            for (team, shots) in [(0u32, 20u16), (1, 4)] {
                let home = MatchRecord {
                    home_shots: Some(shots),
                    away_shots: Some(10),
                    ..MatchRecord::new(d(k), team, 2, 1, 1)
                };
                let away = MatchRecord {
                    home_shots: Some(10),
                    away_shots: Some(shots),
                    ..MatchRecord::new(d(k), 2, team, 1, 1)
                };
                history.extend([home, away]);
            }
        }
        let as_of = d(30);
        let fit = |w: f64| {
            XgRatings::fit(&history, as_of, &XgParams { goal_weight: w, ..Default::default() }).unwrap()
        };
        let chances = fit(0.3).ratings;
        assert!(chances.attack[0] > chances.attack[1] + 0.3, "{:?}", chances.attack);
        let goals = fit(1.0).ratings;
        let poisson = Poisson::fit(&history, as_of, &PoissonParams { xi: 0.0018, ..Default::default() })
            .unwrap()
            .ratings;
        assert!((goals.attack[0] - poisson.attack[0]).abs() < 1e-6);
        // xG, where published, is read before shots.
        let with_xg: Vec<MatchRecord> = history
            .iter()
            .map(|m| MatchRecord {
                home_xg: Some(if m.home == 1 { 2.5 } else { 1.0 }),
                away_xg: Some(if m.away == 1 { 2.5 } else { 1.0 }),
                ..*m
            })
            .collect();
        let r = XgRatings::fit(&with_xg, as_of, &XgParams { goal_weight: 0.3, ..Default::default() })
            .unwrap()
            .ratings;
        assert!(r.attack[1] > r.attack[0] + 0.3, "{:?}", r.attack);
        assert!(
            XgRatings::fit(&history, as_of, &XgParams { goal_weight: 1.5, ..Default::default() }).is_err()
        );
    }

    #[test]
    fn walk_forward() {
        testutil::assert_walk_forward::<XgRatings>(&XgParams::default());
    }

    #[test]
    fn without_chances_it_is_poisson_on_goals() {
        let matches = testutil::simulate(&Truth::random(10, 0.25, 0.0, 81), 2, 82);
        let as_of = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let xg = XgRatings::fit(&matches, as_of, &XgParams { xi: 0.0, ..Default::default() }).unwrap();
        let po = Poisson::fit(&matches, as_of, &PoissonParams::default()).unwrap();
        assert!(testutil::max_abs_diff(&xg.ratings.attack, &po.ratings.attack) < 1e-6);
    }
}
