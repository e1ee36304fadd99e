use super::*;
use chrono::TimeZone;

const SCHEDULE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/fbref/schedule_ESP-La_Liga_2324.html"
));
const TEAMS: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fbref/teams_ESP-La_Liga_2324.html"));
const MATCH: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fbref/match_e8867e6b.html"));
const LIMITED: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/fbref/match_1d845950.html"));
const OTHER_SITE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/skysports/premier-league-table.html"));

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
}

fn replaced(body: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(body);
    assert!(s.contains(from), "fixture lacks {from:?}");
    s.replacen(from, to, 1).into_bytes()
}

#[test]
fn urls() {
    assert_eq!(
        schedule_url("https://fbref.com", 12, "2023-2024", "La-Liga"),
        "https://fbref.com/en/comps/12/2023-2024/schedule/2023-2024-La-Liga-Scores-and-Fixtures"
    );
    assert_eq!(
        league_url("http://127.0.0.1:9", 12, "2023-2024", "La-Liga"),
        "http://127.0.0.1:9/en/comps/12/2023-2024/2023-2024-La-Liga-Stats"
    );
    assert_eq!(match_url("https://fbref.com", "e8867e6b"), "https://fbref.com/en/matches/e8867e6b");
}

#[test]
fn schedule_la_liga_2023_24() {
    let rows = parse_schedule("schedule", SCHEDULE).unwrap();
    assert_eq!(rows.len(), 380, "41 spacer rows skipped");
    assert!(rows.iter().all(|r| r.status == MatchStatus::Finished && r.home_goals.is_some()));

    let first = &rows[0];
    assert_eq!(first.source_id.as_deref(), Some("30d3212e"));
    assert_eq!(first.competition.as_deref(), Some("La Liga"));
    assert_eq!(first.season.as_deref(), Some("2023-2024"));
    assert_eq!(first.round.as_deref(), Some("1"));
    assert_eq!(first.kickoff, utc(2023, 8, 11, 17, 30), "19:30 in Madrid");
    assert_eq!((first.home.as_str(), first.away.as_str()), ("Almería", "Rayo Vallecano"));
    assert_eq!((first.home_goals, first.away_goals), (Some(0), Some(2)));
    assert_eq!((first.home_xg, first.away_xg), (Some(1.4), Some(2.1)));
    assert_eq!(first.venue.as_deref(), Some("Power Horse Stadium"));
    assert_eq!(first.referee.as_deref(), Some("Javier Alberola"));
    assert_eq!((first.ht_home_goals, first.ht_away_goals), (None, None));

    // Gran Canaria is on Canary time: 20:30 there in January is 20:30 UTC.
    let mid = &rows[189];
    assert_eq!(mid.source_id.as_deref(), Some("2181388a"));
    assert_eq!(mid.round.as_deref(), Some("19"));
    assert_eq!(mid.kickoff, utc(2024, 1, 4, 20, 30));
    assert_eq!((mid.home.as_str(), mid.away.as_str()), ("Las Palmas", "Barcelona"));
    assert_eq!((mid.home_goals, mid.away_goals), (Some(1), Some(2)));
    assert_eq!((mid.home_xg, mid.away_xg), (Some(0.7), Some(2.4)));
    assert_eq!(mid.referee.as_deref(), Some("Pablo González"));

    // The last day's simultaneous kick-offs, 15:15 in Las Palmas and 16:15 in Vigo.
    let canary = &rows[377];
    assert_eq!(canary.kickoff, utc(2024, 5, 26, 14, 15));
    assert_eq!((canary.home.as_str(), canary.away.as_str()), ("Las Palmas", "Alavés"));
    let vigo = &rows[378];
    assert_eq!(vigo.kickoff, utc(2024, 5, 26, 14, 15));
    assert_eq!((vigo.home.as_str(), vigo.away.as_str()), ("Celta Vigo", "Valencia"));

    let last = &rows[379];
    assert_eq!(last.source_id.as_deref(), Some("e45b3740"));
    assert_eq!(last.round.as_deref(), Some("38"));
    assert_eq!(last.kickoff, utc(2024, 5, 26, 19, 0));
    assert_eq!((last.home.as_str(), last.away.as_str()), ("Sevilla", "Barcelona"));
    assert_eq!((last.home_goals, last.away_goals), (Some(1), Some(2)));
    assert_eq!((last.home_xg, last.away_xg), (Some(1.5), Some(1.3)));
    assert_eq!(last.venue.as_deref(), Some("Estadio Ramón Sánchez Pizjuán"));
    assert_eq!(last.referee.as_deref(), Some("Javier Villanueva"));
}

/// The first row rewritten as FBref shows an upcoming match: no score, no xG, no time.
fn unplayed_first_row() -> Vec<u8> {
    let mut body = replaced(SCHEDULE, r#"data-stat="home_xg" >1.4</td>"#, r#"data-stat="home_xg" ></td>"#);
    body = replaced(&body, r#"data-stat="away_xg" >2.1</td>"#, r#"data-stat="away_xg" ></td>"#);
    body = replaced(
        &body,
        r#"<a href="/en/matches/30d3212e/Almeria-Rayo-Vallecano-August-11-2023-La-Liga">0&ndash;2</a>"#,
        "",
    );
    replaced(&body, r#"data-venue-epoch="1691775000" "#, "")
}

#[test]
fn schedule_unplayed_and_postponed_rows() {
    let rows = parse_schedule("schedule", &unplayed_first_row()).unwrap();
    let r = &rows[0];
    assert_eq!(r.status, MatchStatus::Scheduled);
    assert_eq!((r.home_goals, r.away_goals, r.home_xg, r.away_xg), (None, None, None, None));
    assert_eq!((r.kickoff, r.kickoff_date_only), (utc(2023, 8, 11, 0, 0), true), "date only");
    assert_eq!(r.source_id.as_deref(), Some("30d3212e"), "still in the match report link");
    assert_eq!(rows[1].status, MatchStatus::Finished);

    let postponed = replaced(
        &unplayed_first_row(),
        r#"<td class="left iz" data-stat="notes" ></td>"#,
        r#"<td class="left" data-stat="notes" >Match Postponed</td>"#,
    );
    assert_eq!(parse_schedule("schedule", &postponed).unwrap()[0].status, MatchStatus::Postponed);
}

#[test]
fn league_table_with_xg() {
    let rows = parse_league_table("teams", TEAMS).unwrap();
    assert_eq!(rows.len(), 20);
    let top = &rows[0];
    assert_eq!((top.position, top.team.as_str()), (1, "Real Madrid"));
    assert_eq!((top.played, top.won, top.drawn, top.lost), (38, 29, 8, 1));
    assert_eq!((top.goals_for, top.goals_against, top.points), (87, 26, 95));
    assert_eq!((top.xg_for, top.xg_against), (Some(68.8), Some(35.4)));
    assert_eq!(top.form, None);
    let second = &rows[1];
    assert_eq!((second.team.as_str(), second.points, second.xg_for), ("Barcelona", 85, Some(77.6)));
    let tenth = &rows[9];
    assert_eq!((tenth.position, tenth.team.as_str()), (10, "Alavés"));
    assert_eq!(
        (tenth.won, tenth.drawn, tenth.lost, tenth.goals_for, tenth.goals_against),
        (12, 10, 16, 36, 46)
    );
    assert_eq!((tenth.xg_for, tenth.xg_against), (Some(46.2), Some(44.7)));
    let last = &rows[19];
    assert_eq!((last.position, last.team.as_str(), last.points), (20, "Granada", 21));
    assert_eq!((last.goals_for, last.goals_against), (38, 79));
    assert_eq!((last.xg_for, last.xg_against), (Some(42.6), Some(64.2)));
}

#[test]
fn league_table_inside_a_comment() {
    let body = replaced(
        TEAMS,
        r#"<table class="stats_table sortable min_width force_mobilize" id="results2023-2024121_overall""#,
        r#"<!-- <table class="stats_table sortable min_width force_mobilize" id="results2023-2024121_overall""#,
    );
    let rows = parse_league_table("teams", &body).unwrap();
    assert_eq!((rows.len(), rows[0].team.as_str()), (20, "Real Madrid"));
}

#[test]
fn match_report_girona_getafe() {
    let m = parse_match("match e8867e6b", MATCH).unwrap();
    let f = &m.fixture;
    assert_eq!(f.source_id.as_deref(), Some("e8867e6b"));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Girona", "Getafe"));
    assert_eq!((f.home_goals, f.away_goals), (Some(3), Some(0)));
    assert_eq!((f.home_xg, f.away_xg), (Some(1.4), Some(0.7)));
    assert_eq!(f.status, MatchStatus::Finished);
    assert_eq!(f.kickoff, utc(2023, 8, 20, 17, 0), "19:00 venue time");
    assert_eq!(f.competition.as_deref(), Some("La Liga"));
    assert_eq!(f.season.as_deref(), Some("2023-2024"));
    assert_eq!(f.round.as_deref(), Some("Matchweek 2"));
    assert_eq!(f.venue.as_deref(), Some("Estadi Municipal de Montilivi, Girona"));
    assert_eq!(f.referee.as_deref(), Some("Jorge Figueroa"));

    let [home, away] = m.stats.as_slice() else { panic!("two stat rows: {:?}", m.stats) };
    assert_eq!((home.side, home.team.as_str()), (Side::Home, "Girona"));
    assert_eq!(home.possession, Some(63.0));
    assert_eq!((home.shots_on_target, home.shots), (Some(6), Some(7)));
    assert_eq!((home.fouls, home.corners), (Some(11), Some(3)));
    assert_eq!((home.yellow_cards, home.red_cards, home.xg), (Some(2), Some(0), Some(1.4)));
    assert_eq!((away.side, away.team.as_str()), (Side::Away, "Getafe"));
    assert_eq!(away.possession, Some(37.0));
    assert_eq!((away.shots_on_target, away.shots), (Some(2), Some(9)));
    assert_eq!((away.fouls, away.corners), (Some(20), Some(2)));
    assert_eq!((away.yellow_cards, away.red_cards, away.xg), (Some(6), Some(0), Some(0.7)));

    let goals: Vec<_> = m.events.iter().filter(|e| e.kind == EventKind::Goal).collect();
    assert_eq!(goals.len(), 3);
    assert_eq!((goals[0].minute, goals[0].side), (12, Side::Home));
    assert_eq!(goals[0].player.as_deref(), Some("Yangel Herrera"));
    assert_eq!(goals[0].other_player.as_deref(), Some("Sávio"));
    assert_eq!(
        (goals[2].minute, goals[2].player.as_deref(), goals[2].other_player.as_deref()),
        (65, Some("Cristhian Stuani"), None)
    );
    let first = &m.events[0];
    assert_eq!((first.minute, first.side, &first.kind), (7, Side::Away, &EventKind::YellowCard));
    assert_eq!(first.player.as_deref(), Some("Juanmi Latasa"));
    let added = m.events.iter().find(|e| e.extra_minute.is_some()).unwrap();
    assert_eq!(
        (added.minute, added.extra_minute, added.player.as_deref()),
        (45, Some(3), Some("Paulo Gazzaniga"))
    );
    let manager = m.events.iter().find(|e| e.minute == 30).unwrap();
    assert_eq!(manager.player.as_deref(), Some("Pepe Bordalás"), "staff are named without a link");
    let sub = m.events.iter().find(|e| e.kind == EventKind::Substitution).unwrap();
    assert_eq!((sub.minute, sub.side), (59, Side::Away));
    assert_eq!(sub.player.as_deref(), Some("Stefan Mitrović"), "going off");
    assert_eq!(sub.other_player.as_deref(), Some("Portu"), "coming on");
    let yellows = m.events.iter().filter(|e| e.kind == EventKind::YellowCard).count();
    assert_eq!(yellows, 8, "the team stats' 2 + 6 cards");

    let girona: Vec<_> = m.lineups.iter().filter(|p| p.team.as_deref() == Some("Girona")).collect();
    assert_eq!(girona.len(), 22);
    assert_eq!(girona.iter().filter(|p| p.starter == Some(true)).count(), 11);
    assert_eq!((girona[0].name.as_str(), girona[0].shirt_number), ("Paulo Gazzaniga", Some(13)));
    let bench = girona.iter().find(|p| p.starter == Some(false)).unwrap();
    assert_eq!((bench.name.as_str(), bench.shirt_number), ("Juan Carlos", Some(1)));
    let getafe: Vec<_> = m.lineups.iter().filter(|p| p.team.as_deref() == Some("Getafe")).collect();
    assert_eq!((getafe[0].name.as_str(), getafe[0].starter), ("David Soria", Some(true)));
}

/// Decision for limited-coverage reports: parse the scorebox (teams, kick-off,
/// competition, venue, cancellation) and return no stats, events or line-ups.
#[test]
fn limited_coverage_cancelled_match() {
    let m = parse_match("match 1d845950", LIMITED).unwrap();
    let f = &m.fixture;
    assert_eq!(f.source_id.as_deref(), Some("1d845950"));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Lyon", "Reims"));
    assert_eq!(f.status, MatchStatus::Cancelled);
    assert_eq!((f.home_goals, f.away_goals, f.home_xg, f.away_xg), (None, None, None, None));
    assert_eq!(f.kickoff, utc(2020, 3, 13, 19, 45), "20:45 in Lyon");
    assert_eq!(f.competition.as_deref(), Some("Ligue 1"));
    assert_eq!(f.season.as_deref(), Some("2019-2020"));
    assert_eq!(f.round.as_deref(), Some("Matchweek 29"));
    assert_eq!(f.venue.as_deref(), Some("Groupama Stadium, Décines-Charpieu"));
    assert_eq!(f.referee, None, "no officials listed");
    assert!(m.stats.is_empty() && m.events.is_empty() && m.lineups.is_empty());
}

#[test]
fn empty_and_foreign_bodies_are_errors() {
    type Parse = fn(&[u8]) -> Result<(), ParseError>;
    let parsers: [Parse; 3] = [
        |b| parse_schedule("s", b).map(|_| ()),
        |b| parse_league_table("t", b).map(|_| ()),
        |b| parse_match("m", b).map(|_| ()),
    ];
    for parse in parsers {
        assert_eq!(parse(b"").unwrap_err().field, "body");
        let e = parse(OTHER_SITE).unwrap_err();
        assert_eq!(e.reason, "no element matches", "{e}");
        assert_eq!(e.site, "fbref");
    }
    assert_eq!(parse_schedule("s", OTHER_SITE).unwrap_err().field, SCHEDULE_TABLE);
    assert_eq!(parse_league_table("t", OTHER_SITE).unwrap_err().field, LEAGUE_TABLE);
    assert_eq!(parse_match("m", OTHER_SITE).unwrap_err().field, "div.scorebox");
}

/// Where `needle` starts in `body`.
fn at(body: &[u8], needle: &str) -> usize {
    body.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap()
}

#[test]
fn truncated_bodies_are_errors() {
    let e = parse_schedule("s", &SCHEDULE[..SCHEDULE.len() / 2]).unwrap_err();
    // The first half stops in the middle of a row (number 197, spacers included).
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("tbody > tr:nth-of-type(197) > [data-stat=\"away_team\"]", "missing")
    );
    let e = parse_schedule("s", &SCHEDULE[..at(SCHEDULE, "data-stat=\"home_xg\"")]).unwrap_err();
    assert_eq!(e.field, "tbody > tr");
    // The league table sits in the page's first tenth: cut it inside the second row.
    let e = parse_league_table("t", &TEAMS[..at(TEAMS, "data-stat=\"wins\" >26")]).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("tbody > tr:nth-of-type(2) > [data-stat=\"wins\"]", "missing")
    );
    assert_eq!(parse_match("m", &MATCH[..MATCH.len() / 20]).unwrap_err().field, "div.scorebox");
    let e = parse_match("m", &MATCH[..at(MATCH, "alt=\"Getafe Club Crest\"")]).unwrap_err();
    assert_eq!(e.field, "div.scorebox > div strong a");
}

#[test]
fn broken_fields_are_errors() {
    let no_team = replaced(SCHEDULE, ">Almería</a>", "></a>");
    let e = parse_schedule("s", &no_team).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("tbody > tr:nth-of-type(1) > [data-stat=\"home_team\"]", "empty")
    );
    let bad_score = replaced(SCHEDULE, "0&ndash;2</a>", "nil&ndash;2</a>");
    assert_eq!(
        parse_schedule("s", &bad_score).unwrap_err().field,
        "tbody > tr:nth-of-type(1) > [data-stat=\"score\"]"
    );
    let bad_xg = replaced(SCHEDULE, r#"data-stat="home_xg" >1.4<"#, r#"data-stat="home_xg" >high<"#);
    assert_eq!(parse_schedule("s", &bad_xg).unwrap_err().reason, "not a number: \"high\"");

    let no_points = replaced(TEAMS, r#"<td class="right " data-stat="points" >95</td>"#, "");
    let e = parse_league_table("t", &no_points).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("tbody > tr:nth-of-type(1) > [data-stat=\"points\"]", "missing")
    );
    let bad_wins = replaced(TEAMS, r#"data-stat="wins" >29<"#, r#"data-stat="wins" >-<"#);
    assert_eq!(
        parse_league_table("t", &bad_wins).unwrap_err().field,
        "tbody > tr:nth-of-type(1) > [data-stat=\"wins\"]"
    );

    let bad_score = replaced(MATCH, r#"<div class="score">3</div>"#, r#"<div class="score">three</div>"#);
    assert_eq!(parse_match("m", &bad_score).unwrap_err().field, "div.scorebox div.score");
    let one_sided = replaced(MATCH, r#"<div class="score">3</div>"#, r#"<div class="score">--</div>"#);
    assert_eq!(parse_match("m", &one_sided).unwrap_err().reason, "only one side has a score");
    let no_away = replaced(MATCH, ">Getafe</a>\n\t\t\t</strong>", ">Getafe</a>\n\t\t\t</b>");
    let no_away = replaced(
        &no_away,
        "<strong>\n\t\t\t\t<a href=\"/en/squads/7848bd64",
        "<b>\n\t\t\t\t<a href=\"/en/squads/7848bd64",
    );
    assert_eq!(parse_match("m", &no_away).unwrap_err().field, "div.scorebox > div strong a");
    let bad_possession = replaced(MATCH, "<strong>63%</strong>", "<strong>lots</strong>");
    assert_eq!(parse_match("m", &bad_possession).unwrap_err().field, "div#team_stats Possession");
    let bad_minute = replaced(MATCH, "&nbsp;12&rsquor;", "&nbsp;twelve&rsquor;");
    assert_eq!(parse_match("m", &bad_minute).unwrap_err().field, "div#events_wrap div.event");
}

#[test]
fn score_and_id_helpers() {
    assert_eq!(score_pair("0–2"), Some((0, 2)));
    assert_eq!(score_pair("(4) 1–1 (3)"), Some((1, 1)));
    assert_eq!(score_pair("1-0"), Some((1, 0)));
    assert_eq!(score_pair("–"), None);
    assert_eq!(match_id("/en/matches/30d3212e/Almeria-Rayo"), Some("30d3212e".into()));
    assert_eq!(match_id("https://fbref.com/en/matches/1d845950/Lyon"), Some("1d845950".into()));
    assert_eq!(match_id("/en/matches/2023-08-11"), None);
    assert_eq!(of_pair("22% — 2 of 9"), Some((2, 9)));
    assert_eq!(of_pair("of 9"), None);
}
