//! The live chain without a cron tick, on both queue backends: a fixture list scraped
//! from a local site (football-data.org's recorded Premier League schedule of
//! 2026-02-23, under its real path) is processed, its upcoming matches are forecast at
//! once, and an SSE client of the API receives `prediction:new`; when a match on the list
//! changes (its kickoff moves) while a bookmaker offers a price with an edge, the next
//! scrape leads to its `value_bet:alert` event and its Telegram alert, again with no
//! cron tick in between.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use entities::enums::Market;
use entities::secret::ConnUrl;
use entities::testing::{TestDb, unique_name};
use entities::{odds_lines, telegram_subscriptions};
use jobs::catalogue::ScrapePage;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::{PrefixGuard, redis_url};
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{EndpointExt, Route, get, handler, web::Data};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, Statement};
use secrecy::SecretString;
use tokio::sync::watch;
use workers::clock::Clock;
use workers::history::{self, HistoryFilter};
use workers::notify::fake_bot::{self, Shared, TOKEN};
use workers::process::football_data::{ImportSummary, import_bytes};
use workers::runtime::{EventKind, PoolSpec, Runtime, run_pools};
use workers::settings::{PredictSettings, RuleSource, ScrapeSettings, TelegramSettings};
use workers::training::{TrainOptions, train};

const SCHEDULE: &[u8] =
    include_bytes!("../data/pages/football-data.org/v4_competitions_PL_matches_scheduled.json");
const PATH: &str = "/v4/competitions/PL/matches";
const SOURCE: &str = "football_data_org:matches:E0:2025-26";
const E0_2223: &[u8] = include_bytes!("../data/football-data/E0_2022-23.csv");
const E0_2324: &[u8] = include_bytes!("../data/football-data/E0_2023-24.csv");
const CHAT: i64 = 4242;

/// The page as the site serves it now: recorded, or with its first match (Everton v
/// Manchester United, 20:00 UTC) moved an hour earlier on the same day.
#[handler]
fn schedule(Data(moved): Data<&Arc<std::sync::atomic::AtomicBool>>) -> Vec<u8> {
    if !moved.load(std::sync::atomic::Ordering::SeqCst) {
        return SCHEDULE.to_vec();
    }
    let mut v: serde_json::Value = serde_json::from_slice(SCHEDULE).unwrap();
    assert_eq!(v["matches"][0]["utcDate"], "2026-02-23T20:00:00Z");
    v["matches"][0]["utcDate"] = "2026-02-23T19:00:00Z".into();
    serde_json::to_vec(&v).unwrap()
}

async fn serve(app: impl poem::Endpoint + 'static) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    format!("http://{addr}")
}

/// Reads SSE frames until one of `kind` arrives; returns its message.
async fn next_of(stream: &mut reqwest::Response, buffer: &mut String, kind: &str) -> serde_json::Value {
    loop {
        for data in api::events::stream::take_data(buffer) {
            let message: serde_json::Value = serde_json::from_str(&data).unwrap();
            if message["type"] == kind {
                return message;
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(60), stream.chunk()).await;
        let chunk = chunk.unwrap_or_else(|_| panic!("no {kind} event within a minute")).unwrap().unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    let stmt = Statement::from_string(db.conn.get_database_backend(), sql.to_owned());
    db.conn.query_one_raw(stmt).await.unwrap().unwrap().try_get_by_index(0).unwrap()
}

async fn chain_without_a_cron_tick(redis: bool) {
    let db = TestDb::new(entities::Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let mut summary = ImportSummary::default();
    for (name, bytes) in [("E0_2022-23.csv", E0_2223), ("E0_2023-24.csv", E0_2324)] {
        import_bytes(&db.conn, Path::new(name), bytes, &mut summary).await.unwrap();
    }
    let rows = history::load(&db.conn, &HistoryFilter::default()).await.unwrap();
    let opts = TrainOptions {
        leagues: vec![],
        as_of: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        search: false,
        trials: 0,
        rule: Default::default(),
        validation_seasons: 1,
        cancel: Default::default(),
    };
    let t = tokio::task::spawn_blocking(move || train(&rows, &opts)).await.unwrap().unwrap();
    workers::registry::register(&db.conn, "kickoff", &t.model, t.metrics, true).await.unwrap();
    let sub = telegram_subscriptions::ActiveModel {
        chat_id: Set(CHAT),
        filters: Set(serde_json::json!({})),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    sub.insert(&db.conn).await.unwrap();

    let prefix = format!("{}:", unique_name("kickoff_chain"));
    let (queues, _guard): (QueueClient, _) = if redis {
        let guard = PrefixGuard::new(redis_url(), prefix.clone());
        (RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix).into(), Some(guard))
    } else {
        let pool = db.conn.get_sqlite_connection_pool().clone();
        (EmbeddedQueues::open(pool, prefix).await.unwrap().into(), None)
    };

    // The API with its live events, as `kickoff serve` builds it.
    let hub = match &queues {
        QueueClient::Redis(_) => {
            api::events::EventHub::redis(redis::Client::open(redis_url()).unwrap(), queues.prefix(), 1000)
        }
        QueueClient::Embedded(q) => api::events::EventHub::embedded(q.clone(), 1000),
    };
    let state = api::ApiState::new(db.conn.clone()).with_queues(queues.clone()).with_events(hub);
    let api_base = serve(api::app(state)).await;
    let http = reqwest::Client::new();
    let url = format!("{api_base}/api/v1/events?channels=predictions:new,value_bets:alerts");
    let mut stream = http.get(url).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();

    let moved = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let site = serve(Route::new().at(PATH, get(schedule)).data(moved.clone())).await;
    let fake = Shared::default();
    let telegram = TelegramSettings {
        bot_token: SecretString::from(TOKEN),
        api_url: ConnUrl::new(fake_bot::start(fake.clone()).await.unwrap()),
        ..TelegramSettings::default()
    };
    // A fixed rule on the ensemble, so a price with an 8% edge is a value bet.
    let predict =
        PredictSettings { rule: RuleSource::Fixed, value_model: "ensemble".into(), ..Default::default() };
    let scrape = ScrapeSettings { allowed_urls: vec![site.clone()], ..ScrapeSettings::default() };
    let rt = Runtime::new(db.conn.clone(), queues.clone())
        .with_scrape(scrape)
        .unwrap()
        .with_predict(predict, true)
        .with_telegram(&telegram)
        .unwrap()
        .with_clock(Clock::replaying_from(Utc.with_ymd_and_hms(2026, 2, 23, 0, 0, 0).unwrap()));
    let (stop, rx) = watch::channel(false);
    let specs = ["scrape", "process", "inference", "notify"]
        .map(|q| PoolSpec { queue: q.to_owned(), concurrency: 2 })
        .to_vec();
    let rt = Arc::new(rt);
    let mut job_events = rt.subscribe();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let scrape_job = || {
        Envelope::new(&AnyJob::ScrapePage(ScrapePage { source: SOURCE.into(), url: format!("{site}{PATH}") }))
    };

    // The first scrape: the schedule's matches are new, so they are forecast at once.
    let first = scrape_job();
    queues.enqueue(&first, &EnqueueOptions::default()).await.unwrap();
    let prediction = next_of(&mut stream, &mut buffer, "prediction:new").await;
    assert_eq!(prediction["channel"], "predictions:new");
    let p = &prediction["data"]["probabilities"];
    let sum = p["home"].as_f64().unwrap() + p["draw"].as_f64().unwrap() + p["away"].as_f64().unwrap();
    assert!((sum - 1.0).abs() < 1e-6, "{prediction}");
    assert!(prediction["data"]["match_id"].as_i64().unwrap() > 0);
    let everton = scalar(
        &db,
        "SELECT m.id FROM matches m JOIN teams h ON h.id = m.home_team_id JOIN teams a ON a.id = m.away_team_id \
         WHERE h.name = 'Everton' AND a.name = 'Man United' AND m.season = '2025-26'",
    )
    .await;
    // No scheduler runs here: the forecast came down the scrape's chain.
    let forecasts = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM predictions WHERE match_id = {everton} AND model_name = 'ensemble'"),
    )
    .await;
    assert_eq!(forecasts, 1, "the match was forecast by the first scrape's chain");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM value_bets").await, 0, "no price, no value bet");

    // A bookmaker prices the home win 8% above the ensemble's probability.
    let p_home: f64 = {
        let stmt = Statement::from_string(
            db.conn.get_database_backend(),
            format!("SELECT p_home FROM predictions WHERE match_id = {everton} AND model_name = 'ensemble'"),
        );
        db.conn.query_one_raw(stmt).await.unwrap().unwrap().try_get_by_index(0).unwrap()
    };
    let line = odds_lines::ActiveModel {
        match_id: Set(everton),
        bookmaker: Set("bet365".into()),
        market: Set(Market::OneXTwo),
        line: Set(0.0),
        is_closing: Set(false),
        recorded_at: Set(Utc.with_ymd_and_hms(2026, 2, 22, 12, 0, 0).unwrap()),
        price_home: Set(Some(1.08 / p_home)),
        price_draw: Set(Some(1.01)),
        price_away: Set(Some(1.01)),
        ..Default::default()
    };
    line.insert(&db.conn).await.unwrap();

    // The match moves on the list: the next scrape forecasts it again, finds the value
    // bet, publishes it and alerts the subscriber.
    moved.store(true, std::sync::atomic::Ordering::SeqCst);
    let second = scrape_job();
    queues.enqueue(&second, &EnqueueOptions::default()).await.unwrap();
    let alert = next_of(&mut stream, &mut buffer, "value_bet:alert").await;
    assert_eq!(alert["channel"], "value_bets:alerts");
    let data = &alert["data"];
    assert_eq!((data["match_id"].as_i64(), data["selection"].as_str()), (Some(everton), Some("home")));
    assert_eq!(
        (data["home_team"].as_str(), data["away_team"].as_str()),
        (Some("Everton"), Some("Man United"))
    );
    assert!((data["edge"].as_f64().unwrap() - 0.08).abs() < 1e-6, "{alert}");
    assert!((data["odds"].as_f64().unwrap() - 1.08 / p_home).abs() < 1e-9, "{alert}");
    assert!(data["stake"].as_f64().unwrap() > 0.0, "{alert}");
    let mut seen = Vec::new();
    let notified = loop {
        let e = tokio::time::timeout(Duration::from_secs(60), job_events.recv()).await.unwrap().unwrap();
        if e.kind == "notify_value_bet" {
            assert_eq!(e.event, EventKind::Succeeded, "{e:?}");
            break e;
        }
        seen.push(e);
    };
    // One chain: scrape → process → inference → notify, rooted at the second scrape.
    let parent_of =
        |id: &str| seen.iter().find(|e| e.job_id == id).unwrap_or_else(|| panic!("{id} in {seen:?}"));
    let inference = parent_of(notified.parent.as_deref().unwrap());
    let process = parent_of(inference.parent.as_deref().unwrap());
    let scrape = parent_of(process.parent.as_deref().unwrap());
    assert_eq!(
        [inference.kind.as_str(), process.kind.as_str(), scrape.kind.as_str()],
        ["run_inference", "process_snapshot", "scrape_page"]
    );
    assert_eq!(scrape.job_id, second.id);
    assert_eq!(notified.root.as_deref(), Some(second.id.as_str()));
    let sent: Vec<String> = fake_bot::lock(&fake)
        .calls
        .iter()
        .filter_map(|c| c.message().filter(|(chat, _)| *chat == CHAT).map(|(_, t)| t.to_owned()))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("Everton") && sent[0].contains("Man United"), "{sent:?}");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM value_bets").await, 1);

    drop(stream);
    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
    queues.flush_all().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_runs_without_a_cron_tick_on_redis() {
    chain_without_a_cron_tick(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_runs_without_a_cron_tick_on_the_embedded_queue() {
    chain_without_a_cron_tick(false).await;
}

/// Waits for `n` successes of `kind` among the runtime's job events.
async fn successes(
    events: &mut tokio::sync::broadcast::Receiver<workers::runtime::JobEvent>,
    kind: &str,
    n: usize,
) {
    let mut done = 0;
    while done < n {
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv()).await.unwrap().unwrap();
        if e.kind == kind {
            assert_eq!(e.event, EventKind::Succeeded, "{e:?}");
            done += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_before_the_forecast_starts_queue_one_forecast_per_match() {
    let db = TestDb::new(entities::Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let pool = db.conn.get_sqlite_connection_pool().clone();
    let queues: QueueClient =
        EmbeddedQueues::open(pool, format!("{}:", unique_name("kickoff_dedup"))).await.unwrap().into();
    let moved = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let site = serve(Route::new().at(PATH, get(schedule)).data(moved.clone())).await;
    let scrape = ScrapeSettings { allowed_urls: vec![site.clone()], ..ScrapeSettings::default() };
    let rt = Runtime::new(db.conn.clone(), queues.clone())
        .with_scrape(scrape)
        .unwrap()
        .with_clock(Clock::replaying_from(Utc.with_ymd_and_hms(2026, 2, 23, 0, 0, 0).unwrap()));
    let rt = Arc::new(rt);
    let mut events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    // No inference pool: the forecasts wait in their queue.
    let specs = ["scrape", "process"].map(|q| PoolSpec { queue: q.to_owned(), concurrency: 1 }).to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let job = || {
        Envelope::new(&AnyJob::ScrapePage(ScrapePage { source: SOURCE.into(), url: format!("{site}{PATH}") }))
    };

    queues.enqueue(&job(), &EnqueueOptions::default()).await.unwrap();
    successes(&mut events, "process_snapshot", 1).await;
    let waiting = queues.stats("inference").await.unwrap();
    assert_eq!(waiting.pending, 1, "one forecast of every new match: {waiting:?}");
    // Everton v Manchester United moves while that forecast waits: no second one.
    moved.store(true, std::sync::atomic::Ordering::SeqCst);
    queues.enqueue(&job(), &EnqueueOptions::default()).await.unwrap();
    successes(&mut events, "process_snapshot", 1).await;
    assert_eq!(queues.stats("inference").await.unwrap().pending, 1);
    // All 109 scheduled matches are after the clock's day: every one is named once.
    let scheduled = scalar(&db, "SELECT COUNT(*) FROM matches WHERE status = 'scheduled'").await;
    assert_eq!(scheduled, 109);

    stop.send(true).unwrap();
    pools.await.unwrap().unwrap();
}
