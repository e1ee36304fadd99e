//! `odds_lines`: the prices of one quote, one match's market at one bookmaker at one
//! moment, a column per selection (NULL where the quote has none). The storage behind
//! the [`odds`](super::odds) view; the natural key is (match, recorded_at, bookmaker,
//! market, line, is_closing).

use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::enums::Market;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "odds_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub match_id: i64,
    pub bookmaker: String,
    pub market: Market,
    pub line: f64,
    pub is_closing: bool,
    pub recorded_at: DateTimeUtc,
    pub price_home: Option<f64>,
    pub price_draw: Option<f64>,
    pub price_away: Option<f64>,
    pub price_over: Option<f64>,
    pub price_under: Option<f64>,
}

impl ActiveModelBehavior for ActiveModel {}

/// The selections a line holds, in the order of [`PRICE_COLUMNS`] (and of the `odds`
/// view's id offsets).
pub const SELECTIONS: [&str; 5] = ["home", "draw", "away", "over", "under"];

/// The price column of each of [`SELECTIONS`].
pub const PRICE_COLUMNS: [&str; 5] = ["price_home", "price_draw", "price_away", "price_over", "price_under"];

/// The position of `selection` in [`SELECTIONS`], if it is one a line holds.
pub fn selection_index(selection: &str) -> Option<usize> {
    SELECTIONS.iter().position(|s| *s == selection)
}

/// The column of `odds_lines` that holds `selection`'s price, if it is one a line holds.
pub fn price_column(selection: &str) -> Option<&'static str> {
    selection_index(selection).map(|i| PRICE_COLUMNS[i])
}
