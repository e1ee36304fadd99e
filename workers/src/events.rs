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

use sources::rows::{EventKind, EventRow, Side};

use crate::inference::NewForecast;
use crate::process::details::OddsChange;
use crate::process::fixtures::MatchChange;
use crate::process::incidents::kind_name;

/// The teams' names of a match with a goal, when known.
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

/// The updates one change of a match makes: `(channel, message)`.
pub fn match_events(change: &MatchChange) -> Vec<(String, Value)> {
    let channel = format!("matches:{}", change.match_id);
    let data = json!({
        "match_id": change.match_id,
        "status": change.status,
        "home_goals": change.home_goals,
        "away_goals": change.away_goals,
        "previous_status": change.before.as_ref().map(|b| b.0.clone()),
    });
    let mut out = vec![message("match:update", channel, data.clone())];
    if change.status == "live" {
        out.push(message("match:update", "matches:live".to_owned(), data));
    }
    out
}

/// A goal's messages: on its match's channel, and on `matches:live` while it is live.
fn goal_events(match_id: i64, live: bool, data: Value) -> Vec<(String, Value)> {
    let mut out = vec![message("match:goal", format!("matches:{match_id}"), data.clone())];
    if live {
        out.push(message("match:goal", "matches:live".to_owned(), data));
    }
    out
}

/// The goal a change of score shows, if it shows one (see [`MatchChange::goal`]), with
/// the scoring side's team from `teams`; a source without incidents names no scorer.
pub fn change_goal_events(change: &MatchChange, teams: &GoalTeams) -> Vec<(String, Value)> {
    let Some(side) = change.goal() else { return Vec::new() };
    let team = if side == "home" { &teams.home } else { &teams.away };
    let data = json!({
        "match_id": change.match_id,
        "side": side,
        "team": team,
        "scorer": Value::Null,
        "minute": Value::Null,
        "score": { "home": change.home_goals, "away": change.away_goals },
    });
    goal_events(change.match_id, change.status == "live", data)
}

/// A goal a live source's incidents report, with its scorer, assist and minute, and the
/// score right after it.
pub fn incident_goal_events(
    match_id: i64,
    live: bool,
    goal: &EventRow,
    teams: &GoalTeams,
    (home, away): (i32, i32),
) -> Vec<(String, Value)> {
    let (side, team) = match goal.side {
        Side::Home => ("home", &teams.home),
        Side::Away => ("away", &teams.away),
    };
    let data = json!({
        "match_id": match_id,
        "side": side,
        "team": team,
        "scorer": goal.player,
        "assist": goal.other_player,
        "minute": goal.minute,
        "kind": kind_name(&goal.kind),
        "own_goal": goal.kind == EventKind::OwnGoal,
        "score": { "home": home, "away": away },
    });
    goal_events(match_id, live, data)
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
        let c = change("live", (1, 0), Some(("live", 0, 0)));
        let mut events = match_events(&c);
        events.extend(change_goal_events(&c, &teams));
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

    /// A change's updates and its goal, as processing publishes them.
    fn both(c: &MatchChange) -> Vec<(String, Value)> {
        let mut out = match_events(c);
        out.extend(change_goal_events(c, &GoalTeams::default()));
        out
    }

    #[test]
    fn a_new_or_finished_match_is_only_an_update() {
        let new = both(&change("finished", (2, 1), None));
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].1["data"]["previous_status"], Value::Null);
        let corrected = both(&change("finished", (2, 2), Some(("live", 0, 0))));
        assert_eq!(corrected.len(), 1, "two goals at once are not one goal event");
        let result = both(&change("finished", (1, 0), Some(("scheduled", 0, 0))));
        assert_eq!(result.len(), 1, "a result of a match not seen live is no goal");
        let last_minute = both(&change("finished", (1, 0), Some(("live", 0, 0))));
        assert_eq!(last_minute.len(), 2, "a goal seen with the final whistle is still a goal");
    }
}
