use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::extract::edit_json;

const MATCHES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/football-data.org/v4_competitions_PL_matches_scheduled.json"
));
const STANDINGS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/football-data.org/v4_competitions_PL_standings.json"
));
const OTHER_SITE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/sofascore/seasons_ENG-Premier_League_1516.json"
));
const OTHER_TABLE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/api-football/standings-epl-2022.json"
));

#[test]
fn urls() {
    assert_eq!(
        matches_url(BASE_URL, "PL", None, Some("SCHEDULED")),
        "https://api.football-data.org/v4/competitions/PL/matches?status=SCHEDULED"
    );
    assert_eq!(
        matches_url("http://127.0.0.1:9", "PD", Some(2024), Some("FINISHED,POSTPONED")),
        "http://127.0.0.1:9/v4/competitions/PD/matches?season=2024&status=FINISHED,POSTPONED"
    );
    assert_eq!(
        matches_url(BASE_URL, "PL", None, None),
        "https://api.football-data.org/v4/competitions/PL/matches"
    );
    assert_eq!(
        standings_url(BASE_URL, "PL", None),
        "https://api.football-data.org/v4/competitions/PL/standings"
    );
    assert_eq!(
        standings_url(BASE_URL, "SA", Some(2023)),
        "https://api.football-data.org/v4/competitions/SA/standings?season=2023"
    );
}

fn scheduled(id: &str, ko: (u32, u32, u32), matchday: &str, home: &str, away: &str) -> FixtureRow {
    FixtureRow {
        source_id: Some(id.into()),
        competition: Some("Premier League".into()),
        season: Some("2025".into()),
        round: Some(matchday.into()),
        kickoff: Some(Utc.with_ymd_and_hms(2026, ko.0, ko.1, ko.2, 0, 0).unwrap()),
        home: home.into(),
        away: away.into(),
        status: MatchStatus::Scheduled,
        ..FixtureRow::default()
    }
}

#[test]
fn scheduled_matches() {
    let rows = parse_matches("PL scheduled", MATCHES).unwrap();
    assert_eq!(rows.len(), 109);
    assert_eq!(rows[0], scheduled("538050", (2, 23, 20), "27", "Everton FC", "Manchester United FC"));
    assert_eq!(rows[54], scheduled("538107", (4, 18, 14), "33", "Brentford FC", "Fulham FC"));
    assert_eq!(rows[108], scheduled("538164", (5, 24, 15), "38", "West Ham United FC", "Leeds United FC"));
    assert!(rows.iter().all(|r| r.status == MatchStatus::Scheduled && r.home_goals.is_none()));
}

#[test]
fn finished_postponed_and_shootout_matches() {
    let body = edit_json(MATCHES, |v| {
        let m = &mut v["matches"];
        m[0]["status"] = json!("FINISHED");
        m[0]["score"]["fullTime"] = json!({"home": 2, "away": 1});
        m[0]["score"]["halfTime"] = json!({"home": 0, "away": 1});
        m[0]["referees"] = json!([
            {"id": 1, "name": "Stuart Burt", "type": "ASSISTANT_REFEREE_N1", "nationality": "England"},
            {"id": 2, "name": "Michael Oliver", "type": "REFEREE", "nationality": "England"}
        ]);
        m[1]["status"] = json!("POSTPONED");
        m[2]["status"] = json!("FINISHED");
        m[2]["matchday"] = json!(null);
        m[2]["stage"] = json!("FINAL");
        m[2]["score"]["duration"] = json!("PENALTY_SHOOTOUT");
        m[2]["score"]["fullTime"] = json!({"home": 5, "away": 4});
        m[2]["score"]["halfTime"] = json!({"home": 1, "away": 0});
        m[2]["score"]["regularTime"] = json!({"home": 1, "away": 1});
        m[2]["score"]["extraTime"] = json!({"home": 0, "away": 0});
        m[2]["score"]["penalties"] = json!({"home": 4, "away": 3});
        m[3]["status"] = json!("IN_PLAY");
        m[4]["status"] = json!("CANCELLED");
    });
    let rows = parse_matches("PL", &body).unwrap();
    assert_eq!(rows[0].status, MatchStatus::Finished);
    assert_eq!((rows[0].home_goals, rows[0].away_goals), (Some(2), Some(1)));
    assert_eq!((rows[0].ht_home_goals, rows[0].ht_away_goals), (Some(0), Some(1)));
    assert_eq!(rows[0].referee.as_deref(), Some("Michael Oliver"));
    assert_eq!(rows[1].status, MatchStatus::Postponed);
    assert_eq!((rows[2].home_goals, rows[2].away_goals), (Some(1), Some(1)));
    assert_eq!(rows[2].round.as_deref(), Some("FINAL"));
    assert_eq!(rows[3].status, MatchStatus::Live);
    assert_eq!(rows[4].status, MatchStatus::Cancelled);
}

#[test]
fn standings() {
    let rows = parse_standings("PL standings", STANDINGS).unwrap();
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
    assert_eq!(rows[0], row(1, "Arsenal FC", (28, 18, 7, 3), (56, 21), 61));
    assert_eq!(rows[13], row(14, "Brighton & Hove Albion FC", (27, 8, 10, 9), (36, 34), 34));
    assert_eq!(rows[19], row(20, "Wolverhampton Wanderers FC", (28, 1, 7, 20), (18, 51), 10));
}

#[test]
fn the_total_table_is_picked_by_type() {
    let body = edit_json(STANDINGS, |v| {
        let total = v["standings"][0].clone();
        let mut home = total.clone();
        home["type"] = json!("HOME");
        home["table"][0]["team"]["name"] = json!("Home table leader");
        v["standings"] = json!([home, total]);
    });
    assert_eq!(parse_standings("PL", &body).unwrap()[0].team, "Arsenal FC");
    let body = edit_json(STANDINGS, |v| v["standings"][0]["type"] = json!("AWAY"));
    let err = parse_standings("PL", &body).unwrap_err();
    assert_eq!((err.field.as_str(), err.reason.as_str()), ("standings.type", "no TOTAL table"));
}

#[test]
fn empty_truncated_and_foreign_bodies_are_errors() {
    type Parser = fn(&str, &[u8]) -> Result<usize, ParseError>;
    let parsers: [(Parser, &[u8], &str); 2] = [
        (|p, b| parse_matches(p, b).map(|r| r.len()), MATCHES, "/matches"),
        (|p, b| parse_standings(p, b).map(|r| r.len()), STANDINGS, "/standings/0/table"),
    ];
    for (parse, body, list) in parsers {
        assert_eq!(parse("p", b"  \n").unwrap_err().field, "body");
        let err = parse("p", &body[..body.len() / 2]).unwrap_err();
        assert_eq!((err.site, err.field.as_str()), ("football-data.org", "body"));
        let emptied = edit_json(body, |v| *v.pointer_mut(list).unwrap() = json!([]));
        let err = parse("p", &emptied).unwrap_err();
        assert_eq!((err.field.replace('.', "/"), err.reason.as_str()), (list[1..].to_owned(), "empty"));
    }
    assert_eq!(parse_matches("p", OTHER_SITE).unwrap_err().field, "matches");
    assert_eq!(parse_standings("p", OTHER_TABLE).unwrap_err().field, "standings");
    // Sofascore's own table is typed `total`, not `TOTAL`.
    assert_eq!(parse_standings("p", OTHER_SITE).unwrap_err().field, "standings.type");
}

#[test]
fn missing_or_mistyped_fields_are_errors() {
    let body = edit_json(MATCHES, |v| v["matches"][7]["awayTeam"]["name"] = json!(null));
    let err = parse_matches("PL", &body).unwrap_err();
    assert_eq!((err.field.as_str(), err.reason.as_str()), ("matches.7.awayTeam.name", "missing"));

    let body = edit_json(MATCHES, |v| v["matches"][0]["utcDate"] = json!("next Tuesday"));
    assert_eq!(parse_matches("PL", &body).unwrap_err().field, "matches.0.utcDate");

    let body = edit_json(MATCHES, |v| v["matches"][3]["status"] = json!("HALF_DONE"));
    let err = parse_matches("PL", &body).unwrap_err();
    assert_eq!(err.field, "matches.3.status");
    assert!(err.reason.contains("HALF_DONE"));

    let body = edit_json(MATCHES, |v| v["matches"][1]["score"]["fullTime"]["away"] = json!("one"));
    assert_eq!(parse_matches("PL", &body).unwrap_err().field, "matches.1.score.fullTime.away");

    let body = edit_json(STANDINGS, |v| {
        v["standings"][0]["table"][4].as_object_mut().unwrap().remove("playedGames");
    });
    assert_eq!(parse_standings("PL", &body).unwrap_err().field, "standings.0.table.4.playedGames");

    let body = edit_json(STANDINGS, |v| v["standings"][0]["table"][2]["points"] = json!([51]));
    let err = parse_standings("PL", &body).unwrap_err();
    assert_eq!((err.field.as_str(), err.reason.as_str()), ("standings.0.table.2.points", "not an integer"));
}
