//! A runtime wired to the fake Bot API: a migrated SQLite database, the queues of one
//! backend, and `[telegram]` settings pointing at the fake with its token.

use entities::Engine;
use entities::secret::ConnUrl;
use entities::testing::TestDb;
use jobs::testing::PrefixGuard;
use migration::{Migrator, MigratorTrait};
use secrecy::SecretString;
use workers::runtime::Runtime;
use workers::settings::TelegramSettings;

use super::backends::{Backend, queues_for};
use super::fake_bot::{Shared, TOKEN, start_fake};

pub struct World {
    pub db: TestDb,
    pub fake: Shared,
    pub rt: Runtime,
    _guard: Option<PrefixGuard>,
}

/// The day the world's clock starts at: the seeded matches kick off after it, whatever
/// day the tests run on.
pub fn world_start() -> chrono::DateTime<chrono::Utc> {
    chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 1, 9, 0, 0).unwrap()
}

/// A world on `backend` whose Telegram settings `adjust` may change (the fake's URL and
/// token are set already). Its clock starts at [`world_start`].
pub async fn world(backend: Backend, adjust: impl FnOnce(TelegramSettings) -> TelegramSettings) -> World {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let (queues, guard) = queues_for(backend, &db).await;
    let fake = Shared::default();
    let telegram = adjust(TelegramSettings {
        bot_token: SecretString::from(TOKEN),
        api_url: ConnUrl::new(start_fake(fake.clone()).await),
        ..TelegramSettings::default()
    });
    let rt = Runtime::new(db.conn.clone(), queues)
        .with_telegram(&telegram)
        .unwrap()
        .with_clock(workers::clock::Clock::replaying_from(world_start()));
    World { db, fake, rt, _guard: guard }
}
