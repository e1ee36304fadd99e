//! `odds_lines` keyed by its natural key alone (PostgreSQL).
//!
//! Every writer finds a line by (match, recorded_at, bookmaker, market, line,
//! is_closing), and every reader by match and time; nothing looks a line up by `id`.
//! The primary-key index on `id` only cost each written line a second index entry:
//! a fifth of the time of COPYing the lines. `id` stays, filled by its identity, as
//! the `odds` view numbers prices from it; the unique natural-key index becomes the
//! replica identity, so updates and deletes still replicate.
//!
//! SQLite keeps its key: there `id` is the rowid, which costs no index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn is_postgres(m: &SchemaManager) -> bool {
    m.get_database_backend() == DatabaseBackend::Postgres
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if !is_postgres(m) {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(
                "ALTER TABLE odds_lines DROP CONSTRAINT odds_lines_pkey, \
                 REPLICA IDENTITY USING INDEX idx_odds_lines_match_recorded",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if !is_postgres(m) {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared("ALTER TABLE odds_lines ADD PRIMARY KEY (id), REPLICA IDENTITY DEFAULT")
            .await
            .map(|_| ())
    }
}
