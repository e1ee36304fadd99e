//! News: articles newest first, searched by text and by the teams they mention.

use chrono::{DateTime, Utc};
use entities::news;
use poem_openapi::param::Query;
use poem_openapi::{Object, OpenApi};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryOrder};

use crate::envelope::{ApiError, ApiResult};
use crate::pagination::{Page, fetch_page};
use crate::search::contains;
use crate::state::ApiState;
use crate::tags::ApiTags;

/// The full-text match on PostgreSQL. Its `to_tsvector` expression is the one
/// `idx_news_fulltext` indexes, letter for letter, so that index serves the search.
pub const POSTGRES_FULLTEXT: &str = "to_tsvector('english', title || ' ' || coalesce(summary, '')) \
     @@ websearch_to_tsquery('english', $1)";

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewsItem {
    pub id: i64,
    pub source: String,
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// Ids of the teams the article mentions.
    pub team_mentions: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<news::Model> for NewsItem {
    fn from(n: news::Model) -> Self {
        let team_mentions =
            n.team_mentions.as_array().map(|ids| ids.iter().filter_map(|v| v.as_i64()).collect());
        Self {
            id: n.id,
            source: n.source,
            url: n.url,
            title: n.title,
            summary: n.summary,
            published_at: n.published_at,
            team_mentions: team_mentions.unwrap_or_default(),
            created_at: n.created_at,
        }
    }
}

pub struct NewsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::News")]
impl NewsApi {
    /// Articles, newest first (by publication, else by when they were collected).
    ///
    /// `q` searches title and summary: on PostgreSQL as English full text (stemmed words,
    /// all of them; `"quoted phrases"`, `or` and `-word` work), on SQLite as a
    /// case-insensitive substring.
    #[oai(path = "/news", method = "get")]
    async fn list(
        &self,
        /// Words to search for.
        q: Query<Option<String>>,
        /// Only articles that mention this team id.
        team: Query<Option<i64>>,
        /// 1-based page number.
        #[oai(validator(minimum(value = "1")))]
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<NewsItem>> {
        let p = Page::new(page.0, per_page.0)?;
        let postgres = self.state.db.get_database_backend() == DbBackend::Postgres;
        let mut select = news::Entity::find();
        if let Some(text) = q.0.as_deref().map(str::trim) {
            if text.is_empty() {
                return Err(ApiError::validation("q", "must not be blank").into());
            }
            select = if postgres {
                select.filter(Expr::cust_with_values(POSTGRES_FULLTEXT, [text]))
            } else {
                let summary = Func::coalesce([Expr::col(news::Column::Summary), Expr::val("")]);
                select.filter(contains(Expr::col(news::Column::Title), text).or(contains(summary, text)))
            };
        }
        if let Some(id) = team.0 {
            // `team_mentions` is a JSON array of ids: jsonb on PostgreSQL, text on SQLite.
            // sea-query fills `$1` on PostgreSQL but only `?` on SQLite.
            let mentions = if postgres {
                "team_mentions @> jsonb_build_array($1::bigint)"
            } else {
                "EXISTS (SELECT 1 FROM json_each(team_mentions) WHERE json_each.value = ?)"
            };
            select = select.filter(Expr::cust_with_values(mentions, [id]));
        }
        let newest =
            Func::coalesce([Expr::col(news::Column::PublishedAt), Expr::col(news::Column::CreatedAt)]);
        let select = select.order_by_desc(newest).order_by_desc(news::Column::Id);
        fetch_page(&self.state.db, select, p, NewsItem::from).await
    }
}
