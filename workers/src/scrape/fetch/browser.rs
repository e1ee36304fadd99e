//! The browser fetcher, for pages that render with script: thirtyfour driving headless
//! Chromium through chromedriver. Sessions are pooled (at most `browser_sessions`, so
//! a worker never runs more Chromium processes than that); a session that fails is
//! quit and replaced by a fresh one on the next fetch. Without a configured WebDriver
//! URL the fetcher starts chromedriver itself on a free port. Requests share the
//! domain budgets of the HTTP fetcher.

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use jobs::QueueClient;
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, Semaphore};

use super::allow::Allowlist;
use super::http::{domain_of, take_slot};
use super::{FetchError, FetchRequest, FetchResponse, Fetcher};
use crate::settings::ScrapeSettings;

/// Chromium's flags for a server without a display or sandbox privileges.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
];

pub struct BrowserFetcher {
    settings: ScrapeSettings,
    allow: Allowlist,
    limiter: Option<QueueClient>,
    webdriver_url: String,
    /// The chromedriver this fetcher started, killed when it drops.
    _driver: Option<Child>,
    idle: Mutex<Vec<WebDriver>>,
    permits: Semaphore,
}

fn network(url: &str, message: impl std::fmt::Display) -> FetchError {
    FetchError::Network { url: url.to_owned(), message: message.to_string() }
}

/// Starts chromedriver on a free port and waits until it answers; it stops when the
/// child is dropped.
pub async fn start_chromedriver(binary: &str) -> Result<(Child, String), FetchError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| network("chromedriver", e))?
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| network(binary, format!("cannot start chromedriver: {e}")))?;
    let url = format!("http://127.0.0.1:{port}");
    let status = format!("{url}/status");
    for _ in 0..100 {
        if reqwest::get(&status).await.is_ok_and(|r| r.status().is_success()) {
            return Ok((child, url));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(network(&url, "chromedriver did not answer within 10 s"))
}

impl BrowserFetcher {
    pub async fn start(settings: ScrapeSettings, limiter: Option<QueueClient>) -> Result<Self, FetchError> {
        let (driver, webdriver_url) = if settings.webdriver_url.is_empty() {
            let (child, url) = start_chromedriver(&settings.chromedriver_binary).await?;
            (Some(child), url)
        } else {
            (None, settings.webdriver_url.clone())
        };
        let permits = Semaphore::new(settings.browser_sessions.max(1));
        let allow = Allowlist::from_settings(&settings);
        Ok(Self {
            settings,
            allow,
            limiter,
            webdriver_url,
            _driver: driver,
            idle: Mutex::new(Vec::new()),
            permits,
        })
    }

    async fn new_session(&self) -> Result<WebDriver, FetchError> {
        let mut caps = DesiredCapabilities::chrome();
        let mut setup = || -> WebDriverResult<()> {
            caps.set_binary(&self.settings.chromium_binary)?;
            for arg in CHROMIUM_ARGS {
                caps.add_arg(arg)?;
            }
            caps.add_arg(&format!("--user-agent={}", self.settings.user_agent))
        };
        setup().map_err(|e| network(&self.webdriver_url, e))?;
        WebDriver::new(&self.webdriver_url, caps).await.map_err(|e| network(&self.webdriver_url, e))
    }

    /// Loads `req.url`, waits for `req.wait_for` if given, and returns the rendered DOM.
    async fn load(&self, driver: &WebDriver, req: &FetchRequest) -> Result<String, FetchError> {
        if req.body.is_some() {
            return Err(FetchError::BadUrl(format!("{}: a browser cannot POST an API call", req.url)));
        }
        driver.goto(&req.url).await.map_err(|e| network(&req.url, e))?;
        if let Some(css) = &req.wait_for {
            let limit = Duration::from_secs(self.settings.browser_wait_secs.max(1));
            driver
                .query(By::Css(css.as_str()))
                .wait(limit, Duration::from_millis(100))
                .first()
                .await
                .map_err(|e| network(&req.url, format!("`{css}` did not appear within {limit:?}: {e}")))?;
        }
        // Where the page ended up (after redirects, or script navigation) is held to the
        // same allowlist as where it started, and its size to the same cap.
        let landed = driver.current_url().await.map_err(|e| network(&req.url, e))?;
        self.allow.check(landed.as_str())?;
        let html = driver.source().await.map_err(|e| network(&req.url, e))?;
        if html.len() as u64 > self.settings.max_body_bytes {
            return Err(FetchError::TooLarge { url: req.url.clone(), limit: self.settings.max_body_bytes });
        }
        Ok(html)
    }

    async fn get(&self, req: &FetchRequest) -> Result<FetchResponse, FetchError> {
        self.allow.check(&req.url)?;
        let domain = domain_of(&req.url)?;
        take_slot(self.limiter.as_ref(), &self.settings, &domain).await?;
        let _permit = self.permits.acquire().await.map_err(|e| network(&req.url, e))?;
        let pooled = self.idle.lock().await.pop();
        let driver = match pooled {
            Some(d) => d,
            None => self.new_session().await?,
        };
        match self.load(&driver, req).await {
            Ok(html) => {
                self.idle.lock().await.push(driver);
                Ok(FetchResponse {
                    url: req.url.clone(),
                    status: 200,
                    body: html.into_bytes(),
                    fetched_at: Utc::now(),
                })
            }
            Err(e) => {
                // The session may be broken (a crashed tab, a dead Chromium): replace it.
                if let Err(quit) = driver.quit().await {
                    tracing::debug!(error = %quit, "browser session already gone");
                }
                Err(e)
            }
        }
    }

    /// Closes every pooled session.
    pub async fn shutdown(&self) {
        for driver in self.idle.lock().await.drain(..) {
            let _ = driver.quit().await;
        }
    }
}

impl Fetcher for BrowserFetcher {
    fn fetch<'a>(&'a self, req: &'a FetchRequest) -> BoxFuture<'a, Result<FetchResponse, FetchError>> {
        Box::pin(self.get(req))
    }
}
