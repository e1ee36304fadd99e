//! `POST /telegram/webhook`: refused without the configured secret (nothing written),
//! and with it the command runs and its reply comes back as a `sendMessage` call.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::ApiState;
use api::telegram::SECRET_HEADER;
use entities::Engine;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use poem::http::StatusCode;
use poem::test::TestClient;
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = "webhook-Secret_42";

async fn migrated() -> TestDb {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    db
}

/// The API with `SECRET` as its webhook secret.
fn client(db: &TestDb) -> TestClient<impl poem::Endpoint> {
    let state = ApiState::new(db.conn.clone()).with_telegram_webhook_secret(SecretString::from(SECRET));
    TestClient::new(api::app(state))
}

fn message(chat: i64, text: &str) -> Value {
    json!({"update_id": 1, "message": {"message_id": 5, "date": 1_900_000_000, "text": text,
           "chat": {"id": chat, "type": "private"}, "from": {"id": chat, "first_name": "Ada"}}})
}

fn subscribe(chat: i64) -> Value {
    message(chat, "/subscribe 5%")
}

#[tokio::test]
async fn refused_without_the_right_secret_and_nothing_written() {
    let db = migrated().await;
    let cli = client(&db);
    let missing = cli.post("/telegram/webhook").body_json(&subscribe(9)).send().await;
    missing.assert_status(StatusCode::UNAUTHORIZED);
    let wrong =
        cli.post("/telegram/webhook").header(SECRET_HEADER, "guess").body_json(&subscribe(9)).send().await;
    wrong.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(db.count("telegram_subscriptions").await, 0);

    // No secret configured: the webhook is off, whatever the caller sends.
    let off = TestClient::new(api::app(ApiState::new(db.conn.clone())));
    let any = off.post("/telegram/webhook").header(SECRET_HEADER, "").body_json(&subscribe(9)).send().await;
    any.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(db.count("telegram_subscriptions").await, 0);
}

#[tokio::test]
async fn subscribe_by_webhook_creates_the_subscription_and_answers_in_the_body() {
    let db = migrated().await;
    let cli = client(&db);
    let resp =
        cli.post("/telegram/webhook").header(SECRET_HEADER, SECRET).body_json(&subscribe(9)).send().await;
    resp.assert_status_is_ok();
    let body: Value = resp.json().await.value().deserialize();
    assert_eq!(
        body,
        json!({"method": "sendMessage", "chat_id": 9, "parse_mode": "MarkdownV2",
               "text": "Subscribed: all leagues, edge at least 5%\\. Send /unsubscribe to stop\\."})
    );
    assert_eq!(db.scalar("SELECT chat_id FROM telegram_subscriptions WHERE active").await, 9);

    // An update without a text message is acknowledged with nothing to send.
    let other = json!({"update_id": 2, "edited_message": {"message_id": 5}});
    let resp = cli.post("/telegram/webhook").header(SECRET_HEADER, SECRET).body_json(&other).send().await;
    resp.assert_status_is_ok();
    resp.assert_text("").await;
    let bad = cli.post("/telegram/webhook").header(SECRET_HEADER, SECRET).body("not json").send().await;
    bad.assert_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_command_answers_by_webhook() {
    let db = migrated().await;
    let cli = client(&db);
    for (command, reply) in jobs::testing::BOT_CONVERSATION {
        let resp = cli
            .post("/telegram/webhook")
            .header(SECRET_HEADER, SECRET)
            .body_json(&message(12, command))
            .send()
            .await;
        resp.assert_status_is_ok();
        let body: Value = resp.json().await.value().deserialize();
        assert_eq!((&body["method"], &body["chat_id"]), (&json!("sendMessage"), &json!(12)), "{command}");
        let text = body["text"].as_str().unwrap();
        assert!(text.starts_with(reply), "{command}: {text}");
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM telegram_subscriptions WHERE NOT active").await, 1);
}
