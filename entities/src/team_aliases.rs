//! `team_aliases`: how each source spells a team (`source` + `alias` is unique).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "team_aliases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source: String,
    pub alias: String,
    pub team_id: i64,
    #[sea_orm(belongs_to, from = "team_id", to = "id")]
    pub team: HasOne<super::teams::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
