//! The journal and live jobs on Redis: the journal is a capped list, live jobs are read
//! from apalis-redis's keys (see `redis_queue` for the layout).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use redis::AsyncCommands;

use super::{LiveJob, LiveState};
use crate::client::QueueError;
use crate::envelope::Envelope;
use crate::redis_queue::RedisQueues;

/// Removes every waiting job of a queue with its payload and metadata, without
/// `unpack` (a queue may hold more ids than Lua can pass at once).
/// KEYS: active list, scheduled set, retrying set, data hash, meta prefix
static DRAIN_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local n = 0
local function forget(id)
  redis.call("hdel", KEYS[4], id)
  redis.call("del", KEYS[5] .. ":" .. id)
  n = n + 1
end
for _, id in ipairs(redis.call("lrange", KEYS[1], 0, -1)) do forget(id) end
for _, id in ipairs(redis.call("zrange", KEYS[2], 0, -1)) do forget(id) end
redis.call("del", KEYS[1], KEYS[2], KEYS[3])
return n
"#,
    )
});

impl RedisQueues {
    /// Appends `entries` to the log `key` and drops all but its newest `cap`, newest
    /// at the head.
    pub async fn log_push_capped(&self, key: &str, entries: &[String], cap: usize) -> Result<(), QueueError> {
        let key = format!("{}{key}", self.prefix());
        let _: () = redis::pipe()
            .lpush(&key, entries)
            .ignore()
            .ltrim(&key, 0, cap as isize - 1)
            .ignore()
            .query_async(&mut self.connection())
            .await?;
        Ok(())
    }

    /// The newest `limit` entries of the log `key`, newest first.
    pub async fn log_recent(&self, key: &str, limit: usize) -> Result<Vec<String>, QueueError> {
        let key = format!("{}{key}", self.prefix());
        Ok(self.connection().lrange(key, 0, limit as isize - 1).await?)
    }

    pub async fn live_jobs(
        &self,
        queue: &str,
        state: LiveState,
        limit: usize,
    ) -> Result<Vec<LiveJob>, QueueError> {
        let mut conn = self.connection();
        let end = limit as isize - 1;
        // (task id, run_at ms, worker)
        let ids: Vec<(String, Option<i64>, Option<String>)> = match state {
            LiveState::Pending => {
                let ids: Vec<String> = conn.lrange(self.key(queue, "active"), 0, end).await?;
                ids.into_iter().map(|id| (id, None, None)).collect()
            }
            LiveState::Scheduled => {
                let ids: Vec<(String, f64)> =
                    conn.zrange_withscores(self.key(queue, "scheduled"), 0, end).await?;
                ids.into_iter().map(|(id, at)| (id, Some(at as i64), None)).collect()
            }
            LiveState::Running => {
                let workers: Vec<String> = conn.zrange(self.key(queue, "workers"), 0, -1).await?;
                let mut ids = Vec::new();
                for w in workers {
                    let held: Vec<String> = conn.smembers(self.key(queue, &format!("inflight:{w}"))).await?;
                    ids.extend(held.into_iter().map(|id| (id, None, Some(w.clone()))));
                    if ids.len() >= limit {
                        break;
                    }
                }
                ids.truncate(limit);
                ids
            }
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<&str> = ids.iter().map(|(id, _, _)| id.as_str()).collect();
        let payloads: Vec<Option<Vec<u8>>> =
            redis::cmd("HMGET").arg(self.key(queue, "data")).arg(&keys).query_async(&mut conn).await?;
        let mut out = Vec::with_capacity(ids.len());
        for ((_, run_at, worker), payload) in ids.into_iter().zip(payloads) {
            // Gone since the ids were read (finished), or not an envelope.
            let Some(envelope) = payload.and_then(|p| serde_json::from_slice::<Envelope>(&p).ok()) else {
                continue;
            };
            out.push(LiveJob {
                envelope,
                queue: queue.to_owned(),
                state,
                run_at: run_at.and_then(DateTime::<Utc>::from_timestamp_millis),
                worker,
            });
        }
        Ok(out)
    }

    pub async fn drain(&self, queue: &str) -> Result<u64, QueueError> {
        let n: u64 = DRAIN_SCRIPT
            .key(self.key(queue, "active"))
            .key(self.key(queue, "scheduled"))
            .key(self.key(queue, "retrying"))
            .key(self.key(queue, "data"))
            .key(self.key(queue, "meta"))
            .invoke_async(&mut self.connection())
            .await?;
        Ok(n)
    }
}
