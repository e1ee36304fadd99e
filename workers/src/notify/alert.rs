//! The value-bet alert: what a subscriber is told about one value bet, loaded from the
//! database and rendered as MarkdownV2. Every piece of data is escaped, since team
//! names, prices and signed percentages are full of characters MarkdownV2 reserves.

use chrono::{DateTime, Utc};
use entities::{leagues, matches, predictions, teams, value_bets};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

use super::markdown::escape_markdown_v2;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("value bet {0} does not exist")]
    NotFound(i64),
    /// A row the value bet refers to is gone (the schema's keys should prevent it).
    #[error("value bet {value_bet}: its {what} {id} does not exist")]
    Dangling { value_bet: i64, what: &'static str, id: i64 },
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl jobs::Classify for AlertError {
    /// Only a database hiccup; a missing row stays missing.
    fn is_transient(&self) -> bool {
        matches!(self, Self::Db(_))
    }
}

/// Everything an alert shows, as plain (unescaped) data.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub value_bet_id: i64,
    pub match_id: i64,
    pub home: String,
    pub away: String,
    pub league_code: String,
    pub league_name: String,
    pub kickoff_at: DateTime<Utc>,
    /// `home`, `draw` or `away`.
    pub selection: String,
    pub bookmaker: String,
    pub price: f64,
    /// The model's probability of the selection.
    pub probability: f64,
    /// `p × price − 1`.
    pub edge: f64,
    /// Share of the bankroll.
    pub kelly_stake: f64,
    pub confidence: Option<f64>,
    /// The market's margin-free probability of the selection.
    pub market_probability: Option<f64>,
    /// When the price was recorded.
    pub price_seen_at: Option<DateTime<Utc>>,
    /// The rule that passed the bet, and its backtested record.
    pub rule: Option<RuleRecord>,
}

/// The rule a bet passed, as its alert states it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct RuleRecord {
    /// `validated` (chosen by closing-line value in training) or `fixed` (configured).
    pub source: String,
    /// The rule's bounds, re-checked against the latest price before sending.
    pub min_edge: Option<f64>,
    pub max_edge: Option<f64>,
    pub min_price: Option<f64>,
    pub max_price: Option<f64>,
    /// The validated rule's backtested bets, mean closing-line value and ROI.
    pub bets: Option<u64>,
    pub clv: Option<f64>,
    pub roi: Option<f64>,
}

impl RuleRecord {
    fn line(&self) -> String {
        match (self.bets, self.clv, self.roi) {
            (Some(bets), Some(clv), Some(roi)) if self.source == "validated" => format!(
                "Rule's walk-forward backtest: CLV {:+.1}%, ROI {:+.1}% over {bets} bets",
                clv * 100.0,
                roi * 100.0
            ),
            _ => "Rule: set by the operator, without a backtested record".to_owned(),
        }
    }
}

impl Alert {
    /// The MarkdownV2 text sent to subscribers.
    pub fn render(&self) -> String {
        let e = escape_markdown_v2;
        let confidence = self.confidence.map_or_else(|| "n/a".to_owned(), percent);
        let mut text = format!(
            "*Value bet*\n\
             *{home}* v *{away}*\n\
             League: {league} \\({code}\\)\n\
             Kickoff: {kickoff}\n\
             Selection: *{selection}*\n\
             Bookmaker: {bookmaker} at *{price}*\n\
             Model probability: {probability}\n\
             Edge: {edge}\n\
             Kelly stake: {kelly}\n\
             Confidence: {confidence}",
            home = e(&self.home),
            away = e(&self.away),
            league = e(&self.league_name),
            code = e(&self.league_code),
            kickoff = e(&self.kickoff_at.format("%Y-%m-%d %H:%M UTC").to_string()),
            selection = e(&self.selection_label()),
            bookmaker = e(&self.bookmaker),
            price = e(&format!("{:.2}", self.price)),
            probability = e(&percent(self.probability)),
            edge = e(&format!("{:+.1}%", self.edge * 100.0)),
            kelly = e(&percent(self.kelly_stake)),
            confidence = e(&confidence),
        );
        // The evidence, for bets that carry it (bets stored before it was recorded don't).
        if let Some(p) = self.market_probability {
            text.push_str(&format!("\nMarket probability: {}", e(&percent(p))));
        }
        if let Some(at) = self.price_seen_at {
            text.push_str(&format!("\nPrice seen: {}", e(&at.format("%Y-%m-%d %H:%M UTC").to_string())));
        }
        if let Some(rule) = &self.rule {
            text.push_str(&format!("\n{}", e(&rule.line())));
        }
        text
    }

    /// The selection in words, naming the team backed.
    fn selection_label(&self) -> String {
        match self.selection.as_str() {
            "home" => format!("{} to win", self.home),
            "away" => format!("{} to win", self.away),
            "draw" => "Draw".to_owned(),
            other => other.to_owned(),
        }
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// The alert of value bet `id`, with its match, teams, league and prediction.
pub async fn load(db: &DatabaseConnection, id: i64) -> Result<Alert, AlertError> {
    let bet = value_bets::Entity::find_by_id(id).one(db).await?.ok_or(AlertError::NotFound(id))?;
    let value_bet = bet.id;
    let dangling = move |what: &'static str, id: i64| AlertError::Dangling { value_bet, what, id };
    let game = matches::Entity::find_by_id(bet.match_id)
        .one(db)
        .await?
        .ok_or_else(|| dangling("match", bet.match_id))?;
    let prediction = predictions::Entity::find_by_id(bet.prediction_id)
        .one(db)
        .await?
        .ok_or_else(|| dangling("prediction", bet.prediction_id))?;
    let team = |id: i64| async move {
        teams::Entity::find_by_id(id).one(db).await?.map(|t| t.name).ok_or_else(|| dangling("team", id))
    };
    let home = team(game.home_team_id).await?;
    let away = team(game.away_team_id).await?;
    let league = leagues::Entity::find_by_id(game.league_id)
        .one(db)
        .await?
        .ok_or_else(|| dangling("league", game.league_id))?;
    let probability = match bet.selection.as_str() {
        "home" => prediction.p_home,
        "draw" => prediction.p_draw,
        _ => prediction.p_away,
    };
    Ok(Alert {
        value_bet_id: bet.id,
        match_id: bet.match_id,
        home,
        away,
        league_code: league.code,
        league_name: league.name,
        kickoff_at: game.kickoff_at,
        selection: bet.selection,
        bookmaker: bet.bookmaker,
        price: bet.price,
        probability,
        edge: bet.edge,
        kelly_stake: bet.kelly_stake,
        confidence: bet.confidence,
        market_probability: bet.p_market,
        price_seen_at: bet.price_seen_at,
        rule: bet.rule.and_then(|r| serde_json::from_value(r).ok()),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn brighton_koln() -> Alert {
        Alert {
            value_bet_id: 9,
            match_id: 3,
            home: "Brighton & Hove Albion".into(),
            away: "1. FC Köln".into(),
            league_code: "E0".into(),
            league_name: "Premier League".into(),
            kickoff_at: Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap(),
            selection: "away".into(),
            bookmaker: "bet-365".into(),
            price: 2.1,
            probability: 0.52,
            edge: 0.092,
            kelly_stake: 0.023,
            confidence: Some(0.71),
            market_probability: None,
            price_seen_at: None,
            rule: None,
        }
    }

    #[test]
    fn golden_alert_escapes_every_piece_of_data() {
        let golden = "*Value bet*\n\
                      *Brighton & Hove Albion* v *1\\. FC Köln*\n\
                      League: Premier League \\(E0\\)\n\
                      Kickoff: 2026\\-12\\-05 15:00 UTC\n\
                      Selection: *1\\. FC Köln to win*\n\
                      Bookmaker: bet\\-365 at *2\\.10*\n\
                      Model probability: 52\\.0%\n\
                      Edge: \\+9\\.2%\n\
                      Kelly stake: 2\\.3%\n\
                      Confidence: 71\\.0%";
        assert_eq!(brighton_koln().render(), golden);
    }

    #[test]
    fn draw_negative_edge_and_no_confidence() {
        let alert = Alert {
            selection: "draw".into(),
            edge: -0.015,
            confidence: None,
            league_name: "Serie A [Italy]".into(),
            ..brighton_koln()
        };
        let text = alert.render();
        assert!(text.contains("Selection: *Draw*\n"), "{text}");
        assert!(text.contains("Edge: \\-1\\.5%\n"), "{text}");
        assert!(text.contains("League: Serie A \\[Italy\\] \\(E0\\)\n"), "{text}");
        assert!(text.ends_with("Confidence: n/a"), "{text}");
    }

    #[test]
    fn the_evidence_follows_when_the_bet_carries_it() {
        let record = |source: &str| RuleRecord {
            source: source.into(),
            min_edge: Some(0.03),
            max_edge: Some(0.15),
            min_price: None,
            max_price: None,
            bets: Some(412),
            clv: Some(0.012),
            roi: Some(-0.034),
        };
        let alert = Alert {
            market_probability: Some(0.476),
            price_seen_at: Some(Utc.with_ymd_and_hms(2026, 12, 5, 13, 2, 0).unwrap()),
            rule: Some(record("validated")),
            ..brighton_koln()
        };
        let text = alert.render();
        assert!(
            text.ends_with(
                "Confidence: 71\\.0%\nMarket probability: 47\\.6%\nPrice seen: 2026\\-12\\-05 13:02 UTC\n\
                 Rule's walk\\-forward backtest: CLV \\+1\\.2%, ROI \\-3\\.4% over 412 bets"
            ),
            "{text}"
        );
        let fixed = Alert { rule: Some(record("fixed")), ..brighton_koln() }.render();
        assert!(fixed.ends_with("Rule: set by the operator, without a backtested record"), "{fixed}");
    }
}
