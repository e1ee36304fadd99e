//! Scraping: the sources Kickoff reads, each a URL builder plus a pure parser from a
//! recorded or fetched body to the rows in [`rows`]. Parsers never panic: a body that
//! does not hold what they expect gives a [`ParseError`] naming the site, the page and
//! the field or selector that failed.

pub mod error;
pub mod extract;
pub mod fetch;
pub mod health;
pub mod rows;
pub mod sources;
pub mod targets;

pub use error::ParseError;
