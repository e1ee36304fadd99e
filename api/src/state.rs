//! What every handler shares.

use std::sync::Arc;

use jobs::QueueClient;
use sea_orm::DatabaseConnection;

use crate::events::EventHub;
use crate::settings::{ApiSettings, AuthSettings};

/// The API's shared state: the database it reads, the queues it enqueues on and
/// inspects (absent when the server runs without a queue), and its settings.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub queues: Option<QueueClient>,
    pub settings: Arc<ApiSettings>,
    pub auth: Arc<AuthSettings>,
    /// The live events; absent on the embedded queue, which has no pub/sub.
    pub events: Option<EventHub>,
}

impl ApiState {
    /// Default settings, no queue.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            queues: None,
            settings: Arc::new(ApiSettings::default()),
            auth: Arc::new(AuthSettings::default()),
            events: None,
        }
    }

    pub fn with_queues(mut self, queues: impl Into<QueueClient>) -> Self {
        self.queues = Some(queues.into());
        self
    }

    pub fn with_events(mut self, hub: EventHub) -> Self {
        self.events = Some(hub);
        self
    }

    pub fn with_settings(mut self, settings: ApiSettings, auth: AuthSettings) -> Self {
        self.settings = Arc::new(settings);
        self.auth = Arc::new(auth);
        self
    }
}
