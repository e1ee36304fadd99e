//! Predictions, value bets and the model registry.

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
            "predictions",
            vec![
                id(),
                big("match_id"),
                text("model_name"),
                text("model_version"),
                float("p_home"),
                float("p_draw"),
                float("p_away"),
                float_null("expected_home_goals"),
                float_null("expected_away_goals"),
                float_null("confidence"),
                ts("created_at"),
            ],
            vec![fk("predictions", "match_id", "matches", Cascade)],
        )
        .await?;
        m.create_index(index("predictions", "match_model", &["match_id", "model_name"], false)).await?;

        create_table(
            m,
            "value_bets",
            vec![
                id(),
                big("prediction_id"),
                big("match_id"),
                text("selection"),
                text("bookmaker"),
                float("price"),
                float("edge"),
                float("kelly_stake"),
                float_null("confidence"),
                text("status"),
                ts("created_at"),
                ts_null("settled_at"),
            ],
            vec![
                fk("value_bets", "prediction_id", "predictions", Cascade),
                fk("value_bets", "match_id", "matches", Cascade),
            ],
        )
        .await?;
        // Settlement scans pending bets per match.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_value_bets_pending ON value_bets (match_id, status) \
                 WHERE status = 'pending'",
            )
            .await?;

        create_table(
            m,
            "model_versions",
            vec![
                id(),
                text("name"),
                text("version"),
                json("params"),
                json("metrics"),
                blob_null("artifact"),
                boolean("active"),
                ts("created_at"),
            ],
            vec![],
        )
        .await?;
        m.create_index(index("model_versions", "name_version", &["name", "version"], true)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["model_versions", "value_bets", "predictions"]).await
    }
}
