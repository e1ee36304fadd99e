//! The model registry: every version, and the active ones.

use chrono::{DateTime, Utc};
use entities::model_versions;
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};

use crate::envelope::{ApiError, ApiResult, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
pub struct ModelVersionItem {
    pub id: i64,
    /// Model name, e.g. `elo`.
    pub name: String,
    pub version: String,
    /// The hyper-parameters it was trained with.
    pub params: serde_json::Value,
    /// Its evaluation metrics.
    pub metrics: serde_json::Value,
    /// Whether inference uses it; at most one version per name is active.
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<model_versions::Model> for ModelVersionItem {
    fn from(m: model_versions::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            version: m.version,
            params: m.params,
            metrics: m.metrics,
            active: m.active,
            created_at: m.created_at,
        }
    }
}

pub struct ModelsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Models")]
impl ModelsApi {
    /// Every model version, newest first.
    #[oai(path = "/models", method = "get")]
    async fn list(&self) -> ApiResult<Vec<ModelVersionItem>> {
        let rows = model_versions::Entity::find()
            .order_by_desc(model_versions::Column::CreatedAt)
            .order_by_desc(model_versions::Column::Id)
            .all(&self.state.db)
            .await?;
        Ok(ok(rows.into_iter().map(ModelVersionItem::from).collect(), None))
    }

    /// The active version of each model, by name; a 404 when none is active.
    #[oai(path = "/models/active", method = "get")]
    async fn active(
        &self,
        /// Only this model's active version.
        name: Query<Option<String>>,
    ) -> ApiResult<Vec<ModelVersionItem>> {
        let rows = model_versions::Entity::find()
            .filter(model_versions::Column::Active.eq(true))
            .apply_if(name.0, |q, n| q.filter(model_versions::Column::Name.eq(n)))
            .order_by_asc(model_versions::Column::Name)
            .all(&self.state.db)
            .await?;
        if rows.is_empty() {
            return Err(ApiError::NotFound("active model version".to_owned()).into());
        }
        Ok(ok(rows.into_iter().map(ModelVersionItem::from).collect(), None))
    }
}
