//! The read API over a seeded database, on SQLite and PostgreSQL: every endpoint, every
//! filter, both sort orders, both paginations and their edges, and the error envelope.

use api::{ApiState, app};
use chrono::{DateTime, TimeZone, Utc};
use entities::Engine;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use poem::Endpoint;
use poem::test::TestClient;
use sea_orm::{ConnectionTrait, Statement, Value};
use serde_json::Value as Json;

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

async fn exec(db: &TestDb, sql: &str, values: Vec<Value>) {
    let backend = db.conn.get_database_backend();
    db.conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
}

/// id, league, season, kick-off, home, away, status, goals.
type MatchSeed = (i64, i64, &'static str, DateTime<Utc>, i64, i64, &'static str, Option<i32>, Option<i32>);
/// id, bookmaker, market, selection, line, price, recorded.
type OddsSeed = (i64, &'static str, &'static str, &'static str, f64, f64, DateTime<Utc>);

/// Kick-off order of the matches: 1, 3, 2, 5, 6, 4 (5 and 6 kick off together).
async fn seed(db: &TestDb) {
    for (id, code, name) in [(1i64, "E0", "Premier League"), (2, "SP1", "La Liga")] {
        exec(
            db,
            "INSERT INTO leagues (id, code, name, country, external_ids) VALUES ($1, $2, $3, NULL, '{}')",
            vec![id.into(), code.into(), name.into()],
        )
        .await;
    }
    for (id, name, league) in
        [(1i64, "Arsenal", 1i64), (2, "Chelsea", 1), (3, "Barcelona", 2), (4, "Real Madrid", 2)]
    {
        exec(
            db,
            "INSERT INTO teams (id, name, league_id, external_ids) VALUES ($1, $2, $3, '{}')",
            vec![id.into(), name.into(), league.into()],
        )
        .await;
    }
    let rows: [MatchSeed; 6] = [
        (1, 1, "2024-25", at(2024, 8, 10, 15), 1, 2, "finished", Some(2), Some(1)),
        (2, 1, "2024-25", at(2025, 1, 5, 16), 2, 1, "finished", Some(0), Some(0)),
        (3, 2, "2024-25", at(2024, 9, 1, 19), 3, 4, "finished", Some(3), Some(2)),
        (4, 2, "2025-26", at(2025, 9, 1, 19), 4, 3, "scheduled", None, None),
        (5, 1, "2025-26", at(2025, 8, 16, 14), 1, 2, "scheduled", None, None),
        (6, 1, "2025-26", at(2025, 8, 16, 14), 2, 1, "postponed", None, None),
    ];
    for (id, league, season, kickoff, home, away, status, hg, ag) in rows {
        exec(
            db,
            "INSERT INTO matches (id, league_id, season, match_date, kickoff_at, home_team_id, away_team_id, \
             status, home_goals, away_goals, external_ids, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '{}', $11)",
            vec![
                id.into(),
                league.into(),
                season.into(),
                kickoff.date_naive().into(),
                kickoff.into(),
                home.into(),
                away.into(),
                status.into(),
                hg.into(),
                ag.into(),
                kickoff.into(),
            ],
        )
        .await;
    }
    for (id, team, shots, xg) in [(1i64, 1i64, 14, 1.8), (2, 2, 9, 0.7)] {
        exec(
            db,
            "INSERT INTO match_stats (id, match_id, team_id, shots, xg) VALUES ($1, 1, $2, $3, $4)",
            vec![id.into(), team.into(), shots.into(), xg.into()],
        )
        .await;
    }
    let t1 = at(2024, 8, 9, 12);
    let t2 = at(2024, 8, 10, 14);
    let odds: [OddsSeed; 5] = [
        (1, "B365", "1x2", "home", 0.0, 2.0, t1),
        (2, "B365", "1x2", "home", 0.0, 2.1, t2),
        (3, "B365", "1x2", "away", 0.0, 3.5, t1),
        (4, "Pinnacle", "1x2", "home", 0.0, 2.05, t1),
        (5, "B365", "over_under", "over", 2.5, 1.9, t1),
    ];
    for (id, book, market, sel, line, price, when) in odds {
        exec(
            db,
            "INSERT INTO odds (id, match_id, bookmaker, market, selection, line, price, is_closing, recorded_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8)",
            vec![id.into(), book.into(), market.into(), sel.into(), line.into(), price.into(), false.into(), when.into()],
        )
        .await;
    }
    for (id, model, version, when) in [(1i64, "elo", "v1", t1), (2i64, "poisson", "v2", t2)] {
        exec(
            db,
            "INSERT INTO predictions (id, match_id, model_name, model_version, p_home, p_draw, p_away, created_at) \
             VALUES ($1, 1, $2, $3, 0.5, 0.3, 0.2, $4)",
            vec![id.into(), model.into(), version.into(), when.into()],
        )
        .await;
    }
    let bets: [(i64, f64, &str, DateTime<Utc>); 3] =
        [(1, 0.08, "pending", t1), (2, 0.03, "won", t2), (3, 0.02, "pending", at(2024, 8, 10, 13))];
    for (id, edge, status, when) in bets {
        exec(
            db,
            "INSERT INTO value_bets (id, prediction_id, match_id, selection, bookmaker, price, edge, kelly_stake, \
             status, created_at) VALUES ($1, 1, 1, 'home', 'B365', 2.1, $2, 0.01, $3, $4)",
            vec![id.into(), edge.into(), status.into(), when.into()],
        )
        .await;
    }
}

async fn setup(engine: Engine) -> (TestDb, TestClient<impl Endpoint>) {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    seed(&db).await;
    let cli = TestClient::new(app(ApiState::new(db.conn.clone())));
    (db, cli)
}

async fn get<E: Endpoint>(cli: &TestClient<E>, uri: &str) -> (u16, Json) {
    let resp = cli.get(uri).send().await;
    let status = resp.0.status().as_u16();
    let body = resp.0.into_body().into_string().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: {e}: {body}"));
    (status, json)
}

/// The `data` of a 200 answer.
async fn data<E: Endpoint>(cli: &TestClient<E>, uri: &str) -> Json {
    let (status, body) = get(cli, uri).await;
    assert_eq!(status, 200, "{uri}: {body}");
    assert_eq!(body["success"], true, "{uri}");
    body["data"].clone()
}

fn ids(data: &Json) -> Vec<i64> {
    data.as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

async fn match_ids<E: Endpoint>(cli: &TestClient<E>, query: &str) -> Vec<i64> {
    ids(&data(cli, &format!("/api/v1/matches?{query}")).await)
}

/// A 400 VALIDATION_ERROR that names `field`.
async fn refused<E: Endpoint>(cli: &TestClient<E>, uri: &str, field: &str) {
    let (status, body) = get(cli, uri).await;
    assert_eq!(status, 400, "{uri}: {body}");
    assert_eq!(body["success"], false, "{uri}");
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR", "{uri}: {body}");
    assert_eq!(body["error"]["details"]["field"], field, "{uri}: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains(field), "{uri}: {body}");
}

macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(entities::Engine::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(entities::Engine::Postgres).await;
            }
        }
    )*};
}

on_both_engines!(
    match_list_items_and_filters,
    match_list_sorting,
    offset_pagination_edges,
    cursor_pagination_walks_every_row_once,
    bad_input_is_a_validation_error,
    one_match_and_missing_ones,
    match_stats_odds_and_predictions,
    leagues_teams_and_value_bets,
    spec_docs_health_and_ready,
);

async fn match_list_items_and_filters(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    let all = data(&cli, "/api/v1/matches").await;
    assert_eq!(ids(&all), vec![1, 3, 2, 5, 6, 4]);
    let first = &all[0];
    assert_eq!(first["league"], "E0");
    assert_eq!(first["season"], "2024-25");
    assert_eq!(first["match_date"], "2024-08-10");
    assert_eq!(
        DateTime::parse_from_rfc3339(first["kickoff_at"].as_str().unwrap()).unwrap(),
        at(2024, 8, 10, 15)
    );
    assert_eq!(first["status"], "finished");
    assert_eq!(first["home_team"], serde_json::json!({"id": 1, "name": "Arsenal"}));
    assert_eq!(first["away_team"], serde_json::json!({"id": 2, "name": "Chelsea"}));
    assert_eq!((first["home_goals"].as_i64(), first["away_goals"].as_i64()), (Some(2), Some(1)));
    assert!(all[3]["home_goals"].is_null());

    assert_eq!(match_ids(&cli, "status=finished").await, vec![1, 3, 2]);
    assert_eq!(match_ids(&cli, "status=postponed").await, vec![6]);
    assert_eq!(match_ids(&cli, "status=live").await, Vec::<i64>::new());
    assert_eq!(match_ids(&cli, "league=SP1").await, vec![3, 4]);
    assert_eq!(match_ids(&cli, "league=XX").await, Vec::<i64>::new());
    assert_eq!(match_ids(&cli, "team=3").await, vec![3, 4]);
    assert_eq!(match_ids(&cli, "team=1").await, vec![1, 2, 5, 6]);
    assert_eq!(match_ids(&cli, "season=2025-26").await, vec![5, 6, 4]);
    assert_eq!(match_ids(&cli, "date_from=2025-01-05").await, vec![2, 5, 6, 4]);
    assert_eq!(match_ids(&cli, "date_to=2024-09-01").await, vec![1, 3]);
    assert_eq!(match_ids(&cli, "date_from=2024-09-01&date_to=2025-08-16").await, vec![3, 2, 5, 6]);
    assert_eq!(match_ids(&cli, "league=E0&season=2025-26&status=scheduled&team=2").await, vec![5]);
}

async fn match_list_sorting(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    assert_eq!(match_ids(&cli, "sort=kickoff_at&order=asc").await, vec![1, 3, 2, 5, 6, 4]);
    assert_eq!(match_ids(&cli, "sort=kickoff_at&order=desc").await, vec![4, 6, 5, 2, 3, 1]);
    assert_eq!(match_ids(&cli, "sort=id").await, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(match_ids(&cli, "sort=id&order=desc").await, vec![6, 5, 4, 3, 2, 1]);
    assert_eq!(match_ids(&cli, "order=desc&league=SP1").await, vec![4, 3]);
}

/// Page, size and total.
fn assert_page_meta(body: &Json, page: u64, per_page: u64, total: u64) {
    let meta = &body["meta"];
    let got = (meta["page"].as_u64(), meta["per_page"].as_u64(), meta["total"].as_u64());
    assert_eq!(got, (Some(page), Some(per_page), Some(total)), "{meta}");
}

async fn offset_pagination_edges(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    let (_, body) = get(&cli, "/api/v1/matches").await;
    assert_page_meta(&body, 1, 20, 6);
    // The match list says when its total was counted (totals are cached).
    assert!(body["meta"]["total_as_of"].is_string(), "{}", body["meta"]);

    let (_, body) = get(&cli, "/api/v1/matches?page=2&per_page=4").await;
    assert_eq!(ids(&body["data"]), vec![6, 4], "the last page is short");
    assert_page_meta(&body, 2, 4, 6);

    let (status, body) = get(&cli, "/api/v1/matches?page=3&per_page=4").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body["data"]), Vec::<i64>::new(), "past the end is empty");
    assert_eq!(body["meta"]["total"], 6);

    let (_, body) = get(&cli, "/api/v1/matches?status=live").await;
    assert_eq!(body["meta"]["total"], 0, "an empty result");
    assert_eq!(ids(&body["data"]), Vec::<i64>::new());

    let (_, body) = get(&cli, "/api/v1/matches?per_page=100&league=E0").await;
    assert_page_meta(&body, 1, 100, 4);

    refused(&cli, "/api/v1/matches?per_page=101", "per_page").await;
    refused(&cli, "/api/v1/matches?per_page=500", "per_page").await;
    refused(&cli, "/api/v1/matches?per_page=0", "per_page").await;
    refused(&cli, "/api/v1/matches?page=0", "page").await;
    refused(&cli, "/api/v1/matches?page=-1", "page").await;
}

async fn cursor_pagination_walks_every_row_once(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    for (order, sort, expected) in [
        ("asc", "kickoff_at", vec![1, 3, 2, 5, 6, 4]),
        ("desc", "kickoff_at", vec![4, 6, 5, 2, 3, 1]),
        ("asc", "id", vec![1, 2, 3, 4, 5, 6]),
        ("desc", "id", vec![6, 5, 4, 3, 2, 1]),
    ] {
        for limit in [1, 2, 4, 6, 100] {
            let mut seen = Vec::new();
            let mut uri = format!("/api/v1/matches?limit={limit}&order={order}&sort={sort}");
            let mut pages = 0;
            loop {
                let (status, body) = get(&cli, &uri).await;
                assert_eq!(status, 200, "{uri}: {body}");
                assert_eq!(body["meta"]["limit"], limit);
                let page = ids(&body["data"]);
                assert!(page.len() <= limit as usize);
                seen.extend(page);
                pages += 1;
                assert!(pages <= 7, "the walk ends");
                match body["meta"]["next_cursor"].as_str() {
                    Some(c) => {
                        uri = format!("/api/v1/matches?limit={limit}&order={order}&sort={sort}&cursor={c}")
                    }
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{order} {sort} by {limit}");
        }
    }
    // Filters hold across pages; the first page alone has a cursor.
    let (_, body) = get(&cli, "/api/v1/matches?limit=1&team=3").await;
    assert_eq!(ids(&body["data"]), vec![3]);
    let c = body["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let (_, body) = get(&cli, &format!("/api/v1/matches?limit=1&team=3&cursor={c}")).await;
    assert_eq!(ids(&body["data"]), vec![4]);
    assert!(body["meta"]["next_cursor"].is_null());
    // An empty result has no next cursor.
    let (_, body) = get(&cli, "/api/v1/matches?limit=5&status=live").await;
    assert_eq!(body["meta"], serde_json::json!({"next_cursor": null, "limit": 5}));

    refused(&cli, "/api/v1/matches?cursor=garbage", "cursor").await;
    refused(&cli, "/api/v1/matches?cursor=12.x", "cursor").await;
    refused(&cli, "/api/v1/matches?cursor=", "cursor").await;
    refused(&cli, "/api/v1/matches?limit=0", "limit").await;
    refused(&cli, "/api/v1/matches?limit=101", "limit").await;
    refused(&cli, "/api/v1/matches?limit=5&page=2", "cursor").await;
}

async fn bad_input_is_a_validation_error(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    refused(&cli, "/api/v1/matches/abc", "id").await;
    refused(&cli, "/api/v1/matches/abc/odds", "id").await;
    refused(&cli, "/api/v1/matches?status=finishd", "status").await;
    refused(&cli, "/api/v1/matches?date_from=2024-13-01", "date_from").await;
    refused(&cli, "/api/v1/matches?date_to=yesterday", "date_to").await;
    refused(&cli, "/api/v1/matches?team=x", "team").await;
    refused(&cli, "/api/v1/matches?sort=name", "sort").await;
    refused(&cli, "/api/v1/matches?order=up", "order").await;
    refused(&cli, "/api/v1/matches/1/odds?market=corners", "market").await;
    refused(&cli, "/api/v1/matches/1/odds?latest=maybe", "latest").await;
    refused(&cli, "/api/v1/value-bets?status=open", "status").await;
    refused(&cli, "/api/v1/value-bets?min_edge=lots", "min_edge").await;
    refused(&cli, "/api/v1/value-bets?per_page=500", "per_page").await;
    refused(&cli, "/api/v1/teams/x", "id").await;
}

async fn one_match_and_missing_ones(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    let m = data(&cli, "/api/v1/matches/3").await;
    assert_eq!(m["id"], 3);
    assert_eq!(m["league"], "SP1");
    assert_eq!(m["home_team"]["name"], "Barcelona");
    assert_eq!(m["away_team"]["name"], "Real Madrid");
    for uri in [
        "/api/v1/matches/999",
        "/api/v1/matches/999/stats",
        "/api/v1/matches/999/odds",
        "/api/v1/matches/999/predictions",
        "/api/v1/teams/999",
    ] {
        let (status, body) = get(&cli, uri).await;
        assert_eq!(status, 404, "{uri}: {body}");
        assert_eq!(body["success"], false);
        assert_eq!(body["error"]["code"], "NOT_FOUND", "{uri}");
    }
    let (status, body) = get(&cli, "/api/v1/nothing-here").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
}

async fn match_stats_odds_and_predictions(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    let stats = data(&cli, "/api/v1/matches/1/stats").await;
    let teams: Vec<(i64, i64, f64)> = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["team_id"].as_i64().unwrap(), s["shots"].as_i64().unwrap(), s["xg"].as_f64().unwrap()))
        .collect();
    assert_eq!(teams, vec![(1, 14, 1.8), (2, 9, 0.7)]);
    assert_eq!(data(&cli, "/api/v1/matches/2/stats").await, serde_json::json!([]));

    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds").await), vec![2, 5, 4, 3, 1], "newest first");
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?bookmaker=Pinnacle").await), vec![4]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?market=over_under").await), vec![5]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?market=1x2&bookmaker=B365").await), vec![2, 3, 1]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?latest=true").await), vec![2, 5, 4, 3]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?latest=false").await).len(), 5);
    assert_eq!(
        ids(&data(&cli, "/api/v1/matches/1/odds?latest=true&bookmaker=B365&market=1x2").await),
        vec![2, 3]
    );
    let newest = &data(&cli, "/api/v1/matches/1/odds?latest=true&bookmaker=Pinnacle").await[0];
    assert_eq!(newest["market"], "1x2");
    assert_eq!(newest["selection"], "home");
    assert_eq!(newest["price"], 2.05);
    assert_eq!(data(&cli, "/api/v1/matches/2/odds").await, serde_json::json!([]));

    let preds = data(&cli, "/api/v1/matches/1/predictions").await;
    assert_eq!(ids(&preds), vec![2, 1], "newest first");
    assert_eq!(preds[0]["model_name"], "poisson");
    assert_eq!(preds[0]["model_version"], "v2");
    assert_eq!(preds[0]["p_home"], 0.5);
    assert_eq!(data(&cli, "/api/v1/matches/2/predictions").await, serde_json::json!([]));
}

async fn leagues_teams_and_value_bets(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    let leagues = data(&cli, "/api/v1/leagues").await;
    let codes: Vec<&str> = leagues.as_array().unwrap().iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["E0", "SP1"]);
    assert_eq!(leagues[1]["name"], "La Liga");

    let team = data(&cli, "/api/v1/teams/4").await;
    assert_eq!((team["name"].as_str(), team["league_id"].as_i64()), (Some("Real Madrid"), Some(2)));

    let (_, body) = get(&cli, "/api/v1/value-bets").await;
    assert_eq!(ids(&body["data"]), vec![2, 3, 1], "newest first");
    assert_page_meta(&body, 1, 20, 3);
    assert_eq!(body["data"][0]["status"], "won");
    assert_eq!(ids(&data(&cli, "/api/v1/value-bets?status=pending").await), vec![3, 1]);
    assert_eq!(ids(&data(&cli, "/api/v1/value-bets?status=void").await), Vec::<i64>::new());
    assert_eq!(ids(&data(&cli, "/api/v1/value-bets?min_edge=0.03").await), vec![2, 1]);
    assert_eq!(ids(&data(&cli, "/api/v1/value-bets?min_edge=0.05&status=pending").await), vec![1]);
    let (_, body) = get(&cli, "/api/v1/value-bets?per_page=2&page=2").await;
    assert_eq!(ids(&body["data"]), vec![1]);
    assert_page_meta(&body, 2, 2, 3);
    refused(&cli, "/api/v1/value-bets?page=0", "page").await;
}

async fn spec_docs_health_and_ready(engine: Engine) {
    let (_db, cli) = setup(engine).await;
    let (status, spec) = get(&cli, "/openapi.json").await;
    assert_eq!(status, 200);
    let paths = spec["paths"].as_object().unwrap();
    for p in [
        "/matches",
        "/matches/{id}",
        "/matches/{id}/stats",
        "/matches/{id}/odds",
        "/matches/{id}/predictions",
        "/leagues",
        "/teams/{id}",
        "/value-bets",
    ] {
        assert!(paths.contains_key(p), "{p} in {:?}", paths.keys());
    }
    assert_eq!(spec["servers"][0]["url"], "/api/v1");

    let resp = cli.get("/docs").send().await;
    resp.assert_status_is_ok();
    assert!(resp.0.into_body().into_string().await.unwrap().contains("swagger"));

    let (status, body) = get(&cli, "/health").await;
    assert_eq!((status, &body["data"]["status"]), (200, &Json::from("ok")));
    let (status, body) = get(&cli, "/ready").await;
    assert_eq!((status, &body["data"]["status"]), (200, &Json::from("ready")));
}

#[tokio::test]
async fn a_lost_database_is_503_on_ready_and_an_opaque_500_elsewhere() {
    let db = TestDb::new(Engine::Sqlite).await;
    let conn = db.conn.clone();
    let cli = TestClient::new(app(ApiState::new(conn.clone())));
    conn.close().await.unwrap();
    let (status, body) = get(&cli, "/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "INTERNAL");
    for uri in ["/api/v1/leagues", "/api/v1/matches", "/api/v1/matches/1"] {
        let (status, body) = get(&cli, uri).await;
        assert_eq!(status, 500, "{uri}: {body}");
        assert_eq!(
            body,
            serde_json::json!({"success": false, "error": {
                "code": "INTERNAL", "message": "internal server error", "details": null}}),
            "nothing about the cause leaks"
        );
    }
}
