//! A value bet's evidence, as its alert states it: the blended (model) and market
//! probabilities it was judged on, when its price was seen, and the rule that passed it
//! with that rule's backtested record. Bets stored before have none of these (NULL).

use sea_orm_migration::prelude::*;

use crate::cols::{float_null, json_null, ts_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Added one at a time: SQLite alters a table one column per statement.
const COLUMNS: [&str; 4] = ["p_model", "p_market", "price_seen_at", "rule"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in
            [float_null("p_model"), float_null("p_market"), ts_null("price_seen_at"), json_null("rule")]
        {
            m.alter_table(Table::alter().table("value_bets").add_column(column).take()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS.iter().rev() {
            m.alter_table(Table::alter().table("value_bets").drop_column(*column).take()).await?;
        }
        Ok(())
    }
}
