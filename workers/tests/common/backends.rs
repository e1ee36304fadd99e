//! The two queue backends every queue-facing test runs on: Redis under a fresh prefix
//! (removed when the guard drops) and the embedded queue in the test's SQLite file.

use entities::testing::{TestDb, unique_name};
use jobs::QueueClient;
use jobs::embedded_queue::EmbeddedQueues;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::{PrefixGuard, redis_url};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Redis,
    Embedded,
}

/// Runs each case once per backend: `mod case { fn redis(); fn embedded(); }`.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                super::$case($crate::common::backends::Backend::Redis).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$case($crate::common::backends::Backend::Embedded).await
            }
        }
    )*};
}

/// Queues of `backend` under a fresh prefix; the embedded queue shares the data's pool,
/// as in `kickoff demo` (its file goes with the TestDb).
pub async fn queues_for(backend: Backend, db: &TestDb) -> (QueueClient, Option<PrefixGuard>) {
    let prefix = format!("{}:", unique_name("kickoff_test"));
    match backend {
        Backend::Redis => {
            let guard = PrefixGuard::new(redis_url(), prefix.clone());
            (RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix).into(), Some(guard))
        }
        Backend::Embedded => {
            let pool = db.conn.get_sqlite_connection_pool().clone();
            (EmbeddedQueues::open(pool, prefix).await.unwrap().into(), None)
        }
    }
}
