//! Which value bets are worth alerting: the rule's thresholds, the price a bettor can
//! really take, and closing-line value.
//!
//! A bet is judged on the blended probability ([`super::blend`]) at the best price that
//! can be booked: a bookmaker's own price, or an exchange's net of its commission. Market
//! aggregates (the average, the best of all books) are not a price anyone offers and are
//! never taken. An edge above the rule's maximum is a disagreement with the market too
//! large to be information: the model is more likely wrong there, so it is not alerted.
//!
//! Closing-line value is the bet's expected value at the margin-free closing line,
//! `p_close × price − 1`: the best available estimate of what a bet was worth. The raw
//! price ratio `taken / closing − 1` is reported beside it; it flatters long shots,
//! whose closing prices carry most of the bookmaker's margin.

use serde::{Deserialize, Serialize};

/// Stored bookmaker names that are market aggregates, not prices on offer.
pub const AGGREGATES: [&str; 2] = ["market_avg", "market_max"];

/// Betting exchanges and the commission they take on net winnings.
pub const EXCHANGES: [(&str, f64); 1] = [("betfair_exchange", 0.05)];

/// The price a bettor keeps per unit staked at `bookmaker`: an exchange's winnings net
/// of commission; `None` for aggregates and prices above `cap` (a price that high is an
/// error or a market too thin to bet into).
pub fn bookable(bookmaker: &str, price: f64, cap: f64) -> Option<f64> {
    if AGGREGATES.contains(&bookmaker) || !price.is_finite() || price <= 1.0 || price > cap {
        return None;
    }
    match EXCHANGES.iter().find(|(name, _)| *name == bookmaker) {
        Some((_, commission)) => Some(1.0 + (price - 1.0) * (1.0 - commission)),
        None => Some(price),
    }
}

/// The thresholds a value bet must pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueRule {
    /// Smallest edge `p × price − 1` alerted.
    pub min_edge: f64,
    /// Largest edge alerted: beyond it the disagreement is taken as a model error.
    pub max_edge: f64,
    /// Bookable price bounds.
    pub min_price: f64,
    pub max_price: f64,
    /// Division codes the rule bets in; empty means every league.
    pub leagues: Vec<String>,
}

impl ValueRule {
    /// Whether a bet in `league` with `edge` at `price` passes.
    pub fn admits(&self, league: &str, edge: f64, price: f64) -> bool {
        edge.is_finite()
            && edge >= self.min_edge
            && edge <= self.max_edge
            && price >= self.min_price
            && price <= self.max_price
            && (self.leagues.is_empty() || self.leagues.iter().any(|l| l == league))
    }
}

/// `edge 2–15%, prices 1.00–10.00, E0, I1` (or `all leagues`): how the backtest, its
/// HTML report and the demo name a rule.
impl std::fmt::Display for ValueRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "edge {:.0}–{:.0}%, prices {:.2}–{:.2}, ",
            self.min_edge * 100.0,
            self.max_edge * 100.0,
            self.min_price,
            self.max_price
        )?;
        if self.leagues.is_empty() {
            f.write_str("all leagues")
        } else {
            f.write_str(&self.leagues.join(", "))
        }
    }
}

/// `p_close × price − 1`: the bet's expected value at the margin-free closing line.
pub fn closing_value(p_close: f64, price: f64) -> f64 {
    p_close * price - 1.0
}

/// `taken / closing − 1`: the raw price ratio.
pub fn price_ratio(taken: f64, closing: f64) -> f64 {
    taken / closing - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookable_prices_net_of_commission_without_aggregates_or_outliers() {
        assert_eq!(bookable("pinnacle", 2.5, 15.0), Some(2.5));
        assert_eq!(bookable("market_max", 2.5, 15.0), None);
        assert_eq!(bookable("market_avg", 2.5, 15.0), None);
        assert_eq!(bookable("bet365", 21.0, 15.0), None);
        assert_eq!(bookable("bet365", 1.0, 15.0), None);
        let net = bookable("betfair_exchange", 3.0, 15.0).unwrap();
        assert!((net - 2.9).abs() < 1e-12, "{net}");
    }

    #[test]
    fn a_rule_admits_within_every_bound() {
        let rule = ValueRule {
            min_edge: 0.03,
            max_edge: 0.15,
            min_price: 1.5,
            max_price: 5.0,
            leagues: vec!["E0".into()],
        };
        assert!(rule.admits("E0", 0.05, 2.0));
        assert!(!rule.admits("D1", 0.05, 2.0));
        assert!(!rule.admits("E0", 0.02, 2.0));
        assert!(!rule.admits("E0", 0.20, 2.0));
        assert!(!rule.admits("E0", 0.05, 1.4));
        assert!(!rule.admits("E0", 0.05, 6.0));
        assert!(!rule.admits("E0", f64::NAN, 2.0));
        assert_eq!(rule.to_string(), "edge 3–15%, prices 1.50–5.00, E0");
        let everywhere = ValueRule { leagues: Vec::new(), ..rule };
        assert!(everywhere.admits("D1", 0.05, 2.0));
        assert_eq!(everywhere.to_string(), "edge 3–15%, prices 1.50–5.00, all leagues");
    }

    /// A long shot taken at 11 that closes at 10 looks 10% better by price ratio; at a
    /// closing line whose margin sits on the long shot (fair 8.7%), it is worth -4.3%.
    #[test]
    fn closing_value_and_the_price_ratio_of_a_long_shot() {
        assert!((price_ratio(11.0, 10.0) - 0.1).abs() < 1e-12);
        assert!((closing_value(0.087, 11.0) + 0.043).abs() < 1e-12);
    }
}
