//! `teams.reviewed_at`: when an operator looked at a team no seed name backs and kept it
//! as a club of its own (the review list leaves it out from then on).

use sea_orm_migration::prelude::*;

use crate::cols::ts_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("teams").add_column(ts_null("reviewed_at")).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("teams").drop_column("reviewed_at").to_owned()).await
    }
}
