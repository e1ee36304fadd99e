//! `settle_bets`: value bets of finished matches marked won, lost or void.

use jobs::catalogue::SettleBets;
use jobs::{Envelope, Handle, Handled, JobFailure};

use super::Cx;
use crate::inference;
use crate::runtime::Runtime;

impl Handle<Runtime> for SettleBets {
    fn handle<'a>(self, rt: &'a Runtime, envelope: &'a Envelope) -> Handled<'a> {
        Box::pin(run(Cx::new(rt, envelope, ())))
    }
}

async fn run(cx: Cx<'_, ()>) -> Result<(), JobFailure> {
    let s = inference::settle(cx.db).await?;
    tracing::info!(won = s.won, lost = s.lost, void = s.void, "value bets settled");
    Ok(())
}
