//! Webhooks end to end on the embedded queue: an admin registers an endpoint for
//! `matches:live` through the API (an operator may not; a bad URL or channel is a 400),
//! a processed page's live match is POSTed to it signed with the secret the API showed
//! once; an endpoint that keeps failing is retried, dead-lettered and disabled after its
//! streak; one on a private address the deployment does not allow is refused.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use entities::enums::Role;
use entities::testing::{TestDb, unique_name};
use jobs::catalogue::ScrapePage;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::http::{HeaderMap, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Route, get, handler, post};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};
use workers::runtime::{EventKind, JobEvent, PoolSpec, Runtime, run_pools};
use workers::settings::{ScrapeSettings, WebhookSettings};
use workers::webhooks::sign;

const ROUND: &[u8] = include_bytes!("../data/pages/sofascore/round_matches_ENG-Premier_League_1516_1.json");
const PATH: &str = "/api/v1/unique-tournament/17/season/10356/events/round/1";

/// The recorded round with its first match in play (1-0), as a live list shows it.
#[handler]
fn live_round() -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(ROUND).unwrap();
    v["events"][0]["status"]["type"] = "inprogress".into();
    v["events"][0]["homeScore"]["current"] = 1.into();
    v["events"][0]["awayScore"]["current"] = 0.into();
    serde_json::to_vec(&v).unwrap()
}

/// What the receiver got: (signature header, channel header, body).
type Received = Arc<Mutex<Vec<(String, String, String)>>>;

#[handler]
fn receive(headers: &HeaderMap, body: String, Data(got): Data<&Received>) -> StatusCode {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    got.lock().unwrap().push((h(sign::HEADER), h("X-Kickoff-Channel"), body));
    StatusCode::NO_CONTENT
}

#[handler]
fn refuse() -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

async fn serve(app: impl poem::Endpoint + 'static) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    format!("http://{addr}")
}

async fn outcomes(events: &mut broadcast::Receiver<JobEvent>, kind: &str, n: usize) -> Vec<JobEvent> {
    let mut out = Vec::new();
    while out.len() < n {
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv()).await.unwrap().unwrap();
        if e.kind == kind {
            out.push(e);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_events_reach_registered_webhooks_signed_and_failing_ones_are_disabled() {
    let db = TestDb::new(entities::Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let pool = db.conn.get_sqlite_connection_pool().clone();
    let queues: QueueClient =
        EmbeddedQueues::open(pool, format!("{}:", unique_name("kickoff_hooks"))).await.unwrap().into();
    let (_, admin) = api::auth::keys::create(&db.conn, "admin", Role::Admin).await.unwrap();
    let (_, operator) = api::auth::keys::create(&db.conn, "op", Role::Operator).await.unwrap();
    let api_base = serve(api::app(api::ApiState::new(db.conn.clone()).with_queues(queues.clone()))).await;
    let http = reqwest::Client::new();
    let register = |key: &str, body: Value| {
        http.post(format!("{api_base}/api/v1/admin/webhooks")).header("X-API-Key", key).json(&body).send()
    };

    let got: Received = Arc::default();
    let receiver =
        serve(Route::new().at("/hook", post(receive)).at("/down", post(refuse)).data(got.clone())).await;
    let hook = json!({"url": format!("{receiver}/hook"), "channels": ["matches:live"]});
    // Only an admin registers; a bad URL or channel is a validation error.
    assert_eq!(register(&operator, hook.clone()).await.unwrap().status(), 403);
    let bad_url = register(&admin, json!({"url": "ftp://x/y", "channels": ["matches:live"]})).await.unwrap();
    assert_eq!(bad_url.status(), 400);
    let bad_channel =
        register(&admin, json!({"url": format!("{receiver}/hook"), "channels": ["secrets"]})).await;
    assert_eq!(bad_channel.unwrap().status(), 400);
    let created: Value = register(&admin, hook).await.unwrap().json().await.unwrap();
    let secret = created["data"]["secret"].as_str().unwrap().to_owned();
    let down: Value = register(&admin, json!({"url": format!("{receiver}/down"), "channels": ["matches:*"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let down_id = down["data"]["id"].as_i64().unwrap();
    // An endpoint on a private address the deployment does not allow.
    let private = json!({"url": "https://127.0.0.1:9/hook", "channels": ["matches:live"]});
    let private_id = register(&admin, private).await.unwrap().json::<Value>().await.unwrap()["data"]["id"]
        .as_i64()
        .unwrap();
    let listed: Value = http
        .get(format!("{api_base}/api/v1/admin/webhooks"))
        .header("X-API-Key", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 3);
    assert!(listed["data"].as_array().unwrap().iter().all(|w| w.get("secret").is_none()), "{listed}");

    // Workers: the receiver's origin is allowed as plain http on loopback; the endpoint
    // that answers 503 is disabled after two failures in a row.
    let site = serve(Route::new().at(PATH, get(live_round))).await;
    let rt = Runtime::new(db.conn.clone(), queues.clone())
        .with_scrape(ScrapeSettings { allowed_urls: vec![site.clone()], ..ScrapeSettings::default() })
        .unwrap()
        .with_webhooks(WebhookSettings {
            allowed_urls: vec![receiver.clone()],
            disable_after: 2,
            ..Default::default()
        });
    let rt = Arc::new(rt);
    let mut events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let specs =
        ["scrape", "process", "notify"].map(|q| PoolSpec { queue: q.to_owned(), concurrency: 2 }).to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let job = ScrapePage { source: "sofascore:round_events:E0:2015-16".into(), url: format!("{site}{PATH}") };
    queues.enqueue(&Envelope::new(&AnyJob::ScrapePage(job)), &EnqueueOptions::default()).await.unwrap();

    let mut seen = outcomes(&mut events, "deliver_webhook", 1).await;
    // Wait for every delivery to end: the good one, the private one (refused for good at
    // once) and the failing one (all of its deliveries: ten matches' updates, two
    // failures each until it is disabled, then dropped).
    let status = |id: i64| {
        let db = db.conn.clone();
        async move {
            let stmt = Statement::from_string(
                db.get_database_backend(),
                format!("SELECT active, failure_streak, last_error FROM webhooks WHERE id = {id}"),
            );
            let r = db.query_one_raw(stmt).await.unwrap().unwrap();
            let active: bool = r.try_get_by_index(0).unwrap();
            let streak: i32 = r.try_get_by_index(1).unwrap();
            let error: Option<String> = r.try_get_by_index(2).unwrap();
            (active, streak, error)
        }
    };
    while status(down_id).await.0 || status(private_id).await.1 == 0 || got.lock().unwrap().is_empty() {
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv()).await.unwrap().unwrap();
        seen.push(e);
    }
    let received = got.lock().unwrap().clone();
    let live: Vec<_> = received.iter().filter(|(_, channel, _)| channel == "matches:live").collect();
    assert_eq!(live.len(), 1, "{received:?}");
    let (signature, _, body) = live[0];
    assert!(sign::verify(&secret, signature, body.as_bytes()), "{signature}");
    assert!(!sign::verify("another secret", signature, body.as_bytes()));
    let message: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (message["type"].as_str(), message["channel"].as_str()),
        (Some("match:update"), Some("matches:live"))
    );
    assert_eq!(message["data"]["home_goals"], 1);

    let (active, streak, error) = status(down_id).await;
    assert!(!active && streak >= 2, "{active} {streak}");
    assert!(error.unwrap().contains("503"));
    let (_, _, private_error) = status(private_id).await;
    assert!(private_error.unwrap().contains("private, loopback or link-local"), "refused before connecting");
    assert!(
        seen.iter().any(|e| e.kind == "deliver_webhook" && e.event == EventKind::DeadLettered),
        "{seen:?}"
    );

    // An admin enables the disabled endpoint again.
    let enabled: Value = http
        .post(format!("{api_base}/api/v1/admin/webhooks/{down_id}/enable"))
        .header("X-API-Key", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (enabled["data"]["active"].as_bool(), enabled["data"]["failure_streak"].as_i64()),
        (Some(true), Some(0))
    );
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
}
