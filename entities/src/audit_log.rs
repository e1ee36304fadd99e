//! `audit_log`: who did what to what, and when.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: Json,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Records one action by `actor` (`key:{name}`, `jwt:{email}`, `cli`) on `target`.
pub async fn record<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &str,
    action: &str,
    target: Option<String>,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    use sea_orm::{ActiveModelTrait, Set};
    ActiveModel {
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target),
        details: Set(details),
        at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
