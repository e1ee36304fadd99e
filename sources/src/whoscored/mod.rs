//! WhoScored (whoscored.com): Opta-fed fixtures and tables. Parses the monthly fixtures
//! feed of a tournament stage (JSON) and the league table on a season page (HTML, as a
//! browser renders it).

use crate::MatchStatus;
use scraper::ElementRef;
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, as_i64, opt, opt_i64, opt_str, text};
use crate::pages::{PageDef, Parser};
use crate::rows::{FixtureRow, StandingRow};

const SITE: &str = "whoscored";

/// The table body of the overall standings; `custom-standings-…` and `forms-…` grids
/// hold other views.
const TABLE_BODY: &str = "tbody[id^=\"standings-\"][id$=\"-content\"]";

/// One month of a stage's fixtures: `{base}/tournaments/18685/data/?d=202101`.
pub fn fixtures_url(base: &str, stage_id: u32, year: i32, month: u32) -> String {
    format!("{base}/tournaments/{stage_id}/data/?d={year}{month:02}")
}

/// A season page with the league table: `{base}/Regions/252/Tournaments/2/Seasons/8228`.
pub fn season_url(base: &str, region_id: u32, tournament_id: u32, season_id: u32) -> String {
    format!("{base}/Regions/{region_id}/Tournaments/{tournament_id}/Seasons/{season_id}")
}

/// Every match of every tournament in the feed (`tournaments[].matches[]`).
pub fn parse_fixtures(page: &str, body: &[u8]) -> Result<Vec<FixtureRow>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    let mut out = Vec::new();
    for (t, tournament) in p.array(&v, "tournaments")?.iter().enumerate() {
        let competition = opt_str(tournament, "tournamentName").map(str::to_owned);
        let season = opt_str(tournament, "seasonName").map(str::to_owned);
        let matches = format!("tournaments.{t}.matches");
        for m in 0..p.array(&v, &matches)?.len() {
            let mut row = fixture(&p, &v, &format!("{matches}.{m}"))?;
            row.competition.clone_from(&competition);
            row.season.clone_from(&season);
            out.push(row);
        }
    }
    if out.is_empty() {
        return Err(p.err("tournaments.0.matches", "no matches"));
    }
    Ok(out)
}

/// The overall league table (`tbody#standings-<stageId>-content`), with the last six
/// results as form, oldest first.
pub fn parse_table(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(body)?;
    let tbody = p.select_one(doc.root_element(), TABLE_BODY)?;
    p.select_all(tbody, "tr[data-team-id]")?
        .into_iter()
        .enumerate()
        .map(|(i, tr)| standing(&p, tr, i + 1))
        .collect()
}

fn fixture(p: &Page<'_>, v: &Value, path: &str) -> Result<FixtureRow, ParseError> {
    let at = |key: &str| format!("{path}.{key}");
    let home_goals = goals(p, v, &at("homeScore"))?;
    let away_goals = goals(p, v, &at("awayScore"))?;
    let scored = home_goals.is_some() && away_goals.is_some();
    let elapsed = opt_str(v, &at("elapsed"));
    Ok(FixtureRow {
        source_id: Some(p.i64(v, &at("id"))?.to_string()),
        kickoff: Some(p.time(v, &at("startTimeUtc"))?),
        home: p.str(v, &at("homeTeamName"))?.to_owned(),
        away: p.str(v, &at("awayTeamName"))?.to_owned(),
        status: status(elapsed, opt_i64(v, &at("status")), scored),
        home_goals,
        away_goals,
        ..FixtureRow::default()
    })
}

/// A score that may be null (not played yet) but, when there, is an integer.
fn goals(p: &Page<'_>, v: &Value, path: &str) -> Result<Option<i32>, ParseError> {
    let Some(raw) = opt(v, path) else { return Ok(None) };
    let n = as_i64(raw).ok_or_else(|| p.err(path, format!("not an integer: {raw}")))?;
    i32::try_from(n).map(Some).map_err(|_| p.err(path, format!("out of range: {n}")))
}

/// From `elapsed`, the label WhoScored shows (`FT`, `HT`, `67'`, `Post`, `Can`…). Without
/// a known label, status code 6 is full time (as every finished match in the recorded
/// feed has it), a running score means live, and no score means not started.
fn status(elapsed: Option<&str>, code: Option<i64>, scored: bool) -> MatchStatus {
    let label = elapsed.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    match label.as_str() {
        "ft" | "aet" | "pen" => MatchStatus::Finished,
        "post" | "susp" => MatchStatus::Postponed,
        "can" | "abd" => MatchStatus::Cancelled,
        "ht" | "et1" | "et2" => MatchStatus::Live,
        l if !l.is_empty() && l.trim_end_matches(['\'', '+']).parse::<u32>().is_ok() => MatchStatus::Live,
        _ if code == Some(6) => MatchStatus::Finished,
        _ if scored => MatchStatus::Live,
        _ => MatchStatus::Scheduled,
    }
}

fn standing(p: &Page<'_>, tr: ElementRef<'_>, n: usize) -> Result<StandingRow, ParseError> {
    let field = |css: &str| format!("{TABLE_BODY} > tr:nth-of-type({n}) {css}");
    let cell = |css: &str| -> Result<String, ParseError> {
        p.select_one(tr, css).map(text).map_err(|e| p.err(field(css), e.reason))
    };
    let num = |css: &str| -> Result<u32, ParseError> { p.num(&field(css), &cell(css)?) };
    let team = cell("a.team-link")?;
    if team.is_empty() {
        return Err(p.err(field("a.team-link"), "empty"));
    }
    Ok(StandingRow {
        position: num("span.box")?,
        team,
        played: num("td.p")?,
        won: num("td.w")?,
        drawn: num("td.d")?,
        lost: num("td.l")?,
        goals_for: num("td.gf")?,
        goals_against: num("td.ga")?,
        points: p.num(&field("td.pts"), &cell("td.pts")?)?,
        form: form(p, tr, &field("td.form a.box"))?,
        xg_for: None,
        xg_against: None,
    })
}

/// `w`/`d`/`l` boxes, oldest first, as `WWLWLW`.
fn form(p: &Page<'_>, tr: ElementRef<'_>, field: &str) -> Result<Option<String>, ParseError> {
    let mut out = String::new();
    for b in tr.select(&p.selector("td.form a.box")?) {
        match text(b).as_str() {
            "w" | "W" => out.push('W'),
            "d" | "D" => out.push('D'),
            "l" | "L" => out.push('L'),
            other => return Err(p.err(field, format!("not a result: {other:?}"))),
        }
    }
    Ok(Some(out).filter(|f| !f.is_empty()))
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "table", parser: Parser::Standings(parse_table) },
    PageDef { page: "fixtures", parser: Parser::Fixtures(parse_fixtures) },
];

#[cfg(test)]
mod tests;
