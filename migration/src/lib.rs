//! Kickoff's schema history. Each migration is explicit DDL that runs on PostgreSQL and
//! SQLite; PostgreSQL-only features (full-text GIN indexes) are applied there only.
//! This crate never uses `entities`, so history stays frozen when entities change.

pub use sea_orm_migration::prelude::*;

mod cols;
mod m20260101_000001_football;
mod m20260101_000002_predictions;
mod m20260101_000003_content;
mod m20260101_000004_operations;
mod m20260201_000005_standings;
mod m20261130_000006_match_order;
mod m20261130_000007_odds_lines;
mod m20261201_000008_odds_lines_key;
mod m20261207_000009_delivery;
mod m20261207_000010_alert_deliveries;
mod m20261207_000011_queue_pauses;
mod m20261207_000012_value_bet_evidence;
mod m20261208_000013_match_incidents;
mod m20261208_000014_webhooks;
mod m20261208_000015_team_review;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_football::Migration),
            Box::new(m20260101_000002_predictions::Migration),
            Box::new(m20260101_000003_content::Migration),
            Box::new(m20260101_000004_operations::Migration),
            Box::new(m20260201_000005_standings::Migration),
            Box::new(m20261130_000006_match_order::Migration),
            Box::new(m20261130_000007_odds_lines::Migration),
            Box::new(m20261201_000008_odds_lines_key::Migration),
            Box::new(m20261207_000009_delivery::Migration),
            Box::new(m20261207_000010_alert_deliveries::Migration),
            Box::new(m20261207_000011_queue_pauses::Migration),
            Box::new(m20261207_000012_value_bet_evidence::Migration),
            Box::new(m20261208_000013_match_incidents::Migration),
            Box::new(m20261208_000014_webhooks::Migration),
            Box::new(m20261208_000015_team_review::Migration),
        ]
    }
}

/// `Migrator::fresh`, views included: it drops every table but leaves views, and on
/// SQLite a view left behind (`odds`) blocks the migration that creates its name again.
/// On SQLite everything is dropped in one transaction on one connection: sea-orm's own
/// drop turns foreign keys off on one pooled connection and may drop on another.
pub async fn fresh(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let backend = db.get_database_backend();
    let quoted = |name: String| format!("\"{}\"", name.replace('"', "\"\""));
    match backend {
        DbBackend::Sqlite => {
            let txn = db.begin().await?;
            // Checked at commit, when every table is gone. A table still needs its parents
            // while it is dropped, so views go first, then tables newest first.
            txn.execute_unprepared("PRAGMA defer_foreign_keys = ON").await?;
            let sql = "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') \
                       AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, rowid DESC";
            for row in txn.query_all_raw(Statement::from_string(backend, sql)).await? {
                let (kind, name): (String, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
                let kind = if kind == "view" { "VIEW" } else { "TABLE" };
                txn.execute_unprepared(&format!("DROP {kind} IF EXISTS {}", quoted(name))).await?;
            }
            txn.commit().await?;
            Migrator::up(db, None).await
        }
        DbBackend::Postgres => {
            let sql = "SELECT viewname::text FROM pg_views WHERE schemaname = current_schema()";
            for row in db.query_all_raw(Statement::from_string(backend, sql)).await? {
                let name: String = row.try_get_by_index(0)?;
                db.execute_unprepared(&format!("DROP VIEW IF EXISTS {} CASCADE", quoted(name))).await?;
            }
            Migrator::fresh(db).await
        }
        _ => Migrator::fresh(db).await,
    }
}
