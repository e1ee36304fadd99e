//! The journal and live jobs on the embedded queue: the journal in `kickoff_kv_log`,
//! live jobs in apalis-sqlite's `Jobs` table and our `kickoff_queue_scheduled`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{LiveJob, LiveState};
use crate::client::QueueError;
use crate::embedded_queue::{EmbeddedQueues, retry_busy, waiting_job};
use crate::envelope::Envelope;

impl EmbeddedQueues {
    /// Appends `entries` to the log `key` and drops all but its newest `cap`.
    pub async fn log_push_capped(&self, key: &str, entries: &[String], cap: usize) -> Result<(), QueueError> {
        let key = self.key(key);
        retry_busy(|| async {
            let mut tx = self.pool().begin().await?;
            for entry in entries {
                sqlx::query("INSERT INTO kickoff_kv_log (key, entry) VALUES (?1, ?2)")
                    .bind(&key)
                    .bind(entry)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "DELETE FROM kickoff_kv_log WHERE key = ?1 AND id <= \
                   (SELECT id FROM kickoff_kv_log WHERE key = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            )
            .bind(&key)
            .bind(cap as i64)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// The newest `limit` entries of the log `key`, newest first.
    pub async fn log_recent(&self, key: &str, limit: usize) -> Result<Vec<String>, QueueError> {
        let rows = sqlx::query("SELECT entry FROM kickoff_kv_log WHERE key = ?1 ORDER BY id DESC LIMIT ?2")
            .bind(self.key(key))
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>(0)?)).collect()
    }

    pub async fn live_jobs(
        &self,
        queue: &str,
        state: LiveState,
        limit: usize,
    ) -> Result<Vec<LiveJob>, QueueError> {
        let sql = match state {
            LiveState::Pending => {
                concat!(
                    "SELECT job, NULL, NULL FROM Jobs WHERE job_type = ?1 AND ",
                    waiting_job!(),
                    " ORDER BY ROWID LIMIT ?2"
                )
            }
            LiveState::Scheduled => {
                "SELECT payload, run_at_ms, NULL FROM kickoff_queue_scheduled WHERE job_type = ?1 \
                   ORDER BY run_at_ms LIMIT ?2"
            }
            LiveState::Running => {
                "SELECT job, NULL, lock_by FROM Jobs WHERE job_type = ?1 AND status IN ('Queued', 'Running') \
                   ORDER BY lock_at LIMIT ?2"
            }
        };
        let rows =
            sqlx::query(sql).bind(self.queue_key(queue)).bind(limit as i64).fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let payload: Vec<u8> = r.try_get(0)?;
            // A payload that is not an envelope is dead-lettered when a worker takes it.
            let Ok(envelope) = serde_json::from_slice::<Envelope>(&payload) else { continue };
            let run_at: Option<i64> = r.try_get(1)?;
            out.push(LiveJob {
                envelope,
                queue: queue.to_owned(),
                state,
                run_at: run_at.and_then(DateTime::<Utc>::from_timestamp_millis),
                worker: r.try_get(2)?,
            });
        }
        Ok(out)
    }

    pub async fn drain(&self, queue: &str) -> Result<u64, QueueError> {
        let job_type = self.queue_key(queue);
        retry_busy(|| async {
            let mut tx = self.pool().begin().await?;
            let ready = sqlx::query(concat!("DELETE FROM Jobs WHERE job_type = ?1 AND ", waiting_job!()))
                .bind(&job_type)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let later = sqlx::query("DELETE FROM kickoff_queue_scheduled WHERE job_type = ?1")
                .bind(&job_type)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(ready + later)
        })
        .await
    }
}
