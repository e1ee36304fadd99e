use super::*;
use chrono::TimeZone;
use serde_json::json;

const LEAGUE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/understat/league_1_season_2015.json"));
const MATCH: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/understat/match_100.json"));
const OTHER_SITE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/fotmob/matches_ESP-La_Liga_2021_3424045.json"
));

fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(body).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn remove(v: &mut Value, pointer: &str, key: &str) {
    v.pointer_mut(pointer).unwrap().as_object_mut().unwrap().remove(key).unwrap();
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
}

#[test]
fn urls() {
    assert_eq!(
        league_url("https://understat.com", "EPL", 2015),
        "https://understat.com/getLeagueData/EPL/2015"
    );
    assert_eq!(match_url("http://127.0.0.1:7000/", 100), "http://127.0.0.1:7000/getMatchData/100");
}

#[test]
fn league_fixtures() {
    let rows = parse_league("league", LEAGUE).unwrap();
    assert_eq!(rows.len(), 380);
    assert!(rows.iter().all(|r| r.status == MatchStatus::Finished));

    let first = &rows[0];
    assert_eq!(first.source_id.as_deref(), Some("81"));
    // 15:45 on the page: the 12:45 BST kick-off.
    assert_eq!(first.kickoff, utc(2015, 8, 8, 11, 45));
    assert_eq!((first.home.as_str(), first.away.as_str()), ("Manchester United", "Tottenham"));
    assert_eq!((first.home_goals, first.away_goals), (Some(1), Some(0)));
    assert_eq!((first.home_xg, first.away_xg), (Some(0.627539), Some(0.6746)));

    let chelsea = &rows[5];
    assert_eq!((chelsea.home.as_str(), chelsea.away.as_str()), ("Chelsea", "Swansea"));
    assert_eq!(chelsea.kickoff, utc(2015, 8, 8, 16, 30));
    assert_eq!((chelsea.home_xg, chelsea.away_xg), (Some(0.64396), Some(2.59203)));

    let boxing_day = rows.iter().find(|r| r.home == "Southampton" && r.away == "Arsenal").unwrap();
    assert_eq!(boxing_day.kickoff, utc(2015, 12, 26, 19, 45));
    assert_eq!((boxing_day.home_goals, boxing_day.away_goals), (Some(4), Some(0)));

    let liverpool = rows.iter().find(|r| r.source_id.as_deref() == Some("100")).unwrap();
    assert_eq!((liverpool.home.as_str(), liverpool.away.as_str()), ("Liverpool", "Bournemouth"));
    assert_eq!(liverpool.kickoff, utc(2015, 8, 17, 19, 0));

    let last = &rows[379];
    assert_eq!(last.source_id.as_deref(), Some("460"));
    assert_eq!((last.home.as_str(), last.away.as_str()), ("Manchester United", "Bournemouth"));
    assert_eq!(last.kickoff, utc(2016, 5, 17, 19, 0));
    assert_eq!((last.home_goals, last.away_goals), (Some(3), Some(1)));
    assert_eq!((last.home_xg, last.away_xg), (Some(1.72109), Some(0.503471)));
}

#[test]
fn league_unplayed_and_api_naming() {
    // The XHR endpoint names the list `dates`; an unplayed match has null goals.
    let body = edited(LEAGUE, |v| {
        let mut dates = v.as_object_mut().unwrap().remove("datesData").unwrap();
        dates[1]["isResult"] = json!(false);
        dates[1]["goals"] = json!({"h": null, "a": null});
        dates[1]["xG"] = json!({"h": null, "a": null});
        dates[2]["isResult"] = json!(false);
        *v = json!({ "dates": dates });
    });
    let rows = parse_league("league", &body).unwrap();
    assert_eq!(rows.len(), 380);
    assert_eq!((rows[1].status, rows[1].home_goals, rows[1].home_xg), (MatchStatus::Scheduled, None, None));
    // Not a result yet: whatever numbers the entry holds are not a score.
    assert_eq!((rows[2].status, rows[2].home_goals, rows[2].away_xg), (MatchStatus::Scheduled, None, None));
    assert_eq!((rows[3].home.as_str(), rows[3].home_goals), ("Leicester", Some(4)));
}

#[test]
fn match_fixture_and_stats() {
    let m = parse_match("match", MATCH).unwrap();
    let f = &m.fixture;
    assert_eq!(f.source_id.as_deref(), Some("100"));
    assert_eq!((f.competition.as_deref(), f.season.as_deref()), (Some("EPL"), Some("2015")));
    assert_eq!(f.kickoff, utc(2015, 8, 17, 19, 0));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Liverpool", "Bournemouth"));
    assert_eq!((f.status, f.home_goals, f.away_goals), (MatchStatus::Finished, Some(1), Some(0)));
    assert_eq!((f.home_xg, f.away_xg), (Some(2.15062), Some(0.460805)));

    let (h, a) = (&m.stats[0], &m.stats[1]);
    assert_eq!(
        (h.side, h.team.as_str(), h.shots, h.shots_on_target, h.xg),
        (Side::Home, "Liverpool", Some(18), Some(2), Some(2.15062))
    );
    assert_eq!(
        (a.side, a.team.as_str(), a.shots, a.shots_on_target, a.xg),
        (Side::Away, "Bournemouth", Some(13), Some(2), Some(0.460805))
    );
    assert!(m.events.is_empty() && m.odds.is_empty());
}

#[test]
fn match_shots() {
    let m = parse_match("match", MATCH).unwrap();
    assert_eq!(m.shots.len(), 31);
    assert_eq!(m.shots.iter().filter(|s| s.side == Side::Home).count(), 18);
    let first = &m.shots[0];
    assert_eq!((first.minute, first.side, first.player.as_str()), (3, Side::Home, "Jordon Ibe"));
    assert_eq!(first.xg, 0.016912000253796577);
    assert_eq!((first.x, first.y), (Some(0.7709999847412109), Some(0.625999984741211)));
    assert_eq!((first.result.as_str(), first.situation.as_deref()), ("MissedShots", Some("FromCorner")));
    let goal = &m.shots[2];
    assert_eq!((goal.minute, goal.player.as_str(), goal.result.as_str()), (25, "Christian Benteke", "Goal"));
    assert_eq!(
        (goal.xg, goal.x, goal.y),
        (0.5297859907150269, Some(0.9569999694824218), Some(0.4759999847412109))
    );
    let okane = &m.shots[24];
    assert_eq!((okane.minute, okane.side, okane.player.as_str()), (62, Side::Away, "Eunan O'Kane"));
    assert_eq!(okane.xg, 0.07165630161762238);
    let last = &m.shots[30];
    assert_eq!(
        (last.minute, last.side, last.player.as_str(), last.result.as_str()),
        (87, Side::Away, "Lee Tomlin", "SavedShot")
    );
    let home_xg: f64 = m.shots.iter().filter(|s| s.side == Side::Home).map(|s| s.xg).sum();
    // The shots' xG, summed, is not quite the match's 2.15062.
    assert!((home_xg - 2.1955635957419872).abs() < 1e-9, "{home_xg}");
}

#[test]
fn match_lineups() {
    let m = parse_match("match", MATCH).unwrap();
    assert_eq!(m.lineups.len(), 28);
    let keeper = &m.lineups[0];
    assert_eq!((keeper.team.as_deref(), keeper.name.as_str()), (Some("Liverpool"), "Simon Mignolet"));
    assert_eq!((keeper.position.as_deref(), keeper.starter), (Some("GK"), Some(true)));
    let benteke = &m.lineups[10];
    assert_eq!((benteke.name.as_str(), benteke.position.as_deref()), ("Christian Benteke", Some("FW")));
    let sub = &m.lineups[11];
    assert_eq!(sub.team.as_deref(), Some("Liverpool"));
    assert_eq!((sub.position.as_deref(), sub.starter), (None, Some(false)));
    let boruc = &m.lineups[14];
    assert_eq!((boruc.team.as_deref(), boruc.name.as_str()), (Some("Bournemouth"), "Artur Boruc"));
    assert!(m.lineups.iter().any(|p| p.name == "Eunan O'Kane" && p.position.as_deref() == Some("MC")));
    let starters = |team: &str| {
        m.lineups.iter().filter(|p| p.team.as_deref() == Some(team) && p.starter == Some(true)).count()
    };
    assert_eq!((starters("Liverpool"), starters("Bournemouth")), (11, 11));
    assert!(m.lineups[25..].iter().all(|p| p.starter == Some(false)));
}

#[test]
fn match_from_the_api_naming() {
    // `getMatchData` has no `match_info`: the fixture comes from the shots.
    let body = edited(MATCH, |v| {
        let o = v.as_object_mut().unwrap();
        let shots = o.remove("shotsData").unwrap();
        let rosters = o.remove("rostersData").unwrap();
        *v = json!({"shots": shots, "rosters": rosters, "tmpl": {}});
    });
    let m = parse_match("match", &body).unwrap();
    let f = &m.fixture;
    assert_eq!(f.source_id.as_deref(), Some("100"));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Liverpool", "Bournemouth"));
    assert_eq!((f.home_goals, f.away_goals, f.status), (Some(1), Some(0), MatchStatus::Finished));
    assert_eq!((f.kickoff, f.home_xg), (utc(2015, 8, 17, 19, 0), None));
    assert!(m.stats.is_empty());
    assert_eq!((m.shots.len(), m.lineups.len()), (31, 28));
}

#[test]
fn unescaping() {
    assert_eq!(unescape("Eunan O&#039;Kane"), "Eunan O'Kane");
    assert_eq!(unescape("A &amp; B &#x27;C&#x27; &lt;&gt;"), "A & B 'C' <>");
    assert_eq!(unescape("Tom & Jerry &bogus; &#xZZ; &"), "Tom & Jerry &bogus; &#xZZ; &");
}

#[test]
fn malformed_leagues_are_errors() {
    assert_eq!(parse_league("l", b"").unwrap_err().field, "body");
    assert_eq!(parse_league("l", &LEAGUE[..LEAGUE.len() / 2]).unwrap_err().field, "body");
    let e = parse_league("l", OTHER_SITE).unwrap_err();
    assert_eq!((e.site, e.field.as_str(), e.reason.as_str()), ("understat", "datesData", "missing"));

    let body = edited(LEAGUE, |v| v["datesData"] = json!([]));
    assert_eq!(parse_league("l", &body).unwrap_err().reason, "no match");
    let body = edited(LEAGUE, |v| remove(v, "/datesData/11/h", "title"));
    assert_eq!(parse_league("l", &body).unwrap_err().field, "datesData.11.h.title");
    let body = edited(LEAGUE, |v| v["datesData"][20]["isResult"] = json!("true"));
    let e = parse_league("l", &body).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("datesData.20.isResult", "not a boolean"));
    let body = edited(LEAGUE, |v| v["datesData"][30]["datetime"] = json!("2015-08-08T15:45:00"));
    assert_eq!(parse_league("l", &body).unwrap_err().field, "datesData.30.datetime");
    let body = edited(LEAGUE, |v| v["datesData"][40]["id"] = json!(121));
    assert_eq!(parse_league("l", &body).unwrap_err().field, "datesData.40.id");
}

#[test]
fn malformed_matches_are_errors() {
    assert_eq!(parse_match("m", b" ").unwrap_err().reason, "empty");
    assert_eq!(parse_match("m", &MATCH[..MATCH.len() / 2]).unwrap_err().field, "body");
    let e = parse_match("m", OTHER_SITE).unwrap_err();
    assert_eq!((e.site, e.field.as_str()), ("understat", "shotsData.h"));
    assert_eq!(parse_match("m", LEAGUE).unwrap_err().field, "shotsData.h");

    let body = edited(MATCH, |v| remove(v, "/match_info", "team_a"));
    assert_eq!(parse_match("m", &body).unwrap_err().field, "match_info.team_a");
    let body = edited(MATCH, |v| v["match_info"]["date"] = json!("17/08/2015"));
    assert_eq!(parse_match("m", &body).unwrap_err().field, "match_info.date");
    let body = edited(MATCH, |v| v["shotsData"]["a"][3]["xG"] = json!("n/a"));
    let e = parse_match("m", &body).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("shotsData.a.3.xG", "not a number"));
    let body = edited(MATCH, |v| remove(v, "/shotsData/h/7", "player"));
    assert_eq!(parse_match("m", &body).unwrap_err().field, "shotsData.h.7.player");
    let body = edited(MATCH, |v| v["shotsData"]["h"][0]["minute"] = json!("-3"));
    assert_eq!(parse_match("m", &body).unwrap_err().field, "shotsData.h.0.minute");
    let body = edited(MATCH, |v| remove(v, "/rostersData/a/57430", "player"));
    assert_eq!(parse_match("m", &body).unwrap_err().field, "rostersData.a.57430.player");

    // No match_info and no shot: nothing names the match.
    let body = edited(MATCH, |v| *v = json!({"shots": {"h": [], "a": []}, "rosters": {}}));
    assert_eq!(parse_match("m", &body).unwrap_err().field, "match_info");
}
