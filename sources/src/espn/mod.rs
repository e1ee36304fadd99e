//! ESPN's public site API (`site.api.espn.com/apis/site/v2/sports/soccer/…`): the
//! scoreboard of one league on one date (fixtures and results), and the summary of one
//! match (score, box-score team stats, key events, odds from the providers ESPN shows,
//! line-ups).

use crate::{Market, MatchStatus};
use chrono::NaiveDate;
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, as_f64, as_i64, opt, opt_f64, opt_i64, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{EventKind, EventRow, FixtureRow, MatchDetail, OddsRow, PlayerRow, Side, TeamStatsRow};

const SITE: &str = "espn";

/// The day's matches of one league: `league` is ESPN's slug (`ita.1`, `eng.1`).
/// `https://site.api.espn.com/apis/site/v2/sports/soccer/ita.1/scoreboard?dates=20190825`
pub fn scoreboard_url(base: &str, league: &str, date: NaiveDate) -> String {
    format!(
        "{}/apis/site/v2/sports/soccer/{league}/scoreboard?dates={}",
        base.trim_end_matches('/'),
        date.format("%Y%m%d")
    )
}

/// One match's summary: `https://site.api.espn.com/apis/site/v2/sports/soccer/ita.1/summary?event=554204`
pub fn summary_url(base: &str, league: &str, event: u64) -> String {
    format!("{}/apis/site/v2/sports/soccer/{league}/summary?event={event}", base.trim_end_matches('/'))
}

/// The fixtures of a scoreboard (`events[]`). A date without matches is answered with
/// an empty `events` array, which is a true answer and gives no rows.
pub fn parse_scoreboard(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let events = p.array(&root, "events")?;
    let competition = opt_str(&root, "leagues.0.name").map(str::to_owned);
    (0..events.len())
        .map(|i| {
            let path = format!("events.{i}.competitions.0");
            let mut row = fixture(&p, &root, &path)?;
            row.competition.clone_from(&competition);
            row.season = opt_i64(&root, &format!("events.{i}.season.year")).map(|y| y.to_string());
            Ok(row)
        })
        .collect()
}

/// A match summary: the fixture from `header.competitions[0]`, team stats from
/// `boxscore.teams[]`, events from `keyEvents[]`, odds from `odds[]` and line-ups from
/// `rosters[]`. Everything but the fixture is optional: before kick-off ESPN has none.
pub fn parse_summary(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let root = p.json(body)?;
    let mut fixture = fixture(&p, &root, "header.competitions.0")?;
    fixture.competition = opt_str(&root, "header.league.name").map(str::to_owned);
    fixture.season = opt_i64(&root, "header.season.year").map(|y| y.to_string());
    fixture.venue = opt_str(&root, "gameInfo.venue.fullName").map(str::to_owned);
    let stats = team_stats(&p, &root)?;
    let events = events(&p, &root)?;
    let odds = odds(&p, &root)?;
    let lineups = lineups(&p, &root)?;
    Ok(MatchDetail { fixture, stats, events, shots: Vec::new(), odds, lineups })
}

/// A fixture from a competition object (`competitors[]`, `status.type`, `date`, `id`),
/// which the scoreboard and the summary share.
fn fixture(p: &Page, root: &Value, path: &str) -> Result<FixtureRow, ParseError> {
    let status = status(p, root, &format!("{path}.status.type"))?;
    let (home_path, home) = competitor(p, root, path, "home")?;
    let (away_path, away) = competitor(p, root, path, "away")?;
    // ESPN writes "0" for matches not yet played: scores count only once started.
    let played = matches!(status, MatchStatus::Live | MatchStatus::Finished);
    let goals = |c: &Value, rel: &str| if played { opt_i64(c, rel).and_then(to_i32) } else { None };
    Ok(FixtureRow {
        source_id: Some(p.str(root, &format!("{path}.id"))?.to_owned()),
        kickoff: Some(p.time(root, &format!("{path}.date"))?),
        home: p.str(root, &format!("{home_path}.team.displayName"))?.to_owned(),
        away: p.str(root, &format!("{away_path}.team.displayName"))?.to_owned(),
        status,
        home_goals: goals(home, "score"),
        away_goals: goals(away, "score"),
        ht_home_goals: goals(home, "linescores.0.displayValue"),
        ht_away_goals: goals(away, "linescores.0.displayValue"),
        venue: opt_str(root, &format!("{path}.venue.fullName")).map(str::to_owned),
        ..FixtureRow::default()
    })
}

/// The competitor whose `homeAway` is `side`, with its path.
fn competitor<'v>(
    p: &Page,
    root: &'v Value,
    path: &str,
    side: &str,
) -> Result<(String, &'v Value), ParseError> {
    let field = format!("{path}.competitors");
    p.array(root, &field)?
        .iter()
        .enumerate()
        .find(|(_, c)| opt_str(c, "homeAway") == Some(side))
        .map(|(k, c)| (format!("{field}.{k}"), c))
        .ok_or_else(|| p.err(field, format!("no {side} competitor")))
}

/// `status.type`: the name marks postponed and cancelled matches, the state
/// (`pre`/`in`/`post`) everything else.
fn status(p: &Page, root: &Value, path: &str) -> Result<MatchStatus, ParseError> {
    let name = opt_str(root, &format!("{path}.name")).unwrap_or_default();
    if name.contains("POSTPONED") {
        return Ok(MatchStatus::Postponed);
    }
    if ["CANCELED", "CANCELLED", "ABANDONED", "FORFEIT"].iter().any(|n| name.contains(n)) {
        return Ok(MatchStatus::Cancelled);
    }
    let field = format!("{path}.state");
    match p.str(root, &field)? {
        "pre" => Ok(MatchStatus::Scheduled),
        "in" => Ok(MatchStatus::Live),
        "post" => Ok(MatchStatus::Finished),
        other => Err(p.err(field, format!("unknown state {other:?}"))),
    }
}

fn side(p: &Page, root: &Value, path: &str) -> Result<Side, ParseError> {
    match p.str(root, path)? {
        "home" => Ok(Side::Home),
        "away" => Ok(Side::Away),
        other => Err(p.err(path, format!("neither home nor away: {other:?}"))),
    }
}

fn to_i32(n: i64) -> Option<i32> {
    i32::try_from(n).ok()
}

/// One row per `boxscore.teams[]` entry; its `statistics[]` are `{name, displayValue}`
/// pairs, all strings.
fn team_stats(p: &Page, root: &Value) -> Result<Vec<TeamStatsRow>, ParseError> {
    let Some(teams) = opt(root, "boxscore.teams").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (k, team) in teams.iter().enumerate() {
        let Some(stats) = opt(team, "statistics").and_then(Value::as_array).filter(|s| !s.is_empty()) else {
            continue;
        };
        let stat = |name: &str| {
            stats.iter().find(|s| opt_str(s, "name") == Some(name)).and_then(|s| opt(s, "displayValue"))
        };
        let count = |name: &str| stat(name).and_then(as_i64).and_then(to_i32);
        rows.push(TeamStatsRow {
            side: side(p, root, &format!("boxscore.teams.{k}.homeAway"))?,
            team: p.str(root, &format!("boxscore.teams.{k}.team.displayName"))?.to_owned(),
            possession: stat("possessionPct").and_then(as_f64),
            shots: count("totalShots"),
            shots_on_target: count("shotsOnTarget"),
            corners: count("wonCorners"),
            fouls: count("foulsCommitted"),
            yellow_cards: count("yellowCards"),
            red_cards: count("redCards"),
            xg: None,
        });
    }
    Ok(rows)
}

/// `keyEvents[]` that belong to a team (period markers such as "Kickoff" have none).
/// The side is the team ESPN lists the event under: for an own goal, the team credited
/// with the goal.
fn events(p: &Page, root: &Value) -> Result<Vec<EventRow>, ParseError> {
    let Some(list) = opt(root, "keyEvents").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let (home_path, _) = competitor(p, root, "header.competitions.0", "home")?;
    let home_id = p.str(root, &format!("{home_path}.team.id"))?;
    let mut rows = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let Some(team_id) = opt_str(e, "team.id") else { continue };
        let side = if team_id == home_id { Side::Home } else { Side::Away };
        let kind_text = p.str(root, &format!("keyEvents.{i}.type.text"))?;
        let clock_path = format!("keyEvents.{i}.clock.displayValue");
        let clock = p.str(root, &clock_path)?;
        let (minute, extra_minute) =
            parse_clock(clock).ok_or_else(|| p.err(&clock_path, format!("not a minute: {clock:?}")))?;
        let name = |k: usize| opt_str(e, &format!("participants.{k}.athlete.displayName")).map(str::to_owned);
        let kind = event_kind(kind_text);
        // A substitution lists the player coming on first, the player going off second.
        let (player, other_player) = match kind {
            EventKind::Substitution => (name(1), name(0)),
            _ => (name(0), name(1)),
        };
        rows.push(EventRow { minute, extra_minute, side, kind, player, other_player });
    }
    Ok(rows)
}

fn event_kind(text: &str) -> EventKind {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "own goal" => EventKind::OwnGoal,
        "penalty - scored" => EventKind::PenaltyGoal,
        "penalty - saved" | "penalty - missed" => EventKind::MissedPenalty,
        "yellow card" => EventKind::YellowCard,
        "red card" => EventKind::RedCard,
        "substitution" => EventKind::Substitution,
        // "Goal", "Goal - Header", "Goal - Free-kick", ...
        l if l.starts_with("goal") => EventKind::Goal,
        l if l.contains("second yellow") => EventKind::SecondYellow,
        _ => EventKind::Other(text.to_owned()),
    }
}

/// `10'` → (10, None); `45'+3'` → (45, Some(3)).
fn parse_clock(clock: &str) -> Option<(u32, Option<u32>)> {
    let mut parts = clock.split('+').map(|s| s.trim().trim_end_matches('\''));
    let minute = parts.next()?.parse().ok()?;
    let extra = match parts.next() {
        Some(x) => Some(x.parse().ok()?),
        None => None,
    };
    Some((minute, extra))
}

/// `odds[]`: per provider, the decimal 1X2 prices (`homeTeamOdds.odds.value`, …) where
/// ESPN has them, otherwise the American money lines (`homeTeamOdds.moneyLine`, …)
/// converted to decimal, and the over/under prices on `overUnder`. Missing prices are
/// skipped.
fn odds(p: &Page, root: &Value) -> Result<Vec<OddsRow>, ParseError> {
    let Some(list) = opt(root, "odds").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let bookmaker = p.str(root, &format!("odds.{i}.provider.name"))?;
        let mut push = |market: Market, selection: &str, line: f64, price: Option<f64>| {
            if let Some(price) = price.filter(|x| *x > 1.0) {
                rows.push(OddsRow {
                    bookmaker: bookmaker.to_owned(),
                    market,
                    selection: selection.to_owned(),
                    line,
                    price,
                    is_closing: false,
                    recorded_at: None,
                });
            }
        };
        // Decimal where ESPN gives it, else the American money line converted.
        let price = |decimal: &str, american: &str| {
            opt_f64(o, decimal).or_else(|| opt_f64(o, american).and_then(american_to_decimal))
        };
        push(Market::OneXTwo, "home", 0.0, price("homeTeamOdds.odds.value", "homeTeamOdds.moneyLine"));
        push(Market::OneXTwo, "draw", 0.0, price("drawOdds.value", "drawOdds.moneyLine"));
        push(Market::OneXTwo, "away", 0.0, price("awayTeamOdds.odds.value", "awayTeamOdds.moneyLine"));
        if let Some(line) = opt_f64(o, "overUnder") {
            push(Market::OverUnder, "over", line, opt_f64(o, "overOdds").and_then(american_to_decimal));
            push(Market::OverUnder, "under", line, opt_f64(o, "underOdds").and_then(american_to_decimal));
        }
    }
    Ok(rows)
}

/// +950 → 10.5, -400 → 1.25.
fn american_to_decimal(ml: f64) -> Option<f64> {
    if ml >= 100.0 {
        Some(1.0 + ml / 100.0)
    } else if ml <= -100.0 {
        Some(1.0 + 100.0 / -ml)
    } else {
        None
    }
}

/// `rosters[k].roster[]`: every player named for the match, `starter` marking the XI.
fn lineups(p: &Page, root: &Value) -> Result<Vec<PlayerRow>, ParseError> {
    let Some(rosters) = opt(root, "rosters").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (k, roster) in rosters.iter().enumerate() {
        let team = opt_str(roster, "team.displayName").map(str::to_owned);
        let players = opt(roster, "roster").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (j, player) in players.iter().enumerate() {
            rows.push(PlayerRow {
                team: team.clone(),
                name: p.str(root, &format!("rosters.{k}.roster.{j}.athlete.displayName"))?.to_owned(),
                position: opt_str(player, "position.name").map(str::to_owned),
                shirt_number: opt_i64(player, "jersey").and_then(|n| u32::try_from(n).ok()),
                starter: opt(player, "starter").and_then(Value::as_bool),
                ..PlayerRow::default()
            });
        }
    }
    Ok(rows)
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "summary", parser: Parser::Match(parse_summary) },
    PageDef { page: "scoreboard", parser: Parser::Fixtures(parse_scoreboard) },
];

#[cfg(test)]
mod tests;
