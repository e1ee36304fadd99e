//! audit_log: every admin or write action, with who did it, to what, and when.

use sea_orm::{ConnectionTrait, DbErr};

use super::Principal;

/// Records one action by `who`.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    action: &str,
    target: Option<String>,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    entities::audit_log::record(db, &who.actor, action, target, details).await?;
    tracing::info!(actor = %who.actor, action, "audited action");
    Ok(())
}
