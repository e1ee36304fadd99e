//! The fixture site: recorded pages of the real sources served over HTTP under their
//! real paths, with faults on demand (429/503 with Retry-After, 500, slow, truncated).
//! `kickoff demo` scrapes it; tests and `kickoff fixture-site` start it on a port.
//!
//! Live endpoints recorded at several moments (sport1's match and incidents of one
//! match) answer their n-th request with their n-th state, the last one from then on.
//!
//! Control endpoints, for tests and demos on a local port only: `POST /_faults` with a
//! [`FaultRule`] as JSON adds a rule, `DELETE /_faults` clears them, `GET /_requests`
//! counts the requests per path, `GET /_telegram` lists the calls the fake Bot API under
//! `/telegram` received.

mod faults;
pub mod pages;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use futures::stream;
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{Body, EndpointExt, Request, Response, Route, get, handler, post};
use tokio::sync::watch;
use workers::notify::fake_bot::{self, Call, Fake};

pub use faults::{Fault, FaultRule};
pub use pages::PAGES;

/// What the running site shares with its handlers.
pub struct SiteState {
    faults: Mutex<faults::Faults>,
    hits: Mutex<BTreeMap<String, u64>>,
    /// The fake Bot API under `/telegram`, taking any bot token.
    telegram: fake_bot::Shared,
}

impl Default for SiteState {
    fn default() -> Self {
        SiteState {
            faults: Mutex::default(),
            hits: Mutex::default(),
            telegram: Arc::new(Mutex::new(Fake::any_token())),
        }
    }
}

impl SiteState {
    pub fn add_fault(&self, rule: FaultRule) {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner).add(rule);
    }

    /// The calls the fake Bot API received, in order.
    pub fn telegram_calls(&self) -> Vec<Call> {
        fake_bot::lock(&self.telegram).calls.clone()
    }

    /// Requests served so far, by path and query.
    pub fn hits(&self) -> BTreeMap<String, u64> {
        self.hits.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn path_and_query(req: &Request) -> String {
    req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".to_owned())
}

/// `GET /_telegram`: every call the fake Bot API received so far.
#[handler]
fn telegram_calls(state: Data<&Arc<SiteState>>) -> Json<Vec<Call>> {
    Json(state.telegram_calls())
}

#[handler]
async fn serve(req: &Request, state: Data<&Arc<SiteState>>) -> Response {
    let key = path_and_query(req);
    let n = {
        let mut served = state.hits.lock().unwrap_or_else(PoisonError::into_inner);
        let n = served.entry(key.clone()).or_default();
        *n += 1;
        *n
    };
    if let Some(body) = pages::state_of(&key, n) {
        return Response::builder().content_type("application/json").body(body);
    }
    let fault = state.faults.lock().unwrap_or_else(PoisonError::into_inner).take(&key);
    let Some(page) = pages::find(&key) else {
        return Response::builder().status(StatusCode::NOT_FOUND).body("no recorded page at this path");
    };
    let ok = || Response::builder().content_type(page.content_type);
    match fault {
        None => ok().body(page.body),
        Some(Fault::TooManyRequests { retry_after_secs }) => Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header("Retry-After", retry_after_secs.to_string())
            .body("slow down"),
        Some(Fault::Unavailable { retry_after_secs }) => Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .header("Retry-After", retry_after_secs.to_string())
            .body("maintenance"),
        Some(Fault::ServerError) => {
            Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).body("oops")
        }
        Some(Fault::Slow { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            ok().body(page.body)
        }
        Some(Fault::Truncated) => {
            // Half the body, then an error: the connection is cut mid-response.
            let half = bytes::Bytes::from_static(&page.body[..page.body.len() / 2]);
            let parts: Vec<Result<bytes::Bytes, std::io::Error>> =
                vec![Ok(half), Err(std::io::Error::other("connection cut"))];
            // The full length is announced, so the client knows the body fell short.
            ok().header("content-length", page.body.len().to_string())
                .body(Body::from_bytes_stream(stream::iter(parts)))
        }
    }
}

#[handler]
fn add_fault(Json(rule): Json<FaultRule>, state: Data<&Arc<SiteState>>) -> StatusCode {
    state.add_fault(rule);
    StatusCode::NO_CONTENT
}

#[handler]
fn clear_faults(state: Data<&Arc<SiteState>>) -> StatusCode {
    state.faults.lock().unwrap_or_else(PoisonError::into_inner).clear();
    StatusCode::NO_CONTENT
}

#[handler]
fn hits(state: Data<&Arc<SiteState>>) -> Json<BTreeMap<String, u64>> {
    Json(state.hits())
}

/// Starts the site on `bind` (port 0 picks a free one) until `stop` turns true;
/// returns its base URL and its state.
pub async fn start(
    bind: &str,
    rules: Vec<FaultRule>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<(String, Arc<SiteState>)> {
    let (acceptor, addr) = crate::listen::bind(bind).await?;
    let state = Arc::new(SiteState::default());
    for r in rules {
        state.add_fault(r);
    }
    let app = Route::new()
        .at("/_faults", post(add_fault).delete(clear_faults))
        .at("/_requests", get(hits))
        .at("/_telegram", get(telegram_calls))
        .nest("/telegram", fake_bot::routes(state.telegram.clone()))
        .at("/*path", get(serve))
        .data(state.clone());
    let server = crate::listen::spawn(acceptor, app, stop, None);
    tokio::spawn(async move {
        if let Ok(Err(e)) = server.await {
            tracing::error!(error = %e, "fixture site failed");
        }
    });
    Ok((format!("http://{addr}"), state))
}

/// `kickoff fixture-site`: serve until interrupted.
pub async fn run(bind: &str, fault_specs: &[String]) -> anyhow::Result<()> {
    let rules = fault_specs
        .iter()
        .map(|s| FaultRule::parse(s).map_err(anyhow::Error::msg))
        .collect::<Result<_, _>>()?;
    let (stop_tx, stop) = watch::channel(false);
    let (base, _) = start(bind, rules, stop).await?;
    println!("{base}");
    for p in PAGES {
        println!("  {base}{}", p.path);
    }
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    let _ = stop_tx.send(true);
    Ok(())
}
