//! Kickoff's job catalogue: the queue settings and backends, shared by the workers
//! that consume jobs and the API that enqueues them.

pub mod settings;

pub use settings::{QueueBackend, QueueSettings, QueueSettingsError};
