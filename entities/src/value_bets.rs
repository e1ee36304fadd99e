//! `value_bets`: prices the models rate above the bookmaker's, and how they settled.

use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::BetStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "value_bets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub prediction_id: i64,
    pub match_id: i64,
    pub selection: String,
    pub bookmaker: String,
    pub price: f64,
    /// p × price − 1.
    pub edge: f64,
    /// Fraction of the bankroll to stake.
    pub kelly_stake: f64,
    pub confidence: Option<f64>,
    pub status: BetStatus,
    pub created_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
    /// The probability the bet was judged on (the blend of model and market, or the
    /// configured forecast), and the market's margin-free one.
    pub p_model: Option<f64>,
    pub p_market: Option<f64>,
    /// When the price was recorded.
    pub price_seen_at: Option<DateTimeUtc>,
    /// The rule that passed the bet and its backtested record
    /// (`{"source", "min_edge", "max_edge", "clv", "roi", "bets"}`).
    pub rule: Option<Json>,
    #[sea_orm(belongs_to, from = "prediction_id", to = "id")]
    pub prediction: HasOne<super::predictions::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
