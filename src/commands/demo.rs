//! `kickoff demo`: migrate the configured (by default embedded SQLite) database,
//! import the bundled sample seasons, and show what the database now holds.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use entities::enums::{Market, MatchStatus};
use entities::{leagues, matches, odds, teams};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use workers::process::football_data::{ImportSummary, import_bytes};

/// The sample seasons shipped in `data/football-data/`, compiled in.
pub const SAMPLES: &[(&str, &[u8])] = &[
    ("E0_2022-23.csv", include_bytes!("../../data/football-data/E0_2022-23.csv")),
    ("E0_2023-24.csv", include_bytes!("../../data/football-data/E0_2023-24.csv")),
    ("D1_2023-24.csv", include_bytes!("../../data/football-data/D1_2023-24.csv")),
];

pub async fn run(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    println!("Importing {} sample season(s) ...", SAMPLES.len());
    let started = Instant::now();
    let mut summary = ImportSummary::default();
    for (name, bytes) in SAMPLES {
        import_bytes(db, Path::new(name), bytes, &mut summary).await?;
    }
    super::import::report(&summary, started.elapsed().as_secs_f64());
    println!();
    print_holdings(db).await
}

/// Points, goal difference, goals for, played.
type TableRow = (i64, i64, i64, i64);

async fn print_holdings(db: &DatabaseConnection) -> anyhow::Result<()> {
    println!(
        "Database holds {} leagues, {} teams, {} matches, {} odds rows.",
        leagues::Entity::find().count(db).await?,
        teams::Entity::find().count(db).await?,
        matches::Entity::find().count(db).await?,
        odds::Entity::find().count(db).await?,
    );
    let names: HashMap<i64, String> =
        teams::Entity::find().all(db).await?.into_iter().map(|t| (t.id, t.name)).collect();
    for league in leagues::Entity::find().order_by_asc(leagues::Column::Code).all(db).await? {
        let played = matches::Entity::find()
            .filter(matches::Column::LeagueId.eq(league.id))
            .filter(matches::Column::Status.eq(MatchStatus::Finished))
            .order_by_asc(matches::Column::KickoffAt)
            .all(db)
            .await?;
        let Some(season) = played.iter().map(|m| m.season.clone()).max() else { continue };
        let season_matches: Vec<_> = played.iter().filter(|m| m.season == season).collect();
        let mut table: HashMap<i64, TableRow> = HashMap::new();
        for m in &season_matches {
            let (Some(h), Some(a)) = (m.home_goals, m.away_goals) else { continue };
            let (hp, ap) = match h.cmp(&a) {
                std::cmp::Ordering::Greater => (3, 0),
                std::cmp::Ordering::Equal => (1, 1),
                std::cmp::Ordering::Less => (0, 3),
            };
            for (team, pts, gf, ga) in [(m.home_team_id, hp, h, a), (m.away_team_id, ap, a, h)] {
                let row = table.entry(team).or_default();
                *row = (row.0 + pts, row.1 + i64::from(gf - ga), row.2 + i64::from(gf), row.3 + 1);
            }
        }
        let mut rows: Vec<_> = table.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        println!(
            "\n{} ({}) {season}: {} matches — top of the table",
            league.name,
            league.code,
            season_matches.len()
        );
        println!("  {:<3} {:<22} {:>3} {:>4} {:>4}", "#", "team", "P", "GD", "Pts");
        for (i, (team, (pts, gd, _, played))) in rows.iter().take(5).enumerate() {
            let name = names.get(team).map(String::as_str).unwrap_or("?");
            println!("  {:<3} {:<22} {:>3} {:>+4} {:>4}", i + 1, name, played, gd, pts);
        }
        if let Some(last) = season_matches.last() {
            print_closing_prices(db, last, &names).await?;
        }
    }
    Ok(())
}

async fn print_closing_prices(
    db: &DatabaseConnection,
    m: &matches::Model,
    names: &HashMap<i64, String>,
) -> anyhow::Result<()> {
    let prices = odds::Entity::find()
        .filter(odds::Column::MatchId.eq(m.id))
        .filter(odds::Column::Bookmaker.eq("pinnacle"))
        .filter(odds::Column::Market.eq(Market::OneXTwo))
        .filter(odds::Column::IsClosing.eq(true))
        .all(db)
        .await?;
    let price = |sel: &str| {
        prices
            .iter()
            .find(|o| o.selection == sel)
            .map(|o| format!("{:.2}", o.price))
            .unwrap_or_else(|| "-".into())
    };
    let team = |id: i64| names.get(&id).cloned().unwrap_or_default();
    println!(
        "  last match: {} {}-{} {} ({}), Pinnacle closing 1X2: {} / {} / {}",
        team(m.home_team_id),
        m.home_goals.unwrap_or_default(),
        m.away_goals.unwrap_or_default(),
        team(m.away_team_id),
        m.match_date,
        price("home"),
        price("draw"),
        price("away"),
    );
    Ok(())
}
