//! `/matches`: the list with filters, sorting and both paginations; one match, its
//! statistics and its odds.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entities::enums::{Market, MatchStatus};
use entities::{match_stats, odds};
use poem_openapi::param::{Path, Query};
use poem_openapi::{Enum, Object, OpenApi};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QueryResult, Statement, Value,
};

use crate::envelope::{ApiError, ApiResult, CursorMeta, Meta, ok};
use crate::names::NameCache;
use crate::pagination::{Cursor, MAX_PER_PAGE, Page};
use crate::state::ApiState;
use crate::tags::ApiTags;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatusParam {
    Scheduled,
    Live,
    Finished,
    Postponed,
    Cancelled,
}

impl From<StatusParam> for MatchStatus {
    fn from(s: StatusParam) -> Self {
        match s {
            StatusParam::Scheduled => MatchStatus::Scheduled,
            StatusParam::Live => MatchStatus::Live,
            StatusParam::Finished => MatchStatus::Finished,
            StatusParam::Postponed => MatchStatus::Postponed,
            StatusParam::Cancelled => MatchStatus::Cancelled,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MatchSort {
    #[default]
    KickoffAt,
    Id,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum MarketParam {
    #[oai(rename = "1x2")]
    OneXTwo,
    #[oai(rename = "over_under")]
    OverUnder,
    #[oai(rename = "asian_handicap")]
    AsianHandicap,
}

impl From<MarketParam> for Market {
    fn from(m: MarketParam) -> Self {
        match m {
            MarketParam::OneXTwo => Market::OneXTwo,
            MarketParam::OverUnder => Market::OverUnder,
            MarketParam::AsianHandicap => Market::AsianHandicap,
        }
    }
}

#[derive(Clone, Debug, Object)]
pub struct TeamRef {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MatchItem {
    pub id: i64,
    /// The league's code, e.g. `E0`.
    pub league: String,
    pub season: String,
    pub match_date: NaiveDate,
    pub kickoff_at: DateTime<Utc>,
    /// scheduled, live, finished, postponed or cancelled.
    pub status: String,
    pub home_team: TeamRef,
    pub away_team: TeamRef,
    pub home_goals: Option<i32>,
    pub away_goals: Option<i32>,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MatchStatsItem {
    pub team_id: i64,
    pub possession: Option<f64>,
    pub shots: Option<i32>,
    pub shots_on_target: Option<i32>,
    pub corners: Option<i32>,
    pub fouls: Option<i32>,
    pub yellow_cards: Option<i32>,
    pub red_cards: Option<i32>,
    pub xg: Option<f64>,
}

#[derive(Clone, Debug, Object)]
pub struct OddsItem {
    pub id: i64,
    pub bookmaker: String,
    pub market: String,
    pub selection: String,
    pub line: f64,
    pub price: f64,
    pub is_closing: bool,
    pub recorded_at: DateTime<Utc>,
}

/// Builds a WHERE clause with `$n` placeholders, which both PostgreSQL and SQLite accept.
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    fn sql(&self) -> String {
        if self.conds.is_empty() { String::new() } else { format!("WHERE {}", self.conds.join(" AND ")) }
    }
}

const SELECT: &str = "SELECT m.id, l.code, m.season, m.match_date, m.kickoff_at, m.status, \
    m.home_team_id, th.name, m.away_team_id, ta.name, m.home_goals, m.away_goals \
    FROM matches m JOIN leagues l ON l.id = m.league_id \
    JOIN teams th ON th.id = m.home_team_id JOIN teams ta ON ta.id = m.away_team_id";

/// The list's columns, without joins: names come from [`NameCache`].
const SELECT_BARE: &str = "SELECT m.id, m.league_id, m.season, m.match_date, m.kickoff_at, m.status, \
    m.home_team_id, m.away_team_id, m.home_goals, m.away_goals FROM matches m";

/// Rows of [`SELECT_BARE`] as items, with names from the cache (reloaded when a row
/// names an id it lacks).
async fn query_items_named(
    db: &DatabaseConnection,
    names: &NameCache,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<MatchItem>, DbErr> {
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let ids = rows
        .iter()
        .map(|r| -> Result<(i64, i64, i64), DbErr> {
            Ok((r.try_get_by_index(1)?, r.try_get_by_index(6)?, r.try_get_by_index(7)?))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let known = names
        .get(db, |n| {
            ids.iter().all(|(l, h, a)| {
                n.leagues.contains_key(l) && n.teams.contains_key(h) && n.teams.contains_key(a)
            })
        })
        .await?;
    let name = |map: &std::collections::HashMap<i64, String>, id: &i64, what: &str| {
        map.get(id).cloned().ok_or_else(|| DbErr::RecordNotFound(format!("{what} {id}")))
    };
    rows.iter()
        .zip(&ids)
        .map(|(r, (league, home, away))| {
            Ok(MatchItem {
                id: r.try_get_by_index(0)?,
                league: name(&known.leagues, league, "league")?,
                season: r.try_get_by_index(2)?,
                match_date: r.try_get_by_index(3)?,
                kickoff_at: r.try_get_by_index(4)?,
                status: r.try_get_by_index(5)?,
                home_team: TeamRef { id: *home, name: name(&known.teams, home, "team")? },
                away_team: TeamRef { id: *away, name: name(&known.teams, away, "team")? },
                home_goals: r.try_get_by_index(8)?,
                away_goals: r.try_get_by_index(9)?,
            })
        })
        .collect()
}

fn item(r: &QueryResult) -> Result<MatchItem, DbErr> {
    Ok(MatchItem {
        id: r.try_get_by_index(0)?,
        league: r.try_get_by_index(1)?,
        season: r.try_get_by_index(2)?,
        match_date: r.try_get_by_index(3)?,
        kickoff_at: r.try_get_by_index(4)?,
        status: r.try_get_by_index(5)?,
        home_team: TeamRef { id: r.try_get_by_index(6)?, name: r.try_get_by_index(7)? },
        away_team: TeamRef { id: r.try_get_by_index(8)?, name: r.try_get_by_index(9)? },
        home_goals: r.try_get_by_index(10)?,
        away_goals: r.try_get_by_index(11)?,
    })
}

async fn query_items(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<MatchItem>, DbErr> {
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(item).collect()
}

/// One match with its league code and team names.
pub async fn find_match(db: &DatabaseConnection, id: i64) -> Result<MatchItem, ApiError> {
    let sql = format!("{SELECT} WHERE m.id = $1");
    query_items(db, &sql, vec![id.into()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound(format!("match {id}")))
}

/// The filters of the match list.
#[derive(Clone, Debug, Default)]
pub struct MatchFilter {
    pub status: Option<StatusParam>,
    pub league: Option<String>,
    pub team: Option<i64>,
    pub season: Option<String>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
}

impl MatchFilter {
    fn to_where(&self) -> Where {
        let mut w = Where::default();
        if let Some(s) = self.status {
            let p = w.bind(MatchStatus::from(s).to_value());
            w.conds.push(format!("m.status = {p}"));
        }
        if let Some(code) = &self.league {
            let p = w.bind(code.clone());
            w.conds.push(format!("m.league_id IN (SELECT id FROM leagues WHERE code = {p})"));
        }
        if let Some(team) = self.team {
            let (a, b) = (w.bind(team), w.bind(team));
            w.conds.push(format!("(m.home_team_id = {a} OR m.away_team_id = {b})"));
        }
        if let Some(season) = &self.season {
            let p = w.bind(season.clone());
            w.conds.push(format!("m.season = {p}"));
        }
        if let Some(d) = self.date_from {
            let p = w.bind(d);
            w.conds.push(format!("m.match_date >= {p}"));
        }
        if let Some(d) = self.date_to {
            let p = w.bind(d);
            w.conds.push(format!("m.match_date <= {p}"));
        }
        w
    }
}

fn order_by(sort: MatchSort, order: SortOrder) -> &'static str {
    match (sort, order) {
        (MatchSort::KickoffAt, SortOrder::Asc) => "ORDER BY m.kickoff_at ASC, m.id ASC",
        (MatchSort::KickoffAt, SortOrder::Desc) => "ORDER BY m.kickoff_at DESC, m.id DESC",
        (MatchSort::Id, SortOrder::Asc) => "ORDER BY m.id ASC",
        (MatchSort::Id, SortOrder::Desc) => "ORDER BY m.id DESC",
    }
}

/// A page of the list by offset, with the total.
pub async fn list_page(
    state: &ApiState,
    filter: &MatchFilter,
    sort: MatchSort,
    order: SortOrder,
    page: Page,
) -> Result<(Vec<MatchItem>, u64, DateTime<Utc>), DbErr> {
    let (db, counts) = (&state.db, &state.counts);
    let w = filter.to_where();
    let backend = db.get_database_backend();
    let count_sql = format!("SELECT COUNT(*) FROM matches m {}", w.sql());
    let key = format!("{count_sql} {:?}", w.values);
    let (total, as_of) = match counts.get(&key) {
        Some(hit) => hit,
        None => {
            let counted_at = Utc::now();
            let total: i64 = match db
                .query_one_raw(Statement::from_sql_and_values(backend, &count_sql, w.values.clone()))
                .await?
            {
                Some(r) => r.try_get_by_index(0)?,
                None => 0,
            };
            let total = u64::try_from(total).unwrap_or(0);
            counts.put(key, total, counted_at);
            (total, counted_at)
        }
    };
    let where_sql = w.sql();
    // Written into the SQL, not bound: they are integers, and PostgreSQL plans a prepared
    // statement whose LIMIT is a parameter for 10 % of the table, so it would re-plan the
    // join on every request instead of reusing the cached plan.
    let (limit, offset) = (page.per_page, page.offset().min(i64::MAX as u64));
    let sql = format!("{SELECT_BARE} {where_sql} {} LIMIT {limit} OFFSET {offset}", order_by(sort, order));
    let items = query_items_named(db, &state.names, &sql, w.values).await?;
    Ok((items, total, as_of))
}

/// A page of the list after `cursor`, and the cursor of the next page if there is one.
pub async fn list_after(
    state: &ApiState,
    filter: &MatchFilter,
    sort: MatchSort,
    order: SortOrder,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<(Vec<MatchItem>, Option<Cursor>), DbErr> {
    let mut w = filter.to_where();
    if let Some(c) = cursor {
        let cmp = if order == SortOrder::Asc { ">" } else { "<" };
        let cond = match sort {
            MatchSort::KickoffAt => {
                let (k1, k2, id) = (w.bind(c.kickoff_at), w.bind(c.kickoff_at), w.bind(c.id));
                format!("(m.kickoff_at {cmp} {k1} OR (m.kickoff_at = {k2} AND m.id {cmp} {id}))")
            }
            MatchSort::Id => format!("m.id {cmp} {}", w.bind(c.id)),
        };
        w.conds.push(cond);
    }
    let where_sql = w.sql();
    // One row more than asked tells whether another page follows.
    // Written into the SQL, not bound (see `list_page`).
    let n = limit + 1;
    let sql = format!("{SELECT_BARE} {where_sql} {} LIMIT {n}", order_by(sort, order));
    let mut items = query_items_named(&state.db, &state.names, &sql, w.values).await?;
    let more = items.len() as u64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more { items.last().map(|m| Cursor { kickoff_at: m.kickoff_at, id: m.id }) } else { None };
    Ok((items, next))
}

pub struct MatchesApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Matches")]
impl MatchesApi {
    /// Matches, filtered and sorted, by page (`page`, `per_page`) or by cursor
    /// (`cursor`, `limit`).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/matches", method = "get")]
    async fn list(
        &self,
        status: Query<Option<StatusParam>>,
        /// League code, e.g. `E0`.
        league: Query<Option<String>>,
        /// Team id, home or away.
        team: Query<Option<i64>>,
        season: Query<Option<String>>,
        /// First match date, YYYY-MM-DD.
        date_from: Query<Option<NaiveDate>>,
        /// Last match date, YYYY-MM-DD.
        date_to: Query<Option<NaiveDate>>,
        sort: Query<Option<MatchSort>>,
        order: Query<Option<SortOrder>>,
        /// 1-based page number.
        #[oai(validator(minimum(value = "1")))]
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Rows per cursor page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> ApiResult<Vec<MatchItem>> {
        let filter = MatchFilter {
            status: status.0,
            league: league.0,
            team: team.0,
            season: season.0,
            date_from: date_from.0,
            date_to: date_to.0,
        };
        let (sort, order) = (sort.0.unwrap_or_default(), order.0.unwrap_or_default());
        if cursor.0.is_some() || limit.0.is_some() {
            if page.0.is_some() || per_page.0.is_some() {
                return Err(ApiError::validation("cursor", "use either cursor/limit or page/per_page").into());
            }
            let limit = limit.0.unwrap_or(crate::pagination::DEFAULT_PER_PAGE);
            if !(1..=MAX_PER_PAGE).contains(&limit) {
                return Err(ApiError::validation("limit", "must be between 1 and 100").into());
            }
            let cursor = cursor.0.as_deref().map(Cursor::decode).transpose()?;
            let (items, next) = list_after(&self.state, &filter, sort, order, cursor, limit).await?;
            let meta = CursorMeta { next_cursor: next.map(|c| c.encode()), limit };
            return Ok(ok(items, Some(Meta::Cursor(meta))));
        }
        let p = Page::new(page.0, per_page.0)?;
        let (items, total, total_as_of) = list_page(&self.state, &filter, sort, order, p).await?;
        Ok(ok(items, p.meta_counted(total, total_as_of)))
    }

    /// One match.
    #[oai(path = "/matches/:id", method = "get")]
    async fn one(&self, id: Path<i64>) -> ApiResult<MatchItem> {
        Ok(ok(find_match(&self.state.db, id.0).await?, None))
    }

    /// The match's statistics, one row per team.
    #[oai(path = "/matches/:id/stats", method = "get")]
    async fn stats(&self, id: Path<i64>) -> ApiResult<Vec<MatchStatsItem>> {
        let db = &self.state.db;
        find_match(db, id.0).await?;
        let rows = match_stats::Entity::find()
            .filter(match_stats::Column::MatchId.eq(id.0))
            .order_by_asc(match_stats::Column::Id)
            .all(db)
            .await?;
        let items = rows
            .into_iter()
            .map(|s| MatchStatsItem {
                team_id: s.team_id,
                possession: s.possession,
                shots: s.shots,
                shots_on_target: s.shots_on_target,
                corners: s.corners,
                fouls: s.fouls,
                yellow_cards: s.yellow_cards,
                red_cards: s.red_cards,
                xg: s.xg,
            })
            .collect();
        Ok(ok(items, None))
    }

    /// The match's price history, newest first; `latest=true` keeps only the newest
    /// price of each bookmaker, market, selection and line.
    #[oai(path = "/matches/:id/odds", method = "get")]
    async fn odds(
        &self,
        id: Path<i64>,
        bookmaker: Query<Option<String>>,
        market: Query<Option<MarketParam>>,
        latest: Query<Option<bool>>,
    ) -> ApiResult<Vec<OddsItem>> {
        let db = &self.state.db;
        find_match(db, id.0).await?;
        let mut q = odds::Entity::find().filter(odds::Column::MatchId.eq(id.0));
        if let Some(b) = bookmaker.0 {
            q = q.filter(odds::Column::Bookmaker.eq(b));
        }
        if let Some(m) = market.0 {
            q = q.filter(odds::Column::Market.eq(Market::from(m)));
        }
        let rows = q.order_by_desc(odds::Column::RecordedAt).order_by_desc(odds::Column::Id).all(db).await?;
        let mut seen = HashSet::new();
        let items = rows
            .into_iter()
            .filter(|o| {
                !latest.0.unwrap_or(false)
                    || seen.insert((o.bookmaker.clone(), o.market, o.selection.clone(), o.line.to_bits()))
            })
            .map(|o| OddsItem {
                id: o.id,
                bookmaker: o.bookmaker,
                market: o.market.as_str().to_owned(),
                selection: o.selection,
                line: o.line,
                price: o.price,
                is_closing: o.is_closing,
                recorded_at: o.recorded_at,
            })
            .collect();
        Ok(ok(items, None))
    }
}
