//! The match states and betting markets a source reports. The entities store the same
//! values in their own column types; processing maps one onto the other.

use serde::Serialize;

/// Where a match stands; a match nobody has reported on yet is scheduled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    #[default]
    Scheduled,
    Live,
    Finished,
    Postponed,
    Cancelled,
}

impl MatchStatus {
    /// The stored text of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Scheduled => "scheduled",
            MatchStatus::Live => "live",
            MatchStatus::Finished => "finished",
            MatchStatus::Postponed => "postponed",
            MatchStatus::Cancelled => "cancelled",
        }
    }
}

/// A betting market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Market {
    /// Home / draw / away.
    #[serde(rename = "1x2")]
    OneXTwo,
    /// Total goals over / under a line.
    #[serde(rename = "over_under")]
    OverUnder,
    /// Asian handicap on the home side's line.
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
