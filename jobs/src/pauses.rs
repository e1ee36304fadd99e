//! Pausing a queue so that the pause survives the queue backend: the database row
//! (`queue_pauses`) is the record, the backend's flag the cache workers read. A pause
//! sets the flag, then records the row (best effort: a pause must work while the
//! database is away); a resume deletes the row, then clears the flag. Workers restore
//! flags the backend lost (`restore`). A queue counts as paused when either says so, so
//! a pause made on the backend alone (a benchmark, a test) still holds.

use std::collections::BTreeSet;

use chrono::Utc;
use entities::queue_pauses::{ActiveModel, Column, Entity};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::{QueueClient, QueueError};

#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Pauses `queue`: workers stop taking its jobs within a second.
pub async fn pause(
    db: &DatabaseConnection,
    queues: &QueueClient,
    queue: &str,
    by: Option<&str>,
) -> Result<(), PauseError> {
    let row = ActiveModel {
        queue: Set(queue.to_owned()),
        paused_at: Set(Utc::now()),
        paused_by: Set(by.map(str::to_owned)),
        ..Default::default()
    };
    queues.pause(queue).await?;
    let kept = Entity::insert(row)
        .on_conflict(OnConflict::column(Column::Queue).do_nothing().to_owned())
        .exec(db)
        .await;
    match kept {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        // Paused all the same; only a backend that loses its state meanwhile forgets it.
        Err(e) => {
            tracing::warn!(queue, error = %e, "pause not recorded in the database; the queue is paused")
        }
    }
    Ok(())
}

/// Resumes `queue`, in the database and on the backend.
pub async fn resume(db: &DatabaseConnection, queues: &QueueClient, queue: &str) -> Result<(), PauseError> {
    Entity::delete_many().filter(Column::Queue.eq(queue)).exec(db).await?;
    queues.resume(queue).await?;
    Ok(())
}

/// The queues the database holds paused.
pub async fn paused(db: &DatabaseConnection) -> Result<BTreeSet<String>, DbErr> {
    Ok(Entity::find().all(db).await?.into_iter().map(|p| p.queue).collect())
}

/// Sets the backend's flag of every queue of `names` the database holds paused and the
/// backend does not (it restarted empty, or its keys were flushed); returns those queues.
pub async fn restore(
    db: &DatabaseConnection,
    queues: &QueueClient,
    names: &[String],
) -> Result<Vec<String>, PauseError> {
    let recorded = paused(db).await?;
    let mut restored = Vec::new();
    for name in names.iter().filter(|n| recorded.contains(*n)) {
        if !queues.is_paused(name).await? {
            queues.pause(name).await?;
            // A resume between our read and the flag: it deleted the row and cleared the
            // flag first, so the flag just set is stale. Read again and take it back.
            if !paused(db).await?.contains(name) {
                queues.resume(name).await?;
                continue;
            }
            restored.push(name.clone());
        }
    }
    Ok(restored)
}
