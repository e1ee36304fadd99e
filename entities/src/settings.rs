//! The `[database]` section of the configuration.

use serde::{Deserialize, Serialize};

use crate::secret::ConnUrl;

/// Database connection settings. A `sqlite://` URL runs Kickoff embedded; a
/// `postgres://` URL is production mode.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: ConnUrl,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout_secs: u64,
    /// How long a SQLite connection waits on a lock held by another writer.
    pub sqlite_busy_timeout_ms: u64,
    /// Log every SQL statement at debug level.
    pub log_statements: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: ConnUrl::new("sqlite://kickoff.db"),
            max_connections: 10,
            min_connections: 1,
            connect_timeout_secs: 10,
            sqlite_busy_timeout_ms: 5_000,
            log_statements: false,
        }
    }
}
