use super::*;
use chrono::{TimeZone, Utc};

const SCOREBOARD: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/espn/Schedule_ita.1_20190825.json"));
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
        m.odds.iter().find(|o| o.bookmaker == book && o.selection == sel).map(|o| (o.market, o.line, o.price))
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
    assert_eq!(parse_scoreboard("s", &body).unwrap_err().field, "events.0.competitions.0.status.type.state");

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
