//! What Kickoff owns beside apalis-redis on the delivery path: heartbeats and orphan
//! sweeps on Redis server time, per-task delivery marks, and the dead-letter outbox.
//!
//! Keys, for a queue `q` (prefix + queue name):
//! - `q:beats` (zset worker → last heartbeat, Redis server unix ms). apalis's own
//!   `q:workers` scores are each host's clock; they only say who is registered.
//! - `q:run:{task}` (hash `n` deliveries, `done` 1 once the outcome is recorded),
//!   expiring after [`crate::backend::MARK_TTL`] and deleted by the vacuum once the task
//!   is acknowledged; written in batches by `marks`.
//! - `{prefix}outbox:dead_letters` (hash `{job}:{attempt}` → [`OutboxEntry`] JSON).

use std::sync::LazyLock;

use redis::AsyncCommands;

use super::RedisQueues;
use crate::backend::{Delivery, ORPHAN_AFTER, OutboxEntry};
use crate::client::QueueError;

/// Redis server time in unix milliseconds, in Lua.
const NOW_MS: &str = r#"local t = redis.call("time")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"#;

/// Refreshes a registered worker's heartbeat on the server's clock. A worker missing
/// from apalis's registry (swept as dead) is not brought back.
/// KEYS: workers (apalis), beats. ARGV: worker.
static KEEP_ALIVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{NOW_MS}
if not redis.call("zscore", KEYS[1], ARGV[1]) then return 0 end
redis.call("zadd", KEYS[1], "XX", math.floor(now / 1000), ARGV[1])
redis.call("zadd", KEYS[2], now, ARGV[1])
return 1
"#
    ))
});

/// Lua: puts the task ids `ids` back at the front of the ready list (KEYS[3]). An id
/// whose payload (in KEYS[6]) is gone (a flushed key, a partial restore) would fail
/// every fetch that takes it, so it goes to the dead set (KEYS[8]) instead, where
/// housekeeping makes it a dead letter; an id that lost only its metadata
/// (`KEYS[7]:{id}`) gets the metadata a push writes, and goes back.
const GIVE_BACK_IDS: &str = r#"local function give_back(ids)
  local back, dead = {}, {}
  for _, id in ipairs(ids) do
    if redis.call("hexists", KEYS[6], id) == 1 then
      local meta = KEYS[7] .. ":" .. id
      if redis.call("exists", meta) == 0 then
        redis.call("hset", meta, "attempts", 0, "max_attempts", 1, "status", "Pending")
      end
      back[#back + 1] = id
    else
      dead[#dead + 1] = id
    end
  end
  for i = 1, #back, 1000 do
    redis.call("lpush", KEYS[3], unpack(back, i, math.min(i + 999, #back)))
  end
  for i = 1, #dead, 1000 do
    redis.call("sadd", KEYS[8], unpack(dead, i, math.min(i + 999, #dead)))
  end
  return #back
end
"#;

/// Gives the in-flight jobs of every worker silent for ARGV[1] ms back to the *front*
/// of the ready list (they were fetched first) and forgets the worker. A registered
/// worker not yet seen beating is first seen now.
/// KEYS: workers (apalis), beats, active list, signal list, in-flight set prefix,
/// data hash, metadata prefix, dead set.
static SWEEP: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{NOW_MS}{GIVE_BACK_IDS}
local limit = tonumber(ARGV[1])
local moved = 0
for _, worker in ipairs(redis.call("zrange", KEYS[1], 0, -1)) do
  local beat = redis.call("zscore", KEYS[2], worker)
  if not beat then
    redis.call("zadd", KEYS[2], now, worker)
  elseif now - tonumber(beat) > limit then
    local inflight = KEYS[5] .. ":" .. worker
    moved = moved + give_back(redis.call("smembers", inflight))
    redis.call("del", inflight)
    redis.call("zrem", KEYS[1], worker)
    redis.call("zrem", KEYS[2], worker)
  end
end
for _, worker in ipairs(redis.call("zrange", KEYS[2], 0, -1)) do
  if not redis.call("zscore", KEYS[1], worker) then redis.call("zrem", KEYS[2], worker) end
end
if moved > 0 then
  redis.call("del", KEYS[4])
  redis.call("lpush", KEYS[4], 1)
end
return moved
"#
    ))
});

/// Gives one worker's in-flight jobs back to the front of the ready list and forgets
/// the worker (its process is stopping).
/// KEYS: as SWEEP, with the worker's own in-flight set as KEYS[5]. ARGV: worker.
static HAND_BACK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{GIVE_BACK_IDS}
local moved = give_back(redis.call("smembers", KEYS[5]))
redis.call("del", KEYS[5])
redis.call("zrem", KEYS[1], ARGV[1])
redis.call("zrem", KEYS[2], ARGV[1])
if moved > 0 then
  redis.call("del", KEYS[4])
  redis.call("lpush", KEYS[4], 1)
end
return moved
"#
    ))
});

/// Server time (unix ms) and the beats of every worker of a queue.
/// KEYS: beats.
static BEATS: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{NOW_MS}
return {{now, redis.call("zrange", KEYS[1], 0, -1, "WITHSCORES")}}
"#
    ))
});

impl RedisQueues {
    pub(super) async fn beat(&self, queue: &str, worker: &str) -> Result<(), QueueError> {
        let _: i64 = KEEP_ALIVE
            .key(self.key(queue, "workers"))
            .key(self.key(queue, "beats"))
            .arg(worker)
            .invoke_async(&mut self.connection())
            .await?;
        Ok(())
    }

    pub(super) async fn sweep(&self, queue: &str) -> Result<u64, QueueError> {
        let moved: u64 = self
            .give_back_keys(&SWEEP, queue, &self.key(queue, "inflight"))
            .arg(ORPHAN_AFTER.as_millis() as u64)
            .invoke_async(&mut self.connection())
            .await?;
        Ok(moved)
    }

    pub(super) async fn give_back(&self, queue: &str, worker: &str) -> Result<u64, QueueError> {
        let moved: u64 = self
            .give_back_keys(&HAND_BACK, queue, &self.key(queue, &format!("inflight:{worker}")))
            .arg(worker)
            .invoke_async(&mut self.connection())
            .await?;
        Ok(moved)
    }

    /// `script` with the keys SWEEP and HAND_BACK share; `inflight` is KEYS[5] (the
    /// in-flight set prefix, or one worker's set).
    fn give_back_keys<'a>(
        &self,
        script: &'a redis::Script,
        queue: &str,
        inflight: &str,
    ) -> redis::ScriptInvocation<'a> {
        let mut invocation = script.prepare_invoke();
        for key in [
            self.key(queue, "workers"),
            self.key(queue, "beats"),
            self.key(queue, "active"),
            self.key(queue, "signal"),
            inflight.to_owned(),
            self.key(queue, "data"),
            self.key(queue, "meta"),
            self.key(queue, "dead"),
        ] {
            invocation.key(key);
        }
        invocation
    }

    /// Server time and each worker's last heartbeat, both unix ms.
    pub(super) async fn beats(&self, queue: &str) -> Result<(i64, Vec<(String, i64)>), QueueError> {
        let (now, flat): (i64, Vec<String>) =
            BEATS.key(self.key(queue, "beats")).invoke_async(&mut self.connection()).await?;
        let beats =
            flat.chunks_exact(2).map(|p| (p[0].clone(), p[1].parse::<f64>().unwrap_or(0.0) as i64)).collect();
        Ok((now, beats))
    }

    fn run_key(&self, queue: &str, task: &str) -> String {
        self.key(queue, &format!("run:{task}"))
    }

    pub(super) async fn begin(&self, queue: &str, task: &str) -> Result<Delivery, QueueError> {
        self.marks.begin(&self.conn, self.run_key(queue, task)).await
    }

    pub(super) async fn finish(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        self.marks.finish(&self.conn, self.run_key(queue, task)).await
    }

    fn outbox_key(&self) -> String {
        format!("{}outbox:dead_letters", self.prefix())
    }

    pub(super) async fn outbox_add(&self, entry: &OutboxEntry) -> Result<(), QueueError> {
        let json = serde_json::to_string(entry)?;
        let _: i64 = self.connection().hset(self.outbox_key(), entry.key(), json).await?;
        Ok(())
    }

    pub(super) async fn outbox_read(&self, limit: usize) -> Result<Vec<OutboxEntry>, QueueError> {
        let (_, flat): (u64, Vec<String>) = redis::cmd("HSCAN")
            .arg(self.outbox_key())
            .arg(0)
            .arg("COUNT")
            .arg(limit.max(1))
            .query_async(&mut self.connection())
            .await?;
        let mut out = Vec::new();
        for pair in flat.chunks_exact(2).take(limit) {
            match serde_json::from_str::<OutboxEntry>(&pair[1]) {
                Ok(e) => out.push(e),
                // Not ours to judge: leave it for an operator, but say so.
                Err(e) => tracing::warn!(key = %pair[0], error = %e, "undecodable dead-letter outbox entry"),
            }
        }
        Ok(out)
    }

    pub(super) async fn outbox_delete(&self, key: &str) -> Result<(), QueueError> {
        let _: i64 = self.connection().hdel(self.outbox_key(), key).await?;
        Ok(())
    }

    /// Task ids apalis-redis parked in its own dead set (it does when a handler returns
    /// an error 25 times), up to `limit`, with their payloads.
    pub(super) async fn apalis_dead(
        &self,
        queue: &str,
        limit: usize,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, QueueError> {
        let mut conn = self.connection();
        let ids: Vec<String> = conn.srandmember_multiple(self.key(queue, "dead"), limit as isize).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let data: Option<Vec<u8>> = conn.hget(self.key(queue, "data"), &id).await?;
            out.push((id, data));
        }
        Ok(out)
    }

    /// Moves a task out of apalis's dead set into the done set (its payload then goes
    /// with the next vacuum), once its dead letter is recorded.
    pub(super) async fn forget_apalis_dead(&self, queue: &str, task: &str) -> Result<(), QueueError> {
        let _: bool = self.connection().smove(self.key(queue, "dead"), self.key(queue, "done"), task).await?;
        Ok(())
    }
}
