//! The process stage: turning fetched payloads into entities.

pub mod batch;
pub mod details;
pub mod events;
pub mod fixtures;
pub mod football_data;
pub mod pages;
pub mod players;
pub mod standings;
pub mod stats;
pub mod teams;
