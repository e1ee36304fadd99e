//! Odds stored as price lines: one row per match, bookmaker, market, line, closing flag
//! and moment, holding the price of each selection (home, draw, away, over, under).
//!
//! A football-data.co.uk row carries about seventy prices; one row per price made
//! `odds` the largest table by far and its writes most of the import time. Grouping the
//! selections of one quote cuts its rows by 2.5× and the index entries with them.
//! `odds` stays readable as before, one row per price, as a view over the lines; its
//! `id` is the line's id × 8 plus the selection's position.

use sea_orm_migration::prelude::*;

use crate::cols::{big, boolean, create_table, float, float_null, id, text, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The selections a line holds, in the order that numbers them in the view's ids.
const SELECTIONS: [&str; 5] = ["home", "draw", "away", "over", "under"];

fn view_sql() -> String {
    let branches: Vec<String> = SELECTIONS
        .iter()
        .enumerate()
        .map(|(k, s)| {
            format!(
                "SELECT id * 8 + {k} AS id, match_id, bookmaker, market, '{s}' AS selection, line, \
                 price_{s} AS price, is_closing, recorded_at FROM odds_lines WHERE price_{s} IS NOT NULL"
            )
        })
        .collect();
    format!("CREATE VIEW odds AS {}", branches.join(" UNION ALL "))
}

fn group_sql() -> String {
    let prices: Vec<String> =
        SELECTIONS.iter().map(|s| format!("MAX(CASE WHEN selection = '{s}' THEN price END)")).collect();
    let columns: Vec<String> = SELECTIONS.iter().map(|s| format!("price_{s}")).collect();
    format!(
        "INSERT INTO odds_lines (match_id, bookmaker, market, line, is_closing, recorded_at, {}) \
         SELECT match_id, bookmaker, market, line, is_closing, recorded_at, {} FROM odds \
         GROUP BY match_id, bookmaker, market, line, is_closing, recorded_at",
        columns.join(", "),
        prices.join(", ")
    )
}

/// The key of a line, newest first per match: the upserts' natural key and "this
/// match's prices, newest first" in one index.
const LINE_KEY: &str = "CREATE UNIQUE INDEX idx_odds_lines_match_recorded ON odds_lines \
     (match_id, recorded_at DESC, bookmaker, market, line, is_closing)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // On SQLite too: every statement on one connection, so none reads the schema from
    // before the view was dropped or created, and a failure leaves the old layout whole.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut columns = vec![
            id(),
            big("match_id"),
            text("bookmaker"),
            text("market"),
            float("line"),
            boolean("is_closing"),
            ts("recorded_at"),
        ];
        columns.extend([
            float_null("price_home"),
            float_null("price_draw"),
            float_null("price_away"),
            float_null("price_over"),
            float_null("price_under"),
        ]);
        // No foreign key, as on the table it replaces: PostgreSQL would check it row by
        // row on the largest table; writers only use match ids they have just resolved.
        create_table(m, "odds_lines", columns, vec![]).await?;
        let conn = m.get_connection();
        conn.execute_unprepared(LINE_KEY).await?;
        conn.execute_unprepared(&group_sql()).await?;
        conn.execute_unprepared("DROP TABLE odds").await?;
        conn.execute_unprepared(&view_sql()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let row_columns = || {
            vec![
                id(),
                big("match_id"),
                text("bookmaker"),
                text("market"),
                text("selection"),
                float("line"),
                float("price"),
                boolean("is_closing"),
                ts("recorded_at"),
            ]
        };
        const COLUMNS: &str = "match_id, bookmaker, market, selection, line, price, is_closing, recorded_at";
        // Through a scratch table: the view must go before a table can take its name.
        create_table(m, "odds_rows", row_columns(), vec![]).await?;
        conn.execute_unprepared(&format!("INSERT INTO odds_rows ({COLUMNS}) SELECT {COLUMNS} FROM odds"))
            .await?;
        conn.execute_unprepared("DROP VIEW odds").await?;
        create_table(m, "odds", row_columns(), vec![]).await?;
        conn.execute_unprepared(&format!("INSERT INTO odds ({COLUMNS}) SELECT {COLUMNS} FROM odds_rows"))
            .await?;
        conn.execute_unprepared("DROP TABLE odds_rows").await?;
        conn.execute_unprepared("DROP TABLE odds_lines").await?;
        conn.execute_unprepared(
            "CREATE UNIQUE INDEX idx_odds_match_recorded ON odds \
             (match_id, recorded_at DESC, bookmaker, market, selection, line, is_closing)",
        )
        .await?;
        Ok(())
    }
}
