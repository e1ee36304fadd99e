//! `kickoff apikey create|revoke|list`.

use api::auth::keys;
use entities::enums::Role;
use sea_orm::DatabaseConnection;

use crate::cli::{ApikeyCommand, KeyRole};

fn role(r: KeyRole) -> Role {
    match r {
        KeyRole::Member => Role::Member,
        KeyRole::Reader => Role::Reader,
        KeyRole::Operator => Role::Operator,
        KeyRole::Admin => Role::Admin,
    }
}

pub async fn run(db: &DatabaseConnection, command: ApikeyCommand) -> anyhow::Result<()> {
    match command {
        ApikeyCommand::Create { name, role: r } => {
            let (row, key) = keys::create(db, &name, role(r)).await?;
            eprintln!(
                "Created API key `{}` with role {:?}. It is shown once; store it now:",
                row.name, row.role
            );
            println!("{key}");
        }
        ApikeyCommand::Revoke { name } => {
            let row = keys::revoke(db, &name).await?;
            println!("Revoked API key `{}`.", row.name);
        }
        ApikeyCommand::List => {
            println!("{:<24} {:<9} {:<20} {:<20} revoked", "name", "role", "created", "last used");
            let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| "-".into())
            };
            for k in keys::list(db).await? {
                println!(
                    "{:<24} {:<9} {:<20} {:<20} {}",
                    k.name,
                    api::auth::scheme::role_name(k.role),
                    fmt(Some(k.created_at)),
                    fmt(k.last_used_at),
                    fmt(k.revoked_at)
                );
            }
        }
    }
    Ok(())
}
