//! `alert_deliveries`: the ledger of value-bet alerts, one row per bet and chat. A row is
//! written (`sending`) before the Bot API call and becomes `sent` with Telegram's message
//! id, or `uncertain` when the call may have reached Telegram without a reply proving
//! it; a send Telegram provably never took removes its row. The ledger lives in the
//! database so a Redis restart cannot make every alert go out again.

use sea_orm_migration::prelude::*;

use crate::cols::{big, big_null, create_table, drop_tables, fk, id, index, text, text_null, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "alert_deliveries",
            vec![
                id(),
                big("value_bet_id"),
                big("chat_id"),
                text("state"),
                big_null("message_id"),
                text("job_id"),
                text_null("error"),
                ts("created_at"),
                ts("updated_at"),
            ],
            vec![fk("alert_deliveries", "value_bet_id", "value_bets", ForeignKeyAction::Cascade)],
        )
        .await?;
        m.create_index(index("alert_deliveries", "bet_chat", &["value_bet_id", "chat_id"], true)).await?;
        m.create_index(index("alert_deliveries", "state", &["state", "updated_at"], false)).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["alert_deliveries"]).await
    }
}
