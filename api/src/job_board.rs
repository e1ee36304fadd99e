//! Jobs as the dashboard and the admin API show them: waiting and running jobs read from
//! the queues, finished attempts from each queue's journal, one row shape for both, a
//! job's chain as a tree, and a schedule's last runs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use jobs::journal::{EventKind, JobEvent, LiveJob, LiveState};
use jobs::{QueueClient, QueueError, queues};

/// Waiting or running jobs read per queue and state at most.
pub const LIVE_SHOWN: usize = 500;

/// The states a job list can show, in tab order.
pub const STATES: [&str; 6] = ["pending", "scheduled", "running", "succeeded", "retried", "dead_lettered"];

/// One row of a job list: a live job or a finished attempt (`JobItem` in the API).
#[derive(Clone, Debug, poem_openapi::Object)]
#[oai(rename = "JobItem", skip_serializing_if_is_none)]
pub struct Row {
    pub id: String,
    pub kind: String,
    pub queue: String,
    /// `pending`, `scheduled`, `running`, or how the attempt ended: `succeeded`,
    /// `retried`, `dead_lettered`.
    pub state: String,
    pub attempt: u32,
    pub args: serde_json::Value,
    pub error: Option<String>,
    /// When the attempt ended (finished), becomes due (scheduled) or was enqueued.
    pub at: DateTime<Utc>,
    pub worker: Option<String>,
    pub parent: Option<String>,
    /// The root job of its fan-out chain (itself when it has no parent).
    pub chain: String,
    /// The schedule entry that started the chain.
    pub schedule: Option<String>,
}

impl Row {
    pub fn live(j: LiveJob) -> Self {
        let e = j.envelope;
        Row {
            chain: e.root.clone().unwrap_or_else(|| e.id.clone()),
            error: e.errors.last().map(|a| a.error.clone()),
            at: j.run_at.unwrap_or(e.enqueued_at),
            state: j.state.as_str().to_owned(),
            id: e.id,
            kind: e.kind,
            queue: j.queue,
            attempt: e.attempt,
            args: e.args,
            worker: j.worker,
            parent: e.parent,
            schedule: e.schedule,
        }
    }

    /// Whether the row is of `kind` (when given), its arguments as JSON contain `args` and
    /// its error contains `error` (when given; case-insensitive).
    pub fn matches(&self, kind: &str, args: &str, error: &str) -> bool {
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.trim().to_lowercase());
        (kind.trim().is_empty() || self.kind == kind.trim())
            && (args.trim().is_empty() || has(&self.args.to_string(), args))
            && (error.trim().is_empty() || self.error.as_deref().is_some_and(|e| has(e, error)))
    }

    pub fn finished(e: JobEvent) -> Self {
        Row {
            chain: e.chain().to_owned(),
            state: e.event.as_str().to_owned(),
            id: e.job_id,
            kind: e.kind,
            queue: e.queue,
            attempt: e.attempt,
            args: e.args,
            error: e.error,
            at: e.at,
            worker: Some(e.worker).filter(|w| !w.is_empty()),
            parent: e.parent,
            schedule: e.schedule,
        }
    }
}

/// Every row of `states` on `queues`: live jobs oldest first, finished attempts newest first.
pub async fn rows(client: &QueueClient, queues: &[&str], states: &[&str]) -> Result<Vec<Row>, QueueError> {
    let mut out = Vec::new();
    for state in states {
        let live = LiveState::ALL.into_iter().find(|s| s.as_str() == *state);
        for q in queues {
            match live {
                Some(s) => out.extend(client.live_jobs(q, s, LIVE_SHOWN).await?.into_iter().map(Row::live)),
                None => out.extend(
                    client
                        .journal(q, jobs::journal::JOURNAL_CAP)
                        .await?
                        .into_iter()
                        .filter(|e| e.event.as_str() == *state)
                        .map(Row::finished),
                ),
            }
        }
    }
    Ok(out)
}

/// The journal of every queue, newest first within each queue.
pub async fn all_finished(client: &QueueClient) -> Result<Vec<JobEvent>, QueueError> {
    let mut out = Vec::new();
    for q in queues::ALL {
        out.extend(client.journal(q, jobs::journal::JOURNAL_CAP).await?);
    }
    Ok(out)
}

/// Every live job of every queue.
pub async fn all_live(client: &QueueClient) -> Result<Vec<LiveJob>, QueueError> {
    let mut out = Vec::new();
    for q in queues::ALL {
        for s in LiveState::ALL {
            out.extend(client.live_jobs(q, s, LIVE_SHOWN).await?);
        }
    }
    Ok(out)
}

/// One job of a chain: its newest state and its children.
pub struct Node {
    pub row: Row,
    pub children: Vec<String>,
}

/// The rows of a chain, one per job (its newest state), keyed by job id.
pub async fn chain_of(client: &QueueClient, root: &str) -> Result<BTreeMap<String, Node>, QueueError> {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    // A job's latest attempt is its highest (clocks of two workers may disagree).
    for e in all_finished(client).await?.into_iter().filter(|e| e.chain() == root) {
        let newer = nodes.get(&e.job_id).is_some_and(|n| (n.row.attempt, n.row.at) >= (e.attempt, e.at));
        if !newer {
            nodes.insert(e.job_id.clone(), Node { row: Row::finished(e), children: Vec::new() });
        }
    }
    // A job still on a queue is there after its last finished attempt.
    for j in all_live(client).await? {
        let row = Row::live(j);
        if row.chain == root {
            nodes.insert(row.id.clone(), Node { row, children: Vec::new() });
        }
    }
    let links: Vec<(String, String)> =
        nodes.values().filter_map(|n| n.row.parent.clone().map(|p| (p, n.row.id.clone()))).collect();
    for (parent, child) in links {
        if let Some(p) = nodes.get_mut(&parent) {
            p.children.push(child);
        }
    }
    for n in nodes.values_mut() {
        n.children.sort();
    }
    Ok(nodes)
}

/// The newest `n` runs a schedule started (its root jobs' latest outcome).
pub fn last_runs<'a>(finished: &'a [JobEvent], schedule: &str, n: usize) -> Vec<&'a JobEvent> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&JobEvent> =
        finished.iter().filter(|e| e.parent.is_none() && e.schedule.as_deref() == Some(schedule)).collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    out.retain(|e| seen.insert(e.job_id.clone()));
    out.truncate(n);
    out
}

/// A short label of an outcome.
pub fn outcome_label(e: &JobEvent) -> &'static str {
    match e.event {
        EventKind::Succeeded => "ok",
        EventKind::Retried => "retrying",
        EventKind::DeadLettered => "dead",
    }
}

/// One job: where it is now (its queue entry if it still has one, else its last finished
/// attempt), the entry itself, and its finished attempts oldest first; `None` when neither
/// the queues nor the journal know it.
pub async fn find(
    client: &QueueClient,
    id: &str,
) -> Result<Option<(Row, Option<LiveJob>, Vec<JobEvent>)>, QueueError> {
    let live = all_live(client).await?.into_iter().find(|j| j.envelope.id == id);
    let mut attempts: Vec<JobEvent> =
        all_finished(client).await?.into_iter().filter(|e| e.job_id == id).collect();
    attempts.sort_by_key(|e| (e.attempt, e.at));
    let row = match &live {
        Some(j) => Row::live(j.clone()),
        None => match attempts.last() {
            Some(e) => Row::finished(e.clone()),
            None => return Ok(None),
        },
    };
    Ok(Some((row, live, attempts)))
}
