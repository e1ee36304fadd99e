//! The demo's Telegram side: without a bot token its alerts go to the fixture site's fake
//! Bot API, to two subscribers who sent `/subscribe` first, and the demo prints what
//! was sent; with a token they go to the real bot's subscribers.

use chrono::Utc;
use entities::secret::ConnUrl;
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use workers::settings::TelegramSettings;

use crate::fixture_site::SiteState;

/// The fake's subscribers and what each sent the bot.
const SUBSCRIBERS: [(i64, &str); 2] = [(1001, "/subscribe E0 8%"), (1002, "/subscribe 12%")];

/// Where the run's alerts go.
pub struct DemoTelegram {
    pub settings: TelegramSettings,
    /// Whether they go to the fixture site's fake (no token configured).
    pub fake: bool,
}

/// Uses the configured bot when it has a token; else points the Bot API at the fixture
/// site at `base`.
pub fn choose(configured: &TelegramSettings, base: &str) -> DemoTelegram {
    if !configured.bot_token.expose_secret().is_empty() {
        println!("Telegram: alerts go to the configured bot's subscribers.");
        return DemoTelegram { settings: configured.clone(), fake: false };
    }
    let settings = TelegramSettings {
        bot_token: SecretString::from("100000:demo-token"),
        api_url: ConnUrl::new(format!("{base}/telegram")),
        ..configured.clone()
    };
    println!("Telegram: no bot token configured, so alerts go to the fixture site's fake Bot API.");
    DemoTelegram { settings, fake: true }
}

/// Subscribes the fake's chats through the bot's own commands (the leagues they name
/// must be known, so after the collection).
pub async fn subscribe(db: &DatabaseConnection) -> anyhow::Result<()> {
    println!("Two chats subscribe to the alerts:");
    for (chat, command) in SUBSCRIBERS {
        let reply = jobs::telegram::commands::reply(db, chat, command, Utc::now()).await?;
        // The reply is MarkdownV2; shown without its escapes.
        println!("  chat {chat}: {command}  →  {}", reply.replace('\\', ""));
    }
    println!();
    Ok(())
}

/// What the fake was asked to send.
pub fn print_sent(site: &SiteState) {
    let calls = site.telegram_calls();
    let sent: Vec<(i64, &str)> = calls.iter().filter_map(|c| c.message()).collect();
    let chats: std::collections::BTreeSet<i64> = sent.iter().map(|(chat, _)| *chat).collect();
    println!("\nTelegram (fake Bot API): {} alerts sent to {} chat(s).", sent.len(), chats.len());
    for chat in chats {
        let n = sent.iter().filter(|(c, _)| *c == chat).count();
        println!("  chat {chat}: {n} alert(s)");
    }
    if let Some((chat, text)) = sent.first() {
        println!("  The first, to chat {chat}, as sent (MarkdownV2):");
        for line in text.lines() {
            println!("    {line}");
        }
    }
}
