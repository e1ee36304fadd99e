//! Which chats want an alert: active subscriptions whose filters (a JSON object such as
//! `{"league": "E0", "min_edge": 0.05}`, both optional) let it through.

use entities::telegram_subscriptions::{self, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use super::alert::Alert;

/// A subscription's filters; a missing one lets everything through.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Filters {
    /// Division code, e.g. `E0`.
    pub league: Option<String>,
    /// Smallest edge (`p × price − 1`) worth an alert.
    pub min_edge: Option<f64>,
}

impl Filters {
    pub fn admits(&self, alert: &Alert) -> bool {
        self.league.as_deref().is_none_or(|l| l.eq_ignore_ascii_case(&alert.league_code))
            && self.min_edge.is_none_or(|m| alert.edge >= m)
    }
}

/// Active subscriptions that want `alert`, oldest first. A subscription whose filters
/// are not readable gets nothing (and a warning) rather than everything.
pub async fn matching(
    db: &DatabaseConnection,
    alert: &Alert,
) -> Result<Vec<telegram_subscriptions::Model>, DbErr> {
    let active = Entity::find().filter(Column::Active.eq(true)).order_by_asc(Column::Id).all(db).await?;
    Ok(active
        .into_iter()
        .filter(|s| match filters_of(&s.filters) {
            Ok(f) => f.admits(alert),
            Err(e) => {
                tracing::warn!(chat = s.chat_id, error = %e, "unreadable subscription filters");
                false
            }
        })
        .collect())
}

/// A null or absent object means no filter.
fn filters_of(v: &serde_json::Value) -> Result<Filters, serde_json::Error> {
    if v.is_null() { Ok(Filters::default()) } else { Filters::deserialize(v) }
}

/// Stops alerts to a chat that blocked the bot or is gone.
pub async fn deactivate(db: &DatabaseConnection, id: i64) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Active, Expr::value(false))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Points a subscription at the chat's new id (a group that became a supergroup). When
/// the new chat already has its own subscription, that one stands and this one stops.
pub async fn move_chat(db: &DatabaseConnection, id: i64, to: i64) -> Result<(), DbErr> {
    let taken = Entity::find().filter(Column::ChatId.eq(to)).one(db).await?.is_some();
    if taken {
        return deactivate(db, id).await;
    }
    Entity::update_many()
        .col_expr(Column::ChatId, Expr::value(to))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn alert(league: &str, edge: f64) -> Alert {
        Alert {
            value_bet_id: 1,
            match_id: 1,
            home: "A".into(),
            away: "B".into(),
            league_code: league.into(),
            league_name: "L".into(),
            kickoff_at: chrono::DateTime::UNIX_EPOCH,
            selection: "home".into(),
            bookmaker: "b".into(),
            price: 2.0,
            probability: 0.55,
            edge,
            kelly_stake: 0.01,
            confidence: None,
            market_probability: None,
            price_seen_at: None,
            rule: None,
        }
    }

    #[test]
    fn league_and_min_edge_each_narrow_when_set() {
        let f = |v: serde_json::Value| Filters::deserialize(&v).unwrap();
        let everything = f(json!({}));
        let e0 = f(json!({"league": "E0"}));
        let big = f(json!({"min_edge": 0.08}));
        let both = f(json!({"league": "E0", "min_edge": 0.08, "note": "ignored"}));
        assert!(everything.admits(&alert("D1", 0.01)));
        assert!(e0.admits(&alert("E0", 0.01)) && !e0.admits(&alert("D1", 0.2)));
        assert!(big.admits(&alert("D1", 0.08)) && !big.admits(&alert("D1", 0.079)));
        assert!(both.admits(&alert("E0", 0.1)));
        assert!(!both.admits(&alert("E0", 0.05)) && !both.admits(&alert("D1", 0.1)));
        assert!(filters_of(&json!({"min_edge": "lots"})).is_err());
        assert_eq!(filters_of(&serde_json::Value::Null).unwrap(), Filters::default());
    }
}
