//! Kickoff's HTTP API: its settings now; the poem-openapi server reads the entities
//! and enqueues jobs (it never runs them).

pub mod settings;

pub use settings::{ApiSettings, AuthSettings};
