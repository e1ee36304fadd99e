//! A match's predictions and the value bets found from them.

use chrono::{DateTime, Utc};
use entities::enums::BetStatus;
use entities::{predictions, value_bets};
use poem_openapi::param::{Path, Query};
use poem_openapi::{Enum, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::envelope::{ApiResult, Meta, PageMeta, ok};
use crate::matches::find_match;
use crate::pagination::Page;
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
pub struct PredictionItem {
    pub id: i64,
    pub match_id: i64,
    pub model_name: String,
    pub model_version: String,
    pub p_home: f64,
    pub p_draw: f64,
    pub p_away: f64,
    pub expected_home_goals: Option<f64>,
    pub expected_away_goals: Option<f64>,
    pub confidence: Option<f64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BetStatusParam {
    Pending,
    Won,
    Lost,
    Void,
}

impl From<BetStatusParam> for BetStatus {
    fn from(s: BetStatusParam) -> Self {
        match s {
            BetStatusParam::Pending => BetStatus::Pending,
            BetStatusParam::Won => BetStatus::Won,
            BetStatusParam::Lost => BetStatus::Lost,
            BetStatusParam::Void => BetStatus::Void,
        }
    }
}

fn bet_status_name(s: BetStatus) -> &'static str {
    match s {
        BetStatus::Pending => "pending",
        BetStatus::Won => "won",
        BetStatus::Lost => "lost",
        BetStatus::Void => "void",
    }
}

#[derive(Clone, Debug, Object)]
pub struct ValueBetItem {
    pub id: i64,
    pub prediction_id: i64,
    pub match_id: i64,
    pub selection: String,
    pub bookmaker: String,
    pub price: f64,
    /// Model probability × price − 1.
    pub edge: f64,
    pub kelly_stake: f64,
    pub confidence: Option<f64>,
    /// pending, won, lost or void.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

pub struct PredictionsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Predictions")]
impl PredictionsApi {
    /// The match's predictions, newest first.
    #[oai(path = "/matches/:id/predictions", method = "get")]
    async fn of_match(&self, id: Path<i64>) -> ApiResult<Vec<PredictionItem>> {
        let db = &self.state.db;
        find_match(db, id.0).await?;
        let rows = predictions::Entity::find()
            .filter(predictions::Column::MatchId.eq(id.0))
            .order_by_desc(predictions::Column::CreatedAt)
            .order_by_desc(predictions::Column::Id)
            .all(db)
            .await?;
        let items = rows
            .into_iter()
            .map(|p| PredictionItem {
                id: p.id,
                match_id: p.match_id,
                model_name: p.model_name,
                model_version: p.model_version,
                p_home: p.p_home,
                p_draw: p.p_draw,
                p_away: p.p_away,
                expected_home_goals: p.expected_home_goals,
                expected_away_goals: p.expected_away_goals,
                confidence: p.confidence,
                created_at: p.created_at,
            })
            .collect();
        Ok(ok(items, None))
    }

    /// Value bets, newest first.
    #[oai(path = "/value-bets", method = "get")]
    async fn value_bets(
        &self,
        status: Query<Option<BetStatusParam>>,
        /// Only bets with at least this edge (0.05 is 5 %).
        min_edge: Query<Option<f64>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<ValueBetItem>> {
        let p = Page::new(page.0, per_page.0)?;
        let mut q = value_bets::Entity::find();
        if let Some(s) = status.0 {
            q = q.filter(value_bets::Column::Status.eq(BetStatus::from(s)));
        }
        if let Some(e) = min_edge.0 {
            q = q.filter(value_bets::Column::Edge.gte(e));
        }
        let db = &self.state.db;
        let total = q.clone().count(db).await?;
        let rows = q
            .order_by_desc(value_bets::Column::CreatedAt)
            .order_by_desc(value_bets::Column::Id)
            .offset(p.offset())
            .limit(p.per_page)
            .all(db)
            .await?;
        let items = rows
            .into_iter()
            .map(|v| ValueBetItem {
                id: v.id,
                prediction_id: v.prediction_id,
                match_id: v.match_id,
                selection: v.selection,
                bookmaker: v.bookmaker,
                price: v.price,
                edge: v.edge,
                kelly_stake: v.kelly_stake,
                confidence: v.confidence,
                status: bet_status_name(v.status).to_owned(),
                created_at: v.created_at,
                settled_at: v.settled_at,
            })
            .collect();
        Ok(ok(items, Some(Meta::Page(PageMeta::new(p.page, p.per_page, total)))))
    }
}
