//! Transfermarkt: squads with market values. Parses the squad page in its detailed view
//! (`/kader/…/plus/1`) on any of the site's locales, and reads market values written
//! the continental way (`20,00 M €`, `900 mil €`, `1,50 Mio. €`, `500 Tsd. €`) or the
//! English way (`€20.00m`, `€500k`).

use chrono::NaiveDate;
use scraper::ElementRef;

use crate::ParseError;
use crate::extract::{Page, text};
use crate::pages::{PageDef, Parser};
use crate::rows::PlayerRow;

const SITE: &str = "transfermarkt";

const ROWS: &str = "table.items > tbody > tr.odd, table.items > tbody > tr.even";

/// A club's squad for a season, detailed view:
/// `{base}/fc-barcelona/kader/verein/131/saison_id/2011/plus/1`, where `base` picks the
/// locale (`https://www.transfermarkt.pt`, `…transfermarkt.com`).
pub fn squad_url(base: &str, club_slug: &str, club_id: u32, season: u32) -> String {
    format!("{base}/{club_slug}/kader/verein/{club_id}/saison_id/{season}/plus/1")
}

/// Every player of the squad table, in page order. A `-` shirt number or market value
/// is `None`; a value that is there but unreadable is an error.
pub fn parse_squad(page: &str, body: &[u8]) -> Result<Vec<PlayerRow>, ParseError> {
    let p = Page::new(SITE, page);
    let doc = p.html(body)?;
    let root = doc.root_element();
    let team = root.select(&p.selector("h1[itemprop=\"name\"]")?).next().map(text).filter(|t| !t.is_empty());
    p.select_all(root, ROWS)?
        .into_iter()
        .enumerate()
        .map(|(i, tr)| player_row(&p, tr, i + 1, team.clone()))
        .collect()
}

/// A market value as `(whole units, ISO currency)`: `20,00 M €` → `(20_000_000.0, "EUR")`.
/// The side of the currency symbol tells the locale: after the number (pt, de, es…)
/// the comma is the decimal mark; before it (en) the point is.
pub fn parse_market_value(raw: &str) -> Option<(f64, &'static str)> {
    let s = raw.trim();
    let (currency, symbol) = [("€", "EUR"), ("£", "GBP"), ("$", "USD")]
        .into_iter()
        .find_map(|(sym, code)| s.contains(sym).then_some((code, sym)))?;
    let english = s.starts_with(symbol);
    let rest = s.replace(symbol, "");
    let rest = rest.trim();
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(rest.len());
    let (number, unit) = rest.split_at(end);
    let number: String = if english {
        number.chars().filter(|c| *c != ',').collect()
    } else {
        number.chars().filter(|c| *c != '.').map(|c| if c == ',' { '.' } else { c }).collect()
    };
    let value: f64 = number.parse().ok()?;
    Some(((value * unit_factor(unit)?).round(), currency))
}

/// The multiplier a unit word stands for; case matters only for `M` vs `mil`.
fn unit_factor(unit: &str) -> Option<f64> {
    let unit = unit.trim().trim_end_matches('.').to_lowercase();
    match unit.as_str() {
        "" => Some(1.0),
        "k" | "th" | "tsd" | "mil" => Some(1e3),
        "m" | "mio" | "mi" | "mln" => Some(1e6),
        "bn" | "mrd" | "mil m" | "mil mi" => Some(1e9),
        _ => None,
    }
}

fn has_class(e: ElementRef<'_>, class: &str) -> bool {
    e.value().classes().any(|c| c == class)
}

fn player_row(
    p: &Page<'_>,
    tr: ElementRef<'_>,
    n: usize,
    team: Option<String>,
) -> Result<PlayerRow, ParseError> {
    let field = |css: &str| format!("table.items > tbody > tr:nth-of-type({n}) {css}");
    // Only the row's own cells: the name cell nests a table of its own.
    let cells: Vec<ElementRef<'_>> =
        tr.children().filter_map(ElementRef::wrap).filter(|c| c.value().name() == "td").collect();

    let name_css = "td.posrela td.hauptlink a";
    let name = text(p.select_one(tr, name_css).map_err(|e| p.err(field(name_css), e.reason))?);
    if name.is_empty() {
        return Err(p.err(field(name_css), "empty"));
    }
    // The second line of the name cell is the detailed position (`Guarda-Redes`).
    let position = tr
        .select(&p.selector("td.posrela table.inline-table tr")?)
        .nth(1)
        .map(text)
        .filter(|t| !t.is_empty());
    let shirt_number = match tr.select(&p.selector("td.rueckennummer div.rn_nummer")?).next().map(text) {
        Some(t) if t != "-" => p.opt_num(&field("div.rn_nummer"), &t)?,
        _ => None,
    };
    // Centred cells after the number: date of birth (age), then nationality flags.
    let mut centred =
        cells.iter().filter(|c| has_class(**c, "zentriert") && !has_class(**c, "rueckennummer"));
    let (birth_date, age) = match centred.next().map(|c| text(*c)) {
        Some(t) if !t.is_empty() && t != "-" => birth_and_age(&t)
            .ok_or_else(|| p.err(field("td.zentriert"), format!("not a birth date: {t:?}")))?,
        _ => (None, None),
    };
    let flag = p.selector("img.flaggenrahmen")?;
    let nationality = centred
        .next()
        .and_then(|c| c.select(&flag).next())
        .and_then(|img| img.value().attr("title"))
        .map(str::to_owned);
    let value_css = "td.rechts.hauptlink";
    let value_text = cells
        .iter()
        .rev()
        .find(|c| has_class(**c, "rechts") && has_class(**c, "hauptlink"))
        .map(|c| text(*c));
    let value = match value_text.as_deref() {
        None | Some("" | "-") => None,
        Some(v) => Some(
            parse_market_value(v)
                .ok_or_else(|| p.err(field(value_css), format!("not a market value: {v:?}")))?,
        ),
    };
    Ok(PlayerRow {
        team,
        name,
        position,
        shirt_number,
        birth_date,
        age,
        nationality,
        market_value: value.map(|v| v.0),
        currency: value.map(|v| v.1.to_owned()),
        starter: None,
    })
}

/// `14/01/1982 (29)` (pt), `14.01.1982 (29)` (de) or `Jan 14, 1982 (29)` (en).
fn birth_and_age(t: &str) -> Option<(Option<NaiveDate>, Option<u32>)> {
    let (date, age) = match t.rsplit_once('(') {
        Some((d, a)) => (d.trim(), a.trim_end_matches(')').trim().parse().ok()),
        None => (t.trim(), None),
    };
    let date =
        ["%d/%m/%Y", "%d.%m.%Y", "%b %d, %Y"].iter().find_map(|f| NaiveDate::parse_from_str(date, f).ok())?;
    Some((Some(date), age))
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[PageDef { page: "squad", parser: Parser::Squad(parse_squad) }];

#[cfg(test)]
mod tests;
