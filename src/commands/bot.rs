//! `kickoff bot`: the Telegram bot's long poll, for deployments without a public
//! webhook URL.

use anyhow::Context;
use sea_orm::DatabaseConnection;
use workers::notify::{BotApi, poll};

use crate::commands::queue::shutdown_signal;
use crate::config::Settings;

pub async fn run(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<()> {
    let bot = BotApi::from_settings(&settings.telegram)
        .context("setting up the Bot API client")?
        .context("telegram.bot_token is empty: the bot has nothing to poll with")?;
    poll::run(&bot, db, shutdown_signal()).await.context("telegram long poll")?;
    Ok(())
}
