//! Training: a hyper-parameter search by walk-forward validation, then every league's
//! models fitted on all history before the cut-off day, ready to register.
//!
//! The search tries a few settings of the time decay (Poisson and Dixon-Coles) and of
//! Elo's K and home advantage, each scored by walk-forward backtest on the validation
//! seasons (the latest before the cut-off); the decay is chosen by Dixon-Coles' RPS and
//! Elo's settings by Elo's. The ensemble weights are those the final validation run
//! fitted on its out-of-sample forecasts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::backtest::{self, BacktestConfig, BacktestError, ENSEMBLE_MARKET};
use crate::history::MatchRow;
use crate::predict::PredictError;
use crate::predict::data::MatchRecord;
use crate::predict::ensemble::Weights;
use crate::predict::suite::{ENSEMBLE, MEMBERS, Suite, SuiteParams};
use crate::registry::{LeagueModel, TrainedModel};

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Division codes; empty means every league in the data.
    pub leagues: Vec<String>,
    /// Fit on matches strictly before this day.
    pub as_of: NaiveDate,
    /// Run the hyper-parameter search (otherwise the defaults).
    pub search: bool,
    pub validation_seasons: usize,
    /// Set when whoever asked stopped waiting (the job timed out): the search stops at
    /// its next trial instead of running on in its blocking thread.
    pub cancel: Cancel,
}

/// A flag a blocking computation checks between steps; `on_drop` sets it when the
/// future waiting for the computation is dropped.
#[derive(Clone, Debug, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// A guard that sets the flag when dropped: held by the waiting future, it stops
    /// the computation once nobody waits for it.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Sets its [`Cancel`] when dropped.
#[derive(Debug)]
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// One point of the search.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    pub xi: f64,
    pub elo_k: f64,
    pub elo_home_advantage: f64,
    pub learned_l2: f64,
    pub dixon_coles_rps: f64,
    pub elo_rps: f64,
    pub learned_rps: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no finished match before {0} to train on")]
    NoHistory(NaiveDate),
    #[error(transparent)]
    Predict(#[from] PredictError),
    #[error(transparent)]
    Backtest(#[from] BacktestError),
    #[error("training cancelled: nobody waits for it any more")]
    Cancelled,
}

/// A trained model and what its validation found.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: TrainedModel,
    pub metrics: serde_json::Value,
}

/// The settings the search tries together: (decay per day, Elo K, Elo home advantage,
/// the learned model's L2 penalty). Each model's part is chosen by that model's score.
const GRID: [(f64, f64, f64, f64); 3] =
    [(0.0009, 15.0, 45.0, 0.003), (0.0018, 20.0, 60.0, 0.01), (0.0036, 30.0, 80.0, 0.03)];

fn params_of(xi: f64, k: f64, home_advantage: f64, l2: f64) -> SuiteParams {
    let mut p = SuiteParams::default();
    p.poisson.xi = xi;
    p.dixon_coles.xi = xi;
    p.elo.k = k;
    p.elo.home_advantage = home_advantage;
    p.learned.l2 = l2;
    p
}

fn pooled_rps(report: &backtest::BacktestReport, model: &str) -> f64 {
    report
        .scores
        .iter()
        .find(|s| s.model == model && s.league == "all")
        .map(|s| s.scores.rps)
        .unwrap_or(f64::INFINITY)
}

/// Trains on `rows` (any matches; only finished ones before the cut-off are used).
pub fn train(rows: &[MatchRow], opts: &TrainOptions) -> Result<Trained, TrainError> {
    let history: Vec<MatchRow> = rows
        .iter()
        .filter(|r| r.date < opts.as_of && r.score().is_some())
        .filter(|r| opts.leagues.is_empty() || opts.leagues.contains(&r.league))
        .cloned()
        .collect();
    if history.is_empty() {
        return Err(TrainError::NoHistory(opts.as_of));
    }
    let seasons: BTreeSet<&str> = history.iter().map(|r| r.season.as_str()).collect();
    // Validation needs at least one season before it to fit on.
    let validation: Vec<String> =
        seasons.iter().skip(1).rev().take(opts.validation_seasons).rev().map(|s| s.to_string()).collect();

    let mut trials = Vec::new();
    let mut chosen = SuiteParams::default();
    let mut weights = Weights::equal(&MEMBERS);
    let mut market_weights = Weights::equal(&backtest::market_members());
    let mut blend_weights = BTreeMap::new();
    let mut value_rule = None;
    let mut verdict = None;
    let mut scores = serde_json::Map::new();
    if !validation.is_empty() {
        let config = |params: SuiteParams| BacktestConfig {
            leagues: opts.leagues.clone(),
            test_seasons: validation.clone(),
            warmup_seasons: 1,
            params,
            min_ensemble_matches: 50,
            ..BacktestConfig::default()
        };
        if opts.search {
            for (xi, k, ha, l2) in GRID {
                if opts.cancel.is_set() {
                    return Err(TrainError::Cancelled);
                }
                let report = backtest::run(&history, &config(params_of(xi, k, ha, l2)), |_, _| {})?;
                trials.push(Trial {
                    xi,
                    elo_k: k,
                    elo_home_advantage: ha,
                    learned_l2: l2,
                    dixon_coles_rps: pooled_rps(&report, "dixon_coles"),
                    elo_rps: pooled_rps(&report, "elo"),
                    learned_rps: pooled_rps(&report, "learned"),
                });
            }
            let best = |score: fn(&Trial) -> f64| trials.iter().min_by(|a, b| score(a).total_cmp(&score(b)));
            if let (Some(x), Some(e), Some(l)) =
                (best(|t| t.dixon_coles_rps), best(|t| t.elo_rps), best(|t| t.learned_rps))
            {
                chosen = params_of(x.xi, e.elo_k, e.elo_home_advantage, l.learned_l2);
            }
        }
        let report = backtest::run(&history, &config(chosen.clone()), |_, _| {})?;
        for s in report.scores.iter().filter(|s| s.league == "all") {
            scores.insert(s.model.clone(), serde_json::to_value(s.scores).unwrap_or_default());
        }
        if let Some(w) = report.weights.get(ENSEMBLE) {
            weights = w.clone();
        }
        if let Some(w) = report.weights.get(ENSEMBLE_MARKET) {
            market_weights = w.clone();
        }
        blend_weights = report.blend_weights.clone();
        value_rule = report.value_rule.current.clone();
        verdict = Some(report.value_rule.verdict.clone());
    }

    let mut leagues: BTreeMap<String, LeagueModel> = BTreeMap::new();
    let mut by_league: BTreeMap<&str, Vec<&MatchRow>> = BTreeMap::new();
    for r in &history {
        by_league.entry(r.league.as_str()).or_default().push(r);
    }
    for (league, matches) in by_league {
        let mut teams: HashMap<i64, u32> = HashMap::new();
        let mut index = |id: i64| {
            let next = teams.len() as u32;
            *teams.entry(id).or_insert(next)
        };
        let records: Vec<MatchRecord> = matches
            .iter()
            .filter_map(|r| {
                let (home, away) = (index(r.home_id), index(r.away_id));
                r.record(home, away)
            })
            .collect();
        let suite = Suite::fit(&records, opts.as_of, &chosen)?;
        leagues.insert(league.to_owned(), LeagueModel { teams, suite });
    }
    let metrics = json!({
        "as_of": opts.as_of,
        "trained_on": history.len(),
        "validation_seasons": validation,
        "scores": scores,
        "search": trials,
        "value_rule": { "rule": value_rule, "verdict": verdict },
    });
    Ok(Trained {
        model: TrainedModel {
            as_of: opts.as_of,
            params: chosen,
            leagues,
            weights,
            market_weights,
            blend_weights,
            value_rule,
        },
        metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_before_the_cut_off_is_an_error() {
        let opts = TrainOptions {
            leagues: vec![],
            as_of: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            search: false,
            validation_seasons: 1,
            cancel: Cancel::default(),
        };
        assert!(matches!(train(&[], &opts), Err(TrainError::NoHistory(_))));
    }

    /// A search whose waiter is gone stops before its next trial.
    #[test]
    fn a_cancelled_search_stops() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2022, 1, d).unwrap();
        let row = |season: &str, d: u32| MatchRow {
            id: i64::from(d),
            league: "E0".into(),
            season: season.into(),
            kickoff: day(d).and_hms_opt(15, 0, 0).unwrap().and_utc(),
            date: day(d),
            home_id: 1,
            away_id: 2,
            home: "A".into(),
            away: "B".into(),
            status: "finished".into(),
            home_goals: Some(1),
            away_goals: Some(0),
            home_xg: None,
            away_xg: None,
            home_shots: None,
            away_shots: None,
            prices: Default::default(),
        };
        let rows: Vec<MatchRow> = (1..20).flat_map(|d| [row("2020-21", d), row("2021-22", d)]).collect();
        let cancel = Cancel::default();
        let guard = cancel.on_drop();
        drop(guard);
        let opts =
            TrainOptions { leagues: vec![], as_of: day(28), search: true, validation_seasons: 1, cancel };
        assert!(matches!(train(&rows, &opts), Err(TrainError::Cancelled)));
    }

    #[test]
    fn the_grid_varies_what_it_searches() {
        let p = params_of(0.0036, 30.0, 80.0, 0.03);
        assert_eq!(
            (p.poisson.xi, p.dixon_coles.xi, p.elo.k, p.elo.home_advantage, p.learned.l2),
            (0.0036, 0.0036, 30.0, 80.0, 0.03)
        );
    }
}
