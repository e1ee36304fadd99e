//! A match's incidents as a live source reports them, stored once each: a page read again
//! adds nothing, an incident entered late (a goal's assist) updates its row, and the ones
//! new to this write are returned for the live events.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use sources::rows::{EventKind, EventRow, Side};

/// An incident stored for the first time.
#[derive(Clone, Debug, PartialEq)]
pub struct NewIncident {
    pub match_id: i64,
    pub row: EventRow,
}

/// The stored name of an incident kind.
pub fn kind_name(kind: &EventKind) -> String {
    match kind {
        EventKind::Goal => "goal".into(),
        EventKind::OwnGoal => "own_goal".into(),
        EventKind::PenaltyGoal => "penalty_goal".into(),
        EventKind::MissedPenalty => "missed_penalty".into(),
        EventKind::YellowCard => "yellow_card".into(),
        EventKind::SecondYellow => "second_yellow".into(),
        EventKind::RedCard => "red_card".into(),
        EventKind::Substitution => "substitution".into(),
        EventKind::Other(name) => name.clone(),
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Home => "home",
        Side::Away => "away",
    }
}

/// Stores `rows` as `source`'s incidents of match `match_id`; returns those it had not
/// stored before, in the order given.
pub async fn store_incidents<C: ConnectionTrait>(
    conn: &C,
    match_id: i64,
    source: &str,
    rows: &[EventRow],
) -> Result<Vec<NewIncident>, DbErr> {
    let backend = conn.get_database_backend();
    let now = Utc::now();
    let mut new = Vec::new();
    for r in rows {
        let key = vec![
            match_id.into(),
            source.into(),
            kind_name(&r.kind).into(),
            i32::try_from(r.minute).unwrap_or(i32::MAX).into(),
            side_name(r.side).into(),
            r.player.clone().unwrap_or_default().into(),
        ];
        let existing = conn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT id FROM match_incidents WHERE match_id = $1 AND source = $2 AND kind = $3 \
                 AND minute = $4 AND side = $5 AND player = $6",
                key.clone(),
            ))
            .await?;
        let mut values = key;
        values.extend([
            r.extra_minute.map(|m| i32::try_from(m).unwrap_or(i32::MAX)).into(),
            r.other_player.clone().into(),
            now.into(),
        ]);
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO match_incidents (match_id, source, kind, minute, side, player, extra_minute, other_player, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (match_id, source, kind, minute, side, player) DO UPDATE SET \
             extra_minute = COALESCE(excluded.extra_minute, match_incidents.extra_minute), \
             other_player = COALESCE(excluded.other_player, match_incidents.other_player)",
            values,
        ))
        .await?;
        if existing.is_none() {
            new.push(NewIncident { match_id, row: r.clone() });
        }
    }
    Ok(new)
}
