//! A followed match's state from its live source, written to the match itself (by id:
//! the follower knows which match it polls, whatever the source calls the teams). A
//! finished match stays finished; a score the source no longer gives keeps the stored one.

use sea_orm::{ConnectionTrait, DbErr, Statement};
use sources::rows::{EventKind, EventRow, FixtureRow, Side};

use super::fixtures::MatchChange;

/// Writes `row`'s status and score to match `match_id`; the change, if any.
pub async fn apply_state<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    row: &FixtureRow,
) -> Result<Option<MatchChange>, DbErr> {
    let backend = conn.get_database_backend();
    let before = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT status, home_goals, away_goals FROM matches WHERE id = $1",
            [match_id.into()],
        ))
        .await?;
    let Some(before) = before else { return Ok(None) };
    let before: (String, Option<i32>, Option<i32>) =
        (before.try_get_by_index(0)?, before.try_get_by_index(1)?, before.try_get_by_index(2)?);
    let after = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE matches SET \
             status = CASE WHEN status = 'finished' THEN status ELSE $2 END, \
             home_goals = COALESCE($3, home_goals), away_goals = COALESCE($4, away_goals), \
             ht_home_goals = COALESCE($5, ht_home_goals), ht_away_goals = COALESCE($6, ht_away_goals), \
             updated_at = $7 WHERE id = $1 RETURNING status, home_goals, away_goals",
            [
                match_id.into(),
                row.status.as_str().into(),
                row.home_goals.into(),
                row.away_goals.into(),
                row.ht_home_goals.into(),
                row.ht_away_goals.into(),
                chrono::Utc::now().into(),
            ],
        ))
        .await?;
    let Some(after) = after else { return Ok(None) };
    let after: (String, Option<i32>, Option<i32>) =
        (after.try_get_by_index(0)?, after.try_get_by_index(1)?, after.try_get_by_index(2)?);
    Ok((after != before).then_some(MatchChange {
        match_id,
        status: after.0,
        home_goals: after.1,
        away_goals: after.2,
        before: Some(before),
    }))
}

/// The score right after each goal among `incidents` (oldest first): `(index, home,
/// away)`. An own goal counts for the other side.
pub fn running_score(incidents: &[EventRow]) -> Vec<(usize, i32, i32)> {
    let (mut home, mut away) = (0, 0);
    let mut out = Vec::new();
    for (i, e) in incidents.iter().enumerate() {
        let scored = match (&e.kind, e.side) {
            (EventKind::Goal | EventKind::PenaltyGoal, side) => side,
            (EventKind::OwnGoal, Side::Home) => Side::Away,
            (EventKind::OwnGoal, Side::Away) => Side::Home,
            _ => continue,
        };
        match scored {
            Side::Home => home += 1,
            Side::Away => away += 1,
        }
        out.push((i, home, away));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(minute: u32, side: Side, kind: EventKind) -> EventRow {
        EventRow { minute, extra_minute: None, side, kind, player: None, other_player: None }
    }

    #[test]
    fn own_goals_count_for_the_other_side() {
        let events = [
            goal(10, Side::Home, EventKind::Goal),
            goal(20, Side::Home, EventKind::YellowCard),
            goal(30, Side::Home, EventKind::OwnGoal),
            goal(40, Side::Away, EventKind::PenaltyGoal),
        ];
        assert_eq!(running_score(&events), [(0, 1, 0), (2, 1, 1), (3, 1, 2)]);
    }
}
