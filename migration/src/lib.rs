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
        ]
    }
}
