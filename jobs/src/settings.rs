//! The `[queue]` section: which backend carries the jobs, and the key prefix that
//! keeps environments and tests apart.

use entities::secret::ConnUrl;
use serde::{Deserialize, Serialize};

/// Queue settings. `redis://` (or `rediss://`) selects Redis; `sqlite://` selects the
/// embedded queue, which lives in the same SQLite file as the data when the URLs match.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSettings {
    pub url: ConnUrl,
    /// Key prefix; `{env}` is replaced by the environment name (`KICKOFF_ENV`).
    pub prefix: String,
    /// PEM file of the CA a `rediss://` server's certificate must chain to, instead of
    /// the system's roots; empty for the system's roots.
    #[serde(default)]
    pub tls_ca_file: String,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            url: ConnUrl::new("sqlite://kickoff.db"),
            prefix: "kickoff:{env}:".to_owned(),
            tls_ca_file: String::new(),
        }
    }
}

/// The queue backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueBackend {
    /// apalis-sqlite on the embedded database: no server needed.
    Embedded,
    /// apalis-redis: production and scale-out.
    Redis,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueSettingsError {
    #[error("queue.url scheme `{0}` is not supported (expected redis://, rediss:// or sqlite://)")]
    UnsupportedScheme(String),
    #[error("queue.prefix must not be empty")]
    EmptyPrefix,
}

impl QueueSettings {
    pub fn backend(&self) -> Result<QueueBackend, QueueSettingsError> {
        match self.url.scheme().as_str() {
            "redis" | "rediss" => Ok(QueueBackend::Redis),
            "sqlite" => Ok(QueueBackend::Embedded),
            other => Err(QueueSettingsError::UnsupportedScheme(other.to_owned())),
        }
    }

    /// The Redis client of `url`, with the configured CA.
    pub fn redis_client(&self) -> Result<redis::Client, crate::redis_queue::tls::ClientError> {
        let ca = (!self.tls_ca_file.is_empty()).then(|| std::path::Path::new(&self.tls_ca_file));
        crate::redis_queue::tls::client(self.url.expose(), ca)
    }

    /// The key prefix for environment `env`.
    pub fn prefix_for(&self, env: &str) -> Result<String, QueueSettingsError> {
        if self.prefix.is_empty() {
            return Err(QueueSettingsError::EmptyPrefix);
        }
        Ok(self.prefix.replace("{env}", env))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> QueueSettings {
        QueueSettings { url: ConnUrl::new(url), ..QueueSettings::default() }
    }

    #[test]
    fn backend_follows_url() {
        assert_eq!(QueueSettings::default().backend(), Ok(QueueBackend::Embedded));
        assert_eq!(with_url("redis://127.0.0.1:6379/0").backend(), Ok(QueueBackend::Redis));
        assert_eq!(with_url("rediss://h").backend(), Ok(QueueBackend::Redis));
        assert_eq!(with_url("amqp://h").backend(), Err(QueueSettingsError::UnsupportedScheme("amqp".into())));
    }

    #[test]
    fn prefix_carries_environment() {
        assert_eq!(QueueSettings::default().prefix_for("test").unwrap(), "kickoff:test:");
        let empty = QueueSettings { prefix: String::new(), ..QueueSettings::default() };
        assert_eq!(empty.prefix_for("x"), Err(QueueSettingsError::EmptyPrefix));
    }
}
