//! What the Redis server behind the queues promises to keep. Queued jobs live only in
//! Redis: an eviction policy other than `noeviction` deletes them when memory runs
//! short, and a server without persistence (no AOF, no RDB snapshots) loses every one
//! of them when it restarts, with no trace. Workers and schedulers read this at start
//! and refuse such a server (the missing persistence only in `production`); `queues
//! stats` and `/ready` show the run id, which changes whenever the server restarts.

use redis::aio::ConnectionManager;
use serde::Serialize;

use crate::client::QueueError;

/// The server's identity and the settings that decide whether queued jobs survive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RedisServer {
    pub version: String,
    /// New at every start of the server: a different one means it restarted.
    pub run_id: String,
    pub uptime_secs: u64,
    pub maxmemory_policy: String,
    /// `appendonly yes`.
    pub aof: bool,
    /// The RDB `save` rules; `None` when the server refuses `CONFIG GET` (managed
    /// services often do), so whether it snapshots is unknown.
    pub save: Option<String>,
}

/// Why a server is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DurabilityError {
    #[error(
        "Redis maxmemory-policy is `{0}`: it may evict queued jobs when memory runs short; \
         set `maxmemory-policy noeviction`"
    )]
    Eviction(String),
    #[error(
        "Redis keeps nothing on disk (appendonly no, save \"\"): a restart drops every queued \
         job. Set `appendonly yes` (and keep `maxmemory-policy noeviction`)"
    )]
    NoPersistence,
}

impl RedisServer {
    /// Whether the server writes its data to disk (AOF, or RDB snapshots).
    pub fn persistent(&self) -> Option<bool> {
        if self.aof {
            return Some(true);
        }
        self.save.as_ref().map(|s| !s.trim().is_empty())
    }

    /// Refuses a server that may drop queued jobs: an eviction policy always, no
    /// persistence when `production`. Otherwise the warning to log, if any.
    pub fn check(&self, production: bool) -> Result<Option<String>, DurabilityError> {
        if self.maxmemory_policy != "noeviction" {
            return Err(DurabilityError::Eviction(self.maxmemory_policy.clone()));
        }
        match self.persistent() {
            Some(true) => Ok(None),
            Some(false) if production => Err(DurabilityError::NoPersistence),
            Some(false) => Ok(Some(DurabilityError::NoPersistence.to_string())),
            None => Ok(Some(
                "Redis refused CONFIG GET save and has AOF off: whether it snapshots queued jobs \
                 to disk is unknown; make sure it does"
                    .to_owned(),
            )),
        }
    }
}

/// `field:value` lines of an `INFO` answer.
fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')).map(str::trim)
}

/// Reads the server's identity and durability settings: `INFO` (which managed services
/// allow), and `CONFIG GET save` when the server allows it.
pub async fn inspect(conn: &ConnectionManager) -> Result<RedisServer, QueueError> {
    let mut conn = conn.clone();
    // Plain INFO (its default sections hold all three): Redis before 7 takes one section
    // name at most.
    let info: String = redis::cmd("INFO").query_async(&mut conn).await?;
    let field = |name: &str| info_field(&info, name).unwrap_or_default().to_owned();
    let save = match redis::cmd("CONFIG").arg("GET").arg("save").query_async::<Vec<String>>(&mut conn).await {
        Ok(pair) => pair.get(1).cloned(),
        Err(e) if e.kind() == redis::ErrorKind::Io => return Err(e.into()),
        Err(_) => None,
    };
    Ok(RedisServer {
        version: field("redis_version"),
        run_id: field("run_id"),
        uptime_secs: field("uptime_in_seconds").parse().unwrap_or_default(),
        maxmemory_policy: field("maxmemory_policy"),
        aof: field("aof_enabled") == "1",
        save,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(policy: &str, aof: bool, save: Option<&str>) -> RedisServer {
        RedisServer {
            version: "7.0.15".into(),
            run_id: "abc".into(),
            uptime_secs: 10,
            maxmemory_policy: policy.into(),
            aof,
            save: save.map(str::to_owned),
        }
    }

    #[test]
    fn eviction_is_refused_everywhere_and_no_persistence_in_production() {
        for production in [false, true] {
            for policy in ["allkeys-lru", "volatile-lru", "allkeys-random", "volatile-ttl"] {
                assert_eq!(
                    server(policy, true, Some("3600 1")).check(production),
                    Err(DurabilityError::Eviction(policy.into()))
                );
            }
            assert_eq!(server("noeviction", true, Some("")).check(production), Ok(None));
            assert_eq!(server("noeviction", false, Some("3600 1 300 100")).check(production), Ok(None));
        }
        let bare = server("noeviction", false, Some(""));
        assert_eq!(bare.check(true), Err(DurabilityError::NoPersistence));
        assert!(bare.check(false).unwrap().unwrap().contains("a restart drops every queued job"));
        // CONFIG refused and AOF off: unknown, a warning in every environment.
        let managed = server("noeviction", false, None);
        assert!(managed.check(true).unwrap().unwrap().contains("unknown"));
    }

    #[test]
    fn info_fields_are_read_by_name() {
        let info =
            "# Server\r\nredis_version:7.0.15\r\nrun_id:9f2c\r\n# Memory\r\nmaxmemory_policy:noeviction\r\n";
        assert_eq!(info_field(info, "run_id"), Some("9f2c"));
        assert_eq!(info_field(info, "maxmemory_policy"), Some("noeviction"));
        assert_eq!(info_field(info, "redis_version"), Some("7.0.15"));
        assert_eq!(info_field(info, "aof_enabled"), None);
    }
}
