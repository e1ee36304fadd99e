//! What parsers produce: source-neutral rows, still keyed by the source's own names and
//! ids. Processing resolves teams and writes entities from them.

use crate::{Market, MatchStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Home or away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Home,
    Away,
}

/// One match as a fixture list, a results page or a match page describes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FixtureRow {
    /// The source's id of the match, when it has one.
    pub source_id: Option<String>,
    pub competition: Option<String>,
    pub season: Option<String>,
    /// Round or matchday as the source writes it.
    pub round: Option<String>,
    pub kickoff: Option<DateTime<Utc>>,
    /// The source knows only the day (a time not fixed yet): `kickoff` is that day at
    /// 00:00 UTC and does not replace a time stored from another source.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kickoff_date_only: bool,
    pub home: String,
    pub away: String,
    pub status: MatchStatus,
    pub home_goals: Option<i32>,
    pub away_goals: Option<i32>,
    pub ht_home_goals: Option<i32>,
    pub ht_away_goals: Option<i32>,
    pub home_xg: Option<f64>,
    pub away_xg: Option<f64>,
    pub venue: Option<String>,
    pub referee: Option<String>,
}

/// One line of a league table.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StandingRow {
    pub position: u32,
    pub team: String,
    pub played: u32,
    pub won: u32,
    pub drawn: u32,
    pub lost: u32,
    pub goals_for: u32,
    pub goals_against: u32,
    pub points: i32,
    /// Recent results, most recent last, as `W`/`D`/`L` letters.
    pub form: Option<String>,
    pub xg_for: Option<f64>,
    pub xg_against: Option<f64>,
}

/// One team's statistics in one match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamStatsRow {
    pub side: Side,
    pub team: String,
    /// Percent, 0–100.
    pub possession: Option<f64>,
    pub shots: Option<i32>,
    pub shots_on_target: Option<i32>,
    pub corners: Option<i32>,
    pub fouls: Option<i32>,
    pub yellow_cards: Option<i32>,
    pub red_cards: Option<i32>,
    pub xg: Option<f64>,
}

impl TeamStatsRow {
    /// A side's expected goals and nothing else, as fixture lists give them.
    pub fn xg_only(side: Side, xg: Option<f64>) -> Self {
        Self {
            side,
            team: String::new(),
            possession: None,
            shots: None,
            shots_on_target: None,
            corners: None,
            fouls: None,
            yellow_cards: None,
            red_cards: None,
            xg,
        }
    }
}

/// What happened at a moment of a match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Goal,
    OwnGoal,
    PenaltyGoal,
    MissedPenalty,
    YellowCard,
    SecondYellow,
    RedCard,
    Substitution,
    /// Anything else, with the source's name for it.
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRow {
    pub minute: u32,
    /// Added time beyond `minute` (45+2 → minute 45, extra 2).
    pub extra_minute: Option<u32>,
    pub side: Side,
    pub kind: EventKind,
    pub player: Option<String>,
    /// The second player: assist, or the player coming on.
    pub other_player: Option<String>,
}

/// One shot with its expected-goals value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShotRow {
    pub minute: u32,
    pub side: Side,
    pub player: String,
    pub xg: f64,
    /// Pitch position, 0–1 from the shooting team's own goal line (x) and the right touchline (y).
    pub x: Option<f64>,
    pub y: Option<f64>,
    /// The source's outcome: `Goal`, `SavedShot`, ...
    pub result: String,
    pub situation: Option<String>,
}

/// One price of one selection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OddsRow {
    pub bookmaker: String,
    pub market: Market,
    /// `home`, `draw`, `away`, `over` or `under`.
    pub selection: String,
    /// Handicap or total; 0 for 1X2.
    pub line: f64,
    /// Decimal odds, > 1.0.
    pub price: f64,
    pub is_closing: bool,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// Everything a match page holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MatchDetail {
    pub fixture: FixtureRow,
    pub stats: Vec<TeamStatsRow>,
    pub events: Vec<EventRow>,
    pub shots: Vec<ShotRow>,
    pub odds: Vec<OddsRow>,
    pub lineups: Vec<PlayerRow>,
}

/// A player of a squad or a line-up.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PlayerRow {
    pub team: Option<String>,
    pub name: String,
    pub position: Option<String>,
    pub shirt_number: Option<u32>,
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u32>,
    pub nationality: Option<String>,
    /// Market value in whole units of `currency` (20,00 M € → 20000000.0, "EUR").
    pub market_value: Option<f64>,
    pub currency: Option<String>,
    /// In a line-up: started the match.
    pub starter: Option<bool>,
}

/// One news item.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NewsRow {
    pub source: String,
    pub title: String,
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub section: Option<String>,
    pub author: Option<String>,
}

/// A betting-exchange market with its runners' best prices.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExchangeMarket {
    pub market_id: String,
    pub market_name: Option<String>,
    pub market_type: Option<String>,
    pub event_name: Option<String>,
    pub competition: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub status: Option<String>,
    pub runners: Vec<ExchangeRunner>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExchangeRunner {
    pub selection_id: i64,
    pub name: Option<String>,
    pub status: Option<String>,
    /// Best (highest) back price and the size available at it.
    pub best_back: Option<(f64, f64)>,
    /// Best (lowest) lay price and the size available at it.
    pub best_lay: Option<(f64, f64)>,
    pub last_traded: Option<f64>,
}

/// A competition a source lists, with the source's id.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CompetitionRow {
    pub source_id: String,
    pub name: String,
    pub region: Option<String>,
}
