//! `kickoff serve` as a process: it migrates an empty database, prints its URLs, answers,
//! streams the events another process publishes on the embedded queue, and exits cleanly
//! on SIGTERM.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entities::Engine;
use entities::testing::TestDb;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The URL printed on the line that starts with `label`.
fn url_of<'a>(lines: &'a [String], label: &str) -> &'a str {
    let line = lines.iter().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label} in {lines:?}"));
    line.split_whitespace().find(|w| w.starts_with("http://")).unwrap()
}

#[tokio::test]
async fn serve_migrates_answers_and_stops_on_sigterm() {
    let db = TestDb::new(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kickoff"));
    cmd.current_dir(dir.path()).arg("serve").env_remove("RUST_LOG").env("KICKOFF_ENV", "test");
    for (k, _) in std::env::vars() {
        if k.starts_with("KICKOFF__") {
            cmd.env_remove(k);
        }
    }
    cmd.env("KICKOFF__DATABASE__URL", db.url()).env("KICKOFF__API__BIND", "127.0.0.1:0");
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut server = Server(child);
    let mut lines = Vec::new();
    for _ in 0..5 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line.trim().to_owned());
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let docs = url_of(&lines, "Swagger UI");
    let spec = url_of(&lines, "OpenAPI");
    let base = url_of(&lines, "API").trim_end_matches("/api/v1").to_owned();
    assert!(docs.ends_with("/docs") && spec.ends_with("/openapi.json"), "{lines:?}");
    let events = url_of(&lines, "Events");
    let metrics = url_of(&lines, "Metrics");
    assert!(events.contains("/api/v1/events?channels=") && metrics.ends_with("/metrics"), "{lines:?}");

    let http = reqwest::Client::new();
    let spec: serde_json::Value = http.get(spec).send().await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/matches"].is_object());
    assert_eq!(http.get(docs).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{base}/health")).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{base}/ready")).send().await.unwrap().status(), 200);
    // An event published by another process on the embedded queue (the queue's own file,
    // `kickoff.db` in the working directory) reaches an SSE client of the server.
    let mut stream = http.get(events).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let file = dir.path().join("kickoff.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let publisher: jobs::QueueClient =
        jobs::embedded_queue::EmbeddedQueues::open(pool, "kickoff:test:").await.unwrap().into();
    let other: jobs::QueueClient = match &publisher {
        jobs::QueueClient::Embedded(q) => q.with_prefix("kickoff:other:").into(),
        jobs::QueueClient::Redis(_) => unreachable!(),
    };
    other.publish("matches:live", r#"{"from":"another prefix"}"#).await.unwrap();
    publisher.publish("matches:live", r#"{"type":"match:update","n":1}"#).await.unwrap();
    let mut received = String::new();
    while !received.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(20), stream.chunk()).await.unwrap().unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        received = received.replace(": keep-alive\n\n", "");
    }
    assert!(received.contains("event: matches:live\n"), "{received}");
    assert!(received.contains(r#"data: {"type":"match:update","n":1}"#), "{received}");
    assert!(!received.contains("another prefix"), "{received}");
    drop(stream);
    let scraped = http.get(metrics).send().await.unwrap().text().await.unwrap();
    assert!(scraped.contains("kickoff_queue_depth{queue=\"scrape\"}"), "{scraped}");
    // The schema exists: serve migrated the empty database.
    let leagues: serde_json::Value =
        http.get(format!("{base}/api/v1/leagues")).send().await.unwrap().json().await.unwrap();
    assert_eq!(leagues, serde_json::json!({"success": true, "data": []}));

    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}
