//! Kickoff's job catalogue: payload types with their queues and policies, the
//! `AnyJob` string-to-job mapping, the envelope queues carry, schedules.toml, and the
//! queue settings shared by the workers that consume jobs and the API that enqueues
//! them; and the Telegram bot's subscriber commands, which both answer.

pub mod alert_deliveries;
pub mod backend;
pub mod catalogue;
pub mod client;
pub mod dead_letters;
pub mod envelope;
pub mod failpoint;
pub mod failure;
pub mod journal;
pub mod pauses;
pub mod policy;
pub mod schedule;
pub mod schedule_state;
pub mod series;
pub mod settings;
pub mod telegram;
#[cfg(feature = "testing")]
pub mod testing;

// The backends by their earlier module names, which callers and tests use.
pub use backend::embedded as embedded_queue;
pub use backend::redis as redis_queue;
pub use backend::redis::server as redis_server;
pub use backend::{Delivery, JobQueue, OutboxEntry, SharedState};
pub use catalogue::{AnyJob, Handle, Handled, Job, JobError, queues};
pub use client::{EnqueueOptions, Enqueued, QueueClient, QueueError, QueueStats, WorkerInfo};
pub use envelope::{AttemptError, Envelope};
pub use failure::{Classify, FailureKind, JobFailure};
pub use policy::JobPolicy;
pub use settings::{QueueBackend, QueueSettings, QueueSettingsError};
