//! `teams`: clubs under their canonical name; other spellings live in `team_aliases`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub short_name: Option<String>,
    pub league_id: Option<i64>,
    pub logo_url: Option<String>,
    pub external_ids: Json,
    /// When an operator reviewed it and kept it as a club of its own.
    pub reviewed_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "league_id", to = "id")]
    pub league: HasOne<super::leagues::Entity>,
    #[sea_orm(has_many)]
    pub aliases: HasMany<super::team_aliases::Entity>,
    #[sea_orm(has_many)]
    pub players: HasMany<super::players::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
