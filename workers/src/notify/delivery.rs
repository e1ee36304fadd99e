//! Sending one alert to one chat at most once, within Telegram's limits.
//!
//! Once: the delivery is claimed in the database ledger (`jobs::alert_deliveries`) just
//! before the send, after the rate-limit waits, so a run stopped while it waits (a kill,
//! a deploy) holds no claim and a later run sends. Telegram's message id marks it sent;
//! a failure that proves the request never reached Telegram (a refused connection,
//! Telegram's own error reply, too little of the job's time left for the call) releases
//! the claim for a later run; any other failure (a timeout or a reset after sending, a gateway's
//! error page) leaves a message possibly sent, so the delivery is recorded `uncertain`,
//! listed to operators and never sent again. A process killed during the call leaves
//! its claim `sending`, which turns `uncertain` once older than any run can last. The
//! price of never sending twice is that an uncertain chat may miss that one alert, and
//! operators see which.
//!
//! Limits: Telegram allows about one message a second to a chat, 20 a minute to a group
//! and 30 a second in all. Each is a GCRA bucket on the queue backend, shared by every
//! worker process; each send waits for its chat's slot (one per 3 s in a group, so no
//! minute holds more than 20), then for a global one.

use std::time::Duration;

use entities::alert_deliveries::{Column, Entity};
use entities::enums::DeliveryState;
use jobs::alert_deliveries::{self as ledger, Claim, LedgerError};
use jobs::{QueueClient, QueueError};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tokio::time::Instant;

use super::bot_api::{BotApi, ParseMode};
use super::error::BotApiError;

const PER_CHAT_INTERVAL: Duration = Duration::from_secs(1);
/// Groups (negative chat ids) take 20 messages a minute.
const PER_GROUP_INTERVAL: Duration = Duration::from_secs(3);
const GLOBAL_INTERVAL: Duration = Duration::from_nanos(1_000_000_000 / 30);
/// The least time a send is given; with less left, the job retries instead.
const MIN_SEND_TIME: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Api(#[from] BotApiError),
    #[error("queue backend: {0}")]
    Queue(#[from] QueueError),
    #[error("delivery ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The chat's next free slot is past the job's deadline; the job should retry.
    #[error("chat {chat_id} is busy for another {wait:?}")]
    Busy { chat_id: i64, wait: Duration },
}

/// What became of one chat's alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Telegram took it as this message.
    Sent { message_id: i64 },
    /// An earlier run has it.
    AlreadySent,
    /// It may have reached the chat, by this run (the error says how the call ended) or
    /// an earlier one; it is listed to operators and not sent again.
    Uncertain { error: Option<String> },
    /// Another run is sending it now; this job should come back once that run's claim
    /// would be stale (`stale_in`), to see how it ended.
    InProgress { stale_in: Duration },
}

/// When a run must stop: waits for rate-limit slots end at `wait_until` (the job then
/// retries), and a send must have its reply by `send_until`, ahead of the job's own
/// time limit, so the limit never cuts a call short and leaves its outcome unknown.
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    pub wait_until: Instant,
    pub send_until: Instant,
}

/// Sends `text` (MarkdownV2) to `chat_id` unless the ledger says this value bet's alert
/// went there already or may have; `job_id` is recorded with the claim.
#[allow(clippy::too_many_arguments)]
pub async fn send_once(
    db: &DatabaseConnection,
    queues: &QueueClient,
    api: &BotApi,
    job_id: &str,
    value_bet_id: i64,
    chat_id: i64,
    text: &str,
    deadlines: Deadlines,
) -> Result<Delivered, DeliveryError> {
    // A chat an earlier run served, may have served, or is serving costs no wait for a
    // slot: the ledger answers at once.
    let earlier = Entity::find()
        .filter(Column::ValueBetId.eq(value_bet_id))
        .filter(Column::ChatId.eq(chat_id))
        .one(db)
        .await
        .map_err(LedgerError::from)?;
    // The waits come before the claim: the claim is held only around the call, so a run
    // that stops while waiting leaves nothing that turns uncertain.
    let waited = match earlier.map(|row| row.state) {
        Some(DeliveryState::Sent) => return Ok(Delivered::AlreadySent),
        Some(DeliveryState::Uncertain) => return Ok(Delivered::Uncertain { error: None }),
        // Another run's claim, live or stale: the ledger settles it without a wait.
        Some(DeliveryState::Sending) => false,
        None => {
            wait_for_slots(queues, chat_id, deadlines.wait_until).await?;
            true
        }
    };
    let id = match ledger::claim(db, queues, value_bet_id, chat_id, job_id).await? {
        Claim::Mine(id) => id,
        Claim::Sent => return Ok(Delivered::AlreadySent),
        Claim::Uncertain => return Ok(Delivered::Uncertain { error: None }),
        Claim::InProgress { stale_in } => return Ok(Delivered::InProgress { stale_in }),
    };
    if !waited {
        // The other run gave its claim up in between: this one waits holding its claim,
        // and gives it back if the wait runs past the deadline.
        if let Err(e) = wait_for_slots(queues, chat_id, deadlines.wait_until).await {
            ledger::release(db, id).await.map_err(LedgerError::from)?;
            return Err(e);
        }
    }
    let sent = send_within(api, chat_id, text, deadlines.send_until).await;
    let recorded = match &sent {
        Ok(message_id) => ledger::record_sent(db, queues, id, *message_id).await,
        Err(DeliveryError::Api(e)) if e.is_unconfirmed() => {
            ledger::mark_uncertain(db, id, &e.to_string()).await.map_err(LedgerError::from)
        }
        Err(_) => ledger::release(db, id).await.map_err(LedgerError::from),
    };
    if let Err(e) = recorded {
        // The claim stays `sending` and turns `uncertain` when stale: the chat may miss
        // this alert, and operators see it, but it is never sent twice.
        tracing::error!(chat = chat_id, value_bet = value_bet_id, error = %e,
            "outcome of an alert delivery not recorded; it will be listed as uncertain");
    }
    match sent {
        Ok(message_id) => Ok(Delivered::Sent { message_id }),
        Err(DeliveryError::Api(e)) if e.is_unconfirmed() => {
            tracing::warn!(chat = chat_id, value_bet = value_bet_id, error = %e,
                "alert delivery uncertain: it may have reached the chat and is not sent again");
            metrics::counter!("kickoff_alerts_uncertain_total").increment(1);
            Ok(Delivered::Uncertain { error: Some(e.to_string()) })
        }
        Err(e) => Err(e),
    }
}

/// Sends `text` to `chat_id` within the per-chat and global limits; gives up with
/// `Busy` rather than wait past `deadline`.
pub async fn throttled_send(
    queues: &QueueClient,
    api: &BotApi,
    chat_id: i64,
    text: &str,
    deadline: Instant,
) -> Result<(), DeliveryError> {
    wait_for_slots(queues, chat_id, deadline).await?;
    // The call itself keeps the client's usual limit.
    send_within(api, chat_id, text, Instant::now() + Duration::from_secs(3600)).await.map(drop)
}

/// Waits for the chat's slot, then a global one; gives up with `Busy` rather than wait
/// past `wait_until`.
async fn wait_for_slots(
    queues: &QueueClient,
    chat_id: i64,
    wait_until: Instant,
) -> Result<(), DeliveryError> {
    let interval = if chat_id < 0 { PER_GROUP_INTERVAL } else { PER_CHAT_INTERVAL };
    let chat_wait = queues.reserve_slot(&format!("notify:rate:chat:{chat_id}"), interval, 1).await?;
    wait_until_deadline(chat_id, chat_wait, wait_until).await?;
    // The global slot is taken only once the chat's is due, so it is close to the send.
    let global_wait = queues.reserve_slot("notify:rate:global", GLOBAL_INTERVAL, 1).await?;
    wait_until_deadline(chat_id, global_wait, wait_until).await
}

/// The call, answered by `send_until`; returns the message id.
async fn send_within(
    api: &BotApi,
    chat_id: i64,
    text: &str,
    send_until: Instant,
) -> Result<i64, DeliveryError> {
    let left = send_until.saturating_duration_since(Instant::now());
    if left < MIN_SEND_TIME {
        return Err(DeliveryError::Busy { chat_id, wait: MIN_SEND_TIME - left });
    }
    let message = api.send_message_within(chat_id, text, ParseMode::MarkdownV2, left).await?;
    Ok(message.message_id)
}

async fn wait_until_deadline(chat_id: i64, wait: Duration, deadline: Instant) -> Result<(), DeliveryError> {
    if Instant::now() + wait > deadline {
        return Err(DeliveryError::Busy { chat_id, wait });
    }
    tokio::time::sleep(wait).await;
    Ok(())
}
