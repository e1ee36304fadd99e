//! `webhooks`: endpoints an admin registered for live-event channels. Each event on one
//! of its channels is POSTed there by a `deliver_webhook` job, signed with the
//! endpoint's secret; a streak of failed deliveries disables it.

use sea_orm_migration::prelude::*;

use crate::cols::{boolean, create_table, drop_tables, id, int, json, text, text_null, ts, ts_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "webhooks",
            vec![
                id(),
                text("url"),
                json("channels"),
                text("secret"),
                boolean("active"),
                int("failure_streak"),
                text_null("last_error"),
                ts_null("last_delivered_at"),
                ts_null("disabled_at"),
                text("created_by"),
                ts("created_at"),
            ],
            vec![],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["webhooks"]).await
    }
}
