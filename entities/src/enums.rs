//! Enumerations stored as text columns, identical on PostgreSQL and SQLite.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a match stands; a match nobody has reported on yet is scheduled.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    #[default]
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "live")]
    Live,
    #[sea_orm(string_value = "finished")]
    Finished,
    #[sea_orm(string_value = "postponed")]
    Postponed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// A betting market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Market {
    /// Home / draw / away.
    #[sea_orm(string_value = "1x2")]
    #[serde(rename = "1x2")]
    OneXTwo,
    /// Total goals over / under a line.
    #[sea_orm(string_value = "over_under")]
    #[serde(rename = "over_under")]
    OverUnder,
    /// Asian handicap on the home side's line.
    #[sea_orm(string_value = "asian_handicap")]
    #[serde(rename = "asian_handicap")]
    AsianHandicap,
}

impl Market {
    /// The stored text of the market.
    pub fn as_str(self) -> &'static str {
        match self {
            Market::OneXTwo => "1x2",
            Market::OverUnder => "over_under",
            Market::AsianHandicap => "asian_handicap",
        }
    }
}

/// Life cycle of a value bet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum BetStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "won")]
    Won,
    #[sea_orm(string_value = "lost")]
    Lost,
    #[sea_orm(string_value = "void")]
    Void,
}

/// Access level of an API key or token holder; ordered from least to most power.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A signed-in end user: the public reads, nothing of the operators'.
    #[sea_orm(string_value = "member")]
    Member,
    /// Reads the operators' data too: jobs, queues, dead letters, workers, `/ops`.
    #[sea_orm(string_value = "reader")]
    Reader,
    #[sea_orm(string_value = "operator")]
    Operator,
    #[sea_orm(string_value = "admin")]
    Admin,
}

/// Where one alert's delivery to one chat stands (`alert_deliveries.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Claimed; the Bot API call is under way (or its process died during it).
    #[sea_orm(string_value = "sending")]
    Sending,
    /// Telegram accepted it and named the message.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// The call may have reached Telegram and nothing proves what became of it: listed to
    /// operators, never sent again on its own.
    #[sea_orm(string_value = "uncertain")]
    Uncertain,
}
