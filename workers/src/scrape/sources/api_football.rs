//! API-Football v3 (api-sports.io, `v3.football.api-sports.io`, key in the
//! `x-apisports-key` header).
//!
//! Every response is an envelope `{get, parameters, errors, results, paging, response}`;
//! a non-empty `errors` (an array or, for key and quota errors, an object) is refused.
//!
//! Pages parsed:
//! - fixtures, `fixtures?league=&season=&status=` → [`FixtureRow`]s;
//! - fixtures by ids, `fixtures?ids=a-b-c`, which carry events, line-ups and team
//!   statistics → [`MatchDetail`]s;
//! - head-to-head, `fixtures/headtohead?h2h=a-b` → [`FixtureRow`]s;
//! - standings, `standings?league=&season=` → [`StandingRow`]s;
//! - fixture events, `fixtures/events?fixture=` → [`EventRow`]s;
//! - squads, `players/squads?team=` → [`PlayerRow`]s.
//!
//! Seasons are labelled as the API names them: by their start year (`2023` for 2023-24).

use chrono::NaiveDate;
use entities::enums::MatchStatus;
use serde_json::Value;

use crate::scrape::error::ParseError;
use crate::scrape::extract::{Page, opt, opt_str};
use crate::scrape::rows::{
    EventKind, EventRow, FixtureRow, MatchDetail, PlayerRow, Side, StandingRow, TeamStatsRow,
};

pub const SITE: &str = "api-football";
pub const BASE_URL: &str = "https://v3.football.api-sports.io";

/// `status` is one or more short statuses joined by `-` (`NS-PST`).
pub fn fixtures_url(base: &str, league: u32, season: u32, status: Option<&str>) -> String {
    let status = status.map(|s| format!("&status={s}")).unwrap_or_default();
    format!("{base}/fixtures?league={league}&season={season}{status}")
}

/// Up to 20 fixtures with their events, line-ups and statistics.
pub fn fixtures_by_ids_url(base: &str, ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!("{base}/fixtures?ids={}", ids.join("-"))
}

pub fn head_to_head_url(
    base: &str,
    team_a: u32,
    team_b: u32,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> String {
    let from = from.map(|d| format!("&from={}", d.format("%Y-%m-%d"))).unwrap_or_default();
    let to = to.map(|d| format!("&to={}", d.format("%Y-%m-%d"))).unwrap_or_default();
    format!("{base}/fixtures/headtohead?h2h={team_a}-{team_b}{from}{to}")
}

pub fn standings_url(base: &str, league: u32, season: u32) -> String {
    format!("{base}/standings?league={league}&season={season}")
}

pub fn fixture_events_url(base: &str, fixture: u64) -> String {
    format!("{base}/fixtures/events?fixture={fixture}")
}

pub fn squad_url(base: &str, team: u32) -> String {
    format!("{base}/players/squads?team={team}")
}

/// The envelope's `response[]`, after checking that `errors` is empty.
fn response<'v>(p: &Page, doc: &'v Value) -> Result<&'v Vec<Value>, ParseError> {
    let messages: Vec<String> = match p.get(doc, "errors")? {
        Value::Array(list) => list.iter().map(Value::to_string).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k}: {v}")).collect(),
        _ => return Err(p.err("errors", "not an array or object")),
    };
    if !messages.is_empty() {
        return Err(p.err("errors", messages.join("; ")));
    }
    p.array(doc, "response")
}

/// The envelope's `response[]`, which must hold at least one item.
fn rows<'v>(p: &Page, doc: &'v Value) -> Result<&'v Vec<Value>, ParseError> {
    response(p, doc)?;
    p.non_empty(doc, "response")
}

/// A fixture list (`fixtures?league=…`).
pub fn parse_fixtures(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let list = rows(&p, &doc)?;
    (0..list.len()).map(|i| fixture(&p, &doc, &format!("response.{i}."))).collect()
}

/// Past meetings of two teams: the same fixture objects as a fixture list.
pub fn parse_head_to_head(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    parse_fixtures(page, body)
}

/// The fixture at `at` (`response.3.`), read from the document root so errors name it.
fn fixture(p: &Page, doc: &Value, at: &str) -> Result<FixtureRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    let status = p.str(doc, &f("fixture.status.short"))?;
    Ok(FixtureRow {
        source_id: Some(p.i64(doc, &f("fixture.id"))?.to_string()),
        competition: p.maybe_str(doc, &f("league.name"))?.map(str::to_owned),
        season: p.maybe_int::<i64>(doc, &f("league.season"))?.map(|s| s.to_string()),
        round: p.maybe_str(doc, &f("league.round"))?.map(str::to_owned),
        kickoff: Some(p.time(doc, &f("fixture.date"))?),
        home: p.str(doc, &f("teams.home.name"))?.to_owned(),
        away: p.str(doc, &f("teams.away.name"))?.to_owned(),
        status: status_of(status)
            .ok_or_else(|| p.err(f("fixture.status.short"), format!("unknown status {status:?}")))?,
        // `goals` is the score after extra time; the shoot-out is under `score.penalty`.
        home_goals: p.maybe_int(doc, &f("goals.home"))?,
        away_goals: p.maybe_int(doc, &f("goals.away"))?,
        ht_home_goals: p.maybe_int(doc, &f("score.halftime.home"))?,
        ht_away_goals: p.maybe_int(doc, &f("score.halftime.away"))?,
        venue: p.maybe_str(doc, &f("fixture.venue.name"))?.map(str::to_owned),
        referee: p.maybe_str(doc, &f("fixture.referee"))?.map(str::to_owned),
        ..FixtureRow::default()
    })
}

/// API-Football's short status. Unknown statuses are refused rather than guessed.
fn status_of(short: &str) -> Option<MatchStatus> {
    Some(match short {
        "TBD" | "NS" => MatchStatus::Scheduled,
        "1H" | "HT" | "2H" | "ET" | "BT" | "P" | "INT" | "LIVE" => MatchStatus::Live,
        "FT" | "AET" | "PEN" | "AWD" | "WO" => MatchStatus::Finished,
        // Suspended matches are to be completed another day.
        "PST" | "SUSP" => MatchStatus::Postponed,
        "CANC" | "ABD" => MatchStatus::Cancelled,
        _ => return None,
    })
}

/// Fixtures asked for by id, each with its events, line-ups and team statistics.
pub fn parse_fixture_details(page: &str, body: &[u8]) -> Result<Vec<MatchDetail>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let list = rows(&p, &doc)?;
    (0..list.len()).map(|i| detail(&p, &doc, &format!("response.{i}."))).collect()
}

fn detail(p: &Page, doc: &Value, at: &str) -> Result<MatchDetail, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    let teams = Teams { home: p.i64(doc, &f("teams.home.id"))?, away: p.i64(doc, &f("teams.away.id"))? };
    // Events, line-ups and statistics are absent for fixtures the API does not cover.
    let count = |k: &str| opt(doc, &f(k)).and_then(Value::as_array).map_or(0, Vec::len);
    let stats = (0..count("statistics")).map(|j| team_stats(p, doc, &f(&format!("statistics.{j}.")), teams));
    let events = (0..count("events")).map(|j| event(p, doc, &f(&format!("events.{j}.")), teams));
    let mut lineups = Vec::new();
    for j in 0..count("lineups") {
        lineups.extend(lineup(p, doc, &f(&format!("lineups.{j}.")))?);
    }
    Ok(MatchDetail {
        fixture: fixture(p, doc, at)?,
        stats: stats.collect::<Result<_, _>>()?,
        events: events.collect::<Result<_, _>>()?,
        lineups,
        ..MatchDetail::default()
    })
}

/// The API ids of a fixture's teams, to tell which side an event or a statistic is for.
#[derive(Clone, Copy, Debug)]
pub struct Teams {
    pub home: i64,
    pub away: i64,
}

fn side(p: &Page, doc: &Value, path: &str, teams: Teams) -> Result<Side, ParseError> {
    match p.i64(doc, path)? {
        id if id == teams.home => Ok(Side::Home),
        id if id == teams.away => Ok(Side::Away),
        id => {
            Err(p.err(path, format!("team {id} is neither home ({}) nor away ({})", teams.home, teams.away)))
        }
    }
}

/// One team's `statistics[]`: `{type, value}` pairs, values numbers, `"47%"` or null.
fn team_stats(p: &Page, doc: &Value, at: &str, teams: Teams) -> Result<TeamStatsRow, ParseError> {
    let list_path = format!("{at}statistics");
    let list = p.array(doc, &list_path)?;
    // The path of the value of `kind`, if the API lists it.
    let value_path = |kind: &str| {
        list.iter().position(|s| opt_str(s, "type") == Some(kind)).map(|k| format!("{list_path}.{k}.value"))
    };
    let int = |kind: &str| value_path(kind).map_or(Ok(None), |path| p.maybe_int::<i32>(doc, &path));
    let num = |kind: &str| value_path(kind).map_or(Ok(None), |path| p.maybe_f64(doc, &path));
    Ok(TeamStatsRow {
        side: side(p, doc, &format!("{at}team.id"), teams)?,
        team: p.str(doc, &format!("{at}team.name"))?.to_owned(),
        possession: num("Ball Possession")?,
        shots: int("Total Shots")?,
        shots_on_target: int("Shots on Goal")?,
        corners: int("Corner Kicks")?,
        fouls: int("Fouls")?,
        yellow_cards: int("Yellow Cards")?,
        red_cards: int("Red Cards")?,
        xg: num("expected_goals")?,
    })
}

/// One event. A shoot-out kick is written as a `Goal` at 120' whose `extra` is the kick's
/// order; it does not count in the score, so it is kept apart as
/// `Other("Penalty Shootout: Penalty" | "Penalty Shootout: Missed Penalty")` with no extra minute.
fn event(p: &Page, doc: &Value, at: &str, teams: Teams) -> Result<EventRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    let kind = p.str(doc, &f("type"))?;
    let detail = p.maybe_str(doc, &f("detail"))?.unwrap_or_default();
    let shootout = p.maybe_str(doc, &f("comments"))? == Some("Penalty Shootout");
    let kind = if shootout {
        EventKind::Other(format!("Penalty Shootout: {detail}"))
    } else {
        event_kind(kind, detail)
    };
    Ok(EventRow {
        minute: p.int(doc, &f("time.elapsed"))?,
        extra_minute: if shootout { None } else { p.maybe_int(doc, &f("time.extra"))? },
        side: side(p, doc, &f("team.id"), teams)?,
        kind,
        player: p.maybe_str(doc, &f("player.name"))?.map(str::to_owned),
        // For a substitution `player` goes off and `assist` comes on.
        other_player: p.maybe_str(doc, &f("assist.name"))?.map(str::to_owned),
    })
}

fn event_kind(kind: &str, detail: &str) -> EventKind {
    let detail_lc = detail.to_ascii_lowercase();
    match (kind.to_ascii_lowercase().as_str(), detail_lc.as_str()) {
        ("goal", "normal goal") => EventKind::Goal,
        ("goal", "own goal") => EventKind::OwnGoal,
        ("goal", "penalty") => EventKind::PenaltyGoal,
        ("goal", "missed penalty") => EventKind::MissedPenalty,
        ("card", "yellow card") => EventKind::YellowCard,
        ("card", "second yellow card") => EventKind::SecondYellow,
        ("card", "red card") => EventKind::RedCard,
        ("subst", _) => EventKind::Substitution,
        _ => EventKind::Other(format!("{kind}: {detail}")),
    }
}

/// Events of one fixture. The endpoint does not say which team is at home, so the
/// caller passes the fixture's team ids; an event of any other team is an error. A match
/// may have no events yet, so an empty list is not one.
pub fn parse_fixture_events(page: &str, body: &[u8], teams: Teams) -> Result<Vec<EventRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let list = response(&p, &doc)?;
    (0..list.len()).map(|i| event(&p, &doc, &format!("response.{i}."), teams)).collect()
}

/// One team's line-up: the starting eleven, then the substitutes.
fn lineup(p: &Page, doc: &Value, at: &str) -> Result<Vec<PlayerRow>, ParseError> {
    let team = p.str(doc, &format!("{at}team.name"))?;
    let mut players = Vec::new();
    for (list, starter) in [("startXI", true), ("substitutes", false)] {
        let path = format!("{at}{list}");
        for k in 0..p.array(doc, &path)?.len() {
            let f = |key: &str| format!("{path}.{k}.player.{key}");
            players.push(PlayerRow {
                team: Some(team.to_owned()),
                name: p.str(doc, &f("name"))?.to_owned(),
                position: p.maybe_str(doc, &f("pos"))?.map(str::to_owned),
                shirt_number: p.maybe_int(doc, &f("number"))?,
                starter: Some(starter),
                ..PlayerRow::default()
            });
        }
    }
    Ok(players)
}

/// The league table (the first of `standings[]`, the whole league in a league season).
/// The API writes `form` most recent first; it is reversed to most recent last.
pub fn parse_standings(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    rows(&p, &doc)?;
    p.non_empty(&doc, "response.0.league.standings")?;
    let table = p.non_empty(&doc, "response.0.league.standings.0")?;
    (0..table.len()).map(|i| standing(&p, &doc, &format!("response.0.league.standings.0.{i}."))).collect()
}

fn standing(p: &Page, doc: &Value, at: &str) -> Result<StandingRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    Ok(StandingRow {
        position: p.int(doc, &f("rank"))?,
        team: p.str(doc, &f("team.name"))?.to_owned(),
        played: p.int(doc, &f("all.played"))?,
        won: p.int(doc, &f("all.win"))?,
        drawn: p.int(doc, &f("all.draw"))?,
        lost: p.int(doc, &f("all.lose"))?,
        goals_for: p.int(doc, &f("all.goals.for"))?,
        goals_against: p.int(doc, &f("all.goals.against"))?,
        points: p.int(doc, &f("points"))?,
        form: p.maybe_str(doc, &f("form"))?.map(|form| form.chars().rev().collect()),
        ..StandingRow::default()
    })
}

/// A team's squad (every team the response lists).
pub fn parse_squad(page: &str, body: &[u8]) -> Result<Vec<PlayerRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let teams = rows(&p, &doc)?;
    let mut players = Vec::new();
    for i in 0..teams.len() {
        let team = p.str(&doc, &format!("response.{i}.team.name"))?;
        let list = p.non_empty(&doc, &format!("response.{i}.players"))?;
        for k in 0..list.len() {
            let f = |key: &str| format!("response.{i}.players.{k}.{key}");
            players.push(PlayerRow {
                team: Some(team.to_owned()),
                name: p.str(&doc, &f("name"))?.to_owned(),
                position: p.maybe_str(&doc, &f("position"))?.map(str::to_owned),
                shirt_number: p.maybe_int(&doc, &f("number"))?,
                age: p.maybe_int(&doc, &f("age"))?,
                ..PlayerRow::default()
            });
        }
    }
    Ok(players)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::scrape::extract::edit_json;

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
        assert_eq!(
            fixture_events_url(BASE_URL, 653808),
            format!("{BASE_URL}/fixtures/events?fixture=653808")
        );
        assert_eq!(squad_url(BASE_URL, 173), format!("{BASE_URL}/players/squads?team=173"));
    }

    #[test]
    fn fixture_list() {
        let rows = parse_fixtures("bundesliga NS-PST", FIXTURES).unwrap();
        assert_eq!(rows.len(), 71);
        let scheduled =
            |id: &str, (m, d, h, min), round: &str, home: &str, away: &str, venue: &str| FixtureRow {
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
        assert_eq!(
            (r.source_id.as_deref(), r.round.as_deref()),
            (Some("1035134"), Some("Regular Season - 10"))
        );
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
        let row = |position,
                   team: &str,
                   (played, won, drawn, lost),
                   (goals_for, goals_against),
                   points,
                   form: &str| {
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
        let body =
            edit_json(FIXTURES, |v| v["errors"] = json!(["The Season field must contain 4 characters."]));
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
        assert_eq!(
            parse_standings("p", &body).unwrap_err().field,
            "response.0.league.standings.0.9.all.lose"
        );
        let body = edit_json(EVENTS, |v| v["response"][2]["type"] = json!(null));
        assert_eq!(parse_fixture_events("p", &body, DERBY).unwrap_err().field, "response.2.type");
    }
}
