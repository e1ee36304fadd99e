//! Leagues and teams.

use entities::{leagues, teams};
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};
use sea_orm::{EntityTrait, QueryOrder};

use crate::envelope::{ApiError, ApiResult, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
pub struct LeagueItem {
    pub id: i64,
    /// Short code, e.g. `E0`; the `league` filter of `/matches`.
    pub code: String,
    pub name: String,
    pub country: Option<String>,
}

#[derive(Clone, Debug, Object)]
pub struct TeamItem {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub league_id: Option<i64>,
    pub logo_url: Option<String>,
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

pub struct TeamsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Teams")]
impl TeamsApi {
    /// One team.
    #[oai(path = "/teams/:id", method = "get")]
    async fn one(&self, id: Path<i64>) -> ApiResult<TeamItem> {
        let t = teams::Entity::find_by_id(id.0)
            .one(&self.state.db)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("team {}", id.0)))?;
        let item = TeamItem {
            id: t.id,
            name: t.name,
            short_name: t.short_name,
            league_id: t.league_id,
            logo_url: t.logo_url,
        };
        Ok(ok(item, None))
    }
}
