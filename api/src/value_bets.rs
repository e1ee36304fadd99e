//! Value bets: the list, and what the settled ones won or lost.

use chrono::{DateTime, Utc};
use entities::enums::BetStatus;
use entities::{leagues, matches, model_versions, value_bets};
use poem_openapi::param::Query;
use poem_openapi::{Enum, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select};

use crate::envelope::{ApiResult, ok};
use crate::pagination::{Page, fetch_page};
use crate::state::ApiState;
use crate::tags::ApiTags;

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
#[oai(skip_serializing_if_is_none)]
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

impl From<value_bets::Model> for ValueBetItem {
    fn from(v: value_bets::Model) -> Self {
        Self {
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
        }
    }
}

/// The bets on matches of the league with this code (none for an unknown code).
pub(crate) fn in_league(q: Select<value_bets::Entity>, code: String) -> Select<value_bets::Entity> {
    let league = leagues::Entity::find()
        .select_only()
        .column(leagues::Column::Id)
        .filter(leagues::Column::Code.eq(code))
        .into_query();
    let its_matches = matches::Entity::find()
        .select_only()
        .column(matches::Column::Id)
        .filter(matches::Column::LeagueId.in_subquery(league))
        .into_query();
    q.filter(value_bets::Column::MatchId.in_subquery(its_matches))
}

/// Running totals of a set of bets, in units of bankroll staked at `kelly_stake`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Ledger {
    pub pending: u64,
    pub won: u64,
    pub lost: u64,
    pub void: u64,
    /// Stakes of the settled bets, void ones included: their stake was placed, then returned.
    pub staked: f64,
    pub profit: f64,
}

impl Ledger {
    pub fn add(&mut self, status: BetStatus, stake: f64, price: f64) {
        match status {
            BetStatus::Pending => self.pending += 1,
            BetStatus::Won => {
                self.won += 1;
                self.profit += stake * (price - 1.0);
            }
            BetStatus::Lost => {
                self.lost += 1;
                self.profit -= stake;
            }
            BetStatus::Void => self.void += 1,
        }
        if status != BetStatus::Pending {
            self.staked += stake;
        }
    }

    pub fn settled(&self) -> u64 {
        self.won + self.lost + self.void
    }

    /// Profit per unit staked; none when nothing was staked, rather than a division by zero.
    pub fn roi(&self) -> Option<f64> {
        (self.staked > 0.0).then(|| self.profit / self.staked)
    }
}

#[derive(Clone, Debug, Object)]
pub struct StatusCounts {
    pub pending: u64,
    pub won: u64,
    pub lost: u64,
    pub void: u64,
}

#[derive(Clone, Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ValueBetSummary {
    /// Bets of each status.
    pub counts: StatusCounts,
    /// Bets of every status.
    pub total: u64,
    /// Won, lost and void bets.
    pub settled: u64,
    /// Sum of `kelly_stake` over the settled bets, void ones included.
    pub staked: f64,
    /// Won: stake × (price − 1); lost: −stake; void: 0.
    pub profit: f64,
    /// profit / staked; null when nothing is settled.
    pub roi: Option<f64>,
    /// `validated`: bets are judged under the rule training chose (below); `fixed`: under
    /// the configured thresholds in `fixed_rule`, whatever training found.
    pub rule_source: String,
    /// The configured thresholds, when the rule is fixed.
    pub fixed_rule: Option<FixedRule>,
    /// The value-bet rule the active version of the served model's training chose
    /// walk-forward by closing-line value, and its record there, beside the live one
    /// above; absent without an active version that recorded one.
    pub backtested: Option<BacktestedRule>,
}

/// Thresholds of a value-bet rule set in the configuration.
#[derive(Clone, Debug, PartialEq, Object)]
pub struct FixedRule {
    pub min_edge: f64,
    pub max_edge: f64,
    pub min_price: f64,
    pub max_price: f64,
}

/// The value-bet rule as training validated it.
#[derive(Clone, Debug, Object)]
pub struct BacktestedRule {
    /// The model version whose training chose it.
    pub version: String,
    /// Whether any rule held a non-negative closing-line value; when not, no value bet is
    /// alerted under the validated rule.
    pub found: bool,
    pub min_edge: Option<f64>,
    pub max_edge: Option<f64>,
    pub min_price: Option<f64>,
    pub max_price: Option<f64>,
    /// Leagues the rule bets in; empty: every league.
    pub leagues: Vec<String>,
    /// The walk-forward record: bets of the rules chosen before each season on the seasons
    /// before it only, their mean closing-line value (p_close × price − 1) with its 95%
    /// interval (matchdays resampled), and ROI at one unit each.
    pub bets: Option<u64>,
    pub clv: Option<f64>,
    pub clv_low: Option<f64>,
    pub clv_high: Option<f64>,
    pub roi: Option<f64>,
    /// The backtest's words on it.
    pub verdict: String,
}

impl BacktestedRule {
    /// From a version's `metrics.value_rule` (`{"rule": {"rule", "walk_forward", ...} |
    /// null, "verdict"}`); `None` for versions trained before the rule was recorded.
    fn from_metrics(version: String, metrics: &serde_json::Value) -> Option<Self> {
        let record = metrics.get("value_rule")?;
        let chosen = &record["rule"];
        let rule = &chosen["rule"];
        let record_of = &chosen["walk_forward"];
        let leagues = rule["leagues"]
            .as_array()
            .map(|l| l.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Some(Self {
            version,
            found: !chosen.is_null(),
            min_edge: rule["min_edge"].as_f64(),
            max_edge: rule["max_edge"].as_f64(),
            min_price: rule["min_price"].as_f64(),
            max_price: rule["max_price"].as_f64(),
            leagues,
            bets: record_of["bets"].as_u64(),
            clv: record_of["clv"].as_f64(),
            clv_low: record_of["clv_low"].as_f64(),
            clv_high: record_of["clv_high"].as_f64(),
            roi: record_of["roi"].as_f64(),
            verdict: record["verdict"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

pub struct ValueBetsApi {
    pub state: ApiState,
}

#[OpenApi(tag = "ApiTags::ValueBets")]
impl ValueBetsApi {
    /// Value bets, newest first.
    #[oai(path = "/value-bets", method = "get")]
    async fn list(
        &self,
        status: Query<Option<BetStatusParam>>,
        /// Only bets with at least this edge (0.05 is 5 %).
        min_edge: Query<Option<f64>>,
        /// League code of the bet's match, e.g. `E0`.
        league: Query<Option<String>>,
        /// 1-based page number.
        #[oai(validator(minimum(value = "1")))]
        page: Query<Option<u64>>,
        /// Rows per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Vec<ValueBetItem>> {
        let p = Page::new(page.0, per_page.0)?;
        let q = value_bets::Entity::find()
            .apply_if(status.0, |q, s| q.filter(value_bets::Column::Status.eq(BetStatus::from(s))))
            .apply_if(min_edge.0, |q, e| q.filter(value_bets::Column::Edge.gte(e)))
            .apply_if(league.0, in_league)
            .order_by_desc(value_bets::Column::CreatedAt)
            .order_by_desc(value_bets::Column::Id);
        fetch_page(&self.state.db, q, p, ValueBetItem::from).await
    }

    /// How many bets there are of each status, and what the settled ones staked, won
    /// and returned.
    #[oai(path = "/value-bets/summary", method = "get")]
    async fn summary(
        &self,
        /// League code of the bet's match, e.g. `E0`.
        league: Query<Option<String>>,
    ) -> ApiResult<ValueBetSummary> {
        let rows = value_bets::Entity::find().apply_if(league.0, in_league).all(&self.state.db).await?;
        let mut l = Ledger::default();
        for b in &rows {
            l.add(b.status, b.kelly_stake, b.price);
        }
        // The served model's active version (another name in the registry is not what
        // alerts are judged by).
        let served = &self.state.served_rule;
        let active: Option<(String, serde_json::Value)> = model_versions::Entity::find()
            .select_only()
            .column(model_versions::Column::Version)
            .column(model_versions::Column::Metrics)
            .filter(model_versions::Column::Active.eq(true))
            .filter(model_versions::Column::Name.eq(served.model_name.as_str()))
            .order_by_desc(model_versions::Column::CreatedAt)
            .into_tuple()
            .one(&self.state.db)
            .await?;
        let summary = ValueBetSummary {
            counts: StatusCounts { pending: l.pending, won: l.won, lost: l.lost, void: l.void },
            total: l.pending + l.settled(),
            settled: l.settled(),
            staked: l.staked,
            profit: l.profit,
            roi: l.roi(),
            rule_source: if served.fixed.is_some() { "fixed" } else { "validated" }.to_owned(),
            fixed_rule: served.fixed.clone(),
            backtested: active.and_then(|(version, metrics)| BacktestedRule::from_metrics(version, &metrics)),
        };
        Ok(ok(summary, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_by_hand() {
        let mut l = Ledger::default();
        assert_eq!(l.roi(), None);
        l.add(BetStatus::Pending, 0.5, 2.0);
        assert_eq!(l.roi(), None, "a pending bet stakes nothing yet");
        l.add(BetStatus::Won, 0.5, 3.0);
        l.add(BetStatus::Lost, 0.25, 2.5);
        l.add(BetStatus::Void, 0.5, 2.0);
        assert_eq!((l.pending, l.won, l.lost, l.void, l.settled()), (1, 1, 1, 1, 3));
        assert_eq!((l.staked, l.profit), (1.25, 0.75));
        assert_eq!(l.roi(), Some(0.6));
    }
}
