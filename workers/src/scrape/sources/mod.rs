//! One module per source: URL builders and pure parsers, each tested on recorded pages
//! in `data/pages/`.

pub mod api_football;
pub mod bbc_sport;
pub mod betfair;
pub mod espn;
pub mod fbref;
pub mod fixture_list;
pub mod flashscore;
pub mod football_data_org;
pub mod fotmob;
pub mod guardian;
pub mod skysports;
pub mod sofascore;
pub mod transfermarkt;
pub mod understat;
pub mod whoscored;
