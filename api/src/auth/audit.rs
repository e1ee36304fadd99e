//! audit_log: every admin or write action, with who did it, to what, and when.

use chrono::Utc;
use entities::audit_log::ActiveModel;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use super::Principal;

/// Records one action by `who`.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    action: &str,
    target: Option<String>,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    ActiveModel {
        actor: Set(who.actor.clone()),
        action: Set(action.to_owned()),
        target: Set(target),
        details: Set(details),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(actor = %who.actor, action, "audited action");
    Ok(())
}
