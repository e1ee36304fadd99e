//! Test support: every test gets its own freshly created database, dropped afterwards,
//! so tests run in parallel and leave nothing behind.
// Test support: a panic is how it reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rand::Rng;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::db::{Engine, connect};
use crate::secret::ConnUrl;
use crate::settings::DatabaseSettings;

/// The server the PostgreSQL test databases are created on (`KICKOFF_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("KICKOFF_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A uniquely named, empty database that is removed when dropped.
pub struct TestDb {
    pub engine: Engine,
    pub settings: DatabaseSettings,
    pub conn: DatabaseConnection,
    name: String,
    dir: Option<PathBuf>,
}

/// A name no other test run uses at the same time.
pub fn unique_name(prefix: &str) -> String {
    let r: u64 = rand::rng().random();
    format!("{prefix}_{}_{r:016x}", std::process::id())
}

impl TestDb {
    /// Creates the database on `engine` and connects to it.
    pub async fn new(engine: Engine) -> Self {
        let name = unique_name("kickoff_test");
        let (url, dir) = match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).expect("create temp dir");
                (format!("sqlite://{}", dir.join("test.db").display()), Some(dir))
            }
            Engine::Postgres => {
                let admin = Database::connect(pg_admin_url()).await.expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                (with_db_name(&pg_admin_url(), &name), None)
            }
        };
        let settings =
            DatabaseSettings { url: ConnUrl::new(url), max_connections: 5, ..DatabaseSettings::default() };
        let conn = connect(&settings).await.expect("connect to test database");
        Self { engine, settings, conn, name, dir }
    }

    /// Both engines, for tests that must hold on each.
    pub fn engines() -> [Engine; 2] {
        [Engine::Sqlite, Engine::Postgres]
    }

    pub fn url(&self) -> &str {
        self.settings.url.expose()
    }

    /// Counts the rows of `table`.
    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// The one row a query returns.
    async fn one_row(&self, sql: &str) -> sea_orm::QueryResult {
        let backend = self.conn.get_database_backend();
        self.conn
            .query_one_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect("scalar query")
            .expect("scalar row")
    }

    /// The one integer a query returns (a count, an id).
    pub async fn scalar(&self, sql: &str) -> i64 {
        self.one_row(sql).await.try_get_by_index::<i64>(0).expect("scalar value")
    }

    /// The one float a query returns (a price).
    pub async fn float(&self, sql: &str) -> f64 {
        self.one_row(sql).await.try_get_by_index::<f64>(0).expect("float value")
    }

    /// The first column of every row a query returns, as text, in the query's order.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        let backend = self.conn.get_database_backend();
        let rows = self
            .conn
            .query_all_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect("strings query");
        rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("text value")).collect()
    }
}

/// `url` with its database name replaced.
pub fn with_db_name(url: &str, name: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        Err(_) => format!("{url}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
            return;
        }
        if self.engine == Engine::Postgres {
            let name = self.name.clone();
            // Drop runs outside any runtime guarantee: use a private one on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        if let Ok(admin) = Database::connect(pg_admin_url()).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A PostgreSQL server of the test's own (`initdb` and `pg_ctl` in a directory of the
/// test, on a free port, trust authentication), for tests that stop and start it;
/// never the shared server. Stopped on drop. As root it runs as the `postgres` user,
/// since PostgreSQL refuses to run as root.
pub struct OwnPostgres {
    pub port: u16,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl OwnPostgres {
    /// Creates a cluster in `dir/pg` and starts it.
    pub fn start(dir: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let bin = Self::bindir();
        let as_postgres = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let data = dir.join("pg");
        std::fs::create_dir_all(&data).expect("the cluster's directory");
        if as_postgres {
            use std::os::unix::fs::PermissionsExt;
            // The postgres user must reach the directory and own the cluster's.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let owned = std::process::Command::new("chown").arg("postgres").arg(&data).status();
            assert!(owned.is_ok_and(|s| s.success()), "chown of the cluster's directory");
        }
        let pg = Self { port, data, bin, as_postgres };
        let data = pg.data.display().to_string();
        pg.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        pg.start_server();
        pg
    }

    /// The newest installed server's binaries (Debian keeps them out of the PATH).
    fn bindir() -> PathBuf {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|d| {
                d.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("pg_ctl").exists()).collect()
            })
            .unwrap_or_default();
        versions.sort();
        versions.pop().unwrap_or_default()
    }

    fn command(&self, program: &str) -> std::process::Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            std::process::Command::new(&path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let data = self.data.display().to_string();
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off", self.port);
        let log = self.data.join("server.log").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "-w", "start"]);
    }

    /// Stops the server at once (`immediate`: connections are cut as in a crash).
    pub fn stop_server(&self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    /// The URL of database `name` on this server (`postgres` always exists).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let _ = self.command("pg_ctl").args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

/// What [`seed_value_bet`] stored.
#[derive(Clone, Copy, Debug)]
pub struct SeededBet {
    pub match_id: i64,
    pub prediction_id: i64,
    pub value_bet_id: i64,
}

/// A pending value bet and what it refers to: league `(code, name)`, teams
/// `(home, away)`, a scheduled match at `kickoff`, an ensemble forecast `p` (home, draw,
/// away) and the bet on `selection` at bet365's `price` with `edge`.
pub async fn seed_value_bet(
    db: &DatabaseConnection,
    league: (&str, &str),
    teams: (&str, &str),
    kickoff: chrono::DateTime<chrono::Utc>,
    p: [f64; 3],
    (selection, price, edge): (&str, f64, f64),
) -> SeededBet {
    use crate::enums::{BetStatus, MatchStatus};
    use crate::{leagues, matches, predictions, teams as team_rows, value_bets};
    use sea_orm::{ActiveModelTrait, Set};
    let json = || serde_json::json!({});
    let league = leagues::ActiveModel {
        code: Set(league.0.into()),
        name: Set(league.1.into()),
        external_ids: Set(json()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("league");
    let team = |name: &str| team_rows::ActiveModel {
        name: Set(name.into()),
        league_id: Set(Some(league.id)),
        external_ids: Set(json()),
        ..Default::default()
    };
    let home = team(teams.0).insert(db).await.expect("home team");
    let away = team(teams.1).insert(db).await.expect("away team");
    let game = matches::ActiveModel {
        league_id: Set(league.id),
        season: Set("2026-27".into()),
        match_date: Set(kickoff.date_naive()),
        kickoff_at: Set(kickoff),
        home_team_id: Set(home.id),
        away_team_id: Set(away.id),
        status: Set(MatchStatus::Scheduled),
        external_ids: Set(json()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("match");
    let prediction = predictions::ActiveModel {
        match_id: Set(game.id),
        model_name: Set("ensemble".into()),
        model_version: Set("v1".into()),
        p_home: Set(p[0]),
        p_draw: Set(p[1]),
        p_away: Set(p[2]),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("prediction");
    let bet = value_bets::ActiveModel {
        prediction_id: Set(prediction.id),
        match_id: Set(game.id),
        selection: Set(selection.into()),
        bookmaker: Set("bet365".into()),
        price: Set(price),
        edge: Set(edge),
        kelly_stake: Set(0.023),
        confidence: Set(Some(0.71)),
        status: Set(BetStatus::Pending),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("value bet");
    SeededBet { match_id: game.id, prediction_id: prediction.id, value_bet_id: bet.id }
}
