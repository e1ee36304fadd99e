//! Dixon-Coles (1997): Poisson goals with attack, defence and home advantage, a
//! correction ρ for the low scores independent Poisson gets wrong, and exponential time
//! decay of the likelihood. Fitted by maximum likelihood with analytic gradients (L-BFGS).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::MatchRecord;
use super::error::PredictError;
use super::goal_model::{self, Dependence, FitOptions, TeamRatings};
use super::model::{Model, Prediction};
use super::promotion::PROMOTED_PRIOR;

/// Hyper-parameters of a Dixon-Coles fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DixonColesParams {
    /// Time decay per day (`exp(−xi × days before as_of)`). The default 0.0018 is Dixon and
    /// Coles' 0.0065 per half-week.
    pub xi: f64,
    /// L2 penalty on ratings, in matches' weight (see [`super::poisson::PoissonParams::ridge`]).
    pub ridge: f64,
    /// Pull of a promoted team towards the teams it replaced, in matches' weight
    /// (see [`super::promotion`]).
    pub promoted_prior: f64,
    /// Optimiser iteration limit.
    pub max_iters: u64,
}

impl Default for DixonColesParams {
    fn default() -> Self {
        Self { xi: 0.0018, ridge: 0.01, promoted_prior: PROMOTED_PRIOR, max_iters: 500 }
    }
}

/// A fitted Dixon-Coles model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DixonColes {
    /// Hyper-parameters it was fitted with.
    pub params: DixonColesParams,
    /// Cut-off date of the fit (matches strictly before it were used).
    pub as_of: NaiveDate,
    /// Fitted ratings, including ρ.
    pub ratings: TeamRatings,
}

impl Model for DixonColes {
    type Params = DixonColesParams;

    fn fit(
        history: &[MatchRecord],
        as_of: NaiveDate,
        params: &DixonColesParams,
    ) -> Result<Self, PredictError> {
        let opt = FitOptions::goals(
            params.xi,
            params.ridge,
            params.promoted_prior,
            params.max_iters,
            Dependence::DixonColes,
        );
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

    fn far_future() -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()
    }

    #[test]
    fn recovers_simulated_parameters() {
        let truth = Truth::random(20, 0.25, -0.12, 21);
        let matches = testutil::simulate(&truth, 10, 22);
        let params = DixonColesParams { xi: 0.0, ridge: 0.0, ..Default::default() };
        let r = DixonColes::fit(&matches, far_future(), &params).unwrap().ratings;
        let (ea, ed) = (
            testutil::max_abs_diff(&r.attack, &truth.attack),
            testutil::max_abs_diff(&r.defence, &truth.defence),
        );
        assert!(ea < 0.15, "attack off by {ea}");
        assert!(ed < 0.15, "defence off by {ed}");
        assert!((r.home_advantage - 0.25).abs() < 0.05, "home advantage {}", r.home_advantage);
        assert!(r.rho < -0.03 && (r.rho + 0.12).abs() < 0.08, "rho {}", r.rho);
    }

    #[test]
    fn rho_is_near_zero_on_independent_goals_and_beats_poisson_on_dependent_ones() {
        let indep = testutil::simulate(&Truth::random(16, 0.25, 0.0, 31), 8, 32);
        let params = DixonColesParams { xi: 0.0, ..Default::default() };
        let r = DixonColes::fit(&indep, far_future(), &params).unwrap().ratings;
        assert!(r.rho.abs() < 0.06, "rho {}", r.rho);

        let dep = testutil::simulate(&Truth::random(16, 0.25, -0.15, 33), 8, 34);
        let dc = DixonColes::fit(&dep, far_future(), &params).unwrap().ratings;
        let po = Poisson::fit(&dep, far_future(), &PoissonParams::default()).unwrap().ratings;
        assert!(dc.log_likelihood > po.log_likelihood);
    }

    #[test]
    fn probabilities_are_distributions() {
        let matches = testutil::simulate(&Truth::random(12, 0.3, -0.1, 41), 3, 42);
        let m = DixonColes::fit(&matches, far_future(), &DixonColesParams::default()).unwrap();
        for h in 0..12 {
            for a in 0..12 {
                let p = m.predict(h, a);
                assert!((p.probs().iter().sum::<f64>() - 1.0).abs() < 1e-12);
                assert!(p.probs().iter().all(|&x| x > 0.0 && x < 1.0));
                assert!(p.score_matrix.as_ref().unwrap().total() >= 0.999);
            }
        }
    }

    #[test]
    fn walk_forward() {
        testutil::assert_walk_forward::<DixonColes>(&DixonColesParams::default());
    }
}
