//! The done marker of jobs that write only to the database: committed in the same
//! transaction as their writes, so a second run of an attempt (redelivered after a
//! kill between the commit and the acknowledgement) finds it and writes nothing.

use chrono::Utc;
use entities::job_runs::{ActiveModel, Column, Entity};
use jobs::Envelope;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, TransactionTrait,
};

/// How long done markers are kept: far beyond any redelivery of their attempt (a task
/// is redelivered only until it is acknowledged, within seconds).
pub const JOB_RUNS_KEPT: chrono::Duration = chrono::Duration::days(7);

/// Begins the transaction of `envelope`'s attempt with its done marker written.
/// `None` when the attempt already committed: the caller must write nothing. A
/// concurrent run of the same attempt waits on the marker's key until this one commits
/// or rolls back.
pub async fn begin(
    db: &DatabaseConnection,
    envelope: &Envelope,
) -> Result<Option<DatabaseTransaction>, DbErr> {
    let txn = db.begin().await?;
    let marker = ActiveModel {
        job_id: Set(envelope.id.clone()),
        attempt: Set(envelope.attempt as i32),
        kind: Set(envelope.kind.clone()),
        finished_at: Set(Utc::now()),
    };
    let written = Entity::insert(marker)
        .on_conflict(OnConflict::columns([Column::JobId, Column::Attempt]).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    if written == 0 {
        txn.rollback().await?;
        tracing::warn!(job = %envelope.id, attempt = envelope.attempt, "attempt already committed; not written again");
        return Ok(None);
    }
    Ok(Some(txn))
}

/// Deletes done markers older than [`JOB_RUNS_KEPT`]; returns how many went.
pub async fn prune(db: &sea_orm::DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let cutoff = Utc::now() - JOB_RUNS_KEPT;
    Ok(Entity::delete_many().filter(Column::FinishedAt.lt(cutoff)).exec(db).await?.rows_affected)
}
