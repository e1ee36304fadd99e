//! `scrape_football_data`: fetch one season file, store it as a snapshot, and enqueue
//! its processing. An unchanged file (same content hash as the last snapshot of the
//! URL) is not processed again.

use chrono::Utc;
use entities::scrape_snapshots;
use jobs::Envelope;
use jobs::catalogue::{ScrapeBetfair, ScrapeFootballData, ScrapePage};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::process::pages::SourceKey;
use jobs::JobFailure;

use crate::runtime::Runtime;
use crate::scrape::fetch::{FetchError, FetchRequest, FetchResponse, Fetcher};
use crate::scrape::health;
use crate::scrape::sources::betfair;
use crate::scrape::targets::season_of;

pub const SOURCE: &str = "football-data";

/// Text of a body: UTF-8, or Windows-1252/Latin-1 as older football-data files are.
fn body_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

pub async fn run(rt: &Runtime, envelope: &Envelope, job: &ScrapeFootballData) -> Result<(), JobFailure> {
    let url =
        format!("{}/{}/{}.csv", rt.scrape.football_data_url.trim_end_matches('/'), job.season, job.league);
    fetch_and_store(rt, envelope, SOURCE, &url).await
}

/// `scrape_page`: one page of a scraped source.
pub async fn page(rt: &Runtime, envelope: &Envelope, job: &ScrapePage) -> Result<(), JobFailure> {
    if SourceKey::parse(&job.source).is_none() {
        return Err(JobFailure::permanent(format!(
            "source `{}` is not site:page[:league:season]",
            job.source
        )));
    }
    fetch_and_store(rt, envelope, &job.source, &job.url).await
}

/// Fetches `url`, stores the body as a snapshot of `source` unless it is unchanged
/// since the last snapshot of that URL, and enqueues its processing.
async fn fetch_and_store(
    rt: &Runtime,
    envelope: &Envelope,
    source: &str,
    url: &str,
) -> Result<(), JobFailure> {
    let fetched = tracked(rt, source, rt.fetcher.fetch(&FetchRequest::get(url)).await).await;
    store_snapshot(rt, envelope, source, url, fetched?).await
}

/// Records a fetch's outcome in the source's health (which the operator alerts read)
/// and passes it on. Best effort: a failed record costs the alert, not the job.
async fn tracked<T>(rt: &Runtime, source: &str, fetched: Result<T, FetchError>) -> Result<T, FetchError> {
    if let Err(e) = health::record(&rt.queues, source, fetched.is_ok(), Utc::now()).await {
        tracing::warn!(%source, error = %e, "source health not recorded");
    }
    fetched
}

/// Stores a fetched body as a snapshot of `source` at `url` unless it is unchanged since
/// the last one, and enqueues its processing.
async fn store_snapshot(
    rt: &Runtime,
    envelope: &Envelope,
    source: &str,
    url: &str,
    fetched: FetchResponse,
) -> Result<(), JobFailure> {
    let hash = format!("{:x}", Sha256::digest(&fetched.body));
    let previous = scrape_snapshots::Entity::find()
        .filter(scrape_snapshots::Column::Url.eq(url))
        .filter(scrape_snapshots::Column::Source.eq(source))
        .order_by_desc(scrape_snapshots::Column::FetchedAt)
        .one(&rt.db)
        .await?;
    if let Some(previous) = previous.filter(|p| p.content_hash == hash) {
        tracing::info!(%url, "unchanged since the last snapshot");
        if previous.processed_at.is_none() {
            // Stored, but its processing was never queued or never finished.
            super::process::queue(rt, envelope, previous.id).await?;
        }
        return Ok(());
    }
    let snapshot = scrape_snapshots::ActiveModel {
        source: Set(source.to_owned()),
        url: Set(url.to_owned()),
        fetched_at: Set(fetched.fetched_at),
        http_status: Set(i32::from(fetched.status)),
        content_hash: Set(hash),
        body: Set(body_text(fetched.body)),
        ..Default::default()
    }
    .insert(&rt.db)
    .await?;
    jobs::failpoint::hit("scrape_after_snapshot");
    if let Err(e) = super::process::queue(rt, envelope, snapshot.id).await {
        // Take the snapshot back: kept, the retry would find the body unchanged and
        // never queue its processing.
        scrape_snapshots::Entity::delete_by_id(snapshot.id).exec(&rt.db).await?;
        return Err(JobFailure::transient(e));
    }
    Ok(())
}

/// `scrape_betfair`: the league's match-odds markets (catalogue, then the book of those
/// markets) stored as one `betfair:match_odds:{league}:{season}` snapshot.
pub async fn betfair(rt: &Runtime, envelope: &Envelope, job: &ScrapeBetfair) -> Result<(), JobFailure> {
    let bf = &rt.scrape.betfair;
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
    let catalogue = rt.fetcher.fetch(&FetchRequest::post_json(&url, &catalogue_req, headers.clone())).await;
    let catalogue = tracked(rt, "betfair", catalogue).await?;
    let ids = betfair::market_ids("listMarketCatalogue", &catalogue.body).map_err(JobFailure::permanent)?;
    if ids.is_empty() {
        tracing::info!(league = %job.league, "no match-odds market on the exchange");
        return Ok(());
    }
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let book_req = betfair::list_market_book_request(&id_refs);
    let book = rt.fetcher.fetch(&FetchRequest::post_json(&url, &book_req, headers)).await;
    let book = tracked(rt, "betfair", book).await?;
    let as_json = |bytes: &[u8]| -> Result<serde_json::Value, JobFailure> {
        serde_json::from_slice(bytes)
            .map_err(|e| JobFailure::permanent(e).context("Betfair reply is not JSON"))
    };
    let body = serde_json::json!({"catalogue": as_json(&catalogue.body)?, "book": as_json(&book.body)?});
    let season = job.season.clone().unwrap_or_else(|| season_of(Utc::now().date_naive()));
    let source = format!("betfair:match_odds:{}:{season}", job.league);
    let combined = FetchResponse { body: body.to_string().into_bytes(), ..book };
    store_snapshot(rt, envelope, &source, &format!("{url}#{}", job.league), combined).await
}
