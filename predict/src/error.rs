//! Errors of the prediction core.

use chrono::NaiveDate;

/// Why a prediction-core function refused its input or could not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    /// A model was asked to fit with no usable match before its cut-off date.
    #[error("no matches before {as_of} to fit on")]
    NoHistory {
        /// The cut-off date of the fit.
        as_of: NaiveDate,
    },
    /// A decimal price that is not a finite number above 1.
    #[error("invalid decimal odds {0}: prices must be finite and above 1")]
    InvalidOdds(f64),
    /// A probability outside [0, 1] or not finite.
    #[error("invalid probability {0}")]
    InvalidProbability(f64),
    /// A market needs at least two outcomes.
    #[error("a market needs at least two outcomes, got {0}")]
    TooFewOutcomes(usize),
    /// Paired inputs of different lengths.
    #[error("inputs differ in length: {left} and {right}")]
    LengthMismatch {
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// An empty input where at least one item is needed.
    #[error("empty input")]
    Empty,
    /// A model or function parameter out of its domain.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The numerical optimiser failed or produced non-finite parameters.
    #[error("optimiser failed: {0}")]
    Optimiser(String),
    /// A root finder found no sign change or did not converge.
    #[error("root finder failed: {0}")]
    RootFinding(&'static str),
    /// A feature state was asked to roll back to an earlier day.
    #[error("cannot roll a feature state at {as_of} back to {until}")]
    SnapshotRewind {
        /// The day asked for.
        until: NaiveDate,
        /// The day the state stands at.
        as_of: NaiveDate,
    },
    /// A fixture dated before the state it would be featurised from, whose features would
    /// then include its own result and later ones.
    #[error("fixture on {date} is before the feature state's day {as_of}")]
    FixtureBeforeSnapshot {
        /// The fixture's day.
        date: NaiveDate,
        /// The day the state stands at.
        as_of: NaiveDate,
    },
    /// A tensor operation of a training run failed.
    #[error("tensor computation failed: {0}")]
    Tensor(String),
    /// Training produced a non-finite loss.
    #[error("training diverged at epoch {epoch}: loss {loss}")]
    Diverged {
        /// The epoch the loss stopped being finite.
        epoch: usize,
        /// The loss seen.
        loss: f64,
    },
}

impl From<candle_core::Error> for PredictError {
    fn from(e: candle_core::Error) -> Self {
        Self::Tensor(e.to_string())
    }
}
