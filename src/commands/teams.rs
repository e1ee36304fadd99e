//! `kickoff teams review|merge|alias|keep`: the teams a new source's spelling created,
//! and an operator's fixes (audited as `cli`).

use entities::team_review;
use sea_orm::DatabaseConnection;

use crate::cli::TeamsCommand;

/// The audit actor of the command line.
const ACTOR: &str = "cli";

pub async fn run(db: &DatabaseConnection, command: TeamsCommand) -> anyhow::Result<()> {
    match command {
        TeamsCommand::Review => {
            let items = team_review::to_review(db).await?;
            if items.is_empty() {
                println!("No team to review.");
            }
            for t in items {
                let league = t.league.as_deref().unwrap_or("-");
                println!(
                    "{:>6}  {:<32} {:<5} {:>4} matches  {}",
                    t.id,
                    t.name,
                    league,
                    t.matches,
                    t.aliases.join("; ")
                );
            }
        }
        TeamsCommand::Merge { from, into } => {
            let m = team_review::merge(db, ACTOR, from, into).await?;
            println!(
                "Merged team {from} into {into}: {} matches moved, {} duplicated matches folded, {} aliases and {} \
                 players moved.",
                m.matches_moved, m.matches_folded, m.aliases_moved, m.players_moved
            );
        }
        TeamsCommand::Alias { team, source, alias } => {
            team_review::add_alias(db, ACTOR, team, &source, &alias).await?;
            println!("`{alias}` from {source} now names team {team}.");
        }
        TeamsCommand::Keep { team } => {
            team_review::keep(db, ACTOR, team).await?;
            println!("Team {team} kept as a club of its own.");
        }
    }
    Ok(())
}
