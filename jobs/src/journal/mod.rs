//! What happened to jobs: each finished attempt as an event, kept in a capped journal per
//! queue on the queue backend, and the jobs still waiting or running, read from the
//! backend's own structures. The dashboard's job list, job pages, fan-out chains and
//! schedule outcomes are built from these two.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::client::{QueueClient, QueueError, on_backend};
use crate::envelope::Envelope;

mod embedded_backend;
mod redis_backend;

/// Finished attempts kept per queue; older ones fall off.
pub const JOURNAL_CAP: usize = 2_000;

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Succeeded,
    Retried,
    DeadLettered,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Succeeded => "succeeded",
            EventKind::Retried => "retried",
            EventKind::DeadLettered => "dead_lettered",
        }
    }
}

/// One finished attempt of a job, with the job's place in its fan-out chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    pub event: EventKind,
    pub job_id: String,
    pub kind: String,
    pub args: serde_json::Value,
    pub queue: String,
    pub attempt: u32,
    pub parent: Option<String>,
    pub root: Option<String>,
    /// The schedule entry whose tick (or "run now") started the job.
    #[serde(default)]
    pub schedule: Option<String>,
    pub dead_letter_id: Option<i64>,
    pub error: Option<String>,
    #[serde(default)]
    pub worker: String,
    #[serde(default = "Utc::now")]
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// When the attempt finished.
    pub at: DateTime<Utc>,
}

impl JobEvent {
    pub fn of(
        event: EventKind,
        envelope: &Envelope,
        queue: &str,
        worker: &str,
        started_at: DateTime<Utc>,
    ) -> Self {
        let at = Utc::now();
        Self {
            event,
            job_id: envelope.id.clone(),
            kind: envelope.kind.clone(),
            args: envelope.args.clone(),
            queue: queue.to_owned(),
            attempt: envelope.attempt,
            parent: envelope.parent.clone(),
            root: envelope.root.clone(),
            schedule: envelope.schedule.clone(),
            dead_letter_id: None,
            error: None,
            worker: worker.to_owned(),
            started_at,
            duration_ms: (at - started_at).num_milliseconds().max(0) as u64,
            at,
        }
    }

    /// The chain this job belongs to: its root, or itself when it has none.
    pub fn chain(&self) -> &str {
        self.root.as_deref().unwrap_or(&self.job_id)
    }
}

/// Where a job that has not finished is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    /// Ready, waiting for a worker.
    Pending,
    /// Waiting for its time (a delayed job or a retry's backoff).
    Scheduled,
    /// Fetched by a worker.
    Running,
}

impl LiveState {
    pub const ALL: [LiveState; 3] = [LiveState::Pending, LiveState::Scheduled, LiveState::Running];

    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Pending => "pending",
            LiveState::Scheduled => "scheduled",
            LiveState::Running => "running",
        }
    }
}

/// A job still on its queue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveJob {
    pub envelope: Envelope,
    pub queue: String,
    pub state: LiveState,
    /// When a scheduled job becomes due.
    pub run_at: Option<DateTime<Utc>>,
    /// The worker running it.
    pub worker: Option<String>,
}

/// The journal key of a queue (the backend adds the prefix).
pub fn journal_key(queue: &str) -> String {
    format!("{queue}:journal")
}

/// Decodes journal entries, skipping any that do not parse (written by another version).
pub fn decode(entries: Vec<String>) -> Vec<JobEvent> {
    entries.iter().filter_map(|e| serde_json::from_str(e).ok()).collect()
}

impl QueueClient {
    /// Appends finished attempts to their queues' journals, keeping the newest
    /// `JOURNAL_CAP` of each.
    pub async fn journal_append(&self, events: &[JobEvent]) -> Result<(), QueueError> {
        let mut by_queue: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        for e in events {
            by_queue.entry(e.queue.as_str()).or_default().push(serde_json::to_string(e)?);
        }
        for (queue, entries) in by_queue {
            let key = journal_key(queue);
            on_backend!(self, q => q.log_push_capped(&key, &entries, JOURNAL_CAP).await)?;
        }
        Ok(())
    }

    /// The newest `limit` finished attempts of `queue`, newest first.
    pub async fn journal(&self, queue: &str, limit: usize) -> Result<Vec<JobEvent>, QueueError> {
        let key = journal_key(queue);
        let entries = on_backend!(self, q => q.log_recent(&key, limit).await)?;
        let mut events = decode(entries);
        // The log is in append order; attempts finishing on two tasks within the same
        // instant can be appended in the other order than they were stamped.
        events.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(events)
    }

    /// Up to `limit` jobs of `queue` in `state`, oldest first.
    pub async fn live_jobs(
        &self,
        queue: &str,
        state: LiveState,
        limit: usize,
    ) -> Result<Vec<LiveJob>, QueueError> {
        on_backend!(self, q => q.live_jobs(queue, state, limit).await)
    }

    /// Removes every job of `queue` that waits (pending and scheduled, retries
    /// included); running jobs finish. Returns how many were removed.
    pub async fn drain(&self, queue: &str) -> Result<u64, QueueError> {
        on_backend!(self, q => q.drain(queue).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::SettleBets;

    #[test]
    fn events_round_trip_and_name_their_chain() {
        let env = Envelope::of(&SettleBets {}).unwrap();
        let e = JobEvent::of(EventKind::Succeeded, &env, "maintenance", "w-1", Utc::now());
        assert_eq!(e.chain(), env.id);
        let back = decode(vec![serde_json::to_string(&e).unwrap(), "not json".into()]);
        assert_eq!(back, vec![e]);
    }

    #[tokio::test]
    async fn the_journal_reads_newest_first_whatever_the_append_order() {
        let (queues, _store) = crate::testing::memory_queue().await;
        let env = Envelope::of(&SettleBets {}).unwrap();
        let at = Utc::now();
        let earlier = JobEvent::of(EventKind::Retried, &env, "settle", "w-1", at);
        let later = JobEvent::of(
            EventKind::Succeeded,
            &env,
            "settle",
            "w-2",
            at + chrono::Duration::microseconds(170),
        );
        // Stamped in one order, appended in the other (two tasks racing to the buffer).
        queues.journal_append(&[later.clone(), earlier.clone()]).await.unwrap();
        assert_eq!(queues.journal("settle", 10).await.unwrap(), vec![later, earlier]);
    }
}
