//! ESPN's public site API (`site.api.espn.com/apis/site/v2/sports/soccer/…`): the
//! scoreboard of one league on one date (fixtures and results), and the summary of one
//! match (score, box-score team stats, key events, odds from the providers ESPN shows,
//! line-ups).

use chrono::NaiveDate;
use entities::enums::{Market, MatchStatus};
use serde_json::Value;

use crate::scrape::error::ParseError;
use crate::scrape::extract::{Page, as_f64, as_i64, opt, opt_f64, opt_i64, opt_str};
use crate::scrape::rows::{
    EventKind, EventRow, FixtureRow, MatchDetail, OddsRow, PlayerRow, Side, TeamStatsRow,
};

const SITE: &str = "espn";

/// The day's matches of one league: `league` is ESPN's slug (`ita.1`, `eng.1`).
/// `https://site.api.espn.com/apis/site/v2/sports/soccer/ita.1/scoreboard?dates=20190825`
pub fn scoreboard_url(base: &str, league: &str, date: NaiveDate) -> String {
    format!(
        "{}/apis/site/v2/sports/soccer/{league}/scoreboard?dates={}",
        base.trim_end_matches('/'),
        date.format("%Y%m%d")
    )
}

/// One match's summary: `https://site.api.espn.com/apis/site/v2/sports/soccer/ita.1/summary?event=554204`
pub fn summary_url(base: &str, league: &str, event: u64) -> String {
    format!("{}/apis/site/v2/sports/soccer/{league}/summary?event={event}", base.trim_end_matches('/'))
}

/// The fixtures of a scoreboard (`events[]`). A date without matches is answered with
/// an empty `events` array, which is a true answer and gives no rows.
pub fn parse_scoreboard(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let events = p.array(&root, "events")?;
    let competition = opt_str(&root, "leagues.0.name").map(str::to_owned);
    (0..events.len())
        .map(|i| {
            let path = format!("events.{i}.competitions.0");
            let mut row = fixture(&p, &root, &path)?;
            row.competition.clone_from(&competition);
            row.season = opt_i64(&root, &format!("events.{i}.season.year")).map(|y| y.to_string());
            Ok(row)
        })
        .collect()
}

/// A match summary: the fixture from `header.competitions[0]`, team stats from
/// `boxscore.teams[]`, events from `keyEvents[]`, odds from `odds[]` and line-ups from
/// `rosters[]`. Everything but the fixture is optional: before kick-off ESPN has none.
pub fn parse_summary(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let mut fixture = fixture(&p, &root, "header.competitions.0")?;
    fixture.competition = opt_str(&root, "header.league.name").map(str::to_owned);
    fixture.season = opt_i64(&root, "header.season.year").map(|y| y.to_string());
    fixture.venue = opt_str(&root, "gameInfo.venue.fullName").map(str::to_owned);
    let stats = team_stats(&p, &root)?;
    let events = events(&p, &root)?;
    let odds = odds(&p, &root)?;
    let lineups = lineups(&p, &root)?;
    Ok(MatchDetail { fixture, stats, events, shots: Vec::new(), odds, lineups })
}

/// A fixture from a competition object (`competitors[]`, `status.type`, `date`, `id`),
/// which the scoreboard and the summary share.
fn fixture(p: &Page, root: &Value, path: &str) -> Result<FixtureRow, ParseError> {
    let status = status(p, root, &format!("{path}.status.type"))?;
    let (home_path, home) = competitor(p, root, path, "home")?;
    let (away_path, away) = competitor(p, root, path, "away")?;
    // ESPN writes "0" for matches not yet played: scores count only once started.
    let played = matches!(status, MatchStatus::Live | MatchStatus::Finished);
    let goals = |c: &Value, rel: &str| if played { opt_i64(c, rel).and_then(to_i32) } else { None };
    Ok(FixtureRow {
        source_id: Some(p.str(root, &format!("{path}.id"))?.to_owned()),
        kickoff: Some(p.time(root, &format!("{path}.date"))?),
        home: p.str(root, &format!("{home_path}.team.displayName"))?.to_owned(),
        away: p.str(root, &format!("{away_path}.team.displayName"))?.to_owned(),
        status,
        home_goals: goals(home, "score"),
        away_goals: goals(away, "score"),
        ht_home_goals: goals(home, "linescores.0.displayValue"),
        ht_away_goals: goals(away, "linescores.0.displayValue"),
        venue: opt_str(root, &format!("{path}.venue.fullName")).map(str::to_owned),
        ..FixtureRow::default()
    })
}

/// The competitor whose `homeAway` is `side`, with its path.
fn competitor<'v>(
    p: &Page,
    root: &'v Value,
    path: &str,
    side: &str,
) -> Result<(String, &'v Value), ParseError> {
    let field = format!("{path}.competitors");
    p.array(root, &field)?
        .iter()
        .enumerate()
        .find(|(_, c)| opt_str(c, "homeAway") == Some(side))
        .map(|(k, c)| (format!("{field}.{k}"), c))
        .ok_or_else(|| p.err(field, format!("no {side} competitor")))
}

/// `status.type`: the name marks postponed and cancelled matches, the state
/// (`pre`/`in`/`post`) everything else.
fn status(p: &Page, root: &Value, path: &str) -> Result<MatchStatus, ParseError> {
    let name = opt_str(root, &format!("{path}.name")).unwrap_or_default();
    if name.contains("POSTPONED") {
        return Ok(MatchStatus::Postponed);
    }
    if ["CANCELED", "CANCELLED", "ABANDONED", "FORFEIT"].iter().any(|n| name.contains(n)) {
        return Ok(MatchStatus::Cancelled);
    }
    let field = format!("{path}.state");
    match p.str(root, &field)? {
        "pre" => Ok(MatchStatus::Scheduled),
        "in" => Ok(MatchStatus::Live),
        "post" => Ok(MatchStatus::Finished),
        other => Err(p.err(field, format!("unknown state {other:?}"))),
    }
}

fn side(p: &Page, root: &Value, path: &str) -> Result<Side, ParseError> {
    match p.str(root, path)? {
        "home" => Ok(Side::Home),
        "away" => Ok(Side::Away),
        other => Err(p.err(path, format!("neither home nor away: {other:?}"))),
    }
}

fn to_i32(n: i64) -> Option<i32> {
    i32::try_from(n).ok()
}

/// One row per `boxscore.teams[]` entry; its `statistics[]` are `{name, displayValue}`
/// pairs, all strings.
fn team_stats(p: &Page, root: &Value) -> Result<Vec<TeamStatsRow>, ParseError> {
    let Some(teams) = opt(root, "boxscore.teams").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (k, team) in teams.iter().enumerate() {
        let Some(stats) = opt(team, "statistics").and_then(Value::as_array).filter(|s| !s.is_empty()) else {
            continue;
        };
        let stat = |name: &str| {
            stats.iter().find(|s| opt_str(s, "name") == Some(name)).and_then(|s| opt(s, "displayValue"))
        };
        let count = |name: &str| stat(name).and_then(as_i64).and_then(to_i32);
        rows.push(TeamStatsRow {
            side: side(p, root, &format!("boxscore.teams.{k}.homeAway"))?,
            team: p.str(root, &format!("boxscore.teams.{k}.team.displayName"))?.to_owned(),
            possession: stat("possessionPct").and_then(as_f64),
            shots: count("totalShots"),
            shots_on_target: count("shotsOnTarget"),
            corners: count("wonCorners"),
            fouls: count("foulsCommitted"),
            yellow_cards: count("yellowCards"),
            red_cards: count("redCards"),
            xg: None,
        });
    }
    Ok(rows)
}

/// `keyEvents[]` that belong to a team (period markers such as "Kickoff" have none).
/// The side is the team ESPN lists the event under: for an own goal, the team credited
/// with the goal.
fn events(p: &Page, root: &Value) -> Result<Vec<EventRow>, ParseError> {
    let Some(list) = opt(root, "keyEvents").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let (home_path, _) = competitor(p, root, "header.competitions.0", "home")?;
    let home_id = p.str(root, &format!("{home_path}.team.id"))?;
    let mut rows = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let Some(team_id) = opt_str(e, "team.id") else { continue };
        let side = if team_id == home_id { Side::Home } else { Side::Away };
        let kind_text = p.str(root, &format!("keyEvents.{i}.type.text"))?;
        let clock_path = format!("keyEvents.{i}.clock.displayValue");
        let clock = p.str(root, &clock_path)?;
        let (minute, extra_minute) =
            parse_clock(clock).ok_or_else(|| p.err(&clock_path, format!("not a minute: {clock:?}")))?;
        let name = |k: usize| opt_str(e, &format!("participants.{k}.athlete.displayName")).map(str::to_owned);
        let kind = event_kind(kind_text);
        // A substitution lists the player coming on first, the player going off second.
        let (player, other_player) = match kind {
            EventKind::Substitution => (name(1), name(0)),
            _ => (name(0), name(1)),
        };
        rows.push(EventRow { minute, extra_minute, side, kind, player, other_player });
    }
    Ok(rows)
}

fn event_kind(text: &str) -> EventKind {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "own goal" => EventKind::OwnGoal,
        "penalty - scored" => EventKind::PenaltyGoal,
        "penalty - saved" | "penalty - missed" => EventKind::MissedPenalty,
        "yellow card" => EventKind::YellowCard,
        "red card" => EventKind::RedCard,
        "substitution" => EventKind::Substitution,
        // "Goal", "Goal - Header", "Goal - Free-kick", ...
        l if l.starts_with("goal") => EventKind::Goal,
        l if l.contains("second yellow") => EventKind::SecondYellow,
        _ => EventKind::Other(text.to_owned()),
    }
}

/// `10'` → (10, None); `45'+3'` → (45, Some(3)).
fn parse_clock(clock: &str) -> Option<(u32, Option<u32>)> {
    let mut parts = clock.split('+').map(|s| s.trim().trim_end_matches('\''));
    let minute = parts.next()?.parse().ok()?;
    let extra = match parts.next() {
        Some(x) => Some(x.parse().ok()?),
        None => None,
    };
    Some((minute, extra))
}

/// `odds[]`: per provider, the decimal 1X2 prices (`homeTeamOdds.odds.value`, …) where
/// ESPN has them, otherwise the American money lines (`homeTeamOdds.moneyLine`, …)
/// converted to decimal, and the over/under prices on `overUnder`. Missing prices are
/// skipped.
fn odds(p: &Page, root: &Value) -> Result<Vec<OddsRow>, ParseError> {
    let Some(list) = opt(root, "odds").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let bookmaker = p.str(root, &format!("odds.{i}.provider.name"))?;
        let mut push = |market: Market, selection: &str, line: f64, price: Option<f64>| {
            if let Some(price) = price.filter(|x| *x > 1.0) {
                rows.push(OddsRow {
                    bookmaker: bookmaker.to_owned(),
                    market,
                    selection: selection.to_owned(),
                    line,
                    price,
                    is_closing: false,
                    recorded_at: None,
                });
            }
        };
        // Decimal where ESPN gives it, else the American money line converted.
        let price = |decimal: &str, american: &str| {
            opt_f64(o, decimal).or_else(|| opt_f64(o, american).and_then(american_to_decimal))
        };
        push(Market::OneXTwo, "home", 0.0, price("homeTeamOdds.odds.value", "homeTeamOdds.moneyLine"));
        push(Market::OneXTwo, "draw", 0.0, price("drawOdds.value", "drawOdds.moneyLine"));
        push(Market::OneXTwo, "away", 0.0, price("awayTeamOdds.odds.value", "awayTeamOdds.moneyLine"));
        if let Some(line) = opt_f64(o, "overUnder") {
            push(Market::OverUnder, "over", line, opt_f64(o, "overOdds").and_then(american_to_decimal));
            push(Market::OverUnder, "under", line, opt_f64(o, "underOdds").and_then(american_to_decimal));
        }
    }
    Ok(rows)
}

/// +950 → 10.5, -400 → 1.25.
fn american_to_decimal(ml: f64) -> Option<f64> {
    if ml >= 100.0 {
        Some(1.0 + ml / 100.0)
    } else if ml <= -100.0 {
        Some(1.0 + 100.0 / -ml)
    } else {
        None
    }
}

/// `rosters[k].roster[]`: every player named for the match, `starter` marking the XI.
fn lineups(p: &Page, root: &Value) -> Result<Vec<PlayerRow>, ParseError> {
    let Some(rosters) = opt(root, "rosters").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (k, roster) in rosters.iter().enumerate() {
        let team = opt_str(roster, "team.displayName").map(str::to_owned);
        let players = opt(roster, "roster").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (j, player) in players.iter().enumerate() {
            rows.push(PlayerRow {
                team: team.clone(),
                name: p.str(root, &format!("rosters.{k}.roster.{j}.athlete.displayName"))?.to_owned(),
                position: opt_str(player, "position.name").map(str::to_owned),
                shirt_number: opt_i64(player, "jersey").and_then(|n| u32::try_from(n).ok()),
                starter: opt(player, "starter").and_then(Value::as_bool),
                ..PlayerRow::default()
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const SCOREBOARD: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/espn/Schedule_ita.1_20190825.json"
    ));
    const SUMMARY: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/espn/Summary_554204.json"));
    const OTHER_SITE: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/understat/match_100.json"));

    /// The recorded body with `edit` applied to its JSON.
    fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(body).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    fn remove(v: &mut Value, pointer: &str, key: &str) {
        v.pointer_mut(pointer).unwrap().as_object_mut().unwrap().remove(key).unwrap();
    }

    #[test]
    fn urls() {
        let date = NaiveDate::from_ymd_opt(2019, 8, 25).unwrap();
        assert_eq!(
            scoreboard_url("https://site.api.espn.com", "ita.1", date),
            "https://site.api.espn.com/apis/site/v2/sports/soccer/ita.1/scoreboard?dates=20190825"
        );
        assert_eq!(
            summary_url("http://127.0.0.1:9000/", "ita.1", 554204),
            "http://127.0.0.1:9000/apis/site/v2/sports/soccer/ita.1/summary?event=554204"
        );
    }

    #[test]
    fn scoreboard_rows() {
        let rows = parse_scoreboard("scoreboard", SCOREBOARD).unwrap();
        assert_eq!(rows.len(), 7);

        let first = &rows[0];
        assert_eq!(first.source_id.as_deref(), Some("554581"));
        assert_eq!(first.competition.as_deref(), Some("Italian Serie A"));
        assert_eq!(first.season.as_deref(), Some("2019"));
        assert_eq!(first.kickoff, Some(Utc.with_ymd_and_hms(2019, 8, 25, 16, 0, 0).unwrap()));
        assert_eq!((first.home.as_str(), first.away.as_str()), ("Udinese", "AC Milan"));
        assert_eq!((first.home_goals, first.away_goals), (Some(1), Some(0)));
        assert_eq!(first.status, MatchStatus::Finished);
        assert_eq!(first.venue.as_deref(), Some("Bluenergy Stadium"));
        assert_eq!((first.ht_home_goals, first.ht_away_goals), (None, None));

        let roma = &rows[1];
        assert_eq!(roma.source_id.as_deref(), Some("554577"));
        assert_eq!(roma.kickoff, Some(Utc.with_ymd_and_hms(2019, 8, 25, 18, 45, 0).unwrap()));
        assert_eq!((roma.home.as_str(), roma.away.as_str()), ("AS Roma", "Genoa"));
        assert_eq!((roma.home_goals, roma.away_goals), (Some(3), Some(3)));

        let last = &rows[6];
        assert_eq!(last.source_id.as_deref(), Some("554583"));
        assert_eq!((last.home.as_str(), last.away.as_str()), ("Torino", "Sassuolo"));
        assert_eq!((last.home_goals, last.away_goals), (Some(2), Some(1)));
        assert_eq!(last.venue.as_deref(), Some("Olimpico Grande Torino"));
        assert!(rows.iter().all(|r| r.status == MatchStatus::Finished));
    }

    #[test]
    fn scoreboard_statuses_and_unplayed_scores() {
        let body = edited(SCOREBOARD, |v| {
            let t = v.pointer_mut("/events/0/competitions/0/status/type").unwrap();
            *t = serde_json::json!({"name": "STATUS_SCHEDULED", "state": "pre", "completed": false});
            let t = v.pointer_mut("/events/1/competitions/0/status/type").unwrap();
            *t = serde_json::json!({"name": "STATUS_POSTPONED", "state": "post", "completed": false});
            let t = v.pointer_mut("/events/2/competitions/0/status/type").unwrap();
            *t = serde_json::json!({"name": "STATUS_FIRST_HALF", "state": "in", "completed": false});
            let t = v.pointer_mut("/events/3/competitions/0/status/type").unwrap();
            *t = serde_json::json!({"name": "STATUS_CANCELED", "state": "post", "completed": false});
        });
        let rows = parse_scoreboard("scoreboard", &body).unwrap();
        assert_eq!(rows[0].status, MatchStatus::Scheduled);
        assert_eq!((rows[0].home_goals, rows[0].away_goals), (None, None));
        assert_eq!(rows[1].status, MatchStatus::Postponed);
        assert_eq!(rows[1].home_goals, None);
        assert_eq!(rows[2].status, MatchStatus::Live);
        assert_eq!((rows[2].home_goals, rows[2].away_goals), (Some(0), Some(1)));
        assert_eq!(rows[3].status, MatchStatus::Cancelled);
    }

    #[test]
    fn scoreboard_without_matches_is_empty() {
        let body = edited(SCOREBOARD, |v| v["events"] = serde_json::json!([]));
        assert_eq!(parse_scoreboard("scoreboard", &body).unwrap(), Vec::new());
    }

    #[test]
    fn summary_fixture_and_stats() {
        let m = parse_summary("summary", SUMMARY).unwrap();
        let f = &m.fixture;
        assert_eq!(f.source_id.as_deref(), Some("554204"));
        assert_eq!(f.competition.as_deref(), Some("Italian Serie A"));
        assert_eq!(f.season.as_deref(), Some("2019"));
        assert_eq!(f.kickoff, Some(Utc.with_ymd_and_hms(2020, 8, 1, 18, 45, 0).unwrap()));
        assert_eq!((f.home.as_str(), f.away.as_str()), ("AC Milan", "Cagliari"));
        assert_eq!((f.home_goals, f.away_goals), (Some(3), Some(0)));
        assert_eq!((f.ht_home_goals, f.ht_away_goals), (Some(1), Some(0)));
        assert_eq!(f.status, MatchStatus::Finished);
        assert_eq!(f.venue.as_deref(), Some("Stadio Giuseppe Meazza"));

        assert_eq!(m.stats.len(), 2);
        let (h, a) = (&m.stats[0], &m.stats[1]);
        assert_eq!((h.side, h.team.as_str()), (Side::Home, "AC Milan"));
        assert_eq!(h.possession, Some(63.2));
        assert_eq!((h.shots, h.shots_on_target, h.corners, h.fouls), (Some(15), Some(5), Some(7), Some(16)));
        assert_eq!((h.yellow_cards, h.red_cards, h.xg), (Some(1), Some(0), None));
        assert_eq!((a.side, a.team.as_str()), (Side::Away, "Cagliari"));
        assert_eq!(a.possession, Some(36.8));
        assert_eq!((a.shots, a.shots_on_target, a.corners, a.fouls), (Some(5), Some(1), Some(6), Some(7)));
        assert_eq!((a.yellow_cards, a.red_cards), (Some(3), Some(0)));
        assert!(m.shots.is_empty());
    }

    #[test]
    fn summary_events() {
        let m = parse_summary("summary", SUMMARY).unwrap();
        // 22 key events, of which 4 period markers carry no team.
        assert_eq!(m.events.len(), 18);
        let own = &m.events[0];
        assert_eq!((own.minute, own.extra_minute, own.side), (10, None, Side::Home));
        assert_eq!(own.kind, EventKind::OwnGoal);
        assert_eq!(own.player.as_deref(), Some("Ragnar Klavan"));
        let pen = &m.events[3];
        assert_eq!((pen.minute, pen.kind.clone()), (44, EventKind::MissedPenalty));
        assert_eq!(pen.player.as_deref(), Some("Zlatan Ibrahimovic"));
        let sub = &m.events[2];
        assert_eq!((sub.minute, sub.side, sub.kind.clone()), (38, Side::Home, EventKind::Substitution));
        assert_eq!(sub.player.as_deref(), Some("Rafael Leão"));
        assert_eq!(sub.other_player.as_deref(), Some("Giacomo Bonaventura"));
        let goal = &m.events[5];
        assert_eq!((goal.minute, goal.kind.clone()), (55, EventKind::Goal));
        assert_eq!(goal.player.as_deref(), Some("Zlatan Ibrahimovic"));
        assert_eq!(goal.other_player.as_deref(), Some("Samu Castillejo"));
        let last = m.events.last().unwrap();
        assert_eq!((last.minute, last.side), (90, Side::Away));
        assert_eq!(last.other_player.as_deref(), Some("Leonardo Pavoletti"));
        let yellows = m.events.iter().filter(|e| e.kind == EventKind::YellowCard).count();
        assert_eq!(yellows, 4);
        assert_eq!(parse_clock("45'+3'"), Some((45, Some(3))));
        assert_eq!(parse_clock(""), None);
    }

    #[test]
    fn summary_odds() {
        let m = parse_summary("summary", SUMMARY).unwrap();
        let price = |book: &str, sel: &str| {
            m.odds
                .iter()
                .find(|o| o.bookmaker == book && o.selection == sel)
                .map(|o| (o.market, o.line, o.price))
        };
        assert_eq!(price("Bet 365", "home"), Some((Market::OneXTwo, 0.0, 1.01)));
        assert_eq!(price("Bet 365", "draw"), Some((Market::OneXTwo, 0.0, 26.0)));
        assert_eq!(price("Bet 365", "away"), Some((Market::OneXTwo, 0.0, 126.0)));
        assert_eq!(price("Bet 365", "over"), None);
        // American money lines -400 / +525 / +950, over -303 and under +230 on 2.5.
        assert_eq!(price("DraftKings", "home"), Some((Market::OneXTwo, 0.0, 1.25)));
        assert_eq!(price("DraftKings", "draw"), Some((Market::OneXTwo, 0.0, 6.25)));
        assert_eq!(price("DraftKings", "away"), Some((Market::OneXTwo, 0.0, 10.5)));
        let (market, line, over) = price("DraftKings", "over").unwrap();
        assert_eq!((market, line), (Market::OverUnder, 2.5));
        assert!((over - (1.0 + 100.0 / 303.0)).abs() < 1e-12);
        assert_eq!(price("DraftKings", "under"), Some((Market::OverUnder, 2.5, 3.3)));
        assert_eq!(price("SugarHouse", "under").map(|o| o.1), Some(3.5));
        assert_eq!(price("accuscore", "away"), Some((Market::OneXTwo, 0.0, 11.0)));
        // 5 providers × 3 prices, and 4 of them with over and under.
        assert_eq!(m.odds.len(), 23);
        assert!(m.odds.iter().all(|o| o.price > 1.0 && !o.is_closing));
    }

    #[test]
    fn summary_lineups() {
        let m = parse_summary("summary", SUMMARY).unwrap();
        assert_eq!(m.lineups.len(), 46);
        let keeper = &m.lineups[0];
        assert_eq!(keeper.team.as_deref(), Some("AC Milan"));
        assert_eq!(keeper.name, "Gianluigi Donnarumma");
        assert_eq!(keeper.position.as_deref(), Some("Goalkeeper"));
        assert_eq!((keeper.shirt_number, keeper.starter), (Some(99), Some(true)));
        let zlatan = m.lineups.iter().find(|p| p.name == "Zlatan Ibrahimovic").unwrap();
        assert_eq!((zlatan.shirt_number, zlatan.position.as_deref()), (Some(21), Some("Forward")));
        let last = m.lineups.last().unwrap();
        assert_eq!(last.team.as_deref(), Some("Cagliari"));
        assert_eq!(
            (last.name.as_str(), last.shirt_number, last.starter),
            ("Federico Marigosu", Some(25), Some(false))
        );
        let starters = |team: &str| {
            m.lineups.iter().filter(|p| p.team.as_deref() == Some(team) && p.starter == Some(true)).count()
        };
        assert_eq!((starters("AC Milan"), starters("Cagliari")), (11, 11));
    }

    #[test]
    fn malformed_scoreboards_are_errors() {
        assert_eq!(parse_scoreboard("s", b"").unwrap_err().field, "body");
        let half = &SCOREBOARD[..SCOREBOARD.len() / 2];
        assert_eq!(parse_scoreboard("s", half).unwrap_err().field, "body");

        let body =
            edited(SCOREBOARD, |v| remove(v, "/events/3/competitions/0/competitors/0/team", "displayName"));
        let e = parse_scoreboard("s", &body).unwrap_err();
        assert_eq!(e.field, "events.3.competitions.0.competitors.0.team.displayName");
        assert_eq!(e.reason, "missing");

        let body = edited(SCOREBOARD, |v| v["events"][2]["competitions"][0]["date"] = "25/08/2019".into());
        assert_eq!(parse_scoreboard("s", &body).unwrap_err().field, "events.2.competitions.0.date");

        let body = edited(SCOREBOARD, |v| {
            v["events"][1]["competitions"][0]["competitors"][0]["homeAway"] = "away".into()
        });
        let e = parse_scoreboard("s", &body).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("events.1.competitions.0.competitors", "no home competitor")
        );

        let body = edited(SCOREBOARD, |v| remove(v, "/events/0/competitions/0/status/type", "state"));
        assert_eq!(
            parse_scoreboard("s", &body).unwrap_err().field,
            "events.0.competitions.0.status.type.state"
        );

        let e = parse_scoreboard("s", OTHER_SITE).unwrap_err();
        assert_eq!((e.site, e.field.as_str()), ("espn", "events"));
    }

    #[test]
    fn malformed_summaries_are_errors() {
        assert_eq!(parse_summary("m", b"  ").unwrap_err().reason, "empty");
        let half = &SUMMARY[..SUMMARY.len() / 2];
        assert_eq!(parse_summary("m", half).unwrap_err().field, "body");

        let body = edited(SUMMARY, |v| remove(v, "/header/competitions/0", "competitors"));
        assert_eq!(parse_summary("m", &body).unwrap_err().field, "header.competitions.0.competitors");

        let body = edited(SUMMARY, |v| v["header"]["competitions"][0]["id"] = serde_json::json!(554204));
        let e = parse_summary("m", &body).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("header.competitions.0.id", "not a string"));

        let body = edited(SUMMARY, |v| v["boxscore"]["teams"][1]["homeAway"] = "neutral".into());
        assert_eq!(parse_summary("m", &body).unwrap_err().field, "boxscore.teams.1.homeAway");

        let body = edited(SUMMARY, |v| v["keyEvents"][4]["clock"]["displayValue"] = "soon".into());
        assert_eq!(parse_summary("m", &body).unwrap_err().field, "keyEvents.4.clock.displayValue");

        let body = edited(SUMMARY, |v| remove(v, "/odds/2/provider", "name"));
        assert_eq!(parse_summary("m", &body).unwrap_err().field, "odds.2.provider.name");

        let body = edited(SUMMARY, |v| remove(v, "/rosters/1/roster/5/athlete", "displayName"));
        assert_eq!(parse_summary("m", &body).unwrap_err().field, "rosters.1.roster.5.athlete.displayName");

        let e = parse_summary("m", SCOREBOARD).unwrap_err();
        assert_eq!(e.field, "header.competitions.0.status.type.state");
        assert_eq!(parse_summary("m", OTHER_SITE).unwrap_err().site, "espn");
    }
}
