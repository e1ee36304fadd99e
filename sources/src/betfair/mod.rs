//! Betfair Exchange: the API-NG betting API (JSON-RPC) and the in-play scores service.
//!
//! Pages parsed: `listCompetitions` (competitions with Betfair's ids), `listMarketCatalogue`
//! (markets with their runners' names), `listMarketBook` (best back/lay prices and the last
//! traded price per runner) and the scores feed (score, cards and corners of a live match).
//! [`match_odds`] joins a MATCH_ODDS catalogue entry and its book into 1X2 odds.
//!
//! Every API-NG method is a POST of a JSON-RPC envelope to one endpoint ([`json_rpc_url`]);
//! the `*_request` functions build those envelopes.

use crate::{Market, MatchStatus};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::ParseError;
use crate::extract::{Page, as_f64, opt, opt_i64, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::{
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

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "scores", parser: Parser::Match(parse_scores) },
    PageDef { page: "match_odds", parser: Parser::Matches(parse_match_odds_page) },
];

#[cfg(test)]
mod tests;
