//! football-data.co.uk import against real databases: every sample file on SQLite and
//! PostgreSQL, idempotency, exact values, and a corpus of bad inputs.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use entities::Engine;
use entities::testing::TestDb;
use indicatif::ProgressBar;
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use sources::football_data::RowError;
use workers::process::football_data::{ImportSummary, import_bytes, import_paths};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/football-data")
}

fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "sample data missing");
    files
}

/// Data rows of a CSV: non-empty lines after the header.
fn data_rows(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).filter(|l| !l.trim().is_empty()).count() as u64
}

async fn migrated(engine: Engine) -> TestDb {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    db
}

async fn import(db: &TestDb, paths: &[PathBuf]) -> ImportSummary {
    import_paths(&db.conn, paths, &ProgressBar::hidden()).await.unwrap()
}

const TABLES: [&str; 7] = ["leagues", "teams", "team_aliases", "matches", "match_stats", "odds", "players"];

async fn counts(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        out.push(db.count(t).await);
    }
    out
}

const ARSENAL_FOREST: &str = "SELECT m.id FROM matches m \
    JOIN teams h ON h.id = m.home_team_id JOIN teams a ON a.id = m.away_team_id \
    WHERE h.name = 'Arsenal' AND a.name = 'Nott''m Forest' AND m.season = '2023-24'";

fn price_sql(bookmaker: &str, market: &str, selection: &str, closing: bool) -> String {
    format!(
        "SELECT price FROM odds WHERE match_id = ({ARSENAL_FOREST}) AND bookmaker = '{bookmaker}' \
         AND market = '{market}' AND selection = '{selection}' AND is_closing = {}",
        if closing { "true" } else { "false" }
    )
}

async fn check_every_sample_file(engine: Engine) -> Vec<i64> {
    let db = migrated(engine).await;
    let files = sample_files();
    let mut expected_matches = 0;
    for f in &files {
        // Each file on its own: matches imported = data rows in the CSV.
        let s = import(&db, std::slice::from_ref(f)).await;
        let rows = data_rows(f);
        assert_eq!(s.rows_read, rows, "{}", f.display());
        assert_eq!(s.matches_inserted, rows, "{}: {:?}", f.display(), s.rejections);
        assert_eq!(s.rows_rejected, 0, "{:?}", s.rejections);
        expected_matches += rows as i64;
    }
    assert_eq!(db.count("matches").await, expected_matches);

    // Arsenal 2-1 Nott'm Forest, 12/08/2023 12:30 (E0_2023-24.csv line 3).
    let id = db.scalar(ARSENAL_FOREST).await;
    let per_match = db.scalar(&format!("SELECT COUNT(*) FROM odds WHERE match_id = {id}")).await;
    // 48 1X2 prices (8 bookmakers × 3 × opening/closing), 16 totals, 16 Asian handicap.
    assert_eq!(per_match, 80);
    assert_eq!(db.float(&price_sql("bet365", "1x2", "home", false)).await, 1.18);
    assert_eq!(db.float(&price_sql("pinnacle", "1x2", "home", true)).await, 1.19);
    assert_eq!(db.float(&price_sql("market_avg", "over_under", "over", true)).await, 1.49);
    let ah = format!(
        "SELECT line FROM odds WHERE match_id = {id} AND market = 'asian_handicap' AND bookmaker = 'pinnacle' \
         AND selection = 'home' AND is_closing = true"
    );
    assert_eq!(db.float(&ah).await, -2.0);
    let score = db
        .scalar(&format!("SELECT CAST(home_goals * 10 + away_goals AS BIGINT) FROM matches WHERE id = {id}"))
        .await;
    assert_eq!(score, 21);
    let shots = format!(
        "SELECT CAST(s.shots AS BIGINT) FROM match_stats s JOIN teams t ON t.id = s.team_id \
         WHERE s.match_id = {id} AND t.name = 'Arsenal'"
    );
    let shots = db.scalar(&shots).await;
    assert_eq!(shots, 15);
    // The pandas re-write (D1 2023-24): Werder Bremen 0-4 Bayern Munich, its first row.
    let d1 = "SELECT CAST(m.home_goals * 10 + m.away_goals AS BIGINT) FROM matches m JOIN teams h ON h.id = m.home_team_id \
              JOIN teams a ON a.id = m.away_team_id WHERE h.name = 'Werder Bremen' AND a.name = 'Bayern Munich' \
              AND m.season = '2023-24'";
    assert_eq!(db.scalar(d1).await, 4);

    // Closing prices are stamped at kick-off, on both engines and through either write
    // path (COPY on PostgreSQL).
    let closing =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM odds o JOIN matches m ON m.id = o.match_id WHERE o.is_closing";
    assert!(db.scalar(closing).await > 0);
    assert_eq!(db.scalar(&format!("{closing} AND o.recorded_at <> m.kickoff_at")).await, 0, "{engine:?}");

    let first = counts(&db).await;
    // Importing everything again changes nothing.
    let again = import(&db, &files).await;
    assert_eq!((again.matches_inserted, again.matches_updated), (0, 0));
    assert_eq!(again.matches_unchanged as i64, expected_matches);
    assert_eq!(counts(&db).await, first);

    // Every file in one call (several at a time on PostgreSQL, their odds by COPY) into an
    // empty database: the same rows, and the summary counts every price.
    let all = migrated(engine).await;
    let s = import(&all, &files).await;
    assert_eq!(counts(&all).await, first);
    assert_eq!(s.odds_rows as i64, all.count("odds").await);
    assert_eq!(s.matches_inserted as i64, expected_matches);
    first
}

#[tokio::test]
async fn copied_odds_lines_never_overwrite_and_the_upsert_takes_over() {
    use workers::process::football_data::copy::copy_lines;
    use workers::process::football_data::store::{Line, upsert_lines};
    let db = migrated(Engine::Postgres).await;
    let line = |price: f64| Line {
        match_id: 1,
        bookmaker: "bet365",
        market: "1x2",
        line: 0.0,
        is_closing: false,
        recorded_at: chrono::DateTime::from_timestamp(1_704_110_400, 0).unwrap(),
        prices: [Some(price), None, Some(4.0), None, None],
    };
    let pool = db.conn.get_postgres_connection_pool();
    assert_eq!(copy_lines(pool, &[line(2.0)]).await.unwrap(), 1);
    // A line already stored: the COPY fails whole and changes nothing ...
    assert!(copy_lines(pool, &[line(2.5)]).await.is_err());
    assert_eq!(db.float("SELECT price FROM odds WHERE selection = 'home'").await, 2.0);
    // ... and the import's fallback, the upsert, updates the price.
    upsert_lines(&db.conn, &[line(2.5)]).await.unwrap();
    assert_eq!(db.float("SELECT price FROM odds WHERE selection = 'home'").await, 2.5);
    assert_eq!(db.count("odds").await, 2);
}

#[tokio::test]
async fn copied_odds_lines_are_stored_in_the_order_of_their_unique_index() {
    let db = migrated(Engine::Postgres).await;
    import(&db, &sample_files()[..1]).await;
    // A fresh table's heap keeps the COPY's order: compare it with the index's.
    let out_of_order = "SELECT COUNT(*) FROM (SELECT \
        row_number() OVER (ORDER BY ctid) AS stored, \
        row_number() OVER (ORDER BY match_id, recorded_at DESC, bookmaker, market, line, is_closing) AS keyed \
        FROM odds_lines) t WHERE stored <> keyed";
    assert!(db.count("odds_lines").await > 1000);
    assert_eq!(db.scalar(out_of_order).await, 0);
}

#[tokio::test]
async fn sample_files_import_identically_on_sqlite_and_postgres() {
    let sqlite = check_every_sample_file(Engine::Sqlite).await;
    let postgres = check_every_sample_file(Engine::Postgres).await;
    assert_eq!(sqlite, postgres);
}

#[tokio::test]
async fn team_names_go_through_aliases() {
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        db.conn
            .execute_unprepared(
                "INSERT INTO teams (name, external_ids) VALUES ('Manchester City', '{}');
                 INSERT INTO team_aliases (source, alias, team_id)
                   SELECT 'football-data', 'Man City', id FROM teams WHERE name = 'Manchester City';",
            )
            .await
            .unwrap();
        import(&db, &[data_dir().join("E0_2023-24.csv")]).await;
        let city = "SELECT COUNT(*) FROM matches m JOIN teams t ON t.id = m.home_team_id \
                    WHERE t.name = 'Manchester City'";
        let n = db.scalar(city).await;
        assert_eq!(n, 19, "{engine:?}");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM teams WHERE name = 'Man City'").await, 0);
    }
}

/// A bad file: what it contains, its bytes, the rows expected to import, and the
/// expected rejections (line, reason).
type BadCase = (&'static str, Vec<u8>, u64, Vec<(u64, RowError)>);

fn bad_corpus() -> Vec<BadCase> {
    let good = std::fs::read_to_string(data_dir().join("E0_2023-24.csv")).unwrap();
    let mut lines = good.lines();
    let header = lines.next().unwrap().to_owned();
    let rows: Vec<&str> = lines.take(3).collect();
    let body = |extra: &str| format!("{header}\n{}\n{}\n{extra}\n{}\n", rows[0], rows[1], rows[2]);
    let with_field = |i: usize, v: &str| {
        let mut f: Vec<&str> = rows[0].split(',').collect();
        // Another date so it is not a duplicate of row 1.
        f[1] = "01/01/2024";
        f[i] = v;
        f.join(",")
    };
    let truncated = &rows[0][..rows[0].len() / 2];
    vec![
        (
            "bad date",
            body(&with_field(1, "31/02/2024")).into_bytes(),
            3,
            vec![(4, RowError::BadDate { value: "31/02/2024".into() })],
        ),
        (
            "bad score",
            body(&with_field(5, "two")).into_bytes(),
            3,
            vec![(4, RowError::BadCount { column: "FTHG", value: "two".into() })],
        ),
        (
            "truncated line",
            body(truncated).into_bytes(),
            3,
            vec![(4, RowError::FieldCount { expected: 106, found: truncated.split(',').count() })],
        ),
        ("duplicate match", body(rows[0]).into_bytes(), 3, vec![(4, RowError::Duplicate { first: 2 })]),
        (
            "empty team",
            body(&with_field(3, "")).into_bytes(),
            3,
            vec![(4, RowError::Missing { column: "HomeTeam" })],
        ),
        (
            "binary garbage in a row",
            {
                let mut b = format!("{header}\n{}\n", rows[0]).into_bytes();
                b.extend_from_slice(b"\x00\xff\xfe\x01garbage\x80\n");
                b
            },
            1,
            vec![(3, RowError::InvalidUtf8)],
        ),
    ]
}

#[tokio::test]
async fn bad_rows_are_reported_and_the_rest_imports() {
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        for (what, bytes, imported, expected) in bad_corpus() {
            let mut s = ImportSummary::default();
            let before = db.count("matches").await;
            import_bytes(&db.conn, Path::new("bad.csv"), &bytes, &mut s).await.unwrap();
            let got: Vec<(u64, RowError)> =
                s.rejections.iter().map(|r| (r.rejection.line, r.rejection.error.clone())).collect();
            assert_eq!(got, expected, "{what} on {engine:?}");
            assert_eq!(s.rows_rejected, expected.len() as u64, "{what}");
            assert!(s.rejections.iter().all(|r| r.file == "bad.csv"));
            assert!(
                s.rejections[0].to_string().starts_with(&format!("bad.csv:{}: ", expected[0].0)),
                "{what}"
            );
            let now = db.count("matches").await;
            // Rows already present are updated, not duplicated.
            assert!(now - before <= imported as i64, "{what}");
            assert_eq!(s.matches_inserted + s.matches_updated + s.matches_unchanged, imported, "{what}");
        }
    }
}

#[tokio::test]
async fn a_bad_price_is_reported_and_its_match_still_imports() {
    // E0 2021-22 line 168 really has `0` as bet365's closing over-2.5 price.
    let db = migrated(Engine::Sqlite).await;
    let good = std::fs::read_to_string(data_dir().join("E0_2023-24.csv")).unwrap();
    let mut lines = good.lines();
    let header = lines.next().unwrap();
    let mut f: Vec<&str> = lines.next().unwrap().split(',').collect();
    f[24] = "0.5";
    let mut s = ImportSummary::default();
    import_bytes(&db.conn, Path::new("p.csv"), format!("{header}\n{}\n", f.join(",")).as_bytes(), &mut s)
        .await
        .unwrap();
    assert_eq!((s.matches_inserted, s.rows_rejected, s.prices_rejected), (1, 0, 1));
    assert_eq!(
        s.price_rejections[0].to_string(),
        "p.csv:2: column B365H: `0.5` is not a decimal price above 1.0"
    );
    assert_eq!(db.count("odds").await, 77, "78 prices in the row, one rejected");
}

#[tokio::test]
async fn unusable_files_are_rejected_whole_without_panicking() {
    let db = migrated(Engine::Sqlite).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty file", vec![], "empty"),
        ("only blank lines", b"\n\r\n\n".to_vec(), "empty"),
        ("semicolons", b"Div;Date;HomeTeam;AwayTeam\nE0;12/08/2023;A;B\n".to_vec(), "delimiter"),
        ("binary", (0..=255u8).cycle().take(10_000).collect(), "missing required column"),
        ("wrong csv", b"name,age\nbob,3\n".to_vec(), "Div, Date, HomeTeam, AwayTeam"),
    ];
    for (what, bytes, reason) in cases {
        let mut s = ImportSummary::default();
        import_bytes(&db.conn, Path::new("x.csv"), &bytes, &mut s).await.unwrap();
        assert_eq!(s.files_rejected.len(), 1, "{what}");
        assert!(s.files_rejected[0].1.contains(reason), "{what}: {}", s.files_rejected[0].1);
    }
    assert_eq!(db.count("matches").await, 0);
}

/// A cell's new text from its old one.
type Rewrite = fn(&str) -> String;

/// The header and first `rows` data rows of a sample file, each `edit` rewriting a cell
/// of the first data row (by column name) from its old value.
fn first_rows(path: &Path, rows: usize, edit: &[(&str, Rewrite)]) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().take(rows.saturating_add(1)).map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    for (name, rewrite) in edit {
        let col = header.iter().position(|h| h == name).unwrap();
        cells[col] = rewrite(&cells[col]);
    }
    lines[1] = cells.join(",");
    lines.join("\n")
}

/// A price cell raised by `delta`, written as football-data.co.uk writes prices.
fn plus(price: &str, delta: f64) -> String {
    format!("{:.2}", price.parse::<f64>().unwrap() + delta)
}

#[tokio::test]
async fn importing_the_same_data_again_writes_nothing_and_a_change_updates_only_its_rows() {
    let path = data_dir().join("E0_2023-24.csv");
    let matches = data_rows(&path);
    // The first match with its home goals and bet365's home price changed.
    let changed = first_rows(
        &path,
        usize::MAX,
        &[("FTHG", |v| (v.parse::<u32>().unwrap() + 1).to_string()), ("B365H", |v| plus(v, 0.25))],
    );
    let stamps = "SELECT CAST(id AS TEXT) || ' ' || CAST(updated_at AS TEXT) FROM matches ORDER BY id";
    // PostgreSQL: a row's xmin is the transaction that last wrote it.
    let versions = "SELECT CAST(xmin AS TEXT) FROM odds_lines ORDER BY match_id, recorded_at, bookmaker, market, line, is_closing";
    let stats_versions = "SELECT CAST(xmin AS TEXT) FROM match_stats ORDER BY id";
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let first = import(&db, std::slice::from_ref(&path)).await;
        assert_eq!(first.matches_inserted, matches);
        let (stamped, written) = (db.strings(stamps).await, db.count("odds").await);
        let pg = engine == Engine::Postgres;
        let (lines, stats) = if pg {
            (db.strings(versions).await, db.strings(stats_versions).await)
        } else {
            (vec![], vec![])
        };

        let again = import(&db, std::slice::from_ref(&path)).await;
        assert_eq!((again.matches_inserted, again.matches_updated, again.matches_unchanged), (0, 0, matches));
        assert_eq!(db.strings(stamps).await, stamped, "no updated_at moved on {engine:?}");
        if pg {
            assert_eq!(db.strings(versions).await, lines, "no odds line rewritten");
            assert_eq!(db.strings(stats_versions).await, stats, "no stats row rewritten");
        }

        let mut s = ImportSummary::default();
        import_bytes(&db.conn, &path, changed.as_bytes(), &mut s).await.unwrap();
        assert_eq!(
            (s.matches_inserted, s.matches_updated, s.matches_unchanged),
            (0, 1, matches - 1),
            "{engine:?}"
        );
        let now = db.strings(stamps).await;
        let moved = now.iter().zip(&stamped).filter(|(a, b)| a != b).count();
        assert_eq!(moved, 1, "only the changed match's updated_at moves on {engine:?}");
        assert_eq!(db.count("odds").await, written);
        if pg {
            let now = db.strings(versions).await;
            assert_eq!(now.iter().zip(&lines).filter(|(a, b)| a != b).count(), 1, "only the repriced line");
        }
    }
}

/// Counts the rows written to `odds_lines` from now on, by operation.
async fn count_line_writes(db: &TestDb) {
    let statements: &[&str] = match db.engine {
        Engine::Sqlite => &[
            "CREATE TABLE line_writes (op TEXT)",
            "CREATE TRIGGER line_inserts AFTER INSERT ON odds_lines BEGIN INSERT INTO line_writes VALUES ('insert'); END",
            "CREATE TRIGGER line_updates AFTER UPDATE ON odds_lines BEGIN INSERT INTO line_writes VALUES ('update'); END",
        ],
        Engine::Postgres => &[
            "CREATE TABLE line_writes (op text)",
            "CREATE FUNCTION line_write() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN INSERT INTO line_writes VALUES (lower(TG_OP)); RETURN NULL; END $$",
            "CREATE TRIGGER line_writes AFTER INSERT OR UPDATE ON odds_lines FOR EACH ROW EXECUTE FUNCTION line_write()",
        ],
    };
    for sql in statements {
        db.conn.execute_unprepared(sql).await.unwrap();
    }
}

/// (inserts, updates) of odds lines since the last call.
async fn line_writes(db: &TestDb) -> (i64, i64) {
    let inserts = db.scalar("SELECT COUNT(*) FROM line_writes WHERE op = 'insert'").await;
    let updates = db.scalar("SELECT COUNT(*) FROM line_writes WHERE op = 'update'").await;
    db.conn.execute_unprepared("DELETE FROM line_writes").await.unwrap();
    (inserts, updates)
}

#[tokio::test]
async fn a_season_imported_again_writes_only_new_and_repriced_odds_lines() {
    let path = data_dir().join("E0_2023-24.csv");
    let full = first_rows(&path, 3, &[]);
    let blank: Rewrite = |_| String::new();
    let no_closing = first_rows(&path, 3, &[("B365CH", blank), ("B365CD", blank), ("B365CA", blank)]);
    let no_draw = first_rows(&path, 3, &[("B365D", blank)]);
    let repriced = first_rows(&path, 3, &[("B365A", |v| plus(v, 0.5))]);
    let first_match = "(SELECT MIN(id) FROM matches)";
    let price = |selection: &str, closing: bool| {
        format!(
            "SELECT price FROM odds WHERE match_id = {first_match} AND bookmaker = 'bet365' \
             AND market = '1x2' AND selection = '{selection}' AND is_closing = {closing}"
        )
    };
    let closing_lines = format!(
        "SELECT COUNT(*) FROM odds_lines WHERE match_id = {first_match} AND bookmaker = 'bet365' \
         AND market = '1x2' AND is_closing = true"
    );
    for engine in TestDb::engines() {
        let db = migrated(engine).await;
        let load = |csv: String| {
            let (conn, path) = (db.conn.clone(), path.clone());
            async move {
                let mut s = ImportSummary::default();
                import_bytes(&conn, &path, csv.as_bytes(), &mut s).await.unwrap();
                s
            }
        };
        assert_eq!(load(no_closing.clone()).await.matches_inserted, 3);
        assert_eq!(db.scalar(&closing_lines).await, 0);
        let (away, draw) = (db.float(&price("away", false)).await, db.float(&price("draw", false)).await);
        count_line_writes(&db).await;

        // The closing prices arrive: one new line, nothing else touched.
        load(full.clone()).await;
        assert_eq!(line_writes(&db).await, (1, 0), "{engine:?}");
        assert_eq!(db.scalar(&closing_lines).await, 1);
        load(full.clone()).await;
        assert_eq!(line_writes(&db).await, (0, 0), "the same file again writes nothing on {engine:?}");

        // A quote without its draw price keeps the stored one, and so changes nothing.
        load(no_draw.clone()).await;
        assert_eq!(line_writes(&db).await, (0, 0), "{engine:?}");
        assert_eq!(db.float(&price("draw", false)).await, draw);

        // One price moves: that line alone is rewritten.
        load(repriced.clone()).await;
        assert_eq!(line_writes(&db).await, (0, 1), "{engine:?}");
        assert!((db.float(&price("away", false)).await - (away + 0.5)).abs() < 1e-9);
        assert_eq!(db.float(&price("draw", false)).await, draw);
    }
}

/// On SQLite a season is written a chunk of matches per transaction, so the embedded
/// queue's writes get the file's one write lock in between: a failure midway keeps the
/// chunks committed before it, and importing the file again finishes it.
#[tokio::test]
async fn sqlite_writes_a_season_in_chunks_and_a_failed_import_finishes_when_run_again() {
    use workers::process::football_data::import::SQLITE_MATCHES_PER_TXN;
    let path = data_dir().join("E0_2023-24.csv");
    let matches = data_rows(&path);
    let db = migrated(Engine::Sqlite).await;
    let stop_at = SQLITE_MATCHES_PER_TXN + SQLITE_MATCHES_PER_TXN / 2;
    let refuse = format!(
        "CREATE TRIGGER refuse_matches BEFORE INSERT ON matches \
         WHEN (SELECT COUNT(*) FROM matches) >= {stop_at} BEGIN SELECT RAISE(ABORT, 'refused'); END"
    );
    db.conn.execute_unprepared(&refuse).await.unwrap();
    let failed = import_paths(&db.conn, std::slice::from_ref(&path), &ProgressBar::hidden()).await;
    let error = format!("{:?}", failed.expect_err("the import went through the refusal"));
    assert!(error.contains("refused"), "{error}");
    assert_eq!(db.count("matches").await, SQLITE_MATCHES_PER_TXN as i64, "the first chunk stays committed");
    // The committed chunk is whole: each match with both teams' statistics and its odds.
    assert_eq!(db.count("match_stats").await, 2 * SQLITE_MATCHES_PER_TXN as i64);
    let chunk_odds = db.count("odds_lines").await;
    assert!(chunk_odds > 0);

    db.conn.execute_unprepared("DROP TRIGGER refuse_matches").await.unwrap();
    let again = import(&db, std::slice::from_ref(&path)).await;
    assert_eq!(again.matches_inserted, matches - SQLITE_MATCHES_PER_TXN as u64);
    assert_eq!(again.matches_unchanged, SQLITE_MATCHES_PER_TXN as u64);
    // The same rows as one clean import, none written twice.
    let clean = migrated(Engine::Sqlite).await;
    import(&clean, std::slice::from_ref(&path)).await;
    for table in ["matches", "match_stats", "odds_lines"] {
        assert_eq!(db.count(table).await, clean.count(table).await, "{table}");
    }
    assert_eq!(db.count("matches").await, matches as i64);
}
