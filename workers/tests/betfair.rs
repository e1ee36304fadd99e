//! `scrape_betfair` against a local fake of Betfair's JSON-RPC betting API: the
//! catalogue and book calls carry the app key and session, the markets become matches
//! with exchange odds, an unchanged book is not processed again, a moved price is
//! appended; a missing app key dead-letters at once.
//!
//! The fake answers in API-NG's schema (the recorded `list_market_book.json` is a horse
//! race, so the football markets here are written for the test).
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use entities::Engine;
use entities::testing::{TestDb, unique_name};
use jobs::catalogue::ScrapeBetfair;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, handler, http::StatusCode, post};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::watch;
use workers::runtime::{EventKind, JobEvent, PoolSpec, Runtime, run_pools};
use workers::settings::ScrapeSettings;

#[derive(Default)]
struct Fake {
    /// The home price of the first market, moved by the test.
    arsenal: f64,
    calls: Vec<(String, String, String)>,
}

fn catalogue() -> Value {
    let market = |id: &str, event: &str, home: (i64, &str), away: (i64, &str), start: &str| {
        json!({
            "marketId": id, "marketName": "Match Odds", "marketStartTime": start,
            "description": {"marketType": "MATCH_ODDS"},
            "competition": {"id": "10932509", "name": "English Premier League"},
            "event": {"id": "1", "name": event},
            "runners": [
                {"selectionId": home.0, "runnerName": home.1, "sortPriority": 1},
                {"selectionId": away.0, "runnerName": away.1, "sortPriority": 2},
                {"selectionId": 58805, "runnerName": "The Draw", "sortPriority": 3}
            ]
        })
    };
    json!({"jsonrpc": "2.0", "id": 1, "result": [
        market("1.200", "Arsenal v Chelsea", (1096, "Arsenal"), (55190, "Chelsea"), "2030-08-16T14:00:00.000Z"),
        market("1.201", "Liverpool v Everton", (56323, "Liverpool"), (48351, "Everton"), "2030-08-16T16:30:00.000Z")
    ]})
}

fn book(arsenal: f64) -> Value {
    let runner = |id: i64, back: f64| {
        json!({"selectionId": id, "status": "ACTIVE", "lastPriceTraded": back,
               "ex": {"availableToBack": [{"price": back, "size": 120.5}, {"price": back - 0.02, "size": 30.0}],
                      "availableToLay": [{"price": back + 0.02, "size": 80.0}]}})
    };
    json!({"jsonrpc": "2.0", "id": 1, "result": [
        {"marketId": "1.200", "status": "OPEN", "runners": [runner(1096, arsenal), runner(55190, 4.6), runner(58805, 3.9)]},
        {"marketId": "1.201", "status": "OPEN", "runners": [runner(56323, 1.36), runner(48351, 9.4), runner(58805, 5.6)]}
    ]})
}

#[handler]
fn rpc(req: &Request, body: String, fake: Data<&Arc<Mutex<Fake>>>) -> Response {
    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (app, session) = (header("x-application"), header("x-authentication"));
    let call: Value = serde_json::from_str(&body).unwrap_or_default();
    let method = call["method"].as_str().unwrap_or_default().to_owned();
    let mut f = fake.lock().unwrap();
    f.calls.push((method.clone(), app.clone(), session));
    if app != "app-key-123" {
        return Response::builder().status(StatusCode::UNAUTHORIZED).body("no app key");
    }
    let reply = match method.as_str() {
        "SportsAPING/v1.0/listMarketCatalogue" => catalogue(),
        "SportsAPING/v1.0/listMarketBook" => book(f.arsenal),
        _ => json!({"jsonrpc": "2.0", "error": {"code": -32601, "message": "no such method"}}),
    };
    Response::builder().content_type("application/json").body(reply.to_string())
}

async fn start_fake(fake: Arc<Mutex<Fake>>) -> String {
    let app = Route::new().at("/exchange/betting/json-rpc/v1", post(rpc)).data(fake);
    format!("{}/exchange/betting", common::http::serve(app).await)
}

async fn next(events: &mut tokio::sync::broadcast::Receiver<JobEvent>) -> JobEvent {
    tokio::time::timeout(Duration::from_secs(30), events.recv()).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_markets_become_matches_with_exchange_odds() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let prefix = format!("{}:", unique_name("kickoff_betfair"));
    let queues: QueueClient =
        EmbeddedQueues::open(db.conn.get_sqlite_connection_pool().clone(), prefix).await.unwrap().into();
    let fake = Arc::new(Mutex::new(Fake { arsenal: 2.1, ..Fake::default() }));
    let mut scrape = ScrapeSettings::default();
    scrape.betfair.url = start_fake(fake.clone()).await;
    scrape.betfair.app_key = SecretString::from("app-key-123");
    scrape.betfair.session_token = SecretString::from("session-xyz");
    scrape.betfair.competitions.insert("E0".into(), "10932509".into());
    let rt = Arc::new(Runtime::new(db.conn.clone(), queues.clone()).with_scrape(scrape.clone()).unwrap());
    let mut events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let specs = ["scrape", "process"].map(|q| PoolSpec { queue: q.to_owned(), concurrency: 1 }).to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let job = || {
        Envelope::new(&AnyJob::ScrapeBetfair(ScrapeBetfair {
            league: "E0".into(),
            season: Some("2030-31".into()),
        }))
    };

    queues.enqueue(&job(), &EnqueueOptions::default()).await.unwrap();
    let (scraped, processed) = (next(&mut events).await, next(&mut events).await);
    assert_eq!(
        (scraped.kind.as_str(), scraped.event),
        ("scrape_betfair", EventKind::Succeeded),
        "{scraped:?}"
    );
    assert_eq!(
        (processed.kind.as_str(), processed.event),
        ("process_snapshot", EventKind::Succeeded),
        "{processed:?}"
    );
    {
        let f = fake.lock().unwrap();
        let methods: Vec<&str> = f.calls.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(methods, ["SportsAPING/v1.0/listMarketCatalogue", "SportsAPING/v1.0/listMarketBook"]);
        assert!(f.calls.iter().all(|c| c.1 == "app-key-123" && c.2 == "session-xyz"));
    }
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM matches WHERE status = 'scheduled' AND season = '2030-31'").await,
        2
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM odds WHERE bookmaker = 'betfair_exchange'").await, 6);
    let arsenal = "SELECT COUNT(*) FROM odds o JOIN matches m ON m.id = o.match_id JOIN teams t ON t.id = m.home_team_id \
                   WHERE t.name = 'Arsenal' AND o.selection = 'home' AND o.price = 2.1";
    assert_eq!(db.scalar(arsenal).await, 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM odds WHERE selection = 'draw' AND price = 5.6").await, 1);

    // The same book again: the snapshot is unchanged and nothing is processed.
    queues.enqueue(&job(), &EnqueueOptions::default()).await.unwrap();
    assert_eq!(next(&mut events).await.kind, "scrape_betfair");
    assert_eq!(db.count("scrape_snapshots").await, 1);

    // Arsenal's price drifts: one row appended.
    fake.lock().unwrap().arsenal = 2.18;
    queues.enqueue(&job(), &EnqueueOptions::default()).await.unwrap();
    let (_, processed) = (next(&mut events).await, next(&mut events).await);
    assert_eq!(processed.event, EventKind::Succeeded);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM odds WHERE bookmaker = 'betfair_exchange'").await, 7);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM matches").await, 2);

    // Without an app key the job dead-letters at once, naming the setting.
    let (stop2, rx2) = watch::channel(false);
    let mut unkeyed = scrape;
    unkeyed.betfair.app_key = SecretString::from("");
    let rt2 = Arc::new(Runtime::new(db.conn.clone(), queues.clone()).with_scrape(unkeyed).unwrap());
    let mut events2 = rt2.subscribe();
    let _ = stop.send(true);
    pools.await.unwrap().unwrap();
    let pools2 = tokio::spawn(run_pools(
        rt2,
        vec![PoolSpec { queue: "scrape".into(), concurrency: 1 }],
        rx2,
        Duration::from_secs(10),
    ));
    queues.enqueue(&job(), &EnqueueOptions::default()).await.unwrap();
    let dead = next(&mut events2).await;
    assert_eq!(dead.event, EventKind::DeadLettered);
    assert!(dead.error.as_deref().unwrap_or_default().contains("app_key is not set"), "{dead:?}");
    let _ = stop2.send(true);
    pools2.await.unwrap().unwrap();
    queues.flush_all().await.unwrap();
}
