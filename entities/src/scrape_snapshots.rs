//! `scrape_snapshots`: every fetched payload, kept so processing can be replayed.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "scrape_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source: String,
    pub url: String,
    pub fetched_at: DateTimeUtc,
    pub http_status: i32,
    /// Hex SHA-256 of `body`.
    pub content_hash: String,
    pub body: String,
    /// When processing finished with it; `None` until then (a sweep finds those).
    pub processed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
