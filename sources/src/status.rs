//! The match states and betting markets a source reports. Processing stores them as
//! their text (`as_str`), which the entities' column types read back; a test in
//! `workers/src/process` checks the two lists agree.

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
    pub const ALL: [MatchStatus; 5] = [
        MatchStatus::Scheduled,
        MatchStatus::Live,
        MatchStatus::Finished,
        MatchStatus::Postponed,
        MatchStatus::Cancelled,
    ];

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
    pub const ALL: [Market; 3] = [Market::OneXTwo, Market::OverUnder, Market::AsianHandicap];

    /// The stored text of the market.
    pub fn as_str(self) -> &'static str {
        match self {
            Market::OneXTwo => "1x2",
            Market::OverUnder => "over_under",
            Market::AsianHandicap => "asian_handicap",
        }
    }
}
