//! Team names and league codes by id, held in memory for the match lists. Both tables
//! are small reference data that changes rarely; joining them in SQL costs the list two
//! thirds of its database time. The set is reloaded after `TTL`, and at once when a
//! row refers to an id it does not hold (a team created since), so a new team is never
//! missing and a renamed one shows its new name within `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// How long a loaded set is used before it is read again.
pub const TTL: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct Names {
    pub teams: HashMap<i64, String>,
    pub leagues: HashMap<i64, String>,
}

#[derive(Debug, Default)]
pub struct NameCache {
    current: RwLock<Option<(Instant, Arc<Names>)>>,
    /// One reload at a time; the others wait for it rather than all reading the tables.
    reload: tokio::sync::Mutex<()>,
}

async fn load(db: &DatabaseConnection) -> Result<Names, DbErr> {
    let backend = db.get_database_backend();
    let pairs = |sql: &'static str| async move {
        let rows = db.query_all_raw(Statement::from_string(backend, sql)).await?;
        rows.iter()
            .map(|r| Ok((r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<String>(1)?)))
            .collect::<Result<HashMap<_, _>, DbErr>>()
    };
    Ok(Names {
        teams: pairs("SELECT id, name FROM teams").await?,
        leagues: pairs("SELECT id, code FROM leagues").await?,
    })
}

impl NameCache {
    fn fresh(&self, ttl: Duration) -> Option<Arc<Names>> {
        let guard = self.current.read().ok()?;
        let (at, names) = guard.as_ref()?;
        (at.elapsed() < ttl).then(|| names.clone())
    }

    /// A set that holds every id `covers` asks for, reloading when it is stale or lacks one.
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        covers: impl Fn(&Names) -> bool,
    ) -> Result<Arc<Names>, DbErr> {
        if let Some(n) = self.fresh(TTL).filter(|n| covers(n)) {
            return Ok(n);
        }
        let _one = self.reload.lock().await;
        // Another request may have reloaded while this one waited.
        if let Some(n) = self.fresh(TTL).filter(|n| covers(n)) {
            return Ok(n);
        }
        let names = Arc::new(load(db).await?);
        if let Ok(mut slot) = self.current.write() {
            *slot = Some((Instant::now(), names.clone()));
        }
        Ok(names)
    }
}
