//! The worker runtime: pools on apalis-redis or apalis-sqlite with our own retries,
//! dead letters, pause flags and timeouts.

pub mod breaker;
mod execute;
pub mod fence;
pub mod names;
pub mod pool;
mod watchdog;

use jobs::Envelope;
use jobs::series::Counter;
use jobs::{QueueClient, QueueError};
use sea_orm::DatabaseConnection;

use crate::scrape::fetch::{FetchError, HttpFetcher};

pub use execute::Outcome;
pub use pool::{PoolSpec, run_pools};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("worker {worker}: {message}")]
    Worker { worker: String, message: String },
}

/// What every job handler may use.
pub struct Runtime {
    pub db: DatabaseConnection,
    pub queues: QueueClient,
    pub scrape: crate::settings::ScrapeSettings,
    /// The polite HTTP fetcher (shared rate limits, proxies, circuit breakers).
    pub fetcher: std::sync::Arc<HttpFetcher>,
    /// The browser fetcher of sources with `render = "browser"`, started (with its
    /// chromedriver, unless `webdriver_url` is set) by the first page that needs it.
    pub browser: tokio::sync::OnceCell<crate::scrape::fetch::BrowserFetcher>,
    /// How value bets are found, and the registry name served.
    pub predict: crate::settings::PredictSettings,
    /// The model version inference serves, reloaded when another is activated.
    pub models: crate::registry::ModelCache,
    /// Whether new value bets get a notify job (a Telegram bot is configured).
    pub notify: bool,
    /// The optional language-model adjustment of forecasts.
    pub llm: Option<crate::llm::LlmClient>,
    /// The bot value-bet alerts go out through; `None` when no token is set.
    pub telegram: Option<crate::notify::BotApi>,
    /// The chat operator alerts go to (with a bot), and when they fire.
    pub ops_chat: Option<i64>,
    pub ops_alerts: crate::settings::OpsAlertSettings,
    /// Whether each pool deletes its queue's finished jobs every few seconds; without
    /// it, the scheduled `vacuum_queue` job is the only cleaner.
    pub vacuum_in_pools: bool,
    /// What "now" is for judging whether a match has kicked off.
    pub clock: crate::clock::Clock,
    /// How webhook deliveries are made.
    pub webhooks: crate::settings::WebhookSettings,
    /// Open while the database does not answer (see `breaker`).
    pub db_breaker: breaker::Breaker,
    /// Paused queues as last read from the backend by `refresh_paused` (every
    /// `PAUSE_REFRESH`), so a delivery costs no extra round trip.
    paused: std::sync::RwLock<std::collections::HashSet<String>>,
    /// Successes not yet added to the shared counters: flushed every poll interval, so
    /// a job costs no extra round trip.
    /// Attempts counted since the last flush, by queue and outcome.
    done: std::sync::Mutex<std::collections::HashMap<(String, Counter), u64>>,
    /// Finished attempts not yet written to the journal (see `flush_journal`).
    journal: std::sync::Mutex<Vec<JobEvent>>,
    events: tokio::sync::broadcast::Sender<JobEvent>,
}

/// What happened to a job delivery.
pub use jobs::journal::{EventKind, JobEvent};

/// Events kept for a slow in-process subscriber before it starts missing some.
const EVENT_BUFFER: usize = 4_096;
/// Finished attempts held for the journal while the backend cannot take them.
const JOURNAL_BUFFER: usize = 10_000;

/// Outbox entries (and given-up tasks per queue) handled per housekeeping pass.
const OUTBOX_BATCH: usize = 100;

/// How often worker processes re-read the pause flags: pausing takes effect within this.
pub const PAUSE_REFRESH: std::time::Duration = std::time::Duration::from_millis(250);

impl Runtime {
    pub fn new(db: DatabaseConnection, queues: impl Into<QueueClient>) -> Self {
        let queues = queues.into();
        let scrape = crate::settings::ScrapeSettings::default();
        let fetcher = std::sync::Arc::new(HttpFetcher::direct(scrape.clone(), Some(queues.clone())));
        let (events, _) = tokio::sync::broadcast::channel(EVENT_BUFFER);
        let db_breaker = breaker::Breaker::for_database(&db);
        Self {
            db,
            queues,
            scrape,
            fetcher,
            browser: tokio::sync::OnceCell::new(),
            predict: Default::default(),
            models: Default::default(),
            notify: false,
            llm: None,
            telegram: None,
            ops_chat: None,
            ops_alerts: Default::default(),
            vacuum_in_pools: true,
            clock: crate::clock::Clock::system(),
            webhooks: Default::default(),
            db_breaker,
            paused: Default::default(),
            done: Default::default(),
            journal: Default::default(),
            events,
        }
    }

    /// Uses `scrape` for fetching; fails on a bad proxy URL.
    pub fn with_predict(mut self, predict: crate::settings::PredictSettings, notify: bool) -> Self {
        self.predict = predict;
        self.notify = notify;
        self
    }

    /// Judges kickoffs by `clock` (a replay of past matches).
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_webhooks(mut self, webhooks: crate::settings::WebhookSettings) -> Self {
        self.webhooks = webhooks;
        self
    }

    pub fn with_llm(mut self, llm: Option<crate::llm::LlmClient>) -> Self {
        self.llm = llm;
        self
    }

    /// Sends alerts through the bot `telegram` describes (none without a token).
    pub fn with_telegram(
        mut self,
        telegram: &crate::settings::TelegramSettings,
    ) -> Result<Self, crate::notify::BotApiError> {
        self.telegram = crate::notify::BotApi::from_settings(telegram)?;
        self.ops_chat = (telegram.ops_chat_id != 0).then_some(telegram.ops_chat_id);
        self.ops_alerts = telegram.ops_alerts.clone();
        Ok(self)
    }

    pub fn with_scrape(mut self, scrape: crate::settings::ScrapeSettings) -> Result<Self, FetchError> {
        self.fetcher = std::sync::Arc::new(HttpFetcher::new(scrape.clone(), Some(self.queues.clone()))?);
        self.scrape = scrape;
        Ok(self)
    }

    fn count(&self, queue: &str, counter: Counter) {
        if let Ok(mut d) = self.done.lock() {
            *d.entry((queue.to_owned(), counter)).or_default() += 1;
        }
    }

    /// Writes the attempts finished since the last flush to their queues' journals.
    pub async fn flush_journal(&self) -> Result<(), QueueError> {
        let pending: Vec<JobEvent> = match self.journal.lock() {
            Ok(mut j) => std::mem::take(&mut *j),
            Err(_) => Vec::new(),
        };
        if pending.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.queues.journal_append(&pending).await {
            // Kept for the next flush, within bounds: the journal is a window, not a record.
            if let Ok(mut j) = self.journal.lock() {
                let mut kept = pending;
                kept.append(&mut j);
                let excess = kept.len().saturating_sub(JOURNAL_BUFFER);
                kept.drain(..excess);
                *j = kept;
            }
            return Err(e);
        }
        Ok(())
    }

    /// Adds the attempts counted since the last flush (done and failed) to the shared
    /// counters.
    pub async fn flush_done(&self) -> Result<(), QueueError> {
        let pending: Vec<((String, Counter), u64)> = match self.done.lock() {
            Ok(mut d) => d.drain().collect(),
            Err(_) => Vec::new(),
        };
        for (i, ((queue, counter), n)) in pending.iter().enumerate() {
            if let Err(e) = self.queues.record_count(queue, *counter, *n).await {
                // Put back what was not written, so a backend blip loses no count.
                if let Ok(mut d) = self.done.lock() {
                    for (q, n) in &pending[i..] {
                        *d.entry(q.clone()).or_default() += n;
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Whether `queue` was paused at the last refresh.
    pub fn is_paused(&self, queue: &str) -> bool {
        self.paused.read().map(|p| p.contains(queue)).unwrap_or(false)
    }

    /// Restores on the backend the pauses the database holds and the backend lost (it
    /// restarted empty, or its keys were flushed). With the database away, the
    /// backend's flags alone decide until it answers.
    pub async fn restore_pauses(&self, queues: &[String]) -> Result<(), QueueError> {
        match jobs::pauses::restore(&self.db, &self.queues, queues).await {
            Ok(restored) if !restored.is_empty() => {
                tracing::warn!(?restored, "pauses the queue backend had lost restored from the database");
            }
            Ok(_) => {}
            Err(jobs::pauses::PauseError::Queue(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "reading the recorded pauses failed; using the backend's flags")
            }
        }
        Ok(())
    }

    /// Re-reads the pause flags of `queues`.
    pub async fn refresh_paused(&self, queues: &[String]) -> Result<(), QueueError> {
        let mut now = std::collections::HashSet::new();
        for q in queues {
            if self.queues.is_paused(q).await? {
                now.insert(q.clone());
            }
        }
        if let Ok(mut p) = self.paused.write() {
            *p = now;
        }
        Ok(())
    }

    /// Records a payload that is not a job envelope as a dead letter of `queue`.
    pub async fn dead_letter_undecodable(
        &self,
        queue: &str,
        payload: serde_json::Value,
        error: &str,
        worker: &str,
    ) -> Result<(), RuntimeError> {
        let now = chrono::Utc::now();
        let kind = payload.get("kind").and_then(|k| k.as_str()).unwrap_or("unknown").to_owned();
        let envelope = Envelope::raw(kind, payload);
        let error = jobs::AttemptError {
            attempt: 1,
            error: format!("payload is not a job envelope: {error}"),
            permanent: true,
            started_at: now,
            failed_at: now,
            worker: worker.to_owned(),
        };
        metrics::counter!("kickoff_jobs_quarantined_total", "queue" => queue.to_owned(), "reason" => "undecodable")
            .increment(1);
        tracing::warn!(queue, "undecodable payload");
        self.record_terminal(&envelope, worker, queue, error, now).await?;
        Ok(())
    }

    /// Moves dead letters kept in the backend's outbox (the database was away when
    /// they were recorded) into `dead_letters`, and records the tasks the backend gave
    /// up on by itself; returns how many letters were written.
    pub async fn drain_outbox(&self, queues: &[String]) -> Result<u64, RuntimeError> {
        let mut written = 0;
        for entry in self.queues.outbox_list(OUTBOX_BATCH).await? {
            let letter =
                jobs::dead_letters::record(&self.db, &entry.queue, &entry.envelope, entry.error.clone())
                    .await?;
            self.queues.outbox_remove(&entry.key()).await?;
            tracing::info!(job = %entry.envelope.id, dead_letter = letter.id, "dead letter moved from the outbox");
            written += 1;
        }
        for queue in queues {
            for (task, payload) in self.queues.given_up(queue, OUTBOX_BATCH).await? {
                let now = chrono::Utc::now();
                let decoded = payload.as_deref().map(serde_json::from_slice::<Envelope>);
                let envelope = match decoded {
                    Some(Ok(e)) => e,
                    // The payload is gone or unreadable: keep what is known, the task id.
                    other => Envelope::raw(
                        "unknown",
                        serde_json::json!({ "task": task, "payload_stored": other.is_some() }),
                    ),
                };
                let error = if payload.is_none() {
                    // Quarantined by the orphan sweep (or found so in the dead set): a
                    // task id whose payload is gone would fail every fetch that takes it.
                    metrics::counter!("kickoff_jobs_quarantined_total", "queue" => queue.clone(), "reason" => "payload_missing")
                        .increment(1);
                    format!(
                        "task {task} was queued without its payload (a flushed key or a partial restore); \
                         quarantined instead of handed to a worker"
                    )
                } else {
                    format!("the queue backend gave up on task {task} after its own retries")
                };
                let error = jobs::AttemptError {
                    attempt: envelope.attempt,
                    error,
                    permanent: true,
                    started_at: now,
                    failed_at: now,
                    worker: "backend".into(),
                };
                let letter = jobs::dead_letters::record(&self.db, queue, &envelope, error).await?;
                self.queues.forget_given_up(queue, &task).await?;
                self.queues.record_dead(queue).await?;
                tracing::warn!(
                    queue,
                    task,
                    dead_letter = letter.id,
                    "task the backend gave up on dead-lettered"
                );
                written += 1;
            }
        }
        Ok(written)
    }

    /// Receives every job outcome of this process as it happens (dashboards, the demo).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    /// Publishes a dead letter's event on `{prefix}events` for the other processes (best
    /// effort).
    pub(crate) async fn publish_dead_letter(&self, event: &JobEvent) {
        match serde_json::to_string(event) {
            Ok(payload) => {
                if let Err(e) = self.queues.publish("events", &payload).await {
                    tracing::warn!(error = %e, "event not published");
                }
            }
            Err(e) => tracing::warn!(error = %e, "event not encoded"),
        }
    }

    /// Journals `event` and tells this process's subscribers. Not async: it is on every
    /// job's path, and a future here would grow every job in flight.
    pub(crate) fn emit(&self, event: JobEvent) {
        if let Ok(mut j) = self.journal.lock()
            && j.len() < JOURNAL_BUFFER
        {
            j.push(event.clone());
        }
        // No subscriber is fine: nobody is watching.
        let _ = self.events.send(event);
    }
}
