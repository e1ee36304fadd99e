//! Choosing the value-bet rule by evidence, walk-forward.
//!
//! Every selection of every forecast match is a candidate bet at the best bookable
//! pre-closing price ([`value_rule::bookable`]). For each test season the rule (minimum
//! and maximum edge, price bounds, leagues) is chosen on the bets of the seasons before
//! it only: highest mean closing-line value first, ROI second, among rules with enough
//! validation bets; then its bets of the test season are reported. A season whose best
//! validated rule has a negative closing-line value gets no rule: nothing is bet, and
//! the report says so. The intervals resample whole matchdays (bets of one day move
//! together: one team's news, one model's blind spot), so they are not narrowed by
//! counting correlated bets as independent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::Scored;
use crate::history::{MarketPrices, fair};
use predict::kelly;
use predict::value_rule::{self, AGGREGATES, ValueRule};

/// How rules are searched and judged.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSearch {
    /// The forecast bets are judged on.
    pub model: String,
    /// Prices above this are never taken.
    pub price_cap: f64,
    /// Bookmakers whose prices are not bookable, beside the aggregates (which never are).
    pub excluded_bookmakers: Vec<String>,
    /// A rule needs this many validation bets with a closing line to be chosen.
    pub min_validation_bets: usize,
    /// A league needs this many validation bets to be judged on its own.
    pub min_league_bets: usize,
    /// Bootstrap resamples of the matchdays.
    pub resamples: usize,
    /// Fractional Kelly, its cap per bet, and the day's exposure cap, as shares of
    /// `bankroll` units.
    pub kelly_fraction: f64,
    pub kelly_cap: f64,
    pub day_budget: f64,
    pub bankroll: f64,
}

impl Default for RuleSearch {
    fn default() -> Self {
        Self {
            model: super::BLEND.into(),
            price_cap: 15.0,
            excluded_bookmakers: Vec::new(),
            min_validation_bets: 100,
            min_league_bets: 30,
            resamples: 1_000,
            kelly_fraction: 0.25,
            kelly_cap: 0.02,
            day_budget: 0.10,
            bankroll: 100.0,
        }
    }
}

impl RuleSearch {
    /// The search a deployment's `[predict]` settings imply: the same bookable prices
    /// and the same stakes inference uses, so the rule is judged on the bets it would
    /// really make.
    pub fn from_settings(p: &crate::settings::PredictSettings) -> Self {
        Self {
            model: p.value_model.clone(),
            price_cap: p.price_cap,
            excluded_bookmakers: p.excluded_bookmakers.clone(),
            kelly_fraction: p.kelly_fraction,
            kelly_cap: p.kelly_cap,
            day_budget: p.daily_stake_budget,
            ..Self::default()
        }
    }
}

/// One candidate bet: a selection at its best bookable pre-closing price.
#[derive(Debug, Clone)]
pub struct Bet {
    pub league: String,
    pub season: String,
    pub date: NaiveDate,
    pub p: f64,
    pub price: f64,
    pub edge: f64,
    pub won: bool,
    /// `p_close × price − 1` at the margin-free (Shin) closing line.
    pub clv: Option<f64>,
    /// `price / closing price − 1` of the same book (the average's close without one).
    pub price_ratio: Option<f64>,
}

impl Bet {
    /// Profit of one unit staked.
    fn ret(&self) -> f64 {
        if self.won { self.price - 1.0 } else { -1.0 }
    }
}

/// The candidate bets of every forecast match.
pub fn candidates(
    matches: &[Scored],
    prices: &std::collections::HashMap<i64, &MarketPrices>,
    search: &RuleSearch,
) -> Vec<Bet> {
    let mut bets = Vec::new();
    for m in matches {
        let (Some(p), Some(market)) = (m.forecasts.get(&search.model), prices.get(&m.match_id)) else {
            continue;
        };
        // The margin-free close: Pinnacle's (the sharpest), else the market average's.
        let close = fair(market.pinnacle.closing, true).or_else(|| fair(market.average.closing, true));
        for (sel, &p) in p.iter().enumerate() {
            let best = market
                .books()
                .into_iter()
                .filter(|(book, _)| {
                    !AGGREGATES.contains(book) && !search.excluded_bookmakers.iter().any(|x| x == book)
                })
                .filter_map(|(book, line)| {
                    let quoted = line.opening?[sel];
                    let taken = value_rule::bookable(book, quoted, search.price_cap)?;
                    let closing = line.closing.or(market.average.closing).map(|c| c[sel]);
                    Some((taken, quoted, closing))
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let Some((price, quoted, closing)) = best else { continue };
            let edge = kelly::edge(p, price);
            if edge.is_nan() || edge <= 0.0 {
                continue;
            }
            bets.push(Bet {
                league: m.league.clone(),
                season: m.season.clone(),
                date: m.date,
                p,
                price,
                edge,
                won: m.outcome.index() == sel,
                clv: close.map(|c| value_rule::closing_value(c[sel], price)),
                // Quoted against quoted: an exchange's close is gross of commission too.
                price_ratio: closing.map(|c| value_rule::price_ratio(quoted, c)),
            });
        }
    }
    bets
}

/// How a set of bets did, at one unit each.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BetStats {
    pub bets: usize,
    pub won: usize,
    /// Mean closing-line value over the bets with a closing line, and its standard error.
    pub clv: f64,
    #[serde(default)]
    pub clv_se: f64,
    pub clv_bets: usize,
    /// Mean raw price ratio against the close.
    pub price_ratio: f64,
    pub profit: f64,
    pub roi: f64,
}

fn stats<'a>(bets: impl IntoIterator<Item = &'a Bet>) -> BetStats {
    let mut s = BetStats::default();
    let (mut ratio_n, mut ratio_sum, mut clv_sq) = (0usize, 0.0, 0.0);
    for b in bets {
        s.bets += 1;
        s.won += usize::from(b.won);
        s.profit += b.ret();
        if let Some(c) = b.clv {
            s.clv += c;
            clv_sq += c * c;
            s.clv_bets += 1;
        }
        if let Some(r) = b.price_ratio {
            ratio_sum += r;
            ratio_n += 1;
        }
    }
    if s.clv_bets > 0 {
        let n = s.clv_bets as f64;
        s.clv /= n;
        if s.clv_bets > 1 {
            let variance = ((clv_sq - n * s.clv * s.clv) / (n - 1.0)).max(0.0);
            s.clv_se = (variance / n).sqrt();
        }
    }
    if ratio_n > 0 {
        s.price_ratio = ratio_sum / ratio_n as f64;
    }
    if s.bets > 0 {
        s.roi = s.profit / s.bets as f64;
    }
    s
}

/// The thresholds searched. Edges are capped because a model that disagrees with the
/// market by 30% is almost always the one that is wrong.
fn grid() -> Vec<ValueRule> {
    let mut rules = Vec::new();
    for min_edge in [0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.10] {
        for max_edge in [0.05, 0.10, 0.15, 0.20, 0.30, 1.0] {
            if max_edge <= min_edge {
                continue;
            }
            for min_price in [1.0, 1.5, 2.0] {
                for max_price in [2.5, 4.0, 6.0, 10.0, 15.0] {
                    if max_price <= min_price {
                        continue;
                    }
                    rules.push(ValueRule { min_edge, max_edge, min_price, max_price, leagues: Vec::new() });
                }
            }
        }
    }
    rules
}

/// A rule chosen on validation bets, with how it did there.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Chosen {
    pub rule: ValueRule,
    /// The rule's own bets on the data that chose it: flattered by the choice.
    pub validation: BetStats,
    /// The forecast the rule judges (`blend`); a rule is applied to no other.
    #[serde(default)]
    pub model: String,
    /// The evidence: the bets of the rules chosen walk-forward, each season's rule
    /// chosen on the seasons before it only, with the 95% interval of their CLV.
    #[serde(default)]
    pub walk_forward: Option<WalkForward>,
}

/// Out-of-sample bets of the walk-forward rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WalkForward {
    pub bets: usize,
    pub clv: f64,
    pub clv_low: f64,
    pub clv_high: f64,
    pub roi: f64,
}

/// A rule's rank: its mean CLV less one standard error, so that a small subset that was
/// lucky does not outrank a large one that held its value; then ROI.
fn rank(s: &BetStats) -> (f64, f64) {
    (s.clv - s.clv_se, s.roi)
}

/// The best rule on `validation` bets, if its closing-line value, less one standard
/// error, is non-negative.
pub fn choose(validation: &[Bet], search: &RuleSearch) -> Option<Chosen> {
    let mut best: Option<Chosen> = None;
    let better = |a: &BetStats, b: &BetStats| rank(a) > rank(b);
    for rule in grid() {
        let admitted: Vec<&Bet> =
            validation.iter().filter(|b| rule.admits(&b.league, b.edge, b.price)).collect();
        // The same thresholds in the leagues where they held their value on their own.
        let mut by_league: BTreeMap<&str, Vec<&Bet>> = BTreeMap::new();
        for b in &admitted {
            by_league.entry(b.league.as_str()).or_default().push(b);
        }
        let kept: Vec<String> = by_league
            .iter()
            .filter(|(_, bets)| {
                bets.len() >= search.min_league_bets && stats(bets.iter().copied()).clv >= 0.0
            })
            .map(|(l, _)| (*l).to_owned())
            .collect();
        let mut variants = vec![(rule.clone(), stats(admitted.iter().copied()))];
        if !kept.is_empty() && kept.len() < by_league.len() {
            let narrowed = ValueRule { leagues: kept, ..rule };
            let s = stats(admitted.iter().copied().filter(|b| narrowed.leagues.contains(&b.league)));
            variants.push((narrowed, s));
        }
        for (rule, s) in variants {
            if s.clv_bets < search.min_validation_bets {
                continue;
            }
            if best.as_ref().is_none_or(|b| better(&s, &b.validation)) {
                best = Some(Chosen { rule, validation: s, model: search.model.clone(), walk_forward: None });
            }
        }
    }
    best.filter(|b| rank(&b.validation).0 >= 0.0)
}

/// A 95% percentile interval.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Percentile intervals of the mean CLV and the ROI, resampling whole matchdays.
pub fn bootstrap(bets: &[&Bet], resamples: usize, seed: u64) -> (Interval, Interval) {
    let mut days: BTreeMap<NaiveDate, Vec<&Bet>> = BTreeMap::new();
    for b in bets {
        days.entry(b.date).or_default().push(b);
    }
    let days: Vec<Vec<&Bet>> = days.into_values().collect();
    if days.is_empty() || resamples == 0 {
        return (Interval::default(), Interval::default());
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut clvs, mut rois) = (Vec::with_capacity(resamples), Vec::with_capacity(resamples));
    for _ in 0..resamples {
        let drawn = (0..days.len()).flat_map(|_| days[rng.random_range(0..days.len())].iter().copied());
        let s = stats(drawn);
        clvs.push(s.clv);
        rois.push(s.roi);
    }
    (percentiles(&mut clvs), percentiles(&mut rois))
}

fn percentiles(xs: &mut [f64]) -> Interval {
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    Interval { low: at(0.025), high: at(0.975) }
}

/// The rule chosen before one test season, and its bets there.
#[derive(Debug, Clone, Serialize)]
pub struct SeasonRule {
    pub season: String,
    /// `None`: no rule held a non-negative CLV on the seasons before; nothing was bet.
    pub chosen: Option<Chosen>,
    pub test: BetStats,
}

/// Kelly stakes of the reported bets, a day's together scaled under the day's budget.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct KellyStats {
    pub staked: f64,
    pub profit: f64,
    pub roi: f64,
    /// The largest share of the bankroll staked on one day.
    pub max_day_exposure: f64,
}

/// Each reported bet in date order: cumulative profit, and the band luck alone would
/// give around the cumulative expected profit at the closing line (±1.96 sd).
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    pub date: NaiveDate,
    pub profit: f64,
    pub expected: f64,
    pub low: f64,
    pub high: f64,
}

/// The value-bet rule's section of a backtest.
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    pub search: RuleSearch,
    pub seasons: Vec<SeasonRule>,
    /// The test seasons' bets under each season's rule, pooled.
    pub test: BetStats,
    pub clv_interval: Interval,
    pub roi_interval: Interval,
    pub kelly: KellyStats,
    /// Counts of the reported bets' CLV in 2-point bins, from -20% to +20%.
    pub clv_histogram: Vec<(f64, usize)>,
    pub curve: Vec<CurvePoint>,
    /// The rule for the next season: chosen on every forecast season.
    pub current: Option<Chosen>,
    /// Plain words on whether the rule can be trusted.
    pub verdict: String,
}

/// Walk-forward: each test season's rule from the seasons before it.
pub fn evaluate(bets: &[Bet], test_seasons: &[String], search: &RuleSearch) -> RuleReport {
    let mut seasons = Vec::new();
    let mut reported: Vec<&Bet> = Vec::new();
    for season in test_seasons.iter().collect::<BTreeSet<_>>() {
        let before: Vec<Bet> = bets.iter().filter(|b| b.season < *season).cloned().collect();
        let chosen = choose(&before, search);
        let test: Vec<&Bet> = match &chosen {
            Some(c) => bets
                .iter()
                .filter(|b| &b.season == season && c.rule.admits(&b.league, b.edge, b.price))
                .collect(),
            None => Vec::new(),
        };
        seasons.push(SeasonRule { season: season.clone(), chosen, test: stats(test.iter().copied()) });
        reported.extend(test);
    }
    reported.sort_by_key(|b| b.date);
    let test = stats(reported.iter().copied());
    let (clv_interval, roi_interval) = bootstrap(&reported, search.resamples, 2024);
    let kelly = kelly_stats(&reported, search);
    let mut histogram: Vec<(f64, usize)> = (-10..10).map(|i| (f64::from(i) * 0.02, 0)).collect();
    for c in reported.iter().filter_map(|b| b.clv) {
        let bin = ((c / 0.02).floor() as i64).clamp(-10, 9) + 10;
        histogram[bin as usize].1 += 1;
    }
    let curve = curve(&reported);
    // The rule for the seasons to come carries the walk-forward record as its evidence,
    // and stands only where that record held a non-negative CLV.
    let current = choose(bets, search)
        .map(|c| Chosen {
            walk_forward: Some(WalkForward {
                bets: test.clv_bets,
                clv: test.clv,
                clv_low: clv_interval.low,
                clv_high: clv_interval.high,
                roi: test.roi,
            }),
            ..c
        })
        .filter(|c| c.walk_forward.as_ref().is_some_and(|w| w.bets > 0 && w.clv >= 0.0));
    let verdict = verdict(&seasons, &test, &clv_interval, current.as_ref());
    RuleReport {
        search: search.clone(),
        seasons,
        test,
        clv_interval,
        roi_interval,
        kelly,
        clv_histogram: histogram,
        curve,
        current,
        verdict,
    }
}

fn kelly_stats(bets: &[&Bet], search: &RuleSearch) -> KellyStats {
    let mut k = KellyStats::default();
    let mut by_day: BTreeMap<NaiveDate, Vec<(&Bet, f64)>> = BTreeMap::new();
    for b in bets {
        let share = kelly::kelly_stake(b.p, b.price, search.kelly_fraction, search.kelly_cap).unwrap_or(0.0);
        by_day.entry(b.date).or_default().push((b, share));
    }
    for day in by_day.values() {
        let total: f64 = day.iter().map(|(_, s)| s).sum();
        // Simultaneous bets share the day's budget: scaled together, never past it.
        let scale = if total > search.day_budget { search.day_budget / total } else { 1.0 };
        k.max_day_exposure = k.max_day_exposure.max(total * scale);
        for (b, share) in day {
            let stake = share * scale * search.bankroll;
            k.staked += stake;
            k.profit += stake * b.ret();
        }
    }
    if k.staked > 0.0 {
        k.roi = k.profit / k.staked;
    }
    k
}

fn curve(bets: &[&Bet]) -> Vec<CurvePoint> {
    let (mut profit, mut expected, mut variance) = (0.0, 0.0, 0.0);
    let mut out = Vec::with_capacity(bets.len());
    for b in bets {
        profit += b.ret();
        // At the closing line's probability: mean p·o − 1, variance p(1−p)o².
        let p = b.clv.map_or(b.p, |c| (c + 1.0) / b.price);
        expected += p * b.price - 1.0;
        variance += p * (1.0 - p) * b.price * b.price;
        let sd = variance.sqrt();
        out.push(CurvePoint {
            date: b.date,
            profit,
            expected,
            low: expected - 1.96 * sd,
            high: expected + 1.96 * sd,
        });
    }
    out
}

fn verdict(seasons: &[SeasonRule], test: &BetStats, clv: &Interval, current: Option<&Chosen>) -> String {
    let unruled: Vec<&str> =
        seasons.iter().filter(|s| s.chosen.is_none()).map(|s| s.season.as_str()).collect();
    let mut out = String::new();
    if !unruled.is_empty() {
        out.push_str(&format!(
            "No rule had a non-negative closing-line value before {}: nothing was bet there. ",
            unruled.join(", ")
        ));
    }
    if test.bets > 0 {
        out.push_str(&format!(
            "The rules chosen walk-forward made {} bets: closing-line value {:+.2}% (95% interval {:+.2}% to \
             {:+.2}%, resampling matchdays), ROI {:+.2}%. ",
            test.bets,
            test.clv * 100.0,
            clv.low * 100.0,
            clv.high * 100.0,
            test.roi * 100.0
        ));
    }
    match current {
        Some(c) => out.push_str(&format!("Current rule, chosen on every season: {}.", c.rule)),
        None => out.push_str(
            "No rule kept a non-negative closing-line value walk-forward on the seasons so far: Kickoff alerts \
             no value bet.",
        ),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bet(season: &str, day: u32, league: &str, edge: f64, price: f64, clv: f64, won: bool) -> Bet {
        Bet {
            league: league.into(),
            season: season.into(),
            date: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Duration::days(i64::from(day)),
            p: (1.0 + edge) / price,
            price,
            edge,
            won,
            clv: Some(clv),
            price_ratio: Some(0.0),
        }
    }

    /// The best bookable price skips the aggregates and the bookmakers the settings
    /// exclude, and the settings' price cap.
    #[test]
    fn candidates_take_the_best_price_a_deployment_could_book() {
        use crate::history::BookPrices;
        let line = |home: f64| BookPrices { opening: Some([home, 3.5, 4.0]), closing: Some([2.0, 3.5, 4.0]) };
        let mut prices = MarketPrices {
            average: line(2.3),
            best: line(2.6),
            pinnacle: line(2.1),
            bet365: line(2.2),
            ..MarketPrices::default()
        };
        prices.others.insert("longshot_book".into(), line(40.0));
        let scored = Scored {
            match_id: 1,
            league: "E0".into(),
            season: "2023-24".into(),
            date: NaiveDate::from_ymd_opt(2024, 1, 6).unwrap(),
            home: "A".into(),
            away: "B".into(),
            outcome: predict::Outcome::Home,
            forecasts: [(crate::backtest::BLEND.to_owned(), [0.55, 0.25, 0.20])].into(),
            scored: true,
        };
        let by_id = std::collections::HashMap::from([(1, &prices)]);
        let home_price = |search: &RuleSearch| {
            candidates(std::slice::from_ref(&scored), &by_id, search)
                .iter()
                .find(|b| b.p == 0.55)
                .map(|b| b.price)
        };
        let mut search = RuleSearch::default();
        assert_eq!(home_price(&search), Some(2.2), "not the aggregates' 2.3 and 2.6, not 40 above the cap");
        search.excluded_bookmakers = vec!["bet365".into()];
        assert_eq!(home_price(&search), Some(2.1));
        search.price_cap = 50.0;
        assert_eq!(home_price(&search), Some(40.0));
        let settings = crate::settings::PredictSettings {
            excluded_bookmakers: vec!["pinnacle".into()],
            price_cap: 12.0,
            kelly_cap: 0.01,
            ..Default::default()
        };
        let from = RuleSearch::from_settings(&settings);
        assert_eq!((from.price_cap, from.kelly_cap, from.model.as_str()), (12.0, 0.01, "blend"));
        assert_eq!(home_price(&from), Some(2.2));
    }

    /// Small edges hold their value at the close, large ones lose it (the model's
    /// errors): the rule chosen caps the edge, and its test season is reported from the
    /// rule chosen on the season before only.
    #[test]
    fn the_rule_keeps_the_edges_that_held_at_the_close() {
        let mut bets = Vec::new();
        for (season, large_clv) in [("2021-22", -0.06), ("2022-23", 0.08)] {
            for i in 0..300 {
                let small = 0.02 + f64::from(i % 5) * 0.01;
                let wobble = f64::from(i % 3) * 0.001;
                bets.push(bet(season, i, "E0", small, 2.2, 0.01 + wobble, i % 2 == 0));
                bets.push(bet(season, i, "E0", 0.25, 3.0, large_clv + wobble, i % 3 == 0));
            }
        }
        let search = RuleSearch { resamples: 200, ..RuleSearch::default() };
        let report = evaluate(&bets, &["2022-23".to_owned()], &search);
        // Chosen on 2021-22 alone, where the large edges lost their value: capped below
        // them, although in 2022-23 (which it must not see) they gained the most.
        let chosen = report.seasons[0].chosen.as_ref().expect("a rule");
        assert!(chosen.rule.max_edge < 0.25, "{chosen:?}");
        assert!(chosen.validation.clv > 0.0);
        assert!((100..=300).contains(&report.test.bets), "{}", report.test.bets);
        assert!((0.01..=0.0121).contains(&report.test.clv), "only small edges bet: {}", report.test.clv);
        let i = report.clv_interval;
        assert!(i.low >= 0.01 - 1e-9 && i.high <= 0.012 + 1e-9 && i.low <= i.high, "{i:?}");
        assert!(report.kelly.max_day_exposure <= search.day_budget + 1e-12);
        // The rule for what comes next is chosen on both seasons, and carries the
        // walk-forward record as its evidence.
        let current = report.current.as_ref().expect("a current rule");
        assert_eq!(current.walk_forward.as_ref().map(|w| w.bets), Some(report.test.clv_bets));
        assert_eq!(current.model, BLEND_NAME);
        assert!(report.verdict.contains("Current rule"), "{}", report.verdict);
    }

    const BLEND_NAME: &str = super::super::BLEND;

    #[test]
    fn no_rule_with_a_non_negative_clv_bets_nothing_and_says_so() {
        let bets: Vec<Bet> =
            (0..400).map(|i| bet("2021-22", i, "E0", 0.06, 2.0, -0.03, i % 2 == 0)).collect();
        let mut all = bets.clone();
        all.extend((0..400).map(|i| bet("2022-23", i, "E0", 0.06, 2.0, -0.03, true)));
        let report = evaluate(&all, &["2022-23".to_owned()], &RuleSearch::default());
        assert!(report.seasons[0].chosen.is_none());
        assert_eq!(report.test.bets, 0);
        assert!(report.current.is_none());
        assert!(report.verdict.contains("alerts no value bet"), "{}", report.verdict);
    }

    /// A rule whose bets held their value in the seasons that chose it but lost it
    /// walk-forward is not the current rule: the evidence is out of sample.
    #[test]
    fn a_rule_that_lost_its_value_walk_forward_does_not_stand() {
        let mut bets: Vec<Bet> =
            (0..300).map(|i| bet("2021-22", i, "E0", 0.04, 2.0, 0.05, i % 2 == 0)).collect();
        bets.extend((0..300).map(|i| bet("2022-23", i, "E0", 0.04, 2.0, -0.03, i % 2 == 0)));
        let report = evaluate(&bets, &["2022-23".to_owned()], &RuleSearch::default());
        assert!(report.seasons[0].chosen.is_some(), "2021-22 held its value");
        assert!(report.test.clv < 0.0);
        // Chosen on both seasons, the rule's in-sample CLV is +1%: still not trusted.
        assert!(report.current.is_none(), "{:?}", report.current);
        assert!(report.verdict.contains("alerts no value bet"), "{}", report.verdict);
    }

    /// A league whose bets lost their value is left out of the rule.
    #[test]
    fn leagues_that_lost_their_value_are_left_out() {
        let mut bets = Vec::new();
        for i in 0..300 {
            bets.push(bet("2021-22", i, "E0", 0.04, 2.0, 0.02, i % 2 == 0));
            bets.push(bet("2021-22", i, "D1", 0.04, 2.0, -0.05, i % 2 == 0));
        }
        let chosen = choose(&bets, &RuleSearch::default()).expect("a rule");
        assert_eq!(chosen.rule.leagues, vec!["E0".to_owned()]);
        assert!((chosen.validation.clv - 0.02).abs() < 1e-12);
    }

    /// Bets of one day resampled together: a day of ten identical bets widens the
    /// interval as one observation, not ten.
    #[test]
    fn the_bootstrap_resamples_whole_days() {
        let mut bets: Vec<Bet> = (0..10).map(|_| bet("2022-23", 0, "E0", 0.05, 2.0, 0.10, true)).collect();
        bets.push(bet("2022-23", 1, "E0", 0.05, 2.0, -0.10, false));
        let refs: Vec<&Bet> = bets.iter().collect();
        let (clv, _) = bootstrap(&refs, 2_000, 1);
        // Two days: a resample holds day 0 twice, once or not at all.
        assert!((clv.low + 0.10).abs() < 1e-12, "{clv:?}");
        assert!((clv.high - 0.10).abs() < 1e-12, "{clv:?}");
    }
}
