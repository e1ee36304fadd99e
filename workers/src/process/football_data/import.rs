//! `kickoff import football-data`: files or directories of CSVs into the database.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use indicatif::ProgressBar;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, TransactionTrait};

use super::copy::copy_lines;
use super::store::{Line, league_id, team_ids, upsert_lines, write_rows};
use sources::football_data::{ParsedFile, Rejection, parse};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("database error while importing {path}: {source}")]
    Db { path: String, source: DbErr },
}

/// A file or database that failed to answer may answer later (a malformed file is not
/// an error: its rows are rejected and counted).
impl jobs::Classify for ImportError {
    fn is_transient(&self) -> bool {
        true
    }
}

/// A rejected row with the file it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRejection {
    pub file: String,
    pub rejection: Rejection,
}

impl fmt::Display for FileRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.rejection.line, self.rejection.error)
    }
}

/// Totals of an import.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportSummary {
    pub files: u64,
    /// Files skipped whole because their header is unusable, with the reason.
    pub files_rejected: Vec<(String, String)>,
    pub rows_read: u64,
    pub matches_inserted: u64,
    pub matches_updated: u64,
    /// Matches already stored with the same values.
    pub matches_unchanged: u64,
    pub rows_rejected: u64,
    /// Prices left out of imported rows, each listed in `price_rejections`.
    pub prices_rejected: u64,
    pub stats_rows: u64,
    pub odds_rows: u64,
    pub rejections: Vec<FileRejection>,
    pub price_rejections: Vec<FileRejection>,
}

impl ImportSummary {
    /// Adds the totals of `other` (a later file) to these.
    pub fn merge(&mut self, other: ImportSummary) {
        self.files += other.files;
        self.files_rejected.extend(other.files_rejected);
        self.rows_read += other.rows_read;
        self.matches_inserted += other.matches_inserted;
        self.matches_updated += other.matches_updated;
        self.matches_unchanged += other.matches_unchanged;
        self.rows_rejected += other.rows_rejected;
        self.prices_rejected += other.prices_rejected;
        self.stats_rows += other.stats_rows;
        self.odds_rows += other.odds_rows;
        self.rejections.extend(other.rejections);
        self.price_rejections.extend(other.price_rejections);
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} file(s), {} row(s) read: {} match(es) inserted, {} updated, {} unchanged, {} rejected; \
             {} price(s) rejected; {} stats row(s), {} odds row(s) stored",
            self.files,
            self.rows_read,
            self.matches_inserted,
            self.matches_updated,
            self.matches_unchanged,
            self.rows_rejected,
            self.prices_rejected,
            self.stats_rows,
            self.odds_rows
        )?;
        if !self.files_rejected.is_empty() {
            write!(f, "; {} file(s) rejected", self.files_rejected.len())?;
        }
        Ok(())
    }
}

/// Expands directories into the `.csv` files they hold, sorted by name.
pub fn collect_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    for input in inputs {
        let io = |source| ImportError::Io { path: input.display().to_string(), source };
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Files written at once on PostgreSQL: one more than the cores, each file in its own
/// transaction on its own connection, so the server's cores always have a file to
/// write while the next one is parsed (on 2 cores: 0.81 s for the 16 benchmark files
/// against 0.87 s two at a time, medians of 5). SQLite has one writer.
fn pg_files_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() + 1)
}

/// Imports files (or directories of `.csv` files). Each file is written in its own
/// transaction on PostgreSQL, in transactions of at most [`SQLITE_MATCHES_PER_TXN`]
/// matches on SQLite (a re-run finishes an interrupted one; every write is an upsert);
/// a bad row is counted and skipped, a bad header skips the file, and
/// only an I/O or database failure stops the import.
pub async fn import_paths(
    db: &DatabaseConnection,
    inputs: &[PathBuf],
    progress: &ProgressBar,
) -> Result<ImportSummary, ImportError> {
    let files = collect_files(inputs)?;
    progress.set_length(files.len() as u64);
    let at_once = match db.get_database_backend() {
        DbBackend::Postgres => pg_files_at_once(),
        _ => 1,
    };
    let mut results = futures::stream::iter(&files)
        .map(|path| async move {
            let bytes = std::fs::read(path)
                .map_err(|source| ImportError::Io { path: path.display().to_string(), source })?;
            let mut summary = ImportSummary::default();
            import_bytes(db, path, &bytes, &mut summary).await?;
            Ok::<_, ImportError>((path, summary))
        })
        .buffered(at_once);
    let mut summary = ImportSummary::default();
    while let Some(result) = results.next().await {
        let (path, file) = result?;
        progress.set_message(path.display().to_string());
        summary.merge(file);
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(summary)
}

/// Imports one file's content, adding to `summary`.
pub async fn import_bytes(
    db: &DatabaseConnection,
    path: &Path,
    bytes: &[u8],
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let name = path.display().to_string();
    summary.files += 1;
    let parsed = match parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(file = %name, error = %e, "file rejected");
            summary.files_rejected.push((name, e.to_string()));
            return Ok(());
        }
    };
    summary.rows_read += parsed.rows_read;
    summary.rows_rejected += parsed.rejections.len() as u64;
    summary.prices_rejected += parsed.price_rejections.len() as u64;
    for r in &parsed.rejections {
        tracing::debug!(file = %name, line = r.line, reason = %r.error, "row rejected");
        summary.rejections.push(FileRejection { file: name.clone(), rejection: r.clone() });
    }
    for r in &parsed.price_rejections {
        tracing::debug!(file = %name, line = r.line, reason = %r.error, "price rejected");
        summary.price_rejections.push(FileRejection { file: name.clone(), rejection: r.clone() });
    }
    write_file(db, &parsed, summary).await.map_err(|source| ImportError::Db { path: name, source })
}

/// Matches written per transaction on SQLite. Its one write lock is held for a chunk,
/// not a whole season with its odds, so the embedded queue's writes (fetches, acks,
/// heartbeats) get in between; every write is an upsert, so a file that fails midway
/// is finished by importing it again. PostgreSQL writes a file in one transaction.
pub const SQLITE_MATCHES_PER_TXN: usize = 100;

async fn write_file(
    db: &DatabaseConnection,
    parsed: &ParsedFile,
    summary: &mut ImportSummary,
) -> Result<(), DbErr> {
    let Some(season) = parsed.season() else { return Ok(()) };
    // A file is normally one division; group anyway so a mixed file still lands right.
    let mut divisions: Vec<&str> = parsed.rows.iter().map(|r| r.div.as_str()).collect();
    divisions.sort_unstable();
    divisions.dedup();
    // Leagues and teams first, outside the transaction: team resolution is serialised
    // across tasks, and waiting for it while holding SQLite's write lock would stall
    // every other writer. Both are idempotent, so a failed import leaves nothing wrong.
    let mut plans = Vec::with_capacity(divisions.len());
    for div in divisions {
        let rows: Vec<_> = parsed.rows.iter().filter(|r| r.div == div).cloned().collect();
        let league = league_id(db, div).await?;
        let names: HashSet<&str> = rows.iter().flat_map(|r| [r.home.as_str(), r.away.as_str()]).collect();
        let teams = team_ids(db, &names, league).await?;
        plans.push((div, rows, teams));
    }
    // On PostgreSQL the odds of matches this file creates go in by COPY after the
    // transaction: nothing stored can conflict with them, and COPY writes them several
    // times faster than an upsert. Should it fail, the matches are there without those
    // odds until the lines are upserted below (or the file is imported again).
    let copy = db.get_database_backend() == DbBackend::Postgres;
    let per_txn = if copy { usize::MAX } else { SQLITE_MATCHES_PER_TXN };
    let mut fresh: Vec<Line> = Vec::new();
    let mut txn = db.begin().await?;
    let mut in_txn = 0;
    for (div, rows, teams) in plans {
        for part in rows.chunks(per_txn) {
            if in_txn > 0 && in_txn + part.len() > per_txn {
                txn.commit().await?;
                txn = db.begin().await?;
                in_txn = 0;
            }
            // A write first: on SQLite it takes the write lock now, before the reads,
            // so the transaction cannot meet a stale snapshot when it starts writing.
            let league = league_id(&txn, div).await?;
            let w = write_rows(&txn, part, league, &season, &teams, copy).await?;
            in_txn += part.len();
            summary.matches_inserted += w.matches_inserted;
            summary.matches_updated += w.matches_updated;
            summary.matches_unchanged += w.matches_unchanged;
            summary.stats_rows += w.stats_rows;
            summary.odds_rows += w.odds_rows;
            fresh.extend(w.fresh_lines);
        }
    }
    txn.commit().await?;
    if fresh.is_empty() {
        return Ok(());
    }
    if let Err(e) = copy_lines(db.get_postgres_connection_pool(), &fresh).await {
        // Another writer may have stored a line of these matches meanwhile.
        tracing::warn!(error = %e, lines = fresh.len(), "COPY of odds lines failed; upserting them");
        upsert_lines(db, &fresh).await?;
    }
    Ok(())
}
