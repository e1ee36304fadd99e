//! Dead letters: jobs that failed permanently or ran out of attempts, kept with every
//! attempt's error until an operator requeues, deletes or purges them, or retention
//! (count and age) removes them.

use chrono::{DateTime, Utc};
use entities::dead_letters::{self, ActiveModel, Column, Entity, Model};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::catalogue::{AnyJob, JobError};
use crate::client::{EnqueueOptions, Enqueued, QueueClient, QueueError};
use crate::envelope::{AttemptError, Envelope};

#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("dead letter {0} not found")]
    NotFound(i64),
    #[error("dead letter {id} was already requeued at {at}")]
    AlreadyRequeued { id: i64, at: DateTime<Utc> },
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Which dead letters to list or act on.
#[derive(Clone, Debug, Default)]
pub struct DeadLetterFilter {
    pub queue: Option<String>,
    pub kind: Option<String>,
    /// Case-insensitive text that one of the errors must contain.
    pub error_contains: Option<String>,
    /// Include letters already requeued (kept for their history).
    pub include_requeued: bool,
    pub limit: Option<u64>,
}

/// Records a job that will not run again: its arguments, every attempt's error
/// (`envelope.errors` plus `last`), and when it first and last failed. Idempotent per
/// job and attempt: recording the same outcome again (from the outbox, or by a
/// delivery repeated after a crash) returns the letter already there.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    queue: &str,
    envelope: &Envelope,
    last: AttemptError,
) -> Result<Model, DbErr> {
    let mut errors = envelope.errors.clone();
    errors.push(last);
    let first = errors.first().map(|e| e.failed_at).unwrap_or_else(Utc::now);
    let last_at = errors.last().map(|e| e.failed_at).unwrap_or_else(Utc::now);
    let letter = ActiveModel {
        job_id: Set(Some(envelope.id.clone())),
        queue: Set(queue.to_owned()),
        kind: Set(envelope.kind.clone()),
        payload: Set(envelope.args.clone()),
        attempts: Set(envelope.attempt as i32),
        errors: Set(serde_json::to_value(&errors).unwrap_or_default()),
        first_failed_at: Set(first),
        last_failed_at: Set(last_at),
        requeued_at: Set(None),
        ..Default::default()
    };
    let inserted = Entity::insert(letter)
        .on_conflict(OnConflict::columns([Column::JobId, Column::Attempts]).do_nothing().to_owned())
        .exec(db)
        .await;
    match inserted {
        Ok(_) | Err(DbErr::RecordNotInserted) => Entity::find()
            .filter(Column::JobId.eq(envelope.id.as_str()))
            .filter(Column::Attempts.eq(envelope.attempt as i32))
            .one(db)
            .await?
            .ok_or(DbErr::RecordNotFound(format!("dead letter of job {}", envelope.id))),
        Err(e) => Err(e),
    }
}

/// The attempt errors of a dead letter.
pub fn errors_of(letter: &Model) -> Vec<AttemptError> {
    serde_json::from_value(letter.errors.clone()).unwrap_or_default()
}

pub async fn list<C: ConnectionTrait>(db: &C, filter: &DeadLetterFilter) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find().order_by_desc(Column::LastFailedAt).order_by_desc(Column::Id);
    if let Some(queue) = &filter.queue {
        q = q.filter(Column::Queue.eq(queue.as_str()));
    }
    if let Some(kind) = &filter.kind {
        q = q.filter(Column::Kind.eq(kind.as_str()));
    }
    if !filter.include_requeued {
        q = q.filter(Column::RequeuedAt.is_null());
    }
    let needle = filter.error_contains.as_ref().map(|s| s.to_lowercase());
    // The error text is JSON on both engines; match it here so both behave the same.
    let rows = q.all(db).await?;
    let rows = rows.into_iter().filter(|r| {
        needle.as_ref().is_none_or(|n| errors_of(r).iter().any(|e| e.error.to_lowercase().contains(n)))
    });
    Ok(match filter.limit {
        Some(n) => rows.take(n as usize).collect(),
        None => rows.collect(),
    })
}

pub async fn get<C: ConnectionTrait>(db: &C, id: i64) -> Result<Model, DeadLetterError> {
    Entity::find_by_id(id).one(db).await?.ok_or(DeadLetterError::NotFound(id))
}

/// Enqueues a dead letter again as a first attempt, optionally with edited
/// arguments (validated against its kind). The letter stays, marked requeued, and the
/// new job carries the earlier errors as history. A letter is requeued once: the job is
/// keyed by the letter, so a second call (a double click, two operators, a
/// retried request) gets [`DeadLetterError::AlreadyRequeued`] instead of a second job.
pub async fn requeue<C: ConnectionTrait>(
    db: &C,
    queues: &QueueClient,
    id: i64,
    edited_args: Option<serde_json::Value>,
) -> Result<Enqueued, DeadLetterError> {
    let letter = get(db, id).await?;
    if let Some(at) = letter.requeued_at {
        return Err(DeadLetterError::AlreadyRequeued { id, at });
    }
    let args = edited_args.unwrap_or_else(|| letter.payload.clone());
    let job = AnyJob::from_parts(&letter.kind, args)?;
    let mut envelope = Envelope::new(&job);
    envelope.errors = errors_of(&letter);
    // The job first, keyed by the letter: a requeue interrupted after this line (a
    // crash, a lost response) is finished by the next call without a second job.
    let key = format!("requeue:dead_letter:{id}");
    let outcome = queues
        .enqueue(&envelope, &EnqueueOptions { idempotency_key: Some(key), ..Default::default() })
        .await?;
    crate::failpoint::hit("requeue_after_enqueue");
    let marked = Entity::update_many()
        .col_expr(Column::RequeuedAt, Expr::value(Utc::now()))
        .col_expr(Column::Payload, Expr::value(job.args()))
        .filter(Column::Id.eq(id))
        .filter(Column::RequeuedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if marked == 0 {
        // Another caller requeued it between the read and the update; the key kept
        // this call from queueing a second job.
        let at = get(db, id).await?.requeued_at.unwrap_or_else(Utc::now);
        return Err(DeadLetterError::AlreadyRequeued { id, at });
    }
    Ok(outcome)
}

pub async fn delete<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<u64, DbErr> {
    Ok(Entity::delete_many().filter(Column::Id.is_in(ids.iter().copied())).exec(db).await?.rows_affected)
}

/// Deletes the letters of `ids` that exist and returns their ids, for reports that
/// must name what was deleted rather than what was asked for.
pub async fn delete_existing<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<i64>, DbErr> {
    let found: Vec<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    delete(db, &found).await?;
    Ok(found)
}

/// Deletes letters that last failed before `cutoff`.
pub async fn purge_before<C: ConnectionTrait>(db: &C, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(Entity::delete_many().filter(Column::LastFailedAt.lt(cutoff)).exec(db).await?.rows_affected)
}

/// Retention: keeps at most `max_count` letters and none older than `max_age`.
pub async fn enforce_retention<C: ConnectionTrait>(
    db: &C,
    max_count: u64,
    max_age: chrono::Duration,
) -> Result<u64, DbErr> {
    let mut removed = purge_before(db, Utc::now() - max_age).await?;
    if max_count == 0 {
        return Ok(removed + Entity::delete_many().exec(db).await?.rows_affected);
    }
    let keep: Vec<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .order_by_desc(Column::LastFailedAt)
        .order_by_desc(Column::Id)
        .limit(max_count)
        .into_tuple()
        .all(db)
        .await?;
    if keep.len() as u64 == max_count {
        removed += Entity::delete_many().filter(Column::Id.is_not_in(keep)).exec(db).await?.rows_affected;
    }
    Ok(removed)
}

pub use dead_letters::Model as DeadLetter;
