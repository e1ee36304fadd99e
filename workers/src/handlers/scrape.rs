//! `scrape_football_data`: fetch one season file, store it as a snapshot, and enqueue
//! its processing. An unchanged file (same content hash as the last snapshot of the
//! URL) is not processed again.

use chrono::Utc;
use entities::scrape_snapshots;
use jobs::EnqueueOptions;
use jobs::catalogue::{ProcessSnapshot, ScrapeFootballData};
use jobs::{AnyJob, Envelope};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

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
    let fetched = rt.fetcher.fetch(&FetchRequest::get(&url)).await.map_err(|e| {
        if e.is_transient() {
            JobFailure::Transient(e.to_string())
        } else {
            JobFailure::Permanent(e.to_string())
        }
    })?;
    let (status, bytes) = (fetched.status, fetched.body);
    let hash = format!("{:x}", Sha256::digest(&bytes));
    let previous = scrape_snapshots::Entity::find()
        .filter(scrape_snapshots::Column::Url.eq(url.as_str()))
        .order_by_desc(scrape_snapshots::Column::FetchedAt)
        .one(&rt.db)
        .await
        .map_err(JobFailure::transient)?;
    if previous.as_ref().is_some_and(|p| p.content_hash == hash) {
        tracing::info!(%url, "unchanged since the last snapshot");
        return Ok(());
    }
    let snapshot = scrape_snapshots::ActiveModel {
        source: Set(SOURCE.to_owned()),
        url: Set(url.clone()),
        fetched_at: Set(Utc::now()),
        http_status: Set(i32::from(status)),
        content_hash: Set(hash),
        body: Set(body_text(bytes)),
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
