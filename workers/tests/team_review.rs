//! Team names an operator can fix, on both engines: a club a new source's spelling
//! created is listed for review; merging it into the real club moves its matches,
//! statistics, odds and aliases (a fixture stored under both names becomes one), keeps
//! its name as an alias so the next page resolves there, and is audited; refusals name
//! their reason. Keeping a team or adding an alias takes it off the list.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use entities::team_review::{self, ReviewError};
use entities::testing::TestDb;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use sources::rows::FixtureRow;
use workers::process::fixtures::store_fixtures;

async fn count(db: &TestDb, sql: &str) -> i64 {
    let stmt = Statement::from_string(db.conn.get_database_backend(), sql.to_owned());
    db.conn.query_one_raw(stmt).await.unwrap().unwrap().try_get_by_index(0).unwrap()
}

async fn sql(db: &TestDb, sql: &str) {
    db.conn
        .execute_raw(Statement::from_string(db.conn.get_database_backend(), sql.to_owned()))
        .await
        .unwrap();
}

fn fixture(home: &str, away: &str, day: u32) -> FixtureRow {
    FixtureRow {
        kickoff: Some(Utc.with_ymd_and_hms(2024, 1, day, 15, 0, 0).unwrap()),
        home: home.into(),
        away: away.into(),
        ..FixtureRow::default()
    }
}

async fn team(db: &TestDb, name: &str) -> i64 {
    count(db, &format!("SELECT id FROM teams WHERE name = '{name}'")).await
}

#[tokio::test]
async fn a_misspelt_club_is_reviewed_and_merged_with_its_matches_odds_and_aliases() {
    for engine in TestDb::engines() {
        let db = TestDb::new(engine).await;
        Migrator::up(&db.conn, None).await.unwrap();
        // football-data.co.uk's names seed the clubs.
        let seed = [
            fixture("Man United", "Arsenal", 1),
            fixture("Chelsea", "Man United", 15),
            fixture("Everton", "Arsenal", 29),
        ];
        store_fixtures(&db.conn, "football-data", "E0", "2023-24", &seed).await.unwrap();
        // A source whose spelling nothing resolves creates a club of its own: the same
        // fixture on the 1st under the new name, and one only it knows.
        let other =
            [fixture("Red Devils Manchester", "Arsenal", 1), fixture("Red Devils Manchester", "Everton", 8)];
        let w = store_fixtures(&db.conn, "oddsite", "E0", "2023-24", &other).await.unwrap();
        assert_eq!(w.teams_created, 1, "{engine:?}");
        let (real, wrong) = (team(&db, "Man United").await, team(&db, "Red Devils Manchester").await);
        let twin = count(
            &db,
            &format!("SELECT id FROM matches WHERE home_team_id = {wrong} AND match_date = '2024-01-01'"),
        )
        .await;
        sql(
            &db,
            &format!(
                "INSERT INTO odds_lines (match_id, bookmaker, market, line, is_closing, recorded_at, price_home, price_draw, price_away) \
                 VALUES ({twin}, 'oddsite', '1x2', 0, false, '2023-12-30 12:00:00+00:00', 2.1, 3.4, 3.5)"
            ),
        )
        .await;
        sql(&db, &format!("INSERT INTO match_stats (match_id, team_id, shots) VALUES ({twin}, {wrong}, 14)"))
            .await;

        sql(
            &db,
            &format!(
                "INSERT INTO news (source, url, title, published_at, team_mentions, created_at) VALUES \
                 ('bbc', 'https://example.com/a', 'Red Devils win', '2024-01-02 10:00:00+00:00', '[{wrong}, {real}]', \
                 '2024-01-02 10:00:00+00:00')"
            ),
        )
        .await;
        let review = team_review::to_review(&db.conn).await.unwrap();
        let names: Vec<&str> = review.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Red Devils Manchester"], "{engine:?}");
        assert_eq!(
            (review[0].matches, review[0].aliases.clone()),
            (2, vec!["oddsite: Red Devils Manchester".to_owned()])
        );

        // Refusals: itself, an unknown team, two clubs that met.
        assert!(matches!(
            team_review::merge(&db.conn, "cli", wrong, wrong).await,
            Err(ReviewError::SameTeam)
        ));
        assert!(matches!(
            team_review::merge(&db.conn, "cli", 999_999, real).await,
            Err(ReviewError::NotFound(999_999))
        ));
        let arsenal = team(&db, "Arsenal").await;
        assert!(matches!(
            team_review::merge(&db.conn, "cli", arsenal, real).await,
            Err(ReviewError::PlayedEachOther(..))
        ));

        let merged = team_review::merge(&db.conn, "op:alice", wrong, real).await.unwrap();
        assert_eq!(
            (merged.matches_moved, merged.matches_folded, merged.aliases_moved),
            (1, 1, 1),
            "{engine:?}"
        );
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM teams WHERE id = {wrong}")).await, 0);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM matches").await, 4, "the fixture stored twice is one");
        let kept = count(
            &db,
            &format!("SELECT id FROM matches WHERE home_team_id = {real} AND away_team_id = {arsenal}"),
        )
        .await;
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM odds_lines WHERE match_id = {kept}")).await, 1);
        assert_eq!(
            count(&db, &format!("SELECT CAST(shots AS BIGINT) FROM match_stats WHERE match_id = {kept} AND team_id = {real}")).await,
            14
        );
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM matches WHERE home_team_id = {real}")).await, 2);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM audit_log WHERE action = 'team.merge' AND actor = 'op:alice'")
                .await,
            1
        );
        // The article that named both now names the kept club once.
        let mentions = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM news WHERE REPLACE(CAST(team_mentions AS TEXT), ' ', '') = '[{real}]'"
            ),
        )
        .await;
        assert_eq!(mentions, 1, "{engine:?}");
        assert!(team_review::to_review(&db.conn).await.unwrap().is_empty());
        // The next page with the old spelling lands on the real club, from any source.
        let again = [fixture("Red Devils Manchester", "Spurs FC", 22)];
        let w = store_fixtures(&db.conn, "another", "E0", "2023-24", &again).await.unwrap();
        assert_eq!(
            count(&db, "SELECT home_team_id FROM matches WHERE match_date = '2024-01-22'").await,
            real
        );
        assert_eq!(w.teams_created, 1, "only Spurs FC is new");

        // Keeping a club, or giving it an alias a source uses, ends its review.
        let spurs = team(&db, "Spurs FC").await;
        assert_eq!(team_review::to_review(&db.conn).await.unwrap().len(), 1);
        team_review::add_alias(&db.conn, "cli", spurs, "sofascore", "Tottenham Hotspur").await.unwrap();
        let taken = team_review::add_alias(&db.conn, "cli", real, "sofascore", "Tottenham Hotspur").await;
        assert!(matches!(taken, Err(ReviewError::AliasTaken { team, .. }) if team == spurs));
        assert!(matches!(
            team_review::add_alias(&db.conn, "cli", spurs, " ", "x").await,
            Err(ReviewError::EmptyAlias)
        ));
        team_review::keep(&db.conn, "cli", spurs).await.unwrap();
        assert!(team_review::to_review(&db.conn).await.unwrap().is_empty(), "{engine:?}");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM audit_log WHERE action IN ('team.keep', 'team.alias')").await,
            2
        );
    }
}
