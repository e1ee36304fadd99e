//! The scheduler: reads schedules.toml and enqueues each entry's job at each tick,
//! exactly once across any number of scheduler processes. Every process computes the
//! same ticks; the first to claim `{prefix}idem:sched:{name}:{tick_ms}` (Redis `SET NX` in the
//! enqueue script, or a row in the enqueue's transaction on the embedded backend) enqueues. A tick no
//! process claimed within the catch-up window is claimed as missed and counted, so an
//! outage is visible instead of silently skipped. The scheduler only enqueues.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use jobs::Envelope;
use jobs::schedule::{ScheduleEntry, Schedules};
pub use jobs::schedule_state::EntryState;
use jobs::schedule_state::{enabled_in, state_key};
use jobs::{EnqueueOptions, Enqueued, QueueClient, QueueError};
use tokio::sync::watch;

/// How long claims are kept: far beyond any catch-up window.
const CLAIM_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Ticks examined per entry and pass, bounding work after a long outage.
const MAX_TICKS_PER_PASS: usize = 1_000;
/// Hash of each schedule's last missed tick (unix ms), which the operator alerts read.
pub const LAST_MISSED_KEY: &str = "schedules:last_missed";

/// A scheduler process.
pub struct Scheduler {
    queues: QueueClient,
    schedules: Schedules,
    /// A tick may fire this late (a busy or restarting process); later it is missed.
    pub catch_up: chrono::Duration,
    id: String,
}

impl Scheduler {
    pub fn new(queues: impl Into<QueueClient>, schedules: Schedules) -> Self {
        Self {
            queues: queues.into(),
            schedules,
            catch_up: chrono::Duration::seconds(60),
            id: crate::runtime::names::worker_name("scheduler"),
        }
    }

    /// A shared key (the backend adds the prefix).
    fn key(&self, suffix: &str) -> String {
        format!("sched:{suffix}")
    }

    /// Fires or reports every tick of every enabled entry up to `now`; returns the
    /// earliest next tick.
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, QueueError> {
        let mut earliest: Option<DateTime<Utc>> = None;
        for entry in &self.schedules.entries {
            // A disabled entry's ticks are neither fired nor counted as missed.
            let key = state_key(&entry.name);
            let state = self.queues.hash_get_all(&key).await?;
            if !enabled_in(&state, entry) {
                self.queues.hash_set_max(&key, "seen_ms", now.timestamp_millis()).await?;
                continue;
            }
            self.pass_entry(entry, state.get("seen_ms").copied(), now).await?;
            if let Some(next) = entry.next_after(now) {
                earliest = Some(earliest.map_or(next, |e| e.min(next)));
            }
        }
        Ok(earliest)
    }

    /// `seen` is where the shared state says this entry was last examined; a new entry
    /// starts now.
    async fn pass_entry(
        &self,
        entry: &ScheduleEntry,
        seen: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let state_key = state_key(&entry.name);
        let from = match seen.and_then(|ms| Utc.timestamp_millis_opt(ms).single()) {
            Some(t) => t,
            None => {
                let start = now - chrono::Duration::milliseconds(1);
                self.queues.hash_set_if_absent(&state_key, "seen_ms", start.timestamp_millis()).await?;
                start
            }
        };
        let ticks = entry.ticks_between(from, now, MAX_TICKS_PER_PASS);
        // After a long outage only MAX_TICKS_PER_PASS ticks are examined per pass; the
        // watermark stops at the last of them so the rest are counted on the next pass.
        let watermark =
            if ticks.len() == MAX_TICKS_PER_PASS { ticks.last().copied().unwrap_or(now) } else { now };
        for tick in ticks {
            // One key per tick, claimed either by the tick's job (the enqueue's
            // idempotency key: claim and push are one atomic step, so a kill between
            // them cannot lose the tick) or by a scheduler too late to fire it.
            let claim = self.key(&format!("{}:{}", entry.name, tick.timestamp_millis()));
            let late = now - tick > self.catch_up;
            let at = tick.timestamp_millis();
            if late {
                if !self.queues.claim(&format!("idem:{claim}"), "missed", CLAIM_TTL).await? {
                    continue;
                }
                self.queues.hash_incr_stamped(&state_key, "missed", 1, "last_missed_ms", at).await?;
                self.queues.hash_set_max(LAST_MISSED_KEY, &entry.name, at).await?;
                tracing::warn!(schedule = %entry.name, tick = %tick, "missed tick");
                metrics::counter!("kickoff_schedule_missed_ticks_total", "schedule" => entry.name.clone())
                    .increment(1);
                continue;
            }
            let envelope = Envelope::new(&entry.job).scheduled_by(&entry.name);
            let keyed = EnqueueOptions { idempotency_key: Some(claim), ..Default::default() };
            if let Enqueued::Duplicate { .. } = self.queues.enqueue(&envelope, &keyed).await? {
                continue;
            }
            jobs::failpoint::hit("scheduler_after_enqueue");
            self.queues.hash_incr_stamped(&state_key, "fired", 1, "last_fire_ms", at).await?;
            tracing::info!(schedule = %entry.name, tick = %tick, job = %envelope.id, "tick fired");
        }
        self.queues.hash_set_max(&state_key, "seen_ms", watermark.timestamp_millis()).await
    }

    /// Runs passes at each tick until `stop` turns true.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) -> Result<(), QueueError> {
        tracing::info!(id = %self.id, entries = self.schedules.entries.len(), "scheduler started");
        loop {
            let now = Utc::now();
            let next = match self.pass(now).await {
                Ok(next) => next,
                Err(e) => {
                    // Backend away: try again shortly; ticks within the catch-up window still fire.
                    tracing::error!(error = %e, "scheduler pass failed");
                    Some(now + chrono::Duration::seconds(1))
                }
            };
            let wait = next
                .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
                .unwrap_or(Duration::from_secs(60))
                .min(Duration::from_secs(60));
            tokio::select! {
                _ = tokio::time::sleep(wait + Duration::from_millis(5)) => {}
                _ = stop.wait_for(|s| *s) => return Ok(()),
            }
        }
    }

    /// The table with shared state: last and next fire, fired and missed counts.
    pub async fn states(&self, now: DateTime<Utc>) -> Result<Vec<EntryState>, QueueError> {
        jobs::schedule_state::states(&self.queues, &self.schedules, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobs::JobQueue;
    use jobs::redis_queue::{RedisQueues, connect};

    /// After an outage longer than one pass can examine, every missed tick is still
    /// counted, over several passes.
    #[tokio::test]
    async fn long_outages_are_counted_in_full() {
        let redis = jobs::testing::redis_url();
        let prefix = format!("kickoff_sched_test_{}_{}:", std::process::id(), ulid::Ulid::generate());
        let queues = RedisQueues::new(connect(&redis).await.unwrap(), prefix);
        let schedules = Schedules::parse(
            "[[schedule]]\nname = \"s\"\ncron = \"* * * * * *\"\njob = { kind = \"settle_bets\" }\n",
        )
        .unwrap();
        let scheduler = Scheduler::new(queues.clone(), schedules);
        let start = Utc::now() - chrono::Duration::seconds(2_500);
        scheduler.pass(start).await.unwrap();
        let now = Utc::now();
        // 2,500 one-second ticks passed while nobody ran: three passes cover them.
        for _ in 0..3 {
            scheduler.pass(now).await.unwrap();
        }
        let state = scheduler.states(now).await.unwrap().remove(0);
        assert!((2_430..=2_501).contains(&state.missed), "missed {}", state.missed);
        // The most recent ones (within the catch-up window) fired instead.
        assert!(state.fired >= 59, "fired {}", state.fired);
        assert_eq!(state.missed + state.fired, 2_500, "every tick accounted for once");
        queues.flush_all().await.unwrap();
    }

    /// A tick whose job the queue refuses is not lost: the next pass fires it.
    #[tokio::test]
    async fn a_tick_whose_job_cannot_be_queued_fires_on_the_next_pass() {
        let (queues, store) = jobs::testing::memory_queue().await;
        let schedules = Schedules::parse(
            "[[schedule]]\nname = \"s\"\ncron = \"0 0 * * * *\"\njob = { kind = \"settle_bets\" }\n",
        )
        .unwrap();
        let scheduler = Scheduler::new(queues.clone(), schedules);
        let hour = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        scheduler.pass(hour - chrono::Duration::minutes(1)).await.unwrap();
        // The jobs table is gone: the claim and the state work, the enqueue fails.
        sqlx::query("ALTER TABLE Jobs RENAME TO JobsAway").execute(&store).await.unwrap();
        let now = hour + chrono::Duration::seconds(5);
        assert!(scheduler.pass(now).await.is_err());
        sqlx::query("ALTER TABLE JobsAway RENAME TO Jobs").execute(&store).await.unwrap();
        scheduler.pass(now).await.unwrap();
        let state = scheduler.states(now).await.unwrap().remove(0);
        assert_eq!((state.fired, state.missed), (1, 0));
        assert_eq!(queues.depth(jobs::queues::SETTLE).await.unwrap(), 1);
    }
}
