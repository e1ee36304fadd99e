//! The database breaker: while the database does not answer, jobs of kinds that need it
//! are put back for later instead of each holding a worker slot for a pool-acquire
//! timeout, so the kinds that never touch the database keep running, and terminal
//! outcomes go straight to the queue backend's outbox. Housekeeping pings the database
//! every second (bounded by a short timeout): a failed ping opens the breaker, the next
//! good one closes it.

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
}

impl Breaker {
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

    /// Pings `db` within [`PING_LIMIT`] and sets the breaker from the answer; returns
    /// whether the database answered.
    pub async fn check(&self, db: &DatabaseConnection) -> bool {
        let answered = matches!(tokio::time::timeout(PING_LIMIT, db.ping()).await, Ok(Ok(())));
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
