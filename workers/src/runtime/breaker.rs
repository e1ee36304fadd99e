//! The database breaker: while the database does not answer, jobs of kinds that need it
//! are put back for later instead of each holding a worker slot for a pool-acquire
//! timeout, so the kinds that never touch the database keep running, and terminal
//! outcomes go straight to the queue backend's outbox. Housekeeping pings the database
//! every second (bounded by a short timeout) over a connection of its own, so a pool
//! busy with jobs never reads as an outage: a failed ping opens the breaker, the next
//! good one closes it. A SQLite file is never unreachable; its breaker stays closed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::DatabaseConnection;

/// How long a ping may take before the database counts as unreachable.
pub const PING_LIMIT: Duration = Duration::from_secs(1);
/// How often housekeeping pings.
pub const PING_EVERY: Duration = Duration::from_secs(1);
/// How far a job that needs the database is put back while the breaker is open.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct Breaker {
    open: AtomicBool,
    /// One connection of its own to the PostgreSQL server, for the pings.
    probe: Option<sqlx::PgPool>,
}

impl Breaker {
    /// The breaker of `db`: on PostgreSQL with a one-connection pool of its own (opened
    /// at the first ping), on SQLite one that never opens.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        let probe = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let options = db.get_postgres_connection_pool().connect_options();
                Some(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(1)
                        .min_connections(0)
                        .acquire_timeout(PING_LIMIT)
                        .connect_lazy_with((*options).clone()),
                )
            }
            _ => None,
        };
        Self { open: AtomicBool::new(false), probe }
    }

    /// Whether the database was unreachable at the last ping.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// Opens or closes the breaker; returns whether that changed it.
    pub fn set(&self, open: bool) -> bool {
        let was = self.open.swap(open, Ordering::Relaxed);
        metrics::gauge!("kickoff_database_reachable").set(if open { 0.0 } else { 1.0 });
        was != open
    }

    /// Pings the database within [`PING_LIMIT`] and sets the breaker from the answer;
    /// returns whether the database answered.
    pub async fn check(&self) -> bool {
        let answered = match &self.probe {
            Some(pool) => {
                let ping = sqlx::query("SELECT 1").execute(pool);
                matches!(tokio::time::timeout(PING_LIMIT, ping).await, Ok(Ok(_)))
            }
            None => true,
        };
        if self.set(!answered) {
            if answered {
                tracing::warn!("database reachable again: jobs that need it run again");
            } else {
                tracing::warn!("database unreachable: jobs that need it wait, the others run");
            }
        }
        answered
    }
}
