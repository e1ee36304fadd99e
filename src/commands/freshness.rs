//! `kickoff bench freshness`: how long a change on a source's page takes to reach an SSE
//! client as `value_bet:alert` and a Telegram chat as an alert, the source's polling
//! interval excluded (the clock starts when the page's `scrape_page` job is queued).
//!
//! The pipeline runs in this process on the configured queue backend (a prefix of its
//! own) and a SQLite file of its own: a model trained on the bundled Premier League
//! seasons, the API with its live events, workers for scrape, process, inference and
//! notify, the fake Bot API. The page is football-data.org's recorded Premier League
//! schedule; each change moves one match's kickoff an hour earlier while a bookmaker
//! offers its home win 8% above the model's probability, so the change's forecast finds
//! a value bet that is published and alerted. Changes come at least 1.1 s after the
//! last alert: Telegram takes one message a second per chat, and the alerts keep to it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{NaiveDate, TimeZone, Utc};
use entities::enums::Market;
use entities::{odds_lines, telegram_subscriptions};
use jobs::catalogue::ScrapePage;
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Route, get, handler};
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

use super::queue::open;
use crate::config::Settings;

const SCHEDULE: &[u8] =
    include_bytes!("../../data/pages/football-data.org/v4_competitions_PL_matches_scheduled.json");
const PATH: &str = "/v4/competitions/PL/matches";
const SEASONS: [(&str, &[u8]); 2] = [
    ("E0_2022-23.csv", include_bytes!("../../data/football-data/E0_2022-23.csv")),
    ("E0_2023-24.csv", include_bytes!("../../data/football-data/E0_2023-24.csv")),
];
const CHAT: i64 = 7_001;
/// Telegram's pace per chat (one message a second), with a margin.
const TELEGRAM_CHAT_GAP: Duration = Duration::from_millis(1_100);
/// Matches on the recorded page.
const ON_PAGE: usize = 109;

/// The matches (by position on the page) moved an hour earlier so far.
type Moved = Arc<Mutex<Vec<usize>>>;

#[handler]
fn schedule(Data(moved): Data<&Moved>) -> poem::Result<Vec<u8>> {
    let mut v: serde_json::Value =
        serde_json::from_slice(SCHEDULE).map_err(poem::error::InternalServerError)?;
    let moved = moved.lock().map_err(|_| poem::error::InternalServerError(std::fmt::Error))?.clone();
    for i in moved {
        let at =
            v["matches"][i]["utcDate"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        if let Some(at) = at {
            v["matches"][i]["utcDate"] = (at.to_utc() - chrono::TimeDelta::hours(1)).to_rfc3339().into();
        }
    }
    serde_json::to_vec(&v).map_err(poem::error::InternalServerError)
}

async fn serve(app: impl poem::Endpoint + 'static) -> anyhow::Result<String> {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().context("no local address")?;
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    Ok(format!("http://{addr}"))
}

/// Reads SSE frames until a `value_bet:alert`; when it arrived.
async fn alert_event(stream: &mut reqwest::Response, buffer: &mut String) -> anyhow::Result<Instant> {
    loop {
        for data in api::events::stream::take_data(buffer) {
            let message: serde_json::Value = serde_json::from_str(&data)?;
            if message["type"] == "value_bet:alert" {
                return Ok(Instant::now());
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(60), stream.chunk())
            .await
            .context("no value_bet:alert within a minute")??
            .context("the event stream ended")?;
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The ensemble's forecast of every match on the page: `(match id, [home, draw, away])`.
async fn forecasts(db: &sea_orm::DatabaseConnection) -> anyhow::Result<Vec<(i64, [f64; 3])>> {
    let stmt = Statement::from_string(
        db.get_database_backend(),
        "SELECT p.match_id, p.p_home, p.p_draw, p.p_away FROM predictions p JOIN matches m ON m.id = p.match_id \
         WHERE m.season = '2025-26' AND p.model_name = 'ensemble' ORDER BY p.match_id"
            .to_owned(),
    );
    db.query_all_raw(stmt)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index(0)?,
                [r.try_get_by_index(1)?, r.try_get_by_index(2)?, r.try_get_by_index(3)?],
            ))
        })
        .collect()
}

pub async fn run(settings: &Settings, changes: usize) -> anyhow::Result<()> {
    let file = std::env::temp_dir().join(format!("kickoff-freshness-{}.db", ulid::Ulid::generate()));
    let db_settings = entities::settings::DatabaseSettings {
        url: entities::secret::ConnUrl::new(format!("sqlite://{}?mode=rwc", file.display())),
        ..settings.database.clone()
    };
    let db = entities::connect(&db_settings).await?;
    Migrator::up(&db, None).await?;
    let mut summary = ImportSummary::default();
    for (name, bytes) in SEASONS {
        import_bytes(&db, std::path::Path::new(name), bytes, &mut summary).await?;
    }
    let rows = history::load(&db, &HistoryFilter::default()).await?;
    let opts = TrainOptions {
        leagues: vec![],
        as_of: NaiveDate::from_ymd_opt(2024, 6, 1).context("date")?,
        search: false,
        trials: 0,
        rule: Default::default(),
        validation_seasons: 1,
        cancel: Default::default(),
    };
    let trained = tokio::task::spawn_blocking(move || train(&rows, &opts)).await??;
    workers::registry::register(&db, "kickoff", &trained.model, trained.metrics, true).await?;
    telegram_subscriptions::ActiveModel {
        chat_id: Set(CHAT),
        filters: Set(serde_json::json!({})),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&db)
    .await?;

    // The configured backend, under a prefix of the run's own; the embedded queue in the
    // run's own file.
    let queues = match open(settings, None).await? {
        QueueClient::Redis(q) => {
            QueueClient::Redis(q.with_prefix(format!("{}freshness:{}:", q.prefix(), ulid::Ulid::generate())))
        }
        QueueClient::Embedded(_) => {
            jobs::embedded_queue::EmbeddedQueues::open(db.get_sqlite_connection_pool().clone(), "freshness:")
                .await?
                .into()
        }
    };
    let hub = match &queues {
        QueueClient::Redis(_) => {
            api::events::EventHub::redis(settings.queue.redis_client()?, queues.prefix(), 1_000)
        }
        QueueClient::Embedded(q) => api::events::EventHub::embedded(q.clone(), 1_000),
    };
    let api_base =
        serve(api::app(api::ApiState::new(db.clone()).with_queues(queues.clone()).with_events(hub))).await?;
    let moved: Moved = Arc::default();
    let site = serve(Route::new().at(PATH, get(schedule)).data(moved.clone())).await?;
    let fake = Shared::default();
    let telegram = TelegramSettings {
        bot_token: SecretString::from(TOKEN),
        api_url: entities::secret::ConnUrl::new(fake_bot::start(fake.clone()).await?),
        ..TelegramSettings::default()
    };
    // A fixed rule on the ensemble, and a day's stake budget every change's bet fits in
    // (the page has up to ten matches a day).
    let predict = PredictSettings {
        rule: RuleSource::Fixed,
        value_model: "ensemble".into(),
        daily_stake_budget: 1.0,
        ..Default::default()
    };
    let rt = Runtime::new(db.clone(), queues.clone())
        // The local page gets a budget that never makes a change wait for its fetch slot:
        // the source's own pace is the polling interval, which is left out.
        .with_scrape(ScrapeSettings {
            allowed_urls: vec![site.clone()],
            default_rate_per_min: 6_000,
            default_burst: 100,
            ..ScrapeSettings::default()
        })?
        .with_predict(predict, true)
        .with_telegram(&telegram)?
        .with_clock(Clock::replaying_from(
            Utc.with_ymd_and_hms(2026, 2, 23, 0, 0, 0).single().context("date")?,
        ));
    let rt = Arc::new(rt);
    let mut job_events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let specs = ["scrape", "process", "inference", "notify"]
        .map(|q| PoolSpec { queue: q.to_owned(), concurrency: 2 })
        .to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    let scrape = || {
        Envelope::new(&AnyJob::ScrapePage(ScrapePage {
            source: "football_data_org:matches:E0:2025-26".into(),
            url: format!("{site}{PATH}"),
        }))
    };

    // The first scrape stores the schedule and forecasts every match.
    queues.enqueue(&scrape(), &EnqueueOptions::default()).await?;
    loop {
        let e = tokio::time::timeout(Duration::from_secs(120), job_events.recv()).await??;
        if e.kind == "run_inference" {
            anyhow::ensure!(e.event == EventKind::Succeeded, "the first forecasts failed: {e:?}");
            break;
        }
    }
    // Every match gets a bookmaker price 8% above the model on its likeliest outcome:
    // a change to a match is then a value bet to publish and alert.
    let forecasts = forecasts(&db).await?;
    anyhow::ensure!(changes <= ON_PAGE && forecasts.len() >= changes, "at most {ON_PAGE} changes");
    for (id, p) in &forecasts {
        let best = (0..3).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap_or(0);
        let price = |k: usize| Set(Some(if k == best { 1.08 / p[k] } else { 1.01 }));
        odds_lines::ActiveModel {
            match_id: Set(*id),
            bookmaker: Set("bet365".into()),
            market: Set(Market::OneXTwo),
            line: Set(0.0),
            is_closing: Set(false),
            recorded_at: Set(Utc.with_ymd_and_hms(2026, 2, 22, 12, 0, 0).single().context("date")?),
            price_home: price(0),
            price_draw: price(1),
            price_away: price(2),
            ..Default::default()
        }
        .insert(&db)
        .await?;
    }
    let http = reqwest::Client::new();
    let mut stream = http
        .get(format!("{api_base}/api/v1/events?channels=value_bets:alerts"))
        .send()
        .await?
        .error_for_status()?;
    let mut buffer = String::new();
    let (mut to_event, mut to_alert) = (Vec::new(), Vec::new());
    let mut last_alert: Option<Instant> = None;
    for i in 0..changes {
        // Telegram takes one message a second per chat, and the alerts are spaced to
        // keep to it: a change right after the last alert would measure that wait.
        if let Some(at) = last_alert {
            tokio::time::sleep_until((at + TELEGRAM_CHAT_GAP).into()).await;
        }
        moved.lock().map_err(|_| anyhow::anyhow!("lock"))?.push(i);
        let calls_before = fake_bot::lock(&fake).calls.len();
        let started = Instant::now();
        queues.enqueue(&scrape(), &EnqueueOptions::default()).await?;
        let event_at = alert_event(&mut stream, &mut buffer).await?;
        loop {
            let e = tokio::time::timeout(Duration::from_secs(60), job_events.recv()).await??;
            if e.kind == "notify_value_bet" {
                anyhow::ensure!(e.event == EventKind::Succeeded, "an alert failed: {e:?}");
                break;
            }
        }
        let alert_at = fake_bot::lock(&fake)
            .calls
            .iter()
            .skip(calls_before)
            .find(|c| c.message().is_some_and(|(chat, _)| chat == CHAT))
            .map(|c| c.at)
            .context("no alert reached the chat")?;
        last_alert = Some(alert_at);
        to_event.push(event_at.duration_since(started).as_secs_f64() * 1e3);
        to_alert.push(alert_at.duration_since(started).as_secs_f64() * 1e3);
        eprintln!("change {}/{changes}: event {:.0} ms, alert {:.0} ms", i + 1, to_event[i], to_alert[i]);
    }
    let _ = stop.send(true);
    pools.await??;
    queues.flush_all().await?;
    let _ = std::fs::remove_file(&file);
    for v in [&mut to_event, &mut to_alert] {
        v.sort_by(f64::total_cmp);
    }
    anyhow::ensure!(!to_event.is_empty(), "no change measured");
    println!(
        "freshness on the {:?} queue over {} changes (polling excluded): to the SSE event p50 {:.0} ms, p95 {:.0} ms; \
         to the Telegram alert p50 {:.0} ms, p95 {:.0} ms",
        queues.backend(),
        to_event.len(),
        percentile(&to_event, 0.5),
        percentile(&to_event, 0.95),
        percentile(&to_alert, 0.5),
        percentile(&to_alert, 0.95),
    );
    Ok(())
}
