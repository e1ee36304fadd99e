//! `job_runs`: the done marker of a job attempt, committed in the same transaction as
//! the job's own database writes, so a second run of that attempt writes nothing.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt: i32,
    pub kind: String,
    pub finished_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
