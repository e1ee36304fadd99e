use super::*;

const HOME: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/bbc-sport/sport_homepage.html"));

fn home_with(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(HOME);
    assert!(text.contains(from), "{from}");
    text.replace(from, to).into_bytes()
}

#[test]
fn urls() {
    assert_eq!(homepage_url("https://www.bbc.co.uk/"), "https://www.bbc.co.uk/sport");
    assert_eq!(section_url("http://127.0.0.1:3000", "football"), "http://127.0.0.1:3000/sport/football");
}

#[test]
fn headlines() {
    let rows = parse_homepage("sport", HOME).unwrap();
    assert_eq!(rows.len(), 56);
    let first = &rows[0];
    assert_eq!(first.source, "bbc_sport");
    assert_eq!(first.title, "Euro 2024 qualifier: Build-up to England v Ukraine - Maddison starts");
    assert_eq!(first.url, "https://www.bbc.co.uk/sport/live/football/65006768");
    assert_eq!(first.section.as_deref(), Some("football"));
    assert_eq!((first.published_at, first.summary.as_deref(), first.author.as_deref()), (None, None, None));
    // A video promo: the visible headline only, not the hidden "... Video" copy.
    assert_eq!(rows[5].title, "Man City leapfrog Chelsea with 2-0 win");
    assert_eq!(rows[5].url, "https://www.bbc.co.uk/sport/av/football/65082161");
    // Entities decoded.
    assert_eq!(rows[12].title, "O'Neill keen to take emotion out of NI homecoming");
    assert_eq!(rows[16].title, "GB's Norrie & Evans out as seeds fall in Miami");
    assert_eq!(rows[16].section.as_deref(), Some("tennis"));
    // No sport in the path.
    assert_eq!(rows[35].title, "Man Utd want Brighton's Ferguson - Sunday's gossip");
    assert_eq!(rows[35].section, None);
    let last = rows.last().unwrap();
    assert_eq!(last.title, "'We will not forgive, or forget' - six sporting lives lost in Ukraine");
    assert_eq!(last.url, "https://www.bbc.co.uk/sport/64641089");
    // The live-guide billboard and the iPlayer/Sounds promotions are not stories.
    assert!(rows.iter().all(|r| r.url.starts_with("https://www.bbc.co.uk/sport/") && !r.url.contains('?')));
    assert_eq!(rows.iter().filter(|r| r.section.as_deref() == Some("football")).count(), 28);
}

#[test]
fn duplicate_promos_once() {
    // Point the second promo at the first story: it is dropped.
    let body = home_with("href=\"/sport/live/football/64970598\"", "href=\"/sport/live/football/65006768\"");
    let rows = parse_homepage("sport", &body).unwrap();
    assert_eq!(rows.len(), 55);
    assert_eq!(rows[1].url, "https://www.bbc.co.uk/sport/live/rugby-union/62999889");
}

#[test]
fn malformed() {
    assert_eq!(parse_homepage("sport", b"").unwrap_err().field, "body");
    let guardian = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/pages/guardian/content-api_search.json"
    ));
    assert_eq!(parse_homepage("sport", guardian).unwrap_err().field, "body");
    // The RSS is markup, but has no promo links.
    let rss =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/guardian/guardian_us_front.rss"));
    assert_eq!(parse_homepage("sport", rss).unwrap_err().field, PROMO_LINK);
    // The first 10% of the page is all head and styles.
    assert_eq!(parse_homepage("sport", &HOME[..HOME.len() / 10]).unwrap_err().field, PROMO_LINK);
    // HTML cut in half still parses: the promos before the cut.
    let half = parse_homepage("sport", &HOME[..HOME.len() / 2]).unwrap();
    assert!(!half.is_empty() && half.len() < 56, "{}", half.len());
    assert_eq!(half[0].url, "https://www.bbc.co.uk/sport/live/football/65006768");
    // Renamed headline class: links without headlines are not rows, so none is left.
    let no_headlines = home_with("-PromoHeadline", "-Heading");
    let e = parse_homepage("sport", &no_headlines).unwrap_err();
    assert_eq!(e.field, format!("{PROMO_LINK} {HEADLINE}"));
}
