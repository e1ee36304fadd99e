//! One module per source: URL builders and pure parsers, each tested on recorded pages
//! in `data/pages/`.

pub mod fbref;
pub mod skysports;
pub mod transfermarkt;
pub mod whoscored;
