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
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::catalogue::{AnyJob, NotifyValueBet};
use crate::{EnqueueOptions, Enqueued, Envelope, QueueClient, QueueError};

/// Older than this, a `sending` row outlived every run that could hold it: a send is
/// bounded by its job's time limit (a minute for `notify_value_bet`), and this leaves
/// the same again for clocks that disagree.
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// The error recorded on a claim whose run stopped during its call.
pub const DIED_DURING_SEND: &str = "the run sending it stopped before Telegram answered";

/// What a run may do about one chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The run holds the claim (this row) and sends.
    Mine(i64),
    /// Telegram took it already.
    Sent,
    /// A message may exist; operators decide.
    Uncertain,
    /// Another run is sending it now.
    InProgress,
}

/// Claims the delivery of `value_bet_id` to `chat_id` for `job_id`.
pub async fn claim(
    db: &DatabaseConnection,
    value_bet_id: i64,
    chat_id: i64,
    job_id: &str,
    now: DateTime<Utc>,
) -> Result<Claim, DbErr> {
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
        Err(e) => return Err(e),
    }
    let held = Entity::find()
        .filter(Column::ValueBetId.eq(value_bet_id))
        .filter(Column::ChatId.eq(chat_id))
        .one(db)
        .await?;
    let Some(held) = held else {
        // Released between our insert and this read: the other run never reached
        // Telegram, so try once more.
        return Box::pin(claim(db, value_bet_id, chat_id, job_id, now)).await;
    };
    Ok(match held.state {
        DeliveryState::Sent => Claim::Sent,
        DeliveryState::Uncertain => Claim::Uncertain,
        DeliveryState::Sending if is_stale(&held, now) => {
            if expire(db, held.id, now).await? {
                Claim::Uncertain
            } else {
                Claim::InProgress
            }
        }
        DeliveryState::Sending => Claim::InProgress,
    })
}

fn is_stale(row: &Model, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(row.updated_at).to_std().is_ok_and(|age| age > STALE_AFTER)
}

/// Turns a stale `sending` row into `uncertain`; false when it was no longer `sending`.
async fn expire(db: &DatabaseConnection, id: i64, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let done = Entity::update_many()
        .col_expr(Column::State, Expr::value(DeliveryState::Uncertain))
        .col_expr(Column::Error, Expr::value(Some(DIED_DURING_SEND.to_owned())))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(DeliveryState::Sending))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Telegram took the message and named it `message_id`.
pub async fn mark_sent(
    db: &DatabaseConnection,
    id: i64,
    message_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::State, Expr::value(DeliveryState::Sent))
        .col_expr(Column::MessageId, Expr::value(Some(message_id)))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// The call may have reached Telegram; `error` says how it ended.
pub async fn mark_uncertain(
    db: &DatabaseConnection,
    id: i64,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
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

/// Turns every stale `sending` row into `uncertain`; returns how many. Housekeeping
/// runs it, so a run that died mid-call is listed to operators even when no later run
/// of its job comes by.
pub async fn expire_stale(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let Ok(stale) = chrono::Duration::from_std(STALE_AFTER) else { return Ok(0) };
    let done = Entity::update_many()
        .col_expr(Column::State, Expr::value(DeliveryState::Uncertain))
        .col_expr(Column::Error, Expr::value(Some(DIED_DURING_SEND.to_owned())))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::State.eq(DeliveryState::Sending))
        .filter(Column::UpdatedAt.lt(now - stale))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
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
            Entity::update_many()
                .col_expr(Column::State, Expr::value(DeliveryState::Sent))
                .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
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
