//! The hyper-parameter search: each model family's parameters tuned by a sequential
//! model-based search (TPE, the sampler Optuna uses by default), every trial scored by
//! the family's walk-forward RPS on the validation seasons.
//!
//! Families are searched one at a time, each on its own forecasts: a trial refits only
//! that model, week by week, so a trial of Elo costs a walk over the history and not a
//! whole suite's backtest. The first trial is the defaults (the search never returns
//! worse than them on validation), the next few are uniform, and the rest come from the
//! TPE's model of which values scored well. Every trial is kept and stored with the
//! model version.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use tpe_rand::SeedableRng;

use super::{Cancel, TrainError};
use crate::backtest::week_of;
use crate::history::MatchRow;
use predict::bivariate::{Bivariate, BivariateParams};
use predict::data::{MatchRecord, Outcome};
use predict::dixon_coles::{DixonColes, DixonColesParams};
use predict::elo::{Elo, EloParams};
use predict::learned::{Learned, LearnedParams};
use predict::metrics;
use predict::model::{Fixture, Model};
use predict::pi_ratings::{PiParams, PiRatings};
use predict::poisson::{Poisson, PoissonParams};
use predict::suite::SuiteParams;
use predict::xg_ratings::{XgParams, XgRatings};

/// Trials per family by default; the learned model, whose fits train a network, gets a
/// quarter of them.
pub const TRIALS: usize = 16;

/// Trials drawn uniformly before the TPE takes over (after the defaults).
const STARTUP: usize = 4;

/// One searched parameter: its range, searched on a log scale when `log`.
#[derive(Debug, Clone, Copy)]
struct Dimension {
    name: &'static str,
    low: f64,
    high: f64,
    log: bool,
}

impl Dimension {
    const fn linear(name: &'static str, low: f64, high: f64) -> Self {
        Self { name, low, high, log: false }
    }

    const fn log(name: &'static str, low: f64, high: f64) -> Self {
        Self { name, low, high, log: true }
    }

    /// The search's coordinate of `v`, kept inside the range.
    fn coordinate(self, v: f64) -> f64 {
        let (lo, hi, v) =
            if self.log { (self.low.ln(), self.high.ln(), v.ln()) } else { (self.low, self.high, v) };
        // The TPE's range is half-open: stay just below its end.
        v.clamp(lo, hi - (hi - lo) * 1e-9)
    }

    fn value_at(self, u: f64) -> f64 {
        if self.log { u.exp() } else { u }
    }

    fn bounds(self) -> (f64, f64) {
        if self.log { (self.low.ln(), self.high.ln()) } else { (self.low, self.high) }
    }
}

/// One trial: the family, the values it tried, and its walk-forward score.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    pub model: &'static str,
    pub params: BTreeMap<&'static str, f64>,
    /// Mean RPS over the validation matches the family could forecast.
    pub rps: f64,
    pub matches: usize,
}

/// One league's validation protocol: its matches as model records, and each validation
/// week's Monday with the matches of that week.
pub(super) struct Fold {
    records: Vec<MatchRecord>,
    weeks: Vec<(NaiveDate, Vec<MatchRecord>)>,
}

/// The folds of `history` (finished matches before the cut-off) for `validation` seasons.
pub(super) fn folds(history: &[MatchRow], validation: &[String]) -> Vec<Fold> {
    let mut by_league: BTreeMap<&str, Vec<&MatchRow>> = BTreeMap::new();
    for r in history {
        by_league.entry(r.league.as_str()).or_default().push(r);
    }
    let mut out = Vec::new();
    for rows in by_league.values() {
        let mut teams: HashMap<i64, u32> = HashMap::new();
        let mut index = |id: i64| {
            let next = teams.len() as u32;
            *teams.entry(id).or_insert(next)
        };
        let mut records = Vec::new();
        let mut weeks: BTreeMap<NaiveDate, Vec<MatchRecord>> = BTreeMap::new();
        for r in rows {
            let (home, away) = (index(r.home_id), index(r.away_id));
            let Some(m) = r.record(home, away) else { continue };
            records.push(m);
            if validation.contains(&r.season) {
                weeks.entry(week_of(m.date)).or_default().push(m);
            }
        }
        if !weeks.is_empty() {
            out.push(Fold { records, weeks: weeks.into_iter().collect() });
        }
    }
    out
}

/// `M`'s walk-forward RPS over the folds: refitted before each validation week on
/// everything earlier, scored on the week's matches between teams it has seen.
fn walk_forward<M: Model>(folds: &[Fold], params: &M::Params) -> Result<(f64, usize), TrainError> {
    let (mut forecasts, mut outcomes): (Vec<[f64; 3]>, Vec<Outcome>) = (Vec::new(), Vec::new());
    for fold in folds {
        for (monday, matches) in &fold.weeks {
            let known: BTreeSet<u32> =
                fold.records.iter().filter(|m| m.date < *monday).flat_map(|m| [m.home, m.away]).collect();
            // Too little history for this family (the first weeks of a league): skip
            // the week, as the backtest does.
            let Ok(model) = M::fit(&fold.records, *monday, params) else { continue };
            for m in matches.iter().filter(|m| known.contains(&m.home) && known.contains(&m.away)) {
                let p = model.predict_fixture(&Fixture::of(m)).probs();
                if p.iter().all(|x| x.is_finite()) {
                    forecasts.push(p);
                    outcomes.push(m.outcome());
                }
            }
        }
    }
    if forecasts.is_empty() {
        return Ok((f64::INFINITY, 0));
    }
    Ok((metrics::evaluate(&forecasts, &outcomes)?.rps, forecasts.len()))
}

/// The sequential search over `dims` for `budget` trials, starting from `defaults`; `score` evaluates a
/// point. Returns every trial's point and score, in order.
fn sequential(
    dims: &[Dimension],
    defaults: &[f64],
    budget: usize,
    seed: u64,
    cancel: &Cancel,
    mut score: impl FnMut(&[f64]) -> Result<(f64, usize), TrainError>,
) -> Result<Vec<(Vec<f64>, f64, usize)>, TrainError> {
    let mut rng = tpe_rand::rngs::StdRng::seed_from_u64(seed);
    let mut optimisers = dims
        .iter()
        .map(|d| {
            let (lo, hi) = d.bounds();
            tpe::range(lo, hi).map(|r| tpe::TpeOptimizer::new(tpe::parzen_estimator(), r))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TrainError::Search(e.to_string()))?;
    let mut trials = Vec::new();
    for t in 0..budget.max(1) {
        if cancel.is_set() {
            return Err(TrainError::Cancelled);
        }
        let units: Vec<f64> = if t == 0 {
            dims.iter().zip(defaults).map(|(d, v)| d.coordinate(*v)).collect()
        } else if t <= STARTUP {
            dims.iter()
                .map(|d| {
                    let (lo, hi) = d.bounds();
                    lo + (hi - lo) * tpe_rand::RngExt::random::<f64>(&mut rng)
                })
                .collect()
        } else {
            let mut u = Vec::with_capacity(dims.len());
            for o in &mut optimisers {
                u.push(o.ask(&mut rng).map_err(|e| TrainError::Search(e.to_string()))?);
            }
            u
        };
        let point: Vec<f64> = dims.iter().zip(&units).map(|(d, u)| d.value_at(*u)).collect();
        let (rps, n) = score(&point)?;
        // A family that forecast nothing scores worst, not NaN.
        let told = if rps.is_finite() { rps } else { f64::MAX };
        for (o, u) in optimisers.iter_mut().zip(&units) {
            o.tell(*u, told).map_err(|e| TrainError::Search(e.to_string()))?;
        }
        trials.push((point, rps, n));
    }
    Ok(trials)
}

/// What every family's search shares: the folds, the budget, the cancel flag, and the
/// trials so far.
struct Run<'a> {
    folds: &'a [Fold],
    budget: usize,
    cancel: &'a Cancel,
    trials: Vec<Trial>,
}

impl Run<'_> {
    /// Searches `M`'s parameters `dims`, read from a parameter set by `get` and written
    /// into one by `set`, starting from `base`.
    fn family<M: Model>(
        &mut self,
        name: &'static str,
        dims: &[Dimension],
        base: &M::Params,
        get: impl Fn(&M::Params) -> Vec<f64>,
        set: impl Fn(&mut M::Params, &[f64]),
    ) -> Result<M::Params, TrainError> {
        self.family_with_budget::<M>(name, dims, base, get, set, self.budget)
    }

    /// Searches a goal model's decay, ridge and promoted-team prior.
    fn goal_family<M: Model>(&mut self, name: &'static str, base: &M::Params) -> Result<M::Params, TrainError>
    where
        M::Params: GoalKnobs,
    {
        self.family::<M>(name, &[DECAY, RIDGE, PROMOTED], base, GoalKnobs::knobs, GoalKnobs::set_knobs)
    }

    fn family_with_budget<M: Model>(
        &mut self,
        name: &'static str,
        dims: &[Dimension],
        base: &M::Params,
        get: impl Fn(&M::Params) -> Vec<f64>,
        set: impl Fn(&mut M::Params, &[f64]),
        budget: usize,
    ) -> Result<M::Params, TrainError> {
        let seed = name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let folds = self.folds;
        let runs = sequential(dims, &get(base), budget, seed, self.cancel, |point| {
            let mut p = base.clone();
            set(&mut p, point);
            walk_forward::<M>(folds, &p)
        })?;
        let mut best: Option<(f64, &Vec<f64>)> = None;
        for (point, rps, n) in &runs {
            self.trials.push(Trial {
                model: name,
                params: dims.iter().map(|d| d.name).zip(point.iter().copied()).collect(),
                rps: *rps,
                matches: *n,
            });
            if best.is_none_or(|(b, _)| *rps < b) {
                best = Some((*rps, point));
            }
        }
        let mut chosen = base.clone();
        if let Some((_, point)) = best {
            set(&mut chosen, point);
        }
        Ok(chosen)
    }
}

/// The time decay, ridge and promoted-team prior every goal model has.
trait GoalKnobs {
    fn knobs(&self) -> Vec<f64>;
    fn set_knobs(&mut self, v: &[f64]);
}

macro_rules! goal_knobs {
    ($($t:ty),*) => {$(
        impl GoalKnobs for $t {
            fn knobs(&self) -> Vec<f64> {
                vec![self.xi, self.ridge, self.promoted_prior]
            }

            fn set_knobs(&mut self, v: &[f64]) {
                (self.xi, self.ridge, self.promoted_prior) = (v[0], v[1], v[2]);
            }
        }
    )*};
}

goal_knobs!(PoissonParams, DixonColesParams, BivariateParams);

const DECAY: Dimension = Dimension::linear("xi", 0.0, 0.006);
const RIDGE: Dimension = Dimension::log("ridge", 1e-3, 3.0);
const PROMOTED: Dimension = Dimension::linear("promoted_prior", 0.0, 12.0);

/// Searches every family of the suite on `folds`, `budget` trials each; returns the
/// chosen parameters and every trial.
pub(super) fn search(
    folds: &[Fold],
    budget: usize,
    cancel: &Cancel,
) -> Result<(SuiteParams, Vec<Trial>), TrainError> {
    let base = SuiteParams::default();
    let mut run = Run { folds, budget, cancel, trials: Vec::new() };
    let poisson = run.goal_family::<Poisson>("poisson", &base.poisson)?;
    let dixon_coles = run.goal_family::<DixonColes>("dixon_coles", &base.dixon_coles)?;
    let bivariate = run.goal_family::<Bivariate>("bivariate", &base.bivariate)?;
    let elo = run.family::<Elo>(
        "elo",
        &[Dimension::linear("k", 5.0, 50.0), Dimension::linear("home_advantage", 0.0, 150.0)],
        &base.elo,
        |p: &EloParams| vec![p.k, p.home_advantage],
        |p, v| (p.k, p.home_advantage) = (v[0], v[1]),
    )?;
    let pi_ratings = run.family::<PiRatings>(
        "pi_ratings",
        &[Dimension::log("learning_rate", 0.005, 0.2), Dimension::linear("cross_venue", 0.0, 1.0)],
        &base.pi_ratings,
        |p: &PiParams| vec![p.learning_rate, p.cross_venue],
        |p, v| (p.learning_rate, p.cross_venue) = (v[0], v[1]),
    )?;
    let xg_ratings = run.family::<XgRatings>(
        "xg_ratings",
        &[Dimension::linear("goal_weight", 0.0, 1.0), DECAY, RIDGE, PROMOTED],
        &base.xg_ratings,
        |p: &XgParams| vec![p.goal_weight, p.xi, p.ridge, p.promoted_prior],
        |p, v| (p.goal_weight, p.xi, p.ridge, p.promoted_prior) = (v[0], v[1], v[2], v[3]),
    )?;
    let learned = run.family_with_budget::<Learned>(
        "learned",
        &[Dimension::log("l2", 1e-4, 0.3)],
        &base.learned,
        |p: &LearnedParams| vec![p.l2],
        |p, v| p.l2 = v[0],
        budget.div_ceil(4),
    )?;
    Ok((SuiteParams { poisson, dixon_coles, elo, learned, pi_ratings, bivariate, xg_ratings }, run.trials))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    /// On a smooth objective the TPE finds a minimum the uniform start alone misses,
    /// trial one is the defaults, and every trial stays in range.
    #[test]
    fn tpe_converges_and_starts_from_the_defaults() {
        let dims = [Dimension::log("a", 1e-3, 1.0), Dimension::linear("b", -5.0, 5.0)];
        let target = |p: &[f64]| (p[0].ln() - 0.05f64.ln()).powi(2) + (p[1] - 1.5).powi(2);
        let runs =
            sequential(&dims, &[0.5, -4.0], 60, 7, &Cancel::default(), |p| Ok((target(p), 1))).unwrap();
        assert_eq!(runs.len(), 60);
        assert_eq!(runs[0].0, vec![0.5, -4.0]);
        for (p, _, _) in &runs {
            assert!((1e-3..1.0).contains(&p[0]) && (-5.0..5.0).contains(&p[1]), "{p:?}");
        }
        let best = |rs: &[(Vec<f64>, f64, usize)]| rs.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
        assert!(best(&runs) < 0.05, "{}", best(&runs));
        assert!(best(&runs) < best(&runs[..=STARTUP]));
        // Deterministic: the same seed tries the same points.
        let again =
            sequential(&dims, &[0.5, -4.0], 60, 7, &Cancel::default(), |p| Ok((target(p), 1))).unwrap();
        assert_eq!(
            runs.iter().map(|r| r.1).collect::<Vec<_>>(),
            again.iter().map(|r| r.1).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_cancelled_search_stops_before_its_next_trial() {
        let cancel = Cancel::default();
        let mut calls = 0;
        let out = sequential(&[Dimension::linear("a", 0.0, 1.0)], &[0.5], 10, 1, &cancel, |_| {
            calls += 1;
            cancel.set();
            Ok((1.0, 1))
        });
        assert!(matches!(out, Err(TrainError::Cancelled)));
        assert_eq!(calls, 1);
    }

    /// Folds hold the validation weeks only, with every earlier match to fit on; a
    /// family's walk-forward score ignores matches between teams it has not seen.
    #[test]
    fn folds_and_walk_forward() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        use crate::backtest::sample::row;
        let mut rows = Vec::new();
        for k in 0..30 {
            let date = d(2022, 9, 1) + Duration::days(7 * k);
            rows.push(row(k, "2022-23", date, k % 4, (k + 1) % 4, 2, (k % 3) as i32));
        }
        for k in 0..10 {
            let date = d(2023, 9, 4) + Duration::days(7 * k);
            rows.push(row(100 + k, "2023-24", date, k % 4, (k + 2) % 4, 1, 1));
        }
        rows.push(row(200, "2023-24", d(2023, 9, 5), 0, 9, 1, 0));
        let f = folds(&rows, &["2023-24".to_owned()]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].records.len(), 41);
        assert_eq!(f[0].weeks.len(), 10);
        let (rps, n) = walk_forward::<Elo>(&f, &EloParams::default()).unwrap();
        assert_eq!(n, 10, "team 9 was never seen before its match");
        assert!(rps.is_finite() && rps > 0.0);
        let (_, trials) = search(&f, 2, &Cancel::default()).unwrap();
        let families: BTreeSet<&str> = trials.iter().map(|t| t.model).collect();
        assert_eq!(families.len(), 7, "{families:?}");
        assert!(trials.iter().all(|t| t.matches == 10 || t.model == "learned"));
    }
}
