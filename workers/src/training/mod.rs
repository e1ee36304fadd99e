//! Training: a hyper-parameter search by walk-forward validation, then every league's
//! models fitted on all history before the cut-off day, ready to register.
//!
//! The search ([`search`]) tunes each model family on its own walk-forward RPS over the
//! validation seasons (the latest before the cut-off). The ensemble's weights, the
//! market blend's weight per league and the value-bet rule are then fitted by a
//! walk-forward backtest of the chosen parameters over the same seasons, on its
//! out-of-sample forecasts.

pub mod search;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde_json::json;

use crate::backtest::rule::RuleSearch;
use crate::backtest::{self, BacktestConfig, BacktestError, ENSEMBLE_MARKET};
use crate::history::MatchRow;
use crate::registry::{LeagueModel, TrainedModel};
use predict::PredictError;
use predict::data::MatchRecord;
use predict::ensemble::Weights;
use predict::suite::{ENSEMBLE, MEMBERS, Suite, SuiteParams};

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Division codes; empty means every league in the data.
    pub leagues: Vec<String>,
    /// Fit on matches strictly before this day.
    pub as_of: NaiveDate,
    /// Run the hyper-parameter search (otherwise the defaults).
    pub search: bool,
    /// Trials per model family when searching ([`search::TRIALS`] by default).
    pub trials: usize,
    /// How the value-bet rule is chosen: the deployment's bookable prices and stakes
    /// ([`RuleSearch::from_settings`]).
    pub rule: RuleSearch,
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
    #[error("hyper-parameter search: {0}")]
    Search(String),
}

/// A trained model and what its validation found.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: TrainedModel,
    pub metrics: serde_json::Value,
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
            rule: opts.rule.clone(),
            ..BacktestConfig::default()
        };
        if opts.search {
            (chosen, trials) =
                search::search(&search::folds(&history, &validation), opts.trials, &opts.cancel)?;
        }
        if opts.cancel.is_set() {
            return Err(TrainError::Cancelled);
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
            trials: 0,
            rule: RuleSearch::default(),
            validation_seasons: 1,
            cancel: Cancel::default(),
        };
        assert!(matches!(train(&[], &opts), Err(TrainError::NoHistory(_))));
    }

    /// A search whose waiter is gone stops before its next trial.
    #[test]
    fn a_cancelled_search_stops() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2022, 1, d).unwrap();
        let row =
            |season: &str, d: u32| crate::backtest::sample::row(i64::from(d), season, day(d), 1, 2, 1, 0);
        let rows: Vec<MatchRow> = (1..20).flat_map(|d| [row("2020-21", d), row("2021-22", d)]).collect();
        let cancel = Cancel::default();
        let guard = cancel.on_drop();
        drop(guard);
        let opts = TrainOptions {
            leagues: vec![],
            as_of: day(28),
            search: true,
            trials: 4,
            rule: RuleSearch::default(),
            validation_seasons: 1,
            cancel,
        };
        assert!(matches!(train(&rows, &opts), Err(TrainError::Cancelled)));
    }

    /// The search tries every family, keeps its trials in the metrics stored with the
    /// version, and trains with each family's best trial.
    #[test]
    fn the_search_keeps_its_trials_and_trains_with_the_best() {
        let rows = crate::backtest::sample::league(8);
        let opts = TrainOptions {
            leagues: vec![],
            as_of: NaiveDate::from_ymd_opt(2024, 7, 1).unwrap(),
            search: true,
            trials: 6,
            rule: RuleSearch::default(),
            validation_seasons: 1,
            cancel: Cancel::default(),
        };
        let t = train(&rows, &opts).unwrap();
        let trials = t.metrics["search"].as_array().unwrap();
        let count = |model: &str| trials.iter().filter(|x| x["model"] == model).count();
        for model in ["poisson", "dixon_coles", "bivariate", "elo", "pi_ratings", "xg_ratings"] {
            assert_eq!(count(model), 6, "{model}");
        }
        assert_eq!(count("learned"), 2);
        let best = |model: &str| {
            trials
                .iter()
                .filter(|x| x["model"] == model)
                .min_by(|a, b| a["rps"].as_f64().unwrap().total_cmp(&b["rps"].as_f64().unwrap()))
                .unwrap()
        };
        let p = &t.model.params;
        assert_eq!(best("dixon_coles")["params"]["xi"].as_f64().unwrap(), p.dixon_coles.xi);
        assert_eq!(best("elo")["params"]["k"].as_f64().unwrap(), p.elo.k);
        assert_eq!(best("pi_ratings")["params"]["cross_venue"].as_f64().unwrap(), p.pi_ratings.cross_venue);
        // The trials differ: a search, not the defaults six times.
        let xis: BTreeSet<String> = trials
            .iter()
            .filter(|x| x["model"] == "poisson")
            .map(|x| x["params"]["xi"].to_string())
            .collect();
        assert!(xis.len() > 3, "{xis:?}");
    }
}
