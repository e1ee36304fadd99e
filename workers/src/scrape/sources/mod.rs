//! One module per source: URL builders and pure parsers, each tested on recorded pages
//! in `data/pages/`.

pub mod bbc_sport;
pub mod betfair;
pub mod fixture_list;
pub mod flashscore;
pub mod guardian;
