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

use chrono::DateTime;
use entities::enums::MatchStatus;
use serde_json::Value;

use crate::scrape::error::ParseError;
use crate::scrape::extract::Page;
use crate::scrape::rows::{EventKind, EventRow, FixtureRow, MatchDetail, Side, TeamStatsRow};

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    const FEEDS_JSON: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/flashscore/match_0WtGsN8k_feeds.json"
    ));
    const BETFAIR: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/betfair/scores.json"));

    fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(FEEDS_JSON).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    /// The recorded feeds with one feed's text rewritten.
    fn feed_replaced(feed: &str, from: &str, to: &str) -> Vec<u8> {
        edited(|v| {
            let text = v[feed].as_str().unwrap();
            assert!(text.contains(from), "{from} not in {feed}");
            v[feed] = json!(text.replacen(from, to, 1));
        })
    }

    fn parse(body: &[u8]) -> Result<MatchDetail, ParseError> {
        parse_match_feeds("match 0WtGsN8k", body)
    }

    #[test]
    fn urls() {
        assert_eq!(
            match_feed_url("https://global.flashscore.ninja/2/", "df_st", "0WtGsN8k"),
            "https://global.flashscore.ninja/2/x/feed/df_st_1_0WtGsN8k"
        );
        assert_eq!(match_feed_url("http://127.0.0.1:1", "dc", "x"), "http://127.0.0.1:1/x/feed/dc_1_x");
        assert_eq!(
            match_page_url("https://www.flashscore.com", "0WtGsN8k"),
            "https://www.flashscore.com/match/0WtGsN8k/#/match-summary"
        );
    }

    #[test]
    fn tokenizer() {
        let recs = records("SE÷Match¬~SD÷12¬SG÷Ball possession¬SH÷64%¬SI÷36%¬~A1÷¬~");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0], vec![("SE", "Match")]);
        assert_eq!(recs[1][1], ("SG", "Ball possession"));
        assert_eq!(recs[1][3], ("SI", "36%"));
        assert_eq!(recs[2], vec![("A1", "")]);
        // Values may hold `÷` themselves only after the first one; text without fields is dropped.
        assert_eq!(records("garbage¬~¬~"), Vec::<Record<'_>>::new());
        assert_eq!(records("K÷a÷b¬"), vec![vec![("K", "a÷b")]]);
    }

    #[test]
    fn match_detail() {
        let d = parse(FEEDS_JSON).unwrap();
        let f = &d.fixture;
        assert_eq!(f.status, MatchStatus::Finished);
        assert_eq!(f.kickoff, Some(Utc.with_ymd_and_hms(2021, 9, 11, 14, 0, 0).unwrap()));
        assert_eq!((f.home_goals, f.away_goals), (Some(4), Some(1)));
        assert_eq!((f.ht_home_goals, f.ht_away_goals), (Some(1), Some(0)));
        assert_eq!(f.referee.as_deref(), Some("Taylor A."));
        assert_eq!(f.venue.as_deref(), Some("Old Trafford"));
        assert_eq!((f.home.as_str(), f.away.as_str()), ("", ""));

        assert_eq!(d.stats.len(), 2);
        let (h, a) = (&d.stats[0], &d.stats[1]);
        assert_eq!((h.side, a.side), (Side::Home, Side::Away));
        assert_eq!((h.possession, a.possession), (Some(64.0), Some(36.0)));
        assert_eq!((h.shots, a.shots), (Some(21), Some(12)));
        assert_eq!((h.shots_on_target, a.shots_on_target), (Some(7), Some(3)));
        assert_eq!((h.corners, a.corners), (Some(7), Some(3)));
        assert_eq!((h.fouls, a.fouls), (Some(9), Some(2)));
        assert_eq!((h.yellow_cards, a.yellow_cards), (Some(1), Some(0)));
        // No red card line in the feed, no xG on this match.
        assert_eq!((h.red_cards, h.xg), (None, None));
    }

    #[test]
    fn incidents() {
        let d = parse(FEEDS_JSON).unwrap();
        let ev = &d.events;
        assert_eq!(ev.len(), 12);
        let goals: Vec<_> = ev.iter().filter(|e| e.kind == EventKind::Goal).collect();
        assert_eq!(goals.len(), 5);
        assert_eq!(
            ev[0],
            EventRow {
                minute: 45,
                extra_minute: Some(2),
                side: Side::Home,
                kind: EventKind::Goal,
                player: Some("Ronaldo C.".into()),
                other_player: None,
            }
        );
        assert_eq!(
            ev[1],
            EventRow {
                minute: 56,
                extra_minute: None,
                side: Side::Away,
                kind: EventKind::Goal,
                player: Some("Manquillo J.".into()),
                other_player: Some("Saint-Maximin A.".into()),
            }
        );
        assert_eq!((ev[2].minute, ev[2].side, &ev[2].kind), (60, Side::Home, &EventKind::YellowCard));
        assert_eq!(ev[2].player.as_deref(), Some("Pogba P."));
        assert_eq!(ev[2].other_player, None);
        assert_eq!(ev[3].other_player.as_deref(), Some("Shaw L."));
        // Substitution: the player going off, then the one coming on.
        assert_eq!(
            ev[4],
            EventRow {
                minute: 66,
                extra_minute: None,
                side: Side::Home,
                kind: EventKind::Substitution,
                player: Some("Sancho J.".into()),
                other_player: Some("Lingard J.".into()),
            }
        );
        assert_eq!((ev[5].side, ev[5].player.as_deref()), (Side::Away, Some("Manquillo J.")));
        assert_eq!(ev[6].player.as_deref(), Some("Fernandes B."));
        assert_eq!(ev[6].other_player.as_deref(), Some("Pogba P."));
        assert_eq!(ev[9].other_player.as_deref(), Some("van de Beek D."));
        let last = &ev[11];
        assert_eq!((last.minute, last.extra_minute, &last.kind), (90, Some(2), &EventKind::Goal));
        assert_eq!(last.player.as_deref(), Some("Lingard J."));
        assert_eq!(last.other_player.as_deref(), Some("Pogba P."));
    }

    #[test]
    fn statuses_and_kinds() {
        let scheduled = edited(|v| {
            v["dc"] = json!("DA÷1¬DB÷1¬DC÷1631368800¬DE÷¬~");
            v.as_object_mut().unwrap().retain(|k, _| k == "dc");
        });
        let d = parse(&scheduled).unwrap();
        assert_eq!(d.fixture.status, MatchStatus::Scheduled);
        assert_eq!((d.fixture.home_goals, d.fixture.away_goals), (None, None));
        assert!(d.stats.is_empty() && d.events.is_empty());
        let postponed = feed_replaced("dc", "DB÷3", "DB÷4");
        assert_eq!(parse(&postponed).unwrap().fixture.status, MatchStatus::Postponed);
        let live = feed_replaced("dc", "DA÷3", "DA÷2");
        assert_eq!(parse(&live).unwrap().fixture.status, MatchStatus::Live);
        let own_goal = feed_replaced("df_sui", "IK÷Goal¬IM÷WGOY4FSt", "IK÷Own goal¬IM÷WGOY4FSt");
        assert_eq!(parse(&own_goal).unwrap().events[0].kind, EventKind::OwnGoal);
        let var = feed_replaced("df_sui", "IK÷Yellow Card", "IK÷VAR");
        assert_eq!(parse(&var).unwrap().events[2].kind, EventKind::Other("VAR".into()));
    }

    #[test]
    fn malformed() {
        assert_eq!(parse(b"").unwrap_err().field, "body");
        assert_eq!(parse(&FEEDS_JSON[..FEEDS_JSON.len() / 2]).unwrap_err().field, "body");
        assert_eq!(parse(b"[\"dc\"]").unwrap_err().field, "body");
        let no_dc = edited(|v| {
            v.as_object_mut().unwrap().remove("dc");
        });
        assert_eq!(parse(&no_dc).unwrap_err().field, "dc");
        assert_eq!(parse(&edited(|v| v["df_st"] = json!(12))).unwrap_err().field, "df_st");
        assert_eq!(parse(&feed_replaced("dc", "DC÷1631368800", "DC÷soon")).unwrap_err().field, "dc.DC");
        assert_eq!(parse(&feed_replaced("dc", "DA÷3¬", "")).unwrap_err().field, "dc.DA");
        assert_eq!(parse(&feed_replaced("dc", "DE÷4", "DE÷four")).unwrap_err().field, "dc.DE");
        assert_eq!(
            parse(&feed_replaced("df_st", "SE÷Match", "SE÷Whole")).unwrap_err().field,
            "df_st.SE=Match"
        );
        let e = parse(&feed_replaced("df_st", "SH÷21", "SH÷lots")).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("df_st.Total shots", "not a number: \"lots\""));
        assert_eq!(parse(&feed_replaced("df_st", "¬SH÷64%", "")).unwrap_err().field, "df_st.Ball possession");
        assert_eq!(parse(&feed_replaced("df_sui", "IA÷2", "IA÷3")).unwrap_err().field, "df_sui.1.IA");
        assert_eq!(parse(&feed_replaced("df_sui", "IB÷60'", "IB÷HT")).unwrap_err().field, "df_sui.2.IB");
        // A truncated feed text: the cut record loses its minute.
        let cut = edited(|v| {
            let sui = v["df_sui"].as_str().unwrap();
            let at = sui.find("IB÷62'").unwrap();
            v["df_sui"] = json!(sui[..at].to_owned());
        });
        assert_eq!(parse(&cut).unwrap_err().field, "df_sui.3.IB");
        // Another site's page.
        assert_eq!(parse(BETFAIR).unwrap_err().field, "dc");
    }
}
