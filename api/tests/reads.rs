//! The read API over a seeded database, on SQLite and PostgreSQL: every endpoint, every
//! filter, both sort orders, both paginations and their edges, and the error envelope.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::{ApiState, app};
use chrono::{DateTime, TimeZone, Utc};
use entities::Engine;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use poem::Endpoint;
use poem::test::TestClient;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Set, Statement, TransactionTrait, Value,
};
use serde_json::Value as Json;

#[macro_use]
mod common;

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
type LineSeed = (i64, &'static str, &'static str, f64, [Option<f64>; 4], DateTime<Utc>);

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
    // Stored as price lines; the `odds` view numbers a price line id × 8 + selection
    // (home 0, away 2, over 3): line 1 holds two prices, ids 8 and 10.
    let lines: [LineSeed; 4] = [
        (1, "B365", "1x2", 0.0, [Some(2.0), None, Some(3.5), None], t1),
        (2, "B365", "1x2", 0.0, [Some(2.1), None, None, None], t2),
        (3, "Pinnacle", "1x2", 0.0, [Some(2.05), None, None, None], t1),
        (4, "B365", "over_under", 2.5, [None, None, None, Some(1.9)], t1),
    ];
    for (id, book, market, line, [home, draw, away, over], when) in lines {
        exec(
            db,
            "INSERT INTO odds_lines (id, match_id, bookmaker, market, line, is_closing, recorded_at, \
             price_home, price_draw, price_away, price_over) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            vec![
                id.into(),
                book.into(),
                market.into(),
                line.into(),
                false.into(),
                when.into(),
                home.into(),
                draw.into(),
                away.into(),
                over.into(),
            ],
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

/// id, match, model, version, p_home, p_draw, p_away, made.
type PredictionSeed = (i64, i64, &'static str, &'static str, f64, f64, f64, DateTime<Utc>);
/// id, prediction, match, status, stake, price, edge, found.
type BetSeed = (i64, i64, i64, &'static str, f64, f64, f64, DateTime<Utc>);
/// id, team, name, position, market value, currency.
type PlayerSeed = (i64, Option<i64>, &'static str, &'static str, Option<f64>, Option<&'static str>);
/// id, title, summary, published, collected, mentioned teams.
type NewsSeed = (i64, &'static str, Option<&'static str>, Option<DateTime<Utc>>, DateTime<Utc>, Json);

/// What the later endpoints read, on top of `seed`: more forecasts and settled bets, a
/// team without matches, players, news and model versions. The new rows keep every
/// figure of the first seed's tests as it was.
///
/// Latest forecast of each finished match: match 1 (E0, 2024-08, 2-1) elo v1 and poisson
/// v2 at (.5, .3, .2); match 3 (SP1, 2024-09, 3-2) elo v1 at (.6, .2, .2), replacing
/// (.2, .3, .5); match 2 (E0, 2025-01, 0-0) elo v1 at (.5, .25, .25). Match 4 is not
/// played. Settled bets: 2 won .01 at 2.1 (E0, 2024-08), 4 lost .25 at 2.5 (SP1, 2024-09),
/// 5 won .5 at 3.0 and 6 void .5 at 2.0 (E0, 2025-01).
async fn seed_more(db: &TestDb) {
    exec(db, "INSERT INTO teams (id, name, league_id, external_ids) VALUES (5, 'Everton', 1, '{}')", vec![])
        .await;
    let preds: [PredictionSeed; 4] = [
        (3, 3, "elo", "v1", 0.2, 0.3, 0.5, at(2024, 8, 30, 12)),
        (4, 3, "elo", "v1", 0.6, 0.2, 0.2, at(2024, 8, 31, 12)),
        (5, 2, "elo", "v1", 0.5, 0.25, 0.25, at(2025, 1, 4, 12)),
        (6, 4, "elo", "v2", 0.4, 0.3, 0.3, at(2025, 8, 30, 12)),
    ];
    for (id, m, model, version, ph, pd, pa, when) in preds {
        exec(
            db,
            "INSERT INTO predictions (id, match_id, model_name, model_version, p_home, p_draw, p_away, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![id.into(), m.into(), model.into(), version.into(), ph.into(), pd.into(), pa.into(), when.into()],
        )
        .await;
    }
    let bets: [BetSeed; 3] = [
        (4, 4, 3, "lost", 0.25, 2.5, 0.05, at(2024, 8, 31, 13)),
        (5, 5, 2, "won", 0.5, 3.0, 0.1, at(2025, 1, 4, 13)),
        (6, 5, 2, "void", 0.5, 2.0, 0.04, at(2025, 1, 4, 14)),
    ];
    for (id, pred, m, status, stake, price, edge, when) in bets {
        exec(
            db,
            "INSERT INTO value_bets (id, prediction_id, match_id, selection, bookmaker, price, edge, kelly_stake, \
             status, created_at) VALUES ($1, $2, $3, 'home', 'B365', $4, $5, $6, $7, $8)",
            vec![
                id.into(),
                pred.into(),
                m.into(),
                price.into(),
                edge.into(),
                stake.into(),
                status.into(),
                when.into(),
            ],
        )
        .await;
    }
    let players: [PlayerSeed; 6] = [
        (1, Some(1), "Bukayo Saka", "Forward", Some(120.0), Some("EUR")),
        (2, Some(1), "David Raya", "Goalkeeper", None, None),
        (3, Some(2), "Cole Palmer", "Midfielder", None, None),
        (4, Some(3), "Pedri", "Midfielder", None, None),
        (5, None, "Tom_Kane", "Defender", None, None),
        (6, Some(5), "Sam Kane", "Defender", None, None),
    ];
    for (id, team, name, position, value, currency) in players {
        exec(
            db,
            "INSERT INTO players (id, team_id, name, position, market_value, currency, external_ids) \
             VALUES ($1, $2, $3, $4, $5, $6, '{}')",
            vec![id.into(), team.into(), name.into(), position.into(), value.into(), currency.into()],
        )
        .await;
    }
    let collected = at(2024, 8, 5, 9);
    let news: [NewsSeed; 4] = [
        (
            1,
            "Arsenal complete transfer of striker",
            Some("The club confirmed the deal on Friday."),
            Some(at(2024, 8, 1, 10)),
            collected,
            serde_json::json!([1]),
        ),
        (
            2,
            "Chelsea injury update",
            Some("Palmer is fit again after a transfer saga"),
            Some(at(2024, 8, 3, 10)),
            collected,
            serde_json::json!([2, 1]),
        ),
        (3, "Barcelona win 50% of duels", None, Some(at(2024, 8, 2, 10)), collected, serde_json::json!([3])),
        (
            4,
            "Real Madrid transfers window review",
            Some("Busy summer"),
            None,
            at(2024, 8, 4, 9),
            serde_json::json!([4]),
        ),
    ];
    for (id, title, summary, published, created, mentions) in news {
        exec(
            db,
            "INSERT INTO news (id, source, url, title, summary, published_at, team_mentions, created_at) \
             VALUES ($1, 'bbc', $2, $3, $4, $5, $6, $7)",
            vec![
                id.into(),
                format!("https://news.example/{id}").into(),
                title.into(),
                summary.into(),
                published.into(),
                mentions.into(),
                created.into(),
            ],
        )
        .await;
    }
    let models: [ModelSeed; 3] = [
        (1, "elo", "v1", r#"{"k": 20}"#, r#"{"rps": 0.2}"#, false, at(2024, 7, 1, 0)),
        (2, "elo", "v2", r#"{"k": 24}"#, r#"{"rps": 0.19}"#, true, at(2024, 9, 1, 0)),
        (3, "poisson", "v2", r#"{"max_goals": 10}"#, "{}", true, at(2024, 8, 1, 0)),
    ];
    for (id, name, version, params, metrics, active, when) in models {
        exec(
            db,
            "INSERT INTO model_versions (id, name, version, params, metrics, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                id.into(),
                name.into(),
                version.into(),
                serde_json::from_str::<Json>(params).unwrap().into(),
                serde_json::from_str::<Json>(metrics).unwrap().into(),
                active.into(),
                when.into(),
            ],
        )
        .await;
    }
}

/// id, name, version, params, metrics (both JSON), active, registered.
type ModelSeed = (i64, &'static str, &'static str, &'static str, &'static str, bool, DateTime<Utc>);

/// `setup` with `seed_more` too.
async fn setup_more(engine: Engine) -> (TestDb, TestClient<impl Endpoint>) {
    let (db, cli) = setup(engine).await;
    seed_more(&db).await;
    (db, cli)
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

/// `value` is `expected` up to rounding.
fn close(value: &Json, expected: f64) {
    let v = value.as_f64().unwrap_or_else(|| panic!("{value} is not a number"));
    assert!((v - expected).abs() < 1e-12, "{v} is not {expected}");
}

/// The ids of a 200 answer's data and its page meta.
async fn page<E: Endpoint>(cli: &TestClient<E>, uri: &str) -> (Vec<i64>, Json) {
    let (status, body) = get(cli, uri).await;
    assert_eq!(status, 200, "{uri}: {body}");
    let mut meta = body["meta"].clone();
    // When a cached total was counted is checked where it matters, not in every page.
    if let Some(m) = meta.as_object_mut() {
        m.remove("total_as_of");
    }
    (ids(&body["data"]), meta)
}

fn meta(page: u64, per_page: u64, total: u64) -> Json {
    serde_json::json!({"page": page, "per_page": per_page, "total": total})
}

/// A 404 NOT_FOUND.
async fn missing<E: Endpoint>(cli: &TestClient<E>, uri: &str) {
    let (status, body) = get(cli, uri).await;
    assert_eq!(status, 404, "{uri}: {body}");
    assert_eq!(
        (body["success"].as_bool(), body["error"]["code"].as_str()),
        (Some(false), Some("NOT_FOUND")),
        "{uri}"
    );
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
    prediction_list_filters_and_pages,
    value_bets_by_league_and_their_summary,
    team_matches_and_form,
    player_list_filters_and_one_player,
    news_search_team_filter_and_pages,
    model_performance_by_month_and_season,
    value_bet_returns_by_league_and_month,
    model_registry_and_active_versions,
    later_endpoints_refuse_bad_input_and_unknown_ids,
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

    // Offsets past the databases' signed 64-bit bound are refused on every offset list;
    // the last page below it is merely empty.
    let last = i64::MAX as u64 / 20 + 1;
    for list in ["matches", "predictions", "value-bets", "players", "news", "teams/1/matches"] {
        refused(&cli, &format!("/api/v1/{list}?page={}", u64::MAX), "page").await;
        refused(&cli, &format!("/api/v1/{list}?page={}", last + 1), "page").await;
        let (status, body) = get(&cli, &format!("/api/v1/{list}?page={last}")).await;
        assert_eq!(status, 200, "{list}: {body}");
        assert_eq!(body["data"].as_array().map(Vec::len), Some(0), "{list}: {body}");
    }
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
    // Absent fields are left out rather than null: the last page has no `next_cursor`.
    assert_eq!(body["meta"], serde_json::json!({"limit": 5}));

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

    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds").await), vec![16, 35, 24, 10, 8], "newest first");
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?bookmaker=Pinnacle").await), vec![24]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?market=over_under").await), vec![35]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?market=1x2&bookmaker=B365").await), vec![16, 10, 8]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?latest=true").await), vec![16, 35, 24, 10]);
    assert_eq!(ids(&data(&cli, "/api/v1/matches/1/odds?latest=false").await).len(), 5);
    assert_eq!(
        ids(&data(&cli, "/api/v1/matches/1/odds?latest=true&bookmaker=B365&market=1x2").await),
        vec![16, 10]
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
        "/predictions",
        "/value-bets/summary",
        "/teams/{id}/matches",
        "/teams/{id}/form",
        "/players",
        "/players/{id}",
        "/news",
        "/analytics/models",
        "/analytics/value-bets",
        "/models",
        "/models/active",
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

async fn prediction_list_filters_and_pages(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    let (got, m) = page(&cli, "/api/v1/predictions").await;
    assert_eq!(got, vec![6, 5, 4, 3, 2, 1], "newest first");
    assert_eq!(m, meta(1, 20, 6));
    let p = &data(&cli, "/api/v1/predictions?per_page=1&page=3").await[0];
    assert_eq!(p["id"], 4);
    assert_eq!(p["match_id"], 3);
    assert_eq!((p["model_name"].as_str(), p["model_version"].as_str()), (Some("elo"), Some("v1")));
    assert_eq!(
        (p["p_home"].as_f64(), p["p_draw"].as_f64(), p["p_away"].as_f64()),
        (Some(0.6), Some(0.2), Some(0.2))
    );
    assert!(p["expected_home_goals"].is_null());

    let q = |s: &str| format!("/api/v1/predictions?{s}");
    assert_eq!(page(&cli, &q("model=elo")).await.0, vec![6, 5, 4, 3, 1]);
    assert_eq!(page(&cli, &q("version=v2")).await.0, vec![6, 2]);
    assert_eq!(page(&cli, &q("model=elo&version=v1")).await.0, vec![5, 4, 3, 1]);
    // The dates are the matches': 1 on 2024-08-10, 3 on 2024-09-01, 2 on 2025-01-05,
    // 4 on 2025-09-01, whenever the forecast was made.
    assert_eq!(page(&cli, &q("date_from=2024-09-01")).await.0, vec![6, 5, 4, 3]);
    assert_eq!(page(&cli, &q("date_to=2024-08-31")).await.0, vec![2, 1]);
    assert_eq!(page(&cli, &q("date_from=2025-01-01&date_to=2025-06-30")).await.0, vec![5]);
    assert_eq!(page(&cli, &q("date_from=2025-01-05&date_to=2025-01-05&model=elo")).await.0, vec![5]);
    let (got, m) = page(&cli, &q("model=xgb")).await;
    assert_eq!((got, m), (vec![], meta(1, 20, 0)), "an empty result");
    let (got, m) = page(&cli, &q("per_page=4&page=2")).await;
    assert_eq!((got, m), (vec![2, 1], meta(2, 4, 6)));
    let (got, m) = page(&cli, &q("model=elo&per_page=2&page=2")).await;
    assert_eq!((got, m), (vec![4, 3], meta(2, 2, 5)));
}

async fn value_bets_by_league_and_their_summary(engine: Engine) {
    let (db, cli) = setup_more(engine).await;
    let q = |s: &str| format!("/api/v1/value-bets?{s}");
    assert_eq!(page(&cli, &q("league=E0")).await, (vec![6, 5, 2, 3, 1], meta(1, 20, 5)));
    assert_eq!(page(&cli, &q("league=SP1")).await, (vec![4], meta(1, 20, 1)));
    assert_eq!(page(&cli, &q("league=XX")).await, (vec![], meta(1, 20, 0)));
    assert_eq!(page(&cli, &q("league=E0&status=won")).await.0, vec![5, 2]);
    assert_eq!(page(&cli, &q("league=E0&min_edge=0.05")).await.0, vec![5, 1]);
    assert_eq!(page(&cli, &q("league=E0&per_page=2&page=2")).await, (vec![2, 3], meta(2, 2, 5)));

    let all = data(&cli, "/api/v1/value-bets/summary").await;
    assert_eq!(all["counts"], serde_json::json!({"pending": 2, "won": 2, "lost": 1, "void": 1}));
    assert_eq!((all["total"].as_u64(), all["settled"].as_u64()), (Some(6), Some(4)));
    close(&all["staked"], 0.01 + 0.25 + 0.5 + 0.5);
    close(&all["profit"], 0.01 * 1.1 - 0.25 + 0.5 * 2.0);
    close(&all["roi"], 0.761 / 1.26);

    let e0 = data(&cli, "/api/v1/value-bets/summary?league=E0").await;
    assert_eq!(e0["counts"], serde_json::json!({"pending": 2, "won": 2, "lost": 0, "void": 1}));
    assert_eq!((e0["total"].as_u64(), e0["settled"].as_u64()), (Some(5), Some(3)));
    close(&e0["staked"], 1.01);
    close(&e0["profit"], 1.011);
    close(&e0["roi"], 1.011 / 1.01);

    let sp1 = data(&cli, "/api/v1/value-bets/summary?league=SP1").await;
    assert_eq!(
        sp1,
        serde_json::json!({"counts": {"pending": 0, "won": 0, "lost": 1, "void": 0},
            "total": 1, "settled": 1, "staked": 0.25, "profit": -0.25, "roi": -1.0, "rule_source": "validated"})
    );
    let none = data(&cli, "/api/v1/value-bets/summary?league=XX").await;
    assert_eq!(
        none,
        serde_json::json!({"counts": {"pending": 0, "won": 0, "lost": 0, "void": 0},
            "total": 0, "settled": 0, "staked": 0.0, "profit": 0.0, "rule_source": "validated"}),
        "nothing settled: no ROI"
    );

    // Beside the live record, the rule the active version's training validated.
    // Ids past the seeded versions' (inserted with explicit ids, which PostgreSQL's
    // sequence does not see).
    let named =
        |id: i64, name: &str, v: &str, metrics: serde_json::Value| entities::model_versions::ActiveModel {
            id: Set(id),
            name: Set(name.into()),
            version: Set(v.into()),
            params: Set(serde_json::json!({})),
            metrics: Set(metrics),
            artifact: Set(None),
            active: Set(true),
            created_at: Set(chrono::Utc::now()),
        };
    let validated = serde_json::json!({"value_rule": {
        "rule": {"rule": {"min_edge": 0.03, "max_edge": 0.3, "min_price": 2.0, "max_price": 15.0, "leagues": ["E0"]},
                 "validation": {"bets": 130, "won": 40, "clv": 0.045, "clv_bets": 119, "price_ratio": 0.06,
                                "profit": -3.0, "roi": -0.023},
                 "model": "blend",
                 "walk_forward": {"bets": 188, "clv": 0.0098, "clv_low": -0.0093, "clv_high": 0.0297, "roi": -0.0465}},
        "verdict": "Current rule: edge 3% to 30%"}});
    let version = |id: i64, v: &str, metrics: serde_json::Value| named(id, "kickoff", v, metrics);
    version(1001, "v1", validated).insert(&db.conn).await.unwrap();
    let with = data(&cli, "/api/v1/value-bets/summary").await;
    assert_eq!(
        with["backtested"],
        serde_json::json!({"version": "v1", "found": true, "min_edge": 0.03, "max_edge": 0.3, "min_price": 2.0,
            "max_price": 15.0, "leagues": ["E0"], "bets": 188, "clv": 0.0098, "clv_low": -0.0093,
            "clv_high": 0.0297, "roi": -0.0465,
            "verdict": "Current rule: edge 3% to 30%"})
    );
    entities::model_versions::Entity::update_many()
        .col_expr(entities::model_versions::Column::Active, sea_orm::sea_query::Expr::value(false))
        .exec(&db.conn)
        .await
        .unwrap();
    let none_held =
        serde_json::json!({"value_rule": {"rule": null, "verdict": "Kickoff alerts no value bet."}});
    version(1002, "v2", none_held).insert(&db.conn).await.unwrap();
    // Another registry name's active version, newer, is not the served model's.
    let other = serde_json::json!({"value_rule": {"rule": null, "verdict": "not this one"}});
    named(1003, "experiment", "v9", other).insert(&db.conn).await.unwrap();
    let without = data(&cli, "/api/v1/value-bets/summary").await;
    assert_eq!(
        without["backtested"],
        serde_json::json!({"version": "v2", "found": false, "min_edge": null, "max_edge": null, "min_price": null,
            "max_price": null, "leagues": [], "bets": null, "clv": null, "clv_low": null, "clv_high": null,
            "roi": null,
            "verdict": "Kickoff alerts no value bet."})
    );

    // A deployment with `rule = "fixed"` and another model name says so.
    let fixed =
        api::value_bets::FixedRule { min_edge: 0.03, max_edge: 0.15, min_price: 1.5, max_price: 10.0 };
    let served = api::state::ServedRule { model_name: "experiment".into(), fixed: Some(fixed) };
    let cli = TestClient::new(app(ApiState::new(db.conn.clone()).with_served_rule(served)));
    let f = data(&cli, "/api/v1/value-bets/summary").await;
    assert_eq!(f["rule_source"], "fixed");
    assert_eq!(
        f["fixed_rule"],
        serde_json::json!({"min_edge": 0.03, "max_edge": 0.15, "min_price": 1.5, "max_price": 10.0})
    );
    assert_eq!(
        (f["backtested"]["version"].as_str(), f["backtested"]["verdict"].as_str()),
        (Some("v9"), Some("not this one"))
    );
}

async fn team_matches_and_form(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    let q = |s: &str| format!("/api/v1/teams/1/matches?{s}");
    let (status, body) = get(&cli, &q("")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body["data"]), vec![6, 5, 2, 1], "home and away, newest first");
    assert_page_meta(&body, 1, 20, 4);
    assert!(body["meta"]["total_as_of"].is_string(), "{}", body["meta"]);
    let m = &body["data"][2];
    assert_eq!((m["league"].as_str(), m["status"].as_str()), (Some("E0"), Some("finished")));
    assert_eq!(m["home_team"], serde_json::json!({"id": 2, "name": "Chelsea"}));
    assert_eq!((m["home_goals"].as_i64(), m["away_goals"].as_i64()), (Some(0), Some(0)));
    assert_eq!(page(&cli, &q("status=finished")).await, (vec![2, 1], meta(1, 20, 2)));
    assert_eq!(page(&cli, &q("status=postponed")).await.0, vec![6]);
    assert_eq!(page(&cli, &q("status=live")).await, (vec![], meta(1, 20, 0)));
    assert_eq!(page(&cli, &q("per_page=3&page=2")).await, (vec![1], meta(2, 3, 4)));
    assert_eq!(page(&cli, "/api/v1/teams/4/matches").await.0, vec![4, 3]);
    assert_eq!(page(&cli, "/api/v1/teams/5/matches").await, (vec![], meta(1, 20, 0)), "no matches");

    let form = data(&cli, "/api/v1/teams/1/form").await;
    assert_eq!(
        form,
        serde_json::json!({
            "team_id": 1,
            "matches": [
                {"match_id": 2, "kickoff_at": form["matches"][0]["kickoff_at"], "venue": "away",
                 "opponent": {"id": 2, "name": "Chelsea"}, "goals_for": 0, "goals_against": 0, "result": "D"},
                {"match_id": 1, "kickoff_at": form["matches"][1]["kickoff_at"], "venue": "home",
                 "opponent": {"id": 2, "name": "Chelsea"}, "goals_for": 2, "goals_against": 1, "result": "W"},
            ],
            "points": 4,
            "form": "DW",
        })
    );
    let kickoff =
        |i: usize| DateTime::parse_from_rfc3339(form["matches"][i]["kickoff_at"].as_str().unwrap()).unwrap();
    assert_eq!((kickoff(0), kickoff(1)), (at(2025, 1, 5, 16).into(), at(2024, 8, 10, 15).into()));
    let short = |f: &Json| (f["form"].as_str().unwrap().to_owned(), f["points"].as_u64().unwrap(), ids_of(f));
    fn ids_of(f: &Json) -> Vec<i64> {
        f["matches"].as_array().unwrap().iter().map(|m| m["match_id"].as_i64().unwrap()).collect()
    }
    assert_eq!(short(&data(&cli, "/api/v1/teams/1/form?last=1").await), ("D".into(), 1, vec![2]));
    assert_eq!(short(&data(&cli, "/api/v1/teams/1/form?last=20").await), ("DW".into(), 4, vec![2, 1]));
    assert_eq!(short(&data(&cli, "/api/v1/teams/2/form").await), ("DL".into(), 1, vec![2, 1]));
    assert_eq!(short(&data(&cli, "/api/v1/teams/3/form").await), ("W".into(), 3, vec![3]));
    assert_eq!(short(&data(&cli, "/api/v1/teams/4/form").await), ("L".into(), 0, vec![3]));
    assert_eq!(
        short(&data(&cli, "/api/v1/teams/5/form").await),
        (String::new(), 0, vec![]),
        "nothing played"
    );
}

async fn player_list_filters_and_one_player(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    let q = |s: &str| format!("/api/v1/players?{s}");
    assert_eq!(page(&cli, &q("")).await, (vec![1, 3, 2, 4, 6, 5], meta(1, 20, 6)), "by name");
    assert_eq!(page(&cli, &q("team=1")).await.0, vec![1, 2]);
    assert_eq!(page(&cli, &q("position=midfielder")).await.0, vec![3, 4], "any case");
    assert_eq!(page(&cli, &q("position=MIDFIELDER&team=3")).await.0, vec![4]);
    assert_eq!(page(&cli, &q("name=kane")).await.0, vec![6, 5]);
    assert_eq!(page(&cli, &q("name=PALMER")).await.0, vec![3]);
    assert_eq!(page(&cli, &q("name=m_k")).await.0, vec![5], "`_` is a plain character");
    assert_eq!(page(&cli, &q("name=%25")).await.0, Vec::<i64>::new(), "so is `%`");
    assert_eq!(page(&cli, &q("team=2&position=goalkeeper")).await, (vec![], meta(1, 20, 0)));
    assert_eq!(page(&cli, &q("per_page=4&page=2")).await, (vec![6, 5], meta(2, 4, 6)));

    assert_eq!(
        data(&cli, "/api/v1/players/1").await,
        serde_json::json!({"id": 1, "team_id": 1, "name": "Bukayo Saka", "position": "Forward",
            "market_value": 120.0, "currency": "EUR"})
    );
    let free = data(&cli, "/api/v1/players/5").await;
    assert_eq!((free["name"].as_str(), free["team_id"].is_null()), (Some("Tom_Kane"), true));
}

async fn news_search_team_filter_and_pages(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    let q = |s: &str| format!("/api/v1/news?{s}");
    let (status, body) = get(&cli, &q("")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body["data"]), vec![4, 2, 3, 1], "newest first, by publication else collection");
    assert_eq!(body["meta"], meta(1, 20, 4));
    let n = &body["data"][1];
    assert_eq!(
        (n["title"].as_str(), n["summary"].as_str(), n["source"].as_str(), n["url"].as_str()),
        (
            Some("Chelsea injury update"),
            Some("Palmer is fit again after a transfer saga"),
            Some("bbc"),
            Some("https://news.example/2")
        )
    );
    assert_eq!(n["team_mentions"], serde_json::json!([2, 1]));
    assert!(body["data"][0]["published_at"].is_null());

    // Both engines agree here: a word in a title or a summary, any case or ending.
    assert_eq!(page(&cli, &q("q=transfer")).await, (vec![4, 2, 1], meta(1, 20, 3)));
    assert_eq!(page(&cli, &q("q=TRANSFER")).await.0, vec![4, 2, 1]);
    assert_eq!(page(&cli, &q("q=50%25")).await.0, vec![3]);
    assert_eq!(page(&cli, &q("q=_")).await.0, Vec::<i64>::new(), "`_` is no wildcard");
    assert_eq!(page(&cli, &q("q=zebra")).await, (vec![], meta(1, 20, 0)));
    assert_eq!(page(&cli, &q("q=transfer&per_page=2&page=2")).await, (vec![1], meta(2, 2, 3)));
    // Full text takes the words apart; a substring keeps them together.
    let apart = page(&cli, &q("q=arsenal%20transfer")).await.0;
    match engine {
        Engine::Postgres => assert_eq!(apart, vec![1]),
        Engine::Sqlite => assert_eq!(apart, Vec::<i64>::new()),
    }

    assert_eq!(page(&cli, &q("team=1")).await.0, vec![2, 1]);
    assert_eq!(page(&cli, &q("team=4")).await.0, vec![4]);
    assert_eq!(page(&cli, &q("team=3&q=duels")).await.0, vec![3]);
    assert_eq!(page(&cli, &q("team=2&q=duels")).await.0, Vec::<i64>::new());
    assert_eq!(page(&cli, &q("team=5")).await, (vec![], meta(1, 20, 0)));
    assert_eq!(page(&cli, &q("per_page=1&page=2")).await, (vec![2], meta(2, 1, 4)));
}

/// Every figure worked out by hand from `seed_more`'s forecasts; RPS over (home, draw,
/// away) is half the squared gaps of the cumulative forecast and result at home and at
/// home-or-draw.
async fn model_performance_by_month_and_season(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    let rows = |d: Json| -> Vec<(String, String, String, u64)> {
        d.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_owned();
                (s("model_name"), s("model_version"), s("period"), r["n"].as_u64().unwrap())
            })
            .collect()
    };
    let key = |m: &str, v: &str, p: &str, n: u64| (m.to_owned(), v.to_owned(), p.to_owned(), n);

    let by_month = data(&cli, "/api/v1/analytics/models").await;
    assert_eq!(data(&cli, "/api/v1/analytics/models?period=month").await, by_month);
    assert_eq!(
        rows(by_month.clone()),
        vec![
            key("elo", "v1", "2024-08", 1),
            key("elo", "v1", "2024-09", 1),
            key("elo", "v1", "2025-01", 1),
            key("poisson", "v2", "2024-08", 1),
        ],
        "match 4 is not played yet, so elo v2 has nothing to score"
    );
    // Match 1, home win, (.5, .3, .2): ((.5−1)² + (.8−1)²)/2.
    close(&by_month[0]["rps"], 0.145);
    close(&by_month[0]["log_loss"], 2f64.ln());
    close(&by_month[0]["accuracy"], 1.0);
    // Match 3, home win, the latest forecast (.6, .2, .2): ((.6−1)² + (.8−1)²)/2.
    close(&by_month[1]["rps"], 0.1);
    close(&by_month[1]["log_loss"], -(0.6f64.ln()));
    close(&by_month[1]["accuracy"], 1.0);
    // Match 2, a draw, (.5, .25, .25): ((.5−0)² + (.75−1)²)/2; home was the favourite.
    close(&by_month[2]["rps"], 0.15625);
    close(&by_month[2]["log_loss"], 4f64.ln());
    close(&by_month[2]["accuracy"], 0.0);
    close(&by_month[3]["rps"], 0.145);

    let by_season = data(&cli, "/api/v1/analytics/models?period=season").await;
    assert_eq!(
        rows(by_season.clone()),
        vec![key("elo", "v1", "2024-25", 3), key("poisson", "v2", "2024-25", 1)]
    );
    close(&by_season[0]["rps"], (0.145 + 0.1 + 0.15625) / 3.0);
    close(&by_season[0]["log_loss"], (2f64.ln() - 0.6f64.ln() + 4f64.ln()) / 3.0);
    close(&by_season[0]["accuracy"], 2.0 / 3.0);
    close(&by_season[1]["log_loss"], 2f64.ln());

    assert_eq!(
        rows(data(&cli, "/api/v1/analytics/models?model=poisson&period=season").await),
        vec![key("poisson", "v2", "2024-25", 1)]
    );
    assert_eq!(data(&cli, "/api/v1/analytics/models?model=xgb").await, serde_json::json!([]));
}

async fn value_bet_returns_by_league_and_month(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    let got = data(&cli, "/api/v1/analytics/value-bets").await;
    let keys: Vec<(&str, &str, u64)> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["league"].as_str().unwrap(), r["month"].as_str().unwrap(), r["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        keys,
        vec![("E0", "2024-08", 1), ("E0", "2025-01", 2), ("SP1", "2024-09", 1)],
        "pending bets left out"
    );
    // Bet 2 won .01 at 2.1.
    close(&got[0]["staked"], 0.01);
    close(&got[0]["profit"], 0.011);
    close(&got[0]["roi"], 1.1);
    // Bet 5 won .5 at 3.0, bet 6 was void: staked but returned.
    assert_eq!(
        (got[1]["staked"].as_f64(), got[1]["profit"].as_f64(), got[1]["roi"].as_f64()),
        (Some(1.0), Some(1.0), Some(1.0))
    );
    assert_eq!(
        data(&cli, "/api/v1/analytics/value-bets?league=SP1").await,
        serde_json::json!([{"league": "SP1", "month": "2024-09", "n": 1, "staked": 0.25, "profit": -0.25, "roi": -1.0}])
    );
    assert_eq!(data(&cli, "/api/v1/analytics/value-bets?league=XX").await, serde_json::json!([]));
}

async fn model_registry_and_active_versions(engine: Engine) {
    let (db, cli) = setup(engine).await;
    assert_eq!(data(&cli, "/api/v1/models").await, serde_json::json!([]), "an empty registry");
    missing(&cli, "/api/v1/models/active").await;

    seed_more(&db).await;
    let all = data(&cli, "/api/v1/models").await;
    assert_eq!(ids(&all), vec![2, 3, 1], "newest first");
    let v2 = &all[0];
    assert_eq!(
        (v2["name"].as_str(), v2["version"].as_str(), v2["active"].as_bool()),
        (Some("elo"), Some("v2"), Some(true))
    );
    assert_eq!(
        (&v2["params"], &v2["metrics"]),
        (&serde_json::json!({"k": 24}), &serde_json::json!({"rps": 0.19}))
    );
    assert_eq!(DateTime::parse_from_rfc3339(v2["created_at"].as_str().unwrap()).unwrap(), at(2024, 9, 1, 0));
    assert_eq!(all[2]["active"], false);

    assert_eq!(ids(&data(&cli, "/api/v1/models/active").await), vec![2, 3], "one per model, by name");
    assert_eq!(ids(&data(&cli, "/api/v1/models/active?name=poisson").await), vec![3]);
    assert_eq!(data(&cli, "/api/v1/models/active?name=elo").await[0]["version"], "v2");
    missing(&cli, "/api/v1/models/active?name=xgb").await;
    exec(&db, "UPDATE model_versions SET active = $1", vec![false.into()]).await;
    missing(&cli, "/api/v1/models/active").await;
}

async fn later_endpoints_refuse_bad_input_and_unknown_ids(engine: Engine) {
    let (_db, cli) = setup_more(engine).await;
    for (uri, field) in [
        ("/api/v1/predictions?date_from=2024-02-30", "date_from"),
        ("/api/v1/predictions?date_to=soon", "date_to"),
        ("/api/v1/predictions?date_from=2025-01-02&date_to=2025-01-01", "date_to"),
        ("/api/v1/predictions?per_page=0", "per_page"),
        ("/api/v1/value-bets?league=E0&page=0", "page"),
        ("/api/v1/teams/x/matches", "id"),
        ("/api/v1/teams/1/matches?status=done", "status"),
        ("/api/v1/teams/1/matches?per_page=101", "per_page"),
        ("/api/v1/teams/x/form", "id"),
        ("/api/v1/teams/1/form?last=0", "last"),
        ("/api/v1/teams/1/form?last=21", "last"),
        ("/api/v1/teams/1/form?last=x", "last"),
        ("/api/v1/players?team=x", "team"),
        ("/api/v1/players?page=0", "page"),
        ("/api/v1/players/x", "id"),
        ("/api/v1/news?q=%20", "q"),
        ("/api/v1/news?q=", "q"),
        ("/api/v1/news?team=x", "team"),
        ("/api/v1/news?per_page=101", "per_page"),
        ("/api/v1/analytics/models?period=week", "period"),
    ] {
        refused(&cli, uri, field).await;
    }
    for uri in ["/api/v1/teams/999/matches", "/api/v1/teams/999/form", "/api/v1/players/999"] {
        missing(&cli, uri).await;
    }
}

/// The search's expression is the one the GIN index holds, so PostgreSQL can answer it
/// from the index rather than by reading every article.
#[tokio::test]
async fn the_news_search_is_served_by_the_fulltext_index_on_postgres() {
    let db = TestDb::new(Engine::Postgres).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let txn = db.conn.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
    let sql = format!("EXPLAIN SELECT id FROM news WHERE {}", api::news::POSTGRES_FULLTEXT);
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, ["transfer".into()]);
    let plan: Vec<String> =
        txn.query_all_raw(stmt).await.unwrap().iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
    assert!(plan.iter().any(|l| l.contains("idx_news_fulltext")), "{plan:#?}");
}
