//! What a page's parser is and gives: every site lists the pages it serves in its own
//! `PAGES`, and [`crate::SITES`] gathers them, so adding a page is one line in its
//! site's folder.

use crate::ParseError;
use crate::rows::{FixtureRow, MatchDetail, NewsRow, PlayerRow, StandingRow};

type Parse<T> = fn(&str, &[u8]) -> Result<T, ParseError>;

/// A page's parser, by what the page describes. Each takes the snapshot's name (for
/// error messages) and the body.
#[derive(Clone, Copy, Debug)]
pub enum Parser {
    /// A fixture list or results page: many matches.
    Fixtures(Parse<Vec<FixtureRow>>),
    /// A page about one match.
    Match(Parse<MatchDetail>),
    /// A page about several matches in detail.
    Matches(Parse<Vec<MatchDetail>>),
    /// A league table.
    Standings(Parse<Vec<StandingRow>>),
    /// A club's squad.
    Squad(Parse<Vec<PlayerRow>>),
    /// A news feed.
    News(Parse<Vec<NewsRow>>),
}

/// What a page held, by kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Fixtures(Vec<FixtureRow>),
    Matches(Vec<MatchDetail>),
    Standings(Vec<StandingRow>),
    Squad(Vec<PlayerRow>),
    News(Vec<NewsRow>),
}

impl Parser {
    pub fn parse(&self, name: &str, body: &[u8]) -> Result<Parsed, ParseError> {
        Ok(match self {
            Parser::Fixtures(f) => Parsed::Fixtures(f(name, body)?),
            Parser::Match(f) => Parsed::Matches(vec![f(name, body)?]),
            Parser::Matches(f) => Parsed::Matches(f(name, body)?),
            Parser::Standings(f) => Parsed::Standings(f(name, body)?),
            Parser::Squad(f) => Parsed::Squad(f(name, body)?),
            Parser::News(f) => Parsed::News(f(name, body)?),
        })
    }

    /// Whether the rows belong to one league and season, which the source key must name
    /// (news does not).
    pub fn needs_league(&self) -> bool {
        !matches!(self, Parser::News(_))
    }
}

/// One page a site serves, as its source keys name it (`sofascore:round_events:...`).
#[derive(Clone, Copy, Debug)]
pub struct PageDef {
    pub page: &'static str,
    pub parser: Parser,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::{SITES, parser};

    #[test]
    fn every_site_and_page_is_named_once() {
        let sites: HashSet<_> = SITES.iter().map(|(s, _)| *s).collect();
        assert_eq!(sites.len(), SITES.len());
        for (site, pages) in SITES {
            assert!(!pages.is_empty(), "{site} lists no pages");
            let names: HashSet<_> = pages.iter().map(|p| p.page).collect();
            assert_eq!(names.len(), pages.len(), "{site} names a page twice");
        }
    }

    /// A site folder whose pages are not in `SITES` would never be parsed.
    #[test]
    fn every_site_folder_with_pages_is_listed() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(&src).unwrap() {
            let dir = entry.unwrap().path();
            let Ok(code) = std::fs::read_to_string(dir.join("mod.rs")) else { continue };
            let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
            if code.contains("pub const PAGES") {
                assert!(SITES.iter().any(|(s, _)| *s == name), "{name} has PAGES but is not in SITES");
            }
        }
    }

    #[test]
    fn pages_resolve_by_site_and_name() {
        assert!(matches!(parser("sofascore", "round_events"), Some(Parser::Fixtures(_))));
        assert!(matches!(parser("espn", "summary"), Some(Parser::Match(_))));
        assert!(matches!(parser("guardian", "rss"), Some(Parser::News(_))));
        assert!(parser("guardian", "rss").is_some_and(|p| !p.needs_league()));
        assert!(parser("sofascore", "nope").is_none());
        assert!(parser("nope", "rss").is_none());
    }

    #[test]
    fn a_parse_error_passes_through_with_its_page() {
        let p = parser("sofascore", "round_events").unwrap();
        let err = p.parse("day.json", b"{not json").unwrap_err();
        assert_eq!((err.site, err.page.as_str()), ("sofascore", "day.json"));
    }
}
