//! Players: the list with filters, and one player.

use entities::players;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Object, OpenApi};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};

use crate::envelope::{ApiError, ApiResult, ok};
use crate::pagination::{Page, fetch_page};
use crate::search::contains;
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlayerItem {
    pub id: i64,
    /// Null for a player without a club.
    pub team_id: Option<i64>,
    pub name: String,
    pub position: Option<String>,
    pub market_value: Option<f64>,
    /// ISO 4217 code of `market_value`.
    pub currency: Option<String>,
}

impl From<players::Model> for PlayerItem {
    fn from(p: players::Model) -> Self {
        Self {
            id: p.id,
            team_id: p.team_id,
            name: p.name,
            position: p.position,
            market_value: p.market_value,
            currency: p.currency,
        }
    }
}

pub struct PlayersApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Players")]
impl PlayersApi {
    /// Players by name.
    #[oai(path = "/players", method = "get")]
    async fn list(
        &self,
        /// Team id.
        team: Query<Option<i64>>,
        /// Position, any case, e.g. `midfielder`.
        position: Query<Option<String>>,
        /// Part of the name, any case; `%` and `_` are plain characters.
        name: Query<Option<String>>,
        /// 1-based page number.
        #[oai(validator(minimum(value = "1")))]
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<PlayerItem>> {
        let p = Page::new(page.0, per_page.0)?;
        let q = players::Entity::find()
            .apply_if(team.0, |q, t| q.filter(players::Column::TeamId.eq(t)))
            .apply_if(position.0, |q, pos| {
                q.filter(Func::lower(Expr::col(players::Column::Position)).eq(pos.to_lowercase()))
            })
            .apply_if(name.0, |q, n| q.filter(contains(Expr::col(players::Column::Name), &n)))
            .order_by_asc(players::Column::Name)
            .order_by_asc(players::Column::Id);
        fetch_page(&self.state.db, q, p, PlayerItem::from).await
    }

    /// One player.
    #[oai(path = "/players/:id", method = "get")]
    async fn one(&self, id: Path<i64>) -> ApiResult<PlayerItem> {
        let player = players::Entity::find_by_id(id.0)
            .one(&self.state.db)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("player {}", id.0)))?;
        Ok(ok(player.into(), None))
    }
}
