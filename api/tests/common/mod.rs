//! What the API's test files share.

/// Runs each named `async fn(Engine)` as two tests: on SQLite and on PostgreSQL.
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
