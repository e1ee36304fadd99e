//! Putting a backtest's forecasts together: scores, calibration, value bets, and the
//! terminal table.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

use super::{BacktestConfig, BacktestError, BacktestReport, ModelScores, Scored, rule, score_all, value};
use crate::history::{MarketPrices, MatchRow};
use predict::ensemble::Weights;
use predict::metrics;

/// A promoted team's first matches of its season, where results-only models know least
/// about it: measured apart from the rest.
pub const PROMOTED_MATCHES: usize = 10;

/// The ids of the matches in which a team promoted that season (in the league's season
/// but not in the one before, which the rows must hold) plays one of its first
/// [`PROMOTED_MATCHES`] matches.
pub fn promoted_first_matches(rows: &[MatchRow]) -> HashSet<i64> {
    let start_year = |season: &str| season.get(..4).and_then(|y| y.parse::<i32>().ok());
    let mut rosters: HashMap<(&str, i32), BTreeSet<i64>> = HashMap::new();
    for r in rows {
        if let Some(y) = start_year(&r.season) {
            rosters.entry((r.league.as_str(), y)).or_default().extend([r.home_id, r.away_id]);
        }
    }
    let mut ordered: Vec<&MatchRow> = rows.iter().filter(|r| r.score().is_some()).collect();
    ordered.sort_by_key(|r| (r.kickoff, r.id));
    let mut played: HashMap<(&str, i32, i64), usize> = HashMap::new();
    let mut out = HashSet::new();
    for r in ordered {
        let Some(y) = start_year(&r.season) else { continue };
        let Some(before) = rosters.get(&(r.league.as_str(), y - 1)) else { continue };
        for team in [r.home_id, r.away_id] {
            if before.contains(&team) {
                continue;
            }
            let n = played.entry((r.league.as_str(), y, team)).or_default();
            *n += 1;
            if *n <= PROMOTED_MATCHES {
                out.insert(r.id);
            }
        }
    }
    out
}

/// Every model's pooled scores on the scored matches among `ids`.
fn scores_on(matches: &[Scored], ids: &HashSet<i64>) -> Result<Vec<ModelScores>, BacktestError> {
    let slice: Vec<Scored> =
        matches.iter().filter(|m| m.scored && ids.contains(&m.match_id)).cloned().collect();
    Ok(score_all(&slice)?.into_iter().filter(|s| s.league == "all").collect())
}

pub(super) fn assemble(
    config: &BacktestConfig,
    matches: Vec<Scored>,
    weights: BTreeMap<String, Weights>,
    rows: &[MatchRow],
) -> Result<BacktestReport, BacktestError> {
    let scores = score_all(&matches)?;
    let promoted = scores_on(&matches, &promoted_first_matches(rows))?;
    let mut calibration = BTreeMap::new();
    let models: Vec<String> = scores.iter().filter(|s| s.league == "all").map(|s| s.model.clone()).collect();
    for model in &models {
        let (f, o): (Vec<[f64; 3]>, Vec<_>) = matches
            .iter()
            .filter(|m| m.scored)
            .filter_map(|m| m.forecasts.get(model).map(|p| (*p, m.outcome)))
            .unzip();
        calibration.insert(model.clone(), metrics::calibration_1x2(&f, &o, config.calibration_bins)?);
    }
    let prices: HashMap<i64, &MarketPrices> = rows.iter().map(|r| (r.id, &r.prices)).collect();
    let (value_bets, profit_curves) = value::evaluate(&matches, &prices, &config.value);
    let candidates = rule::candidates(&matches, &prices, &config.rule);
    let value_rule = rule::evaluate(&candidates, &config.test_seasons, &config.rule);
    Ok(BacktestReport {
        config: config.clone(),
        scores,
        promoted,
        calibration,
        value_bets,
        profit_curves,
        value_rule,
        weights,
        blend_weights: BTreeMap::new(),
        invalid_forecasts: BTreeMap::new(),
        matches,
    })
}

impl BacktestReport {
    /// The pooled and per-league scores as a text table, best RPS first, then the value
    /// bets and the ensemble weights.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let leagues: Vec<&str> = {
            let mut l: Vec<&str> =
                self.scores.iter().map(|s| s.league.as_str()).filter(|l| *l != "all").collect();
            l.sort_unstable();
            l.dedup();
            l
        };
        let mut pooled: Vec<_> = self.scores.iter().filter(|s| s.league == "all").collect();
        pooled.sort_by(|a, b| a.scores.rps.total_cmp(&b.scores.rps));
        let _ = write!(
            out,
            "{:<26} {:>6} {:>8} {:>8} {:>8} {:>6}",
            "model (all leagues)", "n", "RPS", "logloss", "Brier", "acc"
        );
        for l in &leagues {
            let _ = write!(out, " {:>8}", format!("RPS {l}"));
        }
        out.push('\n');
        for s in pooled {
            let _ = write!(
                out,
                "{:<26} {:>6} {:>8.4} {:>8.4} {:>8.4} {:>6.3}",
                s.model, s.scores.n, s.scores.rps, s.scores.log_loss, s.scores.brier, s.scores.accuracy
            );
            for l in &leagues {
                let per = self.scores.iter().find(|x| x.model == s.model && x.league == *l);
                let _ = write!(
                    out,
                    " {:>8}",
                    per.map(|x| format!("{:.4}", x.scores.rps)).unwrap_or_else(|| "-".into())
                );
            }
            out.push('\n');
        }
        if !self.promoted.is_empty() {
            let mut p: Vec<&ModelScores> = self.promoted.iter().collect();
            p.sort_by(|a, b| a.scores.rps.total_cmp(&b.scores.rps));
            let _ = writeln!(
                out,
                "\npromoted teams' first {PROMOTED_MATCHES} matches of their season ({} matches): RPS",
                p[0].scores.n
            );
            let cells: Vec<String> = p.iter().map(|s| format!("{} {:.4}", s.model, s.scores.rps)).collect();
            let _ = writeln!(out, "{}", cells.join(", "));
        }
        if let (Some(ens), Some(mkt)) =
            (self.calibration.get("ensemble"), self.calibration.get(super::ENSEMBLE_MARKET))
        {
            let _ = writeln!(out, "\ncalibration (home, draw, away pooled): forecast → observed (n)");
            let _ = writeln!(out, "{:<12} {:>24} {:>24}", "bin", "ensemble", "ensemble_market");
            for (e, m) in ens.iter().zip(mkt) {
                let cell = |b: &predict::metrics::CalibrationBin| {
                    if b.count == 0 {
                        "-".to_owned()
                    } else {
                        format!("{:.3} → {:.3} ({})", b.mean_predicted, b.observed, b.count)
                    }
                };
                let _ = writeln!(
                    out,
                    "{:<12} {:>24} {:>24}",
                    format!("{:.1}–{:.1}", m.lower, m.upper),
                    cell(m),
                    cell(e)
                );
            }
        }
        let _ = writeln!(
            out,
            "\nvalue bets at {} pre-closing prices, edge ≥ {:.0}%, Kelly ×{} capped at {:.0}%:",
            self.config.value.book,
            self.config.value.min_edge * 100.0,
            self.config.value.kelly_fraction,
            self.config.value.kelly_cap * 100.0
        );
        let _ = writeln!(
            out,
            "{:<18} {:>6} {:>6} {:>10} {:>8} {:>10} {:>8} {:>8} {:>8}",
            "model", "bets", "won", "flat P/L", "flat ROI", "Kelly P/L", "Kelly ROI", "pr./cl.", "beat cl."
        );
        for v in &self.value_bets {
            let _ = writeln!(
                out,
                "{:<18} {:>6} {:>6} {:>+10.2} {:>+7.2}% {:>+10.2} {:>+7.2}% {:>+7.2}% {:>7.1}%",
                v.model,
                v.bets,
                v.won,
                v.flat_profit,
                v.flat_roi * 100.0,
                v.kelly_profit,
                v.kelly_roi * 100.0,
                v.mean_clv * 100.0,
                v.beat_close * 100.0
            );
        }
        for (name, n) in &self.invalid_forecasts {
            let _ = writeln!(
                out,
                "{name}: {n} forecast(s) not a distribution, replaced by the other members' mean"
            );
        }
        let r = &self.value_rule;
        let _ = writeln!(
            out,
            "\nvalue-bet rule on {} at the best bookable price, chosen walk-forward:",
            r.search.model
        );
        for s in &r.seasons {
            let rule = s.chosen.as_ref().map_or("no rule (nothing bet)".to_owned(), |c| {
                format!(
                    "{} (validation CLV {:+.2}% over {} bets)",
                    c.rule,
                    c.validation.clv * 100.0,
                    c.validation.clv_bets
                )
            });
            let _ = writeln!(
                out,
                "{}: {rule}; {} bets, CLV {:+.2}%, price ratio {:+.2}%, ROI {:+.2}%",
                s.season,
                s.test.bets,
                s.test.clv * 100.0,
                s.test.price_ratio * 100.0,
                s.test.roi * 100.0
            );
        }
        let _ = writeln!(
            out,
            "pooled: {} bets, CLV {:+.2}% [{:+.2}%, {:+.2}%], ROI {:+.2}% [{:+.2}%, {:+.2}%] (95%, matchdays \
             resampled); Kelly staked {:.1}, profit {:+.2}, largest day {:.1}% of the bankroll",
            r.test.bets,
            r.test.clv * 100.0,
            r.clv_interval.low * 100.0,
            r.clv_interval.high * 100.0,
            r.test.roi * 100.0,
            r.roi_interval.low * 100.0,
            r.roi_interval.high * 100.0,
            r.kelly.staked,
            r.kelly.profit,
            r.kelly.max_day_exposure * 100.0
        );
        let _ = writeln!(out, "{}", r.verdict);
        let blend: Vec<String> = self.blend_weights.iter().map(|(l, w)| format!("{l} {w:.2}")).collect();
        let _ = writeln!(out, "blend: the model's weight by league: {}", blend.join(", "));
        for (name, w) in &self.weights {
            let parts: Vec<String> =
                w.members.iter().zip(&w.weights).map(|(m, x)| format!("{m} {x:.3}")).collect();
            let _ = writeln!(out, "{name} weights: {}", parts.join(", "));
        }
        out
    }
}
