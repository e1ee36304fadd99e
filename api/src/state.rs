//! What every handler shares.

use std::sync::Arc;

use jobs::QueueClient;
use jobs::schedule::Schedules;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;

use crate::auth::middleware::Limiter;
use crate::count_cache::CountCache;
use crate::events::EventHub;
use crate::names::NameCache;
use crate::settings::{ApiSettings, AuthSettings};

/// The API's shared state: the database it reads, the queues it enqueues on and
/// inspects (absent when the server runs without a queue), and its settings.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub queues: Option<QueueClient>,
    /// schedules.toml, for the schedule endpoints.
    pub schedules: Option<Arc<Schedules>>,
    pub settings: Arc<ApiSettings>,
    pub auth: Arc<AuthSettings>,
    /// Per-client rate limit; `None` when `api.rate_limit_per_minute` is 0.
    pub limiter: Option<Arc<Limiter>>,
    /// List totals reused for `api.count_cache_secs`.
    pub counts: Arc<CountCache>,
    /// Team names and league codes for the match lists.
    pub names: Arc<NameCache>,
    /// The live events; `kickoff serve` always sets them, a harness may not.
    pub events: Option<EventHub>,
    /// `[telegram] webhook_secret`; empty turns `/telegram/webhook` away.
    pub telegram_webhook_secret: SecretString,
    /// The value-bet rule the deployment applies, as `/value-bets/summary` reports it.
    pub served_rule: Arc<ServedRule>,
}

/// What `[predict]` says about value bets: the registry name the deployment trains and
/// serves, and the configured thresholds when the rule is fixed (`None`: training's
/// validated rule).
#[derive(Clone, Debug)]
pub struct ServedRule {
    pub model_name: String,
    pub fixed: Option<crate::value_bets::FixedRule>,
}

impl Default for ServedRule {
    fn default() -> Self {
        Self { model_name: "kickoff".into(), fixed: None }
    }
}

impl ApiState {
    /// Default settings (public reads, no rate limit), no queue.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            queues: None,
            schedules: None,
            settings: Arc::new(ApiSettings::default()),
            auth: Arc::new(AuthSettings::default()),
            limiter: None,
            counts: Arc::new(CountCache::new(std::time::Duration::ZERO)),
            names: Arc::new(NameCache::default()),
            events: None,
            telegram_webhook_secret: SecretString::from(""),
            served_rule: Arc::new(ServedRule::default()),
        }
    }

    pub fn with_served_rule(mut self, rule: ServedRule) -> Self {
        self.served_rule = Arc::new(rule);
        self
    }

    pub fn with_queues(mut self, queues: impl Into<QueueClient>) -> Self {
        self.queues = Some(queues.into());
        self
    }

    pub fn with_schedules(mut self, schedules: Schedules) -> Self {
        self.schedules = Some(Arc::new(schedules));
        self
    }

    pub fn with_events(mut self, hub: EventHub) -> Self {
        self.events = Some(hub);
        self
    }

    pub fn with_telegram_webhook_secret(mut self, secret: SecretString) -> Self {
        self.telegram_webhook_secret = secret;
        self
    }

    pub fn with_settings(mut self, settings: ApiSettings, auth: AuthSettings) -> Self {
        self.limiter = Limiter::per_minute(settings.rate_limit_per_minute).map(Arc::new);
        self.counts = Arc::new(CountCache::new(std::time::Duration::from_secs(settings.count_cache_secs)));
        self.settings = Arc::new(settings);
        self.auth = Arc::new(auth);
        self
    }
}
