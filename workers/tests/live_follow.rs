//! A match followed from kickoff to final whistle through the worker runtime: the
//! recorded sport1 match (Atlético Madrid 1-0 Bayern München, 2016-09-28, five moments
//! of its match and incidents endpoints, served in order under their real paths) is
//! planned at its kickoff, polled once per moment, its goal told with scorer, minute and
//! score, its incidents stored once each, polling stops at the final whistle and its
//! value bet is settled. A plan whose kickoff moved, a postponed match and one that never
//! finishes (the poll cap) end their chains.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use entities::testing::{TestDb, seed_value_bet};
use jobs::catalogue::{FollowMatch, Maintenance, MaintenanceTask};
use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
use migration::{Migrator, MigratorTrait};
use poem::web::Data;
use poem::{EndpointExt, Route, get, handler};
use sea_orm::{ConnectionTrait, Statement};
use tokio::sync::{broadcast, watch};
use workers::clock::Clock;
use workers::runtime::{EventKind, JobEvent, PoolSpec, Runtime, run_pools};
use workers::settings::{LiveSettings, ScrapeSettings};

use common::backends::{Backend, queues_for};

macro_rules! page {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/pages/sport1/", $file))
    };
}

/// The five recorded moments: (match page, incidents page).
const STATES: [(&[u8], &[u8]); 5] = [
    (page!("live_8305396_01_min21_0-0_match.json"), page!("live_8305396_01_min21_0-0_match-event.json")),
    (page!("live_8305396_02_min35_1-0_match.json"), page!("live_8305396_02_min36_1-0_match-event.json")),
    (page!("live_8305396_03_halftime_match.json"), page!("live_8305396_03_halftime_match-event.json")),
    (page!("live_8305396_04_min67_match.json"), page!("live_8305396_04_min67_match-event.json")),
    (page!("live_8305396_05_fulltime_match.json"), page!("live_8305396_05_fulltime_match-event.json")),
];

/// The site's replay: each poll reads the match page, then the incidents, of the next
/// moment; `last` caps the moments served (a match that stays live).
struct Replay {
    match_hits: AtomicUsize,
    incident_hits: AtomicUsize,
    last: usize,
}

#[handler]
fn match_page(Data(r): Data<&Arc<Replay>>) -> Vec<u8> {
    let i = r.match_hits.fetch_add(1, Ordering::SeqCst).min(r.last);
    STATES[i].0.to_vec()
}

#[handler]
fn incidents_page(Data(r): Data<&Arc<Replay>>) -> Vec<u8> {
    let i = r.incident_hits.fetch_add(1, Ordering::SeqCst).min(r.last);
    STATES[i].1.to_vec()
}

async fn site(last: usize) -> (String, Arc<Replay>) {
    let replay =
        Arc::new(Replay { match_hits: AtomicUsize::new(0), incident_hits: AtomicUsize::new(0), last });
    let app = Route::new()
        .at("/match/ma8305396", get(match_page))
        .at("/match-event/ma8305396", get(incidents_page))
        .data(replay.clone());
    (common::http::serve(app).await, replay)
}

fn kickoff() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2016, 9, 28, 18, 45, 0).unwrap()
}

struct Followed {
    db: TestDb,
    queues: QueueClient,
    events: broadcast::Receiver<JobEvent>,
    stop: watch::Sender<bool>,
    pools: tokio::task::JoinHandle<Result<(), workers::runtime::RuntimeError>>,
    match_id: i64,
    bet: i64,
    _guard: Option<jobs::testing::PrefixGuard>,
}

/// The match with its value bet on Atlético, known to sport1, and workers polling `base`
/// with no wait between polls and at most `max_polls`; the clock a second before kickoff.
async fn followed(base: &str, max_polls: u32) -> Followed {
    let db = TestDb::new(entities::Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let seeded = seed_value_bet(
        &db.conn,
        ("CL", "Champions League"),
        ("Atlético Madrid", "Bayern München"),
        kickoff(),
        [0.4, 0.3, 0.3],
        ("home", 2.9, 0.16),
    )
    .await;
    sql(
        &db,
        &format!(
            "UPDATE matches SET external_ids = '{{\"sport1\":\"8305396\"}}' WHERE id = {}",
            seeded.match_id
        ),
    )
    .await;
    let (queues, guard) = queues_for(Backend::Embedded, &db).await;
    let live = LiveSettings { poll_secs: 0, max_polls, sport1_url: base.to_owned() };
    let scrape = ScrapeSettings { live, ..ScrapeSettings::default() };
    let rt = Runtime::new(db.conn.clone(), queues.clone())
        .with_scrape(scrape)
        .unwrap()
        .with_clock(Clock::replaying_from(kickoff() - chrono::TimeDelta::seconds(1)));
    let rt = Arc::new(rt);
    let events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let specs = ["scrape", "settle", "maintenance"]
        .map(|q| PoolSpec { queue: q.to_owned(), concurrency: 1 })
        .to_vec();
    let pools = tokio::spawn(run_pools(rt, specs, rx, Duration::from_secs(10)));
    Followed {
        db,
        queues,
        events,
        stop,
        pools,
        match_id: seeded.match_id,
        bet: seeded.value_bet_id,
        _guard: guard,
    }
}

async fn sql(db: &TestDb, sql: &str) {
    db.conn
        .execute_raw(Statement::from_string(db.conn.get_database_backend(), sql.to_owned()))
        .await
        .unwrap();
}

async fn text(db: &TestDb, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(db.conn.get_database_backend(), sql.to_owned()))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (0..r.column_names().len()).map(|i| r.try_get_by_index::<Option<String>>(i).unwrap()).collect()
        })
        .collect()
}

/// Job events until one of `kind` succeeds; every event seen, that one last.
async fn until(events: &mut broadcast::Receiver<JobEvent>, kind: &str) -> Vec<JobEvent> {
    let mut seen = Vec::new();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv()).await.unwrap().unwrap();
        assert_ne!(e.event, EventKind::DeadLettered, "{e:?}");
        let done = e.kind == kind && e.event == EventKind::Succeeded;
        seen.push(e);
        if done {
            return seen;
        }
    }
}

impl Followed {
    async fn enqueue(&self, job: impl Into<AnyJob>) {
        self.queues.enqueue(&Envelope::new(&job.into()), &EnqueueOptions::default()).await.unwrap();
    }

    async fn finish(self) {
        self.stop.send(true).unwrap();
        self.pools.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_is_followed_from_kickoff_to_the_final_whistle_and_its_bet_settled() {
    let (base, replay) = site(4).await;
    let mut f = followed(&base, 20).await;
    f.enqueue(Maintenance { task: MaintenanceTask::PlanLiveFollows }).await;
    let seen = until(&mut f.events, "settle_bets").await;

    // One poll per moment, then the final whistle ends the polling.
    let polls = seen.iter().filter(|e| e.kind == "follow_match" && e.event == EventKind::Succeeded).count();
    assert_eq!(polls, 5, "{seen:?}");
    assert_eq!(replay.match_hits.load(Ordering::SeqCst), 5);
    assert_eq!(replay.incident_hits.load(Ordering::SeqCst), 5);
    let scrape = f.queues.stats("scrape").await.unwrap();
    assert_eq!((scrape.pending, scrape.scheduled), (0, 0), "no poll planned after the final whistle");

    let m = text(
        &f.db,
        &format!(
            "SELECT status, CAST(home_goals AS TEXT), CAST(away_goals AS TEXT), CAST(ht_home_goals AS TEXT) \
             FROM matches WHERE id = {}",
            f.match_id
        ),
    )
    .await;
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(m, [vec![s("finished"), s("1"), s("0"), s("1")]]);
    // Every incident once, the goal's assist entered late kept.
    let goals = text(
        &f.db,
        "SELECT player, other_player, CAST(minute AS TEXT), side FROM match_incidents WHERE kind = 'goal'",
    )
    .await;
    assert_eq!(goals, [vec![s("Yannick Ferreira-Carrasco"), s("Antoine Griezmann"), s("35"), s("home")]]);
    let count = text(&f.db, "SELECT CAST(COUNT(*) AS TEXT) FROM match_incidents").await;
    assert_eq!(count, [vec![s("13")]]);
    let bet = text(&f.db, &format!("SELECT status FROM value_bets WHERE id = {}", f.bet)).await;
    assert_eq!(bet, [vec![s("won")]]);
    // The live polls' bodies are kept as processed snapshots, each distinct body once.
    let kept =
        text(&f.db, "SELECT CAST(COUNT(*) AS TEXT) FROM scrape_snapshots WHERE processed_at IS NOT NULL")
            .await;
    assert_eq!(kept, [vec![s("10")]]);

    // The events: one goal, with its scorer, minute, team and score, on the match's
    // channel and on matches:live; the match's updates up to full time.
    let QueueClient::Embedded(q) = &f.queues else { unreachable!() };
    let published = q.events_after(0, 1_000).await.unwrap();
    let on = |channel: &str, kind: &str| -> Vec<serde_json::Value> {
        published
            .iter()
            .filter(|e| e.channel == channel)
            .map(|e| serde_json::from_str::<serde_json::Value>(&e.payload).unwrap())
            .filter(|m| m["type"] == kind)
            .collect()
    };
    let channel = format!("matches:{}", f.match_id);
    let goals = on(&channel, "match:goal");
    assert_eq!(goals.len(), 1, "{published:?}");
    let g = &goals[0]["data"];
    assert_eq!(
        (g["scorer"].as_str(), g["minute"].as_u64(), g["team"].as_str(), g["side"].as_str()),
        (Some("Yannick Ferreira-Carrasco"), Some(35), Some("Atlético Madrid"), Some("home"))
    );
    assert_eq!((g["score"]["home"].as_i64(), g["score"]["away"].as_i64()), (Some(1), Some(0)));
    assert_eq!(on("matches:live", "match:goal").len(), 1);
    let statuses: Vec<String> = on(&channel, "match:update")
        .iter()
        .map(|m| m["data"]["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses.first().map(String::as_str), Some("live"));
    assert_eq!(statuses.last().map(String::as_str), Some("finished"));
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moved_postponed_and_never_ending_matches_stop_their_polling() {
    // The match stays live at its first moment forever: the cap of 3 polls ends it.
    let (base, replay) = site(0).await;
    let mut f = followed(&base, 3).await;
    let id = f.match_id;

    // A plan for a kickoff that has since moved polls nothing.
    f.enqueue(FollowMatch { match_id: id, kickoff: kickoff() - chrono::TimeDelta::hours(2), polls: 0 }).await;
    until(&mut f.events, "follow_match").await;
    assert_eq!(replay.match_hits.load(Ordering::SeqCst), 0);

    // A postponed match is not polled either.
    sql(&f.db, &format!("UPDATE matches SET status = 'postponed' WHERE id = {id}")).await;
    f.enqueue(FollowMatch { match_id: id, kickoff: kickoff(), polls: 0 }).await;
    until(&mut f.events, "follow_match").await;
    assert_eq!(replay.match_hits.load(Ordering::SeqCst), 0);

    // Played but never finished: three polls, then given up; nothing is settled.
    sql(&f.db, &format!("UPDATE matches SET status = 'scheduled' WHERE id = {id}")).await;
    f.enqueue(FollowMatch { match_id: id, kickoff: kickoff(), polls: 0 }).await;
    let mut polls = 0;
    while polls < 4 {
        let seen = until(&mut f.events, "follow_match").await;
        assert!(seen.iter().all(|e| e.kind != "settle_bets"), "{seen:?}");
        polls += 1;
    }
    assert_eq!(replay.match_hits.load(Ordering::SeqCst), 3, "the fourth run stops at the cap");
    let scrape = f.queues.stats("scrape").await.unwrap();
    assert_eq!((scrape.pending, scrape.scheduled), (0, 0));
    let status = text(&f.db, &format!("SELECT status FROM matches WHERE id = {id}")).await;
    assert_eq!(status, [vec![Some("live".to_owned())]]);
    f.finish().await;
}
