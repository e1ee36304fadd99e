//! `notify_value_bet` through the worker runtime: a SQLite database, each backend's
//! queues (Redis under a fresh prefix, and the embedded queue), and the fake Bot API. The alert arrives as rendered, only where the
//! filters want it, once per chat however often the job runs, within one message a
//! second per chat; blocked chats are deactivated, other refusals dead-letter.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::fake_bot::{Failure, Shared};
use entities::alert_deliveries;
use entities::enums::{BetStatus, DeliveryState, Market};
use entities::{odds_lines, telegram_subscriptions, value_bets};
use jobs::alert_deliveries::{DIED_DURING_SEND, Resolution, ReviewError};
use jobs::catalogue::NotifyValueBet;
use jobs::catalogue::{Maintenance, MaintenanceTask};
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::{AnyJob, AttemptError, Envelope};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use serde_json::{Value, json};
use workers::runtime::Outcome;

use common::backends::Backend;
use common::world::World;

on_both_backends!(
    golden_alert_arrives_as_rendered,
    filters_pick_the_chats_by_league_and_min_edge,
    a_job_run_twice_or_concurrently_sends_once_per_chat,
    blocked_chat_is_deactivated_and_the_others_still_get_the_alert,
    bad_request_dead_letters_with_telegrams_description_after_the_other_chats,
    a_chat_that_is_gone_is_deactivated,
    a_group_that_became_a_supergroup_gets_the_alert_under_its_new_id,
    rate_limit_retries_after_telegrams_wait_and_skips_served_chats,
    a_missing_value_bet_dead_letters,
    no_alert_goes_out_once_the_match_has_kicked_off,
    a_burst_of_100_alerts_to_5_chats_keeps_one_message_a_second_per_chat,
    ninety_chats_share_the_limit_of_30_messages_a_second,
    a_group_gets_at_most_20_messages_a_minute,
    a_send_that_times_out_after_telegram_took_it_is_uncertain_and_never_sent_again,
    a_gateway_error_or_a_garbled_success_leaves_the_delivery_uncertain,
    a_queue_backend_that_forgets_everything_sends_nothing_twice,
    a_run_that_died_during_its_send_leaves_the_chat_uncertain_once_stale,
    a_chat_another_run_is_sending_to_retries_the_job_without_sending,
    an_uncertain_delivery_resent_by_an_operator_goes_to_that_chat_alone,
    a_run_stopped_while_waiting_for_a_slot_holds_no_claim_and_a_later_run_sends,
    an_alert_whose_edge_is_gone_at_the_latest_price_is_not_sent,
);

/// The alert of `seed_brighton_koln`'s value bet, exactly as the chats receive it.
const GOLDEN: &str = "*Value bet*\n\
                      *Brighton & Hove Albion* v *1\\. FC Köln*\n\
                      League: Premier League \\(E0\\)\n\
                      Kickoff: 2026\\-12\\-05 15:00 UTC\n\
                      Selection: *1\\. FC Köln to win*\n\
                      Bookmaker: bet365 at *2\\.10*\n\
                      Model probability: 52\\.0%\n\
                      Edge: \\+9\\.2%\n\
                      Kelly stake: 2\\.3%\n\
                      Confidence: 71\\.0%";

/// Inserts a row and returns it.
async fn save<A>(db: &DatabaseConnection, row: A) -> <A::Entity as EntityTrait>::Model
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    row.insert(db).await.unwrap()
}

async fn world(backend: Backend) -> World {
    common::world::world(backend, |t| t).await
}

/// A world with the Brighton v Köln value bet and `chats` subscribed to everything.
async fn seeded(backend: Backend, chats: &[i64]) -> (World, i64) {
    let w = world(backend).await;
    let bet = w.seed_brighton_koln().await;
    for chat in chats {
        w.subscribe(*chat, json!({}), true).await;
    }
    (w, bet)
}

impl World {
    /// A league, two teams, a match, a prediction and the value bet on the away side
    /// at 2.10; returns the value bet's id.
    async fn seed_brighton_koln(&self) -> i64 {
        let kickoff = Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap();
        entities::testing::seed_value_bet(
            &self.db.conn,
            ("E0", "Premier League"),
            ("Brighton & Hove Albion", "1. FC Köln"),
            kickoff,
            [0.28, 0.2, 0.52],
            ("away", 2.1, 0.092),
        )
        .await
        .value_bet_id
    }

    /// Another value bet on the same match and prediction, with `edge`.
    async fn add_value_bet(&self, match_id: i64, prediction_id: i64, edge: f64) -> i64 {
        let bet = value_bets::ActiveModel {
            prediction_id: Set(prediction_id),
            match_id: Set(match_id),
            selection: Set("away".into()),
            bookmaker: Set("bet365".into()),
            price: Set(2.1),
            edge: Set(edge),
            kelly_stake: Set(0.023),
            confidence: Set(Some(0.71)),
            status: Set(BetStatus::Pending),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        save(&self.db.conn, bet).await.id
    }

    async fn subscribe(&self, chat_id: i64, filters: Value, active: bool) -> i64 {
        let sub = telegram_subscriptions::ActiveModel {
            chat_id: Set(chat_id),
            filters: Set(filters),
            active: Set(active),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        save(&self.db.conn, sub).await.id
    }

    async fn run(&self, value_bet_id: i64) -> Outcome {
        let job = Envelope::new(&AnyJob::NotifyValueBet(NotifyValueBet { value_bet_id, chat_id: None }));
        self.rt.execute(job, "notify-test").await.unwrap()
    }

    /// `run` with the job's time limit set to `ms`.
    async fn run_within(&self, value_bet_id: i64, ms: u64) -> Outcome {
        let mut job = Envelope::new(&AnyJob::NotifyValueBet(NotifyValueBet { value_bet_id, chat_id: None }));
        job.timeout_ms = Some(ms);
        self.rt.execute(job, "notify-test").await.unwrap()
    }

    /// The ledger's row of `value_bet_id` to `chat_id`.
    async fn delivery(&self, value_bet_id: i64, chat_id: i64) -> Option<alert_deliveries::Model> {
        alert_deliveries::Entity::find()
            .filter(alert_deliveries::Column::ValueBetId.eq(value_bet_id))
            .filter(alert_deliveries::Column::ChatId.eq(chat_id))
            .one(&self.db.conn)
            .await
            .unwrap()
    }

    /// A claim of another run, `age` old, as a run that is sending (or died sending).
    async fn claimed_elsewhere(&self, value_bet_id: i64, chat_id: i64, age: chrono::Duration) -> i64 {
        let at = Utc::now() - age;
        let row = alert_deliveries::ActiveModel {
            value_bet_id: Set(value_bet_id),
            chat_id: Set(chat_id),
            state: Set(DeliveryState::Sending),
            job_id: Set("01OTHERRUN".into()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        };
        save(&self.db.conn, row).await.id
    }

    fn calls_to(&self, chat_id: i64) -> usize {
        self.sent().get(&chat_id).map_or(0, Vec::len)
    }

    /// The texts each chat was sent, in order.
    fn sent(&self) -> BTreeMap<i64, Vec<String>> {
        let mut by_chat: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for call in self.fake.lock().unwrap().calls.iter().filter(|c| c.method == "sendMessage") {
            by_chat.entry(call.chat_id().unwrap()).or_default().push(call.text().unwrap().to_owned());
        }
        by_chat
    }

    /// The first attempt's error of dead letter `id`.
    async fn letter_error(&self, id: i64) -> AttemptError {
        let letters = dead_letters::list(&self.db.conn, &DeadLetterFilter::default()).await.unwrap();
        dead_letters::errors_of(letters.iter().find(|l| l.id == id).unwrap()).remove(0)
    }

    fn fail_chat(&self, chat_id: i64, failure: Failure) {
        self.fake.lock().unwrap().chat_failures.insert(chat_id, failure);
    }

    async fn is_active(&self, subscription: i64) -> bool {
        telegram_subscriptions::Entity::find_by_id(subscription)
            .one(&self.db.conn)
            .await
            .unwrap()
            .unwrap()
            .active
    }
}

/// A price of a match under way is gone: the job finishes without sending anything.
async fn no_alert_goes_out_once_the_match_has_kicked_off(backend: Backend) {
    let (mut w, bet) = seeded(backend, &[11, 12]).await;
    let kickoff = Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap();
    w.rt.clock = workers::clock::Clock::replaying_from(kickoff + chrono::Duration::seconds(1));
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert!(w.sent().is_empty(), "{:?}", w.sent());
    // A minute before kickoff it still goes out.
    w.rt.clock = workers::clock::Clock::replaying_from(kickoff - chrono::Duration::minutes(1));
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.sent().len(), 2);
}

async fn golden_alert_arrives_as_rendered(backend: Backend) {
    let w = world(backend).await;
    let bet = w.seed_brighton_koln().await;
    w.subscribe(-1_001_234_567_890, json!({}), true).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.sent(), BTreeMap::from([(-1_001_234_567_890, vec![GOLDEN.to_owned()])]));
    let f = w.fake.lock().unwrap();
    assert_eq!(f.calls[0].params["parse_mode"], "MarkdownV2");
}

async fn filters_pick_the_chats_by_league_and_min_edge(backend: Backend) {
    let w = world(backend).await;
    let bet = w.seed_brighton_koln().await;
    for (chat, filters, active) in [
        (1, json!({}), true),
        (2, json!({"league": "E0"}), true),
        (3, json!({"league": "D1"}), true),
        (4, json!({"min_edge": 0.05}), true),
        (5, json!({"min_edge": 0.10}), true),
        (6, json!({}), false),
        (7, json!({"league": "E0", "min_edge": 0.2}), true),
        (8, json!({"league": "E0", "min_edge": 0.09}), true),
        (9, json!({"min_edge": "high"}), true),
    ] {
        w.subscribe(chat, filters, active).await;
    }
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.sent().keys().copied().collect::<Vec<_>>(), [1, 2, 4, 8]);
}

async fn a_job_run_twice_or_concurrently_sends_once_per_chat(backend: Backend) {
    let (w, bet) = seeded(backend, &[11, 12, 13]).await;
    let (a, b) = tokio::join!(w.run(bet), w.run(bet));
    // A run that met the other's claim on a chat retries to see how that send ended.
    for outcome in [&a, &b] {
        assert!(matches!(outcome, Outcome::Succeeded | Outcome::Retried { .. }), "{outcome:?}");
    }
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let sent = w.sent();
    assert_eq!(sent.len(), 3);
    assert!(sent.values().all(|texts| texts.len() == 1), "{sent:?}");
}

async fn blocked_chat_is_deactivated_and_the_others_still_get_the_alert(backend: Backend) {
    let w = world(backend).await;
    let bet = w.seed_brighton_koln().await;
    let first = w.subscribe(21, json!({}), true).await;
    let blocked = w.subscribe(22, json!({}), true).await;
    w.subscribe(23, json!({}), true).await;
    w.fail_chat(22, Failure::Blocked);
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert!(!w.is_active(blocked).await);
    assert!(w.is_active(first).await);
    let sent = w.sent();
    assert_eq!(sent.keys().copied().collect::<Vec<_>>(), [21, 22, 23], "22 was tried once");
    assert_eq!((sent[&21].len(), sent[&23].len()), (1, 1));

    // The next alert no longer goes to the blocked chat.
    let game = value_bets::Entity::find_by_id(bet).one(&w.db.conn).await.unwrap().unwrap();
    let next = w.add_value_bet(game.match_id, game.prediction_id, 0.07).await;
    assert_eq!(w.run(next).await, Outcome::Succeeded);
    let sent = w.sent();
    assert_eq!((sent[&21].len(), sent[&22].len(), sent[&23].len()), (2, 1, 2));
}

async fn bad_request_dead_letters_with_telegrams_description_after_the_other_chats(backend: Backend) {
    let (w, bet) = seeded(backend, &[31, 32, 33]).await;
    w.fail_chat(32, Failure::BadRequest);
    let Outcome::DeadLettered { id: Some(id) } = w.run(bet).await else { panic!("not dead-lettered") };
    let error = w.letter_error(id).await;
    assert!(error.permanent);
    assert_eq!(error.error, "chat 32: the Bot API answered 400: Bad Request: message is too long");
    assert_eq!(w.sent().keys().copied().collect::<Vec<_>>(), [31, 32, 33]);
}

async fn a_chat_that_is_gone_is_deactivated(backend: Backend) {
    let w = world(backend).await;
    let bet = w.seed_brighton_koln().await;
    let gone = w.subscribe(35, json!({}), true).await;
    let kept = w.subscribe(36, json!({}), true).await;
    w.fail_chat(35, Failure::ChatNotFound);
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert!(!w.is_active(gone).await);
    assert!(w.is_active(kept).await);
    assert_eq!(w.sent()[&36].len(), 1);
}

async fn a_group_that_became_a_supergroup_gets_the_alert_under_its_new_id(backend: Backend) {
    let w = world(backend).await;
    let bet = w.seed_brighton_koln().await;
    let first = w.subscribe(37, json!({}), true).await;
    let group = w.subscribe(-38, json!({}), true).await;
    w.fail_chat(-38, Failure::Migrated(-100_038));
    // The attempt follows the group and is retried; the retry sends to the new id and
    // not again to the chat already served.
    assert!(matches!(w.run(bet).await, Outcome::Retried { .. }));
    let moved = telegram_subscriptions::Entity::find_by_id(group).one(&w.db.conn).await.unwrap().unwrap();
    assert_eq!((moved.chat_id, moved.active), (-100_038, true));
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let sent = w.sent();
    assert_eq!((sent[&37].len(), sent[&-100_038].len()), (1, 1), "{:?}", sent.keys());
    assert!(w.is_active(first).await);

    // A supergroup already subscribed under its new id keeps its own subscription; the
    // old group's stops, so the new chat is not sent each alert twice.
    let old = w.subscribe(-39, json!({}), true).await;
    let new = w.subscribe(-100_039, json!({}), true).await;
    w.fail_chat(-39, Failure::Migrated(-100_039));
    let game = value_bets::Entity::find_by_id(bet).one(&w.db.conn).await.unwrap().unwrap();
    let next = w.add_value_bet(game.match_id, game.prediction_id, 0.07).await;
    assert!(matches!(w.run(next).await, Outcome::Retried { .. }));
    assert!(!w.is_active(old).await);
    let kept = telegram_subscriptions::Entity::find_by_id(new).one(&w.db.conn).await.unwrap().unwrap();
    assert_eq!((kept.chat_id, kept.active), (-100_039, true));
    assert_eq!(w.run(next).await, Outcome::Succeeded);
    let sent = w.sent();
    assert_eq!((sent[&-100_039].len(), sent[&-39].len(), sent[&37].len()), (1, 1, 2));
}

async fn rate_limit_retries_after_telegrams_wait_and_skips_served_chats(backend: Backend) {
    let (w, bet) = seeded(backend, &[41, 42, 43]).await;
    w.fail_chat(42, Failure::RateLimited(5));
    match w.run(bet).await {
        Outcome::Retried { attempt: 2, delay_ms } => assert!(delay_ms >= 5_000, "{delay_ms}"),
        other => panic!("{other:?}"),
    }
    w.fake.lock().unwrap().chat_failures.clear();
    // A server error is transient too, with the runtime's own backoff.
    w.fake.lock().unwrap().failures.push_back(Failure::ServerError);
    assert!(matches!(w.run(bet).await, Outcome::Retried { .. }));
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let sent = w.sent();
    // 41 was served by the first run only; 42 was tried three times, 43 once.
    assert_eq!((sent[&41].len(), sent[&42].len(), sent[&43].len()), (1, 3, 1), "{sent:?}");
}

async fn a_missing_value_bet_dead_letters(backend: Backend) {
    let w = world(backend).await;
    w.subscribe(51, json!({}), true).await;
    let Outcome::DeadLettered { id: Some(id) } = w.run(424_242).await else { panic!("not dead-lettered") };
    assert_eq!(w.letter_error(id).await.error, "value bet 424242 does not exist");
    assert!(w.sent().is_empty());
}

/// The time of every message each chat was sent, in order.
fn times_by_chat(fake: &Shared) -> BTreeMap<i64, Vec<Instant>> {
    let mut by_chat: BTreeMap<i64, Vec<Instant>> = BTreeMap::new();
    for call in fake.lock().unwrap().calls.iter().filter(|c| c.method == "sendMessage") {
        by_chat.entry(call.chat_id().unwrap()).or_default().push(call.at);
    }
    by_chat
}

/// The most messages the fake received within any one second.
fn busiest_second(fake: &Shared) -> usize {
    let mut at: Vec<Instant> =
        fake.lock().unwrap().calls.iter().filter(|c| c.method == "sendMessage").map(|c| c.at).collect();
    at.sort();
    (0..at.len())
        .map(|i| at[i..].iter().take_while(|t| **t - at[i] < Duration::from_secs(1)).count())
        .max()
        .unwrap_or(0)
}

/// `n` value bets on Brighton v Köln, alerts for every chat.
async fn bets(w: &World, n: usize) -> Vec<i64> {
    let first = w.seed_brighton_koln().await;
    let game = value_bets::Entity::find_by_id(first).one(&w.db.conn).await.unwrap().unwrap();
    let mut bets = vec![first];
    for _ in 1..n {
        bets.push(w.add_value_bet(game.match_id, game.prediction_id, 0.08).await);
    }
    bets
}

async fn a_burst_of_100_alerts_to_5_chats_keeps_one_message_a_second_per_chat(backend: Backend) {
    let w = world(backend).await;
    let bets = bets(&w, 20).await;
    let chats = [61, 62, 63, 64, 65];
    for chat in chats {
        w.subscribe(chat, json!({}), true).await;
    }
    let started = Instant::now();
    let outcomes = futures::future::join_all(bets.iter().map(|b| w.run(*b))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Succeeded), "{outcomes:?}");
    // 20 messages a chat, a second apart, sent side by side: about 19 s.
    assert!(started.elapsed() < Duration::from_secs(40), "{:?}", started.elapsed());
    let times = times_by_chat(&w.fake);
    assert_eq!(times.keys().copied().collect::<Vec<_>>(), chats);
    for (chat, at) in times {
        assert_eq!(at.len(), 20, "chat {chat}");
        for pair in at.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= Duration::from_millis(900), "chat {chat}: {gap:?} between messages");
        }
    }
    assert!(busiest_second(&w.fake) <= 31, "{}", busiest_second(&w.fake));
}

async fn ninety_chats_share_the_limit_of_30_messages_a_second(backend: Backend) {
    let w = world(backend).await;
    let bets = bets(&w, 3).await;
    for chat in 0..30 {
        w.subscribe(7_000 + chat, json!({}), true).await;
    }
    // 90 messages, 3 per chat: the per-chat limit alone would allow them in 2 s.
    let started = Instant::now();
    let outcomes = futures::future::join_all(bets.iter().map(|b| w.run(*b))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Succeeded), "{outcomes:?}");
    let took = started.elapsed();
    let busiest = busiest_second(&w.fake);
    // One global slot every 1/30 s: 89 gaps take about 3 s, and no second holds more
    // than 30 (31 where a window's edges both catch a slot).
    assert!((25..=31).contains(&busiest), "{busiest} messages in one second");
    assert!(took >= Duration::from_millis(2_800), "{took:?}");
    assert_eq!(times_by_chat(&w.fake).values().map(Vec::len).sum::<usize>(), 90);
}

async fn a_group_gets_at_most_20_messages_a_minute(backend: Backend) {
    let w = world(backend).await;
    let bets = bets(&w, 3).await;
    let (group, private) = (-1_000_000_000_077, 77);
    w.subscribe(group, json!({}), true).await;
    w.subscribe(private, json!({}), true).await;
    let outcomes = futures::future::join_all(bets.iter().map(|b| w.run(*b))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Succeeded), "{outcomes:?}");
    let times = times_by_chat(&w.fake);
    // A group's messages 3 s apart (20 a minute); a private chat's only 1 s.
    for pair in times[&group].windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(2_900), "{:?}", pair[1] - pair[0]);
    }
    let private_gaps: Vec<Duration> = times[&private].windows(2).map(|p| p[1] - p[0]).collect();
    assert!(private_gaps.iter().all(|g| *g >= Duration::from_millis(900)), "{private_gaps:?}");
    assert_eq!((times[&group].len(), times[&private].len()), (3, 3));
}

/// Telegram took the message but its reply came after the send's limit: the chat may
/// have it, so it is recorded uncertain with how the call ended, and no later run sends
/// it again. The call stops inside the job's time limit (3 s here), not at it.
async fn a_send_that_times_out_after_telegram_took_it_is_uncertain_and_never_sent_again(backend: Backend) {
    let (w, bet) = seeded(backend, &[61, 62, 63]).await;
    w.fail_chat(62, Failure::DeliveredButSlow);
    let started = Instant::now();
    // 62's call used the time for waits too, so 63 is left for a retry.
    let first = w.run_within(bet, 3_000).await;
    assert!(started.elapsed() < Duration::from_millis(3_000), "{:?}", started.elapsed());
    assert!(matches!(first, Outcome::Retried { .. }), "{first:?}");
    let row = w.delivery(bet, 62).await.unwrap();
    assert_eq!(row.state, DeliveryState::Uncertain);
    assert!(row.error.as_deref().unwrap().contains("timed out"), "{row:?}");
    assert_eq!(w.delivery(bet, 63).await, None, "never sent: the claim was released");
    w.fake.lock().unwrap().chat_failures.clear();
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!((w.calls_to(61), w.calls_to(62), w.calls_to(63)), (1, 1, 1));
    let sent = w.delivery(bet, 61).await.unwrap();
    // The fake numbers messages by their call's position.
    let position =
        w.fake.lock().unwrap().calls.iter().position(|c| c.chat_id() == Some(61)).unwrap() as i64 + 1;
    assert_eq!((sent.state, sent.message_id), (DeliveryState::Sent, Some(position)));
}

/// A proxy's error page and a success reply that is not JSON prove nothing either way;
/// Telegram's own 500 does (nothing was sent) and is retried, as before.
async fn a_gateway_error_or_a_garbled_success_leaves_the_delivery_uncertain(backend: Backend) {
    let (w, bet) = seeded(backend, &[64, 65, 66]).await;
    w.fail_chat(64, Failure::GatewayError);
    w.fail_chat(65, Failure::DeliveredGarbled);
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let gateway = w.delivery(bet, 64).await.unwrap();
    assert_eq!(gateway.state, DeliveryState::Uncertain);
    assert!(gateway.error.as_deref().unwrap().contains("502"), "{gateway:?}");
    let garbled = w.delivery(bet, 65).await.unwrap();
    assert_eq!(garbled.state, DeliveryState::Uncertain);
    assert!(garbled.error.as_deref().unwrap().contains("not the expected JSON"), "{garbled:?}");
    assert_eq!(w.delivery(bet, 66).await.unwrap().state, DeliveryState::Sent);
    w.fake.lock().unwrap().chat_failures.clear();
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!((w.calls_to(64), w.calls_to(65), w.calls_to(66)), (1, 1, 1));
}

/// The ledger is in the database: a queue backend that lost every key (a Redis restart
/// without persistence, a flushed prefix) sends no alert a second time.
async fn a_queue_backend_that_forgets_everything_sends_nothing_twice(backend: Backend) {
    let (w, bet) = seeded(backend, &[67, 68]).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    w.rt.queues.flush_all().await.unwrap();
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!((w.calls_to(67), w.calls_to(68)), (1, 1));
}

/// A claim left `sending` by a run that died during its call: while it is younger than
/// any run can last it belongs to a live run; older, it turns uncertain, at the next run
/// of the job or at the minutely operator-alert check, and the chat is never sent the
/// alert again. A claim whose send Telegram took, but whose `sent` mark the database
/// refused, is recorded sent from the queue backend, never uncertain.
async fn a_run_that_died_during_its_send_leaves_the_chat_uncertain_once_stale(backend: Backend) {
    let (w, bet) = seeded(backend, &[71, 72]).await;
    w.claimed_elsewhere(bet, 72, chrono::Duration::minutes(3)).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let row = w.delivery(bet, 72).await.unwrap();
    assert_eq!((row.state, row.error.as_deref()), (DeliveryState::Uncertain, Some(DIED_DURING_SEND)));
    assert_eq!((w.calls_to(71), w.calls_to(72)), (1, 0));

    // With no later run of that job, housekeeping finds it.
    let game = value_bets::Entity::find_by_id(bet).one(&w.db.conn).await.unwrap().unwrap();
    let other = w.add_value_bet(game.match_id, game.prediction_id, 0.07).await;
    let fresh = w.claimed_elsewhere(other, 71, chrono::Duration::seconds(5)).await;
    let stale = w.claimed_elsewhere(other, 72, chrono::Duration::minutes(3)).await;
    let check = Envelope::new(&AnyJob::Maintenance(Maintenance { task: MaintenanceTask::OpsAlerts }));
    assert_eq!(w.rt.execute(check, "notify-test").await.unwrap(), Outcome::Succeeded);
    let state = |id| {
        let db = w.db.conn.clone();
        async move { alert_deliveries::Entity::find_by_id(id).one(&db).await.unwrap().unwrap().state }
    };
    assert_eq!((state(fresh).await, state(stale).await), (DeliveryState::Sending, DeliveryState::Uncertain));

    let third = w.add_value_bet(game.match_id, game.prediction_id, 0.06).await;
    let unrecorded = jobs::alert_deliveries::UNRECORDED_SENT_KEY;
    // The check finds one such claim, the next run of the job the other.
    let taken = w.claimed_elsewhere(third, 71, chrono::Duration::minutes(3)).await;
    w.rt.queues.hash_set(unrecorded, &taken.to_string(), 4242).await.unwrap();
    let check = Envelope::new(&AnyJob::Maintenance(Maintenance { task: MaintenanceTask::OpsAlerts }));
    assert_eq!(w.rt.execute(check, "notify-test").await.unwrap(), Outcome::Succeeded);
    let taken = w.claimed_elsewhere(third, 72, chrono::Duration::minutes(3)).await;
    w.rt.queues.hash_set(unrecorded, &taken.to_string(), 4343).await.unwrap();
    assert_eq!(w.run(third).await, Outcome::Succeeded);
    for (chat, message) in [(71, 4242), (72, 4343)] {
        let row = w.delivery(third, chat).await.unwrap();
        assert_eq!((row.state, row.message_id), (DeliveryState::Sent, Some(message)), "{row:?}");
    }
    assert_eq!((w.calls_to(71), w.calls_to(72)), (1, 0), "nothing sent again");
    assert!(w.rt.queues.hash_get_all(unrecorded).await.unwrap().is_empty());
}

/// Two runs of one alert never both send to a chat: the one that finds the other's
/// fresh claim leaves the chat alone and retries, and sends only if that claim was given
/// up (the other run's send provably never reached Telegram).
async fn a_chat_another_run_is_sending_to_retries_the_job_without_sending(backend: Backend) {
    let (w, bet) = seeded(backend, &[73, 74]).await;
    let claim = w.claimed_elsewhere(bet, 74, chrono::Duration::seconds(1)).await;
    // It comes back once that claim would be stale (if its run died, it is settled then).
    match w.run(bet).await {
        Outcome::Retried { delay_ms, .. } => assert!((115_000..=125_000).contains(&delay_ms), "{delay_ms}"),
        other => panic!("{other:?}"),
    }
    assert_eq!((w.calls_to(73), w.calls_to(74)), (1, 0));
    alert_deliveries::Entity::delete_by_id(claim).exec(&w.db.conn).await.unwrap();
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!((w.calls_to(73), w.calls_to(74)), (1, 1));
}

/// An operator settles an uncertain delivery: a resend queues the alert for that chat
/// alone (a chat subscribed since does not get it), once however often it is asked;
/// "the chat has it" records it sent. Only uncertain deliveries are settled by hand.
async fn an_uncertain_delivery_resent_by_an_operator_goes_to_that_chat_alone(backend: Backend) {
    let (w, bet) = seeded(backend, &[81, 82, 83]).await;
    w.fail_chat(82, Failure::GatewayError);
    w.fail_chat(83, Failure::GatewayError);
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    w.fake.lock().unwrap().chat_failures.clear();
    w.subscribe(84, json!({}), true).await;
    let (db, queues) = (&w.db.conn, &w.rt.queues);
    let uncertain = w.delivery(bet, 82).await.unwrap();
    let sent = w.delivery(bet, 81).await.unwrap();
    let refused = jobs::alert_deliveries::resolve(db, queues, sent.id, Resolution::Resend).await;
    assert!(matches!(refused, Err(ReviewError::NotUncertain { .. })), "{refused:?}");

    let before = queues.depth(jobs::queues::NOTIFY).await.unwrap();
    let queued = jobs::alert_deliveries::resolve(db, queues, uncertain.id, Resolution::Resend).await.unwrap();
    assert!(matches!(queued, Some(jobs::Enqueued::Queued { .. })), "{queued:?}");
    assert_eq!(queues.depth(jobs::queues::NOTIFY).await.unwrap(), before + 1);
    let again = jobs::alert_deliveries::resolve(db, queues, uncertain.id, Resolution::Resend).await;
    assert!(matches!(again, Err(ReviewError::NotFound(_))), "{again:?}");
    assert_eq!(w.delivery(bet, 82).await, None);

    let resend = NotifyValueBet { value_bet_id: bet, chat_id: Some(82) };
    assert_eq!(
        w.rt.execute(Envelope::new(&AnyJob::NotifyValueBet(resend)), "notify-test").await.unwrap(),
        Outcome::Succeeded
    );
    assert_eq!((w.calls_to(81), w.calls_to(82), w.calls_to(83), w.calls_to(84)), (1, 2, 1, 0));
    assert_eq!(w.delivery(bet, 82).await.unwrap().state, DeliveryState::Sent);

    let other = w.delivery(bet, 83).await.unwrap();
    assert_eq!(jobs::alert_deliveries::resolve(db, queues, other.id, Resolution::Sent).await.unwrap(), None);
    assert_eq!(w.delivery(bet, 83).await.unwrap().state, DeliveryState::Sent);
    assert_eq!(w.calls_to(83), 1);
}

/// The claim is taken after the rate-limit waits: a run stopped while it waits for the
/// chat's slot (a kill, a deploy) leaves nothing behind, so the chat is not marked
/// uncertain later and the next run sends.
async fn a_run_stopped_while_waiting_for_a_slot_holds_no_claim_and_a_later_run_sends(backend: Backend) {
    let (w, bet) = seeded(backend, &[91]).await;
    // Six earlier messages to the chat: its next slot is about 6 s away, so a run
    // stopped after 1 s is certainly waiting for it.
    for _ in 0..6 {
        w.rt.queues.reserve_slot("notify:rate:chat:91", Duration::from_secs(1), 1).await.unwrap();
    }
    let stopped = tokio::time::timeout(Duration::from_secs(1), w.run(bet)).await;
    assert!(stopped.is_err(), "the run ended before its slot: {stopped:?}");
    assert_eq!(w.delivery(bet, 91).await, None, "a claim held through the wait");
    assert_eq!(w.calls_to(91), 0);
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let row = w.delivery(bet, 91).await.unwrap();
    assert_eq!((row.state, w.calls_to(91)), (DeliveryState::Sent, 1));
}

/// Before sending, the latest stored price is checked against the rule the bet passed: a
/// price shortened below the rule's minimum edge, or drifted past its maximum, sends
/// nothing; one the rule still passes sends, with the bet's evidence (market probability, when the price was seen, the
/// rule's backtested record).
async fn an_alert_whose_edge_is_gone_at_the_latest_price_is_not_sent(backend: Backend) {
    let (w, bet) = seeded(backend, &[95]).await;
    let row = value_bets::Entity::find_by_id(bet).one(&w.db.conn).await.unwrap().unwrap();
    let seen = Utc.with_ymd_and_hms(2026, 12, 5, 13, 2, 0).unwrap();
    let mut evidence: value_bets::ActiveModel = row.clone().into();
    evidence.p_model = Set(Some(0.52));
    evidence.p_market = Set(Some(0.45));
    evidence.price_seen_at = Set(Some(seen));
    evidence.rule = Set(Some(
        json!({"source": "validated", "min_edge": 0.05, "max_edge": 0.15, "bets": 300, "clv": 0.01,
            "roi": 0.02}),
    ));
    evidence.update(&w.db.conn).await.unwrap();
    let quote = |at: chrono::DateTime<Utc>, away: f64| odds_lines::ActiveModel {
        match_id: Set(row.match_id),
        bookmaker: Set("bet365".into()),
        market: Set(Market::OneXTwo),
        line: Set(0.0),
        is_closing: Set(false),
        recorded_at: Set(at),
        price_home: Set(Some(4.0)),
        price_draw: Set(Some(3.5)),
        price_away: Set(Some(away)),
        ..Default::default()
    };
    // Shortened to 1.95: 0.52 × 1.95 − 1 = 1.4%, under the rule's 5%.
    save(&w.db.conn, quote(seen + chrono::Duration::minutes(30), 1.95)).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.calls_to(95), 0, "an alert sent at a price that has gone");

    // Drifted to 2.40: 24.8%, past the rule's 15%, where the model is more likely wrong.
    save(&w.db.conn, quote(seen + chrono::Duration::minutes(35), 2.4)).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.calls_to(95), 0, "an alert sent past the rule's maximum edge");

    // Back to 2.20: 14.4%.
    save(&w.db.conn, quote(seen + chrono::Duration::minutes(40), 2.2)).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let sent = w.sent();
    let text = &sent[&95][0];
    assert!(
        text.ends_with(
            "Market probability: 45\\.0%\nPrice seen: 2026\\-12\\-05 13:02 UTC\n\
             Rule's walk\\-forward backtest: CLV \\+1\\.0%, ROI \\+2\\.0% over 300 bets"
        ),
        "{text}"
    );
}
