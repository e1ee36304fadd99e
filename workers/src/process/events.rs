//! Live events of processed data, in the original design's message format
//! `{type, channel, timestamp, data}`: `match_update` on `matches:{id}` (and
//! `matches:live` while a match is live), `goal` on `matches:{id}`, `odds_change` on
//! `odds:{match_id}`. They go out on the queue backend's pub/sub under the configured
//! prefix.

use serde_json::{Value, json};

use super::details::OddsChange;
use super::fixtures::MatchChange;

fn message(kind: &str, channel: String, data: Value) -> (String, Value) {
    let payload = json!({
        "type": kind,
        "channel": channel,
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "data": data,
    });
    (channel, payload)
}

/// The messages one change of a match makes: `(channel, message)`.
pub fn match_events(change: &MatchChange) -> Vec<(String, Value)> {
    let channel = format!("matches:{}", change.match_id);
    let data = json!({
        "match_id": change.match_id,
        "status": change.status,
        "home_goals": change.home_goals,
        "away_goals": change.away_goals,
        "previous_status": change.before.as_ref().map(|b| b.0.clone()),
    });
    let mut out = vec![message("match_update", channel.clone(), data.clone())];
    if change.status == "live" {
        out.push(message("match_update", "matches:live".to_owned(), data));
    }
    if let Some(side) = change.goal() {
        let goal = json!({
            "match_id": change.match_id,
            "side": side,
            "home_goals": change.home_goals,
            "away_goals": change.away_goals,
        });
        out.push(message("goal", channel, goal));
    }
    out
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
    message("odds_change", format!("odds:{}", change.match_id), data)
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
        assert_eq!((m["type"].as_str(), m["channel"].as_str()), (Some("odds_change"), Some("odds:9")));
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
        let events = match_events(&change("live", (1, 0), Some(("live", 0, 0))));
        let kinds: Vec<(&str, &str)> =
            events.iter().map(|(c, m)| (c.as_str(), m["type"].as_str().unwrap_or_default())).collect();
        assert_eq!(
            kinds,
            [("matches:7", "match_update"), ("matches:live", "match_update"), ("matches:7", "goal")]
        );
        let goal = &events[2].1;
        assert_eq!(
            (goal["channel"].as_str(), goal["data"]["side"].as_str()),
            (Some("matches:7"), Some("home"))
        );
        assert!(chrono::DateTime::parse_from_rfc3339(goal["timestamp"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn a_new_or_finished_match_is_only_an_update() {
        let new = match_events(&change("finished", (2, 1), None));
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].1["data"]["previous_status"], Value::Null);
        let corrected = match_events(&change("finished", (2, 2), Some(("live", 0, 0))));
        assert_eq!(corrected.len(), 1, "two goals at once are not one goal event");
    }
}
