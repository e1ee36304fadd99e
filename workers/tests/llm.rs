//! The language-model adjustment against a local fake of an OpenAI-compatible chat
//! endpoint over HTTP: the change is bounded and applied; a slow, failing or nonsense
//! endpoint leaves the forecast alone within the timeout; inference stores the adjusted
//! forecast beside the ensemble, or goes on without it.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::web::Data;
use poem::{EndpointExt, Request, Route, handler, post};
use secrecy::SecretString;
use workers::llm::{LlmClient, LlmError, MatchContext};
use workers::settings::LlmSettings;

#[derive(Default)]
struct Seen {
    auth: Vec<String>,
    prompts: Vec<String>,
}

fn reply(content: &str) -> String {
    serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content}}]}).to_string()
}

#[handler]
async fn good(req: &Request, body: String, seen: Data<&Arc<Mutex<Seen>>>) -> String {
    let mut s = seen.lock().unwrap();
    s.auth.push(
        req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned(),
    );
    s.prompts.push(body);
    reply(r#"{"home": 0.2, "draw": -0.02, "away": -0.03, "reasons": "the away side's keeper is injured"}"#)
}

#[handler]
async fn slow() -> String {
    tokio::time::sleep(Duration::from_secs(10)).await;
    reply(r#"{"home": 0, "draw": 0, "away": 0}"#)
}

#[handler]
fn broken() -> poem::Response {
    poem::Response::builder().status(poem::http::StatusCode::INTERNAL_SERVER_ERROR).body("overloaded")
}

#[handler]
fn nonsense() -> String {
    reply("I think the home side will win.")
}

async fn fake(seen: Arc<Mutex<Seen>>) -> String {
    let app = Route::new()
        .at("/good/chat/completions", post(good))
        .at("/slow/chat/completions", post(slow))
        .at("/broken/chat/completions", post(broken))
        .at("/nonsense/chat/completions", post(nonsense))
        .data(seen);
    common::http::serve(app).await
}

fn client(base: &str, path: &str) -> LlmClient {
    LlmClient::new(LlmSettings {
        enabled: true,
        url: format!("{base}/{path}"),
        model: "test-model".into(),
        api_key: SecretString::from("sk-test-key"),
        timeout_ms: 400,
        max_adjustment: 0.05,
    })
    .unwrap()
}

fn context() -> MatchContext {
    MatchContext {
        league: "E0".into(),
        home: "Brighton & Hove Albion".into(),
        away: "Arsenal".into(),
        kickoff: "2024-05-01T19:00:00Z".into(),
    }
}

#[tokio::test]
async fn a_bounded_adjustment_is_applied() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = fake(seen.clone()).await;
    let a = client(&base, "good").adjust(&context(), [0.3, 0.3, 0.4]).await.unwrap();
    assert_eq!(a.deltas, [0.05, -0.02, -0.03], "the +0.2 is cut to the bound");
    assert!((a.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((a.probs[0] - 0.35).abs() < 1e-9 && (a.probs[2] - 0.37).abs() < 1e-9, "{:?}", a.probs);
    assert_eq!(a.reasons, "the away side's keeper is injured");
    let s = seen.lock().unwrap();
    assert_eq!(s.auth, ["Bearer sk-test-key"]);
    let prompt: serde_json::Value = serde_json::from_str(&s.prompts[0]).unwrap();
    assert_eq!(prompt["model"], "test-model");
    assert!(prompt["messages"][1]["content"].as_str().unwrap().contains("Brighton & Hove Albion v Arsenal"));
}

#[tokio::test]
async fn slow_failing_or_nonsense_endpoints_leave_the_forecast_alone() {
    let base = fake(Arc::default()).await;
    let started = Instant::now();
    let e = client(&base, "slow").adjust(&context(), [0.3, 0.3, 0.4]).await.unwrap_err();
    assert!(matches!(e, LlmError::Timeout(_)), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "gave up at the timeout, not the reply");
    let e = client(&base, "broken").adjust(&context(), [0.3, 0.3, 0.4]).await.unwrap_err();
    assert!(matches!(e, LlmError::Status { status: 500 }), "{e}");
    let e = client(&base, "nonsense").adjust(&context(), [0.3, 0.3, 0.4]).await.unwrap_err();
    assert!(matches!(e, LlmError::Malformed(_)), "{e}");
    let refused = format!("http://127.0.0.1:{}", common::http::closed_port());
    let e = client(&refused, "x").adjust(&context(), [0.3, 0.3, 0.4]).await.unwrap_err();
    assert!(matches!(e, LlmError::Request(_)), "{e}");
    assert!(!e.to_string().contains("sk-test-key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inference_stores_the_adjustment_or_goes_on_without_it() {
    use chrono::NaiveDate;
    use entities::testing::TestDb;
    use migration::{Migrator, MigratorTrait};
    use workers::history::{self, HistoryFilter};
    use workers::process::football_data::{ImportSummary, import_bytes};
    use workers::training::{TrainOptions, train};

    const E0: &[u8] = include_bytes!("../../data/football-data/E0_2023-24.csv");
    let db = TestDb::new(entities::Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    import_bytes(&db.conn, std::path::Path::new("E0.csv"), E0, &mut ImportSummary::default()).await.unwrap();
    let cut = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    let rows = history::load(&db.conn, &HistoryFilter::default()).await.unwrap();
    let ids: Vec<i64> = rows.iter().filter(|r| r.date >= cut).map(|r| r.id).take(3).collect();
    let opts = TrainOptions {
        leagues: vec![],
        as_of: cut,
        search: false,
        trials: 0,
        rule: Default::default(),
        validation_seasons: 1,
        cancel: Default::default(),
    };
    let t = tokio::task::spawn_blocking(move || train(&rows, &opts)).await.unwrap().unwrap();
    workers::registry::register(&db.conn, "kickoff", &t.model, t.metrics, true).await.unwrap();
    let loaded = workers::registry::ModelCache::default().active(&db.conn, "kickoff").await.unwrap();
    let settings = workers::settings::PredictSettings::default();
    let base = fake(Arc::default()).await;

    let llm = |sql: &str| format!("SELECT COUNT(*) FROM predictions WHERE model_name = 'ensemble_llm' {sql}");
    let answering = client(&base, "good");
    workers::inference::run(&db.conn, &loaded, &settings, Some(&answering), &ids).await.unwrap();
    assert_eq!(db.scalar(&llm("")).await, 3);
    assert_eq!(db.scalar(&llm("AND ABS(p_home + p_draw + p_away - 1) > 1e-9")).await, 0);

    sea_orm::ConnectionTrait::execute_unprepared(&db.conn, "DELETE FROM value_bets; DELETE FROM predictions")
        .await
        .unwrap();
    let started = Instant::now();
    let stalling = client(&base, "slow");
    let s = workers::inference::run(&db.conn, &loaded, &settings, Some(&stalling), &ids).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(8), "three timeouts of 0.4 s, not three 10 s replies");
    assert_eq!(s.matches, 3);
    assert_eq!(db.scalar(&llm("")).await, 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM predictions WHERE model_name = 'ensemble'").await, 3);
}
