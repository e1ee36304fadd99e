//! `probe_runs`: one row per run of a probe job that asks for it, so the fault tests
//! and the chaos suite count exactly how often each job's database effect happened.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "probe_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tag: String,
    pub job_id: String,
    pub attempt: i32,
    pub ran_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
