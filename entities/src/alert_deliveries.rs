//! `alert_deliveries`: the ledger of value-bet alerts, one row per bet and chat, so an
//! alert goes to a chat at most once whatever happens to the job or the queue backend.

use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::DeliveryState;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "alert_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub value_bet_id: i64,
    pub chat_id: i64,
    pub state: DeliveryState,
    /// Telegram's id of the message, once sent.
    pub message_id: Option<i64>,
    /// The job that claimed the delivery.
    pub job_id: String,
    /// Why the delivery is uncertain.
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
