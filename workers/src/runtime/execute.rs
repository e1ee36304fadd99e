//! One delivery of one job: pause check, the handler under its timeout with panics
//! caught, then our retry policy: success is counted; a transient failure is
//! re-enqueued with exponential backoff and jitter until the kind's max attempts; a
//! permanent failure or the last attempt becomes a dead letter. The backend always sees
//! success, so it never retries on its own; only an infrastructure error (Redis or the
//! database unreachable while recording the outcome) is returned, and the backend then
//! delivers the job again: at least once, never lost.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use chrono::Utc;
use futures::FutureExt;
use jobs::EnqueueOptions;
use jobs::catalogue::{policy_of, queue_of};
use jobs::dead_letters;
use jobs::series::Counter;
use jobs::{AttemptError, Envelope};
use tracing::Instrument;

use super::failure::JobFailure;
use super::{EventKind, JobEvent, Runtime, RuntimeError};
use crate::handlers;

/// What became of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Retried {
        attempt: u32,
        delay_ms: u64,
    },
    DeadLettered {
        id: i64,
    },
    /// The queue is paused: handed back untouched for later.
    Deferred,
}

impl Runtime {
    pub async fn execute(&self, envelope: Envelope, worker: &str) -> Result<Outcome, RuntimeError> {
        let queue = queue_of(&envelope.kind).unwrap_or(jobs::queues::MAINTENANCE);
        if self.is_paused(queue) {
            let later = EnqueueOptions {
                run_at: Some(Utc::now() + chrono::Duration::seconds(1)),
                ..Default::default()
            };
            self.queues.enqueue(&envelope, &later).await?;
            return Ok(Outcome::Deferred);
        }
        metrics::counter!("kickoff_jobs_started_total", "queue" => queue, "kind" => envelope.kind.clone())
            .increment(1);
        // The span follows the job's future across awaits (`instrument`); a guard from
        // `enter()` held over an await leaves other tasks in it, and tracing-subscriber
        // then panics on a span closed under them.
        let span = tracing::info_span!("job", id = %envelope.id, kind = %envelope.kind, queue, attempt = envelope.attempt);
        self.run_job(envelope, worker, queue).instrument(span).await
    }

    /// One delivery of a job, in its span: run the handler, then record the outcome.
    async fn run_job(
        &self,
        envelope: Envelope,
        worker: &str,
        queue: &'static str,
    ) -> Result<Outcome, RuntimeError> {
        let started_at = Utc::now();
        let clock = Instant::now();
        let policy = policy_of(&envelope.kind);
        let result = match policy {
            None => Err(JobFailure::permanent(format!("unknown job kind `{}`", envelope.kind))),
            Some(policy) => {
                let limit =
                    envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(policy.timeout);
                let run = AssertUnwindSafe(handlers::dispatch(self, &envelope)).catch_unwind();
                match tokio::time::timeout(limit, run).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(panic)) => {
                        Err(JobFailure::Transient(format!("handler panicked: {}", panic_message(&panic))))
                    }
                    Err(_) => Err(JobFailure::Transient(format!("timed out after {limit:?}"))),
                }
            }
        };
        let elapsed = clock.elapsed();
        let labels = [("queue", queue.to_owned()), ("kind", envelope.kind.clone())];
        metrics::histogram!("kickoff_job_duration_seconds", &labels).record(elapsed.as_secs_f64());
        match result {
            Ok(()) => {
                self.count(queue, Counter::Done);
                metrics::counter!("kickoff_jobs_succeeded_total", &labels).increment(1);
                tracing::debug!(ms = elapsed.as_millis() as u64, "job succeeded");
                self.emit(JobEvent::of(EventKind::Succeeded, &envelope, queue, worker, started_at)).await;
                Ok(Outcome::Succeeded)
            }
            Err(failure) => {
                let error = AttemptError {
                    attempt: envelope.attempt,
                    error: failure.message().to_owned(),
                    permanent: failure.is_permanent(),
                    started_at,
                    failed_at: Utc::now(),
                    worker: worker.to_owned(),
                };
                self.count(queue, Counter::Failed);
                match policy.filter(|p| !failure.is_permanent() && p.may_retry(envelope.attempt)) {
                    Some(p) => {
                        let delay =
                            p.backoff(envelope.attempt).max(failure.retry_after().unwrap_or_default());
                        let next = envelope.retry(error);
                        let run_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                        self.queues
                            .enqueue(&next, &EnqueueOptions { run_at: Some(run_at), ..Default::default() })
                            .await?;
                        metrics::counter!("kickoff_jobs_retried_total", &labels).increment(1);
                        let event = JobEvent {
                            error: Some(failure.message().to_owned()),
                            ..JobEvent::of(EventKind::Retried, &envelope, queue, worker, started_at)
                        };
                        self.emit(event).await;
                        tracing::warn!(error = %failure, delay_ms = delay.as_millis() as u64, "job failed, retrying");
                        Ok(Outcome::Retried { attempt: next.attempt, delay_ms: delay.as_millis() as u64 })
                    }
                    None => {
                        let letter = dead_letters::record(&self.db, queue, &envelope, error).await?;
                        self.queues.record_dead(queue).await?;
                        let event = JobEvent {
                            dead_letter_id: Some(letter.id),
                            error: Some(failure.message().to_owned()),
                            ..JobEvent::of(EventKind::DeadLettered, &envelope, queue, worker, started_at)
                        };
                        self.emit(event).await;
                        metrics::counter!("kickoff_jobs_dead_lettered_total", &labels).increment(1);
                        tracing::error!(error = %failure, dead_letter = letter.id, "job dead-lettered");
                        Ok(Outcome::DeadLettered { id: letter.id })
                    }
                }
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
