//! Dead letters, Telegram subscriptions, API keys and the audit log.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "dead_letters",
            vec![
                id(),
                text("queue"),
                text("kind"),
                json("payload"),
                int("attempts"),
                json("errors"),
                ts("first_failed_at"),
                ts("last_failed_at"),
                ts_null("requeued_at"),
            ],
            vec![],
        )
        .await?;
        m.create_index(index("dead_letters", "queue_kind", &["queue", "kind"], false)).await?;
        m.create_index(index("dead_letters", "last_failed", &["last_failed_at"], false)).await?;

        create_table(
            m,
            "telegram_subscriptions",
            vec![id(), big("chat_id"), json("filters"), boolean("active"), ts("created_at")],
            vec![],
        )
        .await?;
        m.create_index(index("telegram_subscriptions", "chat", &["chat_id"], true)).await?;

        create_table(
            m,
            "api_keys",
            vec![
                id(),
                text("name"),
                text("key_hash"),
                text("role"),
                ts("created_at"),
                ts_null("last_used_at"),
                ts_null("revoked_at"),
            ],
            vec![],
        )
        .await?;
        m.create_index(index("api_keys", "name", &["name"], true)).await?;
        m.create_index(index("api_keys", "hash", &["key_hash"], true)).await?;

        create_table(
            m,
            "audit_log",
            vec![id(), text("actor"), text("action"), text_null("target"), json("details"), ts("at")],
            vec![],
        )
        .await?;
        m.create_index(index("audit_log", "at", &["at"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["audit_log", "api_keys", "telegram_subscriptions", "dead_letters"]).await
    }
}
