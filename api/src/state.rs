//! What every handler shares.

use std::sync::Arc;

use jobs::QueueClient;
use sea_orm::DatabaseConnection;

use crate::settings::{ApiSettings, AuthSettings};

/// The API's shared state: the database it reads, the queues it enqueues on and
/// inspects (absent when the server runs without a queue), and its settings.
#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub queues: Option<QueueClient>,
    pub settings: Arc<ApiSettings>,
    pub auth: Arc<AuthSettings>,
}

impl ApiState {
    /// Default settings, no queue.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            queues: None,
            settings: Arc::new(ApiSettings::default()),
            auth: Arc::new(AuthSettings::default()),
        }
    }

    pub fn with_queues(mut self, queues: impl Into<QueueClient>) -> Self {
        self.queues = Some(queues.into());
        self
    }

    pub fn with_settings(mut self, settings: ApiSettings, auth: AuthSettings) -> Self {
        self.settings = Arc::new(settings);
        self.auth = Arc::new(auth);
        self
    }
}

/// By hand, as the queue client has no `Debug`: its backend stands for it.
impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("db", &self.db)
            .field("queues", &self.queues.as_ref().map(QueueClient::backend))
            .field("settings", &self.settings)
            .field("auth", &self.auth)
            .finish()
    }
}
