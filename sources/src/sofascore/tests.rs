use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::extract::edit_json;

const ROUND: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/sofascore/round_matches_ENG-Premier_League_1516_1.json"
));
const STANDINGS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/sofascore/seasons_ENG-Premier_League_1516.json"
));
const SEASONS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/sofascore/leagues_ENG-Premier_League.json"
));
const OTHER_SITE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/football-data.org/v4_competitions_PL_standings.json"
));

fn fixture(
    id: &str,
    ko: (u32, u32, u32, u32),
    home: &str,
    away: &str,
    ft: (i32, i32),
    ht: (i32, i32),
) -> FixtureRow {
    FixtureRow {
        source_id: Some(id.into()),
        competition: Some("Premier League".into()),
        season: Some("15/16".into()),
        round: Some("1".into()),
        kickoff: Some(Utc.with_ymd_and_hms(2015, ko.0, ko.1, ko.2, ko.3, 0).unwrap()),
        home: home.into(),
        away: away.into(),
        status: MatchStatus::Finished,
        home_goals: Some(ft.0),
        away_goals: Some(ft.1),
        ht_home_goals: Some(ht.0),
        ht_away_goals: Some(ht.1),
        ..FixtureRow::default()
    }
}

#[test]
fn urls() {
    assert_eq!(
        round_events_url(BASE_URL, 17, 10356, 1),
        "https://api.sofascore.com/api/v1/unique-tournament/17/season/10356/events/round/1"
    );
    assert_eq!(
        standings_url("http://127.0.0.1:9", 17, 10356),
        "http://127.0.0.1:9/api/v1/unique-tournament/17/season/10356/standings/total"
    );
    assert_eq!(seasons_url(BASE_URL, 17), "https://api.sofascore.com/api/v1/unique-tournament/17/seasons");
}

#[test]
fn round_events() {
    let rows = parse_round_events("round 1", ROUND).unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows[0],
        fixture("6767929", (8, 8, 11, 45), "Manchester United", "Tottenham Hotspur", (1, 0), (1, 0))
    );
    assert_eq!(rows[3], fixture("6767932", (8, 8, 14, 0), "Leicester City", "Sunderland", (4, 2), (3, 0)));
    assert_eq!(rows[6], fixture("6767931", (8, 9, 12, 30), "Arsenal", "West Ham United", (0, 2), (0, 1)));
    assert_eq!(
        rows[9],
        fixture("6767937", (8, 10, 19, 0), "West Bromwich Albion", "Manchester City", (0, 3), (0, 2))
    );
    assert!(rows.iter().all(|r| r.status == MatchStatus::Finished));
}

#[test]
fn unplayed_and_postponed_events() {
    let body = edit_json(ROUND, |v| {
        v["events"][0]["status"] = json!({"code": 0, "description": "Not started", "type": "notstarted"});
        v["events"][0]["homeScore"] = json!({});
        v["events"][0]["awayScore"] = json!({});
        v["events"][1]["status"]["type"] = json!("postponed");
        v["events"][2]["status"]["type"] = json!("inprogress");
        v["events"][3]["status"]["type"] = json!("canceled");
    });
    let rows = parse_round_events("round 1", &body).unwrap();
    assert_eq!(rows[0].status, MatchStatus::Scheduled);
    assert_eq!((rows[0].home_goals, rows[0].ht_away_goals), (None, None));
    assert_eq!(rows[1].status, MatchStatus::Postponed);
    assert_eq!(rows[2].status, MatchStatus::Live);
    assert_eq!(rows[3].status, MatchStatus::Cancelled);
}

#[test]
fn standings() {
    let rows = parse_standings("standings 15/16", STANDINGS).unwrap();
    assert_eq!(rows.len(), 20);
    let row =
        |position, team: &str, (played, won, drawn, lost), (goals_for, goals_against), points| StandingRow {
            position,
            team: team.into(),
            played,
            won,
            drawn,
            lost,
            goals_for,
            goals_against,
            points,
            ..StandingRow::default()
        };
    assert_eq!(rows[0], row(1, "Leicester City", (38, 23, 12, 3), (68, 36), 81));
    assert_eq!(rows[9], row(10, "Chelsea", (38, 12, 14, 12), (59, 53), 50));
    assert_eq!(rows[19], row(20, "Aston Villa", (38, 3, 8, 27), (27, 76), 17));
}

#[test]
fn seasons() {
    let rows = parse_seasons("seasons", SEASONS).unwrap();
    assert_eq!(rows.len(), 33);
    assert_eq!(rows[0], Season { id: 76986, name: "Premier League 25/26".into(), year: "25/26".into() });
    assert_eq!(rows[10], Season { id: 10356, name: "Premier League 15/16".into(), year: "15/16".into() });
    assert_eq!(rows[32], Season { id: 25680, name: "Premier League 93/94".into(), year: "93/94".into() });
}

type Parser = fn(&str, &[u8]) -> Result<usize, ParseError>;

fn parsers() -> [(Parser, &'static [u8], &'static str); 3] {
    [
        (|p, b| parse_round_events(p, b).map(|r| r.len()), ROUND, "events"),
        (|p, b| parse_standings(p, b).map(|r| r.len()), STANDINGS, "standings.0.rows"),
        (|p, b| parse_seasons(p, b).map(|r| r.len()), SEASONS, "seasons"),
    ]
}

#[test]
fn empty_truncated_and_foreign_bodies_are_errors() {
    for (parse, body, list) in parsers() {
        assert_eq!(parse("p", b"").unwrap_err().field, "body");
        let err = parse("p", &body[..body.len() / 2]).unwrap_err();
        assert_eq!((err.site, err.field.as_str()), ("sofascore", "body"));
        assert!(err.reason.starts_with("not JSON"), "{err}");
        let err = parse("p", OTHER_SITE).unwrap_err();
        assert_eq!(err.reason, "missing", "{err}");
        assert!(list.starts_with(&err.field), "{err}");
        let pointer = format!("/{}", list.replace('.', "/"));
        let emptied = edit_json(body, |v| *v.pointer_mut(&pointer).unwrap() = json!([]));
        assert_eq!(parse("p", &emptied).unwrap_err().field, list);
    }
}

#[test]
fn missing_or_mistyped_fields_are_errors() {
    let body = edit_json(ROUND, |v| {
        v["events"][3]["homeTeam"].as_object_mut().unwrap().remove("name");
    });
    let err = parse_round_events("round 1", &body).unwrap_err();
    assert_eq!((err.field.as_str(), err.reason.as_str()), ("events.3.homeTeam.name", "missing"));

    let body = edit_json(ROUND, |v| v["events"][0]["startTimestamp"] = json!("yesterday"));
    assert_eq!(parse_round_events("round 1", &body).unwrap_err().field, "events.0.startTimestamp");

    let body = edit_json(ROUND, |v| v["events"][5]["status"]["type"] = json!("teatime"));
    let err = parse_round_events("round 1", &body).unwrap_err();
    assert_eq!(err.field, "events.5.status.type");
    assert!(err.reason.contains("teatime"));

    let body = edit_json(ROUND, |v| v["events"][2]["homeScore"]["current"] = json!("two"));
    assert_eq!(parse_round_events("round 1", &body).unwrap_err().field, "events.2.homeScore.current");

    let body = edit_json(STANDINGS, |v| v["standings"][0]["rows"][7]["wins"] = json!(-1));
    let err = parse_standings("standings", &body).unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.reason.as_str()),
        ("standings.0.rows.7.wins", "integer out of range")
    );

    let body = edit_json(STANDINGS, |v| v["standings"][0]["rows"][0]["team"] = Value::Null);
    assert_eq!(parse_standings("standings", &body).unwrap_err().field, "standings.0.rows.0.team.name");

    let body = edit_json(SEASONS, |v| v["seasons"][4]["id"] = json!("abc"));
    assert_eq!(parse_seasons("seasons", &body).unwrap_err().field, "seasons.4.id");
}
