use super::*;
use chrono::TimeZone;

const COMPETITIONS: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/betfair/list_competitions.json"));
const CATALOGUE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/betfair/list_market_catalogue_no_ero.json"
));
const BOOK: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/betfair/list_market_book.json"));
const SCORES: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/betfair/scores.json"));
const FLASHSCORE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/pages/flashscore/match_0WtGsN8k_feeds.json"
));

/// The recorded JSON with `edit` applied, re-serialised.
fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(body).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn urls_and_requests() {
    assert_eq!(
        json_rpc_url("https://api.betfair.com/exchange/betting/"),
        "https://api.betfair.com/exchange/betting/json-rpc/v1"
    );
    assert_eq!(
        scores_url("http://127.0.0.1:9000", &[28210051, 1]),
        "http://127.0.0.1:9000/v1/scores?alt=json&eventIds=28210051,1&locale=en_GB&productType=EXCHANGE&regionCode=UK"
    );
    let req = list_competitions_request(SOCCER);
    assert_eq!(req["method"], "SportsAPING/v1.0/listCompetitions");
    assert_eq!(req["params"]["filter"]["eventTypeIds"][0], "1");
    let req = list_market_catalogue_request(&["28210051"], &["MATCH_ODDS"], 10);
    assert_eq!(req["params"]["filter"]["marketTypeCodes"][0], "MATCH_ODDS");
    assert_eq!(req["params"]["maxResults"], 10);
    let req = list_market_book_request(&["1.125875153"]);
    assert_eq!(req["params"]["marketIds"][0], "1.125875153");
    assert_eq!(req["params"]["priceProjection"]["priceData"][0], "EX_BEST_OFFERS");
}

#[test]
fn competitions() {
    let rows = parse_competitions("listCompetitions", COMPETITIONS).unwrap();
    assert_eq!(rows.len(), 22);
    assert_eq!(
        rows[0],
        CompetitionRow {
            source_id: "101".into(),
            name: "Premier Division".into(),
            region: Some("RUS".into())
        }
    );
    assert_eq!(rows[9].name, "Scottish League Cup");
    assert_eq!(rows[9].source_id, "1038449");
    assert_eq!(rows[12].region.as_deref(), Some("International"));
    assert_eq!(rows[21].name, "West Indies v India 2016");
    assert_eq!(rows[21].source_id, "9668235");
}

#[test]
fn market_catalogue() {
    let markets = parse_market_catalogue("listMarketCatalogue", CATALOGUE).unwrap();
    assert_eq!(markets.len(), 2);
    let m = &markets[0];
    assert_eq!(m.market_id, "1.125818641");
    assert_eq!(m.market_name.as_deref(), Some("Winner 2016/17"));
    assert_eq!(m.market_type.as_deref(), Some("WINNER"));
    assert_eq!(m.event_name.as_deref(), Some("Austrian Bundesliga"));
    assert_eq!(m.competition.as_deref(), Some("Austrian Bundesliga"));
    assert_eq!(m.start_time, Some(Utc.with_ymd_and_hms(2005, 3, 7, 14, 30, 0).unwrap()));
    assert_eq!(m.runners.len(), 10);
    assert_eq!(m.runners[0].selection_id, 3158851);
    assert_eq!(m.runners[0].name.as_deref(), Some("Red Bull Salzburg"));
    assert_eq!(m.runners[5].name.as_deref(), Some("Wolfsberger AC"));
    assert_eq!(m.runners[9].selection_id, 1088499);
    assert_eq!(m.runners[9].name.as_deref(), Some("St Polten"));
    assert_eq!(m.runners[9].best_back, None);
    let m = &markets[1];
    assert_eq!(m.market_id, "1.130856098");
    assert_eq!(m.market_type.as_deref(), Some("NONSPORT"));
    assert_eq!(m.competition.as_deref(), Some("UK - Brexit"));
    assert_eq!(m.runners[7].name.as_deref(), Some("2017"));
}

#[test]
fn market_book() {
    let markets = parse_market_book("listMarketBook", BOOK).unwrap();
    assert_eq!(markets.len(), 1);
    let m = &markets[0];
    assert_eq!(m.market_id, "1.125875153");
    assert_eq!(m.status.as_deref(), Some("SUSPENDED"));
    assert_eq!(m.runners.len(), 6);
    let r = &m.runners[0];
    assert_eq!(r.selection_id, 8665860);
    assert_eq!(r.status.as_deref(), Some("ACTIVE"));
    assert_eq!(r.best_back, Some((21.0, 2.0)));
    assert_eq!(r.best_lay, None);
    assert_eq!(r.last_traded, Some(1000.0));
    // Only lay offers on this one.
    let r = &m.runners[2];
    assert_eq!(r.selection_id, 7853158);
    assert_eq!(r.best_back, None);
    assert_eq!(r.best_lay, Some((1.14, 127.85)));
    assert_eq!(r.last_traded, Some(1.01));
    assert_eq!(m.runners[3].best_back, Some((8.4, 0.98)));
    // The removed runner has "actualSP": "NaN", no ladder and no last price.
    let r = &m.runners[5];
    assert_eq!(r.selection_id, 464226);
    assert_eq!(r.status.as_deref(), Some("REMOVED"));
    assert_eq!((r.best_back, r.best_lay, r.last_traded), (None, None, None));
}

#[test]
fn scores() {
    let d = parse_scores("scores 28210051", SCORES).unwrap();
    let f = &d.fixture;
    assert_eq!(f.source_id.as_deref(), Some("28210051"));
    assert_eq!((f.home.as_str(), f.away.as_str()), ("Boluspor", "Sanliurfaspor"));
    assert_eq!(f.status, MatchStatus::Live);
    assert_eq!((f.home_goals, f.away_goals), (Some(0), Some(2)));
    assert_eq!((f.ht_home_goals, f.ht_away_goals), (Some(0), Some(1)));
    assert_eq!(d.stats.len(), 2);
    let (h, a) = (&d.stats[0], &d.stats[1]);
    assert_eq!((h.side, h.team.as_str()), (Side::Home, "Boluspor"));
    assert_eq!((h.corners, h.yellow_cards, h.red_cards), (Some(1), Some(1), Some(0)));
    assert_eq!((a.side, a.team.as_str()), (Side::Away, "Sanliurfaspor"));
    assert_eq!((a.corners, a.yellow_cards, a.red_cards), (Some(2), Some(0), Some(0)));
    assert_eq!(a.possession, None);
    // The service's list form gives the same match.
    let listed = edited(SCORES, |v| *v = Value::Array(vec![v.clone()]));
    assert_eq!(parse_scores("scores", &listed).unwrap(), d);
    // Before half-time the half-time score is "".
    let first_half = edited(SCORES, |v| v["score"]["away"]["halfTimeScore"] = json!(""));
    assert_eq!(parse_scores("scores", &first_half).unwrap().fixture.ht_away_goals, None);
}

/// A MATCH_ODDS catalogue entry written for the test, over three runners of the
/// recorded book (same market id and selection ids, the recorded ladders).
fn match_odds_pair(event: &str) -> (ExchangeMarket, ExchangeMarket) {
    let catalogue = json!({"jsonrpc": "2.0", "id": 1, "result": [{
        "marketId": "1.125875153", "marketName": "Match Odds",
        "marketStartTime": "2016-07-30T14:00:00.000Z",
        "description": {"marketType": "MATCH_ODDS", "bettingType": "ODDS"},
        "event": {"id": "27840000", "name": event},
        "competition": {"id": "10932509", "name": "English Premier League"},
        "runners": [
            {"selectionId": 8665860, "runnerName": "Arsenal", "sortPriority": 1},
            {"selectionId": 5699181, "runnerName": "Liverpool", "sortPriority": 2},
            {"selectionId": 7853158, "runnerName": "The Draw", "sortPriority": 3}
        ]
    }]});
    let book = edited(BOOK, |v| {
        let runners = v["result"][0]["runners"].as_array_mut().unwrap();
        runners.retain(|r| [8665860, 5699181, 7853158].contains(&r["selectionId"].as_i64().unwrap()));
    });
    let catalogue = parse_market_catalogue("catalogue", &serde_json::to_vec(&catalogue).unwrap()).unwrap();
    let book = parse_market_book("book", &book).unwrap();
    (catalogue[0].clone(), book[0].clone())
}

#[test]
fn match_odds_rows() {
    let at = Utc.with_ymd_and_hms(2016, 7, 30, 15, 41, 44).unwrap();
    let (catalogue, book) = match_odds_pair("Arsenal v Liverpool");
    let rows = match_odds(&catalogue, &book, Some(at)).unwrap();
    // 7853158 (the draw here) has only lay offers, so no draw row.
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        OddsRow {
            bookmaker: "betfair_exchange".into(),
            market: Market::OneXTwo,
            selection: "home".into(),
            line: 0.0,
            price: 21.0,
            is_closing: false,
            recorded_at: Some(at),
        }
    );
    assert_eq!((rows[1].selection.as_str(), rows[1].price), ("away", 8.4));

    // The event name decides home and away over the runner order.
    let (catalogue, book) = match_odds_pair("Liverpool v Arsenal");
    let rows = match_odds(&catalogue, &book, None).unwrap();
    assert_eq!((rows[0].selection.as_str(), rows[0].price), ("home", 8.4));
    assert_eq!((rows[1].selection.as_str(), rows[1].price), ("away", 21.0));

    // With a back price on the draw runner, three rows.
    let (catalogue, mut book) = match_odds_pair("Arsenal v Liverpool");
    book.runners.iter_mut().find(|r| r.selection_id == 7853158).unwrap().best_back = Some((3.4, 10.0));
    let rows = match_odds(&catalogue, &book, None).unwrap();
    let got: Vec<(&str, f64)> = rows.iter().map(|r| (r.selection.as_str(), r.price)).collect();
    assert_eq!(got, [("home", 21.0), ("draw", 3.4), ("away", 8.4)]);
}

#[test]
fn match_odds_refuses_other_markets() {
    let (catalogue, book) = match_odds_pair("Arsenal v Liverpool");
    let winner = parse_market_catalogue("catalogue", CATALOGUE).unwrap().remove(0);
    assert_eq!(match_odds(&winner, &book, None).unwrap_err().field, "description.marketType");
    let mut other = book.clone();
    other.market_id = "1.1".into();
    assert_eq!(match_odds(&catalogue, &other, None).unwrap_err().field, "marketId");
    let mut missing = book.clone();
    missing.runners.retain(|r| r.selection_id != 5699181);
    assert_eq!(match_odds(&catalogue, &missing, None).unwrap_err().field, "runners.selectionId");
    let mut no_draw = catalogue.clone();
    no_draw.runners[2].name = Some("Draw".into());
    assert_eq!(match_odds(&no_draw, &book, None).unwrap_err().field, "runners.runnerName");
    let mut two = catalogue;
    two.runners.pop();
    assert_eq!(match_odds(&two, &book, None).unwrap_err().field, "runners");
}

#[test]
fn rpc_errors() {
    let err = br#"{"jsonrpc":"2.0","error":{"code":-32099,"message":"ANGX-0003","data":{"APINGException":{"errorCode":"INVALID_SESSION_INFORMATION"},"exceptionname":"APINGException"}},"id":1}"#;
    type Parse = fn(&[u8]) -> Result<(), ParseError>;
    let parsers: [Parse; 3] = [
        |b: &[u8]| parse_competitions("c", b).map(|_| ()),
        |b: &[u8]| parse_market_catalogue("c", b).map(|_| ()),
        |b: &[u8]| parse_market_book("c", b).map(|_| ()),
    ];
    for parse in parsers {
        let e = parse(err).unwrap_err();
        assert_eq!(e.field, "error");
        assert!(e.reason.contains("INVALID_SESSION_INFORMATION"), "{e}");
        assert_eq!(parse(br#"{"jsonrpc":"2.0","result":[],"id":1}"#).unwrap_err().field, "result");
        assert_eq!(parse(b"").unwrap_err().field, "body");
        assert_eq!(parse(b"{\"jsonrpc\":\"2.0\",\"resu").unwrap_err().field, "body");
        // Another site's page: no JSON-RPC result.
        assert_eq!(parse(FLASHSCORE).unwrap_err().field, "result");
    }
}

#[test]
fn malformed_competitions() {
    let half = &COMPETITIONS[..COMPETITIONS.len() / 2];
    assert_eq!(parse_competitions("c", half).unwrap_err().field, "body");
    let no_name = edited(COMPETITIONS, |v| {
        v["result"][3]["competition"].as_object_mut().unwrap().remove("name");
    });
    let e = parse_competitions("c", &no_name).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("result.3.competition.name", "missing"));
    let numeric_id = edited(COMPETITIONS, |v| v["result"][0]["competition"]["id"] = json!(101));
    assert_eq!(parse_competitions("c", &numeric_id).unwrap_err().field, "result.0.competition.id");
}

#[test]
fn malformed_catalogue() {
    let half = &CATALOGUE[..CATALOGUE.len() / 2];
    assert_eq!(parse_market_catalogue("c", half).unwrap_err().field, "body");
    let no_id = edited(CATALOGUE, |v| {
        v["result"][1].as_object_mut().unwrap().remove("marketId");
    });
    assert_eq!(parse_market_catalogue("c", &no_id).unwrap_err().field, "result.1.marketId");
    let bad_runner = edited(CATALOGUE, |v| v["result"][0]["runners"][4]["selectionId"] = json!("x"));
    let e = parse_market_catalogue("c", &bad_runner).unwrap_err();
    assert_eq!(e.field, "result.0.runners.4.selectionId");
    let bad_time = edited(CATALOGUE, |v| v["result"][0]["marketStartTime"] = json!("soon"));
    assert_eq!(parse_market_catalogue("c", &bad_time).unwrap_err().field, "result.0.marketStartTime");
    let no_runners = edited(CATALOGUE, |v| v["result"][0]["runners"] = json!({}));
    assert_eq!(parse_market_catalogue("c", &no_runners).unwrap_err().field, "result.0.runners");
}

#[test]
fn malformed_book() {
    let half = &BOOK[..BOOK.len() / 2];
    assert_eq!(parse_market_book("b", half).unwrap_err().field, "body");
    let bad_price =
        edited(BOOK, |v| v["result"][0]["runners"][1]["ex"]["availableToBack"][0]["price"] = json!("NaN"));
    let e = parse_market_book("b", &bad_price).unwrap_err();
    assert_eq!(e.field, "result.0.runners.1.ex.availableToBack.0.price");
    let no_size = edited(BOOK, |v| {
        v["result"][0]["runners"][2]["ex"]["availableToLay"][0].as_object_mut().unwrap().remove("size");
    });
    assert_eq!(
        parse_market_book("b", &no_size).unwrap_err().field,
        "result.0.runners.2.ex.availableToLay.0.size"
    );
    let ladder = edited(BOOK, |v| v["result"][0]["runners"][0]["ex"]["availableToBack"] = json!(21.0));
    assert_eq!(parse_market_book("b", &ladder).unwrap_err().field, "result.0.runners.0.ex.availableToBack");
    let no_selection = edited(BOOK, |v| {
        v["result"][0]["runners"][0].as_object_mut().unwrap().remove("selectionId");
    });
    assert_eq!(parse_market_book("b", &no_selection).unwrap_err().field, "result.0.runners.0.selectionId");
}

#[test]
fn malformed_scores() {
    assert_eq!(parse_scores("s", b"  ").unwrap_err().field, "body");
    assert_eq!(parse_scores("s", &SCORES[..SCORES.len() / 2]).unwrap_err().field, "body");
    assert_eq!(parse_scores("s", b"[]").unwrap_err().field, "0");
    let no_name = edited(SCORES, |v| {
        v["score"]["away"].as_object_mut().unwrap().remove("name");
    });
    assert_eq!(parse_scores("s", &no_name).unwrap_err().field, "score.away.name");
    let bad_score = edited(SCORES, |v| v["score"]["home"]["score"] = json!("one"));
    let e = parse_scores("s", &bad_score).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("score.home.score", "not an integer"));
    let no_status = edited(SCORES, |v| v["status"] = json!(3));
    assert_eq!(parse_scores("s", &no_status).unwrap_err().field, "status");
    assert_eq!(parse_scores("s", COMPETITIONS).unwrap_err().field, "score.home.name");
    assert_eq!(parse_scores("s", FLASHSCORE).unwrap_err().field, "score.home.name");
}

#[test]
fn match_odds_pages_need_both_parts_and_a_home_v_away_event() {
    let catalogue = |event: &str| {
        serde_json::json!({"result": [{"marketId": "1.9", "description": {"marketType": "MATCH_ODDS"},
            "marketStartTime": "2030-01-01T15:00:00.000Z", "event": {"name": event},
            "runners": [{"selectionId": 1, "runnerName": "A"}, {"selectionId": 2, "runnerName": "B"},
                        {"selectionId": 3, "runnerName": "The Draw"}]}]})
    };
    let book = serde_json::json!({"result": [{"marketId": "1.9", "runners": [
        {"selectionId": 1, "ex": {"availableToBack": [{"price": 2.0, "size": 5.0}]}},
        {"selectionId": 2, "ex": {"availableToBack": [{"price": 4.0, "size": 5.0}]}},
        {"selectionId": 3, "ex": {"availableToBack": []}}]}]});
    let page = |c: serde_json::Value| serde_json::json!({"catalogue": c, "book": book}).to_string();
    let rows = parse_match_odds_page("p", page(catalogue("A v B")).as_bytes()).unwrap();
    assert_eq!((rows[0].fixture.home.as_str(), rows[0].fixture.away.as_str()), ("A", "B"));
    assert_eq!(rows[0].odds.len(), 2, "no back offer on the draw, no price");
    let e = parse_match_odds_page("p", page(catalogue("A - B")).as_bytes()).unwrap_err();
    assert_eq!(e.field, "catalogue.event.name");
    let no_book = serde_json::json!({"catalogue": catalogue("A v B")}).to_string();
    assert_eq!(parse_match_odds_page("p", no_book.as_bytes()).unwrap_err().field, "book");
    assert!(parse_match_odds_page("p", b"not json").is_err());
    assert_eq!(market_ids("c", br#"{"result": []}"#).unwrap(), Vec::<String>::new());
    assert_eq!(market_ids("c", catalogue("A v B").to_string().as_bytes()).unwrap(), ["1.9"]);
}
