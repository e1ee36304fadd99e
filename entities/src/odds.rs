//! `odds`: one price of one selection at one bookmaker at one moment.
//!
//! A view over [`odds_lines`](super::odds_lines), which stores the selections of one
//! quote together; read it, write the lines. `id` is the line's id × 8 plus the
//! selection's position (home 0, draw 1, away 2, over 3, under 4), so it is stable.
//!
//! `line` is the handicap or total for markets that have one and `0` for 1X2, so the
//! natural key (match, bookmaker, market, selection, line, is_closing, recorded_at)
//! has no NULLs and upserts work the same on PostgreSQL and SQLite.

use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::Market;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "odds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub match_id: i64,
    pub bookmaker: String,
    pub market: Market,
    /// `home`, `draw`, `away`, `over` or `under`.
    pub selection: String,
    pub line: f64,
    /// Decimal odds, always > 1.0.
    pub price: f64,
    pub is_closing: bool,
    pub recorded_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "match_id", to = "id")]
    pub r#match: HasOne<super::matches::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
