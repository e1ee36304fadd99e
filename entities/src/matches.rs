//! `matches`: fixtures and results. The natural key is
//! league + season + home team + away team + match date.

use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::MatchStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "matches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub league_id: i64,
    /// Season label, `2023-24`.
    pub season: String,
    /// Calendar date of the match in the league's local time (part of the natural key).
    pub match_date: Date,
    pub kickoff_at: DateTimeUtc,
    pub home_team_id: i64,
    pub away_team_id: i64,
    pub status: MatchStatus,
    pub home_goals: Option<i32>,
    pub away_goals: Option<i32>,
    pub ht_home_goals: Option<i32>,
    pub ht_away_goals: Option<i32>,
    pub referee: Option<String>,
    pub external_ids: Json,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "league_id", to = "id")]
    pub league: HasOne<super::leagues::Entity>,
    #[sea_orm(belongs_to, relation_enum = "HomeTeam", from = "home_team_id", to = "id")]
    pub home_team: HasOne<super::teams::Entity>,
    #[sea_orm(belongs_to, relation_enum = "AwayTeam", from = "away_team_id", to = "id")]
    pub away_team: HasOne<super::teams::Entity>,
    #[sea_orm(has_many)]
    pub stats: HasMany<super::match_stats::Entity>,
    #[sea_orm(has_many)]
    pub incidents: HasMany<super::match_incidents::Entity>,
    #[sea_orm(has_many)]
    pub odds: HasMany<super::odds::Entity>,
    #[sea_orm(has_many)]
    pub predictions: HasMany<super::predictions::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
