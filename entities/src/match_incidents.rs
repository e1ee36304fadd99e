//! `match_incidents`: goals (with scorer and assist), cards, substitutions and missed
//! penalties of a match, per source. `player` is `''` when the source named nobody.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "match_incidents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub match_id: i64,
    /// The site that reported it (`sport1`).
    pub source: String,
    pub minute: i32,
    /// Added time beyond `minute` (45+2: minute 45, extra 2).
    pub extra_minute: Option<i32>,
    /// `home` or `away`.
    pub side: String,
    /// `goal`, `own_goal`, `penalty_goal`, `missed_penalty`, `yellow_card`,
    /// `second_yellow`, `red_card`, `substitution`, or the source's own name.
    pub kind: String,
    pub player: String,
    /// The assist of a goal, or the player going off in a substitution.
    pub other_player: Option<String>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "match_id", to = "id")]
    pub r#match: HasOne<super::matches::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
