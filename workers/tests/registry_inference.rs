//! The model registry and inference on real data, on SQLite and PostgreSQL: train on
//! the Premier League before May 2024, forecast the held-back last matchdays, find and
//! settle value bets; activate, hot-swap, roll back, and fall back from a corrupt
//! version without restarting the cache.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::NaiveDate;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use predict::suite::MEMBERS;
use sea_orm::ConnectionTrait;
use workers::history::{self, HistoryFilter};
use workers::inference;
use workers::process::football_data::{ImportSummary, import_bytes};
use workers::registry::{self, ModelCache};
use workers::settings::{PredictSettings, RuleSource};
use workers::training::{TrainOptions, train};

const E0_2223: &[u8] = include_bytes!("../../data/football-data/E0_2022-23.csv");
const E0_2324: &[u8] = include_bytes!("../../data/football-data/E0_2023-24.csv");
const NAME: &str = "kickoff";

fn cut() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

async fn seeded(engine: entities::Engine) -> TestDb {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let mut summary = ImportSummary::default();
    for (name, bytes) in [("E0_2022-23.csv", E0_2223), ("E0_2023-24.csv", E0_2324)] {
        import_bytes(&db.conn, Path::new(name), bytes, &mut summary).await.unwrap();
    }
    db
}

async fn trained(db: &TestDb, as_of: NaiveDate) -> workers::training::Trained {
    let rows = history::load(&db.conn, &HistoryFilter::default()).await.unwrap();
    let opts = TrainOptions {
        leagues: vec![],
        as_of,
        search: false,
        trials: 0,
        rule: Default::default(),
        validation_seasons: 1,
        cancel: Default::default(),
    };
    tokio::task::spawn_blocking(move || train(&rows, &opts)).await.unwrap().unwrap()
}

/// A fixed value-bet rule (the configured thresholds), judged on the ensemble: its
/// larger disagreements with the market give these tests bets to count.
fn fixed() -> PredictSettings {
    PredictSettings { rule: RuleSource::Fixed, value_model: "ensemble".into(), ..PredictSettings::default() }
}

async fn held_back(db: &TestDb) -> Vec<i64> {
    let rows = history::load(&db.conn, &HistoryFilter::default()).await.unwrap();
    rows.iter().filter(|r| r.date >= cut()).map(|r| r.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forecasts_value_bets_and_settlement_are_idempotent() {
    for engine in TestDb::engines() {
        let db = seeded(engine).await;
        let t = trained(&db, cut()).await;
        // Weights were fitted on walk-forward validation forecasts, not left equal.
        assert_eq!(t.model.weights.members.len(), MEMBERS.len());
        assert!(t.model.weights.weights.iter().any(|w| (w - 0.25).abs() > 0.01), "{:?}", t.model.weights);
        assert_eq!(t.metrics["validation_seasons"], serde_json::json!(["2023-24"]));
        let version = registry::register(&db.conn, NAME, &t.model, t.metrics.clone(), true).await.unwrap();
        assert_eq!(version, "v1");

        let cache = ModelCache::default();
        let loaded = cache.active(&db.conn, NAME).await.unwrap();
        let ids = held_back(&db).await;
        assert_eq!(ids.len(), 34, "{engine:?}: the matches from 1 May 2024 on");
        let settings = fixed();
        let first = inference::run(&db.conn, &loaded, &settings, None, &ids).await.unwrap();
        assert_eq!((first.matches, first.skipped), (34, 0));
        // Every member, the ensemble, the market ensemble and the blend (every match has
        // a line).
        let per_match = MEMBERS.len() as u64 + 3;
        assert_eq!(first.predictions as u64, 34 * per_match);
        assert_eq!(db.count("predictions").await as u64, 34 * per_match);
        let sums = db
            .scalar(
                "SELECT COUNT(*) FROM predictions WHERE ABS(p_home + p_draw + p_away - 1) > 1e-9 \
                     OR p_home <= 0 OR p_draw <= 0 OR p_away <= 0 OR model_version <> 'v1'",
            )
            .await;
        assert_eq!(sums, 0, "every forecast is a distribution of v1");
        let bets = first.new_value_bets.len() as i64;
        assert!(bets > 0, "{engine:?}: no value bet in 34 matches");
        assert_eq!(db.count("value_bets").await, bets);
        let bad = db
            .scalar(
                "SELECT COUNT(*) FROM value_bets WHERE edge < 0.03 OR edge > 0.15 OR price > 10 \
                     OR kelly_stake <= 0 OR kelly_stake > 0.02 OR bookmaker IN ('market_avg', 'market_max')",
            )
            .await;
        assert_eq!(bad, 0);

        // Again: the same rows, no new value bet; every pending one is offered to
        // notification again (a retry of a run that failed before queueing its alerts),
        // whose keys send each once.
        let again = inference::run(&db.conn, &loaded, &settings, None, &ids).await.unwrap();
        assert!(again.new_value_bets.is_empty());
        let sorted = |mut v: Vec<i64>| {
            v.sort_unstable();
            v
        };
        assert_eq!(sorted(first.pending_value_bets.clone()), sorted(first.new_value_bets.clone()));
        assert_eq!(sorted(again.pending_value_bets), sorted(first.new_value_bets.clone()));
        assert_eq!(
            (db.count("predictions").await as u64, db.count("value_bets").await),
            (34 * per_match, bets)
        );

        // A new version (the same model registered again) finds the same value: no bet is
        // stored or offered twice, the standing ones are offered again.
        registry::register(&db.conn, NAME, &t.model, t.metrics.clone(), true).await.unwrap();
        let retrained = cache.active(&db.conn, NAME).await.unwrap();
        assert_eq!(retrained.version, "v2");
        let by_v2 = inference::run(&db.conn, &retrained, &settings, None, &ids).await.unwrap();
        assert!(by_v2.new_value_bets.is_empty(), "{:?}", by_v2.new_value_bets);
        assert_eq!(sorted(by_v2.pending_value_bets), sorted(first.new_value_bets.clone()));
        assert_eq!(
            (db.count("predictions").await as u64, db.count("value_bets").await),
            (68 * per_match, bets)
        );

        // The matches are finished: every bet settles, once.
        let settled = inference::settle(&db.conn).await.unwrap();
        assert_eq!((settled.won + settled.lost) as i64, bets);
        assert_eq!(settled.void, 0);
        assert_eq!(inference::settle(&db.conn).await.unwrap(), inference::Settled::default());
        let won = db
            .scalar("SELECT COUNT(*) FROM value_bets v JOIN matches m ON m.id = v.match_id WHERE v.status = 'won' AND \
                     ((v.selection = 'home' AND m.home_goals > m.away_goals) OR (v.selection = 'draw' AND \
                     m.home_goals = m.away_goals) OR (v.selection = 'away' AND m.home_goals < m.away_goals))")
            .await;
        assert_eq!(won as u64, settled.won);
    }
}

/// Stakes of the stored value bets by kickoff day, and their largest edge.
async fn stakes_by_day(db: &TestDb) -> (std::collections::BTreeMap<NaiveDate, f64>, f64) {
    let rows = db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT m.kickoff_at, v.kelly_stake, v.edge FROM value_bets v JOIN matches m ON m.id = v.match_id",
        ))
        .await
        .unwrap();
    let (mut days, mut max_edge) = (std::collections::BTreeMap::new(), 0.0f64);
    for r in rows {
        let (at, stake, edge): (chrono::DateTime<chrono::Utc>, f64, f64) =
            (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap(), r.try_get_by_index(2).unwrap());
        *days.entry(at.date_naive()).or_insert(0.0) += stake;
        max_edge = max_edge.max(edge);
    }
    (days, max_edge)
}

/// An edge past `max_edge` is a model error, not a bet; a day's bets stake at most
/// `daily_stake_budget` together, also when they are found by several runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_bets_stay_under_the_edge_ceiling_and_the_days_stake_budget() {
    let db = seeded(entities::Engine::Sqlite).await;
    let t = trained(&db, cut()).await;
    registry::register(&db.conn, NAME, &t.model, t.metrics.clone(), true).await.unwrap();
    let loaded = ModelCache::default().active(&db.conn, NAME).await.unwrap();
    let ids = held_back(&db).await;

    // Unbounded, for the record of what the bounds remove.
    let unbounded = PredictSettings { max_edge: f64::INFINITY, daily_stake_budget: f64::INFINITY, ..fixed() };
    inference::run(&db.conn, &loaded, &unbounded, None, &ids).await.unwrap();
    let (raw_days, raw_max_edge) = stakes_by_day(&db).await;
    let settings = fixed();
    assert!(raw_max_edge > settings.max_edge, "the data has edges past the ceiling: {raw_max_edge}");
    assert!(
        raw_days.values().any(|s| *s > settings.daily_stake_budget),
        "some day stakes more than the budget unscaled: {raw_days:?}"
    );
    db.conn.execute_unprepared("DELETE FROM value_bets").await.unwrap();

    // Bounded, in two runs (the first half of the matches, then all): earlier bets keep
    // their stakes, later ones share what is left of their day.
    let (first, _) = ids.split_at(ids.len() / 2);
    let early = inference::run(&db.conn, &loaded, &settings, None, first).await.unwrap();
    let (early_days, _) = stakes_by_day(&db).await;
    let later = inference::run(&db.conn, &loaded, &settings, None, &ids).await.unwrap();
    assert!(!early.new_value_bets.is_empty() && !later.new_value_bets.is_empty());
    let (days, max_edge) = stakes_by_day(&db).await;
    assert!(max_edge <= settings.max_edge, "{max_edge}");
    for (day, staked) in &days {
        assert!(*staked <= settings.daily_stake_budget + 1e-12, "{day}: {staked}");
        assert!(*staked >= early_days.get(day).copied().unwrap_or(0.0) - 1e-12, "{day}: stakes never shrink");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_activate_hot_swap_roll_back_and_fall_back() {
    let db = seeded(entities::Engine::Sqlite).await;
    let v1 = trained(&db, cut()).await;
    let v2 = trained(&db, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()).await;
    registry::register(&db.conn, NAME, &v1.model, v1.metrics, true).await.unwrap();
    let cache = ModelCache::default();
    assert_eq!(cache.active(&db.conn, NAME).await.unwrap().version, "v1");

    // A new active version is served at the next call, without a new cache.
    registry::register(&db.conn, NAME, &v2.model, v2.metrics, true).await.unwrap();
    let now = cache.active(&db.conn, NAME).await.unwrap();
    assert_eq!((now.version.as_str(), now.model.as_of), ("v2", NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()));
    let listed = registry::list(&db.conn, NAME).await.unwrap();
    assert_eq!(
        listed.iter().map(|v| (v.version.as_str(), v.active)).collect::<Vec<_>>(),
        [("v2", true), ("v1", false)]
    );

    // Roll back: v1 again.
    assert_eq!(registry::rollback(&db.conn, NAME).await.unwrap(), "v1");
    assert_eq!(cache.active(&db.conn, NAME).await.unwrap().version, "v1");
    assert!(registry::rollback(&db.conn, NAME).await.is_err(), "nothing before v1");
    assert!(registry::activate(&db.conn, NAME, "v9").await.is_err());
    let versions = registry::list(&db.conn, NAME).await.unwrap();
    let active: Vec<&str> = versions.iter().filter(|v| v.active).map(|v| v.version.as_str()).collect();
    assert_eq!(active, ["v1"], "an unknown version leaves the active one in place");

    // A corrupt version activated: the cache keeps serving what it had...
    registry::register(&db.conn, NAME, &v2.model, serde_json::json!({}), false).await.unwrap();
    db.conn
        .execute_unprepared("UPDATE model_versions SET artifact = X'7B6E6F74206A736F6E' WHERE version = 'v3'")
        .await
        .unwrap();
    registry::activate(&db.conn, NAME, "v3").await.unwrap();
    assert_eq!(cache.active(&db.conn, NAME).await.unwrap().version, "v1");
    // ...and a fresh worker serves the newest version that loads.
    assert_eq!(ModelCache::default().active(&db.conn, NAME).await.unwrap().version, "v2");
    // A version that failed to predict is dropped; the next call falls back afresh.
    cache.reject(cache.active(&db.conn, NAME).await.unwrap().id).await;
    assert_eq!(cache.active(&db.conn, NAME).await.unwrap().version, "v2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_inference_job_queues_one_notification_per_new_value_bet() {
    use std::sync::Arc;
    use std::time::Duration;

    use entities::testing::unique_name;
    use jobs::catalogue::RunInference;
    use jobs::embedded_queue::EmbeddedQueues;
    use jobs::{AnyJob, EnqueueOptions, Envelope, QueueClient};
    use tokio::sync::watch;
    use workers::runtime::{EventKind, PoolSpec, Runtime, run_pools};

    let db = seeded(entities::Engine::Sqlite).await;
    let t = trained(&db, cut()).await;
    registry::register(&db.conn, NAME, &t.model, t.metrics, true).await.unwrap();
    let prefix = format!("{}:", unique_name("kickoff_infer"));
    let queues: QueueClient =
        EmbeddedQueues::open(db.conn.get_sqlite_connection_pool().clone(), prefix).await.unwrap().into();
    let rt = Arc::new(Runtime::new(db.conn.clone(), queues.clone()).with_predict(fixed(), true));
    let mut events = rt.subscribe();
    let (stop, rx) = watch::channel(false);
    let pools = tokio::spawn(run_pools(
        rt,
        vec![PoolSpec { queue: "inference".into(), concurrency: 1 }],
        rx,
        Duration::from_secs(10),
    ));
    let ids = held_back(&db).await;
    for _ in 0..2 {
        let job = Envelope::new(&AnyJob::RunInference(RunInference { match_ids: ids.clone() }));
        queues.enqueue(&job, &EnqueueOptions::default()).await.unwrap();
        let e = tokio::time::timeout(Duration::from_secs(60), events.recv()).await.unwrap().unwrap();
        assert_eq!((e.kind.as_str(), e.event), ("run_inference", EventKind::Succeeded), "{e:?}");
    }
    // Twice the job, once each bet: the notify queue holds one job per value bet.
    let bets = db.count("value_bets").await;
    assert!(bets > 0);
    assert_eq!(queues.stats("notify").await.unwrap().pending as i64, bets);
    let _ = stop.send(true);
    pools.await.unwrap().unwrap();
    queues.flush_all().await.unwrap();
}

/// By default the rule is the one training validated, applied to the blend: a version
/// without one (no rule held its closing-line value) stores no value bet at all; with
/// one, every bet passes it, and a rule for other leagues bets nothing here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validated_rule_decides_and_without_one_nothing_is_bet() {
    use predict::value_rule::ValueRule;
    use workers::backtest::rule::{BetStats, Chosen, WalkForward};

    let db = seeded(entities::Engine::Sqlite).await;
    let mut t = trained(&db, cut()).await;
    let ids = held_back(&db).await;
    let settings = PredictSettings::default();
    assert_eq!((settings.rule, settings.value_model.as_str()), (RuleSource::Validated, "blend"));
    let metrics = t.metrics.clone();
    let run = async |model: &workers::registry::TrainedModel| {
        registry::register(&db.conn, NAME, model, metrics.clone(), true).await.unwrap();
        let loaded = ModelCache::default().active(&db.conn, NAME).await.unwrap();
        db.conn.execute_unprepared("DELETE FROM value_bets").await.unwrap();
        inference::run(&db.conn, &loaded, &settings, None, &ids).await.unwrap()
    };

    t.model.value_rule = None;
    let none = run(&t.model).await;
    assert!(none.new_value_bets.is_empty(), "{:?}", none.new_value_bets);
    assert_eq!(none.predictions as usize, 34 * (MEMBERS.len() + 3), "forecasts are still stored");

    // A wide rule, so that the blend's edges at the best bookable prices show up.
    let rule = ValueRule {
        min_edge: 0.0,
        max_edge: 0.5,
        min_price: 1.0,
        max_price: 15.0,
        leagues: vec!["E0".into()],
    };
    let chosen = |rule: ValueRule, model: &str| Chosen {
        rule,
        validation: BetStats::default(),
        model: model.into(),
        walk_forward: Some(WalkForward { bets: 250, clv: 0.01, clv_low: -0.005, clv_high: 0.025, roi: 0.02 }),
    };
    t.model.value_rule = Some(chosen(rule.clone(), "blend"));
    let some = run(&t.model).await;
    assert!(!some.new_value_bets.is_empty(), "the blend found no edge at all");
    let outside = db
        .scalar(
            "SELECT COUNT(*) FROM value_bets v JOIN predictions p ON p.id = v.prediction_id \
             WHERE p.model_name <> 'blend' OR v.edge > 0.5 OR v.price > 15 \
             OR v.bookmaker IN ('market_avg', 'market_max')",
        )
        .await;
    assert_eq!(outside, 0);
    let record = db
        .scalar("SELECT COUNT(*) FROM value_bets WHERE p_model IS NULL OR p_market IS NULL OR price_seen_at IS NULL")
        .await;
    assert_eq!(record, 0, "every bet carries its evidence");

    t.model.value_rule = Some(chosen(ValueRule { leagues: vec!["D1".into()], ..rule.clone() }, "blend"));
    assert!(run(&t.model).await.new_value_bets.is_empty());

    // A rule chosen on another forecast is no evidence about the blend's bets.
    t.model.value_rule = Some(chosen(rule, "ensemble"));
    assert!(run(&t.model).await.new_value_bets.is_empty());
}
