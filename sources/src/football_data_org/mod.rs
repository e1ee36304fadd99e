//! football-data.org's REST API v4 (`api.football-data.org/v4`, token in the
//! `X-Auth-Token` header).
//!
//! Pages parsed:
//! - competition matches, `competitions/{code}/matches` (optionally `?season=` and
//!   `?status=`): fixtures and results → [`FixtureRow`]s;
//! - competition standings, `competitions/{code}/standings`: the `TOTAL` table →
//!   [`StandingRow`]s.
//!
//! Seasons are labelled as the API names them: by their start year (`2025` for
//! 2025-26), the value its `season=` parameter takes.

use crate::MatchStatus;
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, opt, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{FixtureRow, StandingRow};

pub const SITE: &str = "football-data.org";
pub const BASE_URL: &str = "https://api.football-data.org";

/// `status` is a football-data.org status (`SCHEDULED`, `FINISHED`, ...) or several
/// joined by commas.
pub fn matches_url(base: &str, competition: &str, season: Option<u32>, status: Option<&str>) -> String {
    let query: Vec<String> = [season.map(|s| format!("season={s}")), status.map(|s| format!("status={s}"))]
        .into_iter()
        .flatten()
        .collect();
    with_query(format!("{base}/v4/competitions/{competition}/matches"), &query)
}

pub fn standings_url(base: &str, competition: &str, season: Option<u32>) -> String {
    let query: Vec<String> = season.map(|s| format!("season={s}")).into_iter().collect();
    with_query(format!("{base}/v4/competitions/{competition}/standings"), &query)
}

fn with_query(url: String, query: &[String]) -> String {
    if query.is_empty() { url } else { format!("{url}?{}", query.join("&")) }
}

/// A competition's matches.
pub fn parse_matches(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let matches = p.non_empty(&doc, "matches")?;
    (0..matches.len()).map(|i| fixture(&p, &doc, &format!("matches.{i}."))).collect()
}

/// The match at `at` (`matches.3.`), read from the document root so errors name it.
fn fixture(p: &Page, doc: &Value, at: &str) -> Result<FixtureRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    let status = p.str(doc, &f("status"))?;
    let (home_goals, away_goals) = final_score(p, doc, at)?;
    let round = match p.maybe_int::<i64>(doc, &f("matchday"))? {
        Some(day) => Some(day.to_string()),
        // Knock-out rounds have no matchday, only a stage (`QUARTER_FINALS`).
        None => p.maybe_str(doc, &f("stage"))?.map(str::to_owned),
    };
    Ok(FixtureRow {
        source_id: Some(p.i64(doc, &f("id"))?.to_string()),
        competition: p.maybe_str(doc, &f("competition.name"))?.map(str::to_owned),
        season: p.maybe_str(doc, &f("season.startDate"))?.and_then(|d| d.get(..4)).map(str::to_owned),
        round,
        kickoff: Some(p.time(doc, &f("utcDate"))?),
        home: p.str(doc, &f("homeTeam.name"))?.to_owned(),
        away: p.str(doc, &f("awayTeam.name"))?.to_owned(),
        status: status_of(status).ok_or_else(|| p.err(f("status"), format!("unknown status {status:?}")))?,
        home_goals,
        away_goals,
        ht_home_goals: p.maybe_int(doc, &f("score.halfTime.home"))?,
        ht_away_goals: p.maybe_int(doc, &f("score.halfTime.away"))?,
        venue: p.maybe_str(doc, &f("venue"))?.map(str::to_owned),
        referee: referee(doc, &f("referees")),
        ..FixtureRow::default()
    })
}

/// The score after extra time. After a shoot-out `fullTime` also counts the shoot-out
/// goals, so the score is rebuilt from `regularTime` and `extraTime` when they are given.
fn final_score(p: &Page, doc: &Value, at: &str) -> Result<(Option<i32>, Option<i32>), ParseError> {
    let side = |side: &str| -> Result<Option<i32>, ParseError> {
        let part = |name: &str| p.maybe_int::<i32>(doc, &format!("{at}score.{name}.{side}"));
        match part("regularTime")? {
            Some(regular) => Ok(Some(regular + part("extraTime")?.unwrap_or(0))),
            None => part("fullTime"),
        }
    };
    Ok((side("home")?, side("away")?))
}

/// The main official; `referees[]` also lists assistants and VARs.
fn referee(doc: &Value, path: &str) -> Option<String> {
    let officials = opt(doc, path)?.as_array()?;
    officials
        .iter()
        .find(|r| opt_str(r, "type") == Some("REFEREE"))
        .and_then(|r| opt_str(r, "name"))
        .map(str::to_owned)
}

/// football-data.org's match status. Unknown statuses are refused rather than guessed.
fn status_of(status: &str) -> Option<MatchStatus> {
    Some(match status {
        "SCHEDULED" | "TIMED" => MatchStatus::Scheduled,
        "IN_PLAY" | "PAUSED" | "EXTRA_TIME" | "PENALTY_SHOOTOUT" | "LIVE" => MatchStatus::Live,
        "FINISHED" | "AWARDED" => MatchStatus::Finished,
        // A suspended match is to be completed another day.
        "POSTPONED" | "SUSPENDED" => MatchStatus::Postponed,
        "CANCELLED" => MatchStatus::Cancelled,
        _ => return None,
    })
}

/// The `TOTAL` table (home and away tables are left out; in a group stage, the first
/// group's). `form` is not read: the order of its letters is not documented, and the
/// recorded table has none.
pub fn parse_standings(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.json(body)?;
    let tables = p.non_empty(&doc, "standings")?;
    let i = tables
        .iter()
        .position(|t| opt_str(t, "type") == Some("TOTAL"))
        .ok_or_else(|| p.err("standings.type", "no TOTAL table"))?;
    let rows = p.non_empty(&doc, &format!("standings.{i}.table"))?;
    (0..rows.len()).map(|r| standing(&p, &doc, &format!("standings.{i}.table.{r}."))).collect()
}

fn standing(p: &Page, doc: &Value, at: &str) -> Result<StandingRow, ParseError> {
    let f = |k: &str| format!("{at}{k}");
    Ok(StandingRow {
        position: p.int(doc, &f("position"))?,
        team: p.str(doc, &f("team.name"))?.to_owned(),
        played: p.int(doc, &f("playedGames"))?,
        won: p.int(doc, &f("won"))?,
        drawn: p.int(doc, &f("draw"))?,
        lost: p.int(doc, &f("lost"))?,
        goals_for: p.int(doc, &f("goalsFor"))?,
        goals_against: p.int(doc, &f("goalsAgainst"))?,
        points: p.int(doc, &f("points"))?,
        ..StandingRow::default()
    })
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "standings", parser: Parser::Standings(parse_standings) },
    PageDef { page: "matches", parser: Parser::Fixtures(parse_matches) },
];

#[cfg(test)]
mod tests;
