//! The Bot API client against the local fake of Telegram's Bot API (`common::fake_bot`)
//! over real HTTP: markup escaping, each error class, long polling, webhooks, and the
//! token kept out of errors.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jobs::Classify;
use std::time::Duration;

use common::fake_bot::{Failure, Shared, TOKEN, start_fake};
use entities::secret::{ConnUrl, MASK};
use secrecy::SecretString;
use serde_json::{Value, json};
use workers::notify::markdown::{escape_html, escape_markdown_v2};
use workers::notify::{BotApi, BotApiError, Disposition, ParseMode};

/// A supergroup chat id, negative as Telegram numbers them.
const GROUP: i64 = -1_001_234_567_890;

/// A fake and a client of it with the right token.
async fn setup() -> (Shared, BotApi) {
    let fake = Shared::default();
    let url = start_fake(fake.clone()).await;
    (fake, BotApi::new(ConnUrl::new(url), SecretString::from(TOKEN)).unwrap())
}

/// A fake told to answer the next call with `f`, a client, and the error of a
/// `sendMessage` through them.
async fn send_failing_with(f: Failure) -> (Shared, BotApi, BotApiError) {
    let (fake, api) = setup().await;
    fake.lock().unwrap().failures.push_back(f);
    let e = api.send_message(1, "hi", ParseMode::Plain).await.unwrap_err();
    (fake, api, e)
}

fn update(id: i64, chat: i64, text: &str) -> Value {
    json!({"update_id": id, "message": {"message_id": id * 10, "date": 1_900_000_000, "text": text,
           "chat": {"id": chat, "type": "private"},
           "from": {"id": chat, "is_bot": false, "first_name": "Ada", "username": "ada"}}})
}

fn assert_token_hidden(e: &BotApiError) {
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(TOKEN) && !shown.contains("AAE-kickoff"), "token leaked: {shown}");
    }
}

#[tokio::test]
async fn markdown_v2_messages_arrive_exactly_as_sent() {
    let (fake, api) = setup().await;
    let text = format!(
        "*{}* v *{}*\n_{}_ at {}, edge {}",
        escape_markdown_v2("Brighton & Hove Albion"),
        escape_markdown_v2("1. FC Köln"),
        escape_markdown_v2("Away (Asian handicap -0.5)"),
        escape_markdown_v2("2.10"),
        escape_markdown_v2("+4.5%!"),
    );
    let golden = "*Brighton & Hove Albion* v *1\\. FC Köln*\n_Away \\(Asian handicap \\-0\\.5\\)_ at 2\\.10, edge \\+4\\.5%\\!";
    assert_eq!(text, golden);

    let sent = api.send_message(GROUP, &text, ParseMode::MarkdownV2).await.unwrap();
    // The fake numbers messages by their call's position.
    let position = fake.lock().unwrap().calls.len() as i64;
    assert_eq!((sent.message_id, sent.chat.id, sent.text.as_deref()), (position, GROUP, Some(golden)));
    {
        let f = fake.lock().unwrap();
        let call = &f.calls[0];
        assert_eq!(
            (call.method.as_str(), call.chat_id(), call.text()),
            ("sendMessage", Some(GROUP), Some(golden))
        );
        assert_eq!(call.params["parse_mode"], "MarkdownV2");
    }

    // The same text unescaped is refused the way Telegram refuses it.
    let raw = api.send_message(GROUP, "*1. FC Köln* at 2.10", ParseMode::MarkdownV2).await.unwrap_err();
    assert!(
        matches!(&raw, BotApiError::Permanent { status: 400, description } if description.contains("Character '.' is reserved")),
        "{raw:?}"
    );
}

#[tokio::test]
async fn html_and_plain_messages_arrive_exactly_as_sent() {
    let (fake, api) = setup().await;
    let text =
        format!("<b>{}</b> v <i>{}</i>", escape_html("Brighton & Hove Albion"), escape_html("<Spurs>"));
    let golden = "<b>Brighton &amp; Hove Albion</b> v <i>&lt;Spurs&gt;</i>";
    assert_eq!(text, golden);
    api.send_message(7, &text, ParseMode::Html).await.unwrap();
    api.send_message(7, "1. FC Köln 2.10 -0.5 & <raw>", ParseMode::Plain).await.unwrap();
    let raw = api.send_message(7, "Brighton & Hove Albion", ParseMode::Html).await.unwrap_err();
    assert!(raw.is_permanent(), "{raw:?}");

    let f = fake.lock().unwrap();
    assert_eq!(f.calls[0].text(), Some(golden));
    assert_eq!(f.calls[0].params["parse_mode"], "HTML");
    assert_eq!(f.calls[1].text(), Some("1. FC Köln 2.10 -0.5 & <raw>"));
    assert!(f.calls[1].params.get("parse_mode").is_none());
}

#[tokio::test]
async fn rate_limit_is_transient_with_telegrams_wait() {
    let (fake, api, e) = send_failing_with(Failure::RateLimited(7)).await;
    assert!(
        matches!(e, BotApiError::RateLimited { retry_after } if retry_after == Duration::from_secs(7)),
        "{e:?}"
    );
    assert!(e.is_transient() && !e.is_permanent());
    assert_eq!(e.disposition(), Disposition::Retry(Some(Duration::from_secs(7))));
    // The limit is the fake's one-off: the retry goes through.
    api.send_message(1, "hi", ParseMode::Plain).await.unwrap();
    let f = fake.lock().unwrap();
    assert_eq!(f.calls.len(), 2);
    assert!(f.calls[1].at >= f.calls[0].at);
}

#[tokio::test]
async fn blocked_chat_is_deactivated_not_retried() {
    let (_, _, e) = send_failing_with(Failure::Blocked).await;
    assert!(
        matches!(&e, BotApiError::Blocked { description } if description == "Forbidden: bot was blocked by the user"),
        "{e:?}"
    );
    assert_eq!(e.disposition(), Disposition::Deactivate);
    assert!(!e.is_transient());
}

#[tokio::test]
async fn other_client_errors_dead_letter_with_telegrams_description() {
    let (_, _, e) = send_failing_with(Failure::BadRequest).await;
    assert!(
        matches!(&e, BotApiError::Permanent { status: 400, description } if description == "Bad Request: message is too long"),
        "{e:?}"
    );
    assert_eq!(e.disposition(), Disposition::DeadLetter);
    assert_eq!(e.to_string(), "the Bot API answered 400: Bad Request: message is too long");
    // A chat that is gone stops its subscription instead.
    let (_, _, e) = send_failing_with(Failure::ChatNotFound).await;
    assert_eq!(e.disposition(), Disposition::Deactivate, "{e:?}");
}

#[tokio::test]
async fn server_and_network_failures_are_transient() {
    let (_, _, e) = send_failing_with(Failure::ServerError).await;
    assert!(matches!(e, BotApiError::Transient { status: Some(500), .. }), "{e:?}");
    assert_eq!(e.disposition(), Disposition::Retry(None));

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let gone = BotApi::new(ConnUrl::new(format!("http://{closed}")), SecretString::from(TOKEN)).unwrap();
    let e = gone.send_message(1, "hi", ParseMode::Plain).await.unwrap_err();
    assert!(matches!(e, BotApiError::Transient { status: None, .. }) && e.is_transient(), "{e:?}");
    assert!(e.to_string().contains("connect"), "the cause is kept: {e}");
    assert_token_hidden(&e);
}

#[tokio::test]
async fn get_updates_returns_only_newer_updates() {
    let (fake, api) = setup().await;
    fake.lock().unwrap().updates =
        vec![update(10, 5, "/start"), update(11, 5, "/subscribe E0"), update(12, 6, "hi")];
    let updates = api.get_updates(11, 0).await.unwrap();
    assert_eq!(updates.iter().map(|u| u.update_id).collect::<Vec<_>>(), [11, 12]);
    let first = updates[0].message.as_ref().unwrap();
    assert_eq!((first.text.as_deref(), first.chat.id), (Some("/subscribe E0"), 5));
    let from = first.from.as_ref().unwrap();
    assert_eq!((from.id, from.username.as_deref(), from.is_bot), (5, Some("ada"), false));
    assert!(api.get_updates(13, 0).await.unwrap().is_empty());
    let f = fake.lock().unwrap();
    assert_eq!(f.calls[0].params, json!({"offset": 11, "timeout": 0}));
}

#[tokio::test]
async fn long_poll_waits_for_the_next_update() {
    let (fake, api) = setup().await;
    let poll = tokio::spawn(async move { api.get_updates(1, 20).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!poll.is_finished(), "the poll answered before any update");
    fake.lock().unwrap().updates.push(update(1, 5, "/start"));
    let updates = tokio::time::timeout(Duration::from_secs(5), poll).await.unwrap().unwrap().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].message.as_ref().and_then(|m| m.text.as_deref()), Some("/start"));
}

#[tokio::test]
async fn set_webhook_sends_the_secret_token() {
    let (fake, api) = setup().await;
    api.set_webhook("https://kickoff.example/telegram/webhook", &SecretString::from("hook-secret_42"))
        .await
        .unwrap();
    api.delete_webhook().await.unwrap();
    let f = fake.lock().unwrap();
    assert_eq!(f.calls[0].method, "setWebhook");
    assert_eq!(
        f.calls[0].params,
        json!({"url": "https://kickoff.example/telegram/webhook", "secret_token": "hook-secret_42"})
    );
    assert_eq!(f.calls[1].method, "deleteWebhook");
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_debug() {
    let (fake, api) = setup().await;
    let shown = format!("{api:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains("AAE-kickoff"), "{shown}");

    // A reply that repeats the request path has the token masked.
    fake.lock().unwrap().failures.push_back(Failure::EchoPath);
    let e = api.send_message(1, "hi", ParseMode::Plain).await.unwrap_err();
    assert_token_hidden(&e);
    assert!(e.to_string().contains(&format!("/bot{MASK}/sendMessage")), "{e}");

    // Each class, from Telegram and from the network.
    for f in [Failure::RateLimited(1), Failure::Blocked, Failure::BadRequest, Failure::ServerError] {
        fake.lock().unwrap().failures.push_back(f);
        assert_token_hidden(&api.get_updates(0, 0).await.unwrap_err());
    }

    // A wrong token is Telegram's 404: permanent.
    let url = ConnUrl::new(start_fake(Shared::default()).await);
    let wrong = BotApi::new(url, SecretString::from("42:wrong")).unwrap();
    let e = wrong.send_message(1, "hi", ParseMode::Plain).await.unwrap_err();
    assert!(matches!(e, BotApiError::Permanent { status: 404, .. }), "{e:?}");
}
