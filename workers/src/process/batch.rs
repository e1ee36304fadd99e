//! Batched upserts: many rows in one statement on both engines.
//!
//! Rows travel as one JSON array parameter and are unpacked server-side
//! (`jsonb_array_elements` on PostgreSQL, `json_each` on SQLite), so a batch of
//! thousands of rows costs one round trip and one parameter, and the same code path
//! runs on both engines.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde_json::Value;

/// SQL type of a column, for the cast out of JSON.
#[derive(Clone, Copy, Debug)]
pub enum ColType {
    BigInt,
    Int,
    Float,
    Text,
    Bool,
    Date,
    Timestamp,
    /// A JSON value stored as jsonb (PostgreSQL) or JSON text (SQLite).
    Json,
}

impl ColType {
    fn pg(self) -> &'static str {
        match self {
            ColType::BigInt => "bigint",
            ColType::Int => "integer",
            ColType::Float => "double precision",
            ColType::Text => "text",
            ColType::Bool => "boolean",
            ColType::Date => "date",
            ColType::Timestamp => "timestamptz",
            ColType::Json => "jsonb",
        }
    }
}

/// An `INSERT ... ON CONFLICT` over a table's natural key.
pub struct Upsert {
    pub table: &'static str,
    pub columns: &'static [(&'static str, ColType)],
    pub conflict: &'static [&'static str],
    /// Columns overwritten on conflict; empty means `DO NOTHING`.
    pub update: &'static [&'static str],
    /// On conflict, a NULL in the new row keeps the stored value of an `update` column.
    pub keep_on_null: bool,
    /// `update` columns that record a change (`updated_at`) rather than hold data: set
    /// when another column changes, never compared. A conflicting row whose compared
    /// columns already hold the new values is left as it is, so importing the same
    /// data again writes nothing.
    pub stamps: &'static [&'static str],
}

/// Rows per statement: large enough to amortise the round trip, small enough to keep
/// statement memory modest.
pub const BATCH_ROWS: usize = 10_000;

impl Upsert {
    /// The written columns, comma-separated, in row order.
    pub fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(n, _)| *n).collect();
        names.join(", ")
    }

    pub fn sql(&self, backend: DbBackend) -> String {
        let select: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (n, t))| match backend {
                DbBackend::Postgres if matches!(t, ColType::Json) => format!("e->{i} AS {n}"),
                DbBackend::Postgres => format!("(e->>{i})::{} AS {n}", t.pg()),
                _ => format!("json_extract(value, '$[{i}]') AS {n}"),
            })
            .collect();
        let source = match backend {
            DbBackend::Postgres => "jsonb_array_elements($1::jsonb) AS e",
            // `WHERE true` keeps SQLite from reading ON CONFLICT as a join clause.
            _ => "json_each(?1) WHERE true",
        };
        let action = if self.update.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            let value = |c: &str| match self.keep_on_null {
                true => format!("COALESCE(excluded.{c}, {}.{c})", self.table),
                false => format!("excluded.{c}"),
            };
            let sets: Vec<String> = self.update.iter().map(|c| format!("{c} = {}", value(c))).collect();
            // NULL-safe inequality: `IS DISTINCT FROM` on PostgreSQL, `IS NOT` on SQLite.
            let differs = match backend {
                DbBackend::Postgres => "IS DISTINCT FROM",
                _ => "IS NOT",
            };
            let changed: Vec<String> = self
                .update
                .iter()
                .filter(|c| !self.stamps.contains(c))
                .map(|c| format!("{}.{c} {differs} {}", self.table, value(c)))
                .collect();
            match changed.is_empty() {
                true => format!("DO UPDATE SET {}", sets.join(", ")),
                false => format!("DO UPDATE SET {} WHERE {}", sets.join(", "), changed.join(" OR ")),
            }
        };
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {source} ON CONFLICT ({}) {action}",
            self.table,
            self.column_list(),
            select.join(", "),
            self.conflict.join(", "),
        )
    }

    /// Writes `rows` (each a JSON array in column order) in batches; returns the rows
    /// the database reports as written.
    pub async fn execute<C: ConnectionTrait>(&self, conn: &C, rows: &[Value]) -> Result<u64, DbErr> {
        let backend = conn.get_database_backend();
        let sql = self.sql(backend);
        let mut written = 0;
        for chunk in rows.chunks(BATCH_ROWS) {
            let payload = Value::Array(chunk.to_vec()).to_string();
            let stmt = Statement::from_sql_and_values(backend, &sql, [payload.into()]);
            written += conn.execute_raw(stmt).await?.rows_affected();
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Upsert = Upsert {
        table: "t",
        columns: &[("a", ColType::BigInt), ("b", ColType::Text)],
        conflict: &["a"],
        update: &["b"],
        keep_on_null: false,
        stamps: &[],
    };

    #[test]
    fn builds_engine_specific_sql() {
        assert_eq!(
            T.sql(DbBackend::Postgres),
            "INSERT INTO t (a, b) SELECT (e->>0)::bigint AS a, (e->>1)::text AS b FROM \
             jsonb_array_elements($1::jsonb) AS e ON CONFLICT (a) DO UPDATE SET b = excluded.b \
             WHERE t.b IS DISTINCT FROM excluded.b"
        );
        assert_eq!(
            T.sql(DbBackend::Sqlite),
            "INSERT INTO t (a, b) SELECT json_extract(value, '$[0]') AS a, json_extract(value, '$[1]') AS b \
             FROM json_each(?1) WHERE true ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.b IS NOT excluded.b"
        );
        let keep = Upsert { keep_on_null: true, ..T };
        assert!(keep.sql(DbBackend::Postgres).ends_with(
            "DO UPDATE SET b = COALESCE(excluded.b, t.b) WHERE t.b IS DISTINCT FROM COALESCE(excluded.b, t.b)"
        ));
        // A stamp is written with a change but is no change itself.
        let stamped = Upsert { update: &["b", "c"], stamps: &["c"], ..T };
        assert!(
            stamped
                .sql(DbBackend::Sqlite)
                .ends_with("SET b = excluded.b, c = excluded.c WHERE t.b IS NOT excluded.b")
        );
        let only_stamps = Upsert { update: &["c"], stamps: &["c"], ..T };
        assert!(only_stamps.sql(DbBackend::Sqlite).ends_with("DO UPDATE SET c = excluded.c"));
    }
}
