//! The bot's long poll against the fake Bot API: the webhook is deleted first, each
//! queued message gets its command's reply, the offset moves past answered updates so
//! none is answered twice, and the loop ends on shutdown.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::fake_bot::{Failure, Shared, TOKEN, start_fake};
use entities::Engine;
use entities::secret::ConnUrl;
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use secrecy::SecretString;
use serde_json::{Value, json};
use workers::notify::BotApi;
use workers::notify::poll;

fn update(id: i64, chat: i64, text: &str) -> Value {
    json!({"update_id": id, "message": {"message_id": id, "date": 1_900_000_000, "text": text,
           "chat": {"id": chat, "type": "private"}}})
}

fn replies(fake: &Shared) -> Vec<(i64, String)> {
    let f = fake.lock().unwrap();
    f.calls
        .iter()
        .filter(|c| c.method == "sendMessage")
        .map(|c| (c.chat_id().unwrap(), c.text().unwrap().to_owned()))
        .collect()
}

async fn wait_for_replies(fake: &Shared, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while replies(fake).len() < n {
        assert!(Instant::now() < deadline, "only {} replies", replies(fake).len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn long_poll_answers_each_update_once_and_stops_on_shutdown() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let fake = Shared::default();
    fake.lock().unwrap().updates = vec![update(10, 7, "/subscribe 5%"), update(11, 8, "/status")];
    let bot = BotApi::new(ConnUrl::new(start_fake(fake.clone()).await), SecretString::from(TOKEN)).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let conn = db.conn.clone();
    let task = tokio::spawn(async move { poll::run(&bot, &conn, shutdown).await });

    wait_for_replies(&fake, 2).await;
    fake.lock().unwrap().updates.push(update(12, 7, "/status"));
    wait_for_replies(&fake, 3).await;
    // A few more polls: the fake keeps every update, so a stuck offset would repeat them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap().unwrap();

    assert_eq!(
        replies(&fake),
        vec![
            (7, "Subscribed: all leagues, edge at least 5%\\. Send /unsubscribe to stop\\.".to_owned()),
            (8, "You are not subscribed\\. Send /subscribe to start\\.".to_owned()),
            (7, "Subscribed: all leagues, edge at least 5%\\.".to_owned()),
        ]
    );
    assert_eq!(db.count("telegram_subscriptions").await, 1);
    let f = fake.lock().unwrap();
    assert_eq!(f.calls[0].method, "deleteWebhook");
    let offsets: Vec<i64> = f
        .calls
        .iter()
        .filter(|c| c.method == "getUpdates")
        .map(|c| c.params["offset"].as_i64().unwrap())
        .collect();
    assert_eq!(offsets[0], 0);
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    assert_eq!(offsets.last(), Some(&13));
    assert!(f.calls.iter().filter(|c| c.method == "getUpdates").all(|c| c.params["timeout"] == 25));
}

#[tokio::test]
async fn a_reply_telegram_refuses_for_now_is_sent_again_and_a_bad_one_is_not() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let fake = Shared::default();
    {
        let mut f = fake.lock().unwrap();
        f.updates = vec![update(30, 5, "/status"), update(31, 6, "/status")];
        // The first reply: a 429 (retry after 1 s), then a 500, then it goes through.
        // The second: a 400, which sending again cannot fix.
        f.send_failures.extend([Failure::RateLimited(1), Failure::ServerError]);
        f.chat_failures.insert(6, Failure::BadRequest);
    }
    let bot = BotApi::new(ConnUrl::new(start_fake(fake.clone()).await), SecretString::from(TOKEN)).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let conn = db.conn.clone();
    let task = tokio::spawn(async move { poll::run(&bot, &conn, shutdown).await });
    wait_for_replies(&fake, 4).await;
    // The next update is answered only once chat 6's reply is given up.
    fake.lock().unwrap().updates.push(update(32, 7, "/help"));
    wait_for_replies(&fake, 5).await;
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap().unwrap();

    let sends: Vec<(i64, Instant)> = {
        let f = fake.lock().unwrap();
        f.calls.iter().filter(|c| c.method == "sendMessage").map(|c| (c.chat_id().unwrap(), c.at)).collect()
    };
    let chats: Vec<i64> = sends.iter().map(|(c, _)| *c).collect();
    assert_eq!(chats, [5, 5, 5, 6, 7], "three tries for chat 5, one for chat 6");
    assert!(sends[1].1 - sends[0].1 >= Duration::from_millis(950), "Telegram's retry_after was honoured");
}

#[tokio::test]
async fn every_command_answers_by_long_polling() {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let expected = jobs::testing::BOT_CONVERSATION;
    let fake = Shared::default();
    fake.lock().unwrap().updates =
        expected.iter().enumerate().map(|(i, (command, _))| update(100 + i as i64, 12, command)).collect();
    let bot = BotApi::new(ConnUrl::new(start_fake(fake.clone()).await), SecretString::from(TOKEN)).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let conn = db.conn.clone();
    let task = tokio::spawn(async move { poll::run(&bot, &conn, shutdown).await });
    wait_for_replies(&fake, expected.len()).await;
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap().unwrap();
    let replies = replies(&fake);
    assert_eq!(replies.len(), expected.len(), "{replies:?}");
    for ((command, reply), (chat, text)) in expected.iter().zip(&replies) {
        assert_eq!(*chat, 12);
        assert!(text.starts_with(reply), "{command}: {text}");
    }
}
