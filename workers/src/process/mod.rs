//! The process stage: turning fetched payloads into entities.

pub mod batch;
pub mod football_data;
