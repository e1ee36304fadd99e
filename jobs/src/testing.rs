//! Test support: a Redis key prefix that is flushed when the guard drops, so a failing
//! test leaves nothing behind either; an embedded queue in memory; and a conversation with the bot that every way of
//! reaching it (long poll, webhook) is tested with.

use sqlx::SqlitePool;
use sqlx::sqlite::SqlitePoolOptions;

use crate::QueueClient;
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
