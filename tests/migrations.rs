//! Migrations up → down → up on SQLite and PostgreSQL, and the schema they leave.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use entities::Engine;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

const TABLES: [&str; 23] = [
    "leagues",
    "teams",
    "team_aliases",
    "players",
    "matches",
    "match_stats",
    "odds_lines",
    "predictions",
    "value_bets",
    "model_versions",
    "news",
    "scrape_snapshots",
    "standings",
    "dead_letters",
    "telegram_subscriptions",
    "api_keys",
    "audit_log",
    "job_runs",
    "probe_runs",
    "alert_deliveries",
    "queue_pauses",
    "match_incidents",
    "webhooks",
];

async fn names(db: &TestDb, sql: &str) -> Vec<String> {
    let mut v = db.strings(sql).await;
    v.sort();
    v
}

/// The columns of `table`.
async fn columns(db: &TestDb, table: &str) -> Vec<String> {
    let sql = match db.engine {
        Engine::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
        Engine::Postgres => format!(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}'"
        ),
    };
    names(db, &sql).await
}

async fn tables(db: &TestDb) -> Vec<String> {
    let sql = match db.engine {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
        }
        Engine::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations'"
        }
    };
    names(db, sql).await
}

async fn views(db: &TestDb) -> Vec<String> {
    let sql = match db.engine {
        Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'view'",
        Engine::Postgres => "SELECT viewname::text FROM pg_views WHERE schemaname = 'public'",
    };
    names(db, sql).await
}

async fn indexes(db: &TestDb) -> Vec<String> {
    let sql = match db.engine {
        Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'",
        Engine::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'idx_%'"
        }
    };
    names(db, sql).await
}

/// PostgreSQL: the primary-key constraints of `odds_lines` and its replica identity
/// (`d` default, `i` an index).
async fn odds_lines_keys(db: &TestDb) -> (Vec<String>, String) {
    let pk =
        "SELECT conname::text FROM pg_constraint WHERE conrelid = 'odds_lines'::regclass AND contype = 'p'";
    let identity = "SELECT relreplident::text FROM pg_class WHERE oid = 'odds_lines'::regclass";
    (names(db, pk).await, names(db, identity).await.concat())
}

#[tokio::test]
async fn up_down_up_on_both_engines() {
    let mut expected: Vec<String> = TABLES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, None).await.unwrap();
        assert_eq!(tables(&db).await, expected, "{engine:?}");
        let idx = indexes(&db).await;
        for wanted in [
            "idx_matches_upcoming",
            "idx_odds_lines_match_recorded",
            "idx_value_bets_pending",
            "idx_predictions_match_model",
            "idx_matches_kickoff_order",
        ] {
            assert!(idx.iter().any(|i| i == wanted), "{wanted} missing on {engine:?}");
        }
        // Full-text search is PostgreSQL's only.
        assert_eq!(idx.iter().any(|i| i == "idx_news_fulltext"), engine == Engine::Postgres);

        // Down, newest first: the value bets' evidence, the recorded pauses, the alert
        // ledger, the delivery tables.
        let step_down = |gone: &'static [&'static str]| {
            let db = &db;
            async move {
                Migrator::down(&db.conn, Some(1)).await.unwrap();
                let left = tables(db).await;
                for table in gone {
                    assert!(!left.iter().any(|t| t == table), "{table} left after its migration's down");
                }
            }
        };
        // The teams' review mark, the newest, then webhooks and incidents.
        assert!(columns(&db, "teams").await.iter().any(|c| c == "reviewed_at"), "{engine:?}");
        step_down(&[]).await;
        assert!(!columns(&db, "teams").await.iter().any(|c| c == "reviewed_at"), "{engine:?}");
        step_down(&["webhooks"]).await;
        step_down(&["match_incidents"]).await;
        // The value bets' evidence.
        let evidence = ["p_model", "p_market", "price_seen_at", "rule"];
        let before = columns(&db, "value_bets").await;
        assert!(evidence.iter().all(|c| before.iter().any(|b| b == c)), "{engine:?}: {before:?}");
        step_down(&[]).await;
        let left = columns(&db, "value_bets").await;
        assert!(!evidence.iter().any(|c| left.iter().any(|l| l == c)), "{engine:?}: {left:?}");
        step_down(&["queue_pauses"]).await;
        step_down(&["alert_deliveries"]).await;
        step_down(&["job_runs", "probe_runs"]).await;
        assert!(!columns(&db, "dead_letters").await.iter().any(|c| c == "job_id"), "{engine:?}");

        // On PostgreSQL the lines are keyed by their natural key alone, which is also
        // what replicates their updates; down restores the primary key on `id`.
        if engine == Engine::Postgres {
            assert_eq!(odds_lines_keys(&db).await, (vec![], "i".to_string()));
            Migrator::down(&db.conn, Some(1)).await.unwrap();
            assert_eq!(odds_lines_keys(&db).await, (vec!["odds_lines_pkey".to_string()], "d".to_string()));
        } else {
            Migrator::down(&db.conn, Some(1)).await.unwrap();
        }
        // `odds` is a view over `odds_lines`; down brings back the table of one row per price.
        assert_eq!(views(&db).await, vec!["odds".to_string()], "{engine:?}");
        Migrator::down(&db.conn, Some(1)).await.unwrap();
        assert!(views(&db).await.is_empty(), "{engine:?}");
        let old = tables(&db).await;
        assert!(old.contains(&"odds".to_string()) && !old.contains(&"odds_lines".to_string()), "{old:?}");
        assert!(indexes(&db).await.iter().any(|i| i == "idx_odds_match_recorded"));
        Migrator::down(&db.conn, Some(1)).await.unwrap();
        assert!(!indexes(&db).await.iter().any(|i| i == "idx_matches_kickoff_order"));
        Migrator::down(&db.conn, Some(1)).await.unwrap();
        assert!(!tables(&db).await.contains(&"standings".to_string()));
        assert!(tables(&db).await.contains(&"audit_log".to_string()));
        Migrator::down(&db.conn, None).await.unwrap();
        assert_eq!(tables(&db).await, Vec::<String>::new(), "{engine:?}");
        assert!(Migrator::get_applied_migrations(&db.conn).await.unwrap().is_empty());

        Migrator::up(&db.conn, None).await.unwrap();
        assert_eq!(tables(&db).await, expected, "{engine:?}");
        assert_eq!(Migrator::get_pending_migrations(&db.conn).await.unwrap().len(), 0);
    }
}

#[tokio::test]
async fn partial_index_and_natural_keys_hold() {
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, None).await.unwrap();
        db.conn
            .execute_unprepared(
                "INSERT INTO leagues (code, name, external_ids) VALUES ('E0', 'Premier League', '{}');
                 INSERT INTO teams (name, external_ids) VALUES ('A', '{}'), ('B', '{}');",
            )
            .await
            .unwrap();
        let insert = "INSERT INTO matches (league_id, season, match_date, kickoff_at, home_team_id, away_team_id, status, external_ids, updated_at) \
                      VALUES (1, '2023-24', '2023-08-12', '2023-08-12T14:00:00+00:00', 1, 2, 'scheduled', '{}', '2023-08-01T00:00:00+00:00')";
        db.conn.execute_unprepared(insert).await.unwrap();
        let dup = db.conn.execute_unprepared(insert).await;
        assert!(dup.is_err(), "natural key of matches not unique on {engine:?}");
        // Foreign keys are enforced on both engines.
        let orphan =
            db.conn.execute_unprepared("INSERT INTO match_stats (match_id, team_id) VALUES (999, 1)").await;
        assert!(orphan.is_err(), "stats without a match accepted on {engine:?}");
    }
}

#[tokio::test]
async fn odds_rows_survive_the_move_to_price_lines_and_back() {
    let prices = "SELECT bookmaker || ' ' || market || ' ' || selection || ' ' || CAST(line AS TEXT) || ' ' \
                  || CAST(price AS TEXT) || ' ' || CAST(is_closing AS TEXT) FROM odds";
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, Some(6)).await.unwrap();
        db.conn
            .execute_unprepared(
                "INSERT INTO odds (match_id, bookmaker, market, selection, line, price, is_closing, recorded_at) VALUES
                 (1, 'bet365', '1x2', 'home', 0, 2.1, false, '2024-01-01T12:00:00+00:00'),
                 (1, 'bet365', '1x2', 'draw', 0, 3.4, false, '2024-01-01T12:00:00+00:00'),
                 (1, 'bet365', '1x2', 'away', 0, 3.9, false, '2024-01-01T12:00:00+00:00'),
                 (1, 'bet365', '1x2', 'home', 0, 2.0, true, '2024-01-02T12:00:00+00:00'),
                 (1, 'pinnacle', 'over_under', 'under', 2.5, 1.8, false, '2024-01-01T12:00:00+00:00'),
                 (2, 'pinnacle', 'asian_handicap', 'away', -0.5, 1.95, false, '2024-01-01T12:00:00+00:00')",
            )
            .await
            .unwrap();
        let before = names(&db, prices).await;
        assert_eq!(before.len(), 6);

        Migrator::up(&db.conn, None).await.unwrap();
        assert_eq!(names(&db, prices).await, before, "the view shows every price on {engine:?}");
        let lines = names(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM odds_lines").await;
        assert_eq!(lines, vec!["4".to_string()], "three prices of one quote share a line on {engine:?}");

        // The migrations after the price lines, the natural key, then the price lines.
        let after_price_lines = Migrator::migrations().len() as u32 - 6;
        Migrator::down(&db.conn, Some(after_price_lines)).await.unwrap();
        assert_eq!(views(&db).await, Vec::<String>::new());
        assert_eq!(names(&db, prices).await, before, "down restores the rows on {engine:?}");
    }
}
