//! The process stage: turning fetched payloads into entities.

pub mod batch;
pub mod details;
pub mod fixtures;
pub mod football_data;
pub mod incidents;
pub mod live;
pub mod mentions;
pub mod pages;
pub mod players;
pub mod standings;
pub mod stats;
pub mod teams;

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    /// What the sources report is stored as its text, which the entities read back: the
    /// two lists of states and of markets are the same.
    #[test]
    fn source_states_and_markets_are_the_stored_ones() {
        let stored: Vec<String> = entities::enums::MatchStatus::iter().map(|s| s.to_value()).collect();
        let reported: Vec<String> = sources::MatchStatus::ALL.iter().map(|s| s.as_str().to_owned()).collect();
        assert_eq!(stored, reported);
        let stored: Vec<String> = entities::enums::Market::iter().map(|m| m.to_value()).collect();
        let reported: Vec<String> = sources::Market::ALL.iter().map(|m| m.as_str().to_owned()).collect();
        assert_eq!(stored, reported);
    }
}
