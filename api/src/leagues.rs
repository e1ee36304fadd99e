//! Leagues.

use entities::leagues;
use poem_openapi::{Object, OpenApi};
use sea_orm::{EntityTrait, QueryOrder};

use crate::envelope::{ApiResult, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LeagueItem {
    pub id: i64,
    /// Short code, e.g. `E0`; the `league` filter of `/matches`.
    pub code: String,
    pub name: String,
    pub country: Option<String>,
}

pub struct LeaguesApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Leagues")]
impl LeaguesApi {
    /// Every league, by code.
    #[oai(path = "/leagues", method = "get")]
    async fn list(&self) -> ApiResult<Vec<LeagueItem>> {
        let rows = leagues::Entity::find().order_by_asc(leagues::Column::Code).all(&self.state.db).await?;
        let items = rows
            .into_iter()
            .map(|l| LeagueItem { id: l.id, code: l.code, name: l.name, country: l.country })
            .collect();
        Ok(ok(items, None))
    }
}
