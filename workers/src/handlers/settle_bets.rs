//! `settle_bets`: value bets of finished matches marked won, lost or void.

use jobs::JobFailure;

use crate::inference;
use crate::runtime::Runtime;

pub async fn run(rt: &Runtime) -> Result<(), JobFailure> {
    let s = inference::settle(&rt.db).await?;
    tracing::info!(won = s.won, lost = s.lost, void = s.void, "value bets settled");
    Ok(())
}
