//! Sofascore's JSON API (`api.sofascore.com/api/v1`), the feed behind its web app.
//!
//! Pages parsed:
//! - round events, `unique-tournament/{t}/season/{s}/events/round/{r}`: one round's
//!   matches with status, kick-off and full- and half-time scores → [`FixtureRow`]s;
//! - total standings, `unique-tournament/{t}/season/{s}/standings/total`: the league
//!   table → [`StandingRow`]s;
//! - seasons, `unique-tournament/{t}/seasons`: the tournament's season ids, which the
//!   other two URLs need → [`Season`]s.

use crate::MatchStatus;
use serde::Serialize;
use serde_json::Value;

use crate::ParseError;
use crate::extract::Page;
use crate::pages::{PageDef, Parser};
use crate::rows::{FixtureRow, StandingRow};

pub const SITE: &str = "sofascore";
pub const BASE_URL: &str = "https://api.sofascore.com";

/// One season of a tournament: the id the round and standings URLs take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Season {
    pub id: u32,
    /// `Premier League 15/16`.
    pub name: String,
    /// `15/16`, the label round events carry as their season.
    pub year: String,
}

pub fn round_events_url(base: &str, tournament: u32, season: u32, round: u32) -> String {
    format!("{base}/api/v1/unique-tournament/{tournament}/season/{season}/events/round/{round}")
}

pub fn standings_url(base: &str, tournament: u32, season: u32) -> String {
    format!("{base}/api/v1/unique-tournament/{tournament}/season/{season}/standings/total")
}

pub fn seasons_url(base: &str, tournament: u32) -> String {
    format!("{base}/api/v1/unique-tournament/{tournament}/seasons")
}

/// A round's matches.
pub fn parse_round_events(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let events = p.non_empty(&doc, "events")?;
    (0..events.len()).map(|i| event(&p, &doc, &format!("events.{i}."))).collect()
}

/// The event at `at` (`events.3.`); paths are read from the document root so that errors
/// name the event.
fn event(p: &Page, doc: &Value, at: &str) -> Result<FixtureRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    let status = p.str(doc, &f("status.type"))?;
    Ok(FixtureRow {
        source_id: Some(p.i64(doc, &f("id"))?.to_string()),
        competition: p.maybe_str(doc, &f("tournament.name"))?.map(str::to_owned),
        season: p.maybe_str(doc, &f("season.year"))?.map(str::to_owned),
        round: p.maybe_int::<i64>(doc, &f("roundInfo.round"))?.map(|r| r.to_string()),
        kickoff: Some(p.time(doc, &f("startTimestamp"))?),
        home: p.str(doc, &f("homeTeam.name"))?.to_owned(),
        away: p.str(doc, &f("awayTeam.name"))?.to_owned(),
        status: status_of(status)
            .ok_or_else(|| p.err(f("status.type"), format!("unknown status {status:?}")))?,
        // `current` is the score after extra time; a shoot-out is kept apart under `penalties`.
        home_goals: p.maybe_int(doc, &f("homeScore.current"))?,
        away_goals: p.maybe_int(doc, &f("awayScore.current"))?,
        ht_home_goals: p.maybe_int(doc, &f("homeScore.period1"))?,
        ht_away_goals: p.maybe_int(doc, &f("awayScore.period1"))?,
        ..FixtureRow::default()
    })
}

/// Sofascore's `status.type`. Unknown types are refused rather than guessed.
fn status_of(kind: &str) -> Option<MatchStatus> {
    Some(match kind {
        "notstarted" | "delayed" => MatchStatus::Scheduled,
        "inprogress" | "interrupted" | "pause" => MatchStatus::Live,
        "finished" => MatchStatus::Finished,
        "postponed" | "suspended" => MatchStatus::Postponed,
        "canceled" | "cancelled" | "abandoned" => MatchStatus::Cancelled,
        _ => return None,
    })
}

/// The league table (the first of `standings[]`, the whole league in a league season).
pub fn parse_standings(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let rows = p.non_empty(&doc, "standings.0.rows")?;
    (0..rows.len()).map(|i| standing(&p, &doc, &format!("standings.0.rows.{i}."))).collect()
}

fn standing(p: &Page, doc: &Value, at: &str) -> Result<StandingRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    Ok(StandingRow {
        position: p.int(doc, &f("position"))?,
        team: p.str(doc, &f("team.name"))?.to_owned(),
        played: p.int(doc, &f("matches"))?,
        won: p.int(doc, &f("wins"))?,
        drawn: p.int(doc, &f("draws"))?,
        lost: p.int(doc, &f("losses"))?,
        goals_for: p.int(doc, &f("scoresFor"))?,
        goals_against: p.int(doc, &f("scoresAgainst"))?,
        points: p.int(doc, &f("points"))?,
        ..StandingRow::default()
    })
}

/// The tournament's seasons, newest first as Sofascore lists them.
pub fn parse_seasons(page: &str, body: &[u8]) -> Result<Vec<Season>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let seasons = p.non_empty(&doc, "seasons")?;
    (0..seasons.len())
        .map(|i| {
            let f = |k: &str| format!("seasons.{i}.{k}");
            Ok(Season {
                id: p.int(&doc, &f("id"))?,
                name: p.str(&doc, &f("name"))?.to_owned(),
                year: p.str(&doc, &f("year"))?.to_owned(),
            })
        })
        .collect()
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "standings", parser: Parser::Standings(parse_standings) },
    PageDef { page: "round_events", parser: Parser::Fixtures(parse_round_events) },
];

#[cfg(test)]
mod tests;
