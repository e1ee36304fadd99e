//! `queue_pauses`: the paused queues; the queue backend's pause flag is their cache.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "queue_pauses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub queue: String,
    pub paused_at: DateTimeUtc,
    /// Who paused it (`key:{name}`, `jwt:{email}`, `cli`).
    pub paused_by: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
