//! Leagues, teams, aliases, players, matches, their statistics and odds.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &["odds", "match_stats", "matches", "players", "team_aliases", "teams", "leagues"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        create_table(
            m,
            "leagues",
            vec![id(), text("code"), text("name"), text_null("country"), json("external_ids")],
            vec![],
        )
        .await?;
        m.create_index(index("leagues", "code", &["code"], true)).await?;

        create_table(
            m,
            "teams",
            vec![
                id(),
                text("name"),
                text_null("short_name"),
                big_null("league_id"),
                text_null("logo_url"),
                json("external_ids"),
            ],
            vec![fk("teams", "league_id", "leagues", SetNull)],
        )
        .await?;
        m.create_index(index("teams", "name", &["name"], true)).await?;

        create_table(
            m,
            "team_aliases",
            vec![id(), text("source"), text("alias"), big("team_id")],
            vec![fk("team_aliases", "team_id", "teams", Cascade)],
        )
        .await?;
        m.create_index(index("team_aliases", "source_alias", &["source", "alias"], true)).await?;

        create_table(
            m,
            "players",
            vec![
                id(),
                big_null("team_id"),
                text("name"),
                text_null("position"),
                float_null("market_value"),
                text_null("currency"),
                json("external_ids"),
            ],
            vec![fk("players", "team_id", "teams", SetNull)],
        )
        .await?;
        m.create_index(index("players", "team_name", &["team_id", "name"], true)).await?;

        create_table(
            m,
            "matches",
            vec![
                id(),
                big("league_id"),
                text("season"),
                date("match_date"),
                ts("kickoff_at"),
                big("home_team_id"),
                big("away_team_id"),
                text("status"),
                int_null("home_goals"),
                int_null("away_goals"),
                int_null("ht_home_goals"),
                int_null("ht_away_goals"),
                text_null("referee"),
                json("external_ids"),
                ts("updated_at"),
            ],
            vec![
                fk("matches", "league_id", "leagues", Cascade),
                fk("matches", "home_team_id", "teams", Cascade),
                fk("matches", "away_team_id", "teams", Cascade),
            ],
        )
        .await?;
        m.create_index(index(
            "matches",
            "natural_key",
            &["league_id", "season", "home_team_id", "away_team_id", "match_date"],
            true,
        ))
        .await?;
        m.create_index(index("matches", "home_team", &["home_team_id", "kickoff_at"], false)).await?;
        m.create_index(index("matches", "away_team", &["away_team_id", "kickoff_at"], false)).await?;
        // Upcoming and live matches are what the scheduler and the API ask for most.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_matches_upcoming ON matches (kickoff_at, status) \
                 WHERE status IN ('scheduled', 'live')",
            )
            .await?;

        create_table(
            m,
            "match_stats",
            vec![
                id(),
                big("match_id"),
                big("team_id"),
                float_null("possession"),
                int_null("shots"),
                int_null("shots_on_target"),
                int_null("corners"),
                int_null("fouls"),
                int_null("yellow_cards"),
                int_null("red_cards"),
                float_null("xg"),
            ],
            vec![
                fk("match_stats", "match_id", "matches", Cascade),
                fk("match_stats", "team_id", "teams", Cascade),
            ],
        )
        .await?;
        m.create_index(index("match_stats", "match_team", &["match_id", "team_id"], true)).await?;

        create_table(
            m,
            "odds",
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
            ],
            // No foreign key on the largest table: PostgreSQL checks it row by row, which
            // cost a third of the import time. Odds are only written for match ids the
            // writer has just resolved; code that deletes a match deletes its odds too.
            vec![],
        )
        .await?;
        // One index serves both the upsert's natural key and "this match's prices,
        // newest first": every extra index on the largest table costs import speed.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_odds_match_recorded ON odds \
                 (match_id, recorded_at DESC, bookmaker, market, selection, line, is_closing)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, TABLES).await
    }
}
