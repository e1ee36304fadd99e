//! `dead_letters`: jobs that failed permanently or ran out of attempts.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "dead_letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The job's id (its envelope's); with `attempts`, unique. `None` for letters
    /// recorded before it was kept.
    pub job_id: Option<String>,
    pub queue: String,
    pub kind: String,
    pub payload: Json,
    pub attempts: i32,
    /// Every attempt's error and timing, a JSON array.
    pub errors: Json,
    pub first_failed_at: DateTimeUtc,
    pub last_failed_at: DateTimeUtc,
    pub requeued_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
