//! What a handler is given: the database, its own envelope (so the jobs it queues are
//! its chain's children), and only the dependencies its kind uses (`deps`), picked
//! from the runtime in the kind's `Handle` impl.

use entities::webhooks;
use jobs::catalogue::DeliverWebhook;
use jobs::{AnyJob, EnqueueOptions, Enqueued, Envelope, QueueClient, QueueError};
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};

use crate::runtime::{Runtime, fence};

pub struct Cx<'a, D> {
    pub db: &'a DatabaseConnection,
    pub envelope: &'a Envelope,
    queues: &'a QueueClient,
    pub deps: D,
}

impl<'a, D> Cx<'a, D> {
    pub fn new(rt: &'a Runtime, envelope: &'a Envelope, deps: D) -> Self {
        Self { db: &rt.db, envelope, queues: &rt.queues, deps }
    }

    /// Queues `job` as the next link of this job's chain (same chain, this job as parent).
    pub async fn enqueue_child(
        &self,
        job: impl Into<AnyJob>,
        opts: &EnqueueOptions,
    ) -> Result<Enqueued, QueueError> {
        let child = Envelope::new(&job.into()).child_of(self.envelope);
        self.queues.enqueue(&child, opts).await
    }

    /// Publishes live events `(channel, message)` on the queue backend and queues one
    /// `deliver_webhook` child per active webhook that wants each. Best effort: a missed
    /// event must not redo the work that made it, so failures are logged, not returned.
    pub async fn publish(&self, messages: Vec<(String, serde_json::Value)>) {
        if messages.is_empty() {
            return;
        }
        let hooks =
            match webhooks::Entity::find().filter(webhooks::Column::Active.eq(true)).all(self.db).await {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(error = %e, "webhooks not read: events go to live clients only");
                    Vec::new()
                }
            };
        for (channel, message) in messages {
            let payload = message.to_string();
            if let Err(e) = self.queues.publish(&channel, &payload).await {
                tracing::warn!(error = %e, channel, "event not published");
            }
            for hook in hooks.iter().filter(|h| h.wants(&channel)) {
                let job = DeliverWebhook {
                    webhook_id: hook.id,
                    channel: channel.clone(),
                    payload: payload.clone(),
                };
                if let Err(e) = self.enqueue_child(job, &EnqueueOptions::default()).await {
                    tracing::warn!(error = %e, webhook = hook.id, channel, "webhook delivery not queued");
                }
            }
        }
    }

    /// Begins this attempt's fenced transaction (see [`fence::begin`]); `None` when the
    /// attempt already committed and nothing may be written.
    pub async fn fenced(&self) -> Result<Option<DatabaseTransaction>, DbErr> {
        fence::begin(self.db, self.envelope).await
    }
}
