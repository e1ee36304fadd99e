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

/// Commands the Redis server has processed since it started (`INFO stats`).
async fn commands_processed(q: &RedisQueues) -> anyhow::Result<u64> {
    let info: String = redis::cmd("INFO").arg("stats").query_async(&mut q.connection()).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("INFO stats without total_commands_processed"))
}

/// Commands one statistics poll costs: the least of ten readings, so the workers'
/// background commands between two readings are not counted as the poll's.
async fn poll_cost(q: &RedisQueues) -> anyhow::Result<u64> {
    let mut least = u64::MAX;
    for _ in 0..10 {
        let before = commands_processed(q).await?;
        q.stats(queues::MAINTENANCE).await?;
        // The first INFO is counted in the second reading.
        least = least.min(commands_processed(q).await?.saturating_sub(before + 1));
    }
    Ok(least)
}

/// One throughput run's figures.
struct Run {
    /// Jobs/s from resume to the last completion.
    rate: f64,
    enqueue_rate: f64,
    /// Redis commands per job, from its enqueue to its acknowledgement, the workers'
    /// heartbeats and sweeps included and the benchmark's own polls left out (other
    /// clients of the server would count too).
    commands_per_job: f64,
}

/// One throughput run: N jobs queued while the queue is paused, then W workers take
/// them all.
async fn throughput(
    settings: &Settings,
    n: usize,
    workers: usize,
    concurrency: usize,
) -> anyhow::Result<Run> {
    let base = redis(settings).await?;
    let prefix = format!("{}bench{}:", base.prefix(), ulid::Ulid::generate());
    let q = RedisQueues::new(base.connection(), prefix.clone());
    q.pause(queues::MAINTENANCE).await?;
    // A poll costs more once workers are registered (one read per live worker).
    let lone_poll_cost = poll_cost(&q).await?;
    let mut lone_polls = 0u64;
    let first = commands_processed(&q).await?;
    let enqueue_rate = enqueue(&q, n, Probe::default()).await?;
    let procs = spawn_workers(settings, &prefix, workers, concurrency)?;
    // Let every worker register and read the pause flag before the clock starts.
    wait_for(Duration::from_secs(30), async || {
        lone_polls += 1;
        Ok(q.stats(queues::MAINTENANCE).await?.workers == workers as u64)
    })
    .await?;
    let before_cost = commands_processed(&q).await?;
    let poll_cost = poll_cost(&q).await?;
    // The measurement's own reads, and whatever the idle workers sent meanwhile.
    let measuring = commands_processed(&q).await?.saturating_sub(before_cost);
    let mut polls = 0u64;
    let started = Instant::now();
    q.resume(queues::MAINTENANCE).await?;
    wait_for(Duration::from_secs(600), async || {
        polls += 1;
        Ok(q.stats(queues::MAINTENANCE).await?.done_last_hour >= n as u64)
    })
    .await?;
    let rate = n as f64 / started.elapsed().as_secs_f64();
    // Acknowledgements trail the done counts: the job's last commands are in once
    // nothing is running.
    wait_for(Duration::from_secs(60), async || {
        polls += 1;
        Ok(q.stats(queues::MAINTENANCE).await?.running == 0)
    })
    .await?;
    let spent = commands_processed(&q)
        .await?
        .saturating_sub(first)
        .saturating_sub(lone_polls * lone_poll_cost + measuring + polls * poll_cost);
    drop(procs);
    q.flush_all().await?;
    Ok(Run { rate, enqueue_rate, commands_per_job: spent as f64 / n as f64 })
}

/// RSS in kB of one worker (concurrency `n`) once started and idle, then holding `n`
/// sleeping jobs in flight.
async fn rss_in_flight(settings: &Settings, n: usize) -> anyhow::Result<(u64, u64)> {
    let base = redis(settings).await?;
    let prefix = format!("{}benchrss{}:", base.prefix(), ulid::Ulid::generate());
    let q = RedisQueues::new(base.connection(), prefix.clone());
    let procs = spawn_workers(settings, &prefix, 1, n)?;
    wait_for(Duration::from_secs(30), async || Ok(q.stats(queues::MAINTENANCE).await?.workers == 1)).await?;
    let rss = || procs.0.first().and_then(|c| rss_kb(c.id())).unwrap_or(0);
    let idle = rss();
    enqueue(&q, n, Probe { sleep_ms: 20_000, ..Probe::default() }).await?;
    wait_for(Duration::from_secs(60), async || Ok(q.stats(queues::MAINTENANCE).await?.running >= n as u64))
        .await?;
    let busy = rss();
    drop(procs);
    q.flush_all().await?;
    Ok((idle, busy))
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
        let mut commands = Vec::new();
        for _ in 0..runs {
            let run = throughput(settings, n, workers, concurrency).await?;
            println!(
                "  {workers} worker process(es): {:>9.0} jobs/s processed   (enqueue {:.0} jobs/s, {:.1} Redis commands/job)",
                run.rate, run.enqueue_rate, run.commands_per_job
            );
            rates.push(run.rate);
            commands.push(run.commands_per_job);
        }
        rates.sort_by(f64::total_cmp);
        commands.sort_by(f64::total_cmp);
        println!(
            "{workers} worker process(es): median {:.0} jobs/s, {:.1} Redis commands/job",
            rates[rates.len() / 2],
            commands[commands.len() / 2]
        );
    }
    let (idle, busy) = rss_in_flight(settings, 1_000).await?;
    println!(
        "worker RSS: {:.1} MB idle, {:.1} MB with 1000 jobs in flight",
        idle as f64 / 1024.0,
        busy as f64 / 1024.0
    );
    Ok(())
}
