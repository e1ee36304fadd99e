//! `notify_value_bet`: the alert of one value bet to every active subscription whose
//! filters want it, at most once per chat however often the job runs (the delivery
//! ledger, see `notify::delivery`). Per chat, Telegram's answer decides: a rate limit,
//! Telegram's own server error or a connection never made retries the job (served chats
//! are skipped then); a call that may have reached Telegram without proof (a timeout
//! after sending, a proxy's error page) leaves the chat uncertain, listed to operators
//! and not sent again; a blocked chat is deactivated and the others still served; any
//! other refusal dead-letters the job with Telegram's description, after the other chats
//! were served. A chat another run is sending to retries the job once that run's claim
//! would be stale. Once the match has kicked off, or once the latest stored price no longer
//! passes the rule the bet passed, nothing is sent.

use jobs::catalogue::{Job, NotifyValueBet};
use jobs::{Envelope, Handle, Handled, JobFailure, QueueClient};
use predict::kelly;
use predict::value_rule::ValueRule;
use tokio::time::Instant;

use super::Cx;
use crate::clock::Clock;
use crate::history::SELECTIONS;
use crate::inference::{self, Offer};
use crate::notify::delivery::{self, Deadlines, Delivered, DeliveryError};
use crate::notify::{BotApi, Disposition, alert, subscriptions};
use crate::runtime::Runtime;
use crate::settings::PredictSettings;

/// What an alert uses besides the database.
struct Deps<'a> {
    telegram: Option<&'a BotApi>,
    /// The send claims and per-chat rate limits live on the queue backend.
    shared: &'a QueueClient,
    /// The price rules the latest price is judged by.
    predict: &'a PredictSettings,
    clock: &'a Clock,
}

impl Handle<Runtime> for NotifyValueBet {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        let deps = Deps {
            telegram: rt.telegram.as_ref(),
            shared: &rt.queues,
            predict: &rt.predict,
            clock: &rt.clock,
        };
        Box::pin(run(Cx::new(rt, envelope, deps), self))
    }
}

async fn run(cx: Cx<'_, Deps<'_>>, job: NotifyValueBet) -> Result<(), JobFailure> {
    let envelope = cx.envelope;
    let Some(api) = cx.deps.telegram else {
        return Err(JobFailure::permanent("no Telegram bot token is configured on this worker"));
    };
    // Waits for rate-limit slots stop at half the job's time limit (the job retries
    // instead), leaving the sends room; each send must be answered before 90% of it, so
    // the time limit never cuts a call short and leaves the delivery uncertain.
    let limit =
        envelope.timeout_ms.map(std::time::Duration::from_millis).unwrap_or(NotifyValueBet::POLICY.timeout);
    let started = Instant::now();
    let deadlines = Deadlines { wait_until: started + limit / 2, send_until: started + limit * 9 / 10 };
    let alert = alert::load(cx.db, job.value_bet_id).await?;
    if alert.kickoff_at <= cx.deps.clock.now() {
        // A price of a match under way is gone: the alert would only mislead.
        tracing::info!(value_bet = alert.value_bet_id, kickoff = %alert.kickoff_at, "kicked off: alert not sent");
        return Ok(());
    }
    if let Some(gone) = edge_gone(&cx, &alert).await? {
        tracing::info!(value_bet = alert.value_bet_id, price = gone.price, bookmaker = %gone.bookmaker,
            "the latest price leaves no edge: alert not sent");
        return Ok(());
    }
    let mut chats = subscriptions::matching(cx.db, &alert).await?;
    if let Some(only) = job.chat_id {
        chats.retain(|sub| sub.chat_id == only);
        if chats.is_empty() {
            // An operator's resend to a chat that unsubscribed or no longer wants it.
            tracing::warn!(
                value_bet = alert.value_bet_id,
                chat = only,
                "resend not sent: the chat has no active subscription that wants this alert"
            );
        }
    }
    let text = alert.render();
    let (mut sent, mut uncertain, mut elsewhere, mut refused) = (0usize, 0usize, Vec::new(), Vec::new());
    let mut come_back = std::time::Duration::ZERO;
    for sub in chats {
        let delivered = delivery::send_once(
            cx.db,
            cx.deps.shared,
            api,
            envelope.id.as_str(),
            alert.value_bet_id,
            sub.chat_id,
            &text,
            deadlines,
        )
        .await;
        match delivered {
            Ok(Delivered::Sent { .. }) => sent += 1,
            Ok(Delivered::AlreadySent) => {}
            Ok(Delivered::Uncertain { .. }) => uncertain += 1,
            Ok(Delivered::InProgress { stale_in }) => {
                elsewhere.push(sub.chat_id);
                come_back = come_back.max(stale_in);
            }
            Err(DeliveryError::Api(e)) => match e.disposition() {
                Disposition::Retry(_) => {
                    return Err(JobFailure::from(e).context(format!("chat {}", sub.chat_id)));
                }
                Disposition::Deactivate => {
                    tracing::warn!(chat = sub.chat_id, error = %e, "subscription deactivated");
                    subscriptions::deactivate(cx.db, sub.id).await?;
                }
                Disposition::Migrate(to) => {
                    // Follow the group to its new id; the retry sends there, and the
                    // chats already served are skipped by the ledger.
                    tracing::info!(chat = sub.chat_id, to, "subscription moved to the chat's new id");
                    subscriptions::move_chat(cx.db, sub.id, to).await?;
                    return Err(JobFailure::transient(e).context(format!("chat {}", sub.chat_id)));
                }
                Disposition::DeadLetter => refused.push(format!("chat {}: {e}", sub.chat_id)),
            },
            Err(e @ (DeliveryError::Queue(_) | DeliveryError::Ledger(_) | DeliveryError::Busy { .. })) => {
                return Err(JobFailure::transient(e));
            }
        }
    }
    tracing::info!(
        value_bet = alert.value_bet_id,
        sent,
        uncertain,
        refused = refused.len(),
        "value bet alert sent"
    );
    if !elsewhere.is_empty() {
        // The other run may still fail and release its claims, or have died: come back
        // once its claims would be stale, to send or to see them settled.
        let message = format!("chats {elsewhere:?}: another run is sending this alert");
        return Err(JobFailure::later(message, come_back + std::time::Duration::from_secs(1)));
    }
    if refused.is_empty() { Ok(()) } else { Err(JobFailure::permanent(refused.join("; "))) }
}

/// The latest best bookable price of the alert's selection, when the rule the bet passed
/// would no longer pass it (an edge under the minimum or past the maximum, a price out of
/// bounds; no edge at all for a bet without a recorded rule); `None` while the bet stands
/// or no price is stored.
async fn edge_gone(cx: &Cx<'_, Deps<'_>>, alert: &alert::Alert) -> Result<Option<Offer>, sea_orm::DbErr> {
    let Some(i) = SELECTIONS.iter().position(|s| *s == alert.selection) else { return Ok(None) };
    let offers = inference::best_prices(cx.db, alert.match_id, cx.deps.predict).await?;
    let Some(offer) = offers.into_iter().nth(i).flatten() else { return Ok(None) };
    let r = alert.rule.as_ref();
    // The bounds the bet passed (none recorded: any positive edge), league aside: the
    // bet's league passed when it was found.
    let rule = ValueRule {
        min_edge: r.and_then(|r| r.min_edge).unwrap_or(0.0),
        max_edge: r.and_then(|r| r.max_edge).unwrap_or(f64::INFINITY),
        min_price: r.and_then(|r| r.min_price).unwrap_or(1.0),
        max_price: r.and_then(|r| r.max_price).unwrap_or(f64::INFINITY),
        leagues: Vec::new(),
    };
    let edge = kelly::edge(alert.probability, offer.price);
    Ok((!rule.admits(&alert.league_code, edge, offer.price)).then_some(offer))
}
