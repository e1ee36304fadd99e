//! Operator alerts: what is wrong right now (a queue backed up, dead letters piling up, a
//! source failing for too long, a missed cron tick), told to the ops chat once when it
//! starts and once when it clears, however often the check runs and however many
//! processes run it. Open incidents live in the shared hash `ops:incidents` (field: the
//! incident's key); only the check that adds a field (or removes it) sends.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entities::enums::DeliveryState;
use entities::{alert_deliveries, dead_letters};
use jobs::catalogue::queues;
use jobs::{QueueClient, QueueError};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use tokio::time::Instant;

use super::bot_api::BotApi;
use super::delivery::{self, DeliveryError};
use super::markdown::escape_markdown_v2;
use crate::scheduler::LAST_MISSED_KEY;
use crate::scrape::health;
use crate::settings::OpsAlertSettings;

pub const OPEN_KEY: &str = "ops:incidents";

#[derive(Debug, thiserror::Error)]
pub enum OpsAlertError {
    #[error("queue backend: {0}")]
    Queue(#[from] QueueError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("sending to the ops chat: {0}")]
    Delivery(#[from] DeliveryError),
}

/// One thing wrong: `key` names it across checks (`backlog:scrape`), `detail` says how bad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    pub key: String,
    pub detail: String,
}

/// What an incident is about, from its key, for its first and its last message.
pub fn title(key: &str) -> String {
    let (kind, subject) = key.split_once(':').unwrap_or((key, ""));
    let what = match kind {
        "backlog" => "Queue backlog",
        "dead_letters" => "Dead letters growing",
        "source_failing" => "Source failing",
        "missed_tick" => "Missed cron tick",
        "uncertain_alerts" => "Alert deliveries uncertain",
        other => other,
    };
    format!("{what}: {subject}")
}

/// Every incident open now, by key.
pub async fn detect(
    db: &DatabaseConnection,
    queues: &QueueClient,
    limits: &OpsAlertSettings,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, Incident>, OpsAlertError> {
    let mut found = Vec::new();
    for queue in queues::ALL {
        let waiting = queues.stats(queue).await?.pending;
        if waiting > limits.backlog {
            found.push((
                format!("backlog:{queue}"),
                format!("{waiting} jobs waiting (the alert is above {}).", limits.backlog),
            ));
        }
    }
    let since = now - Duration::hours(1);
    let recent: Vec<String> = dead_letters::Entity::find()
        .select_only()
        .column(dead_letters::Column::Queue)
        .filter(dead_letters::Column::LastFailedAt.gte(since))
        .filter(dead_letters::Column::RequeuedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut per_queue: BTreeMap<String, u64> = BTreeMap::new();
    for queue in recent {
        *per_queue.entry(queue).or_default() += 1;
    }
    for (queue, n) in per_queue.into_iter().filter(|(_, n)| *n >= limits.dead_letters_per_hour.max(1)) {
        found.push((
            format!("dead_letters:{queue}"),
            format!(
                "{n} new dead letters in the last hour (the alert is at {}).",
                limits.dead_letters_per_hour
            ),
        ));
    }
    let failing_for = Duration::seconds(i64::try_from(limits.source_failing_secs).unwrap_or(i64::MAX));
    for (site, first) in health::failing(queues).await? {
        if now - first >= failing_for {
            let minutes = (now - first).num_minutes();
            found.push((
                format!("source_failing:{site}"),
                format!("No successful fetch since {} ({minutes} min).", first.format("%Y-%m-%d %H:%M UTC")),
            ));
        }
    }
    let window = Duration::seconds(i64::try_from(limits.missed_tick_window_secs).unwrap_or(i64::MAX));
    for (entry, ms) in queues.hash_get_all(LAST_MISSED_KEY).await? {
        let Some(at) = Utc.timestamp_millis_opt(ms).single() else { continue };
        if now - at < window {
            found.push((
                format!("missed_tick:{entry}"),
                format!(
                    "Its tick of {} did not fire (no scheduler ran it in time).",
                    at.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
    }
    // A delivery that may or may not have reached its chat needs a person to look.
    let uncertain = alert_deliveries::Entity::find()
        .filter(alert_deliveries::Column::State.eq(DeliveryState::Uncertain))
        .filter(alert_deliveries::Column::UpdatedAt.gte(now - Duration::hours(24)))
        .count(db)
        .await?;
    if uncertain > 0 {
        found.push((
            "uncertain_alerts:telegram".to_owned(),
            format!("{uncertain} value-bet alerts in the last 24 hours may or may not have reached their chat; see /ops/alerts."),
        ));
    }
    Ok(found.into_iter().map(|(key, detail)| (key.clone(), Incident { key, detail })).collect())
}

/// The message of an incident that starts.
pub fn opened_text(incident: &Incident) -> String {
    format!("🔴 *{}*\n{}", escape_markdown_v2(&title(&incident.key)), escape_markdown_v2(&incident.detail))
}

/// The message of an incident that cleared.
pub fn resolved_text(key: &str) -> String {
    format!("✅ *Resolved: {}*", escape_markdown_v2(&title(key)))
}

/// Where operator alerts go.
pub struct OpsChat<'a> {
    pub api: &'a BotApi,
    pub chat_id: i64,
}

/// What one check did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Incidents open after the check.
    pub open: Vec<String>,
    /// Incidents this check opened, and closed (each told once).
    pub opened: Vec<String>,
    pub resolved: Vec<String>,
}

/// Opens the incidents `detect` finds that are not open yet and closes the open ones it
/// no longer finds, telling `chat` (when there is one) once each. A failed send undoes
/// its change, so the next check tells it again.
pub async fn check(
    db: &DatabaseConnection,
    queues: &QueueClient,
    limits: &OpsAlertSettings,
    chat: Option<&OpsChat<'_>>,
    deadline: Instant,
) -> Result<CheckOutcome, OpsAlertError> {
    let now = Utc::now();
    let current = detect(db, queues, limits, now).await?;
    let open = queues.hash_get_all(OPEN_KEY).await?;
    let mut outcome = CheckOutcome { open: current.keys().cloned().collect(), ..Default::default() };
    for incident in current.values().filter(|i| !open.contains_key(&i.key)) {
        if !queues.hash_set_if_absent(OPEN_KEY, &incident.key, now.timestamp_millis()).await? {
            continue;
        }
        tracing::warn!(incident = %incident.key, detail = %incident.detail, "operator alert");
        if let Err(e) = tell(queues, chat, &opened_text(incident), deadline).await {
            queues.hash_del(OPEN_KEY, &incident.key).await?;
            return Err(e);
        }
        outcome.opened.push(incident.key.clone());
    }
    for (key, opened_ms) in open.iter().filter(|(k, _)| !current.contains_key(*k)) {
        if !queues.hash_del(OPEN_KEY, key).await? {
            continue;
        }
        tracing::info!(incident = %key, "operator alert resolved");
        if let Err(e) = tell(queues, chat, &resolved_text(key), deadline).await {
            queues.hash_set_if_absent(OPEN_KEY, key, *opened_ms).await?;
            return Err(e);
        }
        outcome.resolved.push(key.clone());
    }
    Ok(outcome)
}

async fn tell(
    queues: &QueueClient,
    chat: Option<&OpsChat<'_>>,
    text: &str,
    deadline: Instant,
) -> Result<(), OpsAlertError> {
    if let Some(chat) = chat {
        delivery::throttled_send(queues, chat.api, chat.chat_id, text, deadline).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_kind_and_subject_and_texts_are_escaped() {
        assert_eq!(title("backlog:scrape"), "Queue backlog: scrape");
        assert_eq!(title("source_failing:football-data"), "Source failing: football-data");
        let text = opened_text(&Incident {
            key: "missed_tick:results_e0".into(),
            detail: "At 10:00 (late).".into(),
        });
        assert_eq!(text, "🔴 *Missed cron tick: results\\_e0*\nAt 10:00 \\(late\\)\\.");
        assert_eq!(resolved_text("dead_letters:notify"), "✅ *Resolved: Dead letters growing: notify*");
    }
}
