//! League tables as each source publishes them: one row per league, season, source
//! and team, overwritten by the newest snapshot of that source.

use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        create_table(
            m,
            "standings",
            vec![
                id(),
                big("league_id"),
                text("season"),
                text("source"),
                big("team_id"),
                int("position"),
                int("played"),
                int("won"),
                int("drawn"),
                int("lost"),
                int("goals_for"),
                int("goals_against"),
                int("points"),
                text_null("form"),
                float_null("xg_for"),
                float_null("xg_against"),
                ts("updated_at"),
            ],
            vec![
                fk("standings", "league_id", "leagues", Cascade),
                fk("standings", "team_id", "teams", Cascade),
            ],
        )
        .await?;
        m.create_index(index(
            "standings",
            "natural_key",
            &["league_id", "season", "source", "team_id"],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["standings"]).await
    }
}
