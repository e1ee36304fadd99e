//! Totals of list queries, reused for `api.count_cache_secs`. Counting 20,000 rows costs
//! more than the page itself; a total a few seconds old is what clients of a paginated
//! list can live with, and `meta.total_as_of` tells them how old it is.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// More distinct filter combinations than this and the cache starts over.
const MAX_ENTRIES: usize = 4_096;

/// A total, when it was counted (for the TTL), and the wall-clock time of that count.
type Counted = (u64, Instant, DateTime<Utc>);

#[derive(Debug)]
pub struct CountCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Counted>>,
}

impl CountCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// A total counted less than the TTL ago, with when it was counted.
    pub fn get(&self, key: &str) -> Option<(u64, DateTime<Utc>)> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (total, at, wall) = entries.get(key)?;
        (at.elapsed() < self.ttl).then_some((*total, *wall))
    }

    pub fn put(&self, key: String, total: u64, counted_at: DateTime<Utc>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (total, Instant::now(), counted_at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_reused_within_the_ttl_only() {
        let at = Utc::now();
        let off = CountCache::new(Duration::ZERO);
        off.put("k".into(), 7, at);
        assert_eq!(off.get("k"), None);
        let on = CountCache::new(Duration::from_secs(3_600));
        assert_eq!(on.get("k"), None);
        on.put("k".into(), 7, at);
        assert_eq!(on.get("k"), Some((7, at)));
        assert_eq!(on.get("other"), None);
        let expired = CountCache::new(Duration::from_nanos(1));
        expired.put("k".into(), 7, at);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(expired.get("k"), None);
    }
}
