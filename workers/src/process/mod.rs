//! The process stage: turning fetched payloads into entities.

pub mod batch;
pub mod events;
pub mod fixtures;
pub mod football_data;
pub mod pages;
pub mod teams;
