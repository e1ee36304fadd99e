//! Which sources are failing, and since when, shared by every worker process through the
//! queue backend: the first failed fetch of a site after a success stamps the hash
//! `scrape:failing_since` (field: the site), and the next success clears it. The
//! operator alerts read it.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use jobs::{QueueClient, QueueError};

pub const FAILING_SINCE_KEY: &str = "scrape:failing_since";

/// The site of a snapshot source: `fbref` of `fbref:schedule:SP1:2023-24`.
pub fn site_of(source: &str) -> &str {
    source.split(':').next().unwrap_or(source)
}

/// Records the outcome of one fetch of `source`.
pub async fn record(
    queues: &QueueClient,
    source: &str,
    ok: bool,
    at: DateTime<Utc>,
) -> Result<(), QueueError> {
    let site = site_of(source);
    if ok {
        queues.hash_del(FAILING_SINCE_KEY, site).await?;
    } else {
        queues.hash_set_if_absent(FAILING_SINCE_KEY, site, at.timestamp_millis()).await?;
    }
    Ok(())
}

/// Every failing site with the time of its first failure since its last success.
pub async fn failing(queues: &QueueClient) -> Result<HashMap<String, DateTime<Utc>>, QueueError> {
    Ok(queues
        .hash_get_all(FAILING_SINCE_KEY)
        .await?
        .into_iter()
        .filter_map(|(site, ms)| Utc.timestamp_millis_opt(ms).single().map(|t| (site, t)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::site_of;

    #[test]
    fn the_site_is_the_first_part_of_the_source() {
        assert_eq!(site_of("fbref:schedule:SP1:2023-24"), "fbref");
        assert_eq!(site_of("football-data"), "football-data");
    }
}
