//! What the API's test files share.
// Each test file uses part of what is here.
#![allow(dead_code)]

pub mod harness;

/// Runs each named `async fn(Engine)` as two tests: on SQLite and on PostgreSQL.
#[allow(unused_macros)] // Not every file runs on both engines.
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
