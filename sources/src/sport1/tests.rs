use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::extract::edit_json;

macro_rules! page {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/sport1/", $file))
    };
}

/// The five recorded moments of Atlético Madrid v Bayern München (2016-09-28), in order:
/// (match page, incidents page).
const STATES: [(&[u8], &[u8]); 5] = [
    (page!("live_8305396_01_min21_0-0_match.json"), page!("live_8305396_01_min21_0-0_match-event.json")),
    (page!("live_8305396_02_min35_1-0_match.json"), page!("live_8305396_02_min36_1-0_match-event.json")),
    (page!("live_8305396_03_halftime_match.json"), page!("live_8305396_03_halftime_match-event.json")),
    (page!("live_8305396_04_min67_match.json"), page!("live_8305396_04_min67_match-event.json")),
    (page!("live_8305396_05_fulltime_match.json"), page!("live_8305396_05_fulltime_match-event.json")),
];

#[test]
fn urls() {
    assert_eq!(match_url(BASE_URL, "8305396"), "https://sportsapi.sport1.de/match/ma8305396");
    assert_eq!(incidents_url("http://127.0.0.1:9", "8305396"), "http://127.0.0.1:9/match-event/ma8305396");
}

#[test]
fn the_match_page_gives_state_and_score_at_each_moment() {
    type State = (MatchStatus, Option<i32>, Option<i32>, Option<i32>);
    let states: Vec<State> = STATES
        .iter()
        .map(|(m, _)| {
            let f = parse_match("match", m).unwrap().fixture;
            (f.status, f.home_goals, f.away_goals, f.ht_home_goals)
        })
        .collect();
    assert_eq!(
        states,
        [
            (MatchStatus::Live, Some(0), Some(0), None),
            (MatchStatus::Live, Some(1), Some(0), None),
            (MatchStatus::Live, Some(1), Some(0), Some(1)),
            (MatchStatus::Live, Some(1), Some(0), Some(1)),
            (MatchStatus::Finished, Some(1), Some(0), Some(1)),
        ]
    );
    let f = parse_match("match", STATES[4].0).unwrap().fixture;
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Atlético Madrid", "Bayern München"));
    // 20:45 in Madrid and Munich (CEST) is 18:45 UTC.
    assert_eq!(f.kickoff, Some(Utc.with_ymd_and_hms(2016, 9, 28, 18, 45, 0).unwrap()));
    assert_eq!(f.source_id.as_deref(), Some("8305396"));
    assert_eq!(
        (f.venue.as_deref(), f.referee.as_deref()),
        (Some("Vicente Calderón"), Some("Szymon Marciniak"))
    );
    assert_eq!(f.ht_away_goals, Some(0));
    assert_eq!(home_team_id("match", STATES[0].0).unwrap(), "162");
}

#[test]
fn incidents_name_the_scorer_the_minute_and_the_side() {
    let at_goal = parse_incidents("match-event", STATES[1].1, "162").unwrap();
    let goals: Vec<&EventRow> = at_goal.iter().filter(|e| e.kind == EventKind::Goal).collect();
    assert_eq!(
        goals,
        [&EventRow {
            minute: 35,
            extra_minute: None,
            side: Side::Home,
            kind: EventKind::Goal,
            player: Some("Yannick Ferreira-Carrasco".into()),
            // The assist was entered later: the full-time page names it.
            other_player: None,
        }]
    );
    assert_eq!(at_goal.len(), 4, "three yellow cards and the goal: {at_goal:?}");

    let full = parse_incidents("match-event", STATES[4].1, "162").unwrap();
    let goal = full.iter().find(|e| e.kind == EventKind::Goal).unwrap();
    assert_eq!(goal.other_player.as_deref(), Some("Antoine Griezmann"));
    let count = |k: EventKind| full.iter().filter(|e| e.kind == k).count();
    assert_eq!(
        (count(EventKind::Goal), count(EventKind::YellowCard), count(EventKind::Substitution)),
        (1, 5, 6)
    );
    let missed = full.iter().find(|e| e.kind == EventKind::MissedPenalty).unwrap();
    assert_eq!(
        (missed.minute, missed.player.as_deref(), missed.side),
        (84, Some("Antoine Griezmann"), Side::Home)
    );
    let robben = full.iter().find(|e| e.player.as_deref() == Some("Arjen Robben")).unwrap();
    assert_eq!(
        (robben.kind.clone(), robben.minute, robben.side, robben.other_player.as_deref()),
        (EventKind::Substitution, 59, Side::Away, Some("Thomas Müller"))
    );
    assert!(full.windows(2).all(|w| w[0].minute <= w[1].minute), "oldest first");
    // Each moment holds the incidents of the one before it.
    let counts: Vec<usize> =
        STATES.iter().map(|(_, e)| parse_incidents("match-event", e, "162").unwrap().len()).collect();
    assert_eq!(counts, [1, 4, 5, 8, 13]);
}

#[test]
fn malformed_pages_are_refused_naming_the_field() {
    let err = parse_match("match", b"<html>").unwrap_err();
    assert_eq!(err.site, "sport1");
    let no_score = edit_json(STATES[1].0, |v| v["match"]["match_result"] = json!([]));
    assert_eq!(parse_match("match", &no_score).unwrap_err().field, "match.match_result");
    let odd_period = edit_json(STATES[1].0, |v| v["match"]["current_period"] = json!("tea-break"));
    assert_eq!(parse_match("match", &odd_period).unwrap_err().field, "match.current_period");
    let bad_time = edit_json(STATES[1].0, |v| v["match"]["match_time"] = json!("8pm"));
    assert_eq!(parse_match("match", &bad_time).unwrap_err().field, "match.match_time");
    let not_a_list = parse_incidents("match-event", STATES[1].0, "162").unwrap_err();
    assert_eq!(not_a_list.reason, "not a list of entries");
    let no_minute = edit_json(STATES[1].1, |v| {
        let goal = v.as_array_mut().unwrap().iter_mut().find(|e| e["action"] == "goal").unwrap();
        goal["minute"] = json!("late");
    });
    assert!(parse_incidents("match-event", &no_minute, "162").unwrap_err().field.ends_with(".minute"));
}
