//! Team statistics of a match → `match_stats`, merged across sources: a value a page
//! does not give keeps what another source stored.

use sea_orm::{ConnectionTrait, DbErr, Statement};
use sources::rows::TeamStatsRow;

const STATS_UPSERT: &str = "INSERT INTO match_stats (match_id, team_id, possession, shots, shots_on_target, \
     corners, fouls, yellow_cards, red_cards, xg) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (match_id, team_id) DO UPDATE SET \
     possession = COALESCE(excluded.possession, match_stats.possession), \
     shots = COALESCE(excluded.shots, match_stats.shots), \
     shots_on_target = COALESCE(excluded.shots_on_target, match_stats.shots_on_target), \
     corners = COALESCE(excluded.corners, match_stats.corners), \
     fouls = COALESCE(excluded.fouls, match_stats.fouls), \
     yellow_cards = COALESCE(excluded.yellow_cards, match_stats.yellow_cards), \
     red_cards = COALESCE(excluded.red_cards, match_stats.red_cards), \
     xg = COALESCE(excluded.xg, match_stats.xg)";

/// Merges one side's statistics into the row of match `match_id` for team `team`.
pub(super) async fn store_stats<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    team: i64,
    s: &TeamStatsRow,
) -> Result<u64, DbErr> {
    // A possession outside 0–100 or a negative xG is a parser's misreading: leave it out.
    let possession = s.possession.filter(|p| (0.0..=100.0).contains(p));
    let xg = s.xg.filter(|x| x.is_finite() && *x >= 0.0);
    let stmt = Statement::from_sql_and_values(
        conn.get_database_backend(),
        STATS_UPSERT,
        vec![
            match_id.into(),
            team.into(),
            possession.into(),
            s.shots.into(),
            s.shots_on_target.into(),
            s.corners.into(),
            s.fouls.into(),
            s.yellow_cards.into(),
            s.red_cards.into(),
            xg.into(),
        ],
    );
    Ok(conn.execute_raw(stmt).await?.rows_affected())
}
