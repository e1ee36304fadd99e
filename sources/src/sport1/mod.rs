//! sport1.de's live sports API (`sportsapi.sport1.de`), as its live ticker reads it
//! while a match is played.
//!
//! Pages parsed:
//! - a match, `match/ma{id}`: teams, kickoff, state and score → the match's
//!   [`FixtureRow`] (in a [`MatchDetail`]);
//! - a match's incidents, `match-event/ma{id}`: goals with scorer and assist, cards,
//!   substitutions and missed penalties → [`EventRow`]s, sided by the team ids of the
//!   match page.
//!
//! Every value is a string (`"finished": "no"`). Times are German local time.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Europe::Berlin;
use serde_json::Value;

use crate::MatchStatus;
use crate::ParseError;
use crate::extract::{Page, opt_i64, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{EventKind, EventRow, FixtureRow, MatchDetail, Side};

pub const SITE: &str = "sport1";
pub const BASE_URL: &str = "https://sportsapi.sport1.de";

pub fn match_url(base: &str, id: &str) -> String {
    format!("{base}/match/ma{id}")
}

pub fn incidents_url(base: &str, id: &str) -> String {
    format!("{base}/match-event/ma{id}")
}

/// The match's state: `current_period` while it is played, `finished` at the end.
fn status_of(finished: &str, period: Option<&str>) -> Option<MatchStatus> {
    if finished == "yes" {
        return Some(MatchStatus::Finished);
    }
    Some(match period.unwrap_or_default() {
        // Before kickoff the period is empty.
        "" => MatchStatus::Scheduled,
        "game-start" | "first-half-end" | "second-half-start" | "extra-time-start" | "penalty-shootout" => {
            MatchStatus::Live
        }
        "game-end" => MatchStatus::Finished,
        _ => return None,
    })
}

/// The score `match_result_at` names (`0` the current or final one, `1` half-time).
fn score(doc: &Value, at: &str) -> (Option<i32>, Option<i32>) {
    let mut out = (None, None);
    for r in doc["match"]["match_result"].as_array().into_iter().flatten() {
        if opt_str(r, "match_result_at") != Some(at) {
            continue;
        }
        let goals = opt_i64(r, "match_result").and_then(|g| i32::try_from(g).ok());
        match opt_str(r, "place") {
            Some("home") => out.0 = goals,
            Some("away") => out.1 = goals,
            _ => {}
        }
    }
    out
}

/// A match page: its fixture row, with the live state and score.
pub fn parse_match(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let date = p.str(&doc, "match.match_date")?;
    let time = p.str(&doc, "match.match_time")?;
    let day =
        NaiveDate::parse_from_str(date, "%d.%m.%Y").map_err(|e| p.err("match.match_date", e.to_string()))?;
    let clock =
        NaiveTime::parse_from_str(time, "%H:%M").map_err(|e| p.err("match.match_time", e.to_string()))?;
    let kickoff = Berlin
        .from_local_datetime(&day.and_time(clock))
        .earliest()
        .ok_or_else(|| p.err("match.match_time", "not a time in Germany"))?
        .to_utc();
    let finished = p.str(&doc, "match.finished")?;
    let period = p.maybe_str(&doc, "match.current_period")?;
    let status = status_of(finished, period)
        .ok_or_else(|| p.err("match.current_period", format!("unknown period {period:?}")))?;
    let (home_goals, away_goals) = score(&doc, "0");
    if status != MatchStatus::Scheduled && (home_goals.is_none() || away_goals.is_none()) {
        return Err(p.err("match.match_result", "a match under way without its score"));
    }
    let (ht_home_goals, ht_away_goals) = score(&doc, "1");
    let fixture = FixtureRow {
        source_id: Some(p.i64(&doc, "match.id")?.to_string()),
        competition: p.maybe_str(&doc, "match.round.name")?.map(str::to_owned),
        kickoff: Some(kickoff),
        home: p.str(&doc, "match.home.name")?.to_owned(),
        away: p.str(&doc, "match.away.name")?.to_owned(),
        status,
        home_goals,
        away_goals,
        ht_home_goals,
        ht_away_goals,
        venue: p.maybe_str(&doc, "match.venue.name")?.map(str::to_owned),
        referee: p.maybe_str(&doc, "match.referee.name")?.map(str::to_owned),
        ..FixtureRow::default()
    };
    Ok(MatchDetail { fixture, ..MatchDetail::default() })
}

/// The home team's id on a match page, which sides the incidents.
pub fn home_team_id(page: &str, body: &[u8]) -> Result<String, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    Ok(p.i64(&doc, "match.home.id")?.to_string())
}

/// The incident kind of an entry, or `None` for entries that are no incident (line-ups,
/// the bench, coaches, the match's own state changes).
fn kind_of(action: &str, kind: &str) -> Option<EventKind> {
    Some(match (action, kind) {
        ("goal", "own-goal") => EventKind::OwnGoal,
        ("goal", "penalty") => EventKind::PenaltyGoal,
        ("goal", _) => EventKind::Goal,
        ("card", "yellow") => EventKind::YellowCard,
        ("card", "yellow-red") => EventKind::SecondYellow,
        ("card", "red") => EventKind::RedCard,
        ("special", "missed-penalty") => EventKind::MissedPenalty,
        // The player coming on; the one going off is its own entry, paired below.
        ("playing", "substitute-in") => EventKind::Substitution,
        ("card", other) | ("special", other) => EventKind::Other(format!("{action}:{other}")),
        _ => return None,
    })
}

/// A match's incidents, oldest first; `home_id` is the home team's sport1 id.
pub fn parse_incidents(page: &str, body: &[u8], home_id: &str) -> Result<Vec<EventRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let entries = doc.as_array().ok_or_else(|| p.err("", "not a list of entries"))?;
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = |k: &str| format!("{i}.{k}");
        let Some(kind) = kind_of(p.str(&doc, &at("action"))?, opt_str(e, "kind").unwrap_or_default()) else {
            continue;
        };
        let team = p.i64(&doc, &at("team.id"))?.to_string();
        let side = if team == home_id { Side::Home } else { Side::Away };
        let minute: u32 = p.int(&doc, &at("minute"))?;
        let player = opt_str(e, "person.name").map(str::to_owned);
        let other_player = match kind {
            // The player going off: the substitute-out entry of the same team and minute.
            EventKind::Substitution => entries
                .iter()
                .find(|o| {
                    opt_str(o, "kind") == Some("substitute-out")
                        && opt_i64(o, "team.id").map(|t| t.to_string()) == Some(team.clone())
                        && opt_i64(o, "minute") == Some(i64::from(minute))
                })
                .and_then(|o| opt_str(o, "person.name"))
                .map(str::to_owned),
            _ => opt_str(e, "additional_person.name").map(str::to_owned),
        };
        out.push(EventRow { minute, extra_minute: None, side, kind, player, other_player });
    }
    out.sort_by_key(|e| e.minute);
    Ok(out)
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[PageDef { page: "match", parser: Parser::Match(parse_match) }];

#[cfg(test)]
mod tests;
