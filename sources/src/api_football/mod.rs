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

use crate::MatchStatus;
use chrono::NaiveDate;
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, opt, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{EventKind, EventRow, FixtureRow, MatchDetail, PlayerRow, Side, StandingRow, TeamStatsRow};

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

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "fixture_details", parser: Parser::Matches(parse_fixture_details) },
    PageDef { page: "standings", parser: Parser::Standings(parse_standings) },
    PageDef { page: "squad", parser: Parser::Squad(parse_squad) },
    PageDef { page: "fixtures", parser: Parser::Fixtures(parse_fixtures) },
];

#[cfg(test)]
mod tests;
