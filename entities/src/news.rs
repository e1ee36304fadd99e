//! `news`: articles, unique by URL, with the teams they mention.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "news")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source: String,
    #[sea_orm(unique)]
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    pub published_at: Option<DateTimeUtc>,
    /// Ids of the teams the article mentions, a JSON array.
    pub team_mentions: Json,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
