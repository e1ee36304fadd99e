use super::*;
use serde_json::Value;

const PAGE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/bench/fixtures_page.html"));
const EXPECTED: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/bench/fixtures_expected.json"));

fn page_with(from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(PAGE).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

fn parse(body: &[u8]) -> Result<Vec<FixtureListRow>, ParseError> {
    parse_fixtures_page("fixtures 2025-06-14", body)
}

#[test]
fn url() {
    let day = NaiveDate::from_ymd_opt(2025, 6, 14).unwrap();
    assert_eq!(fixtures_url("http://127.0.0.1:1/", day), "http://127.0.0.1:1/fixtures/2025-06-14");
}

/// All 400 rows equal the records the peer parsers must produce.
#[test]
fn all_rows_equal_the_expected_records() {
    let rows = parse(PAGE).unwrap();
    let expected: Vec<Value> = serde_json::from_slice(EXPECTED).unwrap();
    assert_eq!(rows.len(), 400);
    assert_eq!(expected.len(), 400);
    for (i, (row, want)) in rows.iter().zip(&expected).enumerate() {
        assert_eq!(&serde_json::to_value(row).unwrap(), want, "row {i}");
    }
}

#[test]
fn specific_rows() {
    let rows = parse(PAGE).unwrap();
    let first = &rows[0];
    assert_eq!((first.id, first.league.as_str(), first.status.as_str()), (1100013, "Premier League", "FT"));
    assert_eq!((first.home.as_str(), first.away.as_str()), ("Celtic", "RSC Anderlecht"));
    assert_eq!((first.home_score, first.away_score), (Some(4), Some(0)));
    assert_eq!(first.odds, [6.07, 3.74, 8.17]);
    assert_eq!(first.kickoff.to_rfc3339(), "2025-06-14T11:15:00+00:00");
    assert_eq!(first.url, "/matches/1100013");
    let f = first.fixture();
    assert_eq!(
        (f.status, f.source_id.as_deref(), f.competition.as_deref()),
        (MatchStatus::Finished, Some("1100013"), Some("Premier League"))
    );
    let mid = &rows[199];
    assert_eq!((mid.id, mid.league.as_str(), mid.status.as_str()), (1101855, "Ligue 1", "HT"));
    assert_eq!((mid.home.as_str(), mid.away.as_str()), ("SSC Napoli", "SL Benfica"));
    assert_eq!(mid.fixture().status, MatchStatus::Live);
    let last = &rows[399];
    assert_eq!((last.id, last.league.as_str(), last.status.as_str()), (1103659, "Premiership", "POSTP"));
    assert_eq!((last.home_score, last.away_score), (None, None));
    assert_eq!(last.fixture().status, MatchStatus::Postponed);
    let unplayed = rows.iter().find(|r| r.id == 1100089).unwrap();
    assert_eq!((unplayed.status.as_str(), unplayed.home.as_str()), ("NS", "Atlético Madrid"));
    assert_eq!(unplayed.fixture().status, MatchStatus::Scheduled);
    assert_eq!(rows.iter().filter(|r| r.league == "Süper Lig").count(), 40);
    assert!(rows.iter().any(|r| r.home == "Brighton & Hove Albion"));
}

#[test]
fn malformed() {
    assert_eq!(parse(b"").unwrap_err().field, "body");
    assert_eq!(parse(EXPECTED).unwrap_err().field, "body");
    let bbc =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/bbc-sport/sport_homepage.html"));
    assert_eq!(parse(bbc).unwrap_err().field, "div.league-block");
    // Cut in the middle of a row: that row lacks its later cells.
    let text = std::str::from_utf8(PAGE).unwrap();
    let row = text.find("data-id=\"1100065\"").unwrap();
    let cut = row + text[row..].find("<td class=\"odds\">").unwrap();
    let e = parse(&PAGE[..cut]).unwrap_err();
    assert_eq!(e.field, "tr.match-row[5] td.odds");
    let no_id = page_with(" data-id=\"1100021\"", "");
    assert_eq!(parse(&no_id).unwrap_err().field, "tr.match-row[1] [data-id]");
    let bad_time = page_with("datetime=\"2025-06-14T11:00:00Z\"", "datetime=\"11:00\"");
    assert_eq!(parse(&bad_time).unwrap_err().field, "tr.match-row[1] td.time time[datetime]");
    let bad_score = page_with("<td class=\"score\">4 - 0</td>", "<td class=\"score\">4 - ?</td>");
    assert_eq!(parse(&bad_score).unwrap_err().field, "tr.match-row[0] td.score");
    let bad_odd = page_with("<span class=\"odd\">3.74</span>", "<span class=\"odd\">evens</span>");
    assert_eq!(parse(&bad_odd).unwrap_err().field, "tr.match-row[0] td.odds span.odd");
    let no_team = page_with("<a href=\"/teams/celtic\">Celtic</a>", "Celtic");
    assert_eq!(parse(&no_team).unwrap_err().field, "tr.match-row[0] td.home a");
    let no_league = page_with("<h2 class=\"league-name\">Premier League</h2>", "");
    assert_eq!(parse(&no_league).unwrap_err().field, "h2.league-name");
}
