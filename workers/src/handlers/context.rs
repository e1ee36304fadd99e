//! What a handler is given: the database, its own envelope (so the jobs it queues are
//! its chain's children), and only the dependencies its kind uses (`deps`), picked
//! from the runtime in the kind's `Handle` impl.

use entities::webhooks;
use jobs::catalogue::DeliverWebhook;
use jobs::{AnyJob, EnqueueOptions, Enqueued, Envelope, QueueClient, QueueError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    Statement,
};

use crate::events::GoalTeams;
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

    /// The teams' names of match `match_id`, for its goal events. Best effort, as the
    /// events are: unknown names are left out, not an error.
    pub async fn teams_of(&self, match_id: i64) -> GoalTeams {
        let sql = "SELECT h.name, a.name FROM matches m JOIN teams h ON h.id = m.home_team_id \
                   JOIN teams a ON a.id = m.away_team_id WHERE m.id = $1";
        let stmt = Statement::from_sql_and_values(self.db.get_database_backend(), sql, [match_id.into()]);
        match self.db.query_one_raw(stmt).await {
            Ok(Some(row)) => {
                GoalTeams { home: row.try_get_by_index(0).ok(), away: row.try_get_by_index(1).ok() }
            }
            Ok(None) => GoalTeams::default(),
            Err(e) => {
                tracing::warn!(error = %e, match_id, "goal event without team names");
                GoalTeams::default()
            }
        }
    }

    /// Begins this attempt's fenced transaction (see [`fence::begin`]); `None` when the
    /// attempt already committed and nothing may be written.
    pub async fn fenced(&self) -> Result<Option<DatabaseTransaction>, DbErr> {
        fence::begin(self.db, self.envelope).await
    }
}
