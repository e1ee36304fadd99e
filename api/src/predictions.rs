//! Model forecasts: the list across matches and one match's predictions.

use chrono::{DateTime, NaiveDate, Utc};
use entities::{matches, predictions};
use poem_openapi::param::{Path, Query};
use poem_openapi::{Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

use crate::envelope::{ApiError, ApiResult, ok};
use crate::matches::find_match;
use crate::pagination::{Page, fetch_page};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
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

impl From<predictions::Model> for PredictionItem {
    fn from(p: predictions::Model) -> Self {
        Self {
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
        }
    }
}

/// Newest first, the id breaking ties so pages never overlap.
fn newest_first(q: sea_orm::Select<predictions::Entity>) -> sea_orm::Select<predictions::Entity> {
    q.order_by_desc(predictions::Column::CreatedAt).order_by_desc(predictions::Column::Id)
}

pub struct PredictionsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Predictions")]
impl PredictionsApi {
    /// Predictions of every match, newest first. `date_from` and `date_to` bound the
    /// date of the predicted match, not when the prediction was made.
    #[oai(path = "/predictions", method = "get")]
    async fn list(
        &self,
        /// Model name, e.g. `elo`.
        model: Query<Option<String>>,
        /// Model version, e.g. `v2`.
        version: Query<Option<String>>,
        /// First match date, YYYY-MM-DD.
        date_from: Query<Option<NaiveDate>>,
        /// Last match date, YYYY-MM-DD.
        date_to: Query<Option<NaiveDate>>,
        /// 1-based page number.
        #[oai(validator(minimum(value = "1")))]
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<PredictionItem>> {
        let p = Page::new(page.0, per_page.0)?;
        if let (Some(from), Some(to)) = (date_from.0, date_to.0)
            && from > to
        {
            return Err(ApiError::validation("date_to", "must not be before date_from").into());
        }
        let mut q = predictions::Entity::find();
        if let Some(m) = model.0 {
            q = q.filter(predictions::Column::ModelName.eq(m));
        }
        if let Some(v) = version.0 {
            q = q.filter(predictions::Column::ModelVersion.eq(v));
        }
        if date_from.0.is_some() || date_to.0.is_some() {
            let in_range = matches::Entity::find()
                .select_only()
                .column(matches::Column::Id)
                .apply_if(date_from.0, |m, d| m.filter(matches::Column::MatchDate.gte(d)))
                .apply_if(date_to.0, |m, d| m.filter(matches::Column::MatchDate.lte(d)))
                .into_query();
            q = q.filter(predictions::Column::MatchId.in_subquery(in_range));
        }
        fetch_page(&self.state.db, newest_first(q), p, PredictionItem::from).await
    }

    /// The match's predictions, newest first.
    #[oai(path = "/matches/:id/predictions", method = "get")]
    async fn of_match(&self, id: Path<i64>) -> ApiResult<Vec<PredictionItem>> {
        let db = &self.state.db;
        find_match(db, id.0).await?;
        let rows = newest_first(predictions::Entity::find().filter(predictions::Column::MatchId.eq(id.0)))
            .all(db)
            .await?;
        Ok(ok(rows.into_iter().map(PredictionItem::from).collect(), None))
    }
}
