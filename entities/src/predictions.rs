//! `predictions`: a model's outcome probabilities for a match.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "predictions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub match_id: i64,
    pub model_name: String,
    pub model_version: String,
    pub p_home: f64,
    pub p_draw: f64,
    pub p_away: f64,
    pub expected_home_goals: Option<f64>,
    pub expected_away_goals: Option<f64>,
    pub confidence: Option<f64>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "match_id", to = "id")]
    pub r#match: HasOne<super::matches::Entity>,
    #[sea_orm(has_many)]
    pub value_bets: HasMany<super::value_bets::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
