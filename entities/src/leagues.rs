//! `leagues`: competitions, keyed by their short code (football-data.co.uk `Div`, e.g. `E0`).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "leagues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub country: Option<String>,
    /// Identifiers of this league at other sources, e.g. `{"sofascore": 17}`.
    pub external_ids: Json,
    #[sea_orm(has_many)]
    pub teams: HasMany<super::teams::Entity>,
    #[sea_orm(has_many)]
    pub matches: HasMany<super::matches::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
