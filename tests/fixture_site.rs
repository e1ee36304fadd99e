//! `kickoff fixture-site`: recorded pages byte for byte under their real paths, and
//! each injectable fault as a client sees it.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Site {
    child: Child,
    base: String,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(faults: &[&str]) -> Site {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kickoff"));
    cmd.args(["fixture-site", "--bind", "127.0.0.1:0"]).env("KICKOFF_ENV", "test").env_remove("RUST_LOG");
    for f in faults {
        cmd.args(["--fault", f]);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start kickoff");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("base URL line");
    // Keep reading: a closed pipe would fail the site's later writes (logs).
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    Site { child, base: first.trim().to_owned() }
}

const RSS: &[u8] = include_bytes!("../data/pages/guardian/guardian_us_front.rss");
const SUMMARY: &[u8] = include_bytes!("../data/pages/espn/Summary_554204.json");

#[tokio::test]
async fn serves_recorded_pages_and_injects_each_fault() {
    let site = start(&["/football/rss=429:2*1"]);
    assert!(site.base.starts_with("http://127.0.0.1:"), "{}", site.base);
    // No pooled connections: a cut or refused response must not leak into the next request.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let get = |path: &str| http.get(format!("{}{path}", site.base)).send();

    // One 429 with Retry-After, then the page byte for byte.
    let first = get("/football/rss").await.unwrap();
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "2");
    let second = get("/football/rss").await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.bytes().await.unwrap().as_ref(), RSS);

    // A page with a query string, and an unknown path.
    let summary = get("/apis/site/v2/sports/soccer/ita.1/summary?event=554204").await.unwrap();
    assert_eq!(summary.headers()["content-type"], "application/json");
    assert_eq!(summary.bytes().await.unwrap().as_ref(), SUMMARY);
    assert_eq!(get("/apis/site/v2/sports/soccer/ita.1/summary?event=1").await.unwrap().status(), 404);

    // Rules added at run time: 503, 500, slow, truncated, each once.
    let add = |rule: serde_json::Value| {
        http.post(format!("{}/_faults", site.base))
            .header("content-type", "application/json")
            .body(rule.to_string())
            .send()
    };
    let path = "/getMatchData/100";
    for rule in [
        serde_json::json!({"path": path, "fault": "unavailable", "retry_after_secs": 7, "times": 1}),
        serde_json::json!({"path": path, "fault": "server_error", "times": 1}),
        serde_json::json!({"path": path, "fault": "slow", "delay_ms": 600, "times": 1}),
        serde_json::json!({"path": path, "fault": "truncated", "times": 1}),
    ] {
        assert_eq!(add(rule).await.unwrap().status(), 204);
    }
    let r = get(path).await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (503, "7"));
    assert_eq!(get(path).await.unwrap().status(), 500);
    let started = Instant::now();
    let slow = get(path).await.unwrap();
    assert_eq!(slow.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(!slow.bytes().await.unwrap().is_empty());
    // The connection is cut mid-response: the client never gets a whole body.
    let cut = match get(path).await {
        Ok(response) => response.bytes().await.map(|b| b.len()),
        Err(e) => Err(e),
    };
    assert!(cut.is_err(), "a truncated response must fail, got {cut:?}");
    assert_eq!(get(path).await.unwrap().status(), 200, "rules ran out");

    // A malformed rule is refused; requests are counted per path.
    assert_eq!(add(serde_json::json!({"path": path, "fault": "teapot"})).await.unwrap().status(), 400);
    let body = http.get(format!("{}/_requests", site.base)).send().await.unwrap().bytes().await.unwrap();
    let hits: std::collections::BTreeMap<String, u64> = serde_json::from_slice(&body).unwrap();
    assert_eq!((hits["/football/rss"], hits[path]), (2, 5));
}

#[test]
fn a_bad_fault_rule_fails_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_kickoff"))
        .args(["fixture-site", "--bind", "127.0.0.1:0", "--fault", "/x=418"])
        .env("KICKOFF_ENV", "test")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("kind is one of"), "{out:?}");
}

/// `kickoff bot set-webhook` / `delete-webhook` against the site's fake Bot API: the
/// URL and the secret token reach Telegram; without a secret, or with a bad URL, the
/// command refuses before calling.
#[tokio::test]
async fn bot_registers_and_removes_the_webhook() {
    let site = start(&[]);
    let bot = |args: &[&str], secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_kickoff"))
            .arg("bot")
            .args(args)
            .env("KICKOFF_ENV", "test")
            .env_remove("RUST_LOG")
            .env("KICKOFF__TELEGRAM__API_URL", format!("{}/telegram", site.base))
            .env("KICKOFF__TELEGRAM__BOT_TOKEN", "4242:webhook-test-token")
            .env("KICKOFF__TELEGRAM__WEBHOOK_SECRET", secret)
            .output()
            .expect("run kickoff")
    };
    let calls = || async {
        let url = format!("{}/_telegram", site.base);
        reqwest::get(url).await.unwrap().json::<Vec<serde_json::Value>>().await.unwrap()
    };
    let hook = "https://kickoff.example.com/telegram/webhook";

    let refused = bot(&["set-webhook", hook], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("telegram.webhook_secret is empty"));
    let bad = bot(&["set-webhook", "ftp://x"], "s3cret-hook");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an HTTP(S) URL"));
    assert!(calls().await.is_empty(), "nothing reached Telegram");

    let set = bot(&["set-webhook", hook], "s3cret-hook");
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert!(
        String::from_utf8_lossy(&set.stdout)
            .contains(&format!("Webhook set: Telegram POSTs updates to {hook}"))
    );
    let removed = bot(&["delete-webhook"], "s3cret-hook");
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let calls = calls().await;
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["method"], "setWebhook");
    assert_eq!(calls[0]["params"]["url"], hook);
    assert_eq!(calls[0]["params"]["secret_token"], "s3cret-hook");
    assert_eq!(calls[1]["method"], "deleteWebhook");
    // The token is in the Bot API's URL path only, never printed.
    for out in [&set, &removed] {
        assert!(!String::from_utf8_lossy(&out.stdout).contains("webhook-test-token"));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("webhook-test-token"));
    }
}
