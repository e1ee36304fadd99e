use super::*;
use chrono::TimeZone;
use serde_json::json;

const RSS: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/guardian/guardian_us_front.rss"));
const SEARCH: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/guardian/content-api_search.json"));
const BBC: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/bbc-sport/sport_homepage.html"));

fn rss_with(from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(RSS).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

fn search_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(SEARCH).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn urls() {
    assert_eq!(
        rss_url("https://www.theguardian.com/", "football"),
        "https://www.theguardian.com/football/rss"
    );
    assert_eq!(
        search_url("http://127.0.0.1:8080", "football", 2, "test"),
        "http://127.0.0.1:8080/search?section=football&order-by=newest&show-fields=trailText,byline&page=2&api-key=test"
    );
}

#[test]
fn rss_items() {
    let rows = parse_rss("us/rss", RSS).unwrap();
    assert_eq!(rows.len(), 55);
    let first = &rows[0];
    assert_eq!(first.source, "guardian");
    assert_eq!(first.title, "Trump State of the Union address promised unity but emphasized discord");
    assert_eq!(
        first.url,
        "https://www.theguardian.com/us-news/2018/jan/31/donald-trump-state-of-the-union-address-unity-discord"
    );
    assert_eq!(first.published_at, Some(Utc.with_ymd_and_hms(2018, 1, 31, 7, 26, 5).unwrap()));
    assert_eq!(first.section.as_deref(), Some("Donald Trump"));
    assert_eq!(first.author.as_deref(), Some("David Smith in Washington"));
    let summary = first.summary.as_deref().unwrap();
    assert!(summary.starts_with(
        "The president’s ‘new American moment’ speech stirred Republican applause while Democrats showed \
         thinly disguised contempt Donald Trump has promised"
    ));
    assert!(
        summary.ends_with("Related: Fact check: Donald Trump's State of the Union address analyzed"),
        "{summary}"
    );
    assert!(!summary.contains('<'));

    // The football live blog: `&amp;` inside the escaped HTML decodes to `&`.
    let spurs = &rows[22];
    assert_eq!(spurs.title, "Tottenham Hotspur v Manchester United: Premier League – live!");
    assert_eq!(spurs.published_at, Some(Utc.with_ymd_and_hms(2018, 1, 31, 20, 13, 54).unwrap()));
    let summary = spurs.summary.as_deref().unwrap();
    assert!(summary.starts_with("Latest updates from the 8pm kick-off at Wembley Clockwatch:"), "{summary}");
    assert!(summary.contains("containing hot Chas & Dave action"));
    assert!(summary.ends_with("The resulting corner comes to nothing."), "{summary}");

    let last = &rows[54];
    assert_eq!(last.title, "Earth's ultimate yogis – in pictures");
    assert_eq!(last.section.as_deref(), Some("Photography"));
    assert_eq!(last.author, None, "<dc:creator /> is no author");
    assert_eq!(
        last.summary.as_deref(),
        Some(
            "Worried that fitness obsessives were making yoga too commercial, photographer Andy Richter \
             went in search of the true spiritual path – from mass retreats in America to caves in India"
        )
    );
    // `&nbsp;` is whitespace.
    assert!(rows[28].summary.as_deref().unwrap().contains("it is real. 'Did you sign"));
}

#[test]
fn rss_pub_date_falls_back_to_dc_date() {
    let body = rss_with("<pubDate>Wed, 31 Jan 2018 07:26:05 GMT</pubDate>", "");
    let rows = parse_rss("rss", &body).unwrap();
    assert_eq!(rows[0].published_at, Some(Utc.with_ymd_and_hms(2018, 1, 31, 7, 26, 5).unwrap()));
}

#[test]
fn content_api_search() {
    let rows = parse_search("search", SEARCH).unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0].title, "County cricket – live!");
    assert_eq!(rows[0].section.as_deref(), Some("Sport"));
    assert_eq!(rows[0].published_at, Some(Utc.with_ymd_and_hms(2014, 9, 10, 16, 10, 21).unwrap()));
    assert_eq!(rows[2].section.as_deref(), Some("Comment is free"));
    let fiver = &rows[9];
    assert_eq!(fiver.title, "The Fiver | A rather baffling queue of masochists and self-sacrificers");
    assert_eq!(
        fiver.url,
        "http://www.theguardian.com/football/2014/sep/10/the-fiver-a-baffling-queue-of-masochists"
    );
    assert_eq!(fiver.section.as_deref(), Some("Football"));
    assert_eq!(fiver.published_at, Some(Utc.with_ymd_and_hms(2014, 9, 10, 15, 50, 57).unwrap()));
    assert_eq!((fiver.summary.as_deref(), fiver.author.as_deref()), (None, None));
    // With show-fields the trail text (HTML) and byline are read.
    let fields = search_with(|v| {
        v["response"]["results"][9]["fields"] =
            json!({"trailText": "<strong>The Fiver</strong> &amp; friends", "byline": "Barry Glendenning"});
    });
    let rows = parse_search("search", &fields).unwrap();
    assert_eq!(rows[9].summary.as_deref(), Some("The Fiver & friends"));
    assert_eq!(rows[9].author.as_deref(), Some("Barry Glendenning"));
}

#[test]
fn malformed_rss() {
    assert_eq!(parse_rss("rss", b"").unwrap_err().field, "body");
    assert_eq!(parse_rss("rss", &RSS[..RSS.len() / 2]).unwrap_err().field, "body");
    assert_eq!(parse_rss("rss", SEARCH).unwrap_err().field, "body");
    // The BBC page is not well-formed XML.
    assert_eq!(parse_rss("rss", BBC).unwrap_err().field, "body");
    assert_eq!(parse_rss("rss", b"<feed><entry/></feed>").unwrap_err().field, "rss");
    assert_eq!(parse_rss("rss", b"<rss><channel></channel></rss>").unwrap_err().field, "rss/channel/item");
    let no_title = rss_with("<title>So, how did conservatives like the State of the Union?</title>", "");
    assert_eq!(parse_rss("rss", &no_title).unwrap_err().field, "rss/channel/item[1]/title");
    let bad_date =
        rss_with("<pubDate>Wed, 31 Jan 2018 07:26:05 GMT</pubDate>", "<pubDate>yesterday</pubDate>");
    assert_eq!(parse_rss("rss", &bad_date).unwrap_err().field, "rss/channel/item[0]/pubDate");
}

#[test]
fn malformed_search() {
    assert_eq!(parse_search("s", b"").unwrap_err().field, "body");
    assert_eq!(parse_search("s", &SEARCH[..SEARCH.len() / 2]).unwrap_err().field, "body");
    assert_eq!(parse_search("s", RSS).unwrap_err().field, "body");
    let error = br#"{"response":{"status":"error","message":"The api key provided is invalid"}}"#;
    let e = parse_search("s", error).unwrap_err();
    assert_eq!(e.field, "response.status");
    assert!(e.reason.contains("api key provided is invalid"));
    let empty = search_with(|v| v["response"]["results"] = json!([]));
    assert_eq!(parse_search("s", &empty).unwrap_err().field, "response.results");
    let no_url = search_with(|v| {
        v["response"]["results"][4].as_object_mut().unwrap().remove("webUrl");
    });
    assert_eq!(parse_search("s", &no_url).unwrap_err().field, "response.results.4.webUrl");
    let bad_title = search_with(|v| v["response"]["results"][0]["webTitle"] = json!(7));
    assert_eq!(parse_search("s", &bad_title).unwrap_err().field, "response.results.0.webTitle");
    let bad_time = search_with(|v| v["response"]["results"][3]["webPublicationDate"] = json!("Sept 10"));
    assert_eq!(parse_search("s", &bad_time).unwrap_err().field, "response.results.3.webPublicationDate");
    let betfair = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/betfair/scores.json"));
    assert_eq!(parse_search("s", betfair).unwrap_err().field, "response.status");
}
