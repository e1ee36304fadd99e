//! One module per source: URL builders and pure parsers, each tested on recorded pages
//! in `data/pages/`.

pub mod espn;
pub mod fotmob;
pub mod understat;
