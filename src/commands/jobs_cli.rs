//! `kickoff trigger`, `kickoff dlq ...` and `kickoff queues ...`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::{AnyJob, Envelope, queues};
use jobs::{EnqueueOptions, Enqueued};
use sea_orm::DatabaseConnection;

use super::queue::open;
use crate::cli::{DlqCommand, DlqFilterArgs, QueuesCommand};
use crate::config::Settings;

/// `--at`: an RFC 3339 time or a delay from now (`30s`, `5m`, `2h`).
pub fn parse_at(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = humantime::parse_duration(s.trim_start_matches('+'))
        .with_context(|| format!("--at: `{s}` is neither an RFC 3339 time nor a delay like 30s or 5m"))?;
    Ok(Utc::now() + chrono::Duration::from_std(d)?)
}

pub async fn trigger(
    settings: &Settings,
    kind: &str,
    args: Option<&str>,
    at: Option<&str>,
    idempotency_key: Option<String>,
) -> anyhow::Result<()> {
    let args: serde_json::Value = match args {
        Some(a) => serde_json::from_str(a).context("--args is not valid JSON")?,
        None => serde_json::Value::Null,
    };
    let job = AnyJob::from_parts(kind, args)?;
    let run_at = at.map(parse_at).transpose()?;
    let queues = open(settings, None).await?;
    let outcome = queues.enqueue(&Envelope::new(&job), &EnqueueOptions { run_at, idempotency_key }).await?;
    println!("{}", serde_json::to_string(&outcome)?);
    Ok(())
}

/// `--since`: an RFC 3339 time, or a duration ago (`7d`, `12h`).
fn parse_since(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = humantime::parse_duration(s)
        .with_context(|| format!("--since: `{s}` is neither an RFC 3339 time nor a duration like 7d"))?;
    Ok(Utc::now() - chrono::Duration::from_std(d)?)
}

/// Enqueues a process job for every snapshot whose source starts with `source`.
pub async fn replay(
    settings: &Settings,
    db: &DatabaseConnection,
    source: &str,
    since: Option<&str>,
) -> anyhow::Result<()> {
    use entities::scrape_snapshots::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut query =
        Entity::find().select_only().column(Column::Id).filter(Column::Source.starts_with(source));
    if let Some(s) = since {
        query = query.filter(Column::FetchedAt.gte(parse_since(s)?));
    }
    let ids: Vec<i64> = query.order_by_asc(Column::FetchedAt).into_tuple().all(db).await?;
    let queues = open(settings, Some(db)).await?;
    for id in &ids {
        let job = AnyJob::ProcessSnapshot(jobs::catalogue::ProcessSnapshot { snapshot_id: *id });
        queues.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await?;
    }
    println!("{} snapshot(s) of `{source}` queued for processing", ids.len());
    Ok(())
}

fn filter(args: DlqFilterArgs) -> DeadLetterFilter {
    DeadLetterFilter {
        queue: args.queue,
        kind: args.kind,
        error_contains: args.error_contains,
        ..Default::default()
    }
}

pub async fn dlq(settings: &Settings, db: &DatabaseConnection, command: DlqCommand) -> anyhow::Result<()> {
    match command {
        DlqCommand::List { filter: args, all, limit } => {
            let f = DeadLetterFilter { include_requeued: all, limit: Some(limit), ..filter(args) };
            println!(
                "{:>6}  {:<12} {:<22} {:>8}  {:<25}  last error",
                "id", "queue", "kind", "attempts", "last failed"
            );
            for l in dead_letters::list(db, &f).await? {
                let last = dead_letters::errors_of(&l).last().map(|e| e.error.clone()).unwrap_or_default();
                let mark = if l.requeued_at.is_some() { " (requeued)" } else { "" };
                println!(
                    "{:>6}  {:<12} {:<22} {:>8}  {:<25}  {last}{mark}",
                    l.id,
                    l.queue,
                    l.kind,
                    l.attempts,
                    l.last_failed_at.to_rfc3339()
                );
            }
        }
        DlqCommand::Show { id } => {
            let l = dead_letters::get(db, id).await?;
            println!("{}", serde_json::to_string_pretty(&l)?);
        }
        DlqCommand::Requeue { ids, all_matching, args, filter: matching } => {
            let edited: Option<serde_json::Value> =
                args.as_deref().map(serde_json::from_str).transpose().context("--args is not valid JSON")?;
            let ids = if all_matching {
                dead_letters::list(db, &filter(matching)).await?.into_iter().map(|l| l.id).collect()
            } else {
                ids
            };
            let queues = open(settings, Some(db)).await?;
            for id in ids {
                match dead_letters::requeue(db, &queues, id, edited.clone()).await {
                    Ok(Enqueued::Queued { id: job, queue, .. }) => {
                        println!("requeued {id} as job {job} on {queue}")
                    }
                    Ok(Enqueued::Duplicate { key }) => println!("{id}: duplicate of {key}"),
                    Err(e @ dead_letters::DeadLetterError::AlreadyRequeued { .. }) => println!("{e}"),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        DlqCommand::Delete { ids } => println!("deleted {}", dead_letters::delete(db, &ids).await?),
        DlqCommand::Purge { older_than } => {
            let cutoff = Utc::now() - chrono::Duration::from_std(older_than)?;
            println!("purged {}", dead_letters::purge_before(db, cutoff).await?);
        }
    }
    Ok(())
}

/// The database that records pauses, migrated (the queue commands may run before any
/// worker has migrated it).
async fn recorded_pauses(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    use migration::MigratorTrait;
    let db = entities::connect(&settings.database).await?;
    migration::Migrator::up(&db, None).await?;
    Ok(db)
}

pub async fn queues_cmd(settings: &Settings, command: QueuesCommand) -> anyhow::Result<()> {
    let q = open(settings, None).await?;
    match command {
        QueuesCommand::Stats { json } => {
            let mut all = Vec::new();
            for name in queues::ALL {
                all.push(q.stats(name).await?);
            }
            // The run id changes when Redis restarts: a look that finds another one than
            // the last look found knows that anything Redis did not persist is gone.
            // Best effort: an ACL may refuse INFO, and the queues' figures still stand.
            let server = q.redis_server().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "Redis INFO refused: run id unknown");
                None
            });
            if json {
                let out = serde_json::json!({ "redis": server, "queues": all });
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            if let Some(r) = &server {
                let persistence = match r.persistent() {
                    Some(true) if r.aof => "AOF",
                    Some(true) => "RDB snapshots",
                    Some(false) => "NONE (a restart loses every queued job)",
                    None => "unknown",
                };
                println!(
                    "Redis {} run_id {} up {} s; maxmemory-policy {}; persistence {}\n",
                    r.version, r.run_id, r.uptime_secs, r.maxmemory_policy, persistence
                );
            }
            println!(
                "{:<12} {:>8} {:>9} {:>8} {:>7} {:>6} {:>8} {:>8} {:>10} {:>7} {:>7}",
                "queue",
                "pending",
                "scheduled",
                "retrying",
                "running",
                "dead",
                "done 1h",
                "done 24h",
                "oldest s",
                "paused",
                "workers"
            );
            for s in all {
                println!(
                    "{:<12} {:>8} {:>9} {:>8} {:>7} {:>6} {:>8} {:>8} {:>10} {:>7} {:>7}",
                    s.queue,
                    s.pending,
                    s.scheduled,
                    s.retrying,
                    s.running,
                    s.dead,
                    s.done_last_hour,
                    s.done_last_day,
                    s.oldest_pending_secs.map(|o| format!("{o:.1}")).unwrap_or_else(|| "-".into()),
                    s.paused,
                    s.workers
                );
            }
        }
        // Recorded in the database too, so the pause outlives a Redis restart.
        QueuesCommand::Pause { queue } => {
            check_queue(&queue)?;
            // A pause must work while the database is away; it is then not recorded.
            match recorded_pauses(settings).await {
                Ok(db) => jobs::pauses::pause(&db, &q, &queue, Some("cli")).await?,
                Err(e) => {
                    q.pause(&queue).await?;
                    eprintln!(
                        "warning: the pause is not recorded in the database ({e}); a queue backend that loses its state forgets it"
                    );
                }
            }
            println!("paused {queue}");
        }
        QueuesCommand::Resume { queue } => {
            check_queue(&queue)?;
            let db = recorded_pauses(settings).await?;
            jobs::pauses::resume(&db, &q, &queue).await?;
            println!("resumed {queue}");
        }
        QueuesCommand::Drain { queue } => {
            check_queue(&queue)?;
            let removed = q.drain(&queue).await?;
            println!("drained {queue}: {removed} waiting job(s) deleted");
        }
    }
    Ok(())
}

fn check_queue(queue: &str) -> anyhow::Result<()> {
    if queues::ALL.contains(&queue) {
        Ok(())
    } else {
        anyhow::bail!("unknown queue `{queue}` (known: {})", queues::ALL.join(", "))
    }
}
