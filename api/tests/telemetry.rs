//! Request ids, the per-request span, `/metrics`, CORS and readiness with Redis.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use api::{ApiSettings, ApiState, AuthSettings, app};
use entities::Engine;
use entities::testing::{TestDb, unique_name};
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::{PrefixGuard, redis_url};
use migration::{Migrator, MigratorTrait};
use poem::http::{Method, StatusCode};
use poem::test::{TestClient, TestResponse};

async fn migrated() -> TestDb {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    db
}

fn header(resp: &TestResponse, name: &str) -> Option<String> {
    resp.0.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn every_response_carries_a_request_id_echoed_when_sane() {
    let db = migrated().await;
    let client = TestClient::new(app(ApiState::new(db.conn.clone())));

    let resp = client.get("/health").header("X-Request-Id", "trace-42_a.b").send().await;
    assert_eq!(header(&resp, "x-request-id").as_deref(), Some("trace-42_a.b"));

    for (uri, sent) in
        [("/health", "bad id!"), ("/no/such/route", "x".repeat(129).as_str()), ("/api/v1/teams/x", "")]
    {
        let mut req = client.get(uri);
        if !sent.is_empty() {
            req = req.header("X-Request-Id", sent);
        }
        let id = header(&req.send().await, "x-request-id").unwrap_or_else(|| panic!("{uri}: no id"));
        assert!(ulid::Ulid::from_string(&id).is_ok(), "{uri}: {id} is a fresh ULID");
    }
    let a = header(&client.get("/health").send().await, "x-request-id");
    let b = header(&client.get("/health").send().await, "x-request-id");
    assert_ne!(a, b);
}

/// Log lines written by the subscriber under test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process's log lines, as JSON: a global subscriber, because a thread-local one
/// misses events whose call sites other tests' threads registered first.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    })
}

#[tokio::test]
async fn each_request_logs_a_span_with_method_route_status_id_and_latency() {
    let logs = logs();
    let db = migrated().await;
    let client = TestClient::new(app(ApiState::new(db.conn.clone())));
    let resp = client.get("/api/v1/teams/9").header("X-Request-Id", "span-test-1").send().await;
    resp.assert_status(StatusCode::NOT_FOUND);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["fields"]["message"] == "request answered" && l["span"]["request_id"] == "span-test-1")
        .unwrap_or_else(|| panic!("no request line in {text}"));
    let span = &line["span"];
    assert_eq!(span["name"], "request");
    assert_eq!(span["method"], "GET");
    assert_eq!(span["route"], "/api/v1/teams/:id");
    assert_eq!(span["status"], 404);
    assert_eq!(span["request_id"], "span-test-1");
    assert!(span["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{span}");
}

/// The sample line of `metric` whose labels include all of `labels`.
fn sample<'a>(scrape: &'a str, metric: &str, labels: &[&str]) -> Option<&'a str> {
    scrape.lines().find(|l| l.starts_with(metric) && labels.iter().all(|lab| l.contains(lab)))
}

#[tokio::test]
async fn metrics_time_requests_by_route_template_and_status_and_show_queue_depths() {
    let db = migrated().await;
    let prefix = format!("{}:", unique_name("kickoff_metrics"));
    let _guard = PrefixGuard::new(redis_url(), prefix.clone());
    let queues = RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix);
    let client = TestClient::new(app(ApiState::new(db.conn.clone()).with_queues(queues)));
    for uri in ["/api/v1/teams/1", "/api/v1/teams/2", "/api/v1/teams/abc", "/api/v1/leagues", "/nowhere/123"]
    {
        client.get(uri).send().await;
    }
    let resp = client.get("/metrics").send().await;
    resp.assert_status_is_ok();
    resp.assert_content_type("text/plain; version=0.0.4; charset=utf-8");
    let scrape = resp.0.into_body().into_string().await.unwrap();
    let metric = "request_duration_seconds_count";
    for labels in [
        ["route=\"/api/v1/teams/:id\"", "status=\"404\""],
        ["route=\"/api/v1/teams/:id\"", "status=\"400\""],
        ["route=\"/api/v1/leagues\"", "status=\"200\""],
        ["route=\"unmatched\"", "status=\"404\""],
    ] {
        assert!(sample(&scrape, metric, &labels).is_some(), "{labels:?} in\n{scrape}");
    }
    assert!(!scrape.contains("/nowhere"), "raw paths never become labels");
    assert!(sample(&scrape, "request_duration_seconds_bucket", &["le=\"0.005\""]).is_some());
    assert!(sample(&scrape, "kickoff_queue_depth", &["queue=\"scrape\""]).is_some_and(|l| l.ends_with(" 0")));
    assert!(sample(&scrape, "kickoff_queue_jobs", &["queue=\"notify\"", "state=\"dead\""]).is_some());
}

async fn preflight<E: poem::Endpoint>(client: &TestClient<E>, origin: &str) -> TestResponse {
    let req = client.request(Method::OPTIONS, "/api/v1/leagues").header("Origin", origin);
    req.header("Access-Control-Request-Method", "GET").send().await
}

#[tokio::test]
async fn cors_answers_preflights_of_configured_origins_only() {
    let db = migrated().await;
    let settings =
        ApiSettings { cors_origins: vec!["https://dash.example".into()], ..ApiSettings::default() };
    let client =
        TestClient::new(app(ApiState::new(db.conn.clone()).with_settings(settings, AuthSettings::default())));

    let ok = preflight(&client, "https://dash.example").await;
    ok.assert_status_is_ok();
    assert_eq!(header(&ok, "access-control-allow-origin").as_deref(), Some("https://dash.example"));
    assert!(header(&ok, "access-control-allow-methods").is_some_and(|m| m.contains("GET")));
    assert!(header(&ok, "x-request-id").is_some());

    let simple = client.get("/api/v1/leagues").header("Origin", "https://dash.example").send().await;
    assert_eq!(header(&simple, "access-control-allow-origin").as_deref(), Some("https://dash.example"));
    assert!(header(&simple, "access-control-expose-headers").is_some_and(|h| h.contains("x-request-id")));

    let denied = preflight(&client, "https://evil.example").await;
    assert!(denied.0.status().is_client_error());
    assert_eq!(header(&denied, "access-control-allow-origin"), None);

    // No origins configured: none is allowed, not all.
    let closed = TestClient::new(app(ApiState::new(db.conn.clone())));
    let resp = preflight(&closed, "https://dash.example").await;
    assert_eq!(header(&resp, "access-control-allow-origin"), None);
}

/// A port nothing listens on.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn ready_needs_redis_when_the_queue_is_redis() {
    let db = migrated().await;
    let up =
        RedisQueues::new(connect(&redis_url()).await.unwrap(), format!("{}:", unique_name("kickoff_ready")));
    let info: String = redis::cmd("INFO").arg("server").query_async(&mut up.connection()).await.unwrap();
    let run_id = info.lines().find_map(|l| l.strip_prefix("run_id:")).unwrap().trim().to_owned();
    let client = TestClient::new(app(ApiState::new(db.conn.clone()).with_queues(up)));
    let resp = client.get("/ready").send().await;
    resp.assert_status_is_ok();
    // The run id tells an operator whether Redis restarted since the last look.
    let body = resp.json().await;
    body.value().object().get("data").object().get("redis").object().get("run_id").assert_string(&run_id);

    let url = format!("redis://127.0.0.1:{}/0", free_port());
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(200)))
        .set_number_of_retries(1);
    let lazy = redis::Client::open(url).unwrap().get_connection_manager_lazy(config).unwrap();
    let down = RedisQueues::new(lazy, "kickoff_ready_down:");
    let client = TestClient::new(app(ApiState::new(db.conn.clone()).with_queues(down)));
    let resp = client.get("/ready").send().await;
    resp.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    resp.json().await.value().object().get("success").assert_bool(false);
}
