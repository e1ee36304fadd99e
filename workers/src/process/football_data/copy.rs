//! Odds lines into PostgreSQL by `COPY`: the import's bulk path for the lines of
//! matches it has just created, which no stored line can conflict with. A COPY is one
//! statement, so it lands whole or not at all.

use std::fmt::Write;

use sea_orm::{DbErr, RuntimeErr};

use super::store::{LINES_UPSERT, Line};

/// Bytes sent per COPY data message.
const CHUNK: usize = 1 << 20;

fn db_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(e.into()))
}

/// Appends `s` in COPY's text format: backslash, tab and line breaks escaped.
fn push_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// The COPY statement: the upsert's table and columns, which [`push_row`] follows.
fn copy_sql() -> String {
    let columns: Vec<&str> = LINES_UPSERT.columns.iter().map(|(name, _)| *name).collect();
    format!("COPY {} ({}) FROM STDIN", LINES_UPSERT.table, columns.join(", "))
}

/// One line as a row of COPY's text format.
pub fn push_row(out: &mut String, l: &Line) {
    let _ = write!(out, "{}\t", l.match_id);
    push_text(out, l.bookmaker);
    out.push('\t');
    push_text(out, l.market);
    let _ = write!(out, "\t{}\t{}\t", l.line, if l.is_closing { 't' } else { 'f' });
    push_text(out, &l.recorded_at);
    for p in l.prices {
        match p {
            Some(p) => {
                let _ = write!(out, "\t{p}");
            }
            None => out.push_str("\t\\N"),
        }
    }
    out.push('\n');
}

/// Writes `lines` with one COPY on a connection of `pool`.
pub async fn copy_lines(pool: &sqlx::PgPool, lines: &[Line]) -> Result<u64, DbErr> {
    if lines.is_empty() {
        return Ok(0);
    }
    let mut conn = pool.acquire().await.map_err(db_err)?;
    let mut copy = conn.copy_in_raw(&copy_sql()).await.map_err(db_err)?;
    let mut buf = String::with_capacity(CHUNK + 256);
    for l in lines {
        push_row(&mut buf, l);
        if buf.len() >= CHUNK {
            copy.send(buf.as_bytes()).await.map_err(db_err)?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await.map_err(db_err)?;
    }
    copy.finish().await.map_err(db_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_escaped_and_nulls_marked() {
        let line = Line {
            match_id: 7,
            bookmaker: "a\tb\\c",
            market: "1x2",
            line: 0.0,
            is_closing: true,
            recorded_at: "2024-01-01T15:00:00Z".into(),
            prices: [Some(2.5), Some(3.1), None, None, Some(1.05)],
        };
        let mut out = String::new();
        push_row(&mut out, &line);
        assert_eq!(out, "7\ta\\tb\\\\c\t1x2\t0\tt\t2024-01-01T15:00:00Z\t2.5\t3.1\t\\N\t\\N\t1.05\n");
        assert_eq!(out.split('\t').count(), LINES_UPSERT.columns.len(), "a field per column");
        assert_eq!(
            copy_sql(),
            "COPY odds_lines (match_id, bookmaker, market, line, is_closing, recorded_at, \
             price_home, price_draw, price_away, price_over, price_under) FROM STDIN"
        );
    }
}
