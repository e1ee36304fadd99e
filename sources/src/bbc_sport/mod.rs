//! BBC Sport: the headline promos of the sport home page and of section pages
//! (`/sport/football`), which share the same promo markup.
//!
//! Page parsed: [`parse_homepage`]. Class names are hashed (`ssrcss-1f3bvyz-PromoLink`),
//! so selectors match on the readable suffix. Only links to stories (a path under
//! `/sport/` ending in a numeric id) count; navigation and promotions elsewhere on the
//! BBC do not.

use scraper::ElementRef;

use crate::ParseError;
use crate::extract::{Page, text};
use crate::pages::{PageDef, Parser};
use crate::rows::NewsRow;

const SITE: &str = "bbc_sport";

/// Where the page's relative links point.
pub const SITE_BASE: &str = "https://www.bbc.co.uk";

const PROMO_LINK: &str = r#"a[class*="PromoLink"][href^="/sport/"]"#;
/// The visible headline; a visually hidden copy (with "Video" appended) sits beside it.
const HEADLINE: &str = r#"p[class*="PromoHeadline"] span:not(.visually-hidden)"#;

/// The sport home page (base `https://www.bbc.co.uk`).
pub fn homepage_url(base: &str) -> String {
    format!("{}/sport", base.trim_end_matches('/'))
}

/// A sport's section page, e.g. `football`; same promo markup as the home page.
pub fn section_url(base: &str, sport: &str) -> String {
    format!("{}/sport/{sport}", base.trim_end_matches('/'))
}

/// The story promos of the page, in page order, each once: headline, absolute URL and
/// the sport from the URL (`/sport/football/65004828` → `football`).
pub fn parse_homepage(page: &str, body: &[u8]) -> Result<Vec<NewsRow>, ParseError> {
    let p = Page::new(SITE, page);
    let html = p.html(body)?;
    let headline = p.selector(HEADLINE)?;
    let mut rows: Vec<NewsRow> = Vec::new();
    for link in p.select_all(html.root_element(), PROMO_LINK)? {
        let Some(row) = promo(link, &headline) else { continue };
        if !rows.iter().any(|r| r.url == row.url) {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(p.err(format!("{PROMO_LINK} {HEADLINE}"), "no story promo with a headline"));
    }
    Ok(rows)
}

/// A story promo, or None for links that are not stories or have no headline.
fn promo(link: ElementRef<'_>, headline: &scraper::Selector) -> Option<NewsRow> {
    let href = link.value().attr("href")?;
    let path = href.split(['?', '#']).next()?;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let id = segments.last()?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let title = link.select(headline).map(text).find(|t| !t.is_empty())?;
    Some(NewsRow {
        source: SITE.to_owned(),
        title,
        url: format!("{SITE_BASE}{href}"),
        section: sport(&segments),
        ..NewsRow::default()
    })
}

/// The sport of a story path: `sport/[live|av/]<sport>/<id>`; `sport/<id>` has none.
fn sport(segments: &[&str]) -> Option<String> {
    let rest = segments.get(1..segments.len().saturating_sub(1))?;
    rest.iter().find(|s| !matches!(**s, "live" | "av")).map(|s| (*s).to_owned())
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[PageDef { page: "homepage", parser: Parser::News(parse_homepage) }];

#[cfg(test)]
mod tests;
