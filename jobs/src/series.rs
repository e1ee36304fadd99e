//! Counters of finished and failed attempts per queue in time buckets (minutes for the
//! last hour, hours for the last day and week), for the dashboard's charts. Workers
//! count in memory and add their counts in batches.

use chrono::Utc;
use redis::AsyncCommands;

use crate::backend::SharedState;
use crate::client::{QueueClient, QueueError, on_backend};
use crate::embedded_queue::EmbeddedQueues;
use crate::redis_queue::RedisQueues;

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    /// Attempts that succeeded.
    Done,
    /// Attempts that failed (retried or dead-lettered).
    Failed,
}

impl Counter {
    fn key(self) -> &'static str {
        match self {
            Counter::Done => "done",
            Counter::Failed => "failed",
        }
    }
}

/// A chart's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// 60 one-minute buckets.
    Hour,
    /// 24 one-hour buckets.
    Day,
    /// 168 one-hour buckets.
    Week,
}

impl Range {
    pub const ALL: [Range; 3] = [Range::Hour, Range::Day, Range::Week];

    /// Seconds per bucket and buckets per chart.
    pub fn buckets(self) -> (i64, usize) {
        match self {
            Range::Hour => (60, 60),
            Range::Day => (3600, 24),
            Range::Week => (3600, 168),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Range::Hour => "hour",
            Range::Day => "day",
            Range::Week => "week",
        }
    }

    pub fn parse(s: &str) -> Option<Range> {
        Range::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Minute buckets are kept two hours, hour buckets eight days.
const MINUTES_KEPT_SECS: i64 = 2 * 3600;
pub(crate) const HOURS_KEPT_SECS: i64 = 8 * 24 * 3600;

/// The bucket numbers of a chart ending now, oldest first.
fn bucket_ids(range: Range) -> Vec<i64> {
    let (step, n) = range.buckets();
    let last = Utc::now().timestamp() / step;
    (0..n as i64).rev().map(|i| last - i).collect()
}

impl RedisQueues {
    pub async fn record_count(&self, queue: &str, counter: Counter, n: u64) -> Result<(), QueueError> {
        if n == 0 {
            return Ok(());
        }
        let now = Utc::now().timestamp();
        let c = counter.key();
        let minute = self.key(queue, &format!("{c}:m:{}", now / 60));
        let hour = self.key(queue, &format!("{c}:h:{}", now / 3600));
        let _: () = redis::pipe()
            .incr(&minute, n)
            .expire(&minute, MINUTES_KEPT_SECS)
            .incr(&hour, n)
            .expire(&hour, HOURS_KEPT_SECS)
            .query_async(&mut self.connection())
            .await?;
        Ok(())
    }

    pub async fn series(&self, queue: &str, counter: Counter, range: Range) -> Result<Vec<u64>, QueueError> {
        let unit = if range == Range::Hour { "m" } else { "h" };
        let keys: Vec<String> = bucket_ids(range)
            .into_iter()
            .map(|b| self.key(queue, &format!("{}:{unit}:{b}", counter.key())))
            .collect();
        let counts: Vec<Option<u64>> = self.connection().mget(&keys).await?;
        Ok(counts.into_iter().map(|c| c.unwrap_or(0)).collect())
    }
}

impl EmbeddedQueues {
    pub async fn record_count(&self, queue: &str, counter: Counter, n: u64) -> Result<(), QueueError> {
        if n == 0 {
            return Ok(());
        }
        let now = Utc::now().timestamp();
        let c = counter.key();
        self.hash_incr(&format!("{queue}:{c}"), &(now / 60).to_string(), n as i64).await?;
        self.hash_incr(&format!("{queue}:{c}:h"), &(now / 3600).to_string(), n as i64).await
    }

    pub async fn series(&self, queue: &str, counter: Counter, range: Range) -> Result<Vec<u64>, QueueError> {
        let c = counter.key();
        let key = if range == Range::Hour { format!("{queue}:{c}") } else { format!("{queue}:{c}:h") };
        let buckets = self.hash_get_all(&key).await?;
        Ok(bucket_ids(range)
            .into_iter()
            .map(|b| buckets.get(&b.to_string()).copied().unwrap_or(0).max(0) as u64)
            .collect())
    }
}

impl QueueClient {
    /// Adds `n` to `counter` of `queue` in the current minute and hour.
    pub async fn record_count(&self, queue: &str, counter: Counter, n: u64) -> Result<(), QueueError> {
        on_backend!(self, q => q.record_count(queue, counter, n).await)
    }

    /// `counter` of `queue` per bucket over `range`, oldest first, the last bucket being
    /// the current (partial) one.
    pub async fn series(&self, queue: &str, counter: Counter, range: Range) -> Result<Vec<u64>, QueueError> {
        on_backend!(self, q => q.series(queue, counter, range).await)
    }
}
