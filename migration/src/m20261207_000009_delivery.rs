//! Delivery guarantees in the schema:
//! - `dead_letters.job_id`, unique with `attempts`: a terminal outcome recorded twice
//!   (from the outbox after a database outage, or by a redelivered job) is one letter;
//! - `job_runs`: the done marker a job writing only to the database commits in the same
//!   transaction as its writes, so a second run of the same attempt writes nothing;
//! - `probe_runs`: every run of the probe job, the chaos suite's countable side effect;
//! - `scrape_snapshots.processed_at`: a snapshot stored but never processed (a kill
//!   between the two) is found and processed later.

use sea_orm_migration::prelude::*;

use crate::cols::{create_table, drop_tables, id, index, int, text, text_null, ts, ts_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("dead_letters").add_column(text_null("job_id")).take()).await?;
        m.create_index(index("dead_letters", "job_attempt", &["job_id", "attempts"], true)).await?;
        create_table(
            m,
            "job_runs",
            vec![text("job_id"), int("attempt"), text("kind"), ts("finished_at")],
            vec![],
        )
        .await?;
        m.create_index(index("job_runs", "job_attempt", &["job_id", "attempt"], true)).await?;
        m.create_index(index("job_runs", "finished", &["finished_at"], false)).await?;
        create_table(
            m,
            "probe_runs",
            vec![id(), text("tag"), text("job_id"), int("attempt"), ts("ran_at")],
            vec![],
        )
        .await?;
        m.create_index(index("probe_runs", "tag", &["tag", "job_id"], false)).await?;
        m.alter_table(Table::alter().table("scrape_snapshots").add_column(ts_null("processed_at")).take())
            .await?;
        // Snapshots stored before were processed when stored (or dead-lettered then).
        m.get_connection()
            .execute_unprepared("UPDATE scrape_snapshots SET processed_at = fetched_at")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("scrape_snapshots").drop_column("processed_at").take()).await?;
        drop_tables(m, &["probe_runs", "job_runs"]).await?;
        m.drop_index(Index::drop().name("idx_dead_letters_job_attempt").table("dead_letters").to_owned())
            .await?;
        m.alter_table(Table::alter().table("dead_letters").drop_column("job_id").take()).await
    }
}
