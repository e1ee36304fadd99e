//! The delivery ledger of value-bet alerts (`alert_deliveries`), for the sender and for
//! operators. One row per value bet and chat, claimed
//! (`sending`) before the Bot API call. The row decides what a later run does with the
//! chat: `sent` and `uncertain` are never sent again, a fresh `sending` belongs to a run
//! still at work, and a `sending` older than any run can last is a run that died during
//! its call: it becomes `uncertain`. A claim is released (its row deleted) only when the
//! request provably never reached Telegram. Operators settle an uncertain delivery:
//! the chat got it (`sent`), or it is sent again to that chat alone.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::alert_deliveries::{ActiveModel, Column, Entity, Model};
use entities::enums::DeliveryState;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};

use crate::catalogue::{AnyJob, NotifyValueBet};
use crate::{EnqueueOptions, Enqueued, Envelope, QueueClient, QueueError};

/// Older than this, a `sending` row outlived every run that could hold it: a send is
/// bounded by its job's time limit (a minute for `notify_value_bet`), and this leaves
/// the same again for the recording of its outcome.
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// The error recorded on a claim whose run stopped during its call.
pub const DIED_DURING_SEND: &str = "the run sending it stopped before its outcome was recorded";

/// Sends Telegram accepted whose `sent` mark the database did not take: delivery id →
/// message id, kept in the queue backend until housekeeping records them.
pub const UNRECORDED_SENT_KEY: &str = "notify:sent_unrecorded";

/// What a run may do about one chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The run holds the claim (this row) and sends.
    Mine(i64),
    /// Telegram took it already.
    Sent,
    /// A message may exist; operators decide.
    Uncertain,
    /// Another run is sending it now; its claim turns stale (if that run died) after
    /// `stale_in`.
    InProgress { stale_in: Duration },
}

/// Why the ledger could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Both causes are a store that may answer later.
impl crate::Classify for LedgerError {
    fn is_transient(&self) -> bool {
        true
    }
}

/// The database's clock: every age in the ledger is judged on it, so hosts whose clocks
/// disagree judge a claim alike.
pub async fn db_now(db: &DatabaseConnection) -> Result<DateTime<Utc>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        _ => "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the database's time".to_owned()))?;
    let text: String = row.try_get_by_index(0)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DbErr::Custom(format!("the database's time `{text}`: {e}")))
}

/// Claims the delivery of `value_bet_id` to `chat_id` for `job_id`.
pub async fn claim(
    db: &DatabaseConnection,
    queues: &QueueClient,
    value_bet_id: i64,
    chat_id: i64,
    job_id: &str,
) -> Result<Claim, LedgerError> {
    for _ in 0..2 {
        let now = db_now(db).await?;
        let row = ActiveModel {
            value_bet_id: Set(value_bet_id),
            chat_id: Set(chat_id),
            state: Set(DeliveryState::Sending),
            message_id: Set(None),
            job_id: Set(job_id.to_owned()),
            error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let inserted = Entity::insert(row)
            .on_conflict(OnConflict::columns([Column::ValueBetId, Column::ChatId]).do_nothing().to_owned())
            .exec(db)
            .await;
        match inserted {
            Ok(done) => return Ok(Claim::Mine(done.last_insert_id)),
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
        let held = Entity::find()
            .filter(Column::ValueBetId.eq(value_bet_id))
            .filter(Column::ChatId.eq(chat_id))
            .one(db)
            .await?;
        // None: released between our insert and this read (the other run never reached
        // Telegram), so try once more.
        let Some(held) = held else { continue };
        return Ok(match held.state {
            DeliveryState::Sent => Claim::Sent,
            DeliveryState::Uncertain => Claim::Uncertain,
            DeliveryState::Sending => match stale_in(&held, now) {
                Some(stale_in) => Claim::InProgress { stale_in },
                None => {
                    settle_stale(db, queues, &held, now).await?;
                    match Entity::find_by_id(held.id).one(db).await?.map(|r| r.state) {
                        Some(DeliveryState::Sent) => Claim::Sent,
                        _ => Claim::Uncertain,
                    }
                }
            },
        });
    }
    Ok(Claim::InProgress { stale_in: Duration::ZERO })
}

/// How long until `row` counts as stale, or `None` when it does.
fn stale_in(row: &Model, now: DateTime<Utc>) -> Option<Duration> {
    let age = now.signed_duration_since(row.updated_at).to_std().unwrap_or_default();
    STALE_AFTER.checked_sub(age).filter(|left| !left.is_zero())
}

/// A stale `sending` row: `sent` when its send's message id waits in the queue
/// backend, `uncertain` otherwise (the run died during the call).
async fn settle_stale(
    db: &DatabaseConnection,
    queues: &QueueClient,
    row: &Model,
    now: DateTime<Utc>,
) -> Result<(), LedgerError> {
    let unrecorded = queues.hash_get_all(UNRECORDED_SENT_KEY).await?;
    if let Some(message_id) = unrecorded.get(&row.id.to_string()) {
        mark_sent(db, row.id, *message_id).await?;
        queues.hash_del(UNRECORDED_SENT_KEY, &row.id.to_string()).await?;
        return Ok(());
    }
    expire(db, row, now).await?;
    Ok(())
}

/// Turns stale `row` uncertain (unless it changed meanwhile); counted once.
async fn expire(db: &DatabaseConnection, row: &Model, now: DateTime<Utc>) -> Result<(), DbErr> {
    let done = Entity::update_many()
        .col_expr(Column::State, Expr::value(DeliveryState::Uncertain))
        .col_expr(Column::Error, Expr::value(Some(DIED_DURING_SEND.to_owned())))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(row.id))
        .filter(Column::State.eq(DeliveryState::Sending))
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        metrics::counter!("kickoff_alerts_uncertain_total").increment(1);
        tracing::warn!(
            delivery = row.id,
            value_bet = row.value_bet_id,
            chat = row.chat_id,
            "alert delivery whose run stopped mid-send is now uncertain"
        );
    }
    Ok(())
}

/// Telegram took the message and named it `message_id`.
pub async fn mark_sent(db: &DatabaseConnection, id: i64, message_id: i64) -> Result<(), DbErr> {
    let now = db_now(db).await?;
    Entity::update_many()
        .col_expr(Column::State, Expr::value(DeliveryState::Sent))
        .col_expr(Column::MessageId, Expr::value(Some(message_id)))
        .col_expr(Column::Error, Expr::value(Option::<String>::None))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Records that Telegram took the message: in the ledger, or, while the database does
/// not take it, in the queue backend, from where `expire_stale` (or the next claim of
/// the chat) moves it into the ledger. A sent message is never reported as uncertain.
pub async fn record_sent(
    db: &DatabaseConnection,
    queues: &QueueClient,
    id: i64,
    message_id: i64,
) -> Result<(), LedgerError> {
    match mark_sent(db, id, message_id).await {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::warn!(delivery = id, message_id, error = %e, "sent mark kept in the queue backend until the database takes it");
            queues.hash_set(UNRECORDED_SENT_KEY, &id.to_string(), message_id).await?;
            Ok(())
        }
    }
}

/// The call may have reached Telegram; `error` says how it ended.
pub async fn mark_uncertain(db: &DatabaseConnection, id: i64, error: &str) -> Result<(), DbErr> {
    let now = db_now(db).await?;
    Entity::update_many()
        .col_expr(Column::State, Expr::value(DeliveryState::Uncertain))
        .col_expr(Column::Error, Expr::value(Some(error.to_owned())))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Gives the claim up: the request provably never reached Telegram, so a later run
/// may send.
pub async fn release(db: &DatabaseConnection, id: i64) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(DeliveryState::Sending))
        .exec(db)
        .await
        .map(drop)
}

/// Moves sent marks kept in the queue backend into the ledger, then turns every stale
/// `sending` row into `uncertain`; returns how many turned. Housekeeping runs it every
/// minute, so a run that died mid-call is listed to operators even when no later run
/// of its job comes by.
pub async fn expire_stale(db: &DatabaseConnection, queues: &QueueClient) -> Result<u64, LedgerError> {
    for (id, message_id) in queues.hash_get_all(UNRECORDED_SENT_KEY).await? {
        if let Ok(id) = id.parse::<i64>() {
            mark_sent(db, id, message_id).await?;
        }
        queues.hash_del(UNRECORDED_SENT_KEY, &id).await?;
    }
    let now = db_now(db).await?;
    let Ok(stale) = chrono::Duration::from_std(STALE_AFTER) else { return Ok(0) };
    let rows = Entity::find()
        .filter(Column::State.eq(DeliveryState::Sending))
        .filter(Column::UpdatedAt.lt(now - stale))
        .all(db)
        .await?;
    // The unrecorded marks were all moved above: what is still stale died mid-send.
    for row in &rows {
        expire(db, row, now).await?;
    }
    Ok(rows.len() as u64)
}

/// Why an operator's decision on a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("alert delivery {0} not found")]
    NotFound(i64),
    #[error("alert delivery {id} is {state:?}; only an uncertain delivery is settled by hand")]
    NotUncertain { id: i64, state: DeliveryState },
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// What an operator found out about an uncertain delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The chat has the message: record it as sent.
    Sent,
    /// The chat does not have it: send it again, to that chat only.
    Resend,
}

/// Deliveries in `state` (every state when `None`), most recently changed first.
pub async fn list(
    db: &DatabaseConnection,
    state: Option<DeliveryState>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Model>, u64), DbErr> {
    let mut query = Entity::find();
    if let Some(state) = state {
        query = query.filter(Column::State.eq(state));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Settles uncertain delivery `id`. A resend gives the claim up and queues the alert for
/// that chat alone (keyed by the delivery, so a second click queues nothing); if the
/// queue refuses, the delivery is put back as it was.
pub async fn resolve(
    db: &DatabaseConnection,
    queues: &QueueClient,
    id: i64,
    resolution: Resolution,
) -> Result<Option<Enqueued>, ReviewError> {
    let row = Entity::find_by_id(id).one(db).await?.ok_or(ReviewError::NotFound(id))?;
    if row.state != DeliveryState::Uncertain {
        return Err(ReviewError::NotUncertain { id, state: row.state });
    }
    match resolution {
        Resolution::Sent => {
            let now = db_now(db).await?;
            Entity::update_many()
                .col_expr(Column::State, Expr::value(DeliveryState::Sent))
                .col_expr(Column::UpdatedAt, Expr::value(now))
                .filter(Column::Id.eq(id))
                .filter(Column::State.eq(DeliveryState::Uncertain))
                .exec(db)
                .await?;
            Ok(None)
        }
        Resolution::Resend => {
            let gone = Entity::delete_many()
                .filter(Column::Id.eq(id))
                .filter(Column::State.eq(DeliveryState::Uncertain))
                .exec(db)
                .await?;
            if gone.rows_affected == 0 {
                return Err(ReviewError::NotFound(id));
            }
            let job = AnyJob::NotifyValueBet(NotifyValueBet {
                value_bet_id: row.value_bet_id,
                chat_id: Some(row.chat_id),
            });
            let opts =
                EnqueueOptions { run_at: None, idempotency_key: Some(format!("resend:alert_delivery:{id}")) };
            match queues.enqueue(&Envelope::new(&job), &opts).await {
                Ok(enqueued) => Ok(Some(enqueued)),
                Err(e) => {
                    let back = ActiveModel { id: Set(row.id), ..row.clone().into() };
                    if let Err(restore) = Entity::insert(back).exec(db).await {
                        tracing::error!(delivery = id, error = %restore, "uncertain alert delivery not restored after a failed resend");
                    }
                    Err(e.into())
                }
            }
        }
    }
}
