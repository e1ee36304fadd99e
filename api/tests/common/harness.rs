//! The API as the admin and dashboard tests drive it: a fresh database with every
//! migration, a Redis key prefix of its own, one API key per role, and JWTs signed with
//! the test secret.

use api::auth::jwt::{self, Claims};
use api::auth::keys;
use api::{ApiSettings, ApiState, AuthSettings, app};
use chrono::Utc;
use entities::Engine;
use entities::enums::Role;
use entities::testing::TestDb;
use jobs::QueueClient;
use jobs::redis_queue::{RedisQueues, connect};
use jobs::schedule::Schedules;
use jobs::testing::{PrefixGuard, redis_url};
use migration::{Migrator, MigratorTrait};
use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use poem::{EndpointExt, Response};
use secrecy::SecretString;

/// The JWT secret the harness's API is configured with.
pub const SECRET: &str = "test-secret-of-the-jwts-at-least-32-bytes";

/// The schedules the harness's API lists: one enabled entry and one disabled.
pub const SCHEDULES: &str = r#"
[[schedule]]
name = "settle"
cron = "0 */15 * * * *"
job = { kind = "settle_bets" }

[[schedule]]
name = "probe"
cron = "0 0 * * * *"
enabled = false
job = { kind = "probe", args = { tag = "hourly" } }
"#;

pub struct Harness {
    pub db: TestDb,
    pub queues: QueueClient,
    pub cli: TestClient<BoxEndpoint<'static, Response>>,
    /// An API key of each role.
    pub member: String,
    pub reader: String,
    pub operator: String,
    pub admin: String,
    _guard: PrefixGuard,
}

/// The API on `engine` with `api` settings (rate limits, CORS, ...).
pub async fn harness_with(engine: Engine, api: ApiSettings) -> Harness {
    let db = TestDb::new(engine).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let prefix = format!("kickoff_api_test_{}:", ulid::Ulid::generate());
    let guard = PrefixGuard::new(redis_url(), prefix.clone());
    let queues: QueueClient = RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix).into();
    let auth = AuthSettings { jwt_secret: SecretString::from(SECRET) };
    let state = ApiState::new(db.conn.clone())
        .with_queues(queues.clone())
        .with_schedules(Schedules::parse(SCHEDULES).unwrap())
        .with_settings(api, auth);
    let cli = TestClient::new(app(state).map_to_response().boxed());
    let key = |name: &'static str, role| {
        let conn = db.conn.clone();
        async move { keys::create(&conn, name, role).await.unwrap().1 }
    };
    let (member, reader, operator, admin) = (
        key("member", Role::Member).await,
        key("reader", Role::Reader).await,
        key("operator", Role::Operator).await,
        key("admin", Role::Admin).await,
    );
    Harness { db, queues, cli, member, reader, operator, admin, _guard: guard }
}

/// The API on `engine` without rate limits.
pub async fn harness(engine: Engine) -> Harness {
    harness_with(engine, ApiSettings { rate_limit_per_minute: 0, ..ApiSettings::default() }).await
}

/// A Supabase-format JWT for `email` with `role`, expiring `exp_in` seconds from now,
/// signed with `secret`.
pub fn token(email: &str, role: &str, exp_in: i64, secret: &str) -> String {
    let claims = Claims {
        sub: "5a1e-user".into(),
        email: Some(email.into()),
        role: Some(role.into()),
        exp: Utc::now().timestamp() + exp_in,
        app_metadata: None,
    };
    jwt::sign(&claims, secret.as_bytes()).unwrap()
}
