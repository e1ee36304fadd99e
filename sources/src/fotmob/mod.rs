//! FotMob's web API (`www.fotmob.com/api/…`): a league's overview (`leagues?id=`), from
//! which the season's fixture list and the league table are read, and one match's
//! details (`matchDetails?matchId=`: score, team stats with xG, shotmap, events,
//! line-ups).

use crate::MatchStatus;
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, as_f64, as_i64, opt, opt_i64, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{
    EventKind, EventRow, FixtureRow, MatchDetail, PlayerRow, ShotRow, Side, StandingRow, TeamStatsRow,
};

const SITE: &str = "fotmob";

/// FotMob's shotmap coordinates are metres on a 105 × 68 pitch.
const PITCH_LENGTH: f64 = 105.0;
const PITCH_WIDTH: f64 = 68.0;

/// A league's overview, for the current season or `season` (`2025/2026`):
/// `https://www.fotmob.com/api/leagues?id=87&season=2025%2F2026`
pub fn league_url(base: &str, league: u32, season: Option<&str>) -> String {
    let base = base.trim_end_matches('/');
    match season {
        Some(s) => {
            format!("{base}/api/leagues?id={league}&season={}", s.replace('/', "%2F").replace(' ', "%20"))
        }
        None => format!("{base}/api/leagues?id={league}"),
    }
}

/// `https://www.fotmob.com/api/matchDetails?matchId=3424045`
pub fn match_details_url(base: &str, match_id: u64) -> String {
    format!("{}/api/matchDetails?matchId={match_id}", base.trim_end_matches('/'))
}

/// The season's fixtures of a league overview (`matches.allMatches[]`).
pub fn parse_league_fixtures(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let matches = p.array(&root, "matches.allMatches")?;
    if matches.is_empty() {
        return Err(p.err("matches.allMatches", "no match"));
    }
    let competition = opt_str(&root, "details.name").map(str::to_owned);
    let season = opt_str(&root, "details.selectedSeason").map(str::to_owned);
    (0..matches.len())
        .map(|i| {
            let path = format!("matches.allMatches.{i}");
            let status = status(&p, &root, &format!("{path}.status"))?;
            let (home_goals, away_goals) = match status {
                MatchStatus::Live | MatchStatus::Finished => score(&root, &format!("{path}.status.scoreStr")),
                _ => (None, None),
            };
            Ok(FixtureRow {
                source_id: Some(id(&p, &root, &format!("{path}.id"))?),
                competition: competition.clone(),
                season: season.clone(),
                round: opt(&root, &format!("{path}.round")).map(plain),
                kickoff: Some(p.time(&root, &format!("{path}.status.utcTime"))?),
                home: p.str(&root, &format!("{path}.home.name"))?.to_owned(),
                away: p.str(&root, &format!("{path}.away.name"))?.to_owned(),
                status,
                home_goals,
                away_goals,
                ..FixtureRow::default()
            })
        })
        .collect()
}

/// The overall league table of a league overview (`table[0].data.table.all[]`).
pub fn parse_league_table(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let all = "table.0.data.table.all";
    let rows = p.array(&root, all)?;
    if rows.is_empty() {
        return Err(p.err(all, "no team"));
    }
    (0..rows.len())
        .map(|i| {
            let path = format!("{all}.{i}");
            let count = |key: &str| count(&p, &root, &format!("{path}.{key}"));
            let (goals_for, goals_against) = goals_for_against(&p, &root, &format!("{path}.scoresStr"))?;
            Ok(StandingRow {
                position: count("idx")?,
                team: p.str(&root, &format!("{path}.name"))?.to_owned(),
                played: count("played")?,
                won: count("wins")?,
                drawn: count("draws")?,
                lost: count("losses")?,
                goals_for,
                goals_against,
                points: i32_at(&p, &root, &format!("{path}.pts"))?,
                ..StandingRow::default()
            })
        })
        .collect()
}

/// A match's details: the fixture from `general` and `header`, stats from
/// `content.stats.Periods.All`, shots from `content.shotmap.shots`, events from
/// `content.matchFacts.events.events` and line-ups from `content.lineup`. All but the
/// fixture are optional.
pub fn parse_match_details(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let status = status(&p, &root, "header.status")?;
    let played = matches!(status, MatchStatus::Live | MatchStatus::Finished);
    let goals = |k: usize| {
        if played { opt_i64(&root, &format!("header.teams.{k}.score")).and_then(to_i32) } else { None }
    };
    let (ht_home_goals, ht_away_goals) = half_time(&root);
    let mut fixture = FixtureRow {
        source_id: Some(id(&p, &root, "general.matchId")?),
        competition: opt_str(&root, "general.leagueName").map(str::to_owned),
        round: opt(&root, "general.matchRound").map(plain),
        kickoff: Some(p.time(&root, "general.matchTimeUTCDate")?),
        home: p.str(&root, "header.teams.0.name")?.to_owned(),
        away: p.str(&root, "header.teams.1.name")?.to_owned(),
        status,
        home_goals: goals(0),
        away_goals: goals(1),
        ht_home_goals,
        ht_away_goals,
        venue: opt_str(&root, "content.matchFacts.infoBox.Stadium.name").map(str::to_owned),
        referee: opt_str(&root, "content.matchFacts.infoBox.Referee.text").map(str::to_owned),
        ..FixtureRow::default()
    };
    let stats = team_stats(&p, &root, &fixture)?;
    fixture.home_xg = stats.iter().find(|s| s.side == Side::Home).and_then(|s| s.xg);
    fixture.away_xg = stats.iter().find(|s| s.side == Side::Away).and_then(|s| s.xg);
    let shots = shots(&p, &root)?;
    let events = events(&p, &root)?;
    let lineups = lineups(&p, &root)?;
    Ok(MatchDetail { fixture, stats, events, shots, odds: Vec::new(), lineups })
}

/// `status.{started, finished, cancelled}`; a cancelled match whose reason reads
/// "Postponed" (`PP`) is postponed.
fn status(p: &Page, root: &Value, path: &str) -> Result<MatchStatus, ParseError> {
    let flag = |key: &str| -> Result<bool, ParseError> {
        let field = format!("{path}.{key}");
        p.get(root, &field)?.as_bool().ok_or_else(|| p.err(field, "not a boolean"))
    };
    if opt(root, &format!("{path}.cancelled")).and_then(Value::as_bool) == Some(true) {
        let reason = [format!("{path}.reason.short"), format!("{path}.reason.long")]
            .iter()
            .filter_map(|r| opt_str(root, r))
            .any(|r| r == "PP" || r.to_ascii_lowercase().contains("postpone"));
        return Ok(if reason { MatchStatus::Postponed } else { MatchStatus::Cancelled });
    }
    Ok(match (flag("started")?, flag("finished")?) {
        (_, true) => MatchStatus::Finished,
        (true, false) => MatchStatus::Live,
        (false, false) => MatchStatus::Scheduled,
    })
}

/// An id FotMob writes as a string or a number.
fn id(p: &Page, root: &Value, path: &str) -> Result<String, ParseError> {
    match p.get(root, path)? {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(p.err(path, "not an id")),
    }
}

/// A string or number as text (`"1"` or `1` → `1`).
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `"2 - 1"` → (2, 1). FotMob writes a played match's score only in this string.
fn score(root: &Value, path: &str) -> (Option<i32>, Option<i32>) {
    let Some((h, a)) = opt_str(root, path).and_then(|s| s.split_once('-')) else {
        return (None, None);
    };
    (h.trim().parse().ok(), a.trim().parse().ok())
}

/// `"GF-GA"` of a table row.
fn goals_for_against(p: &Page, root: &Value, path: &str) -> Result<(u32, u32), ParseError> {
    let raw = p.str(root, path)?;
    raw.split_once('-')
        .and_then(|(f, a)| Some((f.trim().parse().ok()?, a.trim().parse().ok()?)))
        .ok_or_else(|| p.err(path, format!("not goals for-against: {raw:?}")))
}

fn count(p: &Page, root: &Value, path: &str) -> Result<u32, ParseError> {
    u32::try_from(p.i64(root, path)?).map_err(|_| p.err(path, "not a count"))
}

fn i32_at(p: &Page, root: &Value, path: &str) -> Result<i32, ParseError> {
    to_i32(p.i64(root, path)?).ok_or_else(|| p.err(path, "out of range"))
}

fn to_i32(n: i64) -> Option<i32> {
    i32::try_from(n).ok()
}

/// The score at the `Half` event marked `HT`.
fn half_time(root: &Value) -> (Option<i32>, Option<i32>) {
    let events = opt(root, "content.matchFacts.events.events").and_then(Value::as_array);
    let Some(ht) = events.into_iter().flatten().find(|e| opt_str(e, "halfStrShort") == Some("HT")) else {
        return (None, None);
    };
    (opt_i64(ht, "homeScore").and_then(to_i32), opt_i64(ht, "awayScore").and_then(to_i32))
}

/// `content.stats.Periods.All.stats[]` are groups ("Top stats", "Shots", …) of items
/// `{key, stats: [home, away]}`; a key may repeat across groups with the same values.
fn team_stats(p: &Page, root: &Value, fixture: &FixtureRow) -> Result<Vec<TeamStatsRow>, ParseError> {
    let Some(groups) = opt(root, "content.stats.Periods.All.stats").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let items: Vec<&Value> =
        groups.iter().filter_map(|g| opt(g, "stats").and_then(Value::as_array)).flatten().collect();
    if items.is_empty() {
        return Err(p.err("content.stats.Periods.All.stats", "no stat"));
    }
    let value = |key: &str, k: usize| {
        items.iter().filter(|s| opt_str(s, "key") == Some(key)).find_map(|s| opt(s, &format!("stats.{k}")))
    };
    // Counts may read "298 (81%)": the number before the bracket.
    let count = |key: &str, k: usize| {
        value(key, k).and_then(|v| match v {
            Value::String(s) => s.split_whitespace().next().and_then(|n| n.parse().ok()),
            other => as_i64(other).and_then(to_i32),
        })
    };
    Ok([(Side::Home, &fixture.home, 0), (Side::Away, &fixture.away, 1)]
        .into_iter()
        .map(|(side, team, k)| TeamStatsRow {
            side,
            team: team.clone(),
            possession: value("BallPossesion", k).and_then(as_f64),
            shots: count("total_shots", k),
            shots_on_target: count("ShotsOnTarget", k),
            corners: count("corners", k),
            fouls: count("fouls", k),
            yellow_cards: count("yellow_cards", k),
            red_cards: count("red_cards", k),
            xg: value("expected_goals", k).and_then(as_f64),
        })
        .collect())
}

/// `content.shotmap.shots[]`, the side told by `teamId`. Coordinates become 0–1 of the
/// pitch's length (towards the goal attacked) and width, as FotMob orients them.
fn shots(p: &Page, root: &Value) -> Result<Vec<ShotRow>, ParseError> {
    let Some(list) = opt(root, "content.shotmap.shots").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let home_id = p.i64(root, "general.homeTeam.id")?;
    (0..list.len())
        .map(|i| {
            let path = format!("content.shotmap.shots.{i}");
            let at = |key: &str| format!("{path}.{key}");
            Ok(ShotRow {
                minute: count(p, root, &at("min"))?,
                side: if p.i64(root, &at("teamId"))? == home_id { Side::Home } else { Side::Away },
                player: p.str(root, &at("playerName"))?.to_owned(),
                xg: p.f64(root, &at("expectedGoals"))?,
                x: opt(root, &at("x")).and_then(as_f64).map(|x| x / PITCH_LENGTH),
                y: opt(root, &at("y")).and_then(as_f64).map(|y| y / PITCH_WIDTH),
                result: p.str(root, &at("eventType"))?.to_owned(),
                situation: opt_str(root, &at("situation")).map(str::to_owned),
            })
        })
        .collect()
}

/// Match-facts events of a team (`isHome` set); period markers and added-time notes
/// have none and are skipped.
fn events(p: &Page, root: &Value) -> Result<Vec<EventRow>, ParseError> {
    let Some(list) = opt(root, "content.matchFacts.events.events").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let Some(is_home) = opt(e, "isHome").and_then(Value::as_bool) else { continue };
        let path = format!("content.matchFacts.events.events.{i}");
        let kind_text = p.str(root, &format!("{path}.type"))?;
        let kind = event_kind(kind_text, e);
        let name = |rel: &str| opt_str(e, rel).map(str::to_owned);
        // A substitution's `swap` lists the player coming on first.
        let (player, other_player) = match kind {
            EventKind::Substitution => (name("swap.1.name"), name("swap.0.name")),
            _ => (name("player.name").or_else(|| name("nameStr")), name("assistInput")),
        };
        rows.push(EventRow {
            minute: count(p, root, &format!("{path}.time"))?,
            extra_minute: opt_i64(e, "overloadTime").and_then(|x| u32::try_from(x).ok()).filter(|x| *x > 0),
            side: if is_home { Side::Home } else { Side::Away },
            kind,
            player,
            other_player,
        });
    }
    Ok(rows)
}

fn event_kind(kind: &str, e: &Value) -> EventKind {
    let mentions_penalty = ["goalDescription", "suffix"]
        .iter()
        .filter_map(|k| opt_str(e, k))
        .any(|s| s.to_ascii_lowercase().starts_with("pen"));
    match kind {
        "Goal" if opt(e, "ownGoal").and_then(Value::as_bool) == Some(true) => EventKind::OwnGoal,
        "Goal" if mentions_penalty => EventKind::PenaltyGoal,
        "Goal" => EventKind::Goal,
        "MissedPenalty" => EventKind::MissedPenalty,
        "Substitution" => EventKind::Substitution,
        "Card" => match opt_str(e, "card") {
            Some("Yellow") => EventKind::YellowCard,
            Some("Red") => EventKind::RedCard,
            Some("YellowRed") => EventKind::SecondYellow,
            other => EventKind::Other(format!("Card {}", other.unwrap_or_default())),
        },
        other => EventKind::Other(other.to_owned()),
    }
}

/// `content.lineup.{homeTeam, awayTeam}.{starters, subs}[]`. The position is the
/// player's usual role (`usualPlayingPositionId` 0–3).
fn lineups(p: &Page, root: &Value) -> Result<Vec<PlayerRow>, ParseError> {
    let mut rows = Vec::new();
    for team_key in ["homeTeam", "awayTeam"] {
        let team_path = format!("content.lineup.{team_key}");
        let Some(team) = opt(root, &team_path) else { continue };
        let team_name = opt_str(team, "name").map(str::to_owned);
        for (group, starter) in [("starters", true), ("subs", false)] {
            let players = opt(team, group).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            for (j, player) in players.iter().enumerate() {
                rows.push(PlayerRow {
                    team: team_name.clone(),
                    name: p.str(root, &format!("{team_path}.{group}.{j}.name"))?.to_owned(),
                    position: opt_i64(player, "usualPlayingPositionId").and_then(role).map(str::to_owned),
                    shirt_number: opt_i64(player, "shirtNumber").and_then(|n| u32::try_from(n).ok()),
                    starter: Some(starter),
                    ..PlayerRow::default()
                });
            }
        }
    }
    Ok(rows)
}

fn role(id: i64) -> Option<&'static str> {
    match id {
        0 => Some("Goalkeeper"),
        1 => Some("Defender"),
        2 => Some("Midfielder"),
        3 => Some("Forward"),
        _ => None,
    }
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "match", parser: Parser::Match(parse_match_details) },
    PageDef { page: "table", parser: Parser::Standings(parse_league_table) },
    PageDef { page: "league", parser: Parser::Fixtures(parse_league_fixtures) },
];

#[cfg(test)]
mod tests;
