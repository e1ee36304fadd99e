//! Kickoff's sources: for each site, the URLs of its pages and a pure parser from a
//! recorded or fetched body to the source-neutral rows in [`rows`]. One folder per site
//! holds its URL builders, parsers, the list of pages it serves ([`pages::PageDef`]) and
//! its tests on the recorded pages in `data/pages/`.
//!
//! Parsers never panic: a body that does not hold what they expect gives a
//! [`ParseError`] naming the site, the page and the field or selector that failed. This
//! crate does no I/O: fetching and storing are the workers' part.

pub mod error;
pub mod extract;
pub mod key;
pub mod pages;
pub mod rows;
pub mod status;

pub mod api_football;
pub mod bbc_sport;
pub mod betfair;
pub mod espn;
pub mod fbref;
pub mod fixture_list;
pub mod flashscore;
pub mod football_data;
pub mod football_data_org;
pub mod fotmob;
pub mod guardian;
pub mod skysports;
pub mod sofascore;
pub mod sport1;
pub mod transfermarkt;
pub mod understat;
pub mod whoscored;

pub use error::ParseError;
pub use key::SourceKey;
pub use pages::{PageDef, Parsed, Parser};
pub use status::{Market, MatchStatus};

/// Every site with pages, by the name source keys use.
pub const SITES: &[(&str, &[pages::PageDef])] = &[
    ("api_football", crate::api_football::PAGES),
    ("bbc_sport", crate::bbc_sport::PAGES),
    ("betfair", crate::betfair::PAGES),
    ("espn", crate::espn::PAGES),
    ("fbref", crate::fbref::PAGES),
    ("flashscore", crate::flashscore::PAGES),
    ("football_data_org", crate::football_data_org::PAGES),
    ("fotmob", crate::fotmob::PAGES),
    ("guardian", crate::guardian::PAGES),
    ("skysports", crate::skysports::PAGES),
    ("sofascore", crate::sofascore::PAGES),
    ("sport1", crate::sport1::PAGES),
    ("transfermarkt", crate::transfermarkt::PAGES),
    ("understat", crate::understat::PAGES),
    ("whoscored", crate::whoscored::PAGES),
];

/// The parser of `site`'s `page`, if Kickoff reads that page.
pub fn parser(site: &str, page: &str) -> Option<pages::Parser> {
    let (_, pages) = SITES.iter().find(|(s, _)| *s == site)?;
    pages.iter().find(|p| p.page == page).map(|p| p.parser)
}
