//! A day's fixtures-list page (ScoresHub layout): per league a `div.league-block` with
//! its name and a table of `tr.match-row`s holding kick-off, status, teams, score, 1X2
//! odds and a link to the match.
//!
//! This is the page of the HTML-parsing peer benchmark (`bench/html/fixtures_page.html`,
//! 400 rows); [`parse_fixtures_page`] extracts exactly the records the peers extract
//! (`fixtures_expected.json`), so the Rust parser and BeautifulSoup, lxml and selectolax
//! are timed on the same work (`sources/examples/parse_bench.rs`).

use crate::MatchStatus;
use chrono::{DateTime, NaiveDate, Utc};
use scraper::{CaseSensitivity, ElementRef};
use serde::Serialize;

use crate::ParseError;
use crate::extract::{Page, text};
use crate::rows::FixtureRow;

const SITE: &str = "fixture_list";

/// One match row, field for field as the page has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FixtureListRow {
    pub id: u64,
    pub league: String,
    /// `FT`, `HT`, `LIVE`, `NS`, `POSTP`.
    pub status: String,
    pub kickoff: DateTime<Utc>,
    pub home: String,
    pub away: String,
    pub home_score: Option<i32>,
    pub away_score: Option<i32>,
    /// Home, draw, away.
    pub odds: Vec<f64>,
    /// Relative link to the match page.
    pub url: String,
}

impl FixtureListRow {
    /// The row as a source-neutral fixture.
    pub fn fixture(&self) -> FixtureRow {
        FixtureRow {
            source_id: Some(self.id.to_string()),
            competition: Some(self.league.clone()),
            kickoff: Some(self.kickoff),
            home: self.home.clone(),
            away: self.away.clone(),
            status: status(&self.status),
            home_goals: self.home_score,
            away_goals: self.away_score,
            ..FixtureRow::default()
        }
    }
}

/// The page's status codes; unknown codes count as scheduled.
pub fn status(code: &str) -> MatchStatus {
    match code {
        "FT" | "AET" | "PEN" => MatchStatus::Finished,
        "LIVE" | "HT" | "1H" | "2H" | "ET" => MatchStatus::Live,
        "POSTP" => MatchStatus::Postponed,
        "CANC" | "ABD" => MatchStatus::Cancelled,
        _ => MatchStatus::Scheduled,
    }
}

/// The fixtures of one day (`{base}/fixtures/2025-06-14`).
pub fn fixtures_url(base: &str, date: NaiveDate) -> String {
    format!("{}/fixtures/{}", base.trim_end_matches('/'), date.format("%Y-%m-%d"))
}

/// Every match row of the page, league by league in page order.
pub fn parse_fixtures_page(page: &str, body: &[u8]) -> Result<Vec<FixtureListRow>, ParseError> {
    let p = Page::new(SITE, page);
    let html = p.html(body)?;
    let row_sel = p.selector("tr.match-row")?;
    let mut rows = Vec::new();
    for block in p.select_all(html.root_element(), "div.league-block")? {
        let league = text(p.select_one(block, "h2.league-name")?);
        for tr in block.select(&row_sel) {
            let row = match_row(&p, tr, &league).map_err(|e| ParseError {
                field: format!("tr.match-row[{}] {}", rows.len(), e.field),
                ..e
            })?;
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(p.err("tr.match-row", "no match row"));
    }
    Ok(rows)
}

/// The cells of one row, found by class in one pass over the row's children.
#[derive(Default)]
struct Cells<'a> {
    time: Option<ElementRef<'a>>,
    home: Option<ElementRef<'a>>,
    score: Option<ElementRef<'a>>,
    away: Option<ElementRef<'a>>,
    odds: Option<ElementRef<'a>>,
    more: Option<ElementRef<'a>>,
}

fn cells(tr: ElementRef<'_>) -> Cells<'_> {
    let mut c = Cells::default();
    for td in tr.child_elements().filter(|e| e.value().name() == "td") {
        let has = |class: &str| td.value().has_class(class, CaseSensitivity::CaseSensitive);
        let slot = if has("time") {
            &mut c.time
        } else if has("home") {
            &mut c.home
        } else if has("away") {
            &mut c.away
        } else if has("score") {
            &mut c.score
        } else if has("odds") {
            &mut c.odds
        } else if has("more") {
            &mut c.more
        } else {
            continue;
        };
        slot.get_or_insert(td);
    }
    c
}

fn match_row(p: &Page, tr: ElementRef<'_>, league: &str) -> Result<FixtureListRow, ParseError> {
    let attr = |name: &str| tr.value().attr(name).ok_or_else(|| p.err(format!("[{name}]"), "missing"));
    let id = attr("data-id")?;
    let id = id.trim().parse().map_err(|_| p.err("[data-id]", format!("not an id: {id:?}")))?;
    let c = cells(tr);

    let time = need(p, c.time, "td.time")?;
    let kickoff = first_child(time, "time").and_then(|t| t.value().attr("datetime"));
    let kickoff = kickoff.ok_or_else(|| p.err("td.time time[datetime]", "missing"))?;
    let kickoff = DateTime::parse_from_rfc3339(kickoff)
        .map_err(|e| p.err("td.time time[datetime]", format!("not a time {kickoff:?}: {e}")))?
        .with_timezone(&Utc);

    let team = |cell: Option<ElementRef<'_>>, css: &str| -> Result<String, ParseError> {
        let a = first_child(need(p, cell, css)?, "a")
            .ok_or_else(|| p.err(format!("{css} a"), "no element matches"))?;
        Ok(text(a))
    };
    let home = team(c.home, "td.home")?;
    let away = team(c.away, "td.away")?;
    let (home_score, away_score) = score(p, &text(need(p, c.score, "td.score")?))?;

    let odds = need(p, c.odds, "td.odds")?
        .child_elements()
        .filter(|s| s.value().has_class("odd", CaseSensitivity::CaseSensitive))
        .map(|s| {
            let t = text(s);
            t.parse::<f64>().map_err(|_| p.err("td.odds span.odd", format!("not a price: {t:?}")))
        })
        .collect::<Result<Vec<f64>, ParseError>>()?;

    let more = need(p, c.more, "td.more")?;
    let url = first_child(more, "a").and_then(|a| a.value().attr("href"));
    let url = url.ok_or_else(|| p.err("td.more a[href]", "missing"))?.to_owned();

    Ok(FixtureListRow {
        id,
        league: league.to_owned(),
        status: attr("data-status")?.to_owned(),
        kickoff,
        home,
        away,
        home_score,
        away_score,
        odds,
        url,
    })
}

fn need<'a>(p: &Page, cell: Option<ElementRef<'a>>, css: &str) -> Result<ElementRef<'a>, ParseError> {
    cell.ok_or_else(|| p.err(css, "no element matches"))
}

fn first_child<'a>(e: ElementRef<'a>, name: &str) -> Option<ElementRef<'a>> {
    e.child_elements().find(|c| c.value().name() == name)
}

/// `4 - 0`, or `vs` (or anything without ` - `) before kick-off.
fn score(p: &Page, raw: &str) -> Result<(Option<i32>, Option<i32>), ParseError> {
    let Some((h, a)) = raw.split_once(" - ") else { return Ok((None, None)) };
    let goal =
        |g: &str| g.trim().parse::<i32>().map_err(|_| p.err("td.score", format!("not a score: {raw:?}")));
    Ok((Some(goal(h)?), Some(goal(a)?)))
}

#[cfg(test)]
mod tests;
