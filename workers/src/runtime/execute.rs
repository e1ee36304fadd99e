//! One delivery of one job: delivery marks, pause check, the handler under its timeout
//! with panics caught, then our retry policy: success is counted; a transient failure
//! is re-enqueued with exponential backoff and jitter until the kind's max attempts; a
//! permanent failure or the last attempt becomes a dead letter (kept in the backend's
//! outbox while the database cannot take it). The backend always sees success, so it
//! never retries on its own; only a queue backend that cannot record the outcome at
//! all makes the delivery fail, and the backend then delivers the job again: at least
//! once, never lost.
//!
//! Fences, per task (one delivery of one attempt, as the backend hands it out):
//! - its deliveries are counted before it runs: a task delivered more often than its
//!   kind's max attempts kills its process each time (a poison job) and is
//!   dead-lettered without running;
//! - it is marked finished once its outcome is recorded: delivered again (a kill before
//!   the batched acknowledgement), it is acknowledged without running;
//! - what it re-enqueues (a retry, a deferral) is keyed by its task id, so a repeated
//!   delivery cannot fork the job.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use chrono::Utc;
use futures::FutureExt;
use jobs::EnqueueOptions;
use jobs::catalogue::{needs_database, policy_of, queue_of};
use jobs::dead_letters;
use jobs::series::Counter;
use jobs::{AttemptError, Envelope, JobFailure, OutboxEntry};
use tracing::Instrument;

use super::breaker;
use super::{EventKind, JobEvent, Runtime, RuntimeError};
use crate::handlers;

/// The longest a job's slot waits for its dead letter to be written; past it the
/// letter goes to the queue backend's outbox.
const OUTCOME_WRITE_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What became of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// An earlier delivery of the same task recorded its outcome: acknowledged, not run.
    AlreadyFinished,
    Retried {
        attempt: u32,
        delay_ms: u64,
    },
    /// `id` is `None` while the letter waits in the outbox for the database.
    DeadLettered {
        id: Option<i64>,
    },
    /// The queue is paused: handed back untouched for later.
    Deferred,
}

impl Runtime {
    /// Runs one delivery of `envelope` outside any queue (inline runs, tests): no
    /// delivery marks.
    pub async fn execute(&self, envelope: Envelope, worker: &str) -> Result<Outcome, RuntimeError> {
        self.run_delivery(&envelope, worker, None).await
    }

    /// Runs the delivery of backend task `task`, fenced by its delivery marks.
    pub async fn deliver(
        &self,
        envelope: Envelope,
        worker: &str,
        task: &str,
    ) -> Result<Outcome, RuntimeError> {
        let queue = queue_of(&envelope.kind).unwrap_or(jobs::queues::MAINTENANCE);
        let delivery = self.queues.begin_delivery(queue, task).await?;
        let labels = job_labels(queue, &envelope);
        if delivery.finished {
            metrics::counter!("kickoff_jobs_redelivered_total", &labels).increment(1);
            tracing::warn!(job = %envelope.id, kind = %envelope.kind, task, deliveries = delivery.deliveries,
                "job delivered again after its outcome was recorded; acknowledged without running");
            return Ok(Outcome::AlreadyFinished);
        }
        let max = policy_of(&envelope.kind).map(|p| p.max_attempts).unwrap_or(1).max(1);
        let outcome = if delivery.deliveries > 1 {
            metrics::counter!("kickoff_jobs_redelivered_total", &labels).increment(1);
            tracing::warn!(job = %envelope.id, kind = %envelope.kind, task, deliveries = delivery.deliveries,
                "job delivered again: the worker that held it stopped without an outcome");
            if delivery.deliveries > max {
                // Rare paths are boxed, so a job in flight holds only the common path's state.
                Box::pin(self.dead_letter_poison(&envelope, worker, queue, delivery.deliveries)).await?
            } else {
                self.run_delivery(&envelope, worker, Some(task)).await?
            }
        } else {
            self.run_delivery(&envelope, worker, Some(task)).await?
        };
        jobs::failpoint::hit("before_finish");
        if let Err(e) = self.queues.finish_delivery(queue, task).await {
            // The outcome stands; a redelivery would run the job once more.
            tracing::warn!(task, error = %e, "marking the delivery finished failed");
        }
        jobs::failpoint::hit("before_ack");
        Ok(outcome)
    }

    /// A task whose deliveries kept ending without an outcome (each one killed its
    /// process) becomes a dead letter without running again.
    async fn dead_letter_poison(
        &self,
        envelope: &Envelope,
        worker: &str,
        queue: &'static str,
        deliveries: u32,
    ) -> Result<Outcome, RuntimeError> {
        let now = Utc::now();
        let message = format!(
            "delivered {deliveries} times without an outcome: every run ended its worker process (poison job)"
        );
        let error = AttemptError {
            attempt: envelope.attempt,
            error: message.clone(),
            permanent: true,
            started_at: now,
            failed_at: now,
            worker: worker.to_owned(),
        };
        metrics::counter!("kickoff_jobs_quarantined_total", "queue" => queue, "reason" => "poison")
            .increment(1);
        self.record_terminal(envelope, worker, queue, error, now).await
    }

    async fn run_delivery(
        &self,
        envelope: &Envelope,
        worker: &str,
        task: Option<&str>,
    ) -> Result<Outcome, RuntimeError> {
        let queue = queue_of(&envelope.kind).unwrap_or(jobs::queues::MAINTENANCE);
        let waits_for_database = self.db_breaker.is_open() && needs_database(&envelope.kind, &envelope.args);
        if self.is_paused(queue) || waits_for_database {
            // Boxed, as every rare path: a job in flight holds only the common path's state.
            return Box::pin(self.defer(envelope, queue, task, waits_for_database)).await;
        }
        metrics::counter!("kickoff_jobs_started_total", "queue" => queue, "kind" => envelope.kind.clone())
            .increment(1);
        // The span follows the job's future across awaits (`instrument`); a guard from
        // `enter()` held over an await leaves other tasks in it, and tracing-subscriber
        // then panics on a span closed under them.
        let span = tracing::info_span!("job", id = %envelope.id, kind = %envelope.kind, queue, attempt = envelope.attempt);
        self.run_job(envelope, worker, queue, task).instrument(span).await
    }

    /// One delivery of a job, in its span: run the handler, then record the outcome.
    async fn run_job(
        &self,
        envelope: &Envelope,
        worker: &str,
        queue: &'static str,
        task: Option<&str>,
    ) -> Result<Outcome, RuntimeError> {
        let started_at = Utc::now();
        let clock = Instant::now();
        let policy = policy_of(&envelope.kind);
        let result = match policy {
            None => Err(JobFailure::permanent(format!("unknown job kind `{}`", envelope.kind))),
            Some(policy) => {
                let limit =
                    envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(policy.timeout);
                let run = AssertUnwindSafe(handlers::dispatch(self, envelope)).catch_unwind();
                match tokio::time::timeout(limit, run).await {
                    Ok(Ok(r)) => r,
                    Ok(Err(panic)) => {
                        Err(JobFailure::transient(format!("handler panicked: {}", panic_message(&panic))))
                    }
                    Err(_) => Err(JobFailure::transient(format!("timed out after {limit:?}"))),
                }
            }
        };
        jobs::failpoint::hit("after_handler");
        let elapsed = clock.elapsed();
        let labels = job_labels(queue, envelope);
        metrics::histogram!("kickoff_job_duration_seconds", &labels).record(elapsed.as_secs_f64());
        match result {
            Ok(()) => {
                self.count(queue, Counter::Done);
                metrics::counter!("kickoff_jobs_succeeded_total", &labels).increment(1);
                tracing::debug!(ms = elapsed.as_millis() as u64, "job succeeded");
                self.emit(JobEvent::of(EventKind::Succeeded, envelope, queue, worker, started_at));
                Ok(Outcome::Succeeded)
            }
            Err(failure) => {
                Box::pin(self.after_failure(envelope, failure, worker, queue, task, started_at)).await
            }
        }
    }

    /// A failed attempt: retried with backoff while the policy allows, else recorded
    /// as a dead letter.
    async fn after_failure(
        &self,
        envelope: &Envelope,
        failure: JobFailure,
        worker: &str,
        queue: &'static str,
        task: Option<&str>,
        started_at: chrono::DateTime<Utc>,
    ) -> Result<Outcome, RuntimeError> {
        let policy = policy_of(&envelope.kind);
        let labels = job_labels(queue, envelope);
        let message = failure.message();
        let error = AttemptError {
            attempt: envelope.attempt,
            error: message.clone(),
            permanent: failure.is_permanent(),
            started_at,
            failed_at: Utc::now(),
            worker: worker.to_owned(),
        };
        self.count(queue, Counter::Failed);
        match policy.filter(|p| !failure.is_permanent() && p.may_retry(envelope.attempt)) {
            Some(p) => {
                let delay = p.backoff(envelope.attempt).max(failure.retry_after().unwrap_or_default());
                let next = envelope.retry(error);
                let run_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                let opts = EnqueueOptions { run_at: Some(run_at), idempotency_key: task.map(successor_key) };
                self.queues.enqueue(&next, &opts).await?;
                metrics::counter!("kickoff_jobs_retried_total", &labels).increment(1);
                let event = JobEvent {
                    error: Some(message),
                    ..JobEvent::of(EventKind::Retried, envelope, queue, worker, started_at)
                };
                self.emit(event);
                tracing::warn!(error = %failure, delay_ms = delay.as_millis() as u64, "job failed, retrying");
                Ok(Outcome::Retried { attempt: next.attempt, delay_ms: delay.as_millis() as u64 })
            }
            None => {
                metrics::counter!("kickoff_jobs_failed_for_good_total", &labels).increment(1);
                tracing::error!(error = %failure, "job failed for good");
                Box::pin(self.record_terminal(envelope, worker, queue, error, started_at)).await
            }
        }
    }

    /// Puts a job of a paused queue, or one that needs the unreachable database, back
    /// for later, keyed by its task so a repeated delivery puts it back once.
    async fn defer(
        &self,
        envelope: &Envelope,
        queue: &'static str,
        task: Option<&str>,
        waits_for_database: bool,
    ) -> Result<Outcome, RuntimeError> {
        let after = if waits_for_database { breaker::RETRY_AFTER } else { std::time::Duration::from_secs(1) };
        let later = EnqueueOptions {
            run_at: Some(Utc::now() + chrono::Duration::from_std(after).unwrap_or_default()),
            idempotency_key: task.map(successor_key),
        };
        self.queues.enqueue(envelope, &later).await?;
        if waits_for_database {
            metrics::counter!("kickoff_jobs_deferred_total", "queue" => queue, "reason" => "database")
                .increment(1);
            tracing::debug!(job = %envelope.id, kind = %envelope.kind, "database unreachable: job put back");
        }
        Ok(Outcome::Deferred)
    }

    /// Records a job that will not run again as a dead letter; while the database
    /// cannot take it, the letter waits in the queue backend's outbox (moved by
    /// `drain_outbox`). Only a backend that takes neither fails the delivery.
    pub(crate) async fn record_terminal(
        &self,
        envelope: &Envelope,
        worker: &str,
        queue: &str,
        error: AttemptError,
        started_at: chrono::DateTime<Utc>,
    ) -> Result<Outcome, RuntimeError> {
        jobs::failpoint::hit("before_dead_letter");
        let message = error.error.clone();
        // The slot waits for the database at most OUTCOME_WRITE_LIMIT, and not at all
        // while the breaker says it is away: the outbox takes the letter meanwhile.
        let written = if self.db_breaker.is_open() {
            Err("the database is unreachable (breaker open)".to_owned())
        } else {
            match tokio::time::timeout(
                OUTCOME_WRITE_LIMIT,
                dead_letters::record(&self.db, queue, envelope, error.clone()),
            )
            .await
            {
                Ok(Ok(letter)) => Ok(letter),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer from the database within {OUTCOME_WRITE_LIMIT:?}")),
            }
        };
        let id = match written {
            Ok(letter) => Some(letter.id),
            Err(e) => {
                let entry = OutboxEntry { queue: queue.to_owned(), envelope: envelope.clone(), error };
                self.queues.outbox_put(&entry).await?;
                metrics::counter!("kickoff_outcome_writes_failed_total", "queue" => queue.to_owned())
                    .increment(1);
                tracing::warn!(job = %envelope.id, error = %e, "dead letter kept in the outbox: the database did not take it");
                None
            }
        };
        self.queues.record_dead(queue).await?;
        let labels = job_labels(queue, envelope);
        let event = JobEvent {
            dead_letter_id: id,
            error: Some(message),
            ..JobEvent::of(EventKind::DeadLettered, envelope, queue, worker, started_at)
        };
        self.publish_dead_letter(&event).await;
        self.emit(event);
        metrics::counter!("kickoff_jobs_dead_lettered_total", &labels).increment(1);
        tracing::error!(job = %envelope.id, dead_letter = ?id, "job dead-lettered");
        Ok(Outcome::DeadLettered { id })
    }
}

/// The metric labels of a job's outcome counters.
fn job_labels(queue: &str, envelope: &Envelope) -> [(&'static str, String); 2] {
    [("queue", queue.to_owned()), ("kind", envelope.kind.clone())]
}

/// The idempotency key of what a delivery re-enqueues: one successor per task.
fn successor_key(task: &str) -> String {
    format!("next:{task}")
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
