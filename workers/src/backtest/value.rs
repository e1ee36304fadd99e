//! The value-bet backtest: every selection whose forecast beats the bet price by the
//! minimum edge is bet, at flat and at fractional-Kelly stakes, and judged on profit and
//! on closing-line value (the price taken against the closing price of the selection).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::Scored;
use crate::history::MarketPrices;
use predict::kelly;

/// How bets are chosen and staked.
#[derive(Debug, Clone, Serialize)]
pub struct ValueConfig {
    /// Forecasts that bet.
    pub models: Vec<String>,
    /// Smallest edge `p × price − 1` that is bet.
    pub min_edge: f64,
    /// Fraction of the Kelly stake, and its cap, of a bankroll of `bankroll` units.
    pub kelly_fraction: f64,
    pub kelly_cap: f64,
    pub bankroll: f64,
    /// The bookmaker whose pre-closing prices are taken (`pinnacle`, `market_avg`,
    /// `market_max`, `bet365`).
    pub book: String,
}

impl Default for ValueConfig {
    fn default() -> Self {
        Self {
            models: vec![
                "ensemble".into(),
                "ensemble_market".into(),
                super::BLEND.into(),
                "dixon_coles".into(),
            ],
            min_edge: 0.05,
            kelly_fraction: 0.25,
            kelly_cap: 0.05,
            bankroll: 100.0,
            book: "pinnacle".into(),
        }
    }
}

/// How one model's bets did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValueSummary {
    pub model: String,
    pub bets: usize,
    pub won: usize,
    /// One unit per bet.
    pub flat_profit: f64,
    pub flat_roi: f64,
    pub kelly_staked: f64,
    pub kelly_profit: f64,
    pub kelly_roi: f64,
    /// Mean of `price taken / closing price − 1` over bets with a closing price.
    pub mean_clv: f64,
    /// Share of bets taken at a better price than the close.
    pub beat_close: f64,
    pub mean_edge: f64,
}

/// Each model's cumulative Kelly profit, bet by bet.
pub type ProfitCurves = BTreeMap<String, Vec<(NaiveDate, f64)>>;

/// Bets every scored match by each configured model; returns the summaries and each
/// model's cumulative Kelly profit, bet by bet.
pub fn evaluate(
    matches: &[Scored],
    prices: &HashMap<i64, &MarketPrices>,
    cfg: &ValueConfig,
) -> (Vec<ValueSummary>, ProfitCurves) {
    let mut summaries = Vec::new();
    let mut curves = BTreeMap::new();
    for model in &cfg.models {
        let mut s = ValueSummary { model: model.clone(), ..ValueSummary::default() };
        let (mut clv_sum, mut clv_n, mut beat, mut edge_sum, mut flat_staked) =
            (0.0, 0usize, 0usize, 0.0, 0.0);
        let mut curve = Vec::new();
        for m in matches.iter().filter(|m| m.scored) {
            let (Some(p), Some(market)) = (m.forecasts.get(model), prices.get(&m.match_id)) else { continue };
            let Some(taken) = market.book(&cfg.book).and_then(|b| b.opening) else { continue };
            // The close of the same book, else the market average's.
            let close = market.book(&cfg.book).and_then(|b| b.closing).or(market.average.closing);
            for sel in 0..3 {
                let edge = kelly::edge(p[sel], taken[sel]);
                if edge.is_nan() || edge < cfg.min_edge {
                    continue;
                }
                let Ok(fraction) = kelly::kelly_stake(p[sel], taken[sel], cfg.kelly_fraction, cfg.kelly_cap)
                else {
                    continue;
                };
                let stake = fraction * cfg.bankroll;
                let won = m.outcome.index() == sel;
                let ret = if won { taken[sel] - 1.0 } else { -1.0 };
                s.bets += 1;
                s.won += usize::from(won);
                s.flat_profit += ret;
                flat_staked += 1.0;
                s.kelly_staked += stake;
                s.kelly_profit += stake * ret;
                edge_sum += edge;
                if let Some(c) = close {
                    clv_sum += taken[sel] / c[sel] - 1.0;
                    clv_n += 1;
                    beat += usize::from(taken[sel] > c[sel]);
                }
                curve.push((m.date, s.kelly_profit));
            }
        }
        if s.bets > 0 {
            s.flat_roi = s.flat_profit / flat_staked;
            s.kelly_roi = if s.kelly_staked > 0.0 { s.kelly_profit / s.kelly_staked } else { 0.0 };
            s.mean_edge = edge_sum / s.bets as f64;
        }
        if clv_n > 0 {
            s.mean_clv = clv_sum / clv_n as f64;
            s.beat_close = beat as f64 / clv_n as f64;
        }
        curves.insert(model.clone(), curve);
        summaries.push(s);
    }
    (summaries, curves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::BookPrices;
    use predict::data::Outcome;

    fn scored(id: i64, p: [f64; 3], outcome: Outcome) -> Scored {
        Scored {
            match_id: id,
            league: "E0".into(),
            season: "2023-24".into(),
            date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            home: "A".into(),
            away: "B".into(),
            outcome,
            forecasts: BTreeMap::from([("m".to_owned(), p)]),
            scored: true,
        }
    }

    #[test]
    fn bets_above_the_edge_with_known_profit_and_clv() {
        let market = MarketPrices {
            pinnacle: BookPrices { opening: Some([2.5, 3.4, 3.0]), closing: Some([2.2, 3.5, 3.4]) },
            ..MarketPrices::default()
        };
        let prices: HashMap<i64, &MarketPrices> = HashMap::from([(1, &market), (2, &market)]);
        // Home at 2.5 with p = 0.5: edge 0.25, bet; draw 3.4 × 0.25 − 1 < 0; away 3.0 × 0.25 < 0.
        let matches =
            vec![scored(1, [0.5, 0.25, 0.25], Outcome::Home), scored(2, [0.5, 0.25, 0.25], Outcome::Away)];
        let cfg = ValueConfig { models: vec!["m".into()], kelly_cap: 1.0, ..ValueConfig::default() };
        let (s, curves) = evaluate(&matches, &prices, &cfg);
        let s = &s[0];
        assert_eq!((s.bets, s.won), (2, 1));
        assert!((s.flat_profit - 0.5).abs() < 1e-12, "+1.5 then −1");
        assert!((s.flat_roi - 0.25).abs() < 1e-12);
        // Kelly: 0.25 × (0.5 × 2.5 − 1) / 1.5 = 1/24 of 100 units per bet.
        let stake = 100.0 / 24.0;
        assert!((s.kelly_staked - 2.0 * stake).abs() < 1e-9);
        assert!((s.kelly_profit - stake * 0.5).abs() < 1e-9);
        assert!((s.mean_clv - (2.5 / 2.2 - 1.0)).abs() < 1e-12);
        assert_eq!(s.beat_close, 1.0);
        assert_eq!(curves["m"].len(), 2);
        // A higher bar bets nothing.
        let strict = ValueConfig { min_edge: 0.3, ..cfg };
        assert_eq!(evaluate(&matches, &prices, &strict).0[0].bets, 0);
    }
}
