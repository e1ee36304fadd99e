//! Analytics: how well each model version forecast finished matches, and what the
//! settled value bets returned, by league and month.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entities::enums::{BetStatus, MatchStatus};
use entities::{matches, predictions};
use poem_openapi::param::Query;
use poem_openapi::{Enum, Object, OpenApi};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait, Statement,
};

use crate::envelope::{ApiResult, ok};
use crate::state::ApiState;
use crate::tags::ApiTags;
use crate::value_bets::Ledger;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Period {
    /// `YYYY-MM` of the match date.
    #[default]
    Month,
    /// The match's season, e.g. `2024-25`.
    Season,
}

#[derive(Clone, Debug, Object)]
pub struct ModelPerformance {
    pub model_name: String,
    pub model_version: String,
    /// `YYYY-MM` or a season, as asked.
    pub period: String,
    /// Finished matches forecast.
    pub n: u64,
    /// Mean ranked probability score over home, draw, away; lower is better.
    pub rps: f64,
    /// Mean negative natural log of the probability given to the result.
    pub log_loss: f64,
    /// Share of matches whose most likely outcome (home before draw before away on
    /// ties) happened.
    pub accuracy: f64,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ValueBetPerformance {
    /// League code.
    pub league: String,
    /// `YYYY-MM` of the match date.
    pub month: String,
    /// Settled bets: won, lost or void.
    pub n: u64,
    /// Sum of their `kelly_stake`, void ones included.
    pub staked: f64,
    /// Won: stake × (price − 1); lost: −stake; void: 0.
    pub profit: f64,
    /// profit / staked; null when nothing was staked.
    pub roi: Option<f64>,
}

/// The result's position in `[home, draw, away]`.
fn outcome(home_goals: i32, away_goals: i32) -> usize {
    match home_goals.cmp(&away_goals) {
        std::cmp::Ordering::Greater => 0,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Less => 2,
    }
}

fn month(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// Forecasts and results of one model version in one period.
#[derive(Default)]
struct Scored {
    forecasts: Vec<[f64; 3]>,
    outcomes: Vec<usize>,
}

/// Settled bets with their league code and match date, oldest first.
const SETTLED_BETS: &str = "SELECT l.code, m.match_date, v.status, v.kelly_stake, v.price \
    FROM value_bets v JOIN matches m ON m.id = v.match_id JOIN leagues l ON l.id = m.league_id \
    WHERE v.status <> $1";

pub struct AnalyticsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::Analytics")]
impl AnalyticsApi {
    /// Each model version's scores per period, over the finished matches it forecast,
    /// ordered by model, version and period. A match forecast more than once by the same
    /// version counts once, with its latest forecast.
    #[oai(path = "/analytics/models", method = "get")]
    async fn models(
        &self,
        /// month (default) or season.
        period: Query<Option<Period>>,
        /// Model name, e.g. `elo`.
        model: Query<Option<String>>,
    ) -> ApiResult<Vec<ModelPerformance>> {
        let period = period.0.unwrap_or_default();
        let rows = predictions::Entity::find()
            .find_also_related(matches::Entity)
            .filter(matches::Column::Status.eq(MatchStatus::Finished))
            .apply_if(model.0, |q, m| q.filter(predictions::Column::ModelName.eq(m)))
            .order_by_asc(predictions::Column::CreatedAt)
            .order_by_asc(predictions::Column::Id)
            .all(&self.state.db)
            .await?;
        // Oldest first, so a later forecast of the same match replaces an earlier one.
        let mut latest = HashMap::new();
        for (p, m) in rows {
            if let Some(m) = m {
                latest.insert((p.match_id, p.model_name.clone(), p.model_version.clone()), (p, m));
            }
        }
        let mut groups: BTreeMap<(String, String, String), Scored> = BTreeMap::new();
        for (p, m) in latest.into_values() {
            let (Some(home), Some(away)) = (m.home_goals, m.away_goals) else { continue };
            let label = match period {
                Period::Month => month(m.match_date),
                Period::Season => m.season,
            };
            let g = groups.entry((p.model_name, p.model_version, label)).or_default();
            g.forecasts.push([p.p_home, p.p_draw, p.p_away]);
            g.outcomes.push(outcome(home, away));
        }
        let items = groups
            .into_iter()
            // Every group holds at least one forecast, so `means` always answers.
            .filter_map(|((model_name, model_version, period), g)| {
                let s = scoring::means(g.forecasts.iter().zip(g.outcomes.iter().copied()))?;
                Some(ModelPerformance {
                    model_name,
                    model_version,
                    period,
                    n: s.n as u64,
                    rps: s.rps,
                    log_loss: s.log_loss,
                    accuracy: s.accuracy,
                })
            })
            .collect();
        Ok(ok(items, None))
    }

    /// What the settled value bets returned, by league and by month of the match,
    /// ordered by league code and month.
    #[oai(path = "/analytics/value-bets", method = "get")]
    async fn value_bets(
        &self,
        /// League code, e.g. `E0`.
        league: Query<Option<String>>,
    ) -> ApiResult<Vec<ValueBetPerformance>> {
        let db = &self.state.db;
        let mut sql = SETTLED_BETS.to_owned();
        let mut values = vec![BetStatus::Pending.to_value().into()];
        if let Some(code) = league.0 {
            sql.push_str(" AND l.code = $2");
            values.push(code.into());
        }
        let rows =
            db.query_all_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, values)).await?;
        let mut groups: BTreeMap<(String, String), Ledger> = BTreeMap::new();
        for r in rows {
            let code: String = r.try_get_by_index(0)?;
            let date: NaiveDate = r.try_get_by_index(1)?;
            let status: String = r.try_get_by_index(2)?;
            let status = BetStatus::try_from_value(&status)?;
            let (stake, price): (f64, f64) = (r.try_get_by_index(3)?, r.try_get_by_index(4)?);
            groups.entry((code, month(date))).or_default().add(status, stake, price);
        }
        let items = groups
            .into_iter()
            .map(|((league, month), l)| ValueBetPerformance {
                league,
                month,
                n: l.settled(),
                staked: l.staked,
                profit: l.profit,
                roi: l.roi(),
            })
            .collect();
        Ok(ok(items, None))
    }
}
