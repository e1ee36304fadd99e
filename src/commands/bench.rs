//! `kickoff bench queue`: no-op jobs through the full runtime (our retry and
//! dead-letter layers included) with 1..W worker processes on Redis, and a worker's
//! RSS with 1,000 jobs in flight.

use jobs::JobQueue;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use jobs::catalogue::Probe;
use jobs::redis_queue::RedisQueues;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient, queues};

use super::queue::open;
use crate::config::Settings;

struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn_workers(settings: &Settings, prefix: &str, n: usize, concurrency: usize) -> anyhow::Result<Workers> {
    let exe = std::env::current_exe()?;
    let mut out = Workers(Vec::new());
    for _ in 0..n {
        out.0.push(
            Command::new(&exe)
                .args([
                    "worker",
                    "--queues",
                    "maintenance",
                    "--concurrency",
                    &format!("maintenance={concurrency}"),
                ])
                .env("KICKOFF__QUEUE__URL", settings.queue.url.expose())
                .env("KICKOFF__QUEUE__PREFIX", prefix)
                .env("KICKOFF__DATABASE__URL", settings.database.url.expose())
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
    }
    Ok(out)
}

/// The benchmark measures the Redis backend, the one that scales out.
async fn redis(settings: &Settings) -> anyhow::Result<RedisQueues> {
    match open(settings, None).await? {
        QueueClient::Redis(q) => Ok(q),
        QueueClient::Embedded(_) => {
            anyhow::bail!("the queue benchmark runs on Redis: set KICKOFF__QUEUE__URL=redis://HOST:6379/0")
        }
    }
}

async fn enqueue(q: &RedisQueues, n: usize, probe: Probe) -> anyhow::Result<f64> {
    let job = AnyJob::Probe(probe);
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..n)
        .map(|_| {
            let (q, job) = (q.clone(), job.clone());
            async move { q.enqueue(&Envelope::new(&job), &EnqueueOptions::default()).await }
        })
        .buffer_unordered(128)
        .collect()
        .await;
    for r in results {
        r?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

async fn wait_for(
    limit: Duration,
    mut check: impl AsyncFnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let start = Instant::now();
    while !check().await? {
        anyhow::ensure!(start.elapsed() < limit, "benchmark did not finish within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// One throughput run: N jobs queued while the queue is paused, then W workers take
/// them all; returns jobs/s from resume to the last completion, and the enqueue rate.
async fn throughput(
    settings: &Settings,
    n: usize,
    workers: usize,
    concurrency: usize,
) -> anyhow::Result<(f64, f64)> {
    let base = redis(settings).await?;
    let prefix = format!("{}bench{}:", base.prefix(), ulid::Ulid::generate());
    let q = RedisQueues::new(base.connection(), prefix.clone());
    q.pause(queues::MAINTENANCE).await?;
    let enqueue_rate = enqueue(&q, n, Probe::default()).await?;
    let procs = spawn_workers(settings, &prefix, workers, concurrency)?;
    // Let every worker register and read the pause flag before the clock starts.
    wait_for(Duration::from_secs(30), async || {
        Ok(q.stats(queues::MAINTENANCE).await?.workers == workers as u64)
    })
    .await?;
    let started = Instant::now();
    q.resume(queues::MAINTENANCE).await?;
    wait_for(Duration::from_secs(600), async || {
        Ok(q.stats(queues::MAINTENANCE).await?.done_last_hour >= n as u64)
    })
    .await?;
    let rate = n as f64 / started.elapsed().as_secs_f64();
    drop(procs);
    q.flush_all().await?;
    Ok((rate, enqueue_rate))
}

/// RSS of one worker holding `n` sleeping jobs in flight.
async fn rss_in_flight(settings: &Settings, n: usize) -> anyhow::Result<u64> {
    let base = redis(settings).await?;
    let prefix = format!("{}benchrss{}:", base.prefix(), ulid::Ulid::generate());
    let q = RedisQueues::new(base.connection(), prefix.clone());
    let procs = spawn_workers(settings, &prefix, 1, n)?;
    enqueue(&q, n, Probe { sleep_ms: 20_000, ..Probe::default() }).await?;
    wait_for(Duration::from_secs(60), async || Ok(q.stats(queues::MAINTENANCE).await?.running >= n as u64))
        .await?;
    let rss = procs.0.first().and_then(|c| rss_kb(c.id())).unwrap_or(0);
    drop(procs);
    q.flush_all().await?;
    Ok(rss)
}

pub async fn queue(
    settings: &Settings,
    n: usize,
    max_workers: usize,
    concurrency: usize,
    runs: usize,
) -> anyhow::Result<()> {
    println!(
        "kickoff queue benchmark: {n} no-op jobs, concurrency {concurrency} per worker, {runs} run(s) each"
    );
    for workers in 1..=max_workers {
        let mut rates = Vec::new();
        for _ in 0..runs {
            let (rate, enqueue_rate) = throughput(settings, n, workers, concurrency).await?;
            println!(
                "  {workers} worker process(es): {rate:>9.0} jobs/s processed   (enqueue {enqueue_rate:.0} jobs/s)"
            );
            rates.push(rate);
        }
        rates.sort_by(f64::total_cmp);
        println!("{workers} worker process(es): median {:.0} jobs/s", rates[rates.len() / 2]);
    }
    let rss = rss_in_flight(settings, 1_000).await?;
    println!("worker RSS with 1000 jobs in flight: {:.1} MB", rss as f64 / 1024.0);
    Ok(())
}
