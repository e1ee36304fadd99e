//! The models Kickoff runs, fitted together on one league's history as of one day, and
//! their ensemble. A fitted suite is plain data: it is what the model registry stores
//! and the inference workers load.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::bivariate::{Bivariate, BivariateParams};
use super::data::MatchRecord;
use super::dixon_coles::{DixonColes, DixonColesParams};
use super::elo::{Elo, EloParams};
use super::ensemble::Weights;
use super::error::PredictError;
use super::learned::{Learned, LearnedParams};
use super::model::{Fixture, Model, Prediction};
use super::pi_ratings::{PiParams, PiRatings};
use super::poisson::{Poisson, PoissonParams};
use super::xg_ratings::{XgParams, XgRatings};

/// The members of the results-only ensemble, in forecast order. Stored weights are
/// matched to members by name, so a version trained before a member existed still
/// weighs the others right (and the newcomer nothing).
pub const MEMBERS: [&str; 7] =
    ["poisson", "dixon_coles", "elo", "learned", "pi_ratings", "bivariate", "xg_ratings"];

/// The name of the results-only ensemble.
pub const ENSEMBLE: &str = "ensemble";

/// Hyper-parameters of every model of the suite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuiteParams {
    pub poisson: PoissonParams,
    pub dixon_coles: DixonColesParams,
    pub elo: EloParams,
    pub learned: LearnedParams,
    pub pi_ratings: PiParams,
    pub bivariate: BivariateParams,
    pub xg_ratings: XgParams,
}

/// The models fitted on one league as of one day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suite {
    pub as_of: NaiveDate,
    pub poisson: Poisson,
    pub dixon_coles: DixonColes,
    pub elo: Elo,
    pub learned: Learned,
    /// Absent from suites stored before the member existed: forecast as invalid, so the
    /// ensemble uses the other members.
    #[serde(default)]
    pub pi_ratings: Option<PiRatings>,
    #[serde(default)]
    pub bivariate: Option<Bivariate>,
    #[serde(default)]
    pub xg_ratings: Option<XgRatings>,
}

/// Every member's forecast of one match, and the ensemble's.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteForecast {
    /// `[home, draw, away]` per member, in [`MEMBERS`] order.
    pub members: Vec<[f64; 3]>,
    pub ensemble: [f64; 3],
    /// The Dixon-Coles grid's forecast, for expected goals and the score matrix.
    pub goals: Prediction,
    /// Members whose forecast was not a distribution (a fit on too little data), each
    /// replaced by the mean of the others.
    pub invalid: Vec<&'static str>,
}

/// Whether `p` is a probability distribution over home, draw, away.
pub fn is_distribution(p: &[f64; 3]) -> bool {
    p.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)) && (p.iter().sum::<f64>() - 1.0).abs() < 1e-6
}

/// Replaces members that are not distributions by the mean of the valid ones (uniform
/// when none is); returns the names replaced.
fn repair(members: &mut [[f64; 3]]) -> Vec<&'static str> {
    let valid: Vec<[f64; 3]> = members.iter().copied().filter(is_distribution).collect();
    let mut fallback = [1.0 / 3.0; 3];
    if !valid.is_empty() {
        for (i, f) in fallback.iter_mut().enumerate() {
            *f = valid.iter().map(|p| p[i]).sum::<f64>() / valid.len() as f64;
        }
    }
    let mut replaced = Vec::new();
    for (name, p) in MEMBERS.iter().zip(members.iter_mut()) {
        if !is_distribution(p) {
            *p = fallback;
            replaced.push(*name);
        }
    }
    replaced
}

impl Suite {
    /// Fits every model on the matches of `history` strictly before `as_of`.
    pub fn fit(
        history: &[MatchRecord],
        as_of: NaiveDate,
        params: &SuiteParams,
    ) -> Result<Self, PredictError> {
        Ok(Self {
            as_of,
            poisson: Poisson::fit(history, as_of, &params.poisson)?,
            dixon_coles: DixonColes::fit(history, as_of, &params.dixon_coles)?,
            elo: Elo::fit(history, as_of, &params.elo)?,
            learned: Learned::fit(history, as_of, &params.learned)?,
            pi_ratings: Some(PiRatings::fit(history, as_of, &params.pi_ratings)?),
            bivariate: Some(Bivariate::fit(history, as_of, &params.bivariate)?),
            xg_ratings: Some(XgRatings::fit(history, as_of, &params.xg_ratings)?),
        })
    }

    /// The members' forecasts of `home` v `away` on `date`, combined with `weights`.
    pub fn forecast(&self, date: NaiveDate, home: u32, away: u32, weights: &Weights) -> SuiteForecast {
        let goals = self.dixon_coles.predict(home, away);
        // The learned model reads rest days from the date; a day before its fit (a
        // fixture rescheduled earlier) is read as the fit's own day.
        let fixture = Fixture { date: date.max(self.as_of), home, away, market: None };
        let mut members = vec![
            self.poisson.predict(home, away).probs(),
            goals.probs(),
            self.elo.predict(home, away).probs(),
            self.learned.predict_fixture(&fixture).probs(),
            self.pi_ratings.as_ref().map_or([f64::NAN; 3], |m| m.predict(home, away).probs()),
            self.bivariate.as_ref().map_or([f64::NAN; 3], |m| m.predict(home, away).probs()),
            self.xg_ratings.as_ref().map_or([f64::NAN; 3], |m| m.predict(home, away).probs()),
        ];
        let invalid = repair(&mut members);
        SuiteForecast { ensemble: weights.combine(&MEMBERS, &members), members, goals, invalid }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_members_are_replaced_by_the_others() {
        let mut members = vec![
            [0.5, 0.3, 0.2],
            [f64::NAN, 0.3, 0.2],
            [0.3, 0.3, 0.4],
            [0.6, 0.6, 0.6],
            [0.4, 0.3, 0.3],
            [0.4, 0.3, 0.3],
            [0.4, 0.3, 0.3],
        ];
        assert_eq!(repair(&mut members), ["dixon_coles", "learned"]);
        assert!(members.iter().all(is_distribution));
        assert!((members[1][0] - 0.4).abs() < 1e-12);
        let mut none = vec![[f64::NAN; 3]; 7];
        assert_eq!(repair(&mut none).len(), 7);
        assert_eq!(none[0], [1.0 / 3.0; 3]);
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(i64::from(d))
    }

    #[test]
    fn a_suite_fits_forecasts_and_round_trips() {
        // Team 0 beats everyone at home; the rest draw.
        let mut history = Vec::new();
        for round in 0..30u32 {
            for (h, a) in [(0, 1), (2, 3), (1, 2), (3, 0)] {
                let (hg, ag) = if h == 0 {
                    (3, 0)
                } else if a == 0 {
                    (0, 2)
                } else {
                    (1, 1)
                };
                history.push(MatchRecord::new(day(round * 7), h, a, hg, ag));
            }
        }
        let suite = Suite::fit(&history, day(300), &SuiteParams::default()).unwrap();
        let w = Weights::equal(&MEMBERS);
        let f = suite.forecast(day(300), 0, 1, &w);
        assert_eq!(f.members.len(), MEMBERS.len());
        for p in f.members.iter().chain([&f.ensemble]) {
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9 && p.iter().all(|x| *x > 0.0 && *x < 1.0));
            assert!(p[0] > p[2], "the strong home side is favoured: {p:?}");
        }
        let back: Suite = serde_json::from_str(&serde_json::to_string(&suite).unwrap()).unwrap();
        let again = back.forecast(day(300), 0, 1, &w);
        for (a, b) in again.members.iter().flatten().zip(f.members.iter().flatten()) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert!(
            f.goals.score_matrix.as_ref().is_some_and(|m| (m.total() - 1.0).abs() < 1e-3),
            "{:?}",
            f.goals
        );
        assert!(Suite::fit(&history, day(0), &SuiteParams::default()).is_err());
    }

    /// A suite and weights stored before the newer members existed still load and
    /// forecast: the absent members are reported invalid and weigh nothing.
    #[test]
    fn a_suite_stored_before_the_newer_members_still_forecasts() {
        let history: Vec<MatchRecord> = (0..40u32)
            .flat_map(|round| {
                [(0, 1), (2, 3), (1, 2), (3, 0)].map(|(h, a)| {
                    MatchRecord::new(day(round * 7), h, a, (round % 3) as u8, (round % 2) as u8)
                })
            })
            .collect();
        let suite = Suite::fit(&history, day(300), &SuiteParams::default()).unwrap();
        let mut stored = serde_json::to_value(&suite).unwrap();
        for newer in ["pi_ratings", "bivariate", "xg_ratings"] {
            stored.as_object_mut().unwrap().remove(newer);
        }
        let old: Suite = serde_json::from_value(stored).unwrap();
        let weights: Weights = serde_json::from_str(
            r#"{"members":["poisson","dixon_coles","elo","learned"],"weights":[0.1,0.4,0.3,0.2]}"#,
        )
        .unwrap();
        let f = old.forecast(day(300), 0, 1, &weights);
        assert_eq!(f.invalid, ["pi_ratings", "bivariate", "xg_ratings"]);
        assert!(is_distribution(&f.ensemble));
        let by_hand = [0, 1, 2, 3].iter().fold([0.0; 3], |acc, &i| {
            let w = weights.weights[i];
            [acc[0] + w * f.members[i][0], acc[1] + w * f.members[i][1], acc[2] + w * f.members[i][2]]
        });
        for (a, b) in f.ensemble.iter().zip(by_hand) {
            assert!((a - b).abs() < 1e-12, "{:?} vs {by_hand:?}", f.ensemble);
        }
    }
}
