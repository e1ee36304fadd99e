//! The numeric core of match prediction: pure functions over plain structs, no database
//! and no async.
//!
//! - [`data`]: match records and the team index;
//! - [`margin`], [`kelly`]: bookmaker margin removal, edge and stakes;
//! - [`metrics`]: RPS, log loss, Brier, accuracy, calibration.

pub mod data;
pub mod error;
pub mod kelly;
pub mod margin;
pub mod metrics;

pub use data::{MatchRecord, Outcome, TeamIndex};
pub use error::PredictError;
