//! The shared state of each schedule entry, which every scheduler process and the API
//! read and write through the queue backend: fired and missed counts, last fire, and
//! an operator's enable/disable override of what schedules.toml says.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use crate::client::{EnqueueOptions, Enqueued, QueueClient, QueueError};
use crate::envelope::Envelope;
use crate::schedule::{ScheduleEntry, Schedules};

/// State of one schedule entry, shared by all scheduler processes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EntryState {
    pub name: String,
    pub cron: String,
    pub timezone: String,
    /// Effective: the operator's override if any, else schedules.toml.
    pub enabled: bool,
    /// Whether `enabled` comes from an operator's override.
    pub overridden: bool,
    pub kind: String,
    pub last_fire: Option<DateTime<Utc>>,
    pub next_fire: Option<DateTime<Utc>>,
    pub fired: u64,
    pub missed: u64,
    pub last_missed: Option<DateTime<Utc>>,
    pub runs_now: u64,
    pub last_run_now: Option<DateTime<Utc>>,
}

/// The shared hash of an entry (the backend adds the prefix).
pub fn state_key(name: &str) -> String {
    format!("sched:state:{name}")
}

const OVERRIDE: &str = "enabled_override";

/// Whether `entry` fires, given its shared state (`state_key`): an operator's override
/// wins over schedules.toml.
pub fn enabled_in(state: &HashMap<String, i64>, entry: &ScheduleEntry) -> bool {
    state.get(OVERRIDE).map_or(entry.enabled, |v| *v != 0)
}

/// Enables or disables an entry for every scheduler process, until changed again.
pub async fn set_enabled(queues: &QueueClient, name: &str, enabled: bool) -> Result<(), QueueError> {
    queues.hash_set(&state_key(name), OVERRIDE, i64::from(enabled)).await
}

/// Enqueues an entry's job now, outside its cron, and counts it.
pub async fn run_now(
    queues: &QueueClient,
    entry: &ScheduleEntry,
) -> Result<(Envelope, Enqueued), QueueError> {
    let envelope = Envelope::new(&entry.job).scheduled_by(&entry.name);
    let outcome = queues.enqueue(&envelope, &EnqueueOptions::default()).await?;
    let at = Utc::now().timestamp_millis();
    queues.hash_incr_stamped(&state_key(&entry.name), "runs_now", 1, "last_run_now_ms", at).await?;
    Ok((envelope, outcome))
}

/// One entry's state.
pub async fn state_of(
    queues: &QueueClient,
    entry: &ScheduleEntry,
    now: DateTime<Utc>,
) -> Result<EntryState, QueueError> {
    let h = queues.hash_get_all(&state_key(&entry.name)).await?;
    let at = |k: &str| h.get(k).and_then(|ms| Utc.timestamp_millis_opt(*ms).single());
    let count = |k: &str| h.get(k).copied().unwrap_or(0).max(0) as u64;
    let enabled = enabled_in(&h, entry);
    Ok(EntryState {
        name: entry.name.clone(),
        cron: entry.cron.clone(),
        timezone: entry.timezone.to_string(),
        enabled,
        overridden: h.contains_key(OVERRIDE),
        kind: entry.job.kind().to_owned(),
        last_fire: at("last_fire_ms"),
        next_fire: if enabled { entry.next_after(now) } else { None },
        fired: count("fired"),
        missed: count("missed"),
        last_missed: at("last_missed_ms"),
        runs_now: count("runs_now"),
        last_run_now: at("last_run_now_ms"),
    })
}

/// Every entry's state, in file order.
pub async fn states(
    queues: &QueueClient,
    schedules: &Schedules,
    now: DateTime<Utc>,
) -> Result<Vec<EntryState>, QueueError> {
    let mut out = Vec::with_capacity(schedules.entries.len());
    for e in &schedules.entries {
        out.push(state_of(queues, e, now).await?);
    }
    Ok(out)
}
