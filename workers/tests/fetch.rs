//! The HTTP fetcher against a local site that counts requests and misbehaves on
//! demand: the shared per-domain budget (two fetchers, as two worker processes would
//! be, on one Redis), Retry-After, proxy disable and re-enable, the circuit breaker,
//! and typed errors for refused connections, timeouts and truncated bodies.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jobs::Classify;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use entities::testing::unique_name;
use jobs::QueueClient;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::redis_url;
use poem::web::Data;
use poem::{EndpointExt, Response, Route, get, handler, http::StatusCode};
use tokio::io::AsyncWriteExt;
use workers::scrape::fetch::breaker::BreakerState;
use workers::scrape::fetch::{FetchError, FetchRequest, Fetcher, HttpFetcher};
use workers::settings::{DomainBudget, ScrapeSettings};

/// What the site has seen and how it behaves.
#[derive(Default)]
struct Site {
    /// Arrival times of `/page` requests, since the site started.
    arrivals: std::sync::Mutex<Vec<Duration>>,
    hits: AtomicU32,
    /// `/throttled` answers 429 with Retry-After this many times first.
    throttle_first: AtomicU32,
    /// `/flaky` answers 500 while this is set.
    failing: std::sync::atomic::AtomicBool,
    /// Requests to `/page` that carried an `X-Secret` header.
    secrets: AtomicU32,
}

struct State {
    site: Arc<Site>,
    started: Instant,
}

#[handler]
fn page(state: Data<&Arc<State>>, req: &poem::Request) -> &'static str {
    state.site.hits.fetch_add(1, Ordering::SeqCst);
    if req.headers().contains_key("x-secret") {
        state.site.secrets.fetch_add(1, Ordering::SeqCst);
    }
    if let Ok(mut a) = state.site.arrivals.lock() {
        a.push(state.started.elapsed());
    }
    "ok"
}

#[handler]
fn throttled(state: Data<&Arc<State>>) -> Response {
    state.site.hits.fetch_add(1, Ordering::SeqCst);
    let left = state.site.throttle_first.load(Ordering::SeqCst);
    if left > 0 {
        state.site.throttle_first.store(left - 1, Ordering::SeqCst);
        if let Ok(mut a) = state.site.arrivals.lock() {
            a.push(state.started.elapsed());
        }
        return Response::builder().status(StatusCode::TOO_MANY_REQUESTS).header("Retry-After", "1").finish();
    }
    if let Ok(mut a) = state.site.arrivals.lock() {
        a.push(state.started.elapsed());
    }
    Response::builder().body("finally")
}

#[handler]
fn flaky(state: Data<&Arc<State>>) -> Response {
    state.site.hits.fetch_add(1, Ordering::SeqCst);
    if state.site.failing.load(Ordering::SeqCst) {
        Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).finish()
    } else {
        Response::builder().body("up")
    }
}

#[handler]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

/// A site that has decided this client is a bot.
#[handler]
fn blocked(state: Data<&Arc<State>>) -> Response {
    state.site.hits.fetch_add(1, Ordering::SeqCst);
    Response::builder().status(StatusCode::FORBIDDEN).finish()
}

#[handler]
fn missing() -> Response {
    Response::builder().status(StatusCode::NOT_FOUND).finish()
}

/// Starts the site on a free port; returns its base URL.
async fn start_site(site: Arc<Site>) -> String {
    let state = Arc::new(State { site, started: Instant::now() });
    let app = Route::new()
        .at("/page", get(page))
        .at("/throttled", get(throttled))
        .at("/flaky", get(flaky))
        .at("/slow", get(slow))
        .at("/missing", get(missing))
        .at("/blocked", get(blocked))
        .data(state);
    common::http::serve(app).await
}

/// A server that promises 1,000 bytes, sends 10 and hangs up.
async fn start_truncating_site() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut sock, &mut buf).await;
            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789").await;
            let _ = sock.shutdown().await;
        }
    });
    format!("http://{addr}")
}

fn settings(base: &str, rate_per_min: u32, burst: u32) -> ScrapeSettings {
    let domain = base.trim_start_matches("http://").to_owned();
    ScrapeSettings {
        timeout_secs: 2,
        domains: [(domain, DomainBudget { rate_per_min, burst })].into(),
        ..ScrapeSettings::default()
    }
}

async fn redis_queues() -> (QueueClient, jobs::testing::PrefixGuard) {
    let prefix = format!("{}:", unique_name("kickoff_fetch"));
    let guard = jobs::testing::PrefixGuard::new(redis_url(), prefix.clone());
    (RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix).into(), guard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fetchers_sharing_redis_stay_within_the_domain_budget() {
    let site = Arc::new(Site::default());
    let base = start_site(site.clone()).await;
    let (queues, _guard) = redis_queues().await;
    // 600/min = one request per 100 ms, bursts of 3; two fetchers as two processes.
    let a = Arc::new(HttpFetcher::new(settings(&base, 600, 3), Some(queues.clone())).unwrap());
    let b = Arc::new(HttpFetcher::new(settings(&base, 600, 3), Some(queues.clone())).unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let f = if i % 2 == 0 { a.clone() } else { b.clone() };
        let url = format!("{base}/page");
        tasks.spawn(async move { f.fetch(&FetchRequest::get(url)).await.map(|r| r.status) });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap(), 200);
    }
    let mut arrivals = site.arrivals.lock().unwrap().clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), 16);
    // GCRA: request k (0-based) may not arrive before (k + 1 - burst) intervals after
    // the first; 30 ms of slack for scheduling.
    let first = arrivals[0];
    for (k, t) in arrivals.iter().enumerate() {
        let earliest = Duration::from_millis(100 * (k as u64 + 1).saturating_sub(3));
        assert!(
            *t - first + Duration::from_millis(30) >= earliest,
            "request {k} at {:?}, budget allows {earliest:?}",
            *t - first
        );
    }
    // And the limiter does not starve: 16 requests take about 1.3 s, not much more.
    assert!(arrivals[15] - first < Duration::from_secs(5), "{:?}", arrivals[15] - first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let site = Arc::new(Site::default());
    site.throttle_first.store(1, Ordering::SeqCst);
    let base = start_site(site.clone()).await;
    let f = HttpFetcher::new(settings(&base, 6_000, 10), None).unwrap();
    let r = f.fetch(&FetchRequest::get(format!("{base}/throttled"))).await.unwrap();
    assert_eq!(r.body, b"finally");
    let arrivals = site.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2);
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_millis(990),
        "waited {:?}",
        arrivals[1] - arrivals[0]
    );

    // More 429s than the fetch may absorb: a typed, transient rate-limit error.
    site.throttle_first.store(10, Ordering::SeqCst);
    let s = ScrapeSettings { throttle_retries: 1, ..settings(&base, 6_000, 10) };
    let f = HttpFetcher::new(s, None).unwrap();
    let err = f.fetch(&FetchRequest::get(format!("{base}/throttled"))).await.unwrap_err();
    assert!(
        matches!(&err, FetchError::RateLimited { status: 429, retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(err.is_transient());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_proxy_is_disabled_and_re_enabled_by_its_health_check() {
    let site = Arc::new(Site::default());
    let base = start_site(site.clone()).await;
    // The site answers absolute-form requests too, so it serves as a working proxy.
    let dead_port = common::http::closed_port();
    let dead = format!("http://127.0.0.1:{dead_port}");
    let s = ScrapeSettings {
        proxies: vec![dead.clone(), base.clone()],
        proxy_max_failures: 1,
        ..settings(&base, 6_000, 10)
    };
    let f = HttpFetcher::new(s, None).unwrap();
    // The first request goes to the dead proxy, fails, and is retried on the next one.
    for _ in 0..3 {
        let r = f.fetch(&FetchRequest::get(format!("{base}/page"))).await.unwrap();
        assert_eq!(r.body, b"ok");
    }
    assert_eq!(f.proxies().enabled(), vec![false, true]);
    assert_eq!(site.hits.load(Ordering::SeqCst), 3, "every request reached the site once");
    // Still down: the health check leaves it disabled.
    f.proxies().health_check(&format!("{base}/page")).await;
    assert_eq!(f.proxies().enabled(), vec![false, true]);
    // The proxy comes back on its port: the health check re-enables it.
    let revived = Arc::new(Site::default());
    let state = Arc::new(State { site: revived.clone(), started: Instant::now() });
    common::http::serve_on(dead_port, Route::new().at("/page", get(page)).data(state)).await;
    f.proxies().health_check(&format!("{base}/page")).await;
    assert_eq!(f.proxies().enabled(), vec![true, true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circuit_opens_after_failures_and_closes_after_a_good_probe() {
    let site = Arc::new(Site::default());
    site.failing.store(true, Ordering::SeqCst);
    let base = start_site(site.clone()).await;
    let domain = base.trim_start_matches("http://").to_owned();
    let s = ScrapeSettings { breaker_failures: 2, breaker_cooldown_secs: 1, ..settings(&base, 6_000, 10) };
    let f = HttpFetcher::new(s, None).unwrap();
    let url = format!("{base}/flaky");
    for _ in 0..2 {
        let err = f.fetch(&FetchRequest::get(&url)).await.unwrap_err();
        assert!(matches!(err, FetchError::Status { status: 500, .. }), "{err:?}");
    }
    let err = f.fetch(&FetchRequest::get(&url)).await.unwrap_err();
    assert!(matches!(err, FetchError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(site.hits.load(Ordering::SeqCst), 2, "an open circuit sends nothing");
    site.failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let r = f.fetch(&FetchRequest::get(&url)).await.unwrap();
    assert_eq!(r.body, b"up");
    assert_eq!(f.breakers().state(&domain), BreakerState::Closed { failures: 0 });
    // A 404 is the site answering: it does not count against the circuit.
    for _ in 0..3 {
        let err = f.fetch(&FetchRequest::get(format!("{base}/missing"))).await.unwrap_err();
        assert!(matches!(err, FetchError::Status { status: 404, .. }) && !err.is_transient(), "{err:?}");
    }
    assert_eq!(f.breakers().state(&domain), BreakerState::Closed { failures: 0 });
    // A 403 is the site turning the client away: a back-off for the domain (it counts
    // against the circuit) and worth another attempt later, not a dead letter at once.
    for _ in 0..2 {
        let err = f.fetch(&FetchRequest::get(format!("{base}/blocked"))).await.unwrap_err();
        assert!(matches!(err, FetchError::Status { status: 403, .. }) && err.is_transient(), "{err:?}");
    }
    let err = f.fetch(&FetchRequest::get(format!("{base}/page"))).await.unwrap_err();
    assert!(matches!(err, FetchError::CircuitOpen { .. }), "blocked twice, the domain rests: {err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_slow_and_truncated_responses_are_network_errors() {
    let site = Arc::new(Site::default());
    let base = start_site(site).await;
    let (closed, truncating) =
        (format!("http://127.0.0.1:{}", common::http::closed_port()), start_truncating_site().await);
    let s = ScrapeSettings {
        allowed_urls: vec![closed.clone(), truncating.clone()],
        ..settings(&base, 6_000, 10)
    };
    let f = HttpFetcher::new(s, None).unwrap();
    let refused = f.fetch(&FetchRequest::get(format!("{closed}/x"))).await.unwrap_err();
    assert!(matches!(refused, FetchError::Network { .. }) && refused.is_transient(), "{refused:?}");
    let started = Instant::now();
    let timed_out = f.fetch(&FetchRequest::get(format!("{base}/slow"))).await.unwrap_err();
    assert!(matches!(timed_out, FetchError::Network { .. }), "{timed_out:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "timeout of 2 s per attempt, 3 attempts");
    let cut = f.fetch(&FetchRequest::get(format!("{truncating}/page"))).await.unwrap_err();
    assert!(
        matches!(&cut, FetchError::Network { message, .. } if message.contains("reading body")),
        "{cut:?}"
    );
    let bad = f.fetch(&FetchRequest::get("not a url")).await.unwrap_err();
    assert!(matches!(bad, FetchError::NotAllowed(_)) && !bad.is_transient(), "{bad:?}");
}

#[handler]
fn to_elsewhere(req: &poem::Request) -> Response {
    let to = req.uri().query().and_then(|q| q.strip_prefix("to=")).unwrap_or_default().to_owned();
    Response::builder().status(StatusCode::FOUND).header("Location", to).finish()
}

#[handler]
fn big_body() -> Vec<u8> {
    vec![b'x'; 5_000]
}

/// A site with `/page`, `/redirect?to=URL` and a 5,000-byte `/big`; its hit counter.
async fn start_redirecting_site() -> (String, Arc<Site>) {
    let site = Arc::new(Site::default());
    let state = Arc::new(State { site: site.clone(), started: Instant::now() });
    let app = Route::new()
        .at("/page", get(page))
        .at("/redirect", get(to_elsewhere))
        .at("/big", get(big_body))
        .data(state);
    (common::http::serve(app).await, site)
}

/// Only configured places are fetched: cloud metadata, a loopback port nobody
/// configured, and a redirect out of the list are refused before any request reaches
/// them, with a permanent error naming the rule; a body past the cap is refused too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_configured_sources_are_fetched_and_bodies_are_capped() {
    let (base, site) = start_redirecting_site().await;
    let (other, other_site) = start_redirecting_site().await;
    let s = ScrapeSettings { max_body_bytes: 1_000, ..settings(&base, 6_000, 10) };
    let f = HttpFetcher::new(s, None).unwrap();
    let refused = |e: &FetchError| {
        matches!(e, FetchError::NotAllowed(_)) && !e.is_transient() && e.to_string().contains("allowlist")
    };

    let metadata = f.fetch(&FetchRequest::get("http://169.254.169.254/latest/meta-data/")).await.unwrap_err();
    assert!(refused(&metadata), "{metadata:?}");
    let loopback = f.fetch(&FetchRequest::get(format!("{other}/page"))).await.unwrap_err();
    assert!(refused(&loopback), "{loopback:?}");
    let hop = f.fetch(&FetchRequest::get(format!("{base}/redirect?to={other}/page"))).await.unwrap_err();
    assert!(refused(&hop) && hop.to_string().contains(&other), "{hop:?}");
    assert_eq!(other_site.hits.load(Ordering::SeqCst), 0, "nothing reached the unconfigured site");

    // A redirect within the list is followed, the request's headers with it on the same
    // origin only: an API key meant for one site never reaches another.
    let secret = |url: String| FetchRequest {
        headers: vec![("X-Secret".into(), "k".into())],
        ..FetchRequest::get(url)
    };
    let within = f.fetch(&secret(format!("{base}/redirect?to=/page"))).await.unwrap();
    assert_eq!((within.body.as_slice(), site.hits.load(Ordering::SeqCst)), (b"ok".as_slice(), 1));
    assert_eq!(site.secrets.load(Ordering::SeqCst), 1);
    let s = ScrapeSettings { allowed_urls: vec![other.clone()], ..settings(&base, 6_000, 10) };
    let both = HttpFetcher::new(s, None).unwrap();
    let across = both.fetch(&secret(format!("{base}/redirect?to={other}/page"))).await.unwrap();
    assert_eq!(across.body, b"ok");
    assert_eq!(
        (other_site.hits.load(Ordering::SeqCst), other_site.secrets.load(Ordering::SeqCst)),
        (1, 0),
        "followed to the other configured origin, without the header"
    );

    let large = f.fetch(&FetchRequest::get(format!("{base}/big"))).await.unwrap_err();
    assert!(
        matches!(&large, FetchError::TooLarge { limit: 1_000, .. })
            && !large.is_transient()
            && large.to_string().contains("max_body_bytes"),
        "{large:?}"
    );
}
