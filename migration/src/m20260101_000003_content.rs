//! News articles and raw scrape snapshots.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "news",
            vec![
                id(),
                text("source"),
                text("url"),
                text("title"),
                text_null("summary"),
                ts_null("published_at"),
                json("team_mentions"),
                ts("created_at"),
            ],
            vec![],
        )
        .await?;
        m.create_index(index("news", "url", &["url"], true)).await?;
        m.create_index(index("news", "published", &["published_at"], false)).await?;
        // Full-text search is a PostgreSQL feature; SQLite searches with a plain match.
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "CREATE INDEX idx_news_fulltext ON news USING GIN \
                     (to_tsvector('english', title || ' ' || coalesce(summary, '')))",
                )
                .await?;
        }

        create_table(
            m,
            "scrape_snapshots",
            vec![
                id(),
                text("source"),
                text("url"),
                ts("fetched_at"),
                int("http_status"),
                text("content_hash"),
                text("body"),
            ],
            vec![],
        )
        .await?;
        m.create_index(index("scrape_snapshots", "source_fetched", &["source", "fetched_at"], false)).await?;
        m.create_index(index("scrape_snapshots", "hash", &["content_hash"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["scrape_snapshots", "news"]).await
    }
}
