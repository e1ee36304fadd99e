//! `notify_value_bet`: the alert of one value bet to every active subscription whose
//! filters want it, at most once per chat however often the job runs (see
//! `notify::delivery`). Per chat, Telegram's answer decides: a rate limit or a server or
//! network failure retries the job (served chats are skipped then); a blocked chat is
//! deactivated and the others still served; any other refusal dead-letters the job
//! with Telegram's description, after the other chats were served. Once the match has
//! kicked off, nothing is sent.

use jobs::Envelope;
use jobs::catalogue::{Job, NotifyValueBet};
use tokio::time::Instant;

use crate::notify::delivery::{self, Delivered, DeliveryError};
use crate::notify::{Disposition, alert, subscriptions};
use crate::runtime::{JobFailure, Runtime};

pub async fn value_bet(rt: &Runtime, envelope: &Envelope, job: &NotifyValueBet) -> Result<(), JobFailure> {
    let Some(api) = rt.telegram.as_ref() else {
        return Err(JobFailure::Permanent("no Telegram bot token is configured on this worker".into()));
    };
    // Waits for rate-limit slots stop at half the job's time limit (the job retries
    // instead), leaving the sends room: a timeout between a claim and its send's reply
    // would cost that chat the alert.
    let limit =
        envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(NotifyValueBet::POLICY.timeout);
    let deadline = Instant::now() + limit / 2;
    let alert = alert::load(&rt.db, job.value_bet_id)
        .await
        .map_err(|e| if e.is_permanent() { JobFailure::permanent(e) } else { JobFailure::transient(e) })?;
    if alert.kickoff_at <= rt.clock.now() {
        // A price of a match under way is gone: the alert would only mislead.
        tracing::info!(value_bet = alert.value_bet_id, kickoff = %alert.kickoff_at, "kicked off: alert not sent");
        return Ok(());
    }
    let chats = subscriptions::matching(&rt.db, &alert).await.map_err(JobFailure::transient)?;
    let text = alert.render();
    let (mut sent, mut refused) = (0usize, Vec::new());
    for sub in chats {
        match delivery::send_once(&rt.queues, api, alert.value_bet_id, sub.chat_id, &text, deadline).await {
            Ok(Delivered::Sent) => sent += 1,
            Ok(Delivered::AlreadySent) => {}
            Err(DeliveryError::Api(e)) => match e.disposition() {
                Disposition::Retry(wait) => {
                    let message = format!("chat {}: {e}", sub.chat_id);
                    return Err(match wait {
                        Some(after) => JobFailure::RetryAfter(message, after),
                        None => JobFailure::Transient(message),
                    });
                }
                Disposition::Deactivate => {
                    tracing::warn!(chat = sub.chat_id, error = %e, "subscription deactivated");
                    subscriptions::deactivate(&rt.db, sub.id).await.map_err(JobFailure::transient)?;
                }
                Disposition::Migrate(to) => {
                    // Follow the group to its new id; the retry sends there, and the
                    // chats already served are skipped by their sent keys.
                    tracing::info!(chat = sub.chat_id, to, "subscription moved to the chat's new id");
                    subscriptions::move_chat(&rt.db, sub.id, to).await.map_err(JobFailure::transient)?;
                    return Err(JobFailure::Transient(format!("chat {}: {e}", sub.chat_id)));
                }
                Disposition::DeadLetter => refused.push(format!("chat {}: {e}", sub.chat_id)),
            },
            Err(e @ (DeliveryError::Queue(_) | DeliveryError::Busy { .. })) => {
                return Err(JobFailure::transient(e));
            }
        }
    }
    tracing::info!(value_bet = alert.value_bet_id, sent, refused = refused.len(), "value bet alert sent");
    if refused.is_empty() { Ok(()) } else { Err(JobFailure::Permanent(refused.join("; "))) }
}
