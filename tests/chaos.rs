//! The chaos suite (see `ops/chaos/README.md`): real `kickoff worker` processes over a
//! Redis server of the suite's own (a free port, AOF) or the embedded queue, and their
//! own SQLite file. For each fault, N probe jobs whose every run leaves a countable
//! trace (a `probe_runs` row per committed attempt, fenced by its done marker, and a
//! log entry per handler run), the fault injected repeatedly mid-run, then a table:
//! **lost** (never committed and not dead-lettered), **re-runs** (handler runs beyond
//! one per job), **second effects** (an attempt's row written twice), **dead-lettered**
//! and **time to drain**. Lost and second effects must be zero.
//!
//! `KICKOFF_CHAOS_N` (default 120) and `KICKOFF_CHAOS_ROUNDS` (default 3) set the size:
//! CI runs the defaults, `ops/chaos/run.sh --full` runs 2,000 jobs and 10 rounds.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entities::secret::ConnUrl;
use entities::settings::DatabaseSettings;
use entities::testing::unique_name;
use futures::StreamExt;
use jobs::catalogue::Probe;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::OwnRedis;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

fn scale(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

enum Queue {
    Redis(OwnRedis),
    Embedded,
}

struct Chaos {
    name: &'static str,
    dir: tempfile::TempDir,
    queue: Queue,
    prefix: String,
    queues: QueueClient,
    db: DatabaseConnection,
    workers: Vec<Child>,
    spawned: usize,
    ids: Vec<String>,
}

impl Chaos {
    async fn new(name: &'static str, redis_args: Option<&[&str]>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prefix = format!("{}:", unique_name("kickoff_chaos"));
        let settings =
            DatabaseSettings { url: ConnUrl::new(Self::db_url_in(&dir)), ..DatabaseSettings::default() };
        let db = entities::connect(&settings).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let (queue, queues): (Queue, QueueClient) = match redis_args {
            Some(args) => {
                let redis = OwnRedis::start(dir.path(), args);
                let q = RedisQueues::new(connect(&redis.url()).await.unwrap(), prefix.clone());
                (Queue::Redis(redis), q.into())
            }
            None => {
                let pool = db.get_sqlite_connection_pool().clone();
                (Queue::Embedded, EmbeddedQueues::open(pool, prefix.clone()).await.unwrap().into())
            }
        };
        Self { name, dir, queue, prefix, queues, db, workers: Vec::new(), spawned: 0, ids: Vec::new() }
    }

    fn db_url_in(dir: &tempfile::TempDir) -> String {
        format!("sqlite://{}", dir.path().join("kickoff.db").display())
    }

    fn queue_url(&self) -> String {
        match &self.queue {
            Queue::Redis(r) => r.url(),
            Queue::Embedded => Self::db_url_in(&self.dir),
        }
    }

    fn start_worker(&mut self) {
        self.spawned += 1;
        let log = std::fs::File::create(self.dir.path().join(format!("w{}.log", self.spawned))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kickoff"))
            .args([
                "worker",
                "--queues",
                "maintenance",
                "--concurrency",
                "maintenance=8",
                "--grace-secs",
                "10",
            ])
            .current_dir(self.dir.path())
            .env("KICKOFF_ENV", "test")
            .env("KICKOFF__QUEUE__URL", self.queue_url())
            .env("KICKOFF__QUEUE__PREFIX", &self.prefix)
            .env("KICKOFF__DATABASE__URL", Self::db_url_in(&self.dir))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.workers.push(child);
    }

    async fn enqueue(&mut self, n: usize) {
        let job =
            AnyJob::Probe(Probe { tag: self.name.into(), record: true, sleep_ms: 50, ..Probe::default() });
        let envelopes: Vec<Envelope> = (0..n).map(|_| Envelope::new(&job)).collect();
        self.ids.extend(envelopes.iter().map(|e| e.id.clone()));
        futures::stream::iter(envelopes)
            .map(|e| {
                let q = self.queues.clone();
                async move { q.enqueue(&e, &EnqueueOptions::default()).await.unwrap() }
            })
            .buffer_unordered(32)
            .collect::<Vec<_>>()
            .await;
    }

    /// Committed attempts so far: job id → rows per attempt.
    async fn rows(&self) -> HashMap<String, HashMap<i64, usize>> {
        let sql = "SELECT job_id, attempt FROM probe_runs";
        let rows =
            self.db.query_all_raw(Statement::from_string(self.db.get_database_backend(), sql)).await.unwrap();
        let mut out: HashMap<String, HashMap<i64, usize>> = HashMap::new();
        for r in rows {
            let (id, attempt): (String, i64) =
                (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap());
            *out.entry(id).or_default().entry(attempt).or_default() += 1;
        }
        out
    }

    async fn wait_committed(&self, n: usize, limit: Duration) {
        let start = Instant::now();
        while self.rows().await.len() < n {
            assert!(
                start.elapsed() < limit,
                "{}: {} of {n} committed after {limit:?}",
                self.name,
                self.rows().await.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill_one(&mut self) {
        if let Some(mut w) = self.workers.pop() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }

    /// Waits until every job committed or became a dead letter (or `limit` passes),
    /// then reports.
    async fn report(&mut self, started: Instant, limit: Duration) -> Report {
        let letters: HashSet<String> = jobs::dead_letters::list(&self.db, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .filter_map(|l| l.job_id)
            .collect();
        let mut rows = self.rows().await;
        let all_accounted = |rows: &HashMap<String, HashMap<i64, usize>>| {
            self.ids.iter().all(|id| rows.contains_key(id) || letters.contains(id))
        };
        while !all_accounted(&rows) && started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(100)).await;
            rows = self.rows().await;
        }
        let drained = started.elapsed();
        let runs =
            self.queues.log_range(&workers::handlers::probe_log_key(self.name)).await.unwrap_or_default();
        let lost = self.ids.iter().filter(|id| !rows.contains_key(*id) && !letters.contains(*id)).count();
        let second = rows.values().flat_map(|a| a.values()).filter(|n| **n > 1).count();
        let report = Report {
            fault: self.name,
            jobs: self.ids.len(),
            lost,
            reruns: runs.len().saturating_sub(self.ids.len()),
            second_effects: second,
            dead: letters.len(),
            drained,
        };
        println!("{report}");
        report
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        for w in &mut self.workers {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

struct Report {
    fault: &'static str,
    jobs: usize,
    lost: usize,
    reruns: usize,
    second_effects: usize,
    dead: usize,
    drained: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "chaos | {:<28} | jobs {:>5} | lost {:>3} | re-runs {:>4} | second effects {:>3} | dead-lettered {:>3} | drained in {:>6.1} s",
            self.fault,
            self.jobs,
            self.lost,
            self.reruns,
            self.second_effects,
            self.dead,
            self.drained.as_secs_f64()
        )
    }
}

fn assert_safe(r: &Report) {
    assert_eq!((r.lost, r.second_effects), (0, 0), "{r}");
}

/// kill -9 of a worker, repeated: each round starts a replacement and kills another
/// worker once some of the round's jobs have committed.
async fn worker_kills(name: &'static str, redis: Option<&[&str]>) {
    let (n, rounds) = (scale("KICKOFF_CHAOS_N", 120), scale("KICKOFF_CHAOS_ROUNDS", 3));
    let mut c = Chaos::new(name, redis).await;
    c.start_worker();
    c.start_worker();
    let started = Instant::now();
    c.enqueue(n).await;
    for round in 1..=rounds {
        c.wait_committed(n * round / (rounds + 1), Duration::from_secs(120)).await;
        c.kill_one();
        c.start_worker();
    }
    let r = c.report(started, Duration::from_secs(180)).await;
    assert_safe(&r);
    let _ = c.queues.flush_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_worker_kill9_on_redis() {
    worker_kills("worker kill -9 (redis)", Some(&["--appendonly", "yes"])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_worker_kill9_on_the_embedded_queue() {
    worker_kills("worker kill -9 (embedded)", None).await;
}

/// Redis stopped mid-run, repeatedly: shut down cleanly (AOF written) with
/// `appendfsync everysec`, or killed with `appendfsync always`.
async fn redis_faults(name: &'static str, fsync: &str, crash: bool) {
    let (n, rounds) = (scale("KICKOFF_CHAOS_N", 120), scale("KICKOFF_CHAOS_ROUNDS", 3));
    let args = ["--appendonly", "yes", "--appendfsync", fsync];
    let mut c = Chaos::new(name, Some(&args)).await;
    c.start_worker();
    c.start_worker();
    let started = Instant::now();
    c.enqueue(n).await;
    for round in 1..=rounds {
        c.wait_committed(n * round / (rounds + 1), Duration::from_secs(120)).await;
        if let Queue::Redis(r) = &mut c.queue {
            if crash { r.crash_and_restart() } else { r.restart() }
        }
    }
    let r = c.report(started, Duration::from_secs(180)).await;
    assert_safe(&r);
    let _ = c.queues.flush_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_redis_restarted_with_aof() {
    redis_faults("redis restart (AOF everysec)", "everysec", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_redis_killed_with_appendfsync_always() {
    redis_faults("redis kill -9 (fsync always)", "always", true).await;
}
