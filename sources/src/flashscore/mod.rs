//! Flashscore: the match-detail feeds its site loads for a match page.
//!
//! The feeds are plain text in Flashscore's own format: records end with `¬~`, fields
//! end with `¬`, and each field is `KEY÷value` ([`records`]). Feeds parsed:
//! - `dc`: status, score, kick-off;
//! - `df_st`: team statistics per period (the `Match` period is used);
//! - `df_sui`: incidents (goals with assists, cards, substitutions);
//! - `df_sur`: half scores and match info (referee, venue).
//!
//! [`parse_match_feeds`] reads them from one JSON object keyed by feed name, as a fetch
//! of the four feeds stores them. The feeds carry no team names (the match page and the
//! fixture lists do), so the fixture's `home`/`away` and the stats' `team` are left empty
//! for the caller to fill.

use crate::MatchStatus;
use chrono::DateTime;
use serde_json::Value;

use crate::ParseError;
use crate::extract::Page;
use crate::pages::{PageDef, Parser};
use crate::rows::{EventKind, EventRow, FixtureRow, MatchDetail, Side, TeamStatsRow};

const SITE: &str = "flashscore";

/// The header the feed server expects with every request (the site's public sign).
pub const FEED_SIGN_HEADER: (&str, &str) = ("x-fsign", "SW9D1eZo");

/// The feeds of a match page.
pub const FEEDS: [&str; 4] = ["dc", "df_st", "df_sui", "df_sur"];

/// One feed of a match (base `https://global.flashscore.ninja/2`; `feed` one of [`FEEDS`]).
pub fn match_feed_url(base: &str, feed: &str, match_id: &str) -> String {
    format!("{}/x/feed/{feed}_1_{match_id}", base.trim_end_matches('/'))
}

/// The public match page (base `https://www.flashscore.com`).
pub fn match_page_url(base: &str, match_id: &str) -> String {
    format!("{}/match/{match_id}/#/match-summary", base.trim_end_matches('/'))
}

/// One record: its fields in order (keys repeat within a record, e.g. `MIT`/`MIV`).
pub type Record<'a> = Vec<(&'a str, &'a str)>;

/// Splits a feed into records of `(key, value)` fields. Empty records and fields without
/// a `÷` are skipped.
pub fn records(feed: &str) -> Vec<Record<'_>> {
    feed.split("¬~")
        .map(|rec| rec.split('¬').filter_map(|field| field.split_once('÷')).collect::<Record<'_>>())
        .filter(|rec| !rec.is_empty())
        .collect()
}

/// The first value of `key` in a record.
fn field<'a>(rec: &Record<'a>, key: &str) -> Option<&'a str> {
    rec.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The four feeds of one match, from a JSON object `{"dc": "...", "df_st": "...", ...}`.
/// `dc` is required; the others may be absent (no statistics or incidents yet).
pub fn parse_match_feeds(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    if !v.is_object() {
        return Err(p.err("body", "not an object of feeds"));
    }
    let feed = |name: &str| -> Result<Option<&str>, ParseError> {
        match v.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(p.err(name, "not a string")),
        }
    };
    let dc = feed("dc")?.ok_or_else(|| p.err("dc", "missing"))?;
    let mut fixture = parse_summary(&p, dc)?;
    let stats = match feed("df_st")? {
        Some(st) => parse_stats(&p, st)?,
        None => Vec::new(),
    };
    let events = match feed("df_sui")? {
        Some(sui) => parse_incidents(&p, sui)?,
        None => Vec::new(),
    };
    if let Some(sur) = feed("df_sur")? {
        match_info(sur, &mut fixture);
    }
    Ok(MatchDetail { fixture, stats, events, ..MatchDetail::default() })
}

/// `dc`: `DA` the stage type (1 scheduled, 2 live, 3 finished), `DB` the stage (4
/// postponed, 5 cancelled, ...), `DC` the kick-off (unix seconds), `DE`/`DF` the goals.
fn parse_summary(p: &Page, dc: &str) -> Result<FixtureRow, ParseError> {
    let recs = records(dc);
    let rec = recs.first().ok_or_else(|| p.err("dc", "no record"))?;
    let stage_type = field(rec, "DA").ok_or_else(|| p.err("dc.DA", "missing"))?;
    let kickoff = field(rec, "DC").ok_or_else(|| p.err("dc.DC", "missing"))?;
    let kickoff = kickoff
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| p.err("dc.DC", format!("not a unix time: {kickoff:?}")))?;
    let status = match (stage_type, field(rec, "DB")) {
        (_, Some("4")) => MatchStatus::Postponed,
        (_, Some("5")) => MatchStatus::Cancelled,
        ("1", _) => MatchStatus::Scheduled,
        ("2", _) => MatchStatus::Live,
        ("3", _) => MatchStatus::Finished,
        (other, _) => return Err(p.err("dc.DA", format!("unknown stage type {other:?}"))),
    };
    Ok(FixtureRow {
        kickoff: Some(kickoff),
        status,
        home_goals: goals(p, rec, "dc", "DE")?,
        away_goals: goals(p, rec, "dc", "DF")?,
        ..FixtureRow::default()
    })
}

/// A goal count: absent or empty before kick-off, otherwise a number.
fn goals(p: &Page, rec: &Record<'_>, feed: &str, key: &str) -> Result<Option<i32>, ParseError> {
    match field(rec, key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            v.parse().map(Some).map_err(|_| p.err(format!("{feed}.{key}"), format!("not a number: {v:?}")))
        }
    }
}

/// `df_st`: `SE` opens a period, `SG`/`SH`/`SI` are a statistic's name and its home and
/// away values. Statistics repeat across groups of a period; the first one counts.
fn parse_stats(p: &Page, st: &str) -> Result<Vec<TeamStatsRow>, ParseError> {
    let mut in_match = false;
    let mut seen_match = false;
    let mut home = side_row(Side::Home);
    let mut away = side_row(Side::Away);
    for rec in records(st) {
        if let Some(period) = field(&rec, "SE") {
            in_match = period == "Match";
            seen_match |= in_match;
            continue;
        }
        let (true, Some(name)) = (in_match, field(&rec, "SG")) else { continue };
        let (Some(h), Some(a)) = (field(&rec, "SH"), field(&rec, "SI")) else {
            return Err(p.err(format!("df_st.{name}"), "no SH/SI values"));
        };
        set_stat(p, name, h, &mut home)?;
        set_stat(p, name, a, &mut away)?;
    }
    if !seen_match {
        return Err(p.err("df_st.SE=Match", "no Match period"));
    }
    Ok(vec![home, away])
}

fn side_row(side: Side) -> TeamStatsRow {
    TeamStatsRow {
        side,
        team: String::new(),
        possession: None,
        shots: None,
        shots_on_target: None,
        corners: None,
        fouls: None,
        yellow_cards: None,
        red_cards: None,
        xg: None,
    }
}

fn set_stat(p: &Page, name: &str, value: &str, row: &mut TeamStatsRow) -> Result<(), ParseError> {
    let int = |slot: &mut Option<i32>| -> Result<(), ParseError> {
        if slot.is_none() {
            *slot = Some(value.trim().parse().map_err(|_| bad_stat(p, name, value))?);
        }
        Ok(())
    };
    match name {
        "Ball possession" | "Ball Possession" if row.possession.is_none() => {
            let pct = value.trim().trim_end_matches('%').trim();
            row.possession = Some(pct.parse().map_err(|_| bad_stat(p, name, value))?);
        }
        "Expected goals (xG)" | "Expected Goals (xG)" if row.xg.is_none() => {
            row.xg = Some(value.trim().parse().map_err(|_| bad_stat(p, name, value))?);
        }
        // Older pages say "Goal attempts" and "Shots on Goal".
        "Total shots" | "Goal attempts" | "Goal Attempts" => int(&mut row.shots)?,
        "Shots on target" | "Shots on Goal" => int(&mut row.shots_on_target)?,
        "Corner kicks" | "Corner Kicks" => int(&mut row.corners)?,
        "Fouls" => int(&mut row.fouls)?,
        "Yellow cards" | "Yellow Cards" => int(&mut row.yellow_cards)?,
        "Red cards" | "Red Cards" => int(&mut row.red_cards)?,
        _ => {}
    }
    Ok(())
}

fn bad_stat(p: &Page, name: &str, value: &str) -> ParseError {
    p.err(format!("df_st.{name}"), format!("not a number: {value:?}"))
}

/// `df_sui`: each record with `III` is one incident: `IA` the side (1 home, 2 away),
/// `IB` the minute (`45+2'`), then one or more participants, each an `IF` (player)
/// followed by its `IK` (what they did: `Goal`, `Assistance`, `Substitution - Out`, ...).
fn parse_incidents(p: &Page, sui: &str) -> Result<Vec<EventRow>, ParseError> {
    records(sui)
        .iter()
        .filter(|rec| field(rec, "III").is_some())
        .enumerate()
        .map(|(i, rec)| {
            incident(p, rec).map_err(|e| ParseError { field: format!("df_sui.{i}.{}", e.field), ..e })
        })
        .collect()
}

fn incident(p: &Page, rec: &Record<'_>) -> Result<EventRow, ParseError> {
    let side = match field(rec, "IA") {
        Some("1") => Side::Home,
        Some("2") => Side::Away,
        other => return Err(p.err("IA", format!("not a side: {other:?}"))),
    };
    let raw_minute = field(rec, "IB").ok_or_else(|| p.err("IB", "missing"))?;
    let (minute, extra_minute) =
        minute(raw_minute).ok_or_else(|| p.err("IB", format!("not a minute: {raw_minute:?}")))?;
    let people = participants(rec);
    let secondary = |kind: &str| kind == "Assistance" || kind == "Substitution - In";
    let main = people.iter().find(|(_, k)| !secondary(k)).or(people.first());
    let (player, kind) = main.ok_or_else(|| p.err("IK", "no participant"))?;
    let other = people.iter().find(|(_, k)| secondary(k)).and_then(|(name, _)| name.clone());
    Ok(EventRow {
        minute,
        extra_minute,
        side,
        kind: event_kind(kind),
        player: player.clone(),
        other_player: other,
    })
}

/// `(player, kind)` of each participant of an incident, in order.
fn participants(rec: &Record<'_>) -> Vec<(Option<String>, String)> {
    let mut out: Vec<(Option<String>, String)> = Vec::new();
    for (key, value) in rec {
        match *key {
            "IF" => out.push((Some(value.to_string()).filter(|v| !v.is_empty()), String::new())),
            "IK" => match out.last_mut() {
                Some(last) if last.1.is_empty() => last.1 = value.to_string(),
                _ => out.push((None, value.to_string())),
            },
            _ => {}
        }
    }
    out
}

/// `62'` → (62, None); `45+2'` → (45, Some(2)).
fn minute(raw: &str) -> Option<(u32, Option<u32>)> {
    let raw = raw.trim().trim_end_matches('\'');
    match raw.split_once('+') {
        Some((m, extra)) => Some((m.trim().parse().ok()?, Some(extra.trim().parse().ok()?))),
        None => Some((raw.parse().ok()?, None)),
    }
}

fn event_kind(kind: &str) -> EventKind {
    match kind {
        "Goal" => EventKind::Goal,
        "Own goal" | "Own Goal" => EventKind::OwnGoal,
        "Penalty" | "Penalty scored" => EventKind::PenaltyGoal,
        "Penalty missed" | "Missed Penalty" | "Penalty Missed" => EventKind::MissedPenalty,
        "Yellow Card" => EventKind::YellowCard,
        "Yellow Card / Red Card" | "Second Yellow Card" => EventKind::SecondYellow,
        "Red Card" => EventKind::RedCard,
        "Substitution - Out" | "Substitution - In" => EventKind::Substitution,
        other => EventKind::Other(other.to_owned()),
    }
}

/// `df_sur`: `BA`/`BB` the first-half score, then `MIT`/`MIV` pairs of match info
/// (`REF` referee, `VEN` venue, `ATT` attendance, ...). Everything here is optional.
fn match_info(sur: &str, fixture: &mut FixtureRow) {
    for rec in records(sur) {
        if let (Some(h), Some(a)) = (field(&rec, "BA"), field(&rec, "BB")) {
            fixture.ht_home_goals = h.parse().ok();
            fixture.ht_away_goals = a.parse().ok();
        }
        let mut key = None;
        for (k, v) in &rec {
            match *k {
                "MIT" => key = Some(*v),
                "MIV" => {
                    let value = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
                    match key.take() {
                        Some("REF") => fixture.referee = value,
                        Some("VEN") => fixture.venue = value,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[PageDef { page: "match", parser: Parser::Match(parse_match_feeds) }];

#[cfg(test)]
mod tests;
