//! Test support: every test gets its own freshly created database, dropped afterwards,
//! so tests run in parallel and leave nothing behind.

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
