//! `kickoff migrate up|down|status|fresh`.

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::cli::MigrateAction;

pub async fn run(
    db: &DatabaseConnection,
    action: MigrateAction,
    steps: u32,
    all: bool,
) -> anyhow::Result<()> {
    match action {
        MigrateAction::Up => Migrator::up(db, None).await?,
        MigrateAction::Down => Migrator::down(db, if all { None } else { Some(steps) }).await?,
        MigrateAction::Fresh => migration::fresh(db).await?,
        MigrateAction::Status => {}
    }
    for m in Migrator::get_migration_with_status(db).await? {
        println!("{:<10} {}", format!("{:?}", m.status()).to_lowercase(), m.name());
    }
    Ok(())
}
