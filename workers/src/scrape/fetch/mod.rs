//! The fetch layer: one trait, and the HTTP implementation with politeness and
//! resilience built in (a shared per-domain rate limit, Retry-After, proxy rotation,
//! user-agent rotation, a circuit breaker per domain).

pub mod allow;
pub mod breaker;
pub mod browser;
pub mod http;
pub mod proxy;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use jobs::QueueError;

pub use browser::BrowserFetcher;
pub use http::HttpFetcher;

/// What to fetch: a GET, or a POST of a JSON body (API calls such as Betfair's).
#[derive(Clone)]
pub struct FetchRequest {
    pub url: String,
    /// For pages rendered by script: the CSS selector that shows the page is ready.
    pub wait_for: Option<String>,
    /// A JSON body to POST; `None` is a GET.
    pub body: Option<Vec<u8>>,
    /// Extra headers (API keys, session tokens): never logged.
    pub headers: Vec<(String, String)>,
}

impl FetchRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self { url: url.into(), wait_for: None, body: None, headers: Vec::new() }
    }

    /// A POST of `body` as JSON with `headers`.
    pub fn post_json(
        url: impl Into<String>,
        body: &serde_json::Value,
        headers: Vec<(String, String)>,
    ) -> Self {
        Self { url: url.into(), wait_for: None, body: Some(body.to_string().into_bytes()), headers }
    }
}

impl std::fmt::Debug for FetchRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("FetchRequest")
            .field("url", &self.url)
            .field("wait_for", &self.wait_for)
            .field("post", &self.body.is_some())
            .field("headers", &names)
            .finish()
    }
}

/// A successful response.
#[derive(Clone, Debug)]
pub struct FetchResponse {
    pub url: String,
    pub status: u16,
    pub body: Vec<u8>,
    pub fetched_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{domain}: rate limited (HTTP {status}), retry after {retry_after:?}")]
    RateLimited { domain: String, status: u16, retry_after: Option<Duration> },
    #[error("GET {url}: {message}")]
    Network { url: String, message: String },
    #[error("GET {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{domain}: circuit open for another {remaining:?}")]
    CircuitOpen { domain: String, remaining: Duration },
    #[error("bad URL {0}")]
    BadUrl(String),
    #[error("not fetched: {0}")]
    NotAllowed(#[from] allow::Refused),
    #[error("GET {url}: the body is larger than the {limit} bytes [scrape] max_body_bytes allows")]
    TooLarge { url: String, limit: u64 },
    #[error("GET {url}: more than {hops} redirects")]
    TooManyRedirects { url: String, hops: u32 },
    #[error("rate limiter: {0}")]
    Limiter(#[from] QueueError),
}

impl jobs::Classify for FetchError {
    /// Worth another attempt later: everything but a client error (other than 429, and
    /// 403: a site blocking a client blocks it for a while) and a bad URL.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status == 403 || *status >= 500,
            FetchError::BadUrl(_)
            | FetchError::NotAllowed(_)
            | FetchError::TooLarge { .. }
            | FetchError::TooManyRedirects { .. } => false,
            _ => true,
        }
    }
}

/// Fetches pages. Implementations: [`HttpFetcher`], and [`BrowserFetcher`] for pages
/// that need script.
pub trait Fetcher: Send + Sync {
    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<FetchResponse, FetchError>>;
}
