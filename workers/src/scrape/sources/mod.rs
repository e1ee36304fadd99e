//! One module per source: URL builders and pure parsers, each tested on recorded pages
//! in `data/pages/`.

pub mod api_football;
pub mod espn;
pub mod football_data_org;
pub mod fotmob;
pub mod sofascore;
pub mod understat;
