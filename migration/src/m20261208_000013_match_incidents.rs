//! `match_incidents`: what happened in a match and when (goals with scorer and assist,
//! cards, substitutions, missed penalties), per source, as live sources report them.
//! A player left unnamed is stored as `''` so the natural key has no NULLs and upserts
//! work the same on PostgreSQL and SQLite.

use sea_orm_migration::prelude::*;

use crate::cols::{big, create_table, drop_tables, fk, id, index, int, int_null, text, text_null, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "match_incidents",
            vec![
                id(),
                big("match_id"),
                text("source"),
                int("minute"),
                int_null("extra_minute"),
                text("side"),
                text("kind"),
                text("player"),
                text_null("other_player"),
                ts("created_at"),
            ],
            vec![fk("match_incidents", "match_id", "matches", ForeignKeyAction::Cascade)],
        )
        .await?;
        let key = ["match_id", "source", "kind", "minute", "side", "player"];
        m.create_index(index("match_incidents", "natural", &key, true)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["match_incidents"]).await
    }
}
