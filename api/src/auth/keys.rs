//! API keys: `kk_` followed by 48 hex digits of randomness, shown once at creation;
//! only their SHA-256 is stored, so a leaked table reveals no usable key.

use chrono::Utc;
use entities::api_keys::{ActiveModel, Column, Entity, Model};
use entities::enums::Role;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

/// Every key starts with this, which tells a key from a JWT at a glance.
pub const KEY_PREFIX: &str = "kk_";

/// `last_used_at` is refreshed at most this often per key, sparing a write per request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("an API key named `{0}` already exists")]
    NameTaken(String),
    #[error("no API key named `{0}`")]
    NotFound(String),
    #[error("API key `{0}` is already revoked")]
    AlreadyRevoked(String),
    #[error("a key name must be 1 to 64 characters")]
    BadName,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A fresh random key.
pub fn generate() -> String {
    format!("{KEY_PREFIX}{}", random_hex(24))
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key; returns its row and the key itself, which is not stored anywhere.
pub async fn create<C: ConnectionTrait>(db: &C, name: &str, role: Role) -> Result<(Model, String), KeyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(KeyError::BadName);
    }
    if Entity::find().filter(Column::Name.eq(name)).one(db).await?.is_some() {
        return Err(KeyError::NameTaken(name.to_owned()));
    }
    let key = generate();
    let row = ActiveModel {
        name: Set(name.to_owned()),
        key_hash: Set(hash(&key)),
        role: Set(role),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, key))
}

/// Revokes a key by name; it stops working at once.
pub async fn revoke<C: ConnectionTrait>(db: &C, name: &str) -> Result<Model, KeyError> {
    let row = Entity::find()
        .filter(Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| KeyError::NotFound(name.to_owned()))?;
    if row.revoked_at.is_some() {
        return Err(KeyError::AlreadyRevoked(name.to_owned()));
    }
    let mut active: ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// Whether the key `name` still exists unrevoked with `role`: what a login made with
/// it rests on.
pub async fn is_live<C: ConnectionTrait>(db: &C, name: &str, role: Role) -> Result<bool, DbErr> {
    let row =
        Entity::find().filter(Column::Name.eq(name)).filter(Column::RevokedAt.is_null()).one(db).await?;
    Ok(row.is_some_and(|r| r.role == role))
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<Model>, DbErr> {
    Entity::find().order_by_asc(Column::Name).all(db).await
}

/// The live key row for a presented key, if any, with `last_used_at` refreshed.
pub async fn authenticate<C: ConnectionTrait>(db: &C, key: &str) -> Result<Option<Model>, DbErr> {
    let Some(row) = Entity::find()
        .filter(Column::KeyHash.eq(hash(key)))
        .filter(Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if row.last_used_at.is_none_or(|t| now - t > TOUCH_EVERY) {
        let mut active: ActiveModel = row.clone().into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hashed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 48, "{a}");
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
        assert!(!hash(&a).contains(&a[3..]));
    }
}
