//! What a queue stores: the job's kind and arguments plus the bookkeeping our own
//! retry layer needs (attempt count, every attempt's error, the fan-out chain).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::{AnyJob, Job, JobError};

/// One failed attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptError {
    pub attempt: u32,
    pub error: String,
    /// Transient errors are retried; permanent ones dead-letter at once.
    pub permanent: bool,
    pub started_at: DateTime<Utc>,
    pub failed_at: DateTime<Utc>,
    pub worker: String,
}

/// The envelope format written now. Version 1 (no `v` field) is what releases before
/// versioning wrote; every later field has a default, so older envelopes still run.
pub const ENVELOPE_VERSION: u32 = 2;

fn first_version() -> u32 {
    1
}

/// A queued job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The format this envelope was written in (see [`ENVELOPE_VERSION`]).
    #[serde(default = "first_version")]
    pub v: u32,
    /// Stable across retries: the job's identity (a ULID).
    pub id: String,
    pub kind: String,
    pub args: serde_json::Value,
    /// The attempt this delivery is (1-based).
    pub attempt: u32,
    #[serde(default)]
    pub errors: Vec<AttemptError>,
    pub enqueued_at: DateTime<Utc>,
    /// Id of the job that enqueued this one, for the fan-out chain.
    #[serde(default)]
    pub parent: Option<String>,
    /// Id of the first job of the chain (a cron tick's job, a manual trigger).
    #[serde(default)]
    pub root: Option<String>,
    /// Per-job timeout in milliseconds, overriding the kind's policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// The schedule entry whose tick (or "run now") started this job's chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Context propagated along the chain (trace ids and the like): children inherit it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
}

impl Envelope {
    /// A first attempt of `job`.
    pub fn new(job: &AnyJob) -> Self {
        Self::raw(job.kind(), job.args())
    }

    /// An envelope around what is not a valid job (an undecodable payload, a task
    /// whose payload is gone), so its dead letter keeps what was found.
    pub fn raw(kind: impl Into<String>, args: serde_json::Value) -> Self {
        Self {
            v: ENVELOPE_VERSION,
            id: ulid::Ulid::generate().to_string(),
            kind: kind.into(),
            args,
            attempt: 1,
            errors: Vec::new(),
            enqueued_at: Utc::now(),
            parent: None,
            root: None,
            timeout_ms: None,
            schedule: None,
            context: BTreeMap::new(),
        }
    }

    /// A first attempt of a typed job.
    pub fn of<J: Job>(job: &J) -> Result<Self, JobError> {
        let args = serde_json::to_value(job)
            .map_err(|e| JobError::InvalidArgs { kind: J::KIND.to_owned(), message: e.to_string() })?;
        Ok(Self::new(&AnyJob::from_parts(J::KIND, args)?))
    }

    /// Bounds each attempt of this job by `timeout` instead of the kind's policy.
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout_ms = Some(timeout.as_millis() as u64);
        self
    }

    /// Marks this job as enqueued by `parent`.
    pub fn child_of(mut self, parent: &Envelope) -> Self {
        self.parent = Some(parent.id.clone());
        self.root = Some(parent.root.clone().unwrap_or_else(|| parent.id.clone()));
        self.schedule = parent.schedule.clone();
        self.context = parent.context.clone();
        self
    }

    /// Marks the job as started by the schedule entry `name`.
    pub fn scheduled_by(mut self, name: &str) -> Self {
        self.schedule = Some(name.to_owned());
        self
    }

    /// The typed job.
    pub fn job(&self) -> Result<AnyJob, JobError> {
        AnyJob::from_parts(&self.kind, self.args.clone())
    }

    /// The next delivery after a transient failure.
    pub fn retry(&self, error: AttemptError) -> Self {
        let mut next = self.clone();
        next.errors.push(error);
        next.attempt += 1;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{ProcessSnapshot, ScrapeFootballData};

    /// An envelope as the release before versioning wrote it (a retry, with its error),
    /// byte for byte: it must still decode, as version 1, to the same job.
    #[test]
    fn an_envelope_from_before_versioning_still_decodes() {
        let old = r#"{"id":"01KBN2Z5Y3J8G6M5X0Q9R7T4VW","kind":"process_snapshot","args":{"snapshot_id":7},"attempt":2,"errors":[{"attempt":1,"error":"database: timed out","permanent":false,"started_at":"2026-12-06T10:00:00Z","failed_at":"2026-12-06T10:00:01Z","worker":"w-1-process-ab"}],"enqueued_at":"2026-12-06T09:59:59Z","parent":"01KBN2Z5Y3J8G6M5X0Q9R7T4VA","root":"01KBN2Z5Y3J8G6M5X0Q9R7T4VA","schedule":"results"}"#;
        let env: Envelope = serde_json::from_str(old).unwrap();
        assert_eq!((env.v, env.attempt, env.errors.len()), (1, 2, 1));
        assert!(env.context.is_empty());
        assert_eq!(env.job().unwrap(), AnyJob::ProcessSnapshot(ProcessSnapshot { snapshot_id: 7 }));
        let new = Envelope::of(&ProcessSnapshot { snapshot_id: 7 }).unwrap();
        assert_eq!(serde_json::to_value(&new).unwrap()["v"], ENVELOPE_VERSION);
    }

    #[test]
    fn children_inherit_the_context() {
        let mut parent = Envelope::of(&ProcessSnapshot { snapshot_id: 1 }).unwrap();
        parent.context.insert("traceparent".into(), "00-abc-def-01".into());
        let child = Envelope::of(&ProcessSnapshot { snapshot_id: 2 }).unwrap().child_of(&parent);
        assert_eq!(child.context, parent.context);
    }

    #[test]
    fn chain_and_retry_bookkeeping() {
        let parent =
            Envelope::of(&ScrapeFootballData { league: "E0".into(), season: "2324".into() }).unwrap();
        let child = Envelope::of(&ProcessSnapshot { snapshot_id: 7 }).unwrap().child_of(&parent);
        assert_eq!(child.parent.as_deref(), Some(parent.id.as_str()));
        assert_eq!(child.root.as_deref(), Some(parent.id.as_str()));
        let grandchild = Envelope::of(&ProcessSnapshot { snapshot_id: 8 }).unwrap().child_of(&child);
        assert_eq!(grandchild.root.as_deref(), Some(parent.id.as_str()));
        let now = Utc::now();
        let err = AttemptError {
            attempt: 1,
            error: "boom".into(),
            permanent: false,
            started_at: now,
            failed_at: now,
            worker: "w".into(),
        };
        let again = child.retry(err.clone());
        assert_eq!(
            (again.attempt, again.id.as_str(), again.errors.clone()),
            (2, child.id.as_str(), vec![err])
        );
        assert_eq!(again.job().unwrap(), child.job().unwrap());
    }
}
