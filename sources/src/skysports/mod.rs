//! Sky Sports (skysports.com): league tables. Parses a competition's table page, with
//! the last six results as form.

use scraper::ElementRef;

use crate::ParseError;
use crate::extract::{Page, text};
use crate::pages::{PageDef, Parser};
use crate::rows::StandingRow;

const SITE: &str = "skysports";

const ROWS: &str = "table.standing-table__table tbody tr.standing-table__row";

/// The current table: `{base}/premier-league-table`.
pub fn table_url(base: &str, competition_slug: &str) -> String {
    format!("{base}/{competition_slug}-table")
}

/// A past season's table by its starting year: `{base}/premier-league-table/2020`.
pub fn season_table_url(base: &str, competition_slug: &str, season_start: u32) -> String {
    format!("{base}/{competition_slug}-table/{season_start}")
}

/// Every row of the first table on the page (the page may stack group tables).
pub fn parse_table(page: &str, body: &[u8]) -> Result<Vec<StandingRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(body)?;
    let table = p.select_one(doc.root_element(), "table.standing-table__table")?;
    let rows = p.select_all(table, "tbody tr.standing-table__row").map_err(|e| p.err(ROWS, e.reason))?;
    rows.into_iter().enumerate().map(|(i, tr)| standing(&p, tr, i + 1)).collect()
}

fn standing(p: &Page<'_>, tr: ElementRef<'_>, n: usize) -> Result<StandingRow, ParseError> {
    let field = |what: &str| format!("{ROWS}:nth-of-type({n}) {what}");
    let cells: Vec<ElementRef<'_>> = tr
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|c| c.value().name() == "td" && c.value().classes().any(|k| k == "standing-table__cell"))
        .collect();
    // Pos, team, Pl, W, D, L, F, A, GD, Pts, then the form cell.
    let num = |i: usize| -> Result<u32, ParseError> {
        let f = field(&format!("td.standing-table__cell:nth-of-type({})", i + 1));
        let cell = cells.get(i).ok_or_else(|| p.err(&f, "missing"))?;
        p.num(&f, &text(*cell))
    };
    let name_field = field("td.standing-table__cell--name");
    let name_cell = cells.get(1).ok_or_else(|| p.err(&name_field, "missing"))?;
    let team = name_cell
        .value()
        .attr("data-long-name")
        .map(str::to_owned)
        .unwrap_or_else(|| text(*name_cell))
        .trim()
        .to_owned();
    if team.is_empty() {
        return Err(p.err(name_field, "empty"));
    }
    let points = cells.get(9).map(|c| text(*c)).unwrap_or_default();
    Ok(StandingRow {
        position: num(0)?,
        team,
        played: num(2)?,
        won: num(3)?,
        drawn: num(4)?,
        lost: num(5)?,
        goals_for: num(6)?,
        goals_against: num(7)?,
        points: p.num(&field("td.standing-table__cell:nth-of-type(10)"), &points)?,
        form: form(p, tr, &field("span.standing-table__form-cell"))?,
        xg_for: None,
        xg_against: None,
    })
}

/// The form cells' `--win`/`--draw`/`--loss` modifiers, oldest first, as `WWWWDL`;
/// blank slots (fewer than six games played) are skipped.
fn form(p: &Page<'_>, tr: ElementRef<'_>, field: &str) -> Result<Option<String>, ParseError> {
    let mut out = String::new();
    for cell in tr.select(&p.selector("span.standing-table__form-cell")?) {
        let mut classes = cell.value().classes();
        let letter = classes.find_map(|c| match c {
            "standing-table__form-cell--win" => Some('W'),
            "standing-table__form-cell--draw" => Some('D'),
            "standing-table__form-cell--loss" => Some('L'),
            _ => None,
        });
        match letter {
            Some(l) => out.push(l),
            // A team with a game in hand gets a blank slot: no result, no title.
            None if cell.value().attr("title").is_none() => {}
            None => return Err(p.err(field, "no win, draw or loss class")),
        }
    }
    Ok(Some(out).filter(|f| !f.is_empty()))
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[PageDef { page: "table", parser: Parser::Standings(parse_table) }];

#[cfg(test)]
mod tests;
