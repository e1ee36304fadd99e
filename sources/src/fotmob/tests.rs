use super::*;
use chrono::{TimeZone, Utc};
use serde_json::json;

const LEAGUE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fotmob/leagues_ESP-La_Liga.json"));
const MATCH: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/fotmob/matches_ESP-La_Liga_2021_3424045.json"
));
const OTHER_SITE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/espn/Summary_554204.json"));

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
    assert_eq!(league_url("https://www.fotmob.com", 87, None), "https://www.fotmob.com/api/leagues?id=87");
    assert_eq!(
        league_url("http://127.0.0.1:8080/", 87, Some("2025/2026")),
        "http://127.0.0.1:8080/api/leagues?id=87&season=2025%2F2026"
    );
    assert_eq!(
        match_details_url("https://www.fotmob.com", 3424045),
        "https://www.fotmob.com/api/matchDetails?matchId=3424045"
    );
}

#[test]
fn league_fixtures() {
    let rows = parse_league_fixtures("league", LEAGUE).unwrap();
    assert_eq!(rows.len(), 380);
    let first = &rows[0];
    assert_eq!(first.source_id.as_deref(), Some("4837112"));
    assert_eq!((first.competition.as_deref(), first.season.as_deref()), (Some("LaLiga"), Some("2025/2026")));
    assert_eq!(first.round.as_deref(), Some("1"));
    assert_eq!(first.kickoff, Some(Utc.with_ymd_and_hms(2025, 8, 15, 17, 0, 0).unwrap()));
    assert_eq!((first.home.as_str(), first.away.as_str()), ("Girona", "Rayo Vallecano"));
    assert_eq!((first.status, first.home_goals, first.away_goals), (MatchStatus::Scheduled, None, None));

    let mid = &rows[189];
    assert_eq!(mid.source_id.as_deref(), Some("4837293"));
    assert_eq!(mid.round.as_deref(), Some("19"));
    assert_eq!(mid.kickoff, Some(Utc.with_ymd_and_hms(2026, 1, 11, 18, 0, 0).unwrap()));
    assert_eq!((mid.home.as_str(), mid.away.as_str()), ("Villarreal", "Deportivo Alaves"));

    let last = &rows[379];
    assert_eq!(last.source_id.as_deref(), Some("4837487"));
    assert_eq!(last.round.as_deref(), Some("38"));
    assert_eq!(last.kickoff, Some(Utc.with_ymd_and_hms(2026, 5, 24, 17, 0, 0).unwrap()));
    assert_eq!((last.home.as_str(), last.away.as_str()), ("Villarreal", "Atletico Madrid"));

    assert!(rows.iter().all(|r| r.status == MatchStatus::Scheduled));
    assert_eq!(rows.iter().filter(|r| r.home == "Valencia" || r.away == "Valencia").count(), 38);
}

#[test]
fn league_fixture_statuses_and_scores() {
    let body = edited(LEAGUE, |v| {
        let m = &mut v["matches"]["allMatches"];
        m[0]["status"] = json!({"utcTime": "2025-08-15T17:00:00Z", "started": true, "finished": true,
            "cancelled": false, "scoreStr": "1 - 3", "reason": {"short": "FT"}});
        m[1]["status"] = json!({"utcTime": "2025-08-15T19:30:00Z", "started": true, "finished": false,
            "cancelled": false, "scoreStr": "0 - 0"});
        m[2]["status"] = json!({"utcTime": "2025-08-16T15:00:00Z", "started": false, "finished": false,
            "cancelled": true, "reason": {"short": "PP", "long": "Postponed"}});
        m[3]["status"] = json!({"utcTime": "2025-08-16T17:00:00Z", "started": false, "finished": false,
            "cancelled": true, "reason": {"short": "Can", "long": "Cancelled"}});
    });
    let rows = parse_league_fixtures("league", &body).unwrap();
    assert_eq!(
        (rows[0].status, rows[0].home_goals, rows[0].away_goals),
        (MatchStatus::Finished, Some(1), Some(3))
    );
    assert_eq!(
        (rows[1].status, rows[1].home_goals, rows[1].away_goals),
        (MatchStatus::Live, Some(0), Some(0))
    );
    assert_eq!((rows[2].status, rows[2].home_goals), (MatchStatus::Postponed, None));
    assert_eq!(rows[3].status, MatchStatus::Cancelled);
}

#[test]
fn league_table() {
    let rows = parse_league_table("league", LEAGUE).unwrap();
    assert_eq!(rows.len(), 20);
    let names: Vec<&str> = rows.iter().map(|r| r.team.as_str()).collect();
    assert_eq!(names[..3], ["Athletic Club", "Atletico Madrid", "Barcelona"]);
    assert_eq!((names[9], names[18], names[19]), ("Levante", "Valencia", "Villarreal"));
    assert_eq!(rows.iter().map(|r| r.position).collect::<Vec<_>>(), (1..=20).collect::<Vec<u32>>());
    // The season had not started when this was recorded: every count is zero.
    let zero = StandingRow { position: 16, team: "Real Oviedo".into(), ..StandingRow::default() };
    assert_eq!(rows[15], zero);
    assert!(rows.iter().all(|r| (r.played, r.won, r.drawn, r.lost, r.goals_for, r.goals_against, r.points)
        == (0, 0, 0, 0, 0, 0, 0)));
}

#[test]
fn league_table_counts() {
    let body = edited(LEAGUE, |v| {
        let row = &mut v["table"][0]["data"]["table"]["all"][2];
        for (k, n) in [("played", 3), ("wins", 2), ("draws", 1), ("losses", 0), ("pts", 7)] {
            row[k] = json!(n);
        }
        row["scoresStr"] = json!("8-2");
    });
    let rows = parse_league_table("league", &body).unwrap();
    let b = &rows[2];
    assert_eq!((b.team.as_str(), b.played, b.won, b.drawn, b.lost), ("Barcelona", 3, 2, 1, 0));
    assert_eq!((b.goals_for, b.goals_against, b.points), (8, 2, 7));
}

#[test]
fn match_fixture_and_stats() {
    let m = parse_match_details("match", MATCH).unwrap();
    let f = &m.fixture;
    assert_eq!(f.source_id.as_deref(), Some("3424045"));
    assert_eq!((f.competition.as_deref(), f.round.as_deref()), (Some("LaLiga"), Some("1")));
    assert_eq!(f.kickoff, Some(Utc.with_ymd_and_hms(2020, 9, 13, 19, 5, 0).unwrap()));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Valencia", "Levante"));
    assert_eq!((f.status, f.home_goals, f.away_goals), (MatchStatus::Finished, Some(4), Some(2)));
    assert_eq!((f.ht_home_goals, f.ht_away_goals), (Some(2), Some(2)));
    assert_eq!((f.home_xg, f.away_xg), (Some(1.94), Some(2.03)));
    assert_eq!(f.venue.as_deref(), Some("Estadio de Mestalla"));
    assert_eq!(f.referee.as_deref(), Some("Jose Sanchez"));

    let (h, a) = (&m.stats[0], &m.stats[1]);
    assert_eq!(m.stats.len(), 2);
    assert_eq!(
        (h.side, h.team.as_str(), h.possession, h.xg),
        (Side::Home, "Valencia", Some(44.0), Some(1.94))
    );
    assert_eq!((h.shots, h.shots_on_target, h.corners, h.fouls), (Some(14), Some(8), Some(3), Some(9)));
    assert_eq!((h.yellow_cards, h.red_cards), (Some(1), Some(0)));
    assert_eq!(
        (a.side, a.team.as_str(), a.possession, a.xg),
        (Side::Away, "Levante", Some(56.0), Some(2.03))
    );
    assert_eq!((a.shots, a.shots_on_target, a.corners, a.fouls), (Some(19), Some(8), Some(4), Some(14)));
    assert_eq!((a.yellow_cards, a.red_cards), (Some(4), Some(0)));
    assert!(m.odds.is_empty());
}

#[test]
fn match_shots() {
    let m = parse_match_details("match", MATCH).unwrap();
    assert_eq!(m.shots.len(), 33);
    let first = &m.shots[0];
    assert_eq!((first.minute, first.side, first.player.as_str()), (1, Side::Away, "José Luis Morales"));
    assert_eq!(
        (first.xg, first.result.as_str(), first.situation.as_deref()),
        (0.1095, "Goal", Some("RegularPlay"))
    );
    assert_eq!(first.x, Some(96.9912280694 / 105.0));
    assert_eq!(first.y, Some(37.72 / 68.0));
    let paulista = &m.shots[2];
    assert_eq!(
        (paulista.minute, paulista.side, paulista.player.as_str()),
        (12, Side::Home, "Gabriel Paulista")
    );
    assert_eq!((paulista.xg, paulista.situation.as_deref()), (0.0686, Some("FromCorner")));
    let musah = &m.shots[16];
    assert_eq!((musah.player.as_str(), musah.result.as_str(), musah.xg), ("Yunus Musah", "Post", 0.3447));
    let last = &m.shots[32];
    assert_eq!((last.minute, last.side, last.player.as_str()), (90, Side::Home, "Manuel Vallejo"));
    assert_eq!((last.xg, last.result.as_str()), (0.5092, "Goal"));
    let goals = |side| m.shots.iter().filter(|s| s.side == side && s.result == "Goal").count();
    assert_eq!((goals(Side::Home), goals(Side::Away)), (4, 2));
    let shots = |side| m.shots.iter().filter(|s| s.side == side).count();
    assert_eq!((shots(Side::Home), shots(Side::Away)), (14, 19));
    assert!(m.shots.iter().all(|s| s.x.is_some_and(|x| (0.0..=1.0).contains(&x))));
}

#[test]
fn match_events() {
    let m = parse_match_details("match", MATCH).unwrap();
    // 25 events, of which 2 half markers and 2 added-time notes carry no team.
    assert_eq!(m.events.len(), 21);
    let first = &m.events[0];
    assert_eq!((first.minute, first.side, first.kind.clone()), (1, Side::Away, EventKind::Goal));
    assert_eq!((first.player.as_deref(), first.other_player.as_deref()), (Some("José Luis Morales"), None));
    let header = &m.events[1];
    assert_eq!(
        (header.minute, header.side, header.player.as_deref()),
        (12, Side::Home, Some("Gabriel Paulista"))
    );
    assert_eq!(header.other_player.as_deref(), Some("Kang-In Lee"));
    let sub = &m.events[2];
    assert_eq!((sub.minute, sub.extra_minute, sub.kind.clone()), (17, None, EventKind::Substitution));
    assert_eq!(
        (sub.player.as_deref(), sub.other_player.as_deref()),
        (Some("Eliaquim Mangala"), Some("Mouctar Diakhaby"))
    );
    assert_eq!(m.events[3].kind, EventKind::Other("VAR".into()));
    let late = &m.events[19];
    assert_eq!((late.minute, late.extra_minute, late.kind.clone()), (90, Some(4), EventKind::Goal));
    assert_eq!(late.player.as_deref(), Some("Manuel Vallejo"));
    let last = &m.events[20];
    assert_eq!(
        (last.minute, last.extra_minute, last.side, last.kind.clone()),
        (90, Some(5), Side::Away, EventKind::YellowCard)
    );
    assert_eq!(last.player.as_deref(), Some("José Campana"));
    assert_eq!(m.events.iter().filter(|e| e.kind == EventKind::Goal).count(), 6);
}

#[test]
fn match_lineups() {
    let m = parse_match_details("match", MATCH).unwrap();
    assert_eq!(m.lineups.len(), 46);
    let keeper = &m.lineups[0];
    assert_eq!((keeper.team.as_deref(), keeper.name.as_str()), (Some("Valencia"), "Jaume Domenech"));
    assert_eq!(
        (keeper.position.as_deref(), keeper.shirt_number, keeper.starter),
        (Some("Goalkeeper"), Some(1), Some(true))
    );
    let wass = &m.lineups[1];
    assert_eq!(
        (wass.name.as_str(), wass.position.as_deref(), wass.shirt_number),
        ("Daniel Wass", Some("Midfielder"), Some(18))
    );
    let diakhaby = &m.lineups[11];
    assert_eq!(
        (diakhaby.name.as_str(), diakhaby.starter, diakhaby.shirt_number),
        ("Mouctar Diakhaby", Some(false), Some(12))
    );
    let levante = &m.lineups[23];
    assert_eq!((levante.team.as_deref(), levante.name.as_str()), (Some("Levante"), "Aitor Fernández"));
    let last = m.lineups.last().unwrap();
    assert_eq!((last.name.as_str(), last.shirt_number, last.starter), ("Tono", Some(3), Some(false)));
    let starters = m.lineups.iter().filter(|p| p.starter == Some(true)).count();
    assert_eq!(starters, 22);
}

#[test]
fn malformed_leagues_are_errors() {
    for parse in [
        |b: &[u8]| parse_league_fixtures("l", b).map(|_| ()),
        |b: &[u8]| parse_league_table("l", b).map(|_| ()),
    ] {
        assert_eq!(parse(b"").unwrap_err().field, "body");
        assert_eq!(parse(&LEAGUE[..LEAGUE.len() / 2]).unwrap_err().field, "body");
        assert_eq!(parse(OTHER_SITE).unwrap_err().site, "fotmob");
    }
    assert_eq!(parse_league_fixtures("l", OTHER_SITE).unwrap_err().field, "matches.allMatches");
    assert_eq!(parse_league_table("l", OTHER_SITE).unwrap_err().field, "table.0.data.table.all");

    let body = edited(LEAGUE, |v| v["matches"]["allMatches"] = json!([]));
    assert_eq!(parse_league_fixtures("l", &body).unwrap_err().reason, "no match");
    let body = edited(LEAGUE, |v| remove(v, "/matches/allMatches/7/away", "name"));
    assert_eq!(parse_league_fixtures("l", &body).unwrap_err().field, "matches.allMatches.7.away.name");
    let body = edited(LEAGUE, |v| v["matches"]["allMatches"][9]["status"]["finished"] = json!("no"));
    let e = parse_league_fixtures("l", &body).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("matches.allMatches.9.status.finished", "not a boolean")
    );
    let body = edited(LEAGUE, |v| v["matches"]["allMatches"][0]["status"]["utcTime"] = json!("tomorrow"));
    assert_eq!(parse_league_fixtures("l", &body).unwrap_err().field, "matches.allMatches.0.status.utcTime");

    let body = edited(LEAGUE, |v| v["table"][0]["data"]["table"]["all"] = json!([]));
    assert_eq!(parse_league_table("l", &body).unwrap_err().reason, "no team");
    let body = edited(LEAGUE, |v| remove(v, "/table/0/data/table/all/4", "pts"));
    assert_eq!(parse_league_table("l", &body).unwrap_err().field, "table.0.data.table.all.4.pts");
    let body = edited(LEAGUE, |v| v["table"][0]["data"]["table"]["all"][5]["played"] = json!(-1));
    let e = parse_league_table("l", &body).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("table.0.data.table.all.5.played", "not a count"));
    let body = edited(LEAGUE, |v| v["table"][0]["data"]["table"]["all"][6]["scoresStr"] = json!("n/a"));
    assert_eq!(parse_league_table("l", &body).unwrap_err().field, "table.0.data.table.all.6.scoresStr");
}

#[test]
fn malformed_matches_are_errors() {
    assert_eq!(parse_match_details("m", b"\n").unwrap_err().reason, "empty");
    assert_eq!(parse_match_details("m", &MATCH[..MATCH.len() / 2]).unwrap_err().field, "body");
    assert_eq!(parse_match_details("m", OTHER_SITE).unwrap_err().field, "header.status.started");
    assert_eq!(parse_match_details("m", LEAGUE).unwrap_err().field, "header.status.started");

    let body = edited(MATCH, |v| remove(v, "/header/teams/1", "name"));
    assert_eq!(parse_match_details("m", &body).unwrap_err().field, "header.teams.1.name");
    let body = edited(MATCH, |v| v["general"]["matchTimeUTCDate"] = json!(true));
    assert_eq!(parse_match_details("m", &body).unwrap_err().field, "general.matchTimeUTCDate");
    let body = edited(MATCH, |v| v["content"]["stats"]["Periods"]["All"]["stats"] = json!([]));
    assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.stats.Periods.All.stats");
    let body = edited(MATCH, |v| v["content"]["shotmap"]["shots"][4]["expectedGoals"] = json!("high"));
    let e = parse_match_details("m", &body).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("content.shotmap.shots.4.expectedGoals", "not a number")
    );
    let body = edited(MATCH, |v| remove(v, "/content/shotmap/shots/0", "playerName"));
    assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.shotmap.shots.0.playerName");
    let body = edited(MATCH, |v| remove(v, "/content/matchFacts/events/events/2", "time"));
    assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.matchFacts.events.events.2.time");
    let body = edited(MATCH, |v| remove(v, "/content/lineup/awayTeam/subs/3", "name"));
    assert_eq!(parse_match_details("m", &body).unwrap_err().field, "content.lineup.awayTeam.subs.3.name");
}
