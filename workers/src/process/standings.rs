//! League tables → `standings`: each source's table of a league and season is kept
//! on its own (sources disagree mid-round), overwritten by that source's newest page.

use chrono::Utc;
use sea_orm::{ConnectionTrait, Statement};

use super::fixtures::FixturesError;
use super::teams::resolve;
use sources::rows::StandingRow;

/// What storing a table wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StandingsWritten {
    pub written: u64,
    /// `(team, reason)` of each line left out.
    pub rejected: Vec<(String, String)>,
}

const UPSERT: &str = "INSERT INTO standings (league_id, season, source, team_id, position, played, won, drawn, \
     lost, goals_for, goals_against, points, form, xg_for, xg_against, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
     ON CONFLICT (league_id, season, source, team_id) DO UPDATE SET position = excluded.position, \
     played = excluded.played, won = excluded.won, drawn = excluded.drawn, lost = excluded.lost, \
     goals_for = excluded.goals_for, goals_against = excluded.goals_against, points = excluded.points, \
     form = excluded.form, xg_for = excluded.xg_for, xg_against = excluded.xg_against, \
     updated_at = excluded.updated_at";

/// Why a table line cannot be stored, if it cannot.
fn invalid(r: &StandingRow) -> Option<String> {
    if r.team.trim().is_empty() {
        return Some("team name missing".into());
    }
    if r.won + r.drawn + r.lost != r.played {
        return Some(format!(
            "{} won + {} drawn + {} lost is not {} played",
            r.won, r.drawn, r.lost, r.played
        ));
    }
    None
}

fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Stores the table of `source` (a site) for the league `league_code` in `season`.
pub async fn store_standings<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    league_code: &str,
    season: &str,
    rows: &[StandingRow],
) -> Result<StandingsWritten, FixturesError> {
    let league = super::football_data::store::league_id(conn, league_code).await?;
    let now = Utc::now();
    let mut out = StandingsWritten::default();
    for r in rows {
        if let Some(reason) = invalid(r) {
            out.rejected.push((r.team.clone(), reason));
            continue;
        }
        let (team, _) = resolve(conn, source, &r.team, Some(league)).await?;
        let stmt = Statement::from_sql_and_values(
            conn.get_database_backend(),
            UPSERT,
            vec![
                league.into(),
                season.into(),
                source.into(),
                team.into(),
                int(r.position).into(),
                int(r.played).into(),
                int(r.won).into(),
                int(r.drawn).into(),
                int(r.lost).into(),
                int(r.goals_for).into(),
                int(r.goals_against).into(),
                r.points.into(),
                r.form.clone().into(),
                r.xg_for.into(),
                r.xg_against.into(),
                now.into(),
            ],
        );
        out.written += conn.execute_raw(stmt).await?.rows_affected();
    }
    Ok(out)
}
