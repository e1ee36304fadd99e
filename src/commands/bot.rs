//! `kickoff bot`: the Telegram bot's long poll, for deployments without a public
//! webhook URL; `kickoff bot set-webhook|delete-webhook` for those with one.

use anyhow::Context;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use workers::notify::{BotApi, poll};

use crate::cli::BotCommand;

use crate::commands::queue::shutdown_signal;
use crate::config::Settings;

fn bot(settings: &Settings) -> anyhow::Result<BotApi> {
    BotApi::from_settings(&settings.telegram)
        .context("setting up the Bot API client")?
        .context("telegram.bot_token is empty: there is no bot to talk to")
}

pub async fn run(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<()> {
    let bot = bot(settings)?;
    poll::run(&bot, db, shutdown_signal()).await.context("telegram long poll")?;
    Ok(())
}

pub async fn webhook(settings: &Settings, command: BotCommand) -> anyhow::Result<()> {
    let bot = bot(settings)?;
    match command {
        BotCommand::SetWebhook { url } => {
            let parsed = reqwest::Url::parse(&url).with_context(|| format!("`{url}` is not a URL"))?;
            anyhow::ensure!(
                matches!(parsed.scheme(), "https" | "http"),
                "`{url}` is not an HTTP(S) URL (Telegram calls webhooks over HTTPS)"
            );
            let secret = &settings.telegram.webhook_secret;
            // Without a secret the API server refuses every webhook call.
            anyhow::ensure!(
                !secret.expose_secret().is_empty(),
                "telegram.webhook_secret is empty: set it (KICKOFF__TELEGRAM__WEBHOOK_SECRET) on the API \
                 server and here, or the server refuses Telegram's calls"
            );
            bot.set_webhook(parsed.as_str(), secret).await.context("setWebhook")?;
            println!("Webhook set: Telegram POSTs updates to {parsed} with the secret token.");
        }
        BotCommand::DeleteWebhook => {
            bot.delete_webhook().await.context("deleteWebhook")?;
            println!("Webhook removed: `kickoff bot` can long-poll again.");
        }
    }
    Ok(())
}
