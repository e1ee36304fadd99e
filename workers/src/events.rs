//! Live events, in the original design's message format `{type, channel, timestamp,
//! data}`:
//! - `match:update` on `matches:{id}` (and `matches:live` while a match is live),
//! - `match:goal` on `matches:{id}` (and `matches:live`),
//! - `odds:change` on `odds:{match_id}`,
//! - `prediction:new` on `predictions:new`,
//! - `value_bet:alert` on `value_bets:alerts`.
//!
//! They go out on the queue backend (Redis pub/sub, or the embedded queue's events
//! table) under the configured prefix.

use serde_json::{Value, json};

use crate::inference::NewForecast;
use crate::process::details::OddsChange;
use crate::process::fixtures::MatchChange;

/// The scoring side's team of a goal, when known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GoalTeams {
    pub home: Option<String>,
    pub away: Option<String>,
}

/// A message of type `kind` on `channel`, stamped now.
pub fn message(kind: &str, channel: String, data: Value) -> (String, Value) {
    let payload = json!({
        "type": kind,
        "channel": channel,
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": data,
    });
    (channel, payload)
}

/// The messages one change of a match makes: `(channel, message)`. `teams` names the
/// sides for a goal.
pub fn match_events(change: &MatchChange, teams: &GoalTeams) -> Vec<(String, Value)> {
    let channel = format!("matches:{}", change.match_id);
    let data = json!({
        "match_id": change.match_id,
        "status": change.status,
        "home_goals": change.home_goals,
        "away_goals": change.away_goals,
        "previous_status": change.before.as_ref().map(|b| b.0.clone()),
    });
    let live = change.status == "live";
    let mut out = vec![message("match:update", channel.clone(), data.clone())];
    if live {
        out.push(message("match:update", "matches:live".to_owned(), data));
    }
    if let Some(side) = change.goal() {
        let team = if side == "home" { &teams.home } else { &teams.away };
        let goal = json!({
            "match_id": change.match_id,
            "side": side,
            "team": team,
            // Filled from the match's incidents when a live source gives them.
            "scorer": Value::Null,
            "minute": Value::Null,
            "score": { "home": change.home_goals, "away": change.away_goals },
        });
        out.push(message("match:goal", channel, goal.clone()));
        if live {
            out.push(message("match:goal", "matches:live".to_owned(), goal));
        }
    }
    out
}

/// The message of a new forecast of a match.
pub fn prediction_event(f: &NewForecast) -> (String, Value) {
    let data = json!({
        "match_id": f.match_id,
        "league": f.league,
        "home_team": f.home,
        "away_team": f.away,
        "kickoff_at": f.kickoff.to_rfc3339(),
        "model": f.model,
        "model_version": f.version,
        "probabilities": { "home": f.probs[0], "draw": f.probs[1], "away": f.probs[2] },
        "expected_goals": f.expected_goals.map(|(h, a)| json!({ "home": h, "away": a })),
    });
    message("prediction:new", "predictions:new".to_owned(), data)
}

/// The message of a new value bet; `forecast` is its match's, for the names.
pub fn value_bet_event(bet: &entities::value_bets::Model, forecast: Option<&NewForecast>) -> (String, Value) {
    let data = json!({
        "value_bet_id": bet.id,
        "match_id": bet.match_id,
        "home_team": forecast.map(|f| &f.home),
        "away_team": forecast.map(|f| &f.away),
        "kickoff_at": forecast.map(|f| f.kickoff.to_rfc3339()),
        "selection": bet.selection,
        "bookmaker": bet.bookmaker,
        "odds": bet.price,
        "edge": bet.edge,
        "stake": bet.kelly_stake,
        "probability": bet.p_model,
    });
    message("value_bet:alert", "value_bets:alerts".to_owned(), data)
}

/// The message of a moved price: `(channel, message)`.
pub fn odds_event(change: &OddsChange) -> (String, Value) {
    let data = json!({
        "match_id": change.match_id,
        "bookmaker": change.bookmaker,
        "market": change.market.as_str(),
        "selection": change.selection,
        "line": change.line,
        "previous_price": change.previous,
        "price": change.price,
        "recorded_at": change.recorded_at.to_rfc3339(),
    });
    message("odds:change", format!("odds:{}", change.match_id), data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_price_is_an_odds_change_on_its_match_channel() {
        let at = chrono::DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z").unwrap().to_utc();
        let (channel, m) = odds_event(&OddsChange {
            match_id: 9,
            bookmaker: "Bet 365".into(),
            market: sources::Market::OneXTwo,
            selection: "home".into(),
            line: 0.0,
            previous: 2.1,
            price: 2.25,
            recorded_at: at,
        });
        assert_eq!(channel, "odds:9");
        assert_eq!((m["type"].as_str(), m["channel"].as_str()), (Some("odds:change"), Some("odds:9")));
        assert_eq!(
            (m["data"]["previous_price"].as_f64(), m["data"]["price"].as_f64()),
            (Some(2.1), Some(2.25))
        );
        assert_eq!(m["data"]["market"].as_str(), Some("1x2"));
    }

    fn change(status: &str, now: (i32, i32), before: Option<(&str, i32, i32)>) -> MatchChange {
        MatchChange {
            match_id: 7,
            status: status.into(),
            home_goals: Some(now.0),
            away_goals: Some(now.1),
            before: before.map(|(s, h, a)| (s.to_owned(), Some(h), Some(a))),
        }
    }

    #[test]
    fn a_live_goal_is_an_update_on_both_channels_and_a_goal() {
        let teams = GoalTeams { home: Some("Arsenal".into()), away: Some("Chelsea".into()) };
        let events = match_events(&change("live", (1, 0), Some(("live", 0, 0))), &teams);
        let kinds: Vec<(&str, &str)> =
            events.iter().map(|(c, m)| (c.as_str(), m["type"].as_str().unwrap_or_default())).collect();
        assert_eq!(
            kinds,
            [
                ("matches:7", "match:update"),
                ("matches:live", "match:update"),
                ("matches:7", "match:goal"),
                ("matches:live", "match:goal")
            ]
        );
        let goal = &events[2].1;
        assert_eq!(
            (goal["channel"].as_str(), goal["data"]["side"].as_str(), goal["data"]["team"].as_str()),
            (Some("matches:7"), Some("home"), Some("Arsenal"))
        );
        assert_eq!(
            (goal["data"]["score"]["home"].as_i64(), goal["data"]["score"]["away"].as_i64()),
            (Some(1), Some(0))
        );
        assert!(chrono::DateTime::parse_from_rfc3339(goal["timestamp"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn a_new_or_finished_match_is_only_an_update() {
        let new = match_events(&change("finished", (2, 1), None), &GoalTeams::default());
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].1["data"]["previous_status"], Value::Null);
        let corrected =
            match_events(&change("finished", (2, 2), Some(("live", 0, 0))), &GoalTeams::default());
        assert_eq!(corrected.len(), 1, "two goals at once are not one goal event");
    }
}
