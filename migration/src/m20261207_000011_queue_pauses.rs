//! `queue_pauses`: the paused queues, so a pause outlives the queue backend's state (a
//! Redis restart without persistence, a flushed prefix); the backend's flag is its cache.

use sea_orm_migration::prelude::*;

use crate::cols::{create_table, drop_tables, id, index, text, text_null, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "queue_pauses",
            vec![id(), text("queue"), ts("paused_at"), text_null("paused_by")],
            vec![],
        )
        .await?;
        m.create_index(index("queue_pauses", "queue", &["queue"], true)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["queue_pauses"]).await
    }
}
