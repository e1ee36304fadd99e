//! The bivariate Poisson (Karlis and Ntzoufras 2003): each side's goals are its own
//! Poisson count plus one count common to both, `home = X + Z, away = Y + Z`, with the
//! ratings of [`super::goal_model`] on `X` and `Y` and a constant common rate λ₃. The
//! shared component correlates the scores (matches are open or closed as a whole) and
//! raises the draws that independent Poisson underrates, with one more parameter than
//! Maher's model instead of a correction to four cells.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::data::MatchRecord;
use super::error::PredictError;
use super::goal_model::{self, Dependence, FitOptions, TeamRatings};
use super::model::{Model, Prediction};
use super::promotion::PROMOTED_PRIOR;

/// Hyper-parameters of a bivariate Poisson fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BivariateParams {
    /// Time decay per day (`exp(−xi × days before as_of)`).
    pub xi: f64,
    /// L2 penalty on ratings, in matches' weight.
    pub ridge: f64,
    /// Pull of a promoted team towards the teams it replaced, in matches' weight.
    pub promoted_prior: f64,
    /// Optimiser iteration limit.
    pub max_iters: u64,
}

impl Default for BivariateParams {
    fn default() -> Self {
        Self { xi: 0.0018, ridge: 0.01, promoted_prior: PROMOTED_PRIOR, max_iters: 500 }
    }
}

/// A fitted bivariate Poisson model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bivariate {
    pub params: BivariateParams,
    /// Cut-off date of the fit.
    pub as_of: NaiveDate,
    /// Fitted ratings; `lambda3` is the common rate.
    pub ratings: TeamRatings,
}

impl Model for Bivariate {
    type Params = BivariateParams;

    fn fit(
        history: &[MatchRecord],
        as_of: NaiveDate,
        params: &BivariateParams,
    ) -> Result<Self, PredictError> {
        let opt = FitOptions::goals(
            params.xi,
            params.ridge,
            params.promoted_prior,
            params.max_iters,
            Dependence::Bivariate,
        );
        Ok(Self { params: *params, as_of, ratings: goal_model::fit(history, as_of, opt)? })
    }

    fn predict(&self, home: u32, away: u32) -> Prediction {
        Prediction::from_matrix(self.ratings.score_matrix(home, away))
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::super::testutil;
    use super::*;

    fn poisson(rng: &mut StdRng, rate: f64) -> u8 {
        let (mut k, mut p) = (0u8, (-rate).exp());
        let (u, mut cdf) = (rng.random::<f64>(), p);
        while u > cdf && k < 20 {
            k += 1;
            p *= rate / f64::from(k);
            cdf += p;
        }
        k
    }

    /// Scores simulated as `X + Z, Y + Z`: the fit recovers λ₃, the home advantage and the
    /// ratings' order.
    #[test]
    fn recovers_the_common_rate() {
        let truth = testutil::Truth::random(16, 0.25, 0.0, 61);
        let mut rng = StdRng::seed_from_u64(62);
        let start = NaiveDate::from_ymd_opt(2010, 8, 1).unwrap();
        let mut matches = Vec::new();
        for round in 0..12u64 {
            for h in 0..16u32 {
                for a in (0..16u32).filter(|&a| a != h) {
                    let l1 = (truth.attack[h as usize] + truth.defence[a as usize] + 0.25).exp() * 0.85;
                    let l2 = (truth.attack[a as usize] + truth.defence[h as usize]).exp() * 0.85;
                    let z = poisson(&mut rng, 0.2);
                    let day = start + chrono::Days::new(round * 30);
                    matches.push(MatchRecord::new(
                        day,
                        h,
                        a,
                        poisson(&mut rng, l1) + z,
                        poisson(&mut rng, l2) + z,
                    ));
                }
            }
        }
        let params = BivariateParams { xi: 0.0, ..BivariateParams::default() };
        let m = Bivariate::fit(&matches, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), &params).unwrap();
        let r = &m.ratings;
        assert!((r.lambda3 - 0.2).abs() < 0.06, "λ₃ {}", r.lambda3);
        assert!((r.home_advantage - 0.25).abs() < 0.08, "home advantage {}", r.home_advantage);
        let strength = |t: usize| truth.attack[t] - truth.defence[t];
        let best = (0..16).max_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap();
        let worst = (0..16).min_by(|&a, &b| strength(a).total_cmp(&strength(b))).unwrap();
        let p = m.predict(best as u32, worst as u32);
        assert!(p.p_home > 0.6, "{p:?}");
        assert_eq!(r.rho, 0.0);
    }

    #[test]
    fn walk_forward() {
        testutil::assert_walk_forward::<Bivariate>(&BivariateParams::default());
    }
}
