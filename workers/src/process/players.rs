//! Squads and line-ups → `players`, one row per team and name. A value the page does
//! not give (a line-up has no market value) keeps what a squad page stored.

use sea_orm::{ConnectionTrait, Statement};

use super::fixtures::FixturesError;
use super::teams::resolve;
use sources::rows::PlayerRow;

/// What storing players wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlayersWritten {
    pub written: u64,
    /// `(player, reason)` of each row left out.
    pub rejected: Vec<(String, String)>,
}

const UPSERT: &str = "INSERT INTO players (team_id, name, position, market_value, currency, external_ids) \
     VALUES ($1, $2, $3, $4, $5, '{}') ON CONFLICT (team_id, name) DO UPDATE SET \
     position = COALESCE(excluded.position, players.position), \
     market_value = COALESCE(excluded.market_value, players.market_value), \
     currency = COALESCE(excluded.currency, players.currency)";

/// Stores players of `source` whose teams play in the league `league_id`; a row
/// without its team's name is reported, not guessed.
pub async fn store_players<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    league_id: i64,
    rows: &[PlayerRow],
) -> Result<PlayersWritten, FixturesError> {
    let mut out = PlayersWritten::default();
    for r in rows {
        let name = r.name.trim();
        let Some(team) = r.team.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            out.rejected.push((name.to_owned(), "no team".into()));
            continue;
        };
        if name.is_empty() {
            out.rejected.push((team.to_owned(), "player name missing".into()));
            continue;
        }
        let value = r.market_value.filter(|v| v.is_finite() && *v >= 0.0);
        let (team_id, _) = resolve(conn, source, team, Some(league_id)).await?;
        let stmt = Statement::from_sql_and_values(
            conn.get_database_backend(),
            UPSERT,
            vec![
                team_id.into(),
                name.into(),
                r.position.clone().into(),
                value.into(),
                value.and(r.currency.clone()).into(),
            ],
        );
        out.written += conn.execute_raw(stmt).await?.rows_affected();
    }
    Ok(out)
}
