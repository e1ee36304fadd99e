//! Live events on the embedded queue: a table in the SQLite file that publishers append
//! to and every API process on the host tails by id, so `/api/v1/events` works without
//! Redis. Only the newest [`KEEP`] events are kept: a reader further behind than that
//! has missed some, as a Redis subscriber that was disconnected would have.

use sqlx::Row;

use super::EmbeddedQueues;
use crate::client::QueueError;

pub(super) const DDL: [&str; 1] = ["CREATE TABLE IF NOT EXISTS kickoff_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, payload TEXT NOT NULL,
        at_ms INTEGER NOT NULL)"];

/// Events kept in the table; older ones are deleted as new ones arrive.
pub const KEEP: i64 = 10_000;

/// One published event, its channel without the queue prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub channel: String,
    pub payload: String,
}

impl EmbeddedQueues {
    /// Appends an event on `{prefix}{channel}`, dropping those older than the newest
    /// [`KEEP`].
    pub(super) async fn append_event(&self, channel: &str, payload: &str) -> Result<(), QueueError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            // The time is taken under the write lock, so it never decreases as ids grow.
            "INSERT INTO kickoff_events (channel, payload, at_ms) \
             VALUES (?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) RETURNING id",
        )
        .bind(self.key(channel))
        .bind(payload)
        .fetch_one(&mut *tx)
        .await?;
        // A range on the primary key: cheap however large the table was.
        sqlx::query("DELETE FROM kickoff_events WHERE id <= ?1").bind(id - KEEP).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The id of the newest event published before `at` (0 when there is none): a
    /// reader that started at `at` reads from there, missing nothing published since.
    pub async fn last_event_before(&self, at: chrono::DateTime<chrono::Utc>) -> Result<i64, QueueError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM kickoff_events WHERE at_ms < ?1")
            .bind(at.timestamp_millis())
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Up to `limit` events under this prefix with an id above `after`, oldest first.
    pub async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, QueueError> {
        let rows = sqlx::query(
            "SELECT id, channel, payload FROM kickoff_events WHERE id > ?1 \
             AND substr(channel, 1, length(?2)) = ?2 ORDER BY id LIMIT ?3",
        )
        .bind(after)
        .bind(&self.prefix)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let channel: String = r.try_get(1)?;
                Ok(StoredEvent {
                    id: r.try_get(0)?,
                    channel: channel.get(self.prefix.len()..).unwrap_or_default().to_owned(),
                    payload: r.try_get(2)?,
                })
            })
            .collect()
    }
}
