//! Sending one alert to one chat at most once, within Telegram's limits.
//!
//! Once: the key `notify:sent:{value_bet}:{chat}` is claimed (SET NX) before the send
//! and released when the send fails, so a retried or duplicated job skips the chats
//! already served and two concurrent runs never both send. The price is a small
//! at-most-once window: a process killed (or a job timed out) between the claim and the
//! send's reply leaves the claim in place, and that chat misses this one alert.
//!
//! Limits: Telegram allows about one message a second to a chat, 20 a minute to a group
//! and 30 a second in all. Each is a GCRA bucket on the queue backend, shared by every
//! worker process; each send waits for its chat's slot (one per 3 s in a group, so no
//! minute holds more than 20), then for a global one.

use std::time::Duration;

use jobs::{QueueClient, QueueError};
use tokio::time::Instant;

use super::bot_api::{BotApi, ParseMode};
use super::error::BotApiError;

/// How long a sent alert is remembered: far beyond any match's kickoff.
const SENT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const PER_CHAT_INTERVAL: Duration = Duration::from_secs(1);
/// Groups (negative chat ids) take 20 messages a minute.
const PER_GROUP_INTERVAL: Duration = Duration::from_secs(3);
const GLOBAL_INTERVAL: Duration = Duration::from_nanos(1_000_000_000 / 30);

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Api(#[from] BotApiError),
    #[error("queue backend: {0}")]
    Queue(#[from] QueueError),
    /// The chat's next free slot is past the job's deadline; the job should retry.
    #[error("chat {chat_id} is busy for another {wait:?}")]
    Busy { chat_id: i64, wait: Duration },
}

/// What became of one chat's alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivered {
    Sent,
    /// An earlier run (or a concurrent one) has it.
    AlreadySent,
}

pub fn sent_key(value_bet_id: i64, chat_id: i64) -> String {
    format!("notify:sent:{value_bet_id}:{chat_id}")
}

/// Sends `text` (MarkdownV2) to `chat_id` unless this value bet's alert went there
/// already; gives up with `Busy` rather than wait past `deadline`.
pub async fn send_once(
    queues: &QueueClient,
    api: &BotApi,
    value_bet_id: i64,
    chat_id: i64,
    text: &str,
    deadline: Instant,
) -> Result<Delivered, DeliveryError> {
    let key = sent_key(value_bet_id, chat_id);
    if !queues.claim(&key, "sent", SENT_TTL).await? {
        return Ok(Delivered::AlreadySent);
    }
    let sent = throttled_send(queues, api, chat_id, text, deadline).await;
    if let Err(e) = &sent {
        // A failed send must not count as sent; if the release fails too, the chat
        // misses this alert (the at-most-once side), which is logged.
        if let Err(release) = queues.release(&key).await {
            tracing::error!(chat = chat_id, value_bet = value_bet_id, error = %release, send_error = %e,
                "claim of a failed alert not released; the chat will not get it");
        }
    }
    sent.map(|()| Delivered::Sent)
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
    let interval = if chat_id < 0 { PER_GROUP_INTERVAL } else { PER_CHAT_INTERVAL };
    let chat_wait = queues.reserve_slot(&format!("notify:rate:chat:{chat_id}"), interval, 1).await?;
    wait_until_deadline(chat_id, chat_wait, deadline).await?;
    // The global slot is taken only once the chat's is due, so it matches the send time.
    let global_wait = queues.reserve_slot("notify:rate:global", GLOBAL_INTERVAL, 1).await?;
    wait_until_deadline(chat_id, global_wait, deadline).await?;
    api.send_message(chat_id, text, ParseMode::MarkdownV2).await?;
    Ok(())
}

async fn wait_until_deadline(chat_id: i64, wait: Duration, deadline: Instant) -> Result<(), DeliveryError> {
    if Instant::now() + wait > deadline {
        return Err(DeliveryError::Busy { chat_id, wait });
    }
    tokio::time::sleep(wait).await;
    Ok(())
}
