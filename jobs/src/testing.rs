//! Test support: a Redis key prefix that is flushed when the guard drops, so a failing
//! test leaves nothing behind either.

use crate::redis_queue::{RedisQueues, connect};

/// The Redis the tests use: `KICKOFF_TEST_REDIS_URL`, else the local default.
pub fn redis_url() -> String {
    std::env::var("KICKOFF_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned())
}

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
