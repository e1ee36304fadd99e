//! The audit log: every admin action, newest first.

use chrono::{DateTime, Utc};
use entities::audit_log::{Column, Entity};
use entities::enums::Role;
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::Credentials;
use crate::envelope::ApiResult;
use crate::pagination::{Page, fetch_page};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditItem {
    pub id: i64,
    /// `jwt:{email}` or `key:{name}`.
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

pub struct AuditApi {
    pub state: ApiState,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Who did what, newest first, filtered by actor and action (admin).
    #[oai(path = "/audit", method = "get")]
    async fn list(
        &self,
        auth: Credentials,
        actor: Query<Option<String>>,
        action: Query<Option<String>>,
        #[oai(validator(minimum(value = "1")))] page: Query<Option<u64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<AuditItem>> {
        auth.require(Role::Admin)?;
        let p = Page::new(page.0, per_page.0)?;
        let mut q = Entity::find().order_by_desc(Column::At).order_by_desc(Column::Id);
        if let Some(a) = actor.0 {
            q = q.filter(Column::Actor.eq(a));
        }
        if let Some(a) = action.0 {
            q = q.filter(Column::Action.eq(a));
        }
        fetch_page(&self.state.db, q, p, |r| AuditItem {
            id: r.id,
            actor: r.actor,
            action: r.action,
            target: r.target,
            details: r.details,
            at: r.at,
        })
        .await
    }
}
