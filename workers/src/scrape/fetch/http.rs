//! The HTTP fetcher: reqwest (rustls, gzip, timeouts) behind the politeness rules.
//! Before each request: the domain's circuit must be closed, and a slot of its budget
//! is reserved in the shared limiter (so adding worker processes never adds load on a
//! site). A 429/503 waits for Retry-After (or an exponential backoff) and tries again
//! up to `throttle_retries` times; a network error is retried on the next proxy, up
//! to three attempts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use jobs::QueueClient;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER, USER_AGENT};

use super::allow::Allowlist;
use super::breaker::Breakers;
use super::proxy::ProxyPool;
use super::{FetchError, FetchRequest, FetchResponse, Fetcher};
use crate::settings::ScrapeSettings;

/// Attempts of one request over network errors (each on the next proxy).
const NETWORK_ATTEMPTS: u32 = 3;

/// Redirects followed at most, each checked against the allowlist.
const MAX_REDIRECTS: u32 = 10;

pub struct HttpFetcher {
    settings: ScrapeSettings,
    allow: Allowlist,
    /// The shared limiter; `None` fetches without a budget (tools, tests of parsers).
    limiter: Option<QueueClient>,
    pool: ProxyPool,
    breakers: Breakers,
    user_agents: Vec<String>,
    next_agent: AtomicUsize,
}

/// Seconds (`120`) or an HTTP date, as Retry-After allows.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some((at.with_timezone(&Utc) - Utc::now()).to_std().unwrap_or_default())
}

/// Waits for the next slot of `domain`'s shared budget, then the human-like pause.
pub(crate) async fn take_slot(
    limiter: Option<&QueueClient>,
    settings: &ScrapeSettings,
    domain: &str,
) -> Result<(), FetchError> {
    if let Some(limiter) = limiter {
        let budget = settings.budget(domain);
        let interval = Duration::from_secs(60) / budget.rate_per_min.max(1);
        let wait = limiter.reserve_slot(&format!("ratelimit:{domain}"), interval, budget.burst).await?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
    let (lo, hi) = (settings.human_delay_min_ms, settings.human_delay_max_ms);
    if hi > 0 {
        let ms = if hi > lo { lo + rand::random::<u64>() % (hi - lo + 1) } else { hi };
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Ok(())
}

pub(crate) fn domain_of(url: &str) -> Result<String, FetchError> {
    let parsed = url::Url::parse(url).map_err(|e| FetchError::BadUrl(format!("{url}: {e}")))?;
    let host = parsed.host_str().ok_or_else(|| FetchError::BadUrl(format!("{url}: no host")))?;
    Ok(match parsed.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

impl HttpFetcher {
    /// A fetcher over `settings.proxies`; fails on a proxy URL reqwest refuses.
    pub fn new(settings: ScrapeSettings, limiter: Option<QueueClient>) -> Result<Self, FetchError> {
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let pool = ProxyPool::new(&settings.proxies, settings.proxy_max_failures, timeout)?;
        Ok(Self::with_pool(settings, limiter, pool))
    }

    /// A fetcher that ignores `settings.proxies` and connects directly; cannot fail.
    pub fn direct(settings: ScrapeSettings, limiter: Option<QueueClient>) -> Self {
        let pool = ProxyPool::direct(Duration::from_secs(settings.timeout_secs.max(1)));
        Self::with_pool(settings, limiter, pool)
    }

    fn with_pool(settings: ScrapeSettings, limiter: Option<QueueClient>, pool: ProxyPool) -> Self {
        let breakers =
            Breakers::new(settings.breaker_failures, Duration::from_secs(settings.breaker_cooldown_secs));
        let mut user_agents = vec![settings.user_agent.clone()];
        user_agents.extend(settings.user_agents.iter().filter(|u| !u.is_empty()).cloned());
        let allow = Allowlist::from_settings(&settings);
        Self { settings, allow, limiter, pool, breakers, user_agents, next_agent: AtomicUsize::new(0) }
    }

    pub fn breakers(&self) -> &Breakers {
        &self.breakers
    }

    pub fn proxies(&self) -> &ProxyPool {
        &self.pool
    }

    fn user_agent(&self) -> &str {
        let i = self.next_agent.fetch_add(1, Ordering::Relaxed) % self.user_agents.len().max(1);
        self.user_agents.get(i).map(String::as_str).unwrap_or_default()
    }

    async fn take_slot(&self, domain: &str) -> Result<(), FetchError> {
        take_slot(self.limiter.as_ref(), &self.settings, domain).await
    }

    async fn send(&self, req: &FetchRequest) -> Result<FetchResponse, FetchError> {
        // Before anything touches the network: a refused URL makes no request at all.
        self.allow.check(&req.url)?;
        let domain = domain_of(&req.url)?;
        if let Err(remaining) = self.breakers.allow(&domain) {
            return Err(FetchError::CircuitOpen { domain, remaining });
        }
        let result = self.attempts(req, &domain).await;
        match &result {
            Ok(_) => self.breakers.success(&domain),
            // A client error says the site is up; only server-side trouble counts, and a
            // 403, the site turning this client away: the domain backs off.
            Err(FetchError::Status { status, .. }) if *status < 500 && *status != 429 && *status != 403 => {
                self.breakers.success(&domain)
            }
            Err(_) => self.breakers.failure(&domain),
        }
        result
    }

    async fn attempts(&self, req: &FetchRequest, domain: &str) -> Result<FetchResponse, FetchError> {
        let (mut throttled, mut network, mut hops) = (0u32, 0u32, 0u32);
        // A redirect changes the URL (and turns a POST into a GET but for 307 and 308).
        let (mut url, mut body, mut domain) = (req.url.clone(), req.body.clone(), domain.to_owned());
        let mut headers = req.headers.clone();
        loop {
            self.take_slot(&domain).await?;
            let (route, client) = self.pool.pick()?;
            let mut builder = match &body {
                Some(body) => client.post(&url).header(CONTENT_TYPE, "application/json").body(body.clone()),
                None => client.get(&url),
            };
            for (name, value) in &headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let sent = builder.header(USER_AGENT, self.user_agent()).send().await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    self.pool.report(route, false);
                    network += 1;
                    if network < NETWORK_ATTEMPTS {
                        tracing::debug!(url, error = %e, "network error; next proxy");
                        continue;
                    }
                    return Err(FetchError::Network { url, message: e.to_string() });
                }
            };
            self.pool.report(route, true);
            // Where the answer came from is held to the list too, whatever the client did.
            self.allow.check(response.url().as_str())?;
            let status = response.status().as_u16();
            if response.status().is_redirection()
                && let Some(location) = response.headers().get(LOCATION)
            {
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(FetchError::TooManyRedirects { url: req.url.clone(), hops: MAX_REDIRECTS });
                }
                let next = location
                    .to_str()
                    .ok()
                    .and_then(|l| response.url().join(l).ok())
                    .ok_or_else(|| FetchError::BadUrl(format!("{url}: redirect to {location:?}")))?;
                // Every hop stays within the allowlist: a redirect is no way around it.
                let next = self.allow.check(next.as_str())?;
                let here = url::Url::parse(&url).map_err(|e| FetchError::BadUrl(format!("{url}: {e}")))?;
                if here.scheme() == "https" && next.scheme() != "https" {
                    return Err(FetchError::BadUrl(format!(
                        "{url}: refused a redirect from https to {next}"
                    )));
                }
                // Credentials and the body go to the origin they were meant for only.
                if here.origin() != next.origin() {
                    headers.clear();
                    body = None;
                }
                let next = next.to_string();
                tracing::debug!(from = %url, to = %next, status, "redirect");
                if !matches!(status, 307 | 308) {
                    body = None;
                }
                domain = domain_of(&next)?;
                url = next;
                continue;
            }
            if status == 429 || status == 503 {
                throttled += 1;
                let asked = retry_after(response.headers());
                let backoff = Duration::from_secs(1u64 << throttled.min(6));
                let wait = asked.unwrap_or(backoff);
                if throttled > self.settings.throttle_retries
                    || wait > Duration::from_secs(self.settings.max_retry_after_secs)
                {
                    return Err(FetchError::RateLimited { domain, status, retry_after: asked });
                }
                tracing::info!(url, status, ?wait, "throttled; waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(FetchError::Status { url, status });
            }
            let body = read_capped(response, &url, self.settings.max_body_bytes).await?;
            return Ok(FetchResponse { url, status, body, fetched_at: Utc::now() });
        }
    }
}

/// The body, refused as soon as it is known to exceed `limit` bytes: from its declared
/// length before reading, else while reading (after decompression).
async fn read_capped(mut response: reqwest::Response, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge { url: url.to_owned(), limit };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    // A body cut short (connection closed early) surfaces here.
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::Network { url: url.to_owned(), message: format!("reading body: {e}") })?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Fetcher for HttpFetcher {
    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<FetchResponse, FetchError>> {
        Box::pin(self.send(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = (Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(25) && d <= Duration::from_secs(30), "{d:?}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn domains_keep_their_port() {
        assert_eq!(domain_of("https://api.sofascore.com/api/v1/x").unwrap(), "api.sofascore.com");
        assert_eq!(domain_of("http://127.0.0.1:8080/a").unwrap(), "127.0.0.1:8080");
        assert!(matches!(domain_of("not a url"), Err(FetchError::BadUrl(_))));
    }
}
