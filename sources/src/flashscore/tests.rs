use super::*;
use chrono::{TimeZone, Utc};
use serde_json::json;

const FEEDS_JSON: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/flashscore/match_0WtGsN8k_feeds.json"
));
const BETFAIR: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/betfair/scores.json"));

fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(FEEDS_JSON).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

/// The recorded feeds with one feed's text rewritten.
fn feed_replaced(feed: &str, from: &str, to: &str) -> Vec<u8> {
    edited(|v| {
        let text = v[feed].as_str().unwrap();
        assert!(text.contains(from), "{from} not in {feed}");
        v[feed] = json!(text.replacen(from, to, 1));
    })
}

fn parse(body: &[u8]) -> Result<MatchDetail, ParseError> {
    parse_match_feeds("match 0WtGsN8k", body)
}

#[test]
fn urls() {
    assert_eq!(
        match_feed_url("https://global.flashscore.ninja/2/", "df_st", "0WtGsN8k"),
        "https://global.flashscore.ninja/2/x/feed/df_st_1_0WtGsN8k"
    );
    assert_eq!(match_feed_url("http://127.0.0.1:1", "dc", "x"), "http://127.0.0.1:1/x/feed/dc_1_x");
    assert_eq!(
        match_page_url("https://www.flashscore.com", "0WtGsN8k"),
        "https://www.flashscore.com/match/0WtGsN8k/#/match-summary"
    );
}

#[test]
fn tokenizer() {
    let recs = records("SE÷Match¬~SD÷12¬SG÷Ball possession¬SH÷64%¬SI÷36%¬~A1÷¬~");
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0], vec![("SE", "Match")]);
    assert_eq!(recs[1][1], ("SG", "Ball possession"));
    assert_eq!(recs[1][3], ("SI", "36%"));
    assert_eq!(recs[2], vec![("A1", "")]);
    // Values may hold `÷` themselves only after the first one; text without fields is dropped.
    assert_eq!(records("garbage¬~¬~"), Vec::<Record<'_>>::new());
    assert_eq!(records("K÷a÷b¬"), vec![vec![("K", "a÷b")]]);
}

#[test]
fn match_detail() {
    let d = parse(FEEDS_JSON).unwrap();
    let f = &d.fixture;
    assert_eq!(f.status, MatchStatus::Finished);
    assert_eq!(f.kickoff, Some(Utc.with_ymd_and_hms(2021, 9, 11, 14, 0, 0).unwrap()));
    assert_eq!((f.home_goals, f.away_goals), (Some(4), Some(1)));
    assert_eq!((f.ht_home_goals, f.ht_away_goals), (Some(1), Some(0)));
    assert_eq!(f.referee.as_deref(), Some("Taylor A."));
    assert_eq!(f.venue.as_deref(), Some("Old Trafford"));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("", ""));

    assert_eq!(d.stats.len(), 2);
    let (h, a) = (&d.stats[0], &d.stats[1]);
    assert_eq!((h.side, a.side), (Side::Home, Side::Away));
    assert_eq!((h.possession, a.possession), (Some(64.0), Some(36.0)));
    assert_eq!((h.shots, a.shots), (Some(21), Some(12)));
    assert_eq!((h.shots_on_target, a.shots_on_target), (Some(7), Some(3)));
    assert_eq!((h.corners, a.corners), (Some(7), Some(3)));
    assert_eq!((h.fouls, a.fouls), (Some(9), Some(2)));
    assert_eq!((h.yellow_cards, a.yellow_cards), (Some(1), Some(0)));
    // No red card line in the feed, no xG on this match.
    assert_eq!((h.red_cards, h.xg), (None, None));
}

#[test]
fn incidents() {
    let d = parse(FEEDS_JSON).unwrap();
    let ev = &d.events;
    assert_eq!(ev.len(), 12);
    let goals: Vec<_> = ev.iter().filter(|e| e.kind == EventKind::Goal).collect();
    assert_eq!(goals.len(), 5);
    assert_eq!(
        ev[0],
        EventRow {
            minute: 45,
            extra_minute: Some(2),
            side: Side::Home,
            kind: EventKind::Goal,
            player: Some("Ronaldo C.".into()),
            other_player: None,
        }
    );
    assert_eq!(
        ev[1],
        EventRow {
            minute: 56,
            extra_minute: None,
            side: Side::Away,
            kind: EventKind::Goal,
            player: Some("Manquillo J.".into()),
            other_player: Some("Saint-Maximin A.".into()),
        }
    );
    assert_eq!((ev[2].minute, ev[2].side, &ev[2].kind), (60, Side::Home, &EventKind::YellowCard));
    assert_eq!(ev[2].player.as_deref(), Some("Pogba P."));
    assert_eq!(ev[2].other_player, None);
    assert_eq!(ev[3].other_player.as_deref(), Some("Shaw L."));
    // Substitution: the player going off, then the one coming on.
    assert_eq!(
        ev[4],
        EventRow {
            minute: 66,
            extra_minute: None,
            side: Side::Home,
            kind: EventKind::Substitution,
            player: Some("Sancho J.".into()),
            other_player: Some("Lingard J.".into()),
        }
    );
    assert_eq!((ev[5].side, ev[5].player.as_deref()), (Side::Away, Some("Manquillo J.")));
    assert_eq!(ev[6].player.as_deref(), Some("Fernandes B."));
    assert_eq!(ev[6].other_player.as_deref(), Some("Pogba P."));
    assert_eq!(ev[9].other_player.as_deref(), Some("van de Beek D."));
    let last = &ev[11];
    assert_eq!((last.minute, last.extra_minute, &last.kind), (90, Some(2), &EventKind::Goal));
    assert_eq!(last.player.as_deref(), Some("Lingard J."));
    assert_eq!(last.other_player.as_deref(), Some("Pogba P."));
}

#[test]
fn statuses_and_kinds() {
    let scheduled = edited(|v| {
        v["dc"] = json!("DA÷1¬DB÷1¬DC÷1631368800¬DE÷¬~");
        v.as_object_mut().unwrap().retain(|k, _| k == "dc");
    });
    let d = parse(&scheduled).unwrap();
    assert_eq!(d.fixture.status, MatchStatus::Scheduled);
    assert_eq!((d.fixture.home_goals, d.fixture.away_goals), (None, None));
    assert!(d.stats.is_empty() && d.events.is_empty());
    let postponed = feed_replaced("dc", "DB÷3", "DB÷4");
    assert_eq!(parse(&postponed).unwrap().fixture.status, MatchStatus::Postponed);
    let live = feed_replaced("dc", "DA÷3", "DA÷2");
    assert_eq!(parse(&live).unwrap().fixture.status, MatchStatus::Live);
    let own_goal = feed_replaced("df_sui", "IK÷Goal¬IM÷WGOY4FSt", "IK÷Own goal¬IM÷WGOY4FSt");
    assert_eq!(parse(&own_goal).unwrap().events[0].kind, EventKind::OwnGoal);
    let var = feed_replaced("df_sui", "IK÷Yellow Card", "IK÷VAR");
    assert_eq!(parse(&var).unwrap().events[2].kind, EventKind::Other("VAR".into()));
}

#[test]
fn malformed() {
    assert_eq!(parse(b"").unwrap_err().field, "body");
    assert_eq!(parse(&FEEDS_JSON[..FEEDS_JSON.len() / 2]).unwrap_err().field, "body");
    assert_eq!(parse(b"[\"dc\"]").unwrap_err().field, "body");
    let no_dc = edited(|v| {
        v.as_object_mut().unwrap().remove("dc");
    });
    assert_eq!(parse(&no_dc).unwrap_err().field, "dc");
    assert_eq!(parse(&edited(|v| v["df_st"] = json!(12))).unwrap_err().field, "df_st");
    assert_eq!(parse(&feed_replaced("dc", "DC÷1631368800", "DC÷soon")).unwrap_err().field, "dc.DC");
    assert_eq!(parse(&feed_replaced("dc", "DA÷3¬", "")).unwrap_err().field, "dc.DA");
    assert_eq!(parse(&feed_replaced("dc", "DE÷4", "DE÷four")).unwrap_err().field, "dc.DE");
    assert_eq!(parse(&feed_replaced("df_st", "SE÷Match", "SE÷Whole")).unwrap_err().field, "df_st.SE=Match");
    let e = parse(&feed_replaced("df_st", "SH÷21", "SH÷lots")).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("df_st.Total shots", "not a number: \"lots\""));
    assert_eq!(parse(&feed_replaced("df_st", "¬SH÷64%", "")).unwrap_err().field, "df_st.Ball possession");
    assert_eq!(parse(&feed_replaced("df_sui", "IA÷2", "IA÷3")).unwrap_err().field, "df_sui.1.IA");
    assert_eq!(parse(&feed_replaced("df_sui", "IB÷60'", "IB÷HT")).unwrap_err().field, "df_sui.2.IB");
    // A truncated feed text: the cut record loses its minute.
    let cut = edited(|v| {
        let sui = v["df_sui"].as_str().unwrap();
        let at = sui.find("IB÷62'").unwrap();
        v["df_sui"] = json!(sui[..at].to_owned());
    });
    assert_eq!(parse(&cut).unwrap_err().field, "df_sui.3.IB");
    // Another site's page.
    assert_eq!(parse(BETFAIR).unwrap_err().field, "dc");
}
