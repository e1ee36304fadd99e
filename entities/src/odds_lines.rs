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

/// The column of `odds_lines` that holds `selection`'s price, if it is one a line holds.
pub fn price_column(selection: &str) -> Option<&'static str> {
    Some(match selection {
        "home" => "price_home",
        "draw" => "price_draw",
        "away" => "price_away",
        "over" => "price_over",
        "under" => "price_under",
        _ => return None,
    })
}
