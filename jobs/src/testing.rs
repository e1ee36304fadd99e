//! Test support: a Redis key prefix that is flushed when the guard drops, so a failing
//! test leaves nothing behind either; an embedded queue in memory; and a conversation with the bot that every way of
//! reaching it (long poll, webhook) is tested with.
// Test support: a panic is how it reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::SqlitePool;
use sqlx::sqlite::SqlitePoolOptions;

use crate::QueueClient;
use crate::backend::JobQueue;
use crate::embedded_queue::EmbeddedQueues;
use crate::redis_queue::{RedisQueues, connect};

/// An embedded queue in an in-memory SQLite database of its own, with that database's
/// pool: a test closes it, or takes a table away, to make the queue fail.
pub async fn memory_queue() -> (QueueClient, SqlitePool) {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite");
    let queues = EmbeddedQueues::open(pool.clone(), "t").await.expect("embedded queue in memory");
    (queues.into(), pool)
}

/// The Redis the tests use: `KICKOFF_TEST_REDIS_URL`, else the local default.
pub fn redis_url() -> String {
    std::env::var("KICKOFF_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned())
}

/// A schedule entry's tick claims under `prefix` (the scheduler's idempotency keys
/// `idem:sched:{name}:{tick ms}`), as (tick unix ms, who claimed it: a scheduler, or
/// `missed`), in tick order.
pub async fn schedule_claims(queues: &QueueClient, prefix: &str, name: &str) -> Vec<(i64, String)> {
    let pattern = format!("{prefix}idem:sched:{name}:");
    let pairs: Vec<(String, String)> = match queues {
        QueueClient::Redis(q) => {
            let mut conn = q.connection();
            let keys: Vec<String> =
                redis::cmd("KEYS").arg(format!("{pattern}*")).query_async(&mut conn).await.expect("KEYS");
            let mut out = Vec::new();
            for k in keys {
                let v: String = redis::cmd("GET").arg(&k).query_async(&mut conn).await.expect("GET");
                out.push((k, v));
            }
            out
        }
        QueueClient::Embedded(q) => {
            sqlx::query_as("SELECT key, value FROM kickoff_kv_claims WHERE key LIKE ?1")
                .bind(format!("{pattern}%"))
                .fetch_all(q.pool())
                .await
                .expect("kickoff_kv_claims")
        }
    };
    let mut out: Vec<(i64, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k.rsplit(':').next().and_then(|t| t.parse().ok()).expect("a tick in ms"), v))
        .collect();
    out.sort();
    out
}

/// Every bot command in an order that shows each state, with the start of its
/// MarkdownV2 reply, for one chat on a database without matches.
pub const BOT_CONVERSATION: [(&str, &str); 9] = [
    ("/start", "Welcome to Kickoff\\!"),
    ("/help", "Commands:"),
    ("/status", "You are not subscribed\\."),
    ("/subscribe 5%", "Subscribed: all leagues, edge at least 5%\\."),
    ("/status", "Subscribed: all leagues, edge at least 5%\\."),
    ("/today", "No matches today\\."),
    ("/unsubscribe", "Unsubscribed: no more alerts\\."),
    ("/status", "Unsubscribed \\(was: all leagues"),
    ("what?", "Commands:"),
];

pub struct PrefixGuard {
    url: String,
    prefix: String,
}

impl PrefixGuard {
    pub fn new(url: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self { url: url.into(), prefix: prefix.into() }
    }
}

impl Drop for PrefixGuard {
    fn drop(&mut self) {
        let (url, prefix) = (self.url.clone(), self.prefix.clone());
        // Drop may run inside or outside a runtime: use a private one on its own thread.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(async move {
                    if let Ok(conn) = connect(&url).await {
                        let _ = RedisQueues::new(conn, prefix).flush_all().await;
                    }
                });
            }
        })
        .join();
    }
}

/// A `redis-server` of the test's own, on a free port, for tests that restart or
/// misconfigure it (never the shared server). Killed on drop.
pub struct OwnRedis {
    child: std::process::Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
    args: Vec<String>,
}

impl OwnRedis {
    /// Starts `redis-server` on a free port with its files in `dir` and extra `args`
    /// (`["--appendonly", "yes"]`), and waits until it answers PING.
    pub fn start(dir: &std::path::Path, args: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let child = Self::spawn(port, dir, &args);
        Self { child, port, dir: dir.to_owned(), args }
    }

    fn spawn(port: u16, dir: &std::path::Path, args: &[String]) -> std::process::Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("redis.log"));
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
            .arg(dir)
            .args(args)
            .stdout(log.expect("redis.log"))
            .spawn()
            .expect("redis-server");
        let start = std::time::Instant::now();
        let ping =
            || std::process::Command::new("redis-cli").args(["-p", &port.to_string(), "ping"]).output().ok();
        while !ping().is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains("PONG")) {
            assert!(start.elapsed() < std::time::Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Shuts the server down (`SHUTDOWN`, which writes the AOF or snapshot it is
    /// configured for) and starts it again on the same port, files and arguments.
    pub fn restart(&mut self) {
        let _ =
            std::process::Command::new("redis-cli").args(["-p", &self.port.to_string(), "shutdown"]).status();
        let _ = self.child.wait();
        self.child = Self::spawn(self.port, &self.dir, &self.args);
    }
}

impl OwnRedis {
    /// Shuts the server down (`SHUTDOWN`, its AOF written) and leaves it down, so every
    /// client meets a refused connection until [`Self::start_again`].
    pub fn stop(&mut self) {
        let _ =
            std::process::Command::new("redis-cli").args(["-p", &self.port.to_string(), "shutdown"]).status();
        let _ = self.child.wait();
    }

    /// Starts a stopped server again on the same port, files and arguments.
    pub fn start_again(&mut self) {
        self.child = Self::spawn(self.port, &self.dir, &self.args);
    }

    /// Kills the server (SIGKILL: nothing flushed beyond what its fsync policy
    /// already wrote) and starts it again on the same port, files and arguments.
    pub fn crash_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Self::spawn(self.port, &self.dir, &self.args);
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
