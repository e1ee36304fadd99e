//! The bot's long poll (`kickoff bot`): `getUpdates` from the last seen `update_id`
//! plus one, each message answered by `jobs::telegram::reply` via `sendMessage`. A reply
//! Telegram refuses for now (429, 5xx, network) is sent again after Telegram's wait, a
//! few times; the offset still moves on, so one bad update never blocks the others.

use std::time::Duration;

use jobs::telegram::{CommandError, reply};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::bot_api::{BotApi, ParseMode};
use super::error::{BotApiError, Disposition};
use super::types::Update;

/// How long Telegram holds a `getUpdates` call open when nothing arrives.
pub const POLL_TIMEOUT_SECS: u32 = 25;

/// Wait after a failed poll that named no wait of its own.
const RETRY_PAUSE: Duration = Duration::from_secs(3);

/// Sends of one reply at most, and the wait between two when Telegram names none.
const REPLY_ATTEMPTS: u32 = 3;
const REPLY_PAUSE: Duration = Duration::from_millis(500);

/// Said instead of a reply the database could not produce.
const SORRY: &str = "Something went wrong on our side; please try again in a minute\\.";

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// A failure retrying cannot fix, e.g. a revoked token (401) or another poller (409).
    #[error("long poll stopped: {0}")]
    BotApi(#[from] BotApiError),
}

/// Answers messages until `shutdown` turns true. Deletes any webhook first: Telegram
/// refuses `getUpdates` while one is set.
pub async fn run(
    bot: &BotApi,
    db: &DatabaseConnection,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PollError> {
    bot.delete_webhook().await?;
    tracing::info!("telegram long poll started");
    let mut offset = 0;
    while !*shutdown.borrow() {
        let polled = tokio::select! {
            _ = shutdown.changed() => break,
            r = bot.get_updates(offset, POLL_TIMEOUT_SECS) => r,
        };
        let updates = match polled {
            Ok(u) => u,
            Err(e) => match e.disposition() {
                Disposition::Retry(wait) => {
                    tracing::warn!(error = %e, "getUpdates failed; polling again");
                    tokio::select! {
                        _ = shutdown.changed() => break,
                        _ = tokio::time::sleep(wait.unwrap_or(RETRY_PAUSE)) => continue,
                    }
                }
                Disposition::Deactivate | Disposition::Migrate(_) | Disposition::DeadLetter => {
                    return Err(e.into());
                }
            },
        };
        for update in updates {
            offset = offset.max(update.update_id + 1);
            answer(bot, db, &update, &mut shutdown).await;
        }
    }
    tracing::info!("telegram long poll stopped");
    Ok(())
}

/// Replies to one update's text message; failures are logged, the poll goes on.
async fn answer(
    bot: &BotApi,
    db: &DatabaseConnection,
    update: &Update,
    shutdown: &mut watch::Receiver<bool>,
) {
    let Some((chat_id, text)) = update.message.as_ref().and_then(|m| Some((m.chat.id, m.text.as_deref()?)))
    else {
        return;
    };
    let text = match reply(db, chat_id, text, chrono::Utc::now()).await {
        Ok(t) => t,
        Err(CommandError::Db(e)) => {
            tracing::error!(update = update.update_id, error = %e, "bot command failed");
            SORRY.to_owned()
        }
    };
    for attempt in 1..=REPLY_ATTEMPTS {
        let Err(e) = bot.send_message(chat_id, &text, ParseMode::MarkdownV2).await else { return };
        match e.disposition() {
            Disposition::Retry(wait) if attempt < REPLY_ATTEMPTS => {
                tracing::warn!(update = update.update_id, attempt, error = %e, "bot reply not sent; sending again");
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(wait.unwrap_or(REPLY_PAUSE)) => {}
                }
            }
            _ => {
                tracing::warn!(update = update.update_id, attempt, error = %e, "bot reply not sent");
                return;
            }
        }
    }
}
