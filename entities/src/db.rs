//! Opening the database: one pool per process, shared by SeaORM and (on SQLite) the
//! embedded queue.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::{DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::settings::DatabaseSettings;

/// The database engines Kickoff runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a URL selects.
    pub fn of_url(url: &str) -> Result<Self, DbError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            other => Err(DbError::UnsupportedScheme(other.to_owned())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL scheme `{0}` is not supported (expected sqlite:// or postgres://)")]
    UnsupportedScheme(String),
    #[error("invalid database URL {url}: {source}")]
    InvalidUrl { url: String, source: sqlx::Error },
    #[error("cannot connect to the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
}

/// Connects with the pool settings from `settings`. SQLite files are created when
/// missing and opened in WAL mode with a busy timeout, so several processes can share
/// one file.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbError> {
    let url = settings.url.expose();
    let shown = settings.url.masked();
    let invalid = |source| DbError::InvalidUrl { url: shown.clone(), source };
    let connect_err = |source| DbError::Connect { url: shown.clone(), source };
    let timeout = Duration::from_secs(settings.connect_timeout_secs);
    match Engine::of_url(url)? {
        Engine::Sqlite => {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(invalid)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_millis(settings.sqlite_busy_timeout_ms))
                .foreign_keys(true);
            // An in-memory database exists once per connection: keep exactly one.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let max = if in_memory { 1 } else { settings.pool_size() };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(settings.min_connections.min(max))
                .acquire_timeout(timeout)
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
        }
        Engine::Postgres => {
            let opts = PgConnectOptions::from_str(url).map_err(invalid)?;
            let port = opts.get_port();
            let pool = PgPoolOptions::new()
                .after_connect(move |_, _| {
                    Box::pin(async move {
                        crate::nodelay::enable_for_peer_port(port);
                        Ok(())
                    })
                })
                // No round trip to test each connection on every acquire: a broken one
                // fails its query, is dropped, and the pool opens another.
                .test_before_acquire(false)
                .max_connections(settings.pool_size())
                .min_connections(settings.min_connections)
                .acquire_timeout(Duration::from_millis(settings.pg_acquire_timeout_ms))
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_follows_scheme() {
        assert_eq!(Engine::of_url("sqlite://x.db").unwrap(), Engine::Sqlite);
        assert_eq!(Engine::of_url("postgres://h/db").unwrap(), Engine::Postgres);
        assert_eq!(Engine::of_url("postgresql://h/db").unwrap(), Engine::Postgres);
        assert!(matches!(
            Engine::of_url("mysql://h/db"),
            Err(DbError::UnsupportedScheme(s)) if s == "mysql"
        ));
    }

    #[tokio::test]
    async fn sqlite_file_is_created_in_wal_mode() {
        use sea_orm::{ConnectionTrait, Statement};
        let dir = std::env::temp_dir().join(format!("kickoff-db-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wal.db");
        let settings = DatabaseSettings {
            url: crate::secret::ConnUrl::new(format!("sqlite://{}", path.display())),
            ..DatabaseSettings::default()
        };
        let db = connect(&settings).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), "PRAGMA journal_mode"))
            .await
            .unwrap()
            .unwrap();
        let mode: String = row.try_get_by_index(0).unwrap();
        assert_eq!(mode, "wal");
        assert!(path.exists());
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
