//! `notify_value_bet` through the worker runtime: a SQLite database, Redis queues under a
//! fresh prefix, and the fake Bot API. The alert arrives as rendered, only where the
//! filters want it, once per chat however often the job runs, within one message a
//! second per chat; blocked chats are deactivated, other refusals dead-letter.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::fake_bot::{Failure, Shared, TOKEN, start_fake};
use entities::enums::{BetStatus, MatchStatus};
use entities::secret::ConnUrl;
use entities::testing::{TestDb, unique_name};
use entities::{Engine, leagues, matches, predictions, teams, telegram_subscriptions, value_bets};
use jobs::catalogue::NotifyValueBet;
use jobs::dead_letters::{self, DeadLetterFilter};
use jobs::redis_queue::{RedisQueues, connect};
use jobs::testing::{PrefixGuard, redis_url};
use jobs::{AnyJob, AttemptError, Envelope};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};
use secrecy::SecretString;
use serde_json::{Value, json};
use workers::runtime::{Outcome, Runtime};
use workers::settings::TelegramSettings;

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

struct World {
    db: TestDb,
    fake: Shared,
    rt: Runtime,
    _guard: PrefixGuard,
}

async fn world() -> World {
    let db = TestDb::new(Engine::Sqlite).await;
    Migrator::up(&db.conn, None).await.unwrap();
    let prefix = format!("{}:", unique_name("kickoff_notify"));
    let guard = PrefixGuard::new(redis_url(), prefix.clone());
    let queues = RedisQueues::new(connect(&redis_url()).await.unwrap(), prefix);
    let fake = Shared::default();
    let telegram = TelegramSettings {
        bot_token: SecretString::from(TOKEN),
        api_url: ConnUrl::new(start_fake(fake.clone()).await),
        ..TelegramSettings::default()
    };
    let rt = Runtime::new(db.conn.clone(), queues).with_telegram(&telegram).unwrap();
    World { db, fake, rt, _guard: guard }
}

/// A world with the Brighton v Köln value bet and `chats` subscribed to everything.
async fn seeded(chats: &[i64]) -> (World, i64) {
    let w = world().await;
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
        let db = &self.db.conn;
        let league = leagues::ActiveModel {
            code: Set("E0".into()),
            name: Set("Premier League".into()),
            external_ids: Set(json!({})),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let team = |name: &str| teams::ActiveModel {
            name: Set(name.into()),
            league_id: Set(Some(league.id)),
            external_ids: Set(json!({})),
            ..Default::default()
        };
        let home = team("Brighton & Hove Albion").insert(db).await.unwrap();
        let away = team("1. FC Köln").insert(db).await.unwrap();
        let kickoff = Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap();
        let game = matches::ActiveModel {
            league_id: Set(league.id),
            season: Set("2026-27".into()),
            match_date: Set(kickoff.date_naive()),
            kickoff_at: Set(kickoff),
            home_team_id: Set(home.id),
            away_team_id: Set(away.id),
            status: Set(MatchStatus::Scheduled),
            external_ids: Set(json!({})),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let prediction = predictions::ActiveModel {
            match_id: Set(game.id),
            model_name: Set("ensemble".into()),
            model_version: Set("v1".into()),
            p_home: Set(0.28),
            p_draw: Set(0.2),
            p_away: Set(0.52),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        self.add_value_bet(game.id, prediction.id, 0.092).await
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
        let job = Envelope::new(&AnyJob::NotifyValueBet(NotifyValueBet { value_bet_id }));
        self.rt.execute(job, "notify-test").await.unwrap()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_alert_arrives_as_rendered() {
    let w = world().await;
    let bet = w.seed_brighton_koln().await;
    w.subscribe(-1_001_234_567_890, json!({}), true).await;
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    assert_eq!(w.sent(), BTreeMap::from([(-1_001_234_567_890, vec![GOLDEN.to_owned()])]));
    let f = w.fake.lock().unwrap();
    assert_eq!(f.calls[0].params["parse_mode"], "MarkdownV2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_pick_the_chats_by_league_and_min_edge() {
    let w = world().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_run_twice_or_concurrently_sends_once_per_chat() {
    let (w, bet) = seeded(&[11, 12, 13]).await;
    let (a, b) = tokio::join!(w.run(bet), w.run(bet));
    assert_eq!((a, b), (Outcome::Succeeded, Outcome::Succeeded));
    assert_eq!(w.run(bet).await, Outcome::Succeeded);
    let sent = w.sent();
    assert_eq!(sent.len(), 3);
    assert!(sent.values().all(|texts| texts.len() == 1), "{sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_chat_is_deactivated_and_the_others_still_get_the_alert() {
    let w = world().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_request_dead_letters_with_telegrams_description_after_the_other_chats() {
    let (w, bet) = seeded(&[31, 32, 33]).await;
    w.fail_chat(32, Failure::BadRequest);
    let Outcome::DeadLettered { id } = w.run(bet).await else { panic!("not dead-lettered") };
    let error = w.letter_error(id).await;
    assert!(error.permanent);
    assert_eq!(error.error, "chat 32: the Bot API answered 400: Bad Request: chat not found");
    assert_eq!(w.sent().keys().copied().collect::<Vec<_>>(), [31, 32, 33]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_retries_after_telegrams_wait_and_skips_served_chats() {
    let (w, bet) = seeded(&[41, 42, 43]).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_value_bet_dead_letters() {
    let w = world().await;
    w.subscribe(51, json!({}), true).await;
    let Outcome::DeadLettered { id } = w.run(424_242).await else { panic!("not dead-lettered") };
    assert_eq!(w.letter_error(id).await.error, "value bet 424242 does not exist");
    assert!(w.sent().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_keeps_one_message_a_second_per_chat() {
    let w = world().await;
    let first = w.seed_brighton_koln().await;
    let game = value_bets::Entity::find_by_id(first).one(&w.db.conn).await.unwrap().unwrap();
    let mut bets = vec![first];
    for _ in 1..20 {
        bets.push(w.add_value_bet(game.match_id, game.prediction_id, 0.08).await);
    }
    for chat in [61, 62, 63] {
        w.subscribe(chat, json!({}), true).await;
    }
    let started = std::time::Instant::now();
    let outcomes = futures::future::join_all(bets.iter().map(|b| w.run(*b))).await;
    assert!(outcomes.iter().all(|o| *o == Outcome::Succeeded), "{outcomes:?}");
    assert!(started.elapsed() < Duration::from_secs(28), "{:?}", started.elapsed());
    let f = w.fake.lock().unwrap();
    for chat in [61, 62, 63] {
        let at: Vec<_> = f.calls.iter().filter(|c| c.chat_id() == Some(chat)).map(|c| c.at).collect();
        assert_eq!(at.len(), 20, "chat {chat}");
        for pair in at.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= Duration::from_millis(900), "chat {chat}: {gap:?} between messages");
        }
    }
}
