//! The match list's order: kick-off, then id. The list, its cursor pages and a team's
//! matches read it; without the index every page sorts the whole table.

use sea_orm_migration::prelude::*;

use crate::cols::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("matches", "kickoff_order", &["kickoff_at", "id"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_matches_kickoff_order").table("matches").to_owned()).await
    }
}
