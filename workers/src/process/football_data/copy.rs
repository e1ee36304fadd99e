//! Odds lines into PostgreSQL by binary `COPY`: the import's bulk path for the lines of
//! matches it has just created, which no stored line can conflict with. A COPY is one
//! statement, so it lands whole or not at all. The binary format spares the server
//! parsing a timestamp and up to six numbers per line.

use std::cmp::Ordering;

use sea_orm::{DbErr, RuntimeErr};

use super::store::{LINES_UPSERT, Line};

/// Bytes sent per COPY data message.
const CHUNK: usize = 1 << 20;

/// The binary COPY header: signature, flags, header-extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end-of-data marker: a tuple of -1 fields.
const TRAILER: [u8; 2] = (-1i16).to_be_bytes();

fn db_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(e.into()))
}

/// The COPY statement: the upsert's table and columns, which [`push_row`] follows.
fn copy_sql() -> String {
    format!("COPY {} ({}) FROM STDIN (FORMAT binary)", LINES_UPSERT.table, LINES_UPSERT.column_list())
}

/// PostgreSQL's timestamp epoch, 2000-01-01 UTC, in microseconds of the Unix epoch.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Field lengths are i32; a bookmaker or market name is a few bytes.
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// One line as a tuple of COPY's binary format, its fields in the columns' order:
/// bigint, text, text, float8, bool, timestamptz (microseconds since 2000), five
/// nullable float8.
pub fn push_row(out: &mut Vec<u8>, l: &Line) {
    let micros = l.recorded_at.timestamp_micros() - PG_EPOCH_MICROS;
    out.extend_from_slice(&(LINES_UPSERT.columns.len() as i16).to_be_bytes());
    field(out, &l.match_id.to_be_bytes());
    field(out, l.bookmaker.as_bytes());
    field(out, l.market.as_bytes());
    field(out, &l.line.to_be_bytes());
    field(out, &[u8::from(l.is_closing)]);
    field(out, &micros.to_be_bytes());
    for p in l.prices {
        match p {
            Some(p) => field(out, &p.to_be_bytes()),
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
}

/// Orders lines as the unique index `idx_odds_lines_match_recorded` does: match,
/// newest first, bookmaker, market, line, closing flag. Each index entry then lands on
/// the leaf page the previous one did instead of a page found by a fresh descent.
fn key_order(a: &&Line, b: &&Line) -> Ordering {
    a.match_id
        .cmp(&b.match_id)
        .then_with(|| b.recorded_at.cmp(&a.recorded_at))
        .then_with(|| a.bookmaker.cmp(b.bookmaker))
        .then_with(|| a.market.cmp(b.market))
        .then_with(|| a.line.total_cmp(&b.line))
        .then_with(|| a.is_closing.cmp(&b.is_closing))
}

/// Writes `lines` with one COPY on a connection of `pool`, in the unique index's order.
pub async fn copy_lines(pool: &sqlx::PgPool, lines: &[Line]) -> Result<u64, DbErr> {
    if lines.is_empty() {
        return Ok(0);
    }
    let mut ordered: Vec<&Line> = lines.iter().collect();
    ordered.sort_unstable_by(key_order);
    let mut conn = pool.acquire().await.map_err(db_err)?;
    let mut copy = conn.copy_in_raw(&copy_sql()).await.map_err(db_err)?;
    let mut buf = Vec::with_capacity(CHUNK + 256);
    buf.extend_from_slice(HEADER);
    for l in ordered {
        push_row(&mut buf, l);
        if buf.len() >= CHUNK {
            copy.send(buf.as_slice()).await.map_err(db_err)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(&TRAILER);
    copy.send(buf.as_slice()).await.map_err(db_err)?;
    copy.finish().await.map_err(db_err)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn tuples_follow_the_binary_format() {
        let line = Line {
            match_id: 7,
            bookmaker: "b365",
            market: "1x2",
            line: -0.25,
            is_closing: true,
            recorded_at: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 1).unwrap(),
            prices: [Some(2.5), Some(3.1), None, None, Some(1.05)],
        };
        let mut out = Vec::new();
        push_row(&mut out, &line);
        let mut want: Vec<u8> = vec![0, 11];
        let mut f = |bytes: &[u8]| {
            want.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            want.extend_from_slice(bytes);
        };
        f(&[0, 0, 0, 0, 0, 0, 0, 7]);
        f(b"b365");
        f(b"1x2");
        f(&(-0.25f64).to_be_bytes());
        f(&[1]);
        f(&1_000_000i64.to_be_bytes());
        f(&2.5f64.to_be_bytes());
        f(&3.1f64.to_be_bytes());
        want.extend_from_slice(&[0xff; 8]);
        want.extend_from_slice(&(8i32).to_be_bytes());
        want.extend_from_slice(&1.05f64.to_be_bytes());
        assert_eq!(out, want);
        assert_eq!(HEADER.len(), 19);
        assert_eq!(
            copy_sql(),
            "COPY odds_lines (match_id, bookmaker, market, line, is_closing, recorded_at, \
             price_home, price_draw, price_away, price_over, price_under) FROM STDIN (FORMAT binary)"
        );
    }
}
