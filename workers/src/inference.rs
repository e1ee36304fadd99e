//! Inference: forecasts of matches with a registered version, written to `predictions`;
//! value bets found against the bookmakers' latest pre-match prices; settlement of
//! value bets once results are in.
//!
//! Everything here is idempotent: running it twice for the same match and version
//! updates the rows it wrote the first time and finds no new value bet, so a retried
//! or duplicated job notifies nobody twice.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TransactionSession, TransactionTrait, Value};

use crate::history::{self, HistoryFilter, MatchRow, SELECTIONS};
use crate::llm::{LlmClient, MatchContext};
use crate::registry::Loaded;
use crate::settings::{PredictSettings, RuleSource};
use predict::blend;
use predict::kelly::{self, ConfidenceBands};
use predict::suite::{ENSEMBLE, MEMBERS};
use predict::value_rule::{self, ValueRule};

#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("the forecasting thread failed: {0}")]
    Thread(String),
}

/// What one inference run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InferenceSummary {
    pub matches: usize,
    /// Matches of leagues the version has no models for.
    pub skipped: usize,
    pub predictions: usize,
    /// Value bets found for the first time.
    pub new_value_bets: Vec<i64>,
    /// Every pending value bet of this run's predictions, new or found by an earlier
    /// run, to notify: a retried run offers again the bets its failed attempt stored
    /// but never notified, and notification's keys send each bet to a chat once.
    pub pending_value_bets: Vec<i64>,
    /// The ensemble's forecast of every match forecast, for the `prediction:new` events.
    pub forecasts: Vec<NewForecast>,
}

/// One match's forecast as its event tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewForecast {
    pub match_id: i64,
    pub league: String,
    pub home: String,
    pub away: String,
    pub kickoff: DateTime<Utc>,
    pub model: String,
    pub version: String,
    pub probs: [f64; 3],
    pub expected_goals: Option<(f64, f64)>,
}

/// One forecast of a match, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub model: String,
    pub probs: [f64; 3],
    pub expected_goals: Option<(f64, f64)>,
}

/// Every forecast the version makes of `m`, or `None` when it has no model of its league.
pub fn forecasts(loaded: &Loaded, m: &MatchRow) -> Option<Vec<Forecast>> {
    let league = loaded.model.leagues.get(&m.league)?;
    let team = |id: i64| league.teams.get(&id).copied().unwrap_or(u32::MAX);
    let f = league.suite.forecast(m.date, team(m.home_id), team(m.away_id), &loaded.model.weights);
    let goals = f.goals.expected_goals;
    // A member that could not forecast (absent from a version trained before it existed,
    // or fitted on too little) is not stored under its name: its stand-in is the others'.
    let mut out: Vec<Forecast> = MEMBERS
        .iter()
        .zip(&f.members)
        .filter(|(name, _)| !f.invalid.contains(name))
        .map(|(name, p)| Forecast {
            model: name.to_string(),
            probs: *p,
            expected_goals: (*name == "dixon_coles").then_some(goals).flatten(),
        })
        .collect();
    out.push(Forecast { model: ENSEMBLE.to_owned(), probs: f.ensemble, expected_goals: goals });
    // With the market's pre-closing line, the market-weighted ensemble too.
    if let Some(market) = history::fair(m.prices.average.opening, false) {
        let mut members = f.members.clone();
        members.push(market);
        let probs = loaded.model.market_weights.combine(&crate::backtest::market_members(), &members);
        out.push(Forecast {
            model: crate::backtest::ENSEMBLE_MARKET.to_owned(),
            probs,
            expected_goals: goals,
        });
    }
    // The probability value bets are judged on: the ensemble pooled with the market's
    // margin-free pre-closing line, as much as each league's history earned it.
    if let Some(line) = crate::backtest::pre_closing_line(m) {
        let w = loaded.model.blend_weights.get(&m.league).copied().unwrap_or(0.0);
        out.push(Forecast {
            model: crate::backtest::BLEND.to_owned(),
            probs: blend::pool(f.ensemble, line, w),
            expected_goals: goals,
        });
    }
    Some(out)
}

/// The value-bet rule inference applies, and the record each bet carries of it.
#[derive(Debug, Clone)]
pub struct RuleInForce {
    pub rule: ValueRule,
    /// `{"source", "min_edge", "max_edge", "min_price", "max_price", "leagues"}`, and for a
    /// validated rule its walk-forward `bets`, `clv` and `roi`.
    pub record: serde_json::Value,
}

/// The configured rule, or the one the version's training validated (`None`: no rule
/// held its closing-line value, and nothing is alerted).
pub fn rule_in_force(loaded: &Loaded, settings: &PredictSettings) -> Option<RuleInForce> {
    let (rule, evidence) = match settings.rule {
        RuleSource::Fixed => (settings.fixed_rule(), None),
        RuleSource::Validated => {
            let Some(chosen) = loaded.model.value_rule.as_ref() else {
                tracing::warn!(
                    version = %loaded.version,
                    "the active version has no validated value-bet rule (none kept its closing-line value, \
                     or it was trained before rules were recorded): no value bet is stored or alerted"
                );
                return None;
            };
            // A rule is evidence about the forecast it was chosen on, and no other.
            if !chosen.model.is_empty() && chosen.model != settings.value_model {
                tracing::warn!(
                    version = %loaded.version,
                    rule_model = %chosen.model,
                    value_model = %settings.value_model,
                    "the validated value-bet rule was chosen on another forecast: no value bet is stored or alerted"
                );
                return None;
            }
            (chosen.rule.clone(), chosen.walk_forward.as_ref())
        }
    };
    let mut record = serde_json::json!({
        "source": if evidence.is_some() { "validated" } else { "fixed" },
        "version": loaded.version,
        "min_edge": rule.min_edge,
        "max_edge": rule.max_edge,
        "min_price": rule.min_price,
        "max_price": rule.max_price,
        "leagues": rule.leagues,
    });
    if let Some(w) = evidence {
        record["bets"] = w.bets.into();
        record["clv"] = w.clv.into();
        record["roi"] = w.roi.into();
    }
    Some(RuleInForce { rule, record })
}

async fn query<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await
}

async fn exec<C: ConnectionTrait>(conn: &C, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    Ok(conn
        .execute_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values))
        .await?
        .rows_affected())
}

/// Scheduled matches that have not kicked off.
pub async fn upcoming<C: ConnectionTrait>(conn: &C) -> Result<Vec<i64>, DbErr> {
    let rows = query(
        conn,
        "SELECT id FROM matches WHERE status = 'scheduled' AND kickoff_at >= $1 ORDER BY kickoff_at",
        vec![Utc::now().into()],
    )
    .await?;
    rows.iter().map(|r| r.try_get_by_index(0)).collect()
}

/// Writes (or updates) one forecast; returns the prediction's id.
async fn store_prediction<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    version: &str,
    f: &Forecast,
) -> Result<i64, DbErr> {
    let confidence = kelly::sharpness(&f.probs);
    let (eh, ea) = (f.expected_goals.map(|g| g.0), f.expected_goals.map(|g| g.1));
    let existing = query(
        conn,
        "SELECT id FROM predictions WHERE match_id = $1 AND model_name = $2 AND model_version = $3",
        vec![match_id.into(), f.model.clone().into(), version.into()],
    )
    .await?;
    if let Some(row) = existing.first() {
        let id: i64 = row.try_get_by_index(0)?;
        exec(
            conn,
            "UPDATE predictions SET p_home = $1, p_draw = $2, p_away = $3, expected_home_goals = $4, \
             expected_away_goals = $5, confidence = $6 WHERE id = $7",
            vec![
                f.probs[0].into(),
                f.probs[1].into(),
                f.probs[2].into(),
                eh.into(),
                ea.into(),
                confidence.into(),
                id.into(),
            ],
        )
        .await?;
        return Ok(id);
    }
    let row = query(
        conn,
        "INSERT INTO predictions (match_id, model_name, model_version, p_home, p_draw, p_away, \
         expected_home_goals, expected_away_goals, confidence, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        vec![
            match_id.into(),
            f.model.clone().into(),
            version.into(),
            f.probs[0].into(),
            f.probs[1].into(),
            f.probs[2].into(),
            eh.into(),
            ea.into(),
            confidence.into(),
            Utc::now().into(),
        ],
    )
    .await?;
    row.first().map(|r| r.try_get_by_index(0)).transpose()?.ok_or_else(|| DbErr::RecordNotInserted)
}

/// A price on offer: who offers it, what a bettor keeps per unit (net of an exchange's
/// commission), and when it was recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub bookmaker: String,
    pub price: f64,
    pub seen_at: DateTime<Utc>,
}

/// The best latest pre-match price of each selection among bookable bookmakers (no
/// market aggregate, exchanges net of commission, none above the price cap), for home,
/// draw, away.
pub async fn best_prices<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    settings: &PredictSettings,
) -> Result<[Option<Offer>; 3], DbErr> {
    let rows = query(
        conn,
        "SELECT bookmaker, selection, price, recorded_at FROM odds WHERE match_id = $1 AND market = '1x2' \
         AND is_closing = $2 ORDER BY recorded_at DESC",
        vec![match_id.into(), false.into()],
    )
    .await?;
    let mut latest: HashMap<(String, String), (f64, DateTime<Utc>)> = HashMap::new();
    for r in rows {
        let (book, sel, price, at): (String, String, f64, DateTime<Utc>) =
            (r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?, r.try_get_by_index(3)?);
        if settings.excluded_bookmakers.contains(&book) {
            continue;
        }
        latest.entry((book, sel)).or_insert((price, at));
    }
    let mut best: [Option<Offer>; 3] = Default::default();
    for ((book, sel), (price, seen_at)) in latest {
        let Some(i) = SELECTIONS.iter().position(|s| *s == sel) else { continue };
        let Some(price) = value_rule::bookable(&book, price, settings.price_cap) else { continue };
        if best[i].as_ref().is_none_or(|o| price > o.price) {
            best[i] = Some(Offer { bookmaker: book, price, seen_at });
        }
    }
    Ok(best)
}

/// The value bets of a run, by id.
#[derive(Debug, Default)]
struct FoundBets {
    /// Stored by this run.
    new: Vec<i64>,
    /// Still pending, whether stored by this run or an earlier one.
    pending: Vec<i64>,
    /// Found by this run, to store once every match is done.
    candidates: Vec<Candidate>,
}

/// A value bet found by this run, not yet stored: its stake still has to fit its day's
/// budget.
#[derive(Debug)]
struct Candidate {
    match_id: i64,
    prediction_id: i64,
    /// The kickoff's UTC day: the stakes of one day's bets share a budget.
    day: NaiveDate,
    selection: &'static str,
    bookmaker: String,
    price: f64,
    edge: f64,
    /// The capped fractional Kelly stake, before the day's budget scales it.
    stake: f64,
    confidence: Option<f64>,
    p_model: f64,
    p_market: Option<f64>,
    price_seen_at: DateTime<Utc>,
    rule: serde_json::Value,
}

/// Finds the value bets of one prediction: new ones as candidates, and the ids of
/// pending bets already stored for its match and selections.
async fn value_bets<C: ConnectionTrait>(
    conn: &C,
    m: &MatchRow,
    prediction_id: i64,
    probs: [f64; 3],
    settings: &PredictSettings,
    in_force: &RuleInForce,
    found: &mut FoundBets,
) -> Result<(), DbErr> {
    let (rule, rule_record) = (&in_force.rule, &in_force.record);
    let prices = best_prices(conn, m.id, settings).await?;
    let bands = ConfidenceBands::default();
    let model_confidence = kelly::sharpness(&probs);
    let market = crate::backtest::pre_closing_line(m);
    for (i, best) in prices.iter().enumerate() {
        let Some(Offer { bookmaker: book, price, seen_at }) = best else { continue };
        let edge = kelly::edge(probs[i], *price);
        if edge.is_nan() || edge < rule.min_edge {
            continue;
        }
        let selection = SELECTIONS[i];
        if !rule.admits(&m.league, edge, *price) {
            if edge > rule.max_edge {
                // The market is rarely that wrong; the model is, more often.
                tracing::warn!(
                    match_id = m.id,
                    selection,
                    bookmaker = %book,
                    price,
                    edge,
                    max_edge = rule.max_edge,
                    "edge above the value-bet rule's maximum: treated as a model error, not a value bet"
                );
            }
            continue;
        }
        let Ok(stake) = kelly::kelly_stake(probs[i], *price, settings.kelly_fraction, settings.kelly_cap)
        else {
            continue;
        };
        let band = kelly::confidence(edge, model_confidence, &bands);
        let confidence = band.map(|b| match b {
            kelly::Confidence::High => 0.9,
            kelly::Confidence::Medium => 0.6,
            kelly::Confidence::Low => 0.3,
        });
        // One value bet per prediction and selection (the first price found is kept),
        // and one pending bet per match and selection, whichever version found it: a
        // retrained model that finds the same value must not store or alert it again.
        let existing = query(
            conn,
            "SELECT id, status FROM value_bets WHERE selection = $1 \
             AND (prediction_id = $2 OR (match_id = $3 AND status = 'pending')) ORDER BY id LIMIT 1",
            vec![selection.into(), prediction_id.into(), m.id.into()],
        )
        .await?;
        if let Some(r) = existing.first() {
            let (id, status): (i64, String) = (r.try_get_by_index(0)?, r.try_get_by_index(1)?);
            if status == "pending" {
                found.pending.push(id);
            }
            continue;
        }
        found.candidates.push(Candidate {
            match_id: m.id,
            prediction_id,
            day: m.kickoff.date_naive(),
            selection,
            bookmaker: book.clone(),
            price: *price,
            edge,
            stake,
            confidence,
            p_model: probs[i],
            p_market: market.map(|p| p[i]),
            price_seen_at: *seen_at,
            rule: rule_record.clone(),
        });
    }
    Ok(())
}

/// The factor that fits `new` stakes into what is left of a day's budget once `staked`
/// is taken: 1 when they fit, less when they must shrink together, 0 when nothing is left.
fn budget_scale(budget: f64, staked: f64, new: f64) -> f64 {
    let left = (budget - staked).max(0.0);
    if new <= left || new <= 0.0 { 1.0 } else { left / new }
}

/// Stakes of bets on matches kicking off on `day` (UTC) already stored and not void.
async fn staked_on<C: ConnectionTrait>(conn: &C, day: NaiveDate) -> Result<f64, DbErr> {
    let start = day.and_time(NaiveTime::MIN).and_utc();
    let end = start + chrono::Duration::days(1);
    let rows = query(
        conn,
        "SELECT COALESCE(SUM(v.kelly_stake), 0.0) FROM value_bets v JOIN matches m ON m.id = v.match_id \
         WHERE m.kickoff_at >= $1 AND m.kickoff_at < $2 AND v.status <> 'void'",
        vec![start.into(), end.into()],
    )
    .await?;
    Ok(rows.first().map(|r| r.try_get_by_index::<f64>(0)).transpose()?.unwrap_or(0.0))
}

/// The pending bet already stored for a match and selection, if any.
async fn pending_bet<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    selection: &str,
) -> Result<Option<i64>, DbErr> {
    let rows = query(
        conn,
        "SELECT id FROM value_bets WHERE match_id = $1 AND selection = $2 AND status = 'pending' ORDER BY id LIMIT 1",
        vec![match_id.into(), selection.into()],
    )
    .await?;
    rows.first().map(|r| r.try_get_by_index(0)).transpose()
}

/// Stores the candidates, their stakes scaled per kickoff day so that a day's bets
/// together stake at most `[predict] daily_stake_budget` of the bankroll. Bets stored
/// earlier keep their stakes (their alerts are out); new ones share what is left.
/// Each day is one transaction that holds the day's lock (PostgreSQL: an advisory lock;
/// SQLite: its one writer), so concurrent runs cannot both spend the same budget or
/// store the same bet twice.
async fn store_candidates<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    candidates: Vec<Candidate>,
    settings: &PredictSettings,
    found: &mut FoundBets,
) -> Result<(), DbErr> {
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<Candidate>> = Default::default();
    for c in candidates {
        by_day.entry(c.day).or_default().push(c);
    }
    for (day, bets) in by_day {
        let tx = conn.begin().await?;
        store_day(&tx, day, bets, settings, found).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The value-bet budget lock of a day: one advisory lock key per day.
fn day_lock_key(day: NaiveDate) -> i64 {
    // A constant tag in the high bits keeps it apart from other advisory locks.
    (0x6b69_636b_i64 << 32) | i64::from(day.num_days_from_ce())
}

async fn store_day<C: ConnectionTrait>(
    tx: &C,
    day: NaiveDate,
    bets: Vec<Candidate>,
    settings: &PredictSettings,
    found: &mut FoundBets,
) -> Result<(), DbErr> {
    match tx.get_database_backend() {
        DbBackend::Postgres => {
            query(tx, "SELECT pg_advisory_xact_lock($1)", vec![day_lock_key(day).into()]).await?;
        }
        // Taking SQLite's write lock first: a concurrent run waits here, then reads
        // what this one stored.
        _ => {
            exec(tx, "UPDATE value_bets SET id = id WHERE 0 = 1", vec![]).await?;
        }
    }
    // Another run may have stored some of these bets since they were found.
    let mut unstored = Vec::with_capacity(bets.len());
    for c in bets {
        match pending_bet(tx, c.match_id, c.selection).await? {
            Some(id) => found.pending.push(id),
            None => unstored.push(c),
        }
    }
    let bets = unstored;
    if bets.is_empty() {
        return Ok(());
    }
    let staked = staked_on(tx, day).await?;
    let new: f64 = bets.iter().map(|c| c.stake).sum();
    let scale = budget_scale(settings.daily_stake_budget, staked, new);
    if scale <= 0.0 {
        tracing::warn!(%day, staked, bets = bets.len(), "the day's stake budget is spent: value bets not stored");
        return Ok(());
    }
    if scale < 1.0 {
        tracing::info!(%day, staked, new, scale, "stakes scaled to the day's budget");
    }
    for c in bets {
        let row = query(
            tx,
            "INSERT INTO value_bets (prediction_id, match_id, selection, bookmaker, price, edge, \
             kelly_stake, confidence, status, created_at, p_model, p_market, price_seen_at, rule) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            vec![
                c.prediction_id.into(),
                c.match_id.into(),
                c.selection.into(),
                c.bookmaker.into(),
                c.price.into(),
                c.edge.into(),
                (c.stake * scale).into(),
                c.confidence.into(),
                "pending".into(),
                Utc::now().into(),
                c.p_model.into(),
                c.p_market.into(),
                c.price_seen_at.into(),
                c.rule.into(),
            ],
        )
        .await?;
        if let Some(r) = row.first() {
            let id: i64 = r.try_get_by_index(0)?;
            found.new.push(id);
            found.pending.push(id);
        }
    }
    Ok(())
}

/// The language model's adjustment of the ensemble, as the `ensemble_llm` forecast, or
/// `None` when it failed or took too long (the forecast stands without it).
async fn adjusted(llm: &LlmClient, m: &MatchRow, all: &[Forecast]) -> Option<Forecast> {
    let ensemble = all.iter().find(|f| f.model == ENSEMBLE)?;
    let context = MatchContext {
        league: m.league.clone(),
        home: m.home.clone(),
        away: m.away.clone(),
        kickoff: m.kickoff.to_rfc3339(),
    };
    match llm.adjust(&context, ensemble.probs).await {
        Ok(a) => {
            tracing::info!(match_id = m.id, deltas = ?a.deltas, reasons = %a.reasons, "language-model adjustment");
            Some(Forecast {
                model: LLM_MODEL.to_owned(),
                probs: a.probs,
                expected_goals: ensemble.expected_goals,
            })
        }
        Err(e) => {
            tracing::warn!(match_id = m.id, error = %e, "language-model adjustment skipped");
            None
        }
    }
}

/// The name of the adjusted forecast.
pub const LLM_MODEL: &str = "ensemble_llm";

/// Forecasts `match_ids` (every upcoming match when empty) with `loaded`, and finds
/// their value bets; with `llm`, the ensemble's adjustment is stored too.
pub async fn run<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    loaded: &Loaded,
    settings: &PredictSettings,
    llm: Option<&LlmClient>,
    match_ids: &[i64],
) -> Result<InferenceSummary, InferenceError> {
    let ids = if match_ids.is_empty() { upcoming(conn).await? } else { match_ids.to_vec() };
    let mut summary = InferenceSummary::default();
    if ids.is_empty() {
        return Ok(summary);
    }
    let rows = history::load(conn, &HistoryFilter { match_ids: ids, ..Default::default() }).await?;
    // The models run on a blocking thread: a large batch must not stall the workers.
    let model = loaded.clone();
    let computed = tokio::task::spawn_blocking(move || {
        rows.into_iter().map(|m| (forecasts(&model, &m), m)).collect::<Vec<_>>()
    })
    .await
    .map_err(|e| InferenceError::Thread(e.to_string()))?;
    let mut found = FoundBets::default();
    let rule = rule_in_force(loaded, settings);
    for (all, m) in computed {
        summary.matches += 1;
        let Some(mut all) = all else {
            summary.skipped += 1;
            continue;
        };
        if let Some(llm) = llm
            && let Some(f) = adjusted(llm, &m, &all).await
        {
            all.push(f);
        }
        if let Some(f) = all.iter().find(|f| f.model == ENSEMBLE) {
            summary.forecasts.push(NewForecast {
                match_id: m.id,
                league: m.league.clone(),
                home: m.home.clone(),
                away: m.away.clone(),
                kickoff: m.kickoff,
                model: f.model.clone(),
                version: loaded.version.clone(),
                probs: f.probs,
                expected_goals: f.expected_goals,
            });
        }
        for f in &all {
            let id = store_prediction(conn, m.id, &loaded.version, f).await?;
            summary.predictions += 1;
            if f.model == settings.value_model
                && let Some(rule) = &rule
            {
                value_bets(conn, &m, id, f.probs, settings, rule, &mut found).await?;
            }
        }
    }
    let candidates = std::mem::take(&mut found.candidates);
    store_candidates(conn, candidates, settings, &mut found).await?;
    summary.new_value_bets = found.new;
    summary.pending_value_bets = found.pending;
    Ok(summary)
}

/// What settling did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    pub won: u64,
    pub lost: u64,
    pub void: u64,
}

/// Settles pending value bets of finished, postponed and cancelled matches.
pub async fn settle<C: ConnectionTrait>(conn: &C) -> Result<Settled, DbErr> {
    let rows = query(
        conn,
        "SELECT v.id, v.selection, m.status, m.home_goals, m.away_goals FROM value_bets v \
         JOIN matches m ON m.id = v.match_id WHERE v.status = 'pending' \
         AND m.status IN ('finished', 'postponed', 'cancelled')",
        vec![],
    )
    .await?;
    let mut out = Settled::default();
    let now = Utc::now();
    for r in rows {
        let (id, selection, status): (i64, String, String) =
            (r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?);
        let goals: (Option<i32>, Option<i32>) = (r.try_get_by_index(3)?, r.try_get_by_index(4)?);
        let result = match goals {
            (Some(h), Some(a)) if status == "finished" => Some(match h.cmp(&a) {
                std::cmp::Ordering::Greater => "home",
                std::cmp::Ordering::Equal => "draw",
                std::cmp::Ordering::Less => "away",
            }),
            _ => None,
        };
        let (text, counter) = match result {
            Some(r) if r == selection => ("won", &mut out.won),
            Some(_) => ("lost", &mut out.lost),
            None => ("void", &mut out.void),
        };
        *counter += 1;
        exec(
            conn,
            "UPDATE value_bets SET status = $1, settled_at = $2 WHERE id = $3 AND status = 'pending'",
            vec![text.into(), now.into(), id.into()],
        )
        .await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::budget_scale;

    #[test]
    fn new_stakes_share_what_is_left_of_the_days_budget() {
        assert_eq!(budget_scale(0.10, 0.0, 0.06), 1.0);
        assert!((budget_scale(0.10, 0.0, 0.20) - 0.5).abs() < 1e-12);
        assert!((budget_scale(0.10, 0.04, 0.12) - 0.5).abs() < 1e-12);
        assert_eq!(budget_scale(0.10, 0.10, 0.05), 0.0);
        assert_eq!(budget_scale(0.10, 0.15, 0.05), 0.0, "an overspent day takes nothing more");
        assert_eq!(budget_scale(0.10, 0.0, 0.0), 1.0);
    }
}
