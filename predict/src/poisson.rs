//! Independent Poisson goals with team attack and defence and a home advantage (Maher),
//! fitted by maximum likelihood with optional exponential time decay.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::MatchRecord;
use super::error::PredictError;
use super::goal_model::{self, Dependence, FitOptions, TeamRatings};
use super::model::{Model, Prediction};
use super::promotion::PROMOTED_PRIOR;

/// Hyper-parameters of a Poisson fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoissonParams {
    /// Time decay per day (`exp(−xi × days before as_of)`); 0 weighs all matches equally.
    pub xi: f64,
    /// L2 penalty on ratings, in matches' weight; a small one keeps a team with a handful
    /// of goalless matches from running off to minus infinity.
    pub ridge: f64,
    /// Pull of a promoted team towards the teams it replaced, in matches' weight
    /// (see [`super::promotion`]).
    pub promoted_prior: f64,
    /// Optimiser iteration limit.
    pub max_iters: u64,
}

impl Default for PoissonParams {
    fn default() -> Self {
        Self { xi: 0.0, ridge: 0.01, promoted_prior: PROMOTED_PRIOR, max_iters: 500 }
    }
}

/// A fitted Poisson model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Poisson {
    /// Hyper-parameters it was fitted with.
    pub params: PoissonParams,
    /// Cut-off date of the fit (matches strictly before it were used).
    pub as_of: NaiveDate,
    /// Fitted ratings.
    pub ratings: TeamRatings,
}

impl Model for Poisson {
    type Params = PoissonParams;

    fn fit(history: &[MatchRecord], as_of: NaiveDate, params: &PoissonParams) -> Result<Self, PredictError> {
        let opt = FitOptions::goals(
            params.xi,
            params.ridge,
            params.promoted_prior,
            params.max_iters,
            Dependence::Independent,
        );
        Ok(Self { params: *params, as_of, ratings: goal_model::fit(history, as_of, opt)? })
    }

    fn predict(&self, home: u32, away: u32) -> Prediction {
        Prediction::from_matrix(self.ratings.score_matrix(home, away))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{self, Truth};
    use super::*;

    #[test]
    fn recovers_simulated_parameters() {
        let truth = Truth::random(20, 0.25, 0.0, 1);
        let matches = testutil::simulate(&truth, 10, 2);
        let as_of = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let m = Poisson::fit(&matches, as_of, &PoissonParams { ridge: 0.0, ..Default::default() }).unwrap();
        let r = &m.ratings;
        assert_eq!(r.n_matches, 3800);
        let (ea, ed) = (
            testutil::max_abs_diff(&r.attack, &truth.attack),
            testutil::max_abs_diff(&r.defence, &truth.defence),
        );
        assert!(ea < 0.15, "attack off by {ea}: {:?} vs {:?}", r.attack, truth.attack);
        assert!(ed < 0.15, "defence off by {ed}: {:?} vs {:?}", r.defence, truth.defence);
        assert!((r.home_advantage - 0.25).abs() < 0.05, "home advantage {}", r.home_advantage);
        assert_eq!(r.rho, 0.0);
        assert!(r.attack.iter().sum::<f64>().abs() < 1e-9);
    }

    #[test]
    fn predictions_are_distributions_and_favour_the_stronger_side() {
        let truth = Truth::random(10, 0.3, 0.0, 5);
        let matches = testutil::simulate(&truth, 4, 6);
        let m =
            Poisson::fit(&matches, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), &PoissonParams::default())
                .unwrap();
        let strength = |t: usize| truth.attack[t] - truth.defence[t];
        let best = (0..10).max_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap() as u32;
        let worst = (0..10).min_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap() as u32;
        let p = m.predict(best, worst);
        assert!(p.p_home > p.p_away);
        let s = p.score_matrix.as_ref().unwrap();
        assert!(s.total() >= 0.999);
        assert!((p.probs().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // An unknown team rates as the average.
        let q = m.predict(best, 1000);
        assert!(q.p_home > 0.0 && q.p_home < 1.0);
    }

    #[test]
    fn time_decay_follows_recent_form() {
        // Team 0 scores freely in old matches and not at all in recent ones.
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let mut h = Vec::new();
        for i in 0..40u32 {
            let (date, goals) = if i < 20 { (d(2015, 1 + i % 12), 4) } else { (d(2020, 1 + i % 12), 0) };
            h.push(MatchRecord::new(date, 0, 1 + i % 3, goals, 1));
            h.push(MatchRecord::new(date, 1 + i % 3, 0, 1, goals));
            h.push(MatchRecord::new(date, 1 + i % 3, 1 + (i + 1) % 3, 1, 1));
        }
        let as_of = d(2021, 1);
        let flat = Poisson::fit(&h, as_of, &PoissonParams::default()).unwrap();
        let decayed = Poisson::fit(&h, as_of, &PoissonParams { xi: 0.005, ..Default::default() }).unwrap();
        assert!(decayed.ratings.attack[0] < flat.ratings.attack[0] - 0.5);
    }

    #[test]
    fn walk_forward() {
        testutil::assert_walk_forward::<Poisson>(&PoissonParams { xi: 0.002, ..Default::default() });
    }

    #[test]
    fn no_history_is_an_error_and_the_fit_round_trips_through_json() {
        let truth = Truth::random(4, 0.2, 0.0, 8);
        let matches = testutil::simulate(&truth, 1, 9);
        let early = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert!(matches!(
            Poisson::fit(&matches, early, &PoissonParams::default()),
            Err(PredictError::NoHistory { .. })
        ));
        let m =
            Poisson::fit(&matches, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), &PoissonParams::default())
                .unwrap();
        let back: Poisson = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back.predict(0, 1), m.predict(0, 1));
    }
}
