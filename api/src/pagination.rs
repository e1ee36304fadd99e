//! Offset and cursor pagination parameters, and fetching one page of a query.

use chrono::{DateTime, Utc};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QuerySelect, Select};

use crate::envelope::{ApiError, ApiResult, Meta, PageMeta, ok};

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;
/// The largest row offset a page may start at (the databases' signed 64-bit bound).
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// A page of `per_page` rows, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: u64,
    pub per_page: u64,
}

impl Page {
    /// Checks the bounds here too, so the rule holds whoever builds a page.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 {
            return Err(ApiError::validation("page", "must be at least 1"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::validation("per_page", "must be between 1 and 100"));
        }
        // Databases take a signed 64-bit offset; a page past that holds nothing anyway.
        if (page - 1).checked_mul(per_page).is_none_or(|o| o > MAX_OFFSET) {
            return Err(ApiError::validation("page", "is beyond the last page any query can have"));
        }
        Ok(Self { page, per_page })
    }

    /// The rows before this page: at most [`MAX_OFFSET`], as [`Page::new`] checks.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page).min(MAX_OFFSET)
    }

    /// The meta of this page out of `total` rows.
    pub fn meta(&self, total: u64) -> Option<Meta> {
        Some(Meta::Page(PageMeta::new(self.page, self.per_page, total)))
    }

    /// The meta of this page with a (possibly cached) total counted at `as_of`.
    pub fn meta_counted(&self, total: u64, as_of: chrono::DateTime<chrono::Utc>) -> Option<Meta> {
        Some(Meta::Page(PageMeta {
            total_as_of: Some(as_of),
            ..PageMeta::new(self.page, self.per_page, total)
        }))
    }
}

/// This page of `select` (filtered and ordered by the caller), each row made an item,
/// answered with the total of every page.
pub async fn fetch_page<E, T>(
    db: &DatabaseConnection,
    select: Select<E>,
    page: Page,
    item: impl FnMut(E::Model) -> T,
) -> ApiResult<Vec<T>>
where
    E: EntityTrait,
    E::Model: Sync,
    T: ParseFromJSON + ToJSON,
{
    let total = select.clone().count(db).await?;
    let rows = select.offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok(ok(rows.into_iter().map(item).collect(), page.meta(total)))
}

/// The last row a cursor page ended on: its kick-off and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub kickoff_at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    /// `{microseconds since the epoch}.{id}`: plain, but clients treat it as opaque.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.kickoff_at.timestamp_micros(), self.id)
    }

    pub fn decode(token: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::validation("cursor", "not a cursor this API issued");
        let (micros, id) = token.split_once('.').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let kickoff_at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        Ok(Self { kickoff_at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let c = Cursor { kickoff_at: DateTime::from_timestamp(1_700_000_000, 5_000).unwrap(), id: 42 };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "x", "1.", ".1", "1.x", "99999999999999999999.1"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_bounds() {
        assert_eq!(Page::new(None, None).unwrap(), Page { page: 1, per_page: 20 });
        assert_eq!(Page::new(Some(3), Some(10)).unwrap().offset(), 20);
        assert!(Page::new(Some(0), None).is_err());
        assert!(Page::new(None, Some(0)).is_err());
        assert!(Page::new(None, Some(101)).is_err());
        // The last page whose offset the databases accept, and the one after it.
        let last = MAX_OFFSET / 100 + 1;
        assert_eq!(Page::new(Some(last), Some(100)).unwrap().offset(), (last - 1) * 100);
        assert!(Page::new(Some(last + 1), Some(100)).is_err());
        assert!(Page::new(Some(u64::MAX), None).is_err());
    }
}
