//! `match_stats`: one row per match and team.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "match_stats")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub match_id: i64,
    pub team_id: i64,
    pub possession: Option<f64>,
    pub shots: Option<i32>,
    pub shots_on_target: Option<i32>,
    pub corners: Option<i32>,
    pub fouls: Option<i32>,
    pub yellow_cards: Option<i32>,
    pub red_cards: Option<i32>,
    pub xg: Option<f64>,
    #[sea_orm(belongs_to, from = "match_id", to = "id")]
    pub r#match: HasOne<super::matches::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
