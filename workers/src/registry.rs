//! The model registry (`model_versions`): trained models with their parameters, their
//! validation metrics and the serialised fit; one active version per name. Inference
//! workers read the active version through a [`ModelCache`], so activating or rolling
//! back takes effect at their next job, without a restart, and a version that fails to
//! load falls back to the one they had (or the newest that loads).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use entities::model_versions;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::backtest::rule::Chosen;
use predict::ensemble::Weights;
use predict::suite::{Suite, SuiteParams};

/// One league's fitted models and its teams' indices in them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeagueModel {
    /// Team id → the index the models know it by.
    pub teams: HashMap<i64, u32>,
    pub suite: Suite,
}

/// What a registered version holds: every league's models and the ensemble weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainedModel {
    /// Fitted on matches strictly before this day.
    pub as_of: NaiveDate,
    pub params: SuiteParams,
    pub leagues: BTreeMap<String, LeagueModel>,
    /// The results-only ensemble's weights, fitted on walk-forward validation forecasts.
    pub weights: Weights,
    /// The ensemble that also weighs the pre-closing market line.
    pub market_weights: Weights,
    /// The ensemble's weight in each league's blend with the market's line (0, or a
    /// league missing: the market's line alone). Absent from versions trained before.
    #[serde(default)]
    pub blend_weights: BTreeMap<String, f64>,
    /// The value-bet rule training chose by closing-line value, with its evidence;
    /// `None` when no rule held a non-negative CLV (or the version predates the rule).
    #[serde(default)]
    pub value_rule: Option<Chosen>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("no version `{version}` of model `{name}`")]
    NoSuchVersion { name: String, version: String },
    #[error("model `{0}` has no active version")]
    NoActive(String),
    #[error("model `{0}` has no earlier version to roll back to")]
    NothingToRollBack(String),
    #[error("version {version} of `{name}` cannot be loaded: {reason}")]
    Corrupt { name: String, version: String, reason: String },
}

/// The database may come back; a missing or corrupt version will not.
impl jobs::Classify for RegistryError {
    fn is_transient(&self) -> bool {
        matches!(self, RegistryError::Db(_))
    }
}

/// A version as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionInfo {
    pub id: i64,
    pub name: String,
    pub version: String,
    pub active: bool,
    pub created_at: chrono::DateTime<Utc>,
    pub metrics: serde_json::Value,
}

/// Stores a trained model as the next version (`v1`, `v2`, ...) of `name`, active when
/// `activate`; returns its version.
pub async fn register(
    conn: &DatabaseConnection,
    name: &str,
    model: &TrainedModel,
    metrics: serde_json::Value,
    activate_it: bool,
) -> Result<String, RegistryError> {
    let artifact = serde_json::to_vec(model).map_err(|e| RegistryError::Corrupt {
        name: name.to_owned(),
        version: "new".into(),
        reason: e.to_string(),
    })?;
    let params = serde_json::to_value(&model.params).unwrap_or_default();
    let count =
        model_versions::Entity::find().filter(model_versions::Column::Name.eq(name)).count(conn).await?;
    let version = format!("v{}", count + 1);
    model_versions::ActiveModel {
        name: Set(name.to_owned()),
        version: Set(version.clone()),
        params: Set(params),
        metrics: Set(metrics),
        artifact: Set(Some(artifact)),
        active: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if activate_it {
        activate(conn, name, &version).await?;
    }
    Ok(version)
}

/// Makes `version` the one active version of `name`.
pub async fn activate(conn: &DatabaseConnection, name: &str, version: &str) -> Result<(), RegistryError> {
    let txn = conn.begin().await?;
    // The write comes first: on SQLite a transaction that reads and then writes cannot
    // wait for a concurrent writer (its snapshot is stale) and fails at once with
    // "database is locked"; one that starts by writing waits out the busy timeout.
    // An unknown version rolls the deactivation back.
    model_versions::Entity::update_many()
        .col_expr(model_versions::Column::Active, sea_orm::sea_query::Expr::value(false))
        .filter(model_versions::Column::Name.eq(name))
        .exec(&txn)
        .await?;
    let target = model_versions::Entity::find()
        .filter(model_versions::Column::Name.eq(name))
        .filter(model_versions::Column::Version.eq(version))
        .one(&txn)
        .await?
        .ok_or_else(|| RegistryError::NoSuchVersion { name: name.to_owned(), version: version.to_owned() })?;
    let mut active: model_versions::ActiveModel = target.into();
    active.active = Set(true);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Activates the version registered before the active one; returns it.
pub async fn rollback(conn: &DatabaseConnection, name: &str) -> Result<String, RegistryError> {
    let versions = list(conn, name).await?;
    let current =
        versions.iter().position(|v| v.active).ok_or_else(|| RegistryError::NoActive(name.to_owned()))?;
    // `list` is newest first: the previous version is the next one in the list.
    let previous =
        versions.get(current + 1).ok_or_else(|| RegistryError::NothingToRollBack(name.to_owned()))?;
    activate(conn, name, &previous.version).await?;
    Ok(previous.version.clone())
}

/// The versions of `name`, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C, name: &str) -> Result<Vec<VersionInfo>, RegistryError> {
    // Without the artifacts: they are large and listing does not need them.
    let rows: Vec<(i64, String, String, bool, chrono::DateTime<Utc>, serde_json::Value)> =
        model_versions::Entity::find()
            .filter(model_versions::Column::Name.eq(name))
            .select_only()
            .columns([
                model_versions::Column::Id,
                model_versions::Column::Name,
                model_versions::Column::Version,
                model_versions::Column::Active,
                model_versions::Column::CreatedAt,
                model_versions::Column::Metrics,
            ])
            .order_by_desc(model_versions::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, version, active, created_at, metrics)| VersionInfo {
            id,
            name,
            version,
            active,
            created_at,
            metrics,
        })
        .collect())
}

fn decode(row: &model_versions::Model) -> Result<TrainedModel, RegistryError> {
    let corrupt = |reason: String| RegistryError::Corrupt {
        name: row.name.clone(),
        version: row.version.clone(),
        reason,
    };
    let bytes = row.artifact.as_deref().ok_or_else(|| corrupt("no artifact".into()))?;
    serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))
}

/// A loaded version.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub id: i64,
    pub version: String,
    pub model: Arc<TrainedModel>,
}

/// The version an inference worker serves, reloaded when another is activated.
#[derive(Debug, Default)]
pub struct ModelCache {
    current: Mutex<Option<Loaded>>,
}

impl ModelCache {
    /// The active version of `name`. A newly activated version is loaded; if it cannot
    /// be, the version already in use stays, or else the newest version that loads.
    pub async fn active<C: ConnectionTrait>(&self, conn: &C, name: &str) -> Result<Loaded, RegistryError> {
        let mut current = self.current.lock().await;
        let active = model_versions::Entity::find()
            .filter(model_versions::Column::Name.eq(name))
            .filter(model_versions::Column::Active.eq(true))
            .one(conn)
            .await?;
        let Some(active) = active else {
            return current.clone().ok_or_else(|| RegistryError::NoActive(name.to_owned()));
        };
        if let Some(c) = current.as_ref().filter(|c| c.id == active.id) {
            return Ok(c.clone());
        }
        match decode(&active) {
            Ok(model) => {
                tracing::info!(model = name, version = %active.version, "model version loaded");
                let loaded =
                    Loaded { id: active.id, version: active.version.clone(), model: Arc::new(model) };
                *current = Some(loaded.clone());
                Ok(loaded)
            }
            Err(e) => {
                tracing::error!(error = %e, "active model version cannot be loaded; falling back");
                if let Some(c) = current.as_ref() {
                    return Ok(c.clone());
                }
                let fallback = self.newest_loadable(conn, name, active.id).await?;
                *current = Some(fallback.clone());
                Ok(fallback)
            }
        }
    }

    /// Forgets the loaded version, so that the next call falls back afresh (after a
    /// version failed to predict).
    pub async fn reject(&self, id: i64) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| c.id == id) {
            *current = None;
        }
    }

    async fn newest_loadable<C: ConnectionTrait>(
        &self,
        conn: &C,
        name: &str,
        except: i64,
    ) -> Result<Loaded, RegistryError> {
        let rows = model_versions::Entity::find()
            .filter(model_versions::Column::Name.eq(name))
            .filter(model_versions::Column::Id.ne(except))
            .order_by_desc(model_versions::Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            if let Ok(model) = decode(&row) {
                tracing::warn!(model = name, version = %row.version, "serving an earlier version");
                return Ok(Loaded { id: row.id, version: row.version, model: Arc::new(model) });
            }
        }
        Err(RegistryError::NoActive(name.to_owned()))
    }
}
