//! `scrape_football_data`: fetch one season file, store it as a snapshot, and enqueue
//! its processing. An unchanged file (same content hash as the last snapshot of the
//! URL) is not processed again.

use entities::scrape_snapshots;
use jobs::EnqueueOptions;
use jobs::catalogue::{ProcessSnapshot, ScrapeFootballData, ScrapePage};
use jobs::{AnyJob, Envelope};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use crate::process::pages::SourceKey;
use crate::runtime::{JobFailure, Runtime};
use crate::scrape::fetch::{FetchRequest, Fetcher};

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
        return Err(JobFailure::Permanent(format!(
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
    let fetched = rt.fetcher.fetch(&FetchRequest::get(url)).await.map_err(|e| {
        if e.is_transient() {
            JobFailure::Transient(e.to_string())
        } else {
            JobFailure::Permanent(e.to_string())
        }
    })?;
    let hash = format!("{:x}", Sha256::digest(&fetched.body));
    let previous = scrape_snapshots::Entity::find()
        .filter(scrape_snapshots::Column::Url.eq(url))
        .filter(scrape_snapshots::Column::Source.eq(source))
        .order_by_desc(scrape_snapshots::Column::FetchedAt)
        .one(&rt.db)
        .await
        .map_err(JobFailure::transient)?;
    if previous.as_ref().is_some_and(|p| p.content_hash == hash) {
        tracing::info!(%url, "unchanged since the last snapshot");
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
    .await
    .map_err(JobFailure::transient)?;
    let next = Envelope::new(&AnyJob::ProcessSnapshot(ProcessSnapshot { snapshot_id: snapshot.id }))
        .child_of(envelope);
    rt.queues.enqueue(&next, &EnqueueOptions::default()).await.map_err(JobFailure::transient)?;
    Ok(())
}
