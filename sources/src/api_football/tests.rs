use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::extract::edit_json;

macro_rules! page {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/api-football/", $file))
    };
}
const FIXTURES: &[u8] = page!("fixtures-bundes-ns-pst.json");
const DETAILS: &[u8] = page!("fixtures-cl-penalties.json");
const H2H: &[u8] = page!("head-to-head-mu-mc-2021.json");
const STANDINGS: &[u8] = page!("standings-epl-2022.json");
const EVENTS: &[u8] = page!("fixture-events.json");
const SQUAD: &[u8] = page!("player-squad-Leipzig.json");
const OTHER_SITE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/football-data.org/v4_competitions_PL_standings.json"
));
/// Fixture 653808: Manchester United (33) at home to Manchester City (50).
const DERBY: Teams = Teams { home: 33, away: 50 };

#[test]
fn urls() {
    assert_eq!(
        fixtures_url(BASE_URL, 78, 2023, Some("NS-PST")),
        "https://v3.football.api-sports.io/fixtures?league=78&season=2023&status=NS-PST"
    );
    assert_eq!(
        fixtures_url("http://127.0.0.1:9", 39, 2022, None),
        "http://127.0.0.1:9/fixtures?league=39&season=2022"
    );
    assert_eq!(
        fixtures_by_ids_url(BASE_URL, &[1149523, 1149519]),
        "https://v3.football.api-sports.io/fixtures?ids=1149523-1149519"
    );
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    assert_eq!(
        head_to_head_url(BASE_URL, 33, 50, day(2021, 1, 1), day(2023, 12, 31)),
        "https://v3.football.api-sports.io/fixtures/headtohead?h2h=33-50&from=2021-01-01&to=2023-12-31"
    );
    assert_eq!(
        head_to_head_url(BASE_URL, 33, 50, None, None),
        format!("{BASE_URL}/fixtures/headtohead?h2h=33-50")
    );
    assert_eq!(standings_url(BASE_URL, 39, 2022), format!("{BASE_URL}/standings?league=39&season=2022"));
    assert_eq!(fixture_events_url(BASE_URL, 653808), format!("{BASE_URL}/fixtures/events?fixture=653808"));
    assert_eq!(squad_url(BASE_URL, 173), format!("{BASE_URL}/players/squads?team=173"));
}

#[test]
fn fixture_list() {
    let rows = parse_fixtures("bundesliga NS-PST", FIXTURES).unwrap();
    assert_eq!(rows.len(), 71);
    let scheduled = |id: &str, (m, d, h, min), round: &str, home: &str, away: &str, venue: &str| FixtureRow {
        source_id: Some(id.into()),
        competition: Some("Bundesliga".into()),
        season: Some("2023".into()),
        round: Some(round.into()),
        kickoff: Some(Utc.with_ymd_and_hms(2024, m, d, h, min, 0).unwrap()),
        home: home.into(),
        away: away.into(),
        status: MatchStatus::Scheduled,
        venue: Some(venue.into()),
        ..FixtureRow::default()
    };
    assert_eq!(
        rows[0],
        scheduled(
            "1049115",
            (3, 30, 17, 30),
            "Regular Season - 27",
            "Bayern Munich",
            "Borussia Dortmund",
            "Allianz Arena"
        )
    );
    assert_eq!(
        rows[35],
        scheduled(
            "1049151",
            (4, 27, 13, 30),
            "Regular Season - 31",
            "Bayern Munich",
            "Eintracht Frankfurt",
            "Allianz Arena"
        )
    );
    assert_eq!(
        rows[70],
        scheduled(
            "1049186",
            (5, 18, 13, 30),
            "Regular Season - 34",
            "FC Heidenheim",
            "1.FC Köln",
            "Voith-Arena"
        )
    );
}

#[test]
fn statuses() {
    let body = edit_json(FIXTURES, |v| {
        for (i, short) in ["PST", "FT", "2H", "CANC", "PEN", "TBD", "SUSP"].into_iter().enumerate() {
            v["response"][i]["fixture"]["status"]["short"] = json!(short);
        }
    });
    let rows = parse_fixtures("bundesliga", &body).unwrap();
    let statuses: Vec<MatchStatus> = rows[..7].iter().map(|r| r.status).collect();
    use MatchStatus::*;
    assert_eq!(statuses, [Postponed, Finished, Live, Cancelled, Finished, Scheduled, Postponed]);
}

#[test]
fn head_to_head() {
    let rows = parse_head_to_head("h2h 33-50", H2H).unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(
        rows[0],
        FixtureRow {
            source_id: Some("653808".into()),
            competition: Some("League Cup".into()),
            season: Some("2020".into()),
            round: Some("Semi-finals".into()),
            kickoff: Some(Utc.with_ymd_and_hms(2021, 1, 6, 19, 45, 0).unwrap()),
            home: "Manchester United".into(),
            away: "Manchester City".into(),
            status: MatchStatus::Finished,
            home_goals: Some(0),
            away_goals: Some(2),
            ht_home_goals: Some(0),
            ht_away_goals: Some(0),
            venue: Some("Old Trafford".into()),
            referee: Some("Martin Atkinson, England".into()),
            ..FixtureRow::default()
        }
    );
    let r = &rows[3];
    assert_eq!((r.source_id.as_deref(), r.round.as_deref()), (Some("1035134"), Some("Regular Season - 10")));
    assert_eq!(
        (r.home_goals, r.away_goals, r.ht_home_goals, r.ht_away_goals),
        (Some(0), Some(3), Some(0), Some(1))
    );
    assert_eq!(r.referee.as_deref(), Some("P. Tierney"));
    let r = &rows[7];
    assert_eq!((r.competition.as_deref(), r.round.as_deref()), (Some("FA Cup"), Some("Final")));
    assert_eq!((r.home.as_str(), r.away.as_str()), ("Manchester City", "Manchester United"));
    assert_eq!(
        (r.home_goals, r.away_goals, r.ht_home_goals, r.ht_away_goals),
        (Some(2), Some(1), Some(1), Some(1))
    );
    assert_eq!(r.kickoff, Some(Utc.with_ymd_and_hms(2023, 6, 3, 14, 0, 0).unwrap()));
    assert_eq!(r.venue.as_deref(), Some("Wembley Stadium"));
}

fn ev(
    minute: u32,
    extra: Option<u32>,
    side: Side,
    kind: EventKind,
    player: &str,
    other: Option<&str>,
) -> EventRow {
    EventRow {
        minute,
        extra_minute: extra,
        side,
        kind,
        player: Some(player.into()),
        other_player: other.map(Into::into),
    }
}

#[test]
fn fixture_details() {
    let details = parse_fixture_details("ids 1149523-1149519", DETAILS).unwrap();
    assert_eq!(details.len(), 2);

    let atletico = &details[0];
    assert_eq!(
        atletico.fixture,
        FixtureRow {
            source_id: Some("1149519".into()),
            competition: Some("UEFA Champions League".into()),
            season: Some("2023".into()),
            round: Some("Round of 16".into()),
            kickoff: Some(Utc.with_ymd_and_hms(2024, 3, 13, 20, 0, 0).unwrap()),
            home: "Atletico Madrid".into(),
            away: "Inter".into(),
            status: MatchStatus::Finished,
            home_goals: Some(2),
            away_goals: Some(1),
            ht_home_goals: Some(1),
            ht_away_goals: Some(1),
            venue: Some("Estádio Cívitas Metropolitano".into()),
            referee: Some("S. Marciniak".into()),
            ..FixtureRow::default()
        }
    );
    assert_eq!(
        atletico.stats,
        [
            TeamStatsRow {
                side: Side::Home,
                team: "Atletico Madrid".into(),
                possession: Some(47.0),
                shots: Some(23),
                shots_on_target: Some(9),
                corners: Some(5),
                fouls: Some(21),
                yellow_cards: Some(2),
                red_cards: None,
                xg: Some(2.73),
            },
            TeamStatsRow {
                side: Side::Away,
                team: "Inter".into(),
                possession: Some(53.0),
                shots: Some(15),
                shots_on_target: Some(5),
                corners: Some(1),
                fouls: Some(14),
                yellow_cards: Some(3),
                red_cards: None,
                xg: Some(1.57),
            },
        ]
    );
    let events = &atletico.events;
    assert_eq!(events.len(), 29);
    assert_eq!(events[0], ev(33, None, Side::Away, EventKind::Goal, "F. Dimarco", Some("N. Barella")));
    assert_eq!(
        events[3],
        ev(71, None, Side::Home, EventKind::Substitution, "Samuel Lino", Some("Rodrigo Riquelme"))
    );
    assert_eq!(events[11], ev(87, None, Side::Home, EventKind::Goal, "M. Depay", Some("Koke")));
    assert_eq!(events[17], ev(105, Some(2), Side::Away, EventKind::YellowCard, "Francesco Acerbi", None));
    let missed = EventKind::Other("Penalty Shootout: Missed Penalty".into());
    let scored = EventKind::Other("Penalty Shootout: Penalty".into());
    assert_eq!(events[20], ev(120, None, Side::Away, missed, "L. Martínez", None));
    assert_eq!(events[21], ev(120, None, Side::Home, scored.clone(), "Á. Correa", None));
    assert_eq!(events[28], ev(120, None, Side::Away, scored, "H. Çalhanoğlu", None));
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::Goal).count(), 3);

    let lineups = &atletico.lineups;
    assert_eq!(lineups.len(), 45);
    let player = |team: &str, name: &str, pos: &str, number, starter| PlayerRow {
        team: Some(team.into()),
        name: name.into(),
        position: Some(pos.into()),
        shirt_number: Some(number),
        starter: Some(starter),
        ..PlayerRow::default()
    };
    assert_eq!(lineups[0], player("Atletico Madrid", "J. Oblak", "G", 13, true));
    assert_eq!(lineups[27], player("Inter", "N. Barella", "M", 23, true));
    assert_eq!(lineups[33], player("Inter", "M. Darmian", "D", 36, false));
    assert_eq!(lineups[44], player("Inter", "E. Audero", "G", 77, false));
    assert_eq!(lineups.iter().filter(|p| p.starter == Some(true)).count(), 22);

    let arsenal = &details[1];
    assert_eq!((arsenal.fixture.home.as_str(), arsenal.fixture.away.as_str()), ("Arsenal", "FC Porto"));
    assert_eq!((arsenal.fixture.home_goals, arsenal.fixture.away_goals), (Some(1), Some(0)));
    assert_eq!(arsenal.fixture.referee.as_deref(), Some("C. Turpin"));
    assert_eq!((arsenal.stats[0].possession, arsenal.stats[0].xg), (Some(58.0), Some(0.95)));
    assert_eq!((arsenal.stats[1].possession, arsenal.stats[1].xg), (Some(42.0), Some(0.55)));
    assert_eq!(arsenal.stats[1].corners, Some(1));
    assert_eq!(arsenal.events.len(), 20);
    assert_eq!(
        arsenal.events[1],
        ev(41, None, Side::Home, EventKind::Goal, "L. Trossard", Some("M. Ødegaard"))
    );
    assert_eq!(
        arsenal.events[6],
        ev(90, Some(7), Side::Away, EventKind::Substitution, "A. Varela", Some("M. Grujić"))
    );
    assert_eq!(arsenal.lineups.len(), 46);
    assert!(arsenal.shots.is_empty() && arsenal.odds.is_empty());
}

#[test]
fn uncovered_fixture_has_no_details() {
    let body = edit_json(DETAILS, |v| {
        for key in ["statistics", "events", "lineups", "players"] {
            v["response"][1][key] = json!([]);
        }
    });
    let details = parse_fixture_details("ids", &body).unwrap();
    assert!(details[1].stats.is_empty() && details[1].events.is_empty() && details[1].lineups.is_empty());
    assert_eq!(details[1].fixture.source_id.as_deref(), Some("1149523"));
}

#[test]
fn event_kinds() {
    assert_eq!(event_kind("Goal", "Own Goal"), EventKind::OwnGoal);
    assert_eq!(event_kind("Goal", "Penalty"), EventKind::PenaltyGoal);
    assert_eq!(event_kind("Goal", "Missed Penalty"), EventKind::MissedPenalty);
    assert_eq!(event_kind("Card", "Second Yellow card"), EventKind::SecondYellow);
    assert_eq!(event_kind("Card", "Red Card"), EventKind::RedCard);
    assert_eq!(event_kind("Var", "Goal cancelled"), EventKind::Other("Var: Goal cancelled".into()));
}

#[test]
fn fixture_events() {
    let events = parse_fixture_events("events 653808", EVENTS, DERBY).unwrap();
    assert_eq!(events.len(), 9);
    assert_eq!(events[0], ev(48, None, Side::Away, EventKind::YellowCard, "Fernandinho", None));
    assert_eq!(events[1], ev(50, None, Side::Away, EventKind::Goal, "J. Stones", None));
    assert_eq!(
        events[3],
        ev(75, None, Side::Home, EventKind::Substitution, "S. McTominay", Some("M. Greenwood"))
    );
    assert_eq!(events[6], ev(83, None, Side::Away, EventKind::Goal, "Fernandinho", None));
    assert_eq!(events[8], ev(90, None, Side::Home, EventKind::YellowCard, "Luke Shaw", None));

    let err = parse_fixture_events("events", EVENTS, Teams { home: 33, away: 40 }).unwrap_err();
    assert_eq!(err.field, "response.0.team.id");
    assert!(err.reason.contains("team 50"), "{err}");

    // A match without events yet.
    let body = edit_json(EVENTS, |v| v["response"] = json!([]));
    assert_eq!(parse_fixture_events("events", &body, DERBY).unwrap(), []);
}

#[test]
fn standings() {
    let rows = parse_standings("standings 39/2022", STANDINGS).unwrap();
    assert_eq!(rows.len(), 20);
    let row =
        |position, team: &str, (played, won, drawn, lost), (goals_for, goals_against), points, form: &str| {
            StandingRow {
                position,
                team: team.into(),
                played,
                won,
                drawn,
                lost,
                goals_for,
                goals_against,
                points,
                form: Some(form.into()),
                ..StandingRow::default()
            }
        };
    // The file's "LDWWW": City lost their last match, at Brentford.
    assert_eq!(rows[0], row(1, "Manchester City", (38, 28, 5, 5), (94, 33), 89, "WWWDL"));
    assert_eq!(rows[3], row(4, "Newcastle", (38, 19, 14, 5), (68, 33), 71, "LDWDD"));
    assert_eq!(rows[19], row(20, "Southampton", (38, 6, 7, 25), (36, 73), 25, "LLLLD"));
}

#[test]
fn squad() {
    let players = parse_squad("squad 173", SQUAD).unwrap();
    assert_eq!(players.len(), 26);
    let player = |name: &str, age, number, position: &str| PlayerRow {
        team: Some("RB Leipzig".into()),
        name: name.into(),
        position: Some(position.into()),
        shirt_number: Some(number),
        age: Some(age),
        ..PlayerRow::default()
    };
    assert_eq!(players[0], player("P. Gulácsi", 33, 1, "Goalkeeper"));
    assert_eq!(players[14], player("Dani Olmo", 25, 7, "Midfielder"));
    assert_eq!(players[25], player("Y. Eduardo", 17, 46, "Attacker"));
    assert_eq!(players.iter().filter(|p| p.position.as_deref() == Some("Defender")).count(), 9);
}

type Parser = fn(&str, &[u8]) -> Result<usize, ParseError>;
type Edit = fn(&mut Value);

fn parsers() -> [(Parser, &'static [u8]); 6] {
    [
        (|p, b| parse_fixtures(p, b).map(|r| r.len()), FIXTURES),
        (|p, b| parse_fixture_details(p, b).map(|r| r.len()), DETAILS),
        (|p, b| parse_head_to_head(p, b).map(|r| r.len()), H2H),
        (|p, b| parse_standings(p, b).map(|r| r.len()), STANDINGS),
        (|p, b| parse_fixture_events(p, b, DERBY).map(|r| r.len()), EVENTS),
        (|p, b| parse_squad(p, b).map(|r| r.len()), SQUAD),
    ]
}

#[test]
fn api_errors_are_refused() {
    for (parse, body) in parsers() {
        let body = edit_json(body, |v| {
            v["errors"] = json!({"token": "Error/Missing application key."});
            v["response"] = json!([]);
        });
        let err = parse("p", &body).unwrap_err();
        assert_eq!((err.site, err.field.as_str()), ("api-football", "errors"));
        assert_eq!(err.reason, r#"token: "Error/Missing application key.""#);
    }
    let body = edit_json(FIXTURES, |v| v["errors"] = json!(["The Season field must contain 4 characters."]));
    let err = parse_fixtures("p", &body).unwrap_err();
    assert_eq!(err.reason, r#""The Season field must contain 4 characters.""#);
}

#[test]
fn empty_truncated_and_foreign_bodies_are_errors() {
    for (i, (parse, body)) in parsers().into_iter().enumerate() {
        assert_eq!(parse("p", b"").unwrap_err().field, "body");
        let err = parse("p", &body[..body.len() / 2]).unwrap_err();
        assert!(err.field == "body" && err.reason.starts_with("not JSON"), "{err}");
        // Another API's JSON has no envelope.
        let err = parse("p", OTHER_SITE).unwrap_err();
        assert_eq!((err.field.as_str(), err.reason.as_str()), ("errors", "missing"));
        let emptied = edit_json(body, |v| v["response"] = json!([]));
        // Only the events of one match may be empty.
        if i != 4 {
            assert_eq!(parse("p", &emptied).unwrap_err().field, "response");
        }
    }
    let body = edit_json(STANDINGS, |v| v["response"][0]["league"]["standings"][0] = json!([]));
    assert_eq!(parse_standings("p", &body).unwrap_err().field, "response.0.league.standings.0");
    let body = edit_json(SQUAD, |v| v["response"][0]["players"] = json!([]));
    assert_eq!(parse_squad("p", &body).unwrap_err().field, "response.0.players");
}

#[test]
fn missing_or_mistyped_fields_are_errors() {
    let cases: [(&[u8], Edit, Parser, &str); 8] = [
        (
            FIXTURES,
            |v| v["response"][4]["teams"]["home"]["name"] = json!(null),
            |p, b| parse_fixtures(p, b).map(|r| r.len()),
            "response.4.teams.home.name",
        ),
        (
            FIXTURES,
            |v| v["response"][2]["fixture"]["status"]["short"] = json!("XYZ"),
            |p, b| parse_fixtures(p, b).map(|r| r.len()),
            "response.2.fixture.status.short",
        ),
        (
            H2H,
            |v| v["response"][1]["fixture"]["date"] = json!("6 November 2021"),
            |p, b| parse_head_to_head(p, b).map(|r| r.len()),
            "response.1.fixture.date",
        ),
        (
            H2H,
            |v| v["response"][5]["goals"]["away"] = json!("one"),
            |p, b| parse_head_to_head(p, b).map(|r| r.len()),
            "response.5.goals.away",
        ),
        (
            DETAILS,
            |v| v["response"][0]["statistics"][1]["statistics"][16]["value"] = json!("lots"),
            |p, b| parse_fixture_details(p, b).map(|r| r.len()),
            "response.0.statistics.1.statistics.16.value",
        ),
        (
            DETAILS,
            |v| v["response"][1]["events"][3]["time"]["elapsed"] = json!(null),
            |p, b| parse_fixture_details(p, b).map(|r| r.len()),
            "response.1.events.3.time.elapsed",
        ),
        (
            DETAILS,
            |v| v["response"][0]["lineups"][1]["substitutes"][2]["player"]["name"] = json!(7),
            |p, b| parse_fixture_details(p, b).map(|r| r.len()),
            "response.0.lineups.1.substitutes.2.player.name",
        ),
        (
            SQUAD,
            |v| v["response"][0]["players"][3]["age"] = json!("seventeen"),
            |p, b| parse_squad(p, b).map(|r| r.len()),
            "response.0.players.3.age",
        ),
    ];
    for (body, edit, parse, field) in cases {
        assert_eq!(parse("p", &edit_json(body, edit)).unwrap_err().field, field);
    }
    let body = edit_json(STANDINGS, |v| {
        v["response"][0]["league"]["standings"][0][9]["all"].as_object_mut().unwrap().remove("lose");
    });
    assert_eq!(parse_standings("p", &body).unwrap_err().field, "response.0.league.standings.0.9.all.lose");
    let body = edit_json(EVENTS, |v| v["response"][2]["type"] = json!(null));
    assert_eq!(parse_fixture_events("p", &body, DERBY).unwrap_err().field, "response.2.type");
}
