//! The `[database]` section of the configuration.

use serde::{Deserialize, Serialize};

use crate::secret::ConnUrl;

/// Database connection settings. A `sqlite://` URL runs Kickoff embedded; a
/// `postgres://` URL is production mode.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: ConnUrl,
    /// Pool size per process; 0 sizes it from the CPU cores (see [`Self::pool_size`]).
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a caller waits for a SQLite connection from the pool.
    pub connect_timeout_secs: u64,
    /// How long a caller waits for a PostgreSQL connection from the pool. While the
    /// server is unreachable every wait lasts this long (the pool keeps trying to
    /// connect), so it is short: a job holding a worker slot gives up soon.
    pub pg_acquire_timeout_ms: u64,
    /// How long a SQLite connection waits on a lock held by another writer.
    pub sqlite_busy_timeout_ms: u64,
    /// Log every SQL statement at debug level.
    pub log_statements: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: ConnUrl::new("sqlite://kickoff.db"),
            max_connections: 0,
            min_connections: 1,
            connect_timeout_secs: 10,
            pg_acquire_timeout_ms: 5_000,
            sqlite_busy_timeout_ms: 10_000,
            log_statements: false,
        }
    }
}

impl DatabaseSettings {
    /// The pool size: `max_connections`, or when it is 0 twice the CPU cores. That is the
    /// usual sizing rule (cores × 2 plus disks, none when the data is cached) for a
    /// database on the same machine: more connections than that only queue in the
    /// server, where they compete with this process for the cores. On the 2-core
    /// benchmark machine 4 connections served the match list with a p99 of 16–17 ms,
    /// 10 with 20 ms. Give a database on its own host an explicit size.
    pub fn pool_size(&self) -> u32 {
        match self.max_connections {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get() as u32).saturating_mul(2).max(2),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sizes_the_pool_from_the_cores() {
        let cores = std::thread::available_parallelism().unwrap().get() as u32;
        let auto = DatabaseSettings { max_connections: 0, ..DatabaseSettings::default() };
        assert_eq!(auto.pool_size(), (2 * cores).max(2));
        let fixed = DatabaseSettings { max_connections: 7, ..DatabaseSettings::default() };
        assert_eq!(fixed.pool_size(), 7);
    }
}
