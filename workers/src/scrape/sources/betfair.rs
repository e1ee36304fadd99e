//! Betfair Exchange: the API-NG betting API (JSON-RPC) and the in-play scores service.
//!
//! Pages parsed: `listCompetitions` (competitions with Betfair's ids), `listMarketCatalogue`
//! (markets with their runners' names), `listMarketBook` (best back/lay prices and the last
//! traded price per runner) and the scores feed (score, cards and corners of a live match).
//! [`match_odds`] joins a MATCH_ODDS catalogue entry and its book into 1X2 odds.
//!
//! Every API-NG method is a POST of a JSON-RPC envelope to one endpoint ([`json_rpc_url`]);
//! the `*_request` functions build those envelopes.

use chrono::{DateTime, Utc};
use entities::enums::{Market, MatchStatus};
use serde_json::{Value, json};

use crate::scrape::error::ParseError;
use crate::scrape::extract::{Page, as_f64, opt, opt_i64, opt_str};
use crate::scrape::rows::{
    CompetitionRow, ExchangeMarket, ExchangeRunner, FixtureRow, MatchDetail, OddsRow, Side, TeamStatsRow,
};

const SITE: &str = "betfair";

/// The bookmaker name odds from the exchange are stored under.
pub const BOOKMAKER: &str = "betfair_exchange";

/// Betfair's id of the event type Soccer.
pub const SOCCER: &str = "1";

/// The JSON-RPC endpoint of the betting API (base `https://api.betfair.com/exchange/betting`).
pub fn json_rpc_url(base: &str) -> String {
    format!("{}/json-rpc/v1", base.trim_end_matches('/'))
}

/// The in-play scores of some events (base `https://ips.betfair.com/inplayservice`).
pub fn scores_url(base: &str, event_ids: &[u64]) -> String {
    let ids: Vec<String> = event_ids.iter().map(u64::to_string).collect();
    format!(
        "{}/v1/scores?alt=json&eventIds={}&locale=en_GB&productType=EXCHANGE&regionCode=UK",
        base.trim_end_matches('/'),
        ids.join(",")
    )
}

fn rpc_request(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": format!("SportsAPING/v1.0/{method}"), "params": params, "id": 1})
}

/// The body of a `listCompetitions` call for one event type ([`SOCCER`]).
pub fn list_competitions_request(event_type_id: &str) -> Value {
    rpc_request("listCompetitions", json!({"filter": {"eventTypeIds": [event_type_id]}}))
}

/// The body of a `listMarketCatalogue` call: the markets of some events, with the
/// projections the parser reads (runner names, event, competition, market type).
pub fn list_market_catalogue_request(event_ids: &[&str], market_types: &[&str], max_results: u32) -> Value {
    rpc_request(
        "listMarketCatalogue",
        json!({
            "filter": {"eventIds": event_ids, "marketTypeCodes": market_types},
            "marketProjection": ["COMPETITION", "EVENT", "MARKET_START_TIME", "MARKET_DESCRIPTION", "RUNNER_DESCRIPTION"],
            "maxResults": max_results,
        }),
    )
}

/// The body of a `listMarketCatalogue` call for the match-odds markets of one
/// competition that start before `to`.
pub fn match_odds_catalogue_request(competition_id: &str, to: DateTime<Utc>, max_results: u32) -> Value {
    rpc_request(
        "listMarketCatalogue",
        json!({
            "filter": {
                "eventTypeIds": [SOCCER],
                "competitionIds": [competition_id],
                "marketTypeCodes": ["MATCH_ODDS"],
                "marketStartTime": {"to": to.to_rfc3339()},
            },
            "marketProjection": ["COMPETITION", "EVENT", "MARKET_START_TIME", "MARKET_DESCRIPTION", "RUNNER_DESCRIPTION"],
            "maxResults": max_results,
        }),
    )
}

/// The market ids of a `listMarketCatalogue` response (an empty result is no market,
/// not an error, here: a competition can have no match coming up).
pub fn market_ids(page: &str, body: &[u8]) -> Result<Vec<String>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    if opt(&v, "result").and_then(Value::as_array).is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    Ok(rpc_result(&p, &v)?.iter().filter_map(|m| opt_str(m, "marketId").map(str::to_owned)).collect())
}

/// A stored match-odds page, `{"catalogue": <listMarketCatalogue response>, "book":
/// <listMarketBook response>}`: each MATCH_ODDS market as its match (teams from the
/// event name `Home v Away`, kick-off from the market's start) and the runners' best
/// back prices as exchange odds. A market missing from the book is left out.
pub fn parse_match_odds_page(page: &str, body: &[u8]) -> Result<Vec<MatchDetail>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    let part = |key: &str| -> Result<Vec<u8>, ParseError> {
        let part = opt(&v, key).ok_or_else(|| p.err(key, "missing"))?;
        serde_json::to_vec(part).map_err(|e| p.err(key, e.to_string()))
    };
    let catalogue = parse_market_catalogue(page, &part("catalogue")?).map_err(|e| prefix(e, "catalogue."))?;
    let book = parse_market_book(page, &part("book")?).map_err(|e| prefix(e, "book."))?;
    let mut out = Vec::new();
    for market in catalogue.iter().filter(|m| m.market_type.as_deref() == Some("MATCH_ODDS")) {
        let Some(prices) = book.iter().find(|b| b.market_id == market.market_id) else { continue };
        let event = market.event_name.as_deref().unwrap_or_default();
        let (home, away) = event
            .split_once(" v ")
            .ok_or_else(|| p.err("catalogue.event.name", format!("not `Home v Away`: {event:?}")))?;
        out.push(MatchDetail {
            fixture: FixtureRow {
                source_id: Some(market.market_id.clone()),
                competition: market.competition.clone(),
                kickoff: market.start_time,
                home: home.trim().to_owned(),
                away: away.trim().to_owned(),
                // The exchange prices matches before they are played; results come
                // from the results sources.
                status: MatchStatus::Scheduled,
                ..FixtureRow::default()
            },
            odds: match_odds(market, prices, None)?,
            ..MatchDetail::default()
        });
    }
    Ok(out)
}

/// The body of a `listMarketBook` call with the best offers of each runner.
pub fn list_market_book_request(market_ids: &[&str]) -> Value {
    rpc_request(
        "listMarketBook",
        json!({"marketIds": market_ids, "priceProjection": {"priceData": ["EX_BEST_OFFERS"]}}),
    )
}

/// The `result` array of a JSON-RPC response; an `error` member or an empty result is
/// an error.
fn rpc_result<'v>(p: &Page, v: &'v Value) -> Result<&'v Vec<Value>, ParseError> {
    if let Some(err) = opt(v, "error") {
        let code = opt_str(err, "data.APINGException.errorCode")
            .or_else(|| opt_str(err, "message"))
            .map_or_else(|| err.to_string(), str::to_owned);
        return Err(p.err("error", format!("JSON-RPC error: {code}")));
    }
    let result = p.array(v, "result")?;
    if result.is_empty() {
        return Err(p.err("result", "empty"));
    }
    Ok(result)
}

/// `listCompetitions`: every competition with its id and region.
pub fn parse_competitions(page: &str, body: &[u8]) -> Result<Vec<CompetitionRow>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    rpc_result(&p, &v)?
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(CompetitionRow {
                source_id: p.str(c, "competition.id").map_err(|e| at(e, i))?.to_owned(),
                name: p.str(c, "competition.name").map_err(|e| at(e, i))?.to_owned(),
                region: opt_str(c, "competitionRegion").map(str::to_owned),
            })
        })
        .collect()
}

/// `listMarketCatalogue`: markets with their names, type, event, competition, start time
/// and runners' names (no prices).
pub fn parse_market_catalogue(page: &str, body: &[u8]) -> Result<Vec<ExchangeMarket>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    rpc_result(&p, &v)?
        .iter()
        .enumerate()
        .map(|(i, m)| catalogue_market(&p, m).map_err(|e| at(e, i)))
        .collect()
}

fn catalogue_market(p: &Page, m: &Value) -> Result<ExchangeMarket, ParseError> {
    let runners = p.array(m, "runners")?;
    let runners = runners
        .iter()
        .enumerate()
        .map(|(j, r)| {
            Ok(ExchangeRunner {
                selection_id: p.i64(r, "selectionId").map_err(|e| prefix(e, &format!("runners.{j}.")))?,
                name: opt_str(r, "runnerName").map(str::to_owned),
                ..ExchangeRunner::default()
            })
        })
        .collect::<Result<Vec<_>, ParseError>>()?;
    Ok(ExchangeMarket {
        market_id: p.str(m, "marketId")?.to_owned(),
        market_name: opt_str(m, "marketName").map(str::to_owned),
        market_type: opt_str(m, "description.marketType").map(str::to_owned),
        event_name: opt_str(m, "event.name").map(str::to_owned),
        competition: opt_str(m, "competition.name").map(str::to_owned),
        start_time: opt_time(p, m, "marketStartTime")?,
        status: None,
        runners,
    })
}

/// `listMarketBook`: per market its status, per runner its status, best back and lay
/// (price, size) and last traded price. Non-finite numbers (`"NaN"` starting prices)
/// are absent values, not errors.
pub fn parse_market_book(page: &str, body: &[u8]) -> Result<Vec<ExchangeMarket>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    rpc_result(&p, &v)?.iter().enumerate().map(|(i, m)| book_market(&p, m).map_err(|e| at(e, i))).collect()
}

fn book_market(p: &Page, m: &Value) -> Result<ExchangeMarket, ParseError> {
    let runners = p.array(m, "runners")?;
    let runners = runners
        .iter()
        .enumerate()
        .map(|(j, r)| book_runner(p, r).map_err(|e| prefix(e, &format!("runners.{j}."))))
        .collect::<Result<Vec<_>, ParseError>>()?;
    Ok(ExchangeMarket {
        market_id: p.str(m, "marketId")?.to_owned(),
        status: opt_str(m, "status").map(str::to_owned),
        runners,
        ..ExchangeMarket::default()
    })
}

fn book_runner(p: &Page, r: &Value) -> Result<ExchangeRunner, ParseError> {
    let back = levels(p, r, "ex.availableToBack")?;
    let lay = levels(p, r, "ex.availableToLay")?;
    Ok(ExchangeRunner {
        selection_id: p.i64(r, "selectionId")?,
        name: None,
        status: opt_str(r, "status").map(str::to_owned),
        // The API lists the best level first; taking the extreme does not rely on it.
        best_back: back.into_iter().max_by(|a, b| a.0.total_cmp(&b.0)),
        best_lay: lay.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)),
        last_traded: opt(r, "lastPriceTraded").and_then(as_f64),
    })
}

/// The (price, size) levels of one side of a runner's ladder; an absent ladder is empty.
fn levels(p: &Page, r: &Value, path: &str) -> Result<Vec<(f64, f64)>, ParseError> {
    let Some(ladder) = opt(r, path) else { return Ok(Vec::new()) };
    let ladder = ladder.as_array().ok_or_else(|| p.err(path, "not an array"))?;
    ladder
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let price = p.f64(l, "price").map_err(|e| prefix(e, &format!("{path}.{k}.")))?;
            let size = p.f64(l, "size").map_err(|e| prefix(e, &format!("{path}.{k}.")))?;
            Ok((price, size))
        })
        .collect()
}

/// The scores feed of one event (an object, or the service's list of one): the match as
/// a live fixture with its score, and each side's corners and cards.
pub fn parse_scores(page: &str, body: &[u8]) -> Result<MatchDetail, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    let s = match &v {
        Value::Array(a) => a.first().ok_or_else(|| p.err("0", "empty list"))?,
        other => other,
    };
    let home = p.str(s, "score.home.name")?.to_owned();
    let away = p.str(s, "score.away.name")?.to_owned();
    let fixture = FixtureRow {
        source_id: Some(p.i64(s, "eventId")?.to_string()),
        home: home.clone(),
        away: away.clone(),
        status: scores_status(p.str(s, "status")?),
        home_goals: Some(goals(&p, s, "score.home.score")?),
        away_goals: Some(goals(&p, s, "score.away.score")?),
        ht_home_goals: opt_goals(s, "score.home.halfTimeScore"),
        ht_away_goals: opt_goals(s, "score.away.halfTimeScore"),
        ..FixtureRow::default()
    };
    let stats =
        vec![side_stats(s, Side::Home, home, "score.home"), side_stats(s, Side::Away, away, "score.away")];
    Ok(MatchDetail { fixture, stats, ..MatchDetail::default() })
}

/// The feed only covers events in play; its status is the phase of play
/// (`KickOff`, `FirstHalfEnd`, `SecondHalfKickOff`, ...), so anything not known to be
/// before or after the match is live.
fn scores_status(status: &str) -> MatchStatus {
    match status {
        "NotStarted" | "PreMatch" => MatchStatus::Scheduled,
        "Finished" | "Complete" | "Completed" | "FullTime" => MatchStatus::Finished,
        "Postponed" => MatchStatus::Postponed,
        "Cancelled" | "Abandoned" => MatchStatus::Cancelled,
        _ => MatchStatus::Live,
    }
}

/// Goals are strings (`"2"`); required for the current score.
fn goals(p: &Page, v: &Value, path: &str) -> Result<i32, ParseError> {
    i32::try_from(p.i64(v, path)?).map_err(|_| p.err(path, "out of range"))
}

/// Half-time goals are `""` until half-time.
fn opt_goals(v: &Value, path: &str) -> Option<i32> {
    opt_i64(v, path).and_then(|g| i32::try_from(g).ok())
}

fn side_stats(s: &Value, side: Side, team: String, path: &str) -> TeamStatsRow {
    let count = |field: &str| opt_goals(s, &format!("{path}.{field}"));
    TeamStatsRow {
        side,
        team,
        possession: None,
        shots: None,
        shots_on_target: None,
        corners: count("numberOfCorners"),
        fouls: None,
        yellow_cards: count("numberOfYellowCards"),
        red_cards: count("numberOfRedCards"),
        xg: None,
    }
}

/// 1X2 odds from a MATCH_ODDS market: the catalogue gives the runners' names, the book
/// their best back prices. Home and away are the two sides of the event name
/// (`Home v Away`), or the catalogue's runner order (home, away) when the name does not
/// tell; the draw is `The Draw`. A runner with no back offer gives no row.
pub fn match_odds(
    catalogue: &ExchangeMarket,
    book: &ExchangeMarket,
    recorded_at: Option<DateTime<Utc>>,
) -> Result<Vec<OddsRow>, ParseError> {
    let p = Page::new(SITE, &catalogue.market_id);
    if catalogue.market_type.as_deref() != Some("MATCH_ODDS") {
        return Err(p.err("description.marketType", format!("not MATCH_ODDS: {:?}", catalogue.market_type)));
    }
    if book.market_id != catalogue.market_id {
        return Err(p.err("marketId", format!("book is for market {}", book.market_id)));
    }
    let (home, draw, away) = match_odds_runners(&p, catalogue)?;
    let mut rows = Vec::new();
    for (selection, id) in [("home", home), ("draw", draw), ("away", away)] {
        let runner = book
            .runners
            .iter()
            .find(|r| r.selection_id == id)
            .ok_or_else(|| p.err("runners.selectionId", format!("runner {id} not in the book")))?;
        if let Some((price, _)) = runner.best_back.filter(|(price, _)| *price > 1.0) {
            rows.push(OddsRow {
                bookmaker: BOOKMAKER.to_owned(),
                market: Market::OneXTwo,
                selection: selection.to_owned(),
                line: 0.0,
                price,
                is_closing: false,
                recorded_at,
            });
        }
    }
    Ok(rows)
}

/// The selection ids of home, draw and away.
fn match_odds_runners(p: &Page, m: &ExchangeMarket) -> Result<(i64, i64, i64), ParseError> {
    if m.runners.len() != 3 {
        return Err(p.err("runners", format!("{} runners, MATCH_ODDS has 3", m.runners.len())));
    }
    let is_draw = |r: &&ExchangeRunner| r.name.as_deref() == Some("The Draw");
    let draw = m.runners.iter().find(is_draw).ok_or_else(|| p.err("runners.runnerName", "no The Draw"))?;
    let teams: Vec<&ExchangeRunner> = m.runners.iter().filter(|r| !is_draw(r)).collect();
    let (mut home, mut away) = match teams.as_slice() {
        [a, b] => (*a, *b),
        _ => return Err(p.err("runners.runnerName", "more than one The Draw")),
    };
    let named = |side: &str, r: &ExchangeRunner| r.name.as_deref() == Some(side);
    let event = m.event_name.as_deref().and_then(|n| n.split_once(" v "));
    if let Some((h, a)) = event
        && named(h.trim(), away)
        && named(a.trim(), home)
    {
        std::mem::swap(&mut home, &mut away);
    }
    Ok((home.selection_id, draw.selection_id, away.selection_id))
}

fn opt_time(p: &Page, v: &Value, path: &str) -> Result<Option<DateTime<Utc>>, ParseError> {
    opt(v, path).map(|_| p.time(v, path)).transpose()
}

/// Puts the index of the result entry in front of the failing path.
fn at(e: ParseError, i: usize) -> ParseError {
    prefix(e, &format!("result.{i}."))
}

fn prefix(mut e: ParseError, pre: &str) -> ParseError {
    if e.field != "body" {
        e.field = format!("{pre}{}", e.field);
    }
    e
}

#[cfg(test)]
mod tests {
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
        let catalogue =
            parse_market_catalogue("catalogue", &serde_json::to_vec(&catalogue).unwrap()).unwrap();
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
        let bad_price = edited(BOOK, |v| {
            v["result"][0]["runners"][1]["ex"]["availableToBack"][0]["price"] = json!("NaN")
        });
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
        assert_eq!(
            parse_market_book("b", &ladder).unwrap_err().field,
            "result.0.runners.0.ex.availableToBack"
        );
        let no_selection = edited(BOOK, |v| {
            v["result"][0]["runners"][0].as_object_mut().unwrap().remove("selectionId");
        });
        assert_eq!(
            parse_market_book("b", &no_selection).unwrap_err().field,
            "result.0.runners.0.selectionId"
        );
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
}
