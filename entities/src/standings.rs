//! `standings`: a league table as one source publishes it, one row per team.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "standings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub league_id: i64,
    /// `2023-24`.
    pub season: String,
    /// The site the table comes from (`sofascore`, `fbref`, ...).
    pub source: String,
    pub team_id: i64,
    pub position: i32,
    pub played: i32,
    pub won: i32,
    pub drawn: i32,
    pub lost: i32,
    pub goals_for: i32,
    pub goals_against: i32,
    pub points: i32,
    /// Recent results, most recent last, as `W`/`D`/`L` letters.
    pub form: Option<String>,
    pub xg_for: Option<f64>,
    pub xg_against: Option<f64>,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "team_id", to = "id")]
    pub team: HasOne<super::teams::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
