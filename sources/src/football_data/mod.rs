//! football-data.co.uk season files (results, statistics and bookmaker odds as CSV): the
//! header layout and the pure row parser. Writing the rows is the workers' import.

pub mod columns;
pub mod parse;

pub use parse::{MatchRow, ParsedFile, Rejection, RowError, SideStats, parse, season_of};
