//! One module per source: URL builders and pure parsers, each tested on recorded pages
//! in `data/pages/`.

pub mod api_football;
pub mod football_data_org;
pub mod sofascore;
