//! What the scrape kinds share: fetch a URL, keep the body as a snapshot of its source
//! unless it is unchanged since the last one (same content hash), and enqueue its
//! processing; each fetch's outcome goes to the source's health.

use chrono::Utc;
use entities::scrape_snapshots;
use jobs::catalogue::ProcessSnapshot;
use jobs::{EnqueueOptions, Enqueued, JobFailure, QueueClient, QueueError};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::Cx;
use crate::runtime::Runtime;
use crate::scrape::fetch::{BrowserFetcher, FetchError, FetchRequest, FetchResponse, Fetcher, HttpFetcher};
use crate::scrape::health;
use crate::settings::{Render, ScrapeSettings};

/// What the scrape kinds use besides the database: the fetcher, the queue backend that
/// keeps each source's health, and the scrape settings.
pub(super) struct Fetching<'a> {
    pub fetcher: &'a HttpFetcher,
    pub health: &'a QueueClient,
    pub scrape: &'a ScrapeSettings,
    /// Started by the first page of a `render = "browser"` source.
    pub browser: &'a OnceCell<BrowserFetcher>,
}

impl<'a> Fetching<'a> {
    pub fn of(rt: &'a Runtime) -> Self {
        Self { fetcher: &rt.fetcher, health: &rt.queues, scrape: &rt.scrape, browser: &rt.browser }
    }

    /// The browser fetcher, started now if no page needed it before.
    async fn browser(&self) -> Result<&'a BrowserFetcher, FetchError> {
        let (scrape, limiter) = (self.scrape.clone(), Some(self.health.clone()));
        self.browser.get_or_try_init(|| BrowserFetcher::start(scrape, limiter)).await
    }
}

/// Text of a body: UTF-8, or Windows-1252/Latin-1 as older football-data files are.
fn body_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

/// Fetches `url` (in a browser when `site`'s source says `render = "browser"`), stores
/// the body as a snapshot of `source` unless it is unchanged since the last snapshot of
/// that URL, and enqueues its processing.
pub(super) async fn fetch_and_store(
    cx: &Cx<'_, Fetching<'_>>,
    site: &str,
    source: &str,
    url: &str,
) -> Result<(), JobFailure> {
    let configured = cx.deps.scrape.sources.get(site);
    let fetched = match configured.filter(|s| s.render == Render::Browser) {
        Some(s) => {
            let req = FetchRequest { wait_for: s.wait_for.clone(), ..FetchRequest::get(url) };
            match cx.deps.browser().await {
                Ok(browser) => browser.fetch(&req).await,
                Err(e) => Err(e),
            }
        }
        None => cx.deps.fetcher.fetch(&FetchRequest::get(url)).await,
    };
    let fetched = tracked(cx, source, fetched).await;
    store_snapshot(cx, source, url, fetched?).await
}

/// Records a fetch's outcome in the source's health (which the operator alerts read)
/// and passes it on. Best effort: a failed record costs the alert, not the job.
pub(super) async fn tracked<T>(
    cx: &Cx<'_, Fetching<'_>>,
    source: &str,
    fetched: Result<T, FetchError>,
) -> Result<T, FetchError> {
    recorded(cx.deps.health, source, fetched).await
}

/// [`tracked`] with the health's backend given.
pub(super) async fn recorded<T>(
    health: &QueueClient,
    source: &str,
    fetched: Result<T, FetchError>,
) -> Result<T, FetchError> {
    if let Err(e) = health::record(health, source, fetched.is_ok(), Utc::now()).await {
        tracing::warn!(%source, error = %e, "source health not recorded");
    }
    fetched
}

/// Stores a fetched body as a snapshot of `source` at `url` unless it is unchanged since
/// the last one, and enqueues its processing.
pub(super) async fn store_snapshot<D>(
    cx: &Cx<'_, D>,
    source: &str,
    url: &str,
    fetched: FetchResponse,
) -> Result<(), JobFailure> {
    let hash = format!("{:x}", Sha256::digest(&fetched.body));
    let previous = scrape_snapshots::Entity::find()
        .filter(scrape_snapshots::Column::Url.eq(url))
        .filter(scrape_snapshots::Column::Source.eq(source))
        // The one stored last, as `prune_snapshots` keeps it.
        .order_by_desc(scrape_snapshots::Column::Id)
        .one(cx.db)
        .await?;
    if let Some(previous) = previous.filter(|p| p.content_hash == hash) {
        tracing::info!(%url, "unchanged since the last snapshot");
        if previous.processed_at.is_none() {
            // Stored, but its processing was never queued or never finished.
            queue_processing(cx, previous.id).await?;
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
    .insert(cx.db)
    .await?;
    jobs::failpoint::hit("scrape_after_snapshot");
    if let Err(e) = queue_processing(cx, snapshot.id).await {
        // Take the snapshot back: kept, the retry would find the body unchanged and
        // never queue its processing.
        scrape_snapshots::Entity::delete_by_id(snapshot.id).exec(cx.db).await?;
        return Err(JobFailure::transient(e));
    }
    Ok(())
}

/// Queues the processing of snapshot `id` as this job's child, once per snapshot
/// within the idempotency window (an unchanged scrape and the sweep may both ask).
pub(super) async fn queue_processing<D>(cx: &Cx<'_, D>, id: i64) -> Result<Enqueued, QueueError> {
    let keyed =
        EnqueueOptions { idempotency_key: Some(format!("process_snapshot:{id}")), ..Default::default() };
    cx.enqueue_child(ProcessSnapshot { snapshot_id: id }, &keyed).await
}

/// Keeps a body this job has processed itself (a live poll) as a processed snapshot of
/// `source`, unless it is unchanged since the last one: the retention job prunes them.
pub(super) async fn keep_processed<D>(
    cx: &Cx<'_, D>,
    source: &str,
    fetched: &FetchResponse,
) -> Result<(), JobFailure> {
    let hash = format!("{:x}", Sha256::digest(&fetched.body));
    let previous = scrape_snapshots::Entity::find()
        .filter(scrape_snapshots::Column::Url.eq(fetched.url.as_str()))
        .filter(scrape_snapshots::Column::Source.eq(source))
        .order_by_desc(scrape_snapshots::Column::Id)
        .one(cx.db)
        .await?;
    if previous.is_some_and(|p| p.content_hash == hash) {
        return Ok(());
    }
    scrape_snapshots::ActiveModel {
        source: Set(source.to_owned()),
        url: Set(fetched.url.clone()),
        fetched_at: Set(fetched.fetched_at),
        http_status: Set(i32::from(fetched.status)),
        content_hash: Set(hash),
        body: Set(body_text(fetched.body.clone())),
        processed_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .insert(cx.db)
    .await?;
    Ok(())
}
