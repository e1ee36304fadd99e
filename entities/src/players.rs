//! `players`: squad members with their market value.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "players")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub team_id: Option<i64>,
    pub name: String,
    pub position: Option<String>,
    pub market_value: Option<f64>,
    /// ISO 4217 code of `market_value`.
    pub currency: Option<String>,
    pub external_ids: Json,
    #[sea_orm(belongs_to, from = "team_id", to = "id")]
    pub team: HasOne<super::teams::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
