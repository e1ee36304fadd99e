//! The numeric core of match prediction: pure functions over plain structs, no database
//! and no async. Models fit on the matches strictly before a date (`as_of`) so that every
//! evaluation is walk-forward; their fitted state serialises for the model registry.
//!
//! - [`data`]: match records and the team index;
//! - [`margin`], [`kelly`]: bookmaker margin removal, edge and stakes;
//! - [`blend`], [`value_rule`]: the model pooled with the market, and which value bets
//!   pass (bookable prices, edge bounds, closing-line value);
//! - [`metrics`]: RPS, log loss, Brier, accuracy, calibration;
//! - [`score_matrix`]: Poisson / Dixon-Coles score grids and what follows from them;
//! - [`model`]: the [`Model`] trait and [`Prediction`];
//! - [`goal_model`]: attack/defence ratings by maximum likelihood, shared by the goal models;
//! - [`poisson`], [`dixon_coles`], [`bivariate`], [`xg_ratings`], [`elo`], [`pi_ratings`]:
//!   the models;
//! - [`promotion`]: who came up and went down, for a promoted team's starting ratings;
//! - [`features`]: walk-forward match features (form, venue, head-to-head, xG, shots,
//!   rest, Elo, market) rolled forward match by match;
//! - [`learned`]: multinomial logistic regression (or a one-hidden-layer MLP) on those
//!   features, trained with candle.

pub mod bivariate;
pub mod blend;
pub mod data;
pub mod dixon_coles;
pub mod elo;
pub mod ensemble;
pub mod error;
pub mod features;
pub mod goal_model;
pub mod kelly;
pub mod learned;
pub mod margin;
pub mod metrics;
pub mod model;
mod optim;
pub mod pi_ratings;
pub mod poisson;
pub mod promotion;
pub mod score_matrix;
pub mod suite;
#[cfg(test)]
mod testutil;
pub mod value_rule;
pub mod xg_ratings;

pub use data::{MatchRecord, Outcome, TeamIndex};
pub use error::PredictError;
pub use model::{Fixture, Model, Prediction};
pub use score_matrix::ScoreMatrix;
