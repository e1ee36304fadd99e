use super::*;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

const FIXTURES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/whoscored/matches_ENG-Premier_League_2021_18685_0.json"
));
const TABLE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/whoscored/seasons_ENG-Premier_League_2021.html"
));
const OTHER_SITE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/skysports/premier-league-table.html"));

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
}

/// The fixtures feed with `edit` applied to its JSON.
fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(FIXTURES).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn urls() {
    assert_eq!(
        fixtures_url("https://www.whoscored.com", 18685, 2021, 1),
        "https://www.whoscored.com/tournaments/18685/data/?d=202101"
    );
    assert_eq!(
        season_url("http://127.0.0.1:9", 252, 2, 8228),
        "http://127.0.0.1:9/Regions/252/Tournaments/2/Seasons/8228"
    );
}

#[test]
fn premier_league_january_2021() {
    let rows = parse_fixtures("fixtures", FIXTURES).unwrap();
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().all(|r| r.status == MatchStatus::Finished));
    assert!(rows.iter().all(|r| r.competition.as_deref() == Some("Premier League")));
    assert!(rows.iter().all(|r| r.season.as_deref() == Some("2020/2021")));

    let first = &rows[0];
    assert_eq!(first.source_id.as_deref(), Some("1485321"));
    assert_eq!(first.kickoff, utc(2021, 1, 1, 17, 30));
    assert_eq!((first.home.as_str(), first.away.as_str()), ("Everton", "West Ham"));
    assert_eq!((first.home_goals, first.away_goals), (Some(0), Some(1)));
    assert_eq!((first.home_xg, first.ht_home_goals, first.round.as_deref()), (None, None, None));

    let mid = &rows[24];
    assert_eq!(mid.source_id.as_deref(), Some("1485356"));
    assert_eq!(mid.kickoff, utc(2021, 1, 19, 18, 0));
    assert_eq!((mid.home.as_str(), mid.away.as_str()), ("West Ham", "West Bromwich Albion"));
    assert_eq!((mid.home_goals, mid.away_goals), (Some(2), Some(1)));

    let last = &rows[49];
    assert_eq!(last.source_id.as_deref(), Some("1485431"));
    assert_eq!(last.kickoff, utc(2021, 1, 31, 19, 15));
    assert_eq!((last.home.as_str(), last.away.as_str()), ("Brighton", "Tottenham"));
    assert_eq!((last.home_goals, last.away_goals), (Some(1), Some(0)));
}

#[test]
fn unplayed_and_postponed_matches() {
    let body = edited(|v| {
        let m = &mut v["tournaments"][0]["matches"][0];
        m["homeScore"] = Value::Null;
        m["awayScore"] = Value::Null;
        m["elapsed"] = json!("-");
        m["status"] = json!(1);
        v["tournaments"][0]["matches"][1]["elapsed"] = json!("Post");
    });
    let rows = parse_fixtures("fixtures", &body).unwrap();
    assert_eq!(
        (rows[0].status, rows[0].home_goals, rows[0].away_goals),
        (MatchStatus::Scheduled, None, None)
    );
    assert_eq!(rows[1].status, MatchStatus::Postponed);
    assert_eq!(rows[2].status, MatchStatus::Finished);
}

#[test]
fn statuses() {
    assert_eq!(status(Some("FT"), Some(6), true), MatchStatus::Finished);
    assert_eq!(status(Some("AET"), None, true), MatchStatus::Finished);
    assert_eq!(status(Some("HT"), None, true), MatchStatus::Live);
    assert_eq!(status(Some("67'"), None, true), MatchStatus::Live);
    assert_eq!(status(Some("Can"), None, false), MatchStatus::Cancelled);
    assert_eq!(status(Some("Abd"), None, true), MatchStatus::Cancelled);
    assert_eq!(status(None, Some(6), true), MatchStatus::Finished);
    assert_eq!(status(Some(""), None, true), MatchStatus::Live);
    assert_eq!(status(None, Some(1), false), MatchStatus::Scheduled);
}

#[test]
fn fixtures_errors() {
    assert_eq!(parse_fixtures("f", b"").unwrap_err().field, "body");
    assert!(parse_fixtures("f", &FIXTURES[..FIXTURES.len() / 2]).unwrap_err().reason.starts_with("not JSON"));
    assert!(parse_fixtures("f", OTHER_SITE).unwrap_err().reason.starts_with("not JSON"));
    // Another feed's JSON (a Sofascore round) has no `tournaments`.
    let e = parse_fixtures("f", br#"{"events": [{"id": 1}]}"#).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("tournaments", "missing"));
    let e = parse_fixtures("f", &edited(|v| v["tournaments"][0]["matches"] = json!([]))).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("tournaments.0.matches", "no matches"));

    let no_home = edited(|v| {
        v["tournaments"][0]["matches"][3].as_object_mut().unwrap().remove("homeTeamName");
    });
    let e = parse_fixtures("f", &no_home).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("tournaments.0.matches.3.homeTeamName", "missing"));
    let bad_score = edited(|v| v["tournaments"][0]["matches"][3]["homeScore"] = json!("two"));
    assert_eq!(parse_fixtures("f", &bad_score).unwrap_err().field, "tournaments.0.matches.3.homeScore");
    let bad_time = edited(|v| v["tournaments"][0]["matches"][0]["startTimeUtc"] = json!("Friday"));
    assert_eq!(parse_fixtures("f", &bad_time).unwrap_err().field, "tournaments.0.matches.0.startTimeUtc");
    let bad_id = edited(|v| v["tournaments"][0]["matches"][0]["id"] = json!({"n": 1}));
    assert_eq!(parse_fixtures("f", &bad_id).unwrap_err().reason, "not an integer");
}

#[test]
fn premier_league_2020_21_table() {
    let rows = parse_table("season", TABLE).unwrap();
    assert_eq!(rows.len(), 20);
    let city = &rows[0];
    assert_eq!((city.position, city.team.as_str()), (1, "Manchester City"));
    assert_eq!((city.played, city.won, city.drawn, city.lost), (38, 27, 5, 6));
    assert_eq!((city.goals_for, city.goals_against, city.points), (83, 32, 86));
    assert_eq!(city.form.as_deref(), Some("WWLWLW"), "ends with Manchester City 5-0 Everton");
    let united = &rows[1];
    assert_eq!((united.position, united.team.as_str(), united.points), (2, "Manchester United", 74));
    assert_eq!(united.form.as_deref(), Some("DWLLDW"));
    assert_eq!((rows[3].team.as_str(), rows[3].points, rows[3].goals_for), ("Chelsea", 67, 58));
    assert_eq!((city.xg_for, city.xg_against), (None, None));
}

#[test]
fn table_middle_and_last_rows() {
    let rows = parse_table("season", TABLE).unwrap();
    let everton = &rows[9];
    assert_eq!((everton.position, everton.team.as_str()), (10, "Everton"));
    assert_eq!((everton.won, everton.drawn, everton.lost, everton.points), (17, 8, 13, 59));
    assert_eq!(everton.form.as_deref(), Some("LWDLWL"));
    let last = &rows[19];
    assert_eq!((last.position, last.team.as_str()), (20, "Sheffield United"));
    assert_eq!((last.played, last.won, last.drawn, last.lost), (38, 7, 2, 29));
    assert_eq!((last.goals_for, last.goals_against, last.points), (20, 63, 23));
    assert_eq!(last.form.as_deref(), Some("WLLWLW"));
}

#[test]
fn table_errors() {
    assert_eq!(parse_table("t", b"").unwrap_err().field, "body");
    assert_eq!(parse_table("t", OTHER_SITE).unwrap_err().field, TABLE_BODY);
    assert_eq!(parse_table("t", FIXTURES).unwrap_err().field, "body", "JSON has no element");
    let s = String::from_utf8_lossy(TABLE);
    let e = parse_table("t", &TABLE[..s.find("<tbody id=\"standings-").unwrap()]).unwrap_err();
    assert_eq!(e.field, TABLE_BODY, "cut before the table body");
    let cut = s.find("<td class=\"p\">").unwrap();
    let e = parse_table("t", &TABLE[..cut]).unwrap_err();
    assert_eq!(e.field, format!("{TABLE_BODY} > tr:nth-of-type(1) td.p"), "cut after the first row's team");

    let no_points = s.replacen(r#"<td class="pts">86</td>"#, "", 1);
    let e = parse_table("t", no_points.as_bytes()).unwrap_err();
    assert_eq!(
        (e.field, e.reason),
        (format!("{TABLE_BODY} > tr:nth-of-type(1) td.pts"), "no element matches".into())
    );
    let bad_wins = s.replacen(r#"<td class="w">27</td>"#, r#"<td class="w">x</td>"#, 1);
    assert_eq!(parse_table("t", bad_wins.as_bytes()).unwrap_err().reason, "not a number: \"x\"");
    let bad_form = s.replacen(">w</a>", ">?</a>", 1);
    assert_eq!(
        parse_table("t", bad_form.as_bytes()).unwrap_err().field,
        format!("{TABLE_BODY} > tr:nth-of-type(1) td.form a.box")
    );
}
