//! `kickoff teams review|merge|alias|keep`: the teams a new source's spelling created,
//! and an operator's fixes; `kickoff matches link`: a match linked to a source's id by
//! hand. Both audited as `cli`.

use entities::team_review;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::cli::{MatchesCommand, TeamsCommand};

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

pub async fn run_matches(db: &DatabaseConnection, command: MatchesCommand) -> anyhow::Result<()> {
    match command {
        MatchesCommand::Link { match_id, source, id } => {
            anyhow::ensure!(
                !source.trim().is_empty() && !id.trim().is_empty(),
                "a source and an id are needed"
            );
            let exists = entities::matches::Entity::find_by_id(match_id).one(db).await?.is_some();
            anyhow::ensure!(exists, "match {match_id} does not exist");
            workers::process::fixtures::record_external_id(db, match_id, source.trim(), id.trim()).await?;
            let details = serde_json::json!({ "source": source, "id": id });
            entities::audit_log::record(db, ACTOR, "match.link", Some(match_id.to_string()), details).await?;
            println!("Match {match_id} is `{id}` at {source}; a live source follows it from its kickoff.");
        }
    }
    Ok(())
}
