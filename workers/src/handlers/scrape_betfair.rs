//! `scrape_betfair`: a league's match-odds markets on the Betfair Exchange, stored as one
//! snapshot.

use chrono::Utc;
use jobs::catalogue::ScrapeBetfair;
use jobs::{Envelope, Handle, Handled, JobFailure};
use secrecy::ExposeSecret;
use sources::betfair;

use super::Cx;
use super::snapshot::{Fetching, store_snapshot, tracked};
use crate::runtime::Runtime;
use crate::scrape::fetch::{FetchRequest, FetchResponse, Fetcher};
use crate::scrape::targets::season_of;

impl Handle<Runtime> for ScrapeBetfair {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        Box::pin(run(Cx::new(rt, envelope, Fetching::of(rt)), self))
    }
}

/// `scrape_betfair`: the league's match-odds markets (catalogue, then the book of those
/// markets) stored as one `betfair:match_odds:{league}:{season}` snapshot.
async fn run(cx: Cx<'_, Fetching<'_>>, job: ScrapeBetfair) -> Result<(), JobFailure> {
    let bf = &cx.deps.scrape.betfair;
    let app_key = bf.app_key.expose_secret();
    if app_key.is_empty() {
        return Err(JobFailure::permanent("[scrape.betfair] app_key is not set"));
    }
    let competition = bf.competitions.get(&job.league).ok_or_else(|| {
        JobFailure::permanent(format!(
            "no Betfair competition for league `{}` in [scrape.betfair]",
            job.league
        ))
    })?;
    let url = betfair::json_rpc_url(&bf.url);
    let headers = vec![
        ("X-Application".to_owned(), app_key.to_owned()),
        ("X-Authentication".to_owned(), bf.session_token.expose_secret().to_owned()),
    ];
    let until = Utc::now() + chrono::Duration::days(i64::from(bf.horizon_days));
    let catalogue_req = betfair::match_odds_catalogue_request(competition, until, 200);
    let catalogue =
        cx.deps.fetcher.fetch(&FetchRequest::post_json(&url, &catalogue_req, headers.clone())).await;
    let catalogue = tracked(&cx, "betfair", catalogue).await?;
    let ids = betfair::market_ids("listMarketCatalogue", &catalogue.body).map_err(JobFailure::permanent)?;
    if ids.is_empty() {
        tracing::info!(league = %job.league, "no match-odds market on the exchange");
        return Ok(());
    }
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let book_req = betfair::list_market_book_request(&id_refs);
    let book = cx.deps.fetcher.fetch(&FetchRequest::post_json(&url, &book_req, headers)).await;
    let book = tracked(&cx, "betfair", book).await?;
    let as_json = |bytes: &[u8]| -> Result<serde_json::Value, JobFailure> {
        serde_json::from_slice(bytes)
            .map_err(|e| JobFailure::permanent(e).context("Betfair reply is not JSON"))
    };
    let body = serde_json::json!({"catalogue": as_json(&catalogue.body)?, "book": as_json(&book.body)?});
    let season = job.season.clone().unwrap_or_else(|| season_of(Utc::now().date_naive()));
    let source = format!("betfair:match_odds:{}:{season}", job.league);
    let combined = FetchResponse { body: body.to_string().into_bytes(), ..book };
    store_snapshot(&cx, &source, &format!("{url}#{}", job.league), combined).await
}
