//! The bot's subscriber commands against a migrated database, SQLite and PostgreSQL
//! (each test its own): each command's effect on `telegram_subscriptions` and its reply.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use entities::Engine;
use entities::telegram_subscriptions as subs;
use entities::testing::TestDb;
use jobs::telegram::reply;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait, Statement, Value};
use serde_json::json;

const CHAT: i64 = 4242;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
}

async fn exec(db: &TestDb, sql: &str, values: Vec<Value>) {
    let backend = db.conn.get_database_backend();
    db.conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
}

/// Runs each case once per engine: `mod case { fn sqlite(); fn postgres(); }`.
macro_rules! on_both_engines {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test]
            async fn sqlite() {
                super::$case(entities::Engine::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$case(entities::Engine::Postgres).await
            }
        }
    )*};
}

on_both_engines!(
    start_help_and_unknown_commands_answer_with_the_help,
    subscribe_upserts_one_active_row_with_its_filters,
    subscribe_refuses_bad_filters_and_writes_nothing,
    unsubscribe_deactivates_and_status_reports_each_state,
    today_lists_todays_matches_with_the_active_models_latest_prediction,
);

async fn migrated(engine: Engine) -> TestDb {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    exec(
        &db,
        "INSERT INTO leagues (id, code, name, external_ids) VALUES (1, 'E0', 'Premier League', '{}')",
        vec![],
    )
    .await;
    db
}

async fn send(db: &TestDb, text: &str) -> String {
    reply(&db.conn, CHAT, text, now()).await.unwrap()
}

async fn subscription(db: &TestDb) -> Option<subs::Model> {
    subs::Entity::find().one(&db.conn).await.unwrap()
}

async fn start_help_and_unknown_commands_answer_with_the_help(engine: Engine) {
    let db = migrated(engine).await;
    let start = send(&db, "/start").await;
    assert!(start.starts_with("Welcome to Kickoff\\!"), "{start}");
    let help = send(&db, "/help").await;
    assert!(start.ends_with(&help));
    assert!(help.contains("/subscribe \\[league\\] \\[min\\_edge\\]"), "{help}");
    assert_eq!(send(&db, "/frobnicate").await, help);
    assert_eq!(send(&db, "hello there").await, help);
    assert_eq!(db.count("telegram_subscriptions").await, 0);
}

async fn subscribe_upserts_one_active_row_with_its_filters(engine: Engine) {
    let db = migrated(engine).await;
    assert_eq!(
        send(&db, "/subscribe").await,
        "Subscribed: all leagues, any edge\\. Send /unsubscribe to stop\\."
    );
    let first = subscription(&db).await.unwrap();
    assert_eq!((first.chat_id, first.active, first.filters.clone()), (CHAT, true, json!({})));

    let again = send(&db, "/subscribe e0 5%").await;
    assert_eq!(again, "Subscribed: E0, edge at least 5%\\. Send /unsubscribe to stop\\.");
    assert_eq!(db.count("telegram_subscriptions").await, 1);
    let row = subscription(&db).await.unwrap();
    assert_eq!(row.filters, json!({"league": "E0", "min_edge": 0.05}));
    assert_eq!(row.created_at, first.created_at);

    send(&db, "/subscribe 0.1").await;
    assert_eq!(subscription(&db).await.unwrap().filters, json!({"min_edge": 0.1}));
}

async fn subscribe_refuses_bad_filters_and_writes_nothing(engine: Engine) {
    let db = migrated(engine).await;
    assert!(send(&db, "/subscribe XX9").await.starts_with("Unknown league XX9\\."));
    assert!(send(&db, "/subscribe E0 150%").await.starts_with("The minimum edge must be between 0 and 1"));
    assert!(send(&db, "/subscribe E0 1.5").await.starts_with("The minimum edge must be between"));
    assert!(send(&db, "/subscribe E0 E0").await.starts_with("Usage: /subscribe"));
    assert!(send(&db, "/subscribe E0 5% extra").await.starts_with("Usage: /subscribe"));
    assert_eq!(db.count("telegram_subscriptions").await, 0);
}

async fn unsubscribe_deactivates_and_status_reports_each_state(engine: Engine) {
    let db = migrated(engine).await;
    assert_eq!(send(&db, "/status").await, "You are not subscribed\\. Send /subscribe to start\\.");
    assert_eq!(send(&db, "/unsubscribe").await, "You are not subscribed\\. Send /subscribe to start\\.");
    send(&db, "/subscribe E0 0.05").await;
    assert_eq!(send(&db, "/status").await, "Subscribed: E0, edge at least 5%\\.");
    assert!(send(&db, "/unsubscribe").await.starts_with("Unsubscribed: no more alerts\\."));
    assert!(!subscription(&db).await.unwrap().active);
    assert!(send(&db, "/status").await.starts_with("Unsubscribed \\(was: E0, edge at least 5%\\)\\."));
    send(&db, "/subscribe").await;
    assert!(subscription(&db).await.unwrap().active, "subscribing again resumes");
}

async fn today_lists_todays_matches_with_the_active_models_latest_prediction(engine: Engine) {
    let db = migrated(engine).await;
    assert_eq!(send(&db, "/today").await, "No matches today\\.");
    for (id, name) in [(1i64, "Arsenal"), (2, "Brighton & Hove Albion"), (3, "1. FC Köln")] {
        exec(
            &db,
            "INSERT INTO teams (id, name, league_id, external_ids) VALUES ($1, $2, 1, '{}')",
            vec![id.into(), name.into()],
        )
        .await;
    }
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, if d == 1 { 12 } else { 11 }, d, h, 0, 0).unwrap();
    // Three today (listed by kickoff), one at midnight tomorrow (left out).
    for (id, kickoff, home, away) in
        [(1i64, at(30, 20), 1i64, 2i64), (2, at(30, 15), 3, 1), (3, at(1, 0), 2, 3), (4, at(30, 18), 2, 1)]
    {
        exec(
            &db,
            "INSERT INTO matches (id, league_id, season, match_date, kickoff_at, home_team_id, away_team_id, \
             status, external_ids, updated_at) VALUES ($1, 1, '2026-27', $2, $3, $4, $5, 'scheduled', '{}', $3)",
            vec![id.into(), kickoff.date_naive().into(), kickoff.into(), home.into(), away.into()],
        )
        .await;
    }
    // The registry names the model; predictions name the forecast within a version.
    for (version, active) in [("v1", false), ("v2", true)] {
        exec(
            &db,
            "INSERT INTO model_versions (name, version, params, metrics, active, created_at) \
             VALUES ('kickoff', $1, '{}', '{}', $2, $3)",
            vec![version.into(), active.into(), now().into()],
        )
        .await;
    }
    // Match 1: v2's ensemble twice (the newer shown), a newer poisson forecast of v2
    // (not the ensemble), and a newest ensemble of the retired v1. Match 2: v2 made only
    // a poisson forecast, shown for want of an ensemble. Match 4 has none.
    for (match_id, model, version, p, minutes) in [
        (1i64, "ensemble", "v2", (0.2, 0.3, 0.5), 0i64),
        (1, "ensemble", "v2", (0.5, 0.25, 0.25), 10),
        (1, "poisson", "v2", (0.1, 0.1, 0.8), 15),
        (1, "ensemble", "v1", (0.9, 0.05, 0.05), 20),
        (2, "poisson", "v2", (0.3, 0.3, 0.4), 0),
    ] {
        let created = now() + chrono::Duration::minutes(minutes);
        exec(
            &db,
            "INSERT INTO predictions (match_id, model_name, model_version, p_home, p_draw, p_away, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                match_id.into(),
                model.into(),
                version.into(),
                p.0.into(),
                p.1.into(),
                p.2.into(),
                created.into(),
            ],
        )
        .await;
    }
    let today = send(&db, "/today").await;
    assert_eq!(
        today,
        "Today \\(2026\\-11\\-30\\):\n\
         15:00 1\\. FC Köln v Arsenal \\(E0\\): home 30% draw 30% away 40%\n\
         18:00 Brighton & Hove Albion v Arsenal \\(E0\\): no prediction yet\n\
         20:00 Arsenal v Brighton & Hove Albion \\(E0\\): home 50% draw 25% away 25%"
    );
}
