//! The interface every match model offers: fit on history strictly before a date,
//! then predict any pairing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::data::MatchRecord;
use super::error::PredictError;
use super::score_matrix::ScoreMatrix;

/// A forecast for one match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Probability of a home win.
    pub p_home: f64,
    /// Probability of a draw.
    pub p_draw: f64,
    /// Probability of an away win.
    pub p_away: f64,
    /// Expected (home, away) goals, for models of goals.
    pub expected_goals: Option<(f64, f64)>,
    /// Full score grid, for models of goals.
    pub score_matrix: Option<ScoreMatrix>,
}

impl Prediction {
    /// `[home, draw, away]`, the layout the metrics take.
    pub fn probs(&self) -> [f64; 3] {
        [self.p_home, self.p_draw, self.p_away]
    }

    /// A prediction from a score grid: its 1X2 and expected goals, and the grid itself.
    pub fn from_matrix(matrix: ScoreMatrix) -> Self {
        let [p_home, p_draw, p_away] = matrix.outcomes();
        Self {
            p_home,
            p_draw,
            p_away,
            expected_goals: Some(matrix.expected_goals()),
            score_matrix: Some(matrix),
        }
    }
}

/// An upcoming match with the context a model may use beyond the pairing: its date (rest
/// days, form up to that day) and the market's margin-free probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    /// Day of the match.
    pub date: NaiveDate,
    /// Home team index.
    pub home: u32,
    /// Away team index.
    pub away: u32,
    /// Pre-match market probabilities `[home, draw, away]` with the margin removed.
    #[serde(default)]
    pub market: Option<[f32; 3]>,
}

impl Fixture {
    /// The fixture a played match was, before kick-off: its result and statistics dropped.
    pub fn of(m: &MatchRecord) -> Self {
        Self { date: m.date, home: m.home, away: m.away, market: m.market }
    }
}

/// A match model. The fitted model is plain data (serde) so it can be stored as a
/// registry artifact and loaded by inference workers.
pub trait Model: Sized + Serialize + DeserializeOwned {
    /// Hyper-parameters of a fit.
    type Params: Clone + Default + Serialize + DeserializeOwned;

    /// Fit on the matches of `history` strictly before `as_of`; nothing on or after that
    /// day is read, whatever order `history` is in.
    fn fit(history: &[MatchRecord], as_of: NaiveDate, params: &Self::Params) -> Result<Self, PredictError>;

    /// Forecast `home` against `away`. A team the fit never saw gets the league-average
    /// rating rather than an error, since newly promoted teams are routinely predicted.
    fn predict(&self, home: u32, away: u32) -> Prediction;

    /// Forecast a fixture with its context. Models of the pairing alone ignore the rest.
    fn predict_fixture(&self, f: &Fixture) -> Prediction {
        self.predict(f.home, f.away)
    }
}
