//! The proxy pool: requests rotate over the configured proxies; a proxy that fails
//! `max_failures` times in a row is disabled until a health check through it passes
//! ([`check_every`] runs them in every worker process). Without proxies every request
//! goes direct.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use super::FetchError;

struct Proxy {
    url: String,
    client: reqwest::Client,
    failures: AtomicU32,
    disabled: AtomicBool,
}

pub struct ProxyPool {
    proxies: Vec<Proxy>,
    direct: reqwest::Client,
    max_failures: u32,
    next: AtomicUsize,
}

/// Which route a request took, to report its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Direct,
    Proxy(usize),
}

fn client(timeout: Duration, proxy: Option<&str>) -> Result<reqwest::Client, FetchError> {
    // Redirects are followed by the fetcher, hop by hop against the allowlist.
    let mut b = reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .gzip(true)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(p) = proxy {
        let proxy = reqwest::Proxy::all(p).map_err(|e| FetchError::BadUrl(format!("proxy {p}: {e}")))?;
        b = b.proxy(proxy);
    } else {
        b = b.no_proxy();
    }
    b.build().map_err(|e| FetchError::Network {
        url: proxy.unwrap_or("client").to_owned(),
        message: e.to_string(),
    })
}

/// A direct client; building one only fails when the TLS backend cannot initialise, and
/// then reqwest's defaults (without our timeouts) still work.
fn direct_client(timeout: Duration) -> reqwest::Client {
    client(timeout, None).unwrap_or_default()
}

impl ProxyPool {
    /// No proxies: every request goes direct.
    pub fn direct(timeout: Duration) -> Self {
        Self {
            proxies: Vec::new(),
            direct: direct_client(timeout),
            max_failures: 1,
            next: AtomicUsize::new(0),
        }
    }

    pub fn new(proxies: &[String], max_failures: u32, timeout: Duration) -> Result<Self, FetchError> {
        let proxies = proxies
            .iter()
            .map(|url| {
                Ok(Proxy {
                    url: url.clone(),
                    client: client(timeout, Some(url))?,
                    failures: AtomicU32::new(0),
                    disabled: AtomicBool::new(false),
                })
            })
            .collect::<Result<Vec<_>, FetchError>>()?;
        Ok(Self {
            proxies,
            direct: direct_client(timeout),
            max_failures: max_failures.max(1),
            next: AtomicUsize::new(0),
        })
    }

    /// The next route: the enabled proxies in turn, or direct when none are configured.
    pub fn pick(&self) -> Result<(Route, &reqwest::Client), FetchError> {
        if self.proxies.is_empty() {
            return Ok((Route::Direct, &self.direct));
        }
        let n = self.proxies.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| (start + i) % n)
            .find(|i| !self.proxies[*i].disabled.load(Ordering::Relaxed))
            .map(|i| (Route::Proxy(i), &self.proxies[i].client))
            .ok_or_else(|| FetchError::Network {
                url: "proxy pool".into(),
                message: "every proxy is disabled".into(),
            })
    }

    pub fn report(&self, route: Route, ok: bool) {
        let Route::Proxy(i) = route else { return };
        let Some(p) = self.proxies.get(i) else { return };
        if ok {
            p.failures.store(0, Ordering::Relaxed);
        } else if p.failures.fetch_add(1, Ordering::Relaxed) + 1 >= self.max_failures
            && !p.disabled.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(proxy = %p.url, "proxy disabled after consecutive failures");
        }
    }

    /// Whether any proxy is configured.
    pub fn is_empty(&self) -> bool {
        self.proxies.is_empty()
    }

    /// Whether each proxy is enabled, in configuration order.
    pub fn enabled(&self) -> Vec<bool> {
        self.proxies.iter().map(|p| !p.disabled.load(Ordering::Relaxed)).collect()
    }

    /// Re-enables each disabled proxy through which `probe_url` answers with a success
    /// (an error page from the proxy itself is no pass).
    pub async fn health_check(&self, probe_url: &str) {
        for p in self.proxies.iter().filter(|p| p.disabled.load(Ordering::Relaxed)) {
            let passed = p.client.get(probe_url).send().await.is_ok_and(|r| r.status().is_success());
            if passed {
                p.failures.store(0, Ordering::Relaxed);
                p.disabled.store(false, Ordering::Relaxed);
                tracing::info!(proxy = %p.url, "proxy re-enabled by its health check");
            } else {
                tracing::debug!(proxy = %p.url, "proxy still failing its health check");
            }
        }
    }
}

/// Runs the disabled proxies' health checks against `probe_url` every `every` until
/// `stop` turns true.
pub async fn check_every(
    pool: &ProxyPool,
    probe_url: &str,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => pool.health_check(probe_url).await,
            changed = stop.changed() => {
                // A dropped sender stops the checks as a stop does.
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
    }
}
