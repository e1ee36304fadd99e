//! Queue statistics read from the backend's own keys, pause and resume, and the
//! workers registered on each queue.

use chrono::{DateTime, Utc};
use entities::enums::Role;
use jobs::{QueueStats, WorkerInfo, queues};
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};

use super::{actor, audited, queue_client};
use crate::auth::Credentials;
use crate::envelope::{ApiError, ApiResult, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QueueItem {
    pub queue: String,
    /// Ready to run now.
    pub pending: u64,
    /// Waiting for a later time (first runs and retries).
    pub scheduled: u64,
    /// Of `scheduled`, retries of failed attempts.
    pub retrying: u64,
    /// Held by a live worker.
    pub running: u64,
    /// Dead-lettered since the counters started.
    pub dead: u64,
    pub done_last_hour: u64,
    pub done_last_day: u64,
    /// Age of the oldest ready job, in seconds.
    pub oldest_pending_secs: Option<f64>,
    pub paused: bool,
    /// Live workers.
    pub workers: u64,
}

impl From<QueueStats> for QueueItem {
    fn from(s: QueueStats) -> Self {
        Self {
            queue: s.queue,
            pending: s.pending,
            scheduled: s.scheduled,
            retrying: s.retrying,
            running: s.running,
            dead: s.dead,
            done_last_hour: s.done_last_hour,
            done_last_day: s.done_last_day,
            oldest_pending_secs: s.oldest_pending_secs,
            paused: s.paused,
            workers: s.workers,
        }
    }
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WorkerItem {
    pub name: String,
    pub host: String,
    pub queue: String,
    pub last_seen: DateTime<Utc>,
    pub heartbeat_age_secs: f64,
    pub alive: bool,
    pub in_flight: u64,
    /// Jobs it runs at once, as its pool recorded it.
    pub concurrency: Option<u64>,
}

/// What a drain removed.
#[derive(Clone, Debug, Object)]
pub struct Drained {
    pub queue: String,
    /// Waiting jobs deleted (pending and scheduled, retries included).
    pub removed: u64,
}

impl From<WorkerInfo> for WorkerItem {
    fn from(w: WorkerInfo) -> Self {
        let age = (Utc::now() - w.last_seen).num_milliseconds().max(0) as f64 / 1000.0;
        Self {
            name: w.name,
            host: w.host,
            queue: w.queue,
            last_seen: w.last_seen,
            heartbeat_age_secs: age,
            alive: w.alive,
            in_flight: w.in_flight,
            concurrency: None,
        }
    }
}

fn known_queue(name: &str) -> Result<&'static str, ApiError> {
    queues::ALL
        .iter()
        .find(|q| **q == name)
        .copied()
        .ok_or_else(|| ApiError::NotFound(format!("queue `{name}`")))
}

pub struct QueuesApi {
    pub state: ApiState,
}

impl QueuesApi {
    async fn set_paused(&self, auth: &Credentials, queue: &str, paused: bool) -> ApiResult<QueueItem> {
        let who = actor(auth, Role::Operator)?;
        let queue = known_queue(queue)?;
        let client = queue_client(&self.state)?;
        let done = if paused {
            jobs::pauses::pause(&self.state.db, client, queue, Some(&who.actor)).await
        } else {
            jobs::pauses::resume(&self.state.db, client, queue).await
        };
        done.map_err(|e| match e {
            jobs::pauses::PauseError::Db(d) => ApiError::Database(d),
            jobs::pauses::PauseError::Queue(q) => ApiError::Queue(q),
        })?;
        let action = if paused { "queue.pause" } else { "queue.resume" };
        audited(&self.state, &who, action, Some(queue.to_owned()), serde_json::Value::Null).await?;
        Ok(ok(client.stats(queue).await?.into(), None))
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Queues")]
impl QueuesApi {
    /// Statistics of every queue.
    #[oai(path = "/queues", method = "get")]
    async fn list(&self, auth: Credentials) -> ApiResult<Vec<QueueItem>> {
        auth.require(Role::Reader)?;
        let client = queue_client(&self.state)?;
        let mut out = Vec::with_capacity(queues::ALL.len());
        for q in queues::ALL {
            out.push(client.stats(q).await?.into());
        }
        Ok(ok(out, None))
    }

    /// Statistics of one queue.
    #[oai(path = "/queues/:queue", method = "get")]
    async fn one(&self, auth: Credentials, queue: Path<String>) -> ApiResult<QueueItem> {
        auth.require(Role::Reader)?;
        let queue = known_queue(&queue.0)?;
        Ok(ok(queue_client(&self.state)?.stats(queue).await?.into(), None))
    }

    /// Stops every worker from taking new jobs off the queue (operator).
    #[oai(path = "/queues/:queue/pause", method = "post")]
    async fn pause(&self, auth: Credentials, queue: Path<String>) -> ApiResult<QueueItem> {
        self.set_paused(&auth, &queue.0, true).await
    }

    /// Lets workers take jobs off the queue again (operator).
    #[oai(path = "/queues/:queue/resume", method = "post")]
    async fn resume(&self, auth: Credentials, queue: Path<String>) -> ApiResult<QueueItem> {
        self.set_paused(&auth, &queue.0, false).await
    }

    /// Deletes every job waiting on the queue (pending and scheduled, retries included);
    /// running jobs finish (operator).
    #[oai(path = "/queues/:queue/drain", method = "post")]
    async fn drain(&self, auth: Credentials, queue: Path<String>) -> ApiResult<Drained> {
        let who = actor(&auth, Role::Operator)?;
        let queue = known_queue(&queue.0)?;
        let removed = queue_client(&self.state)?.drain(queue).await?;
        let details = serde_json::json!({ "removed": removed });
        audited(&self.state, &who, "queue.drain", Some(queue.to_owned()), details).await?;
        Ok(ok(Drained { queue: queue.to_owned(), removed }, None))
    }

    /// Workers seen in the last day on every queue, newest heartbeat first.
    #[oai(path = "/workers", method = "get")]
    async fn workers(&self, auth: Credentials) -> ApiResult<Vec<WorkerItem>> {
        auth.require(Role::Reader)?;
        let client = queue_client(&self.state)?;
        let concurrency = client.hash_get_all(jobs::client::WORKER_CONCURRENCY_KEY).await?;
        let mut out: Vec<WorkerItem> = Vec::new();
        for q in queues::ALL {
            out.extend(client.workers(q).await?.into_iter().map(|w| {
                let c = concurrency.get(&w.name).and_then(|c| u64::try_from(*c).ok());
                WorkerItem { concurrency: c, ..WorkerItem::from(w) }
            }));
        }
        out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.name.cmp(&b.name)));
        Ok(ok(out, None))
    }
}
