//! The queue platform as separate processes: several workers sharing a queue, kill -9
//! and SIGTERM of a worker (and the long jobs of a stopping or full worker left to it),
//! a burst of 20,000 jobs, a Redis restart, and several schedulers firing each tick once;
//! on Redis, and (except the Redis-specific cases) on the embedded queue in one SQLite
//! file. Every test uses its own key prefix (and, where it restarts Redis, its own Redis
//! server on a free port).
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entities::secret::ConnUrl;
use entities::settings::DatabaseSettings;
use entities::testing::unique_name;
use futures::StreamExt;
use jobs::EnqueueOptions;
use jobs::catalogue::Probe;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::OwnRedis;
use jobs::{AnyJob, Envelope, QueueClient, queues};
use migration::{Migrator, MigratorTrait};

/// Where the processes' queues live.
enum QueueAt<'a> {
    Redis(&'a str),
    /// The embedded queue, in the test's SQLite file (shared with the data).
    Embedded,
}

/// Process tests share the machine's two cores; the burst tests measure throughput
/// against a time limit, so they run alone (a write lock) while the others share (reads).
static MACHINE: std::sync::RwLock<()> = std::sync::RwLock::new(());

enum Share {
    Shared(#[allow(dead_code)] std::sync::RwLockReadGuard<'static, ()>),
    Alone(#[allow(dead_code)] std::sync::RwLockWriteGuard<'static, ()>),
}

impl Share {
    fn shared() -> Self {
        Share::Shared(MACHINE.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn alone() -> Self {
        Share::Alone(MACHINE.write().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

struct Setup {
    _machine: Share,
    _cleanup: Option<jobs::testing::PrefixGuard>,
    dir: tempfile::TempDir,
    queue_url: String,
    prefix: String,
    queues: QueueClient,
    children: Vec<Child>,
}

impl Setup {
    async fn new(at: QueueAt<'_>) -> Self {
        Self::with_share(at, Share::shared()).await
    }

    /// A setup with the machine to itself: no other process test runs meanwhile.
    async fn alone(at: QueueAt<'_>) -> Self {
        Self::with_share(at, Share::alone()).await
    }

    async fn with_share(at: QueueAt<'_>, machine: Share) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prefix = format!("{}:", unique_name("kickoff_ptest"));
        let db_url = format!("sqlite://{}", dir.path().join("kickoff.db").display());
        let settings = DatabaseSettings { url: ConnUrl::new(&db_url), ..DatabaseSettings::default() };
        let db = entities::connect(&settings).await.unwrap();
        // The data tables first: worker processes started together would race to create them.
        Migrator::up(&db, None).await.unwrap();
        let (queue_url, queues, _cleanup): (String, QueueClient, _) = match at {
            QueueAt::Redis(url) => {
                let queues = RedisQueues::new(connect(url).await.unwrap(), prefix.clone());
                (url.to_owned(), queues.into(), Some(jobs::testing::PrefixGuard::new(url, prefix.clone())))
            }
            QueueAt::Embedded => {
                let pool = db.get_sqlite_connection_pool().clone();
                (db_url, EmbeddedQueues::open(pool, prefix.clone()).await.unwrap().into(), None)
            }
        };
        Self { _machine: machine, _cleanup, dir, queue_url, prefix, queues, children: Vec::new() }
    }

    fn command(&self, args: &[&str], log: &str) -> Command {
        self.command_via(Command::new(env!("CARGO_BIN_EXE_kickoff")), args, log)
    }

    /// `command` run by `faketime` with the wall clock `offset` away (`+10m`); timers
    /// (the monotonic clock) keep real time.
    fn skewed_command(&self, offset: &str, args: &[&str], log: &str) -> Command {
        let mut faketime = Command::new("faketime");
        faketime.args(["-f", offset, env!("CARGO_BIN_EXE_kickoff")]).env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        self.command_via(faketime, args, log)
    }

    fn command_via(&self, mut cmd: Command, args: &[&str], log: &str) -> Command {
        let log = std::fs::File::create(self.dir.path().join(log)).unwrap();
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("KICKOFF_ENV", "test")
            .env("KICKOFF__QUEUE__URL", &self.queue_url)
            .env("KICKOFF__QUEUE__PREFIX", &self.prefix)
            .env(
                "KICKOFF__DATABASE__URL",
                format!("sqlite://{}", self.dir.path().join("kickoff.db").display()),
            )
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log);
        cmd
    }

    fn spawn(&mut self, args: &[&str], log: &str) -> usize {
        let child = self.command(args, log).spawn().unwrap();
        self.children.push(child);
        self.children.len() - 1
    }

    /// A worker that dies at the failpoints `failpoints` (see `jobs::failpoint`).
    fn failing_worker(&mut self, concurrency: usize, log: &str, failpoints: &str) -> usize {
        let c = format!("maintenance={concurrency}");
        let args = ["worker", "--queues", "maintenance", "--concurrency", &c, "--grace-secs", "30"];
        let child = self.command(&args, log).env(jobs::failpoint::ENV, failpoints).spawn().unwrap();
        self.children.push(child);
        self.children.len() - 1
    }

    /// Waits until the queue is empty and no worker, live or dead, holds a job;
    /// returns the runs of `tag`.
    async fn wait_drained(&self, tag: &str, limit: Duration) -> HashMap<String, usize> {
        let start = Instant::now();
        loop {
            let stats = self.queues.stats(queues::MAINTENANCE).await.unwrap();
            let held: u64 =
                self.queues.workers(queues::MAINTENANCE).await.unwrap().iter().map(|w| w.in_flight).sum();
            if stats.pending + stats.scheduled + stats.running + held == 0 {
                return self.runs(tag).await;
            }
            assert!(start.elapsed() < limit, "not drained after {limit:?}: {stats:?}\n{}", self.all_logs());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn worker(&mut self, concurrency: usize, log: &str) -> usize {
        let c = format!("maintenance={concurrency}");
        self.spawn(&["worker", "--queues", "maintenance", "--concurrency", &c, "--grace-secs", "30"], log)
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// Waits until log `name` holds `text`.
    fn wait_log(&self, name: &str, text: &str, limit: Duration) {
        let start = Instant::now();
        while !self.log(name).contains(text) {
            assert!(start.elapsed() < limit, "{name} has no `{text}` after {limit:?}\n{}", self.all_logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&mut self, i: usize, sig: &str) {
        let pid = self.children[i].id().to_string();
        assert!(Command::new("kill").args([sig, &pid]).status().unwrap().success());
    }

    /// Waits for child `i` to exit; returns whether it exited successfully.
    fn wait_exit(&mut self, i: usize, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if let Some(status) = self.children[i].try_wait().unwrap() {
                return status.success();
            }
            assert!(start.elapsed() < limit, "process {i} did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    async fn enqueue_probes(&self, n: usize, probe: Probe, opts: EnqueueOptions) {
        let job = AnyJob::Probe(probe);
        futures::stream::iter(0..n)
            .map(|_| {
                let (q, job, opts) = (self.queues.clone(), job.clone(), opts.clone());
                async move { q.enqueue(&Envelope::new(&job), &opts).await.unwrap() }
            })
            .buffer_unordered(64)
            .collect::<Vec<_>>()
            .await;
    }

    /// Every run of the probes tagged `tag`: job id → number of runs.
    async fn runs(&self, tag: &str) -> HashMap<String, usize> {
        let entries = self.queues.log_range(&workers::handlers::probe_log_key(tag)).await.unwrap();
        let mut out = HashMap::new();
        for e in entries {
            *out.entry(e.rsplit(' ').next().unwrap().to_owned()).or_insert(0) += 1;
        }
        out
    }

    /// Waits until `n` distinct probes tagged `tag` have started.
    async fn wait_started(&self, tag: &str, n: usize) {
        let start = Instant::now();
        while self.runs(tag).await.len() < n {
            assert!(start.elapsed() < Duration::from_secs(20), "jobs did not start\n{}", self.all_logs());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn done(&self) -> u64 {
        self.queues.stats(queues::MAINTENANCE).await.unwrap().done_last_hour
    }

    /// Like `done`, but a connection error (the test's own client seeing a Redis
    /// restart) reads as zero instead of failing.
    async fn done_or_zero(&self) -> u64 {
        self.queues.stats(queues::MAINTENANCE).await.map(|s| s.done_last_hour).unwrap_or(0)
    }

    async fn wait_done(&self, n: u64, limit: Duration) {
        let start = Instant::now();
        loop {
            let done = self.done_or_zero().await;
            if done >= n {
                return;
            }
            if start.elapsed() > limit {
                panic!("{done}/{n} done after {limit:?}\nworker logs:\n{}", self.all_logs());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn all_logs(&self) -> String {
        let mut out = String::new();
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "log") {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                out.push_str(&format!(
                    "== {}\n{}\n",
                    e.path().display(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ));
            }
        }
        out
    }

    async fn finish(mut self) {
        self.kill_children();
        let _ = self.queues.flush_all().await;
    }

    fn kill_children(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Setup {
    /// A failed test still leaves no process behind.
    fn drop(&mut self) {
        self.kill_children();
    }
}

fn probe(tag: &str) -> Probe {
    Probe { tag: tag.to_owned(), ..Probe::default() }
}

/// Every job runs; at most `max_twice` run twice. Redis: none. The embedded queue is at
/// least once: when SQLite refuses an acknowledgement under heavy write contention the
/// apalis-sqlite worker ends and is restarted, and its unacknowledged jobs run again.
async fn many_workers_share_10k_jobs(at: QueueAt<'_>, processes: usize, max_twice: usize) {
    let mut s = Setup::new(at).await;
    for i in 0..processes {
        s.worker(50, &format!("w{i}.log"));
    }
    s.enqueue_probes(10_000, probe("bulk"), EnqueueOptions::default()).await;
    s.wait_done(10_000, Duration::from_secs(180)).await;
    let runs = s.runs("bulk").await;
    assert_eq!(runs.len(), 10_000, "distinct jobs run");
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.len() <= max_twice, "jobs run more than once: {}", twice.len());
    assert!(s.done().await >= 10_000);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_run_10k_jobs_once_each() {
    many_workers_share_10k_jobs(QueueAt::Redis(&jobs::testing::redis_url()), 2, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_worker_processes_run_10k_jobs_once_each() {
    many_workers_share_10k_jobs(QueueAt::Redis(&jobs::testing::redis_url()), 4, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_on_the_embedded_queue_run_all_10k_jobs() {
    many_workers_share_10k_jobs(QueueAt::Embedded, 2, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_jobs_complete_on_another_worker() {
    killed_worker(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_jobs_complete_on_another_worker_on_the_embedded_queue() {
    killed_worker(QueueAt::Embedded).await;
}

async fn killed_worker(at: QueueAt<'_>) {
    // A killed worker counts as gone after 6 s on Redis, after 20 s on the embedded
    // queue (its heartbeats wait out a busy file); then its jobs run in 5 s.
    let limit = Duration::from_secs(if matches!(at, QueueAt::Embedded) { 45 } else { 30 });
    let mut s = Setup::new(at).await;
    let a = s.worker(20, "a.log");
    s.enqueue_probes(20, Probe { sleep_ms: 5_000, ..probe("slow") }, EnqueueOptions::default()).await;
    // All 20 have started on worker A.
    s.wait_started("slow", 20).await;
    s.signal(a, "-KILL");
    s.wait_exit(a, Duration::from_secs(5));
    let killed_at = Instant::now();
    s.worker(20, "b.log");
    s.wait_done(20, limit).await;
    assert!(killed_at.elapsed() <= limit);
    let runs = s.runs("slow").await;
    assert_eq!(runs.len(), 20);
    assert!(runs.values().all(|n| *n == 2), "each job ran on A, then on B: {runs:?}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_finished_before_a_kill_is_not_run_again() {
    finished_then_killed(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_finished_before_a_kill_is_not_run_again_on_the_embedded_queue() {
    finished_then_killed(QueueAt::Embedded).await;
}

/// Worker A dies right after recording the third job's outcome, before apalis
/// acknowledges it (its acknowledgements are batched): worker B gets the unacknowledged
/// jobs back and must not run any of them again.
async fn finished_then_killed(at: QueueAt<'_>) {
    let mut s = Setup::new(at).await;
    // One at a time: when the third job finishes, no other job has started on A.
    let a = s.failing_worker(1, "a.log", "before_ack=3");
    s.enqueue_probes(12, Probe { record: true, sleep_ms: 100, ..probe("acked") }, EnqueueOptions::default())
        .await;
    assert!(!s.wait_exit(a, Duration::from_secs(30)), "worker A should have died at its failpoint");
    assert!(s.log("a.log").contains("failpoint before_ack"), "{}", s.log("a.log"));
    s.worker(4, "b.log");
    let runs = s.wait_drained("acked", Duration::from_secs(60)).await;
    assert_eq!(runs.len(), 12, "lost jobs: {runs:?}");
    assert!(runs.values().all(|n| *n == 1), "a finished job ran again: {runs:?}");
    // The orphan sweep gives the finished job back once A's heartbeat is stale; B may
    // still be acknowledging it when the others are drained.
    s.wait_log("b.log", "acknowledged without running", Duration::from_secs(30));
    assert!(s.runs("acked").await.values().all(|n| *n == 1), "a finished job ran again");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_job_becomes_a_dead_letter_instead_of_killing_workers_forever() {
    poison(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_job_becomes_a_dead_letter_on_the_embedded_queue() {
    poison(QueueAt::Embedded).await;
}

/// A job that aborts its process on every run: each worker it kills is replaced (as a
/// supervisor would), and after the kind's max attempts the job is dead-lettered
/// without running, while the other jobs all run.
async fn poison(at: QueueAt<'_>) {
    use jobs::catalogue::Job;
    let mut s = Setup::new(at).await;
    let max = Probe::POLICY.max_attempts as usize;
    s.enqueue_probes(1, Probe { abort: true, ..probe("poison") }, EnqueueOptions::default()).await;
    s.enqueue_probes(5, probe("healthy"), EnqueueOptions::default()).await;
    let db = entities::connect(&DatabaseSettings {
        url: ConnUrl::new(format!("sqlite://{}", s.dir.path().join("kickoff.db").display())),
        ..DatabaseSettings::default()
    })
    .await
    .unwrap();
    let start = Instant::now();
    let mut deaths = 0;
    let mut current = s.worker(1, "w0.log");
    loop {
        let letters = jobs::dead_letters::list(&db, &Default::default()).await.unwrap();
        if !letters.is_empty() {
            assert_eq!(letters.len(), 1);
            assert!(jobs::dead_letters::errors_of(&letters[0])[0].error.contains("poison"));
            break;
        }
        if s.children[current].try_wait().unwrap().is_some() {
            deaths += 1;
            current = s.worker(1, &format!("w{deaths}.log"));
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "no dead letter after {deaths} deaths\n{}",
            s.all_logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(deaths, max, "each delivery up to the max attempts killed a worker");
    let runs = s.wait_drained("healthy", Duration::from_secs(60)).await;
    assert_eq!((runs.len(), runs.values().all(|n| *n == 1)), (5, true), "{runs:?}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_in_flight_jobs_finish_and_loses_nothing() {
    sigterm(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_on_the_embedded_queue_loses_nothing() {
    sigterm(QueueAt::Embedded).await;
}

async fn sigterm(at: QueueAt<'_>) {
    let mut s = Setup::new(at).await;
    let a = s.worker(4, "a.log");
    s.enqueue_probes(12, Probe { sleep_ms: 1_500, ..probe("term") }, EnqueueOptions::default()).await;
    s.wait_started("term", 4).await;
    s.signal(a, "-TERM");
    assert!(s.wait_exit(a, Duration::from_secs(30)), "worker failed on SIGTERM:\n{}", s.log("a.log"));
    // The jobs running at SIGTERM finished before the process exited.
    assert!(s.done().await >= 4, "in-flight jobs were cut short");
    s.worker(4, "b.log");
    s.wait_done(12, Duration::from_secs(60)).await;
    let runs = s.runs("term").await;
    assert_eq!(runs.len(), 12, "lost jobs");
    assert!(runs.values().all(|n| *n == 1), "a job ran twice: {runs:?}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_workers_long_job_is_not_taken_by_another_worker() {
    draining(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_workers_long_job_is_not_taken_on_the_embedded_queue() {
    draining(QueueAt::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_workers_waiting_jobs_are_not_taken_by_another_worker() {
    full(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_workers_waiting_jobs_are_not_taken_on_the_embedded_queue() {
    full(QueueAt::Embedded).await;
}

/// A worker whose slots are all busy with long jobs, holding a fetched job until one
/// frees, keeps its heartbeat: no job runs twice. With one slot taken, a fetch of two
/// jobs starts one and holds the other for the 12 s until a slot frees.
async fn full(at: QueueAt<'_>) {
    let mut s = Setup::new(at).await;
    let long = Probe { sleep_ms: 12_000, ..probe("long") };
    s.enqueue_probes(1, long.clone(), EnqueueOptions::default()).await;
    let a = s.worker(2, "a.log");
    s.wait_started("long", 1).await;
    s.enqueue_probes(2, long, EnqueueOptions::default()).await;
    s.wait_started("long", 2).await;
    s.worker(2, "b.log");
    s.wait_done(3, Duration::from_secs(60)).await;
    let runs = s.runs("long").await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(runs.values().all(|n| *n == 1), "a job ran twice: {runs:?}\n{}", s.all_logs());
    s.signal(a, "-TERM");
    s.finish().await;
}

/// A worker draining after SIGTERM keeps its heartbeat: its job, longer than the
/// 6 s after which other workers take a silent worker's jobs, runs once.
async fn draining(at: QueueAt<'_>) {
    let mut s = Setup::new(at).await;
    let a = s.worker(1, "a.log");
    s.enqueue_probes(1, Probe { sleep_ms: 12_000, ..probe("drain") }, EnqueueOptions::default()).await;
    s.wait_started("drain", 1).await;
    s.worker(1, "b.log");
    s.signal(a, "-TERM");
    assert!(s.wait_exit(a, Duration::from_secs(30)), "worker failed on SIGTERM:\n{}", s.log("a.log"));
    s.wait_done(1, Duration::from_secs(10)).await;
    let runs = s.runs("drain").await;
    assert_eq!(runs.values().copied().collect::<Vec<_>>(), [1], "{runs:?}\n{}", s.all_logs());
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_longer_than_the_grace_period_is_handed_back_at_once() {
    past_grace(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_longer_than_the_grace_period_is_handed_back_on_the_embedded_queue() {
    past_grace(QueueAt::Embedded).await;
}

/// SIGTERM to a worker whose job outlasts `--grace-secs 1`: the process exits after the
/// grace period and the job is back in the ready list the moment it is gone (not once
/// its heartbeat has expired), where the next worker runs it to the end.
async fn past_grace(at: QueueAt<'_>) {
    let mut s = Setup::new(at).await;
    let args = ["worker", "--queues", "maintenance", "--concurrency", "maintenance=1", "--grace-secs", "1"];
    let a = s.spawn(&args, "a.log");
    s.enqueue_probes(1, Probe { sleep_ms: 8_000, ..probe("past") }, EnqueueOptions::default()).await;
    s.wait_started("past", 1).await;
    s.signal(a, "-TERM");
    assert!(s.wait_exit(a, Duration::from_secs(20)), "worker failed on SIGTERM:\n{}", s.log("a.log"));
    let stats = s.queues.stats(queues::MAINTENANCE).await.unwrap();
    let held: u64 = s.queues.workers(queues::MAINTENANCE).await.unwrap().iter().map(|w| w.in_flight).sum();
    assert_eq!((stats.pending, held), (1, 0), "{stats:?}\n{}", s.log("a.log"));
    assert!(s.log("a.log").contains("handed back"), "{}", s.log("a.log"));
    s.worker(1, "b.log");
    let runs = s.wait_drained("past", Duration::from_secs(60)).await;
    assert_eq!(runs.values().copied().collect::<Vec<_>>(), [2], "started twice, finished once: {runs:?}");
    // Success counters are flushed a moment after the job ends.
    s.wait_done(1, Duration::from_secs(10)).await;
    assert_eq!(s.done().await, 1, "{}", s.all_logs());
    s.finish().await;
}

/// Heartbeats and orphan sweeps run on Redis's clock: a worker whose host clock is ten
/// minutes ahead sweeps every second or two, yet takes no job from the live worker
/// running it. (Compared on each host's clock, it would see every other worker as ten
/// minutes silent and run their jobs a second time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_clock_runs_ten_minutes_ahead_takes_no_live_workers_job() {
    let mut s = Setup::new(QueueAt::Redis(&jobs::testing::redis_url())).await;
    let a = s.worker(2, "a.log");
    s.enqueue_probes(2, Probe { sleep_ms: 10_000, ..probe("skew") }, EnqueueOptions::default()).await;
    s.wait_started("skew", 2).await;
    let args = ["worker", "--queues", "maintenance", "--concurrency", "maintenance=2", "--grace-secs", "30"];
    let child = s.skewed_command("+10m", &args, "b.log").spawn().unwrap();
    s.children.push(child);
    let b = s.children.len() - 1;
    // B is registered (so its sweeps have begun) while A still runs both jobs.
    let start = Instant::now();
    while s.queues.workers(queues::MAINTENANCE).await.unwrap().len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(20), "B never registered\n{}", s.all_logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let runs = s.wait_drained("skew", Duration::from_secs(60)).await;
    assert_eq!(runs.values().copied().collect::<Vec<_>>(), [1, 1], "{runs:?}\n{}", s.all_logs());
    assert!(!s.log("b.log").contains("given back"), "{}", s.log("b.log"));
    s.signal(a, "-TERM");
    s.signal(b, "-TERM");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_20k_jobs_to_an_idle_worker_is_processed() {
    burst(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_20k_jobs_on_the_embedded_queue_is_processed() {
    burst(QueueAt::Embedded).await;
}

async fn burst(at: QueueAt<'_>) {
    let mut s = Setup::alone(at).await;
    s.worker(100, "w.log");
    // 10,000 due at the same instant (the apalis-redis fetch fails past ~8,000 due at
    // once) and 20,000 pushed for now.
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    s.enqueue_probes(10_000, probe("due"), EnqueueOptions { run_at: Some(at), ..Default::default() }).await;
    s.enqueue_probes(20_000, probe("burst"), EnqueueOptions::default()).await;
    s.wait_done(30_000, Duration::from_secs(300)).await;
    assert_eq!(s.runs("burst").await.len(), 20_000);
    assert_eq!(s.runs("due").await.len(), 10_000);
    s.finish().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_after_a_redis_restart() {
    let data = tempfile::tempdir().unwrap();
    let mut redis =
        OwnRedis::start(data.path(), &["--save", "", "--appendonly", "yes", "--appendfsync", "always"]);
    let url = redis.url();
    let mut s = Setup::new(QueueAt::Redis(&url)).await;
    s.worker(10, "w.log");
    s.enqueue_probes(1_000, Probe { sleep_ms: 10, ..probe("restart") }, EnqueueOptions::default()).await;
    s.wait_done(100, Duration::from_secs(60)).await;
    // Restart: the append-only file keeps the queue.
    redis.restart();
    s.wait_done(1_000, Duration::from_secs(120)).await;
    let runs = s.runs("restart").await;
    assert_eq!(runs.len(), 1_000, "jobs lost across the restart");
    s.finish().await;
    drop(redis);
}

fn schedule_file(dir: &Path) -> PathBuf {
    let path = dir.join("schedules.toml");
    std::fs::write(
        &path,
        "[[schedule]]\nname = \"every_second\"\ncron = \"* * * * * *\"\njob = { kind = \"probe\", args = { tag = \"tick\" } }\n",
    )
    .unwrap();
    path
}

async fn claims(s: &Setup) -> Vec<(i64, String)> {
    jobs::testing::schedule_claims(&s.queues, &s.prefix, "every_second").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_schedulers_fire_each_tick_once_and_report_missed_ticks() {
    schedulers_fire_each_tick_once(QueueAt::Redis(&jobs::testing::redis_url())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_schedulers_on_the_embedded_queue_fire_each_tick_once() {
    schedulers_fire_each_tick_once(QueueAt::Embedded).await;
}

async fn schedulers_fire_each_tick_once(at: QueueAt<'_>) {
    let mut s = Setup::new(at).await;
    let file = schedule_file(s.dir.path());
    let file = file.to_str().unwrap().to_owned();
    let ids: Vec<usize> =
        (0..3).map(|i| s.spawn(&["scheduler", "--file", &file], &format!("s{i}.log"))).collect();
    let start = Instant::now();
    while claims(&s).await.len() < 11 {
        assert!(start.elapsed() < Duration::from_secs(30), "ticks not firing\n{}", s.all_logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for i in &ids {
        s.signal(*i, "-TERM");
        s.wait_exit(*i, Duration::from_secs(10));
    }
    let fired = claims(&s).await;
    assert!(fired.len() >= 10);
    assert!(fired.iter().all(|(_, who)| who != "missed"));
    // Consecutive seconds, each claimed once, each enqueued once.
    for pair in fired.windows(2) {
        assert_eq!(pair[1].0 - pair[0].0, 1_000, "gap between ticks: {fired:?}");
    }
    let queued = s.queues.depth(queues::MAINTENANCE).await.unwrap();
    assert_eq!(queued, fired.len() as u64, "jobs enqueued vs ticks");

    // Nobody runs for three seconds; a scheduler started later reports those ticks missed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let late = s.spawn(&["scheduler", "--file", &file, "--catch-up-secs", "1"], "late.log");
    let start = Instant::now();
    loop {
        let missed = claims(&s).await.iter().filter(|(_, who)| who == "missed").count();
        if missed >= 2 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "missed ticks not reported\n{}", s.all_logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.signal(late, "-TERM");
    s.wait_exit(late, Duration::from_secs(10));
    let list = s
        .command(&["scheduler", "--file", &file, "--list"], "list.log")
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&list.stdout).into_owned();
    let row = table.lines().find(|l| l.starts_with("every_second")).unwrap_or_default().to_owned();
    let missed: u64 = row.split_whitespace().last().unwrap_or("0").parse().unwrap();
    assert!(missed >= 2, "{table}");
    s.finish().await;
}

/// Arrival times and user agents of requests at a counting site, since it started.
type Arrivals = std::sync::Arc<std::sync::Mutex<Vec<(Duration, String)>>>;

#[poem::handler]
fn count_arrival(req: &poem::Request, arrivals: poem::web::Data<&(Arrivals, Instant)>) -> &'static str {
    let (log, started) = *arrivals;
    let agent = req.header("user-agent").unwrap_or_default().to_owned();
    log.lock().unwrap().push((started.elapsed(), agent));
    "<rss/>"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_share_one_domain_budget() {
    use poem::EndpointExt;
    use poem::listener::{Acceptor, Listener};
    let arrivals: Arrivals = Default::default();
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app =
        poem::Route::new().at("/feed/:n", poem::get(count_arrival)).data((arrivals.clone(), Instant::now()));
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });

    let mut s = Setup::new(QueueAt::Redis(&jobs::testing::redis_url())).await;
    // 120 requests a minute (one per 500 ms), bursts of 2, for every domain.
    for i in 0..2 {
        let mut cmd =
            s.command(&["worker", "--queues", "scrape", "--concurrency", "scrape=4"], &format!("w{i}.log"));
        // The local feed stands in for a configured source: the fetch allowlist lets it in.
        cmd.env("KICKOFF__SCRAPE__ALLOWED_URLS", format!("[\"http://{addr}\"]"))
            .env("KICKOFF__SCRAPE__DEFAULT_RATE_PER_MIN", "120")
            .env("KICKOFF__SCRAPE__DEFAULT_BURST", "2")
            .env("KICKOFF__SCRAPE__USER_AGENT", format!("worker-{i}"));
        s.children.push(cmd.spawn().unwrap());
    }
    // Both workers are up before the jobs arrive, so both take some.
    let start = Instant::now();
    while !(0..2).all(|i| s.log(&format!("w{i}.log")).contains("worker started")) {
        assert!(start.elapsed() < Duration::from_secs(60), "workers did not start\n{}", s.all_logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for n in 0..10 {
        let job = jobs::catalogue::ScrapePage {
            source: "guardian:rss".into(),
            url: format!("http://{addr}/feed/{n}"),
        };
        s.queues.enqueue(&Envelope::new(&AnyJob::ScrapePage(job)), &EnqueueOptions::default()).await.unwrap();
    }
    let start = Instant::now();
    while arrivals.lock().unwrap().len() < 10 {
        assert!(start.elapsed() < Duration::from_secs(60), "requests missing\n{}", s.all_logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut log = arrivals.lock().unwrap().clone();
    log.sort();
    let seen: Vec<Duration> = log.iter().map(|(t, _)| *t).collect();
    // Request k may not arrive before (k + 1 - burst) intervals after the first.
    for (k, t) in seen.iter().enumerate() {
        let earliest = Duration::from_millis(500 * (k as u64 + 1).saturating_sub(2));
        assert!(*t - seen[0] + Duration::from_millis(50) >= earliest, "request {k} after {:?}", *t - seen[0]);
    }
    // Both processes fetched (each sends its own user agent).
    let agents: std::collections::HashSet<&str> = log.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(agents, ["worker-0", "worker-1"].into_iter().collect(), "{log:?}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_serves_its_job_metrics() {
    let mut s = Setup::new(QueueAt::Redis(&jobs::testing::redis_url())).await;
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    s.spawn(&["worker", "--queues", "maintenance", "--metrics-bind", &bind], "m.log");
    s.enqueue_probes(5, probe("metrics"), EnqueueOptions::default()).await;
    s.wait_done(5, Duration::from_secs(60)).await;
    let url = format!("http://{bind}/metrics");
    let http = reqwest::Client::new();
    let start = Instant::now();
    // The counters are written as each job ends, which may trail the done count a moment.
    let text = loop {
        if let Ok(resp) = http.get(&url).send().await {
            let text = resp.text().await.unwrap();
            let line = text
                .lines()
                .find(|l| l.starts_with("kickoff_jobs_succeeded_total{") && l.contains("kind=\"probe\""));
            if line.is_some_and(|l| l.ends_with(" 5")) {
                break text;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no job metrics at {url}:\n{}", s.log("m.log"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let timed = "kickoff_job_duration_seconds_count{queue=\"maintenance\",kind=\"probe\"} 5";
    assert!(text.contains(timed), "{text}");
    s.finish().await;
}
