//! Walk-forward backtests: every model and the bookmakers' lines scored on the same
//! matches, week by week, as they would have been forecast at the time.
//!
//! For each week (Monday to Sunday) and league, the models are refitted on every earlier
//! match of that league (strictly before the Monday: never on a match's own day or
//! later) and forecast the week's matches. The ensemble's weights are refitted each week
//! on the members' forecasts of all earlier weeks (the warm-up seasons first), so they
//! too only know the past. A match is scored when both teams have played in the
//! training window; every model and baseline is scored on exactly those matches.

pub mod report;
pub mod rule;
#[cfg(test)]
pub(crate) mod sample;
pub mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::history::{MatchRow, fair};
use predict::PredictError;
use predict::blend;
use predict::data::{MatchRecord, Outcome};
use predict::ensemble::{self, Weights};
use predict::metrics::{self, CalibrationBin, Scores};
use predict::suite::{ENSEMBLE, MEMBERS, Suite, SuiteParams};

/// The ensemble that also weighs the market's pre-closing line.
pub const ENSEMBLE_MARKET: &str = "ensemble_market";

/// The market's member of [`ENSEMBLE_MARKET`]: the pre-closing average line.
pub const MARKET_MEMBER: &str = "market_avg_opening";

/// The results-only ensemble pooled with the margin-free pre-closing line (Pinnacle's,
/// else the market average's), its weight fitted per league on earlier weeks: the
/// probability value bets are judged on.
pub const BLEND: &str = "blend";

/// The members of [`ENSEMBLE_MARKET`], in forecast order.
pub fn market_members() -> Vec<&'static str> {
    MEMBERS.iter().copied().chain([MARKET_MEMBER]).collect()
}

/// The bookmaker lines scored beside the models: `(name, book, closing, Shin)`.
const BASELINES: [(&str, &str, bool, bool); 8] = [
    ("market_avg_closing", "market_avg", true, false),
    ("market_avg_closing_shin", "market_avg", true, true),
    ("pinnacle_closing", "pinnacle", true, false),
    ("pinnacle_closing_shin", "pinnacle", true, true),
    ("market_avg_opening", "market_avg", false, false),
    ("market_avg_opening_shin", "market_avg", false, true),
    ("pinnacle_opening", "pinnacle", false, false),
    ("pinnacle_opening_shin", "pinnacle", false, true),
];

/// What to backtest.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestConfig {
    /// Division codes; empty means every league in the data.
    pub leagues: Vec<String>,
    /// Seasons scored (`2023-24`).
    pub test_seasons: Vec<String>,
    /// Seasons before the first test season forecast but not scored, so the ensemble
    /// has out-of-sample forecasts to fit its weights on from the first test week.
    pub warmup_seasons: usize,
    pub params: SuiteParams,
    pub value: value::ValueConfig,
    /// How the value-bet rule is chosen and judged.
    pub rule: rule::RuleSearch,
    /// Bins of the calibration tables.
    pub calibration_bins: usize,
    /// Earlier forecasts needed before the ensemble weights are fitted (equal before).
    pub min_ensemble_matches: usize,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        Self {
            leagues: Vec::new(),
            test_seasons: Vec::new(),
            warmup_seasons: 1,
            params: SuiteParams::default(),
            value: value::ValueConfig::default(),
            rule: rule::RuleSearch::default(),
            calibration_bins: 10,
            min_ensemble_matches: 200,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("no finished match of the test seasons {0:?} in the data")]
    NothingToScore(Vec<String>),
    #[error(transparent)]
    Predict(#[from] PredictError),
}

/// One scored match: every forecast of it.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub match_id: i64,
    pub league: String,
    pub season: String,
    pub date: NaiveDate,
    pub home: String,
    pub away: String,
    pub outcome: Outcome,
    /// Forecasts by model or baseline name.
    pub forecasts: BTreeMap<String, [f64; 3]>,
    /// Whether the match belongs to a test season (warm-up matches are not scored).
    pub scored: bool,
}

/// The scores of one model on one slice of the matches.
#[derive(Debug, Clone, Serialize)]
pub struct ModelScores {
    pub model: String,
    /// League code, or `all`.
    pub league: String,
    pub scores: Scores,
}

/// Everything a backtest found.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestReport {
    pub config: BacktestConfig,
    /// Per model and league, then pooled (`league = "all"`).
    pub scores: Vec<ModelScores>,
    /// Pooled, on the matches of promoted teams' first ten of their season only.
    pub promoted: Vec<ModelScores>,
    /// Pooled calibration per model, the three outcomes together.
    pub calibration: BTreeMap<String, Vec<CalibrationBin>>,
    pub value_bets: Vec<value::ValueSummary>,
    /// Cumulative profit (units) of the Kelly-staked bets of each model, bet by bet.
    pub profit_curves: value::ProfitCurves,
    /// The value-bet rule chosen walk-forward, and how its bets did.
    pub value_rule: rule::RuleReport,
    /// The ensembles' last weights.
    pub weights: BTreeMap<String, Weights>,
    /// The model's last weight in each league's [`BLEND`] (0: the market's line alone).
    pub blend_weights: BTreeMap<String, f64>,
    /// Forecasts a member could not make (a fit on too little data), by member; the
    /// ensemble used the other members' mean in their place.
    pub invalid_forecasts: BTreeMap<String, usize>,
    pub matches: Vec<Scored>,
}

/// The Monday of `d`'s week.
pub fn week_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Teams of one league as dense indices.
#[derive(Default)]
struct Teams(HashMap<i64, u32>);

impl Teams {
    fn index(&mut self, id: i64) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(id).or_insert(next)
    }
}

/// One league's teams and its matches as model records.
type LeagueHistory<'a> = (Teams, Vec<(&'a MatchRow, MatchRecord)>);

/// Runs the backtest over `rows` (finished matches of every season, any order);
/// `progress(done, total)` is called after each week.
pub fn run(
    rows: &[MatchRow],
    config: &BacktestConfig,
    mut progress: impl FnMut(usize, usize),
) -> Result<BacktestReport, BacktestError> {
    let in_leagues = |r: &&MatchRow| config.leagues.is_empty() || config.leagues.contains(&r.league);
    let finished: Vec<&MatchRow> = rows.iter().filter(in_leagues).filter(|r| r.score().is_some()).collect();
    // Seasons forecast: the test seasons and the warm-up seasons just before them.
    let seasons: BTreeSet<&str> = finished.iter().map(|r| r.season.as_str()).collect();
    let first_test = config.test_seasons.iter().min().map(String::as_str).unwrap_or("");
    let warmup: Vec<&str> =
        seasons.iter().copied().filter(|s| *s < first_test).rev().take(config.warmup_seasons).collect();
    let forecast_season = |s: &str| config.test_seasons.iter().any(|t| t == s) || warmup.contains(&s);

    let mut leagues: BTreeMap<&str, LeagueHistory> = BTreeMap::new();
    for r in &finished {
        let (teams, records) = leagues.entry(r.league.as_str()).or_default();
        let (home, away) = (teams.index(r.home_id), teams.index(r.away_id));
        let Some(record) = r.record(home, away) else { continue };
        records.push((*r, record));
    }
    let weeks: BTreeSet<NaiveDate> =
        finished.iter().filter(|r| forecast_season(&r.season)).map(|r| week_of(r.date)).collect();
    if !finished.iter().any(|r| config.test_seasons.contains(&r.season)) {
        return Err(BacktestError::NothingToScore(config.test_seasons.clone()));
    }

    let mut matches: Vec<Scored> = Vec::new();
    let mut member_pool: Vec<Vec<[f64; 3]>> = Vec::new();
    let mut market_pool: Vec<Vec<[f64; 3]>> = Vec::new();
    let mut outcome_pool: Vec<Outcome> = Vec::new();
    let market_members = market_members();
    let mut weights = Weights::equal(&MEMBERS);
    let mut market_weights = Weights::equal(&market_members);
    let total = weeks.len();
    let mut invalid: BTreeMap<String, usize> = BTreeMap::new();
    let mut blend_pool: BTreeMap<String, Vec<blend::Sample>> = BTreeMap::new();
    let mut blend_weights: BTreeMap<String, f64> = BTreeMap::new();
    for (done, monday) in weeks.iter().copied().enumerate() {
        // Weights from every earlier week only.
        if outcome_pool.len() >= config.min_ensemble_matches.max(1) {
            weights = ensemble::fit_logarithmic(&MEMBERS, &member_pool, &outcome_pool)?;
            market_weights = ensemble::fit_logarithmic(&market_members, &market_pool, &outcome_pool)?;
        }
        for (league, samples) in &blend_pool {
            blend_weights.insert(league.clone(), blend::fit(samples)?);
        }
        let mut blended_this_week = Vec::new();
        let next_monday = monday + Duration::days(7);
        let mut this_week = Vec::new();
        for (_, records) in leagues.values() {
            let targets: Vec<&(&MatchRow, MatchRecord)> = records
                .iter()
                .filter(|(r, m)| m.date >= monday && m.date < next_monday && forecast_season(&r.season))
                .collect();
            if targets.is_empty() {
                continue;
            }
            let history: Vec<MatchRecord> =
                records.iter().map(|(_, m)| *m).filter(|m| m.date < monday).collect();
            let known: BTreeSet<u32> = history.iter().flat_map(|m| [m.home, m.away]).collect();
            let Ok(suite) = Suite::fit(&history, monday, &config.params) else { continue };
            for (row, m) in targets {
                if !known.contains(&m.home) || !known.contains(&m.away) {
                    continue;
                }
                let f = suite.forecast(m.date, m.home, m.away, &weights);
                for name in &f.invalid {
                    *invalid.entry(name.to_string()).or_default() += 1;
                }
                let mut forecasts: BTreeMap<String, [f64; 3]> =
                    MEMBERS.iter().map(|n| n.to_string()).zip(f.members.iter().copied()).collect();
                forecasts.insert(ENSEMBLE.to_owned(), f.ensemble);
                for (name, book, closing, shin) in BASELINES {
                    let line =
                        row.prices.book(book).and_then(|l| if closing { l.closing } else { l.opening });
                    if let Some(p) = fair(line, shin) {
                        forecasts.insert(name.to_owned(), p);
                    }
                }
                // The market member: the pre-closing average line, or the models' own
                // ensemble when a match has none (so the member set stays whole).
                let market = forecasts.get(MARKET_MEMBER).copied().unwrap_or(f.ensemble);
                let mut with_market = f.members.clone();
                with_market.push(market);
                forecasts.insert(
                    ENSEMBLE_MARKET.to_owned(),
                    market_weights.combine(&market_members, &with_market),
                );
                if let Some(line) = pre_closing_line(row) {
                    let w = blend_weights.get(&row.league).copied().unwrap_or(0.0);
                    forecasts.insert(BLEND.to_owned(), blend::pool(f.ensemble, line, w));
                    blended_this_week.push((row.league.clone(), (f.ensemble, line, m.outcome())));
                }
                this_week.push((f.members, with_market, m.outcome()));
                matches.push(Scored {
                    match_id: row.id,
                    league: row.league.clone(),
                    season: row.season.clone(),
                    date: m.date,
                    home: row.home.clone(),
                    away: row.away.clone(),
                    outcome: m.outcome(),
                    forecasts,
                    scored: config.test_seasons.contains(&row.season),
                });
            }
        }
        for (league, sample) in blended_this_week {
            blend_pool.entry(league).or_default().push(sample);
        }
        for (members, with_market, outcome) in this_week {
            member_pool.push(members);
            market_pool.push(with_market);
            outcome_pool.push(outcome);
        }
        progress(done + 1, total);
    }
    let mut final_weights = BTreeMap::new();
    final_weights.insert(ENSEMBLE.to_owned(), weights);
    final_weights.insert(ENSEMBLE_MARKET.to_owned(), market_weights);
    let mut report = report::assemble(config, matches, final_weights, rows)?;
    report.invalid_forecasts = invalid;
    report.blend_weights = blend_weights;
    Ok(report)
}

/// The market's margin-free pre-closing line a blend pools with: Pinnacle's (the
/// sharpest book), else the market average's, by Shin's method.
pub fn pre_closing_line(row: &MatchRow) -> Option<[f64; 3]> {
    fair(row.prices.pinnacle.opening, true).or_else(|| fair(row.prices.average.opening, true))
}

/// Scores of every model on the scored matches: per league, then pooled.
fn score_all(matches: &[Scored]) -> Result<Vec<ModelScores>, PredictError> {
    let scored: Vec<&Scored> = matches.iter().filter(|m| m.scored).collect();
    let models: BTreeSet<&str> = scored.iter().flat_map(|m| m.forecasts.keys().map(String::as_str)).collect();
    let leagues: BTreeSet<&str> = scored.iter().map(|m| m.league.as_str()).collect();
    let mut out = Vec::new();
    for model in models {
        for league in leagues.iter().copied().chain(["all"]) {
            let (f, o): (Vec<[f64; 3]>, Vec<Outcome>) = scored
                .iter()
                .filter(|m| league == "all" || m.league == league)
                .filter_map(|m| m.forecasts.get(model).map(|p| (*p, m.outcome)))
                .unzip();
            if f.is_empty() {
                continue;
            }
            out.push(ModelScores {
                model: model.to_owned(),
                league: league.to_owned(),
                scores: metrics::evaluate(&f, &o)?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::sample::league;

    fn config() -> BacktestConfig {
        BacktestConfig {
            test_seasons: vec!["2023-24".into()],
            min_ensemble_matches: 50,
            ..BacktestConfig::default()
        }
    }

    #[test]
    fn scores_every_model_and_baseline_on_the_same_matches() {
        let rows = league(1);
        let mut weeks = 0;
        let report = run(&rows, &config(), |_, total| weeks = total).unwrap();
        assert_eq!(weeks, 36, "18 weeks of the warm-up season and 18 of the test season");
        let pooled: Vec<&ModelScores> = report.scores.iter().filter(|s| s.league == "all").collect();
        let n = pooled[0].scores.n;
        assert!(n > 60, "{n}");
        assert!(pooled.iter().all(|s| s.scores.n == n), "every forecast scored on the same matches");
        for name in [
            "poisson",
            "dixon_coles",
            "elo",
            ENSEMBLE,
            ENSEMBLE_MARKET,
            "market_avg_closing",
            "pinnacle_opening_shin",
        ] {
            assert!(pooled.iter().any(|s| s.model == name), "{name} missing");
        }
        // The warm-up season is forecast but not scored.
        assert!(report.matches.iter().any(|m| !m.scored && m.season == "2022-23"));
        assert!(report.matches.iter().filter(|m| m.scored).all(|m| m.season == "2023-24"));
        // The ensemble's weights were fitted (a logarithmic pool), not left equal.
        let w = &report.weights[ENSEMBLE];
        assert_eq!(w.pool, predict::ensemble::Pool::Logarithmic);
        assert!(w.weights.iter().all(|x| *x >= 0.0), "{w:?}");
        let equal = 1.0 / MEMBERS.len() as f64;
        assert!(w.weights.iter().any(|x| (x - equal).abs() > 0.01), "{w:?}");
        // The market knows the truth here: the market ensemble leans on it.
        let market = &report.weights[ENSEMBLE_MARKET];
        let at = market.members.iter().position(|m| m == MARKET_MEMBER).unwrap();
        assert!(market.weights[at] > 0.5, "{market:?}");
        assert!(report.table().contains("dixon_coles"));
    }

    #[test]
    fn forecasts_do_not_see_the_future() {
        let rows = league(2);
        let base = run(&rows, &config(), |_, _| {}).unwrap();
        // Rewrite every result from the middle of the test season on.
        let cut = NaiveDate::from_ymd_opt(2023, 10, 30).unwrap();
        let mut changed = rows.clone();
        for r in changed.iter_mut().filter(|r| r.date >= cut) {
            (r.home_goals, r.away_goals) = (r.away_goals.map(|g| g + 2), r.home_goals);
        }
        let other = run(&changed, &config(), |_, _| {}).unwrap();
        let before = |r: &BacktestReport| -> Vec<(i64, BTreeMap<String, [f64; 3]>)> {
            r.matches.iter().filter(|m| m.date < cut).map(|m| (m.match_id, m.forecasts.clone())).collect()
        };
        assert!(!before(&base).is_empty());
        assert_eq!(before(&base), before(&other));
        // And the changed results do change later forecasts (the check can fail).
        let after = |r: &BacktestReport| -> Vec<[f64; 3]> {
            r.matches
                .iter()
                .filter(|m| m.date >= cut + Duration::days(14))
                .map(|m| m.forecasts["dixon_coles"])
                .collect()
        };
        assert_ne!(after(&base), after(&other));
    }

    /// The closing prices are known only at kick-off: changing them changes no model's
    /// forecast and no blend, only the closing baselines scored beside them.
    #[test]
    fn no_forecast_sees_the_closing_prices() {
        let rows = league(4);
        let base = run(&rows, &config(), |_, _| {}).unwrap();
        let mut changed = rows.clone();
        for r in &mut changed {
            for book in [&mut r.prices.average, &mut r.prices.pinnacle] {
                book.closing = book.closing.map(|c| [c[2], c[1], c[0]]);
            }
        }
        let other = run(&changed, &config(), |_, _| {}).unwrap();
        let forecasts = |r: &BacktestReport| -> Vec<(i64, BTreeMap<String, [f64; 3]>)> {
            r.matches
                .iter()
                .map(|m| {
                    let kept = m.forecasts.iter().filter(|(name, _)| !name.contains("closing"));
                    (m.match_id, kept.map(|(k, v)| (k.clone(), *v)).collect())
                })
                .collect()
        };
        assert!(base.matches.iter().all(|m| m.forecasts.contains_key(BLEND)));
        assert_eq!(forecasts(&base), forecasts(&other));
        // The closing baselines did change (the check can fail).
        let closing = |r: &BacktestReport| r.matches[0].forecasts["pinnacle_closing_shin"];
        assert_ne!(closing(&base), closing(&other));
    }

    /// Where the market's line is the truth, the blend leans on it, and scores at least
    /// as well as the results-only ensemble.
    #[test]
    fn the_blend_leans_on_a_market_that_knows_more() {
        let report = run(&league(5), &config(), |_, _| {}).unwrap();
        let w = report.blend_weights["X1"];
        assert!(w < 0.5, "{w}");
        let rps = |model: &str| {
            report.scores.iter().find(|s| s.model == model && s.league == "all").unwrap().scores.rps
        };
        assert!(rps(BLEND) <= rps(ENSEMBLE), "{} {}", rps(BLEND), rps(ENSEMBLE));
        assert!(report.table().contains("value-bet rule"));
    }

    /// A team that replaces another in the test season: its first ten matches are
    /// picked out, and every model is scored on those it could forecast (all but the
    /// first, when the team had no result yet).
    #[test]
    fn promoted_teams_first_matches_are_scored_apart() {
        let mut rows = league(6);
        for r in rows.iter_mut().filter(|r| r.season == "2023-24") {
            for id in [&mut r.home_id, &mut r.away_id] {
                if *id == 9 {
                    *id = 10;
                }
            }
        }
        let ids = report::promoted_first_matches(&rows);
        let mut theirs: Vec<&MatchRow> = rows.iter().filter(|r| r.home_id == 10 || r.away_id == 10).collect();
        theirs.sort_by_key(|r| r.kickoff);
        assert_eq!(theirs.len(), 18);
        let first: BTreeSet<i64> = theirs[..10].iter().map(|r| r.id).collect();
        assert_eq!(ids.into_iter().collect::<BTreeSet<i64>>(), first);
        let report = run(&rows, &config(), |_, _| {}).unwrap();
        let ensemble = report.promoted.iter().find(|s| s.model == ENSEMBLE).unwrap();
        assert_eq!(ensemble.scores.n, 9);
        assert!(report.table().contains("promoted teams' first 10 matches"));
        assert!(run(&league(6), &config(), |_, _| {}).unwrap().promoted.is_empty());
    }

    #[test]
    fn no_test_season_in_the_data_is_an_error() {
        let cfg = BacktestConfig { test_seasons: vec!["1999-00".into()], ..BacktestConfig::default() };
        assert!(matches!(run(&league(3), &cfg, |_, _| {}), Err(BacktestError::NothingToScore(_))));
    }
}
