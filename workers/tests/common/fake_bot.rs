//! The fake of Telegram's Bot API (`workers::notify::fake_bot`), started for a test.

pub use workers::notify::fake_bot::{Failure, Fake, Shared, TOKEN};

/// Serves `fake` on a free port; returns its base URL.
pub async fn start_fake(fake: Shared) -> String {
    workers::notify::fake_bot::start(fake).await.unwrap()
}
