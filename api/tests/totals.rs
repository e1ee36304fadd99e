//! `meta.total` of the match list is counted at most once per `api.count_cache_secs`
//! and says when it was counted; with the cache off it is always exact.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::{ApiSettings, ApiState, AuthSettings, app};
use chrono::{DateTime, Utc};
use entities::Engine;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use poem::test::TestClient;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value as Json;

#[macro_use]
mod common;

async fn add_match(db: &TestDb, id: i64) {
    let backend = db.conn.get_database_backend();
    let sql = "INSERT INTO matches (id, league_id, season, match_date, kickoff_at, home_team_id, away_team_id, \
               status, external_ids, updated_at) VALUES ($1, 1, '2025-26', $2, $3, 1, 2, 'scheduled', '{}', $3)";
    let kickoff = Utc::now() + chrono::Duration::days(id);
    let values: Vec<sea_orm::Value> = vec![id.into(), kickoff.date_naive().into(), kickoff.into()];
    db.conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
}

async fn meta(cli: &TestClient<impl poem::Endpoint>) -> (u64, DateTime<Utc>) {
    let resp = cli.get("/api/v1/matches?status=scheduled").send().await;
    let body: Json = serde_json::from_str(&resp.0.into_body().into_string().await.unwrap()).unwrap();
    let total = body["meta"]["total"].as_u64().unwrap();
    let at = body["meta"]["total_as_of"].as_str().unwrap().parse().unwrap();
    (total, at)
}

async fn totals_are_reused_for_the_configured_time(engine: Engine) {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let backend = db.conn.get_database_backend();
    for sql in [
        "INSERT INTO leagues (id, code, name, external_ids) VALUES (1, 'E0', 'Premier League', '{}')",
        "INSERT INTO teams (id, name, league_id, external_ids) VALUES (1, 'Arsenal', 1, '{}'), (2, 'Chelsea', 1, '{}')",
    ] {
        db.conn.execute_raw(Statement::from_string(backend, sql)).await.unwrap();
    }
    add_match(&db, 1).await;
    let server = |secs| {
        let api = ApiSettings { count_cache_secs: secs, rate_limit_per_minute: 0, ..ApiSettings::default() };
        TestClient::new(app(ApiState::new(db.conn.clone()).with_settings(api, AuthSettings::default())))
    };
    let (cached, exact) = (server(3_600), server(0));
    let before = Utc::now();
    let (total, counted) = meta(&cached).await;
    assert_eq!(total, 1);
    assert!(counted >= before - chrono::Duration::seconds(1), "{counted}");
    add_match(&db, 2).await;
    // Within the hour the cached server answers the total it counted, and says when.
    assert_eq!(meta(&cached).await, (1, counted));
    // Another filter is counted on its own.
    let resp = cached.get("/api/v1/matches").send().await;
    let body: Json = serde_json::from_str(&resp.0.into_body().into_string().await.unwrap()).unwrap();
    assert_eq!(body["meta"]["total"], 2);
    // Without the cache every answer is exact and counted now.
    let (total, at) = meta(&exact).await;
    assert_eq!(total, 2);
    assert!(at >= counted);

    // Team names come from memory; a team created after they were loaded is read at once.
    db.conn
        .execute_raw(Statement::from_string(
            backend,
            "INSERT INTO teams (id, name, league_id, external_ids) VALUES (3, 'Newcastle', 1, '{}')",
        ))
        .await
        .unwrap();
    let kickoff = Utc::now() + chrono::Duration::days(30);
    let sql = "INSERT INTO matches (id, league_id, season, match_date, kickoff_at, home_team_id, away_team_id, \
               status, external_ids, updated_at) VALUES (3, 1, '2025-26', $1, $2, 3, 1, 'scheduled', '{}', $2)";
    let values: Vec<sea_orm::Value> = vec![kickoff.date_naive().into(), kickoff.into()];
    db.conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
    let resp = exact.get("/api/v1/matches?sort=id&order=desc&per_page=1").send().await;
    let body: Json = serde_json::from_str(&resp.0.into_body().into_string().await.unwrap()).unwrap();
    assert_eq!(body["data"][0]["home_team"], serde_json::json!({"id": 3, "name": "Newcastle"}), "{body}");
    assert_eq!(body["data"][0]["away_team"]["name"], "Arsenal");
    assert_eq!(body["data"][0]["league"], "E0");
}

on_both_engines!(totals_are_reused_for_the_configured_time);
