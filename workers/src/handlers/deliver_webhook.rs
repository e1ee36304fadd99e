//! `deliver_webhook`: one live event POSTed to one registered endpoint. A failure is
//! retried with the kind's backoff and dead-lettered after its last attempt; each failure
//! lengthens the endpoint's streak, and `[webhooks] disable_after` failures in a row
//! disable it until an admin enables it again. A good delivery ends the streak.

use chrono::Utc;
use entities::webhooks;
use jobs::catalogue::DeliverWebhook;
use jobs::{Envelope, Handle, Handled, JobFailure};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set, Statement};

use super::Cx;
use crate::runtime::Runtime;
use crate::settings::WebhookSettings;
use crate::webhooks::deliver::deliver;

impl Handle<Runtime> for DeliverWebhook {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        Box::pin(run(Cx::new(rt, envelope, &rt.webhooks), self))
    }
}

async fn run(cx: Cx<'_, &WebhookSettings>, job: DeliverWebhook) -> Result<(), JobFailure> {
    let Some(hook) = webhooks::Entity::find_by_id(job.webhook_id).one(cx.db).await? else {
        tracing::info!(webhook = job.webhook_id, "webhook deleted: event dropped");
        return Ok(());
    };
    if !hook.active {
        tracing::info!(webhook = hook.id, "webhook disabled: event dropped");
        return Ok(());
    }
    let outcome =
        deliver(cx.deps, &hook.url, &hook.secret, &cx.envelope.id, &job.channel, &job.payload).await;
    match outcome {
        Ok(status) => {
            let mut row = hook.clone().into_active_model();
            row.failure_streak = Set(0);
            row.last_error = Set(None);
            row.last_delivered_at = Set(Some(Utc::now()));
            row.update(cx.db).await?;
            tracing::info!(webhook = hook.id, channel = %job.channel, status, "webhook delivered");
            Ok(())
        }
        Err(e) => {
            // Counted in the database: deliveries failing at once each add one.
            let streak = add_failure(&cx, hook.id, &e.to_string()).await?;
            let disable = u32::try_from(streak).unwrap_or(u32::MAX) >= cx.deps.disable_after.max(1);
            if disable {
                let mut row = hook.clone().into_active_model();
                row.active = Set(false);
                row.disabled_at = Set(Some(Utc::now()));
                row.update(cx.db).await?;
                tracing::warn!(
                    webhook = hook.id,
                    streak,
                    "webhook disabled after a streak of failed deliveries"
                );
            }
            let failure =
                if e.is_permanent() || disable { JobFailure::permanent(e) } else { JobFailure::transient(e) };
            Err(failure.context(format!("webhook {}", hook.id)))
        }
    }
}

/// Lengthens the webhook's failure streak by one; the new length.
async fn add_failure(cx: &Cx<'_, &WebhookSettings>, id: i64, error: &str) -> Result<i32, sea_orm::DbErr> {
    let stmt = Statement::from_sql_and_values(
        cx.db.get_database_backend(),
        "UPDATE webhooks SET failure_streak = failure_streak + 1, last_error = $2 WHERE id = $1 RETURNING failure_streak",
        [id.into(), error.into()],
    );
    let row = cx.db.query_one_raw(stmt).await?;
    row.map(|r| r.try_get_by_index(0)).transpose().map(Option::unwrap_or_default)
}
