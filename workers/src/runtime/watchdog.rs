//! Liveness of one apalis worker, seen from outside it.
//!
//! apalis drives a worker's heartbeat from the same state machine that fetches its
//! jobs, so a fetch or heartbeat future that never completes wedges the worker: it
//! neither takes jobs nor ends, and its queue stalls while the process looks healthy.
//! The pool watches each worker's heartbeat events and replaces a worker that has
//! gone silent while idle.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Heartbeats and in-flight jobs of one worker.
#[derive(Debug)]
pub struct Liveness {
    origin: Instant,
    /// Milliseconds from `origin` to the last heartbeat (or the start).
    last_beat_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Liveness {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            last_beat_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    /// Called on every apalis heartbeat event (registration counts as one).
    pub fn beat(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_beat_ms.store(ms, Ordering::Relaxed);
    }

    /// Time since the last heartbeat.
    pub fn silence(&self) -> Duration {
        let last = Duration::from_millis(self.last_beat_ms.load(Ordering::Relaxed));
        self.origin.elapsed().saturating_sub(last)
    }

    /// Marks a job running until the guard drops.
    pub fn job(self: &Arc<Self>) -> JobGuard {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        JobGuard(self.clone())
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }
}

/// Decrements the in-flight count when the job ends, however it ends.
pub struct JobGuard(Arc<Liveness>);

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves once the worker has been silent for `limit` with no job in flight, checking
/// every `every`. A busy worker is left alone: a full worker may legitimately skip
/// heartbeats while its batch waits for a free slot, and replacing it would drop the
/// acknowledgements of the jobs it is running.
pub async fn stalled(live: &Liveness, limit: Duration, every: Duration) -> Duration {
    loop {
        tokio::time::sleep(every).await;
        let silence = live.silence();
        if silence >= limit && live.in_flight() == 0 {
            return silence;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(12);
    const EVERY: Duration = Duration::from_secs(2);

    #[tokio::test(start_paused = true)]
    async fn a_silent_idle_worker_is_reported_once_the_limit_passes() {
        let live = Liveness::new();
        let started = Instant::now();
        let silence = stalled(&live, LIMIT, EVERY).await;
        assert!(silence >= LIMIT, "{silence:?}");
        assert!(
            started.elapsed() >= LIMIT && started.elapsed() < LIMIT + EVERY * 2,
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeats_keep_the_watchdog_quiet() {
        let live = Liveness::new();
        let beating = {
            let live = live.clone();
            async move {
                for _ in 0..30 {
                    tokio::time::sleep(EVERY).await;
                    live.beat();
                }
            }
        };
        tokio::select! {
            _ = beating => {}
            silence = stalled(&live, LIMIT, EVERY) => panic!("reported a beating worker after {silence:?}"),
        }
        // Once the beats stop, the stall is reported.
        let silence = stalled(&live, LIMIT, EVERY).await;
        assert!(silence >= LIMIT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_worker_with_a_job_in_flight_is_left_alone_until_the_job_ends() {
        let live = Liveness::new();
        let guard = live.job();
        assert_eq!(live.in_flight(), 1);
        let outcome = tokio::time::timeout(LIMIT * 5, stalled(&live, LIMIT, EVERY)).await;
        assert!(outcome.is_err(), "reported a worker that was running a job");
        drop(guard);
        assert_eq!(live.in_flight(), 0);
        let silence = stalled(&live, LIMIT, EVERY).await;
        assert!(silence >= LIMIT * 5);
    }
}
