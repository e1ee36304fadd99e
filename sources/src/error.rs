//! The parse error every source returns.

/// A body did not hold what the parser expected. Permanent: the same body fails the
/// same way, so the job dead-letters with the snapshot id instead of retrying.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{site} {page}: {field}: {reason}")]
pub struct ParseError {
    /// The site or API (`sofascore`, `fbref`, ...).
    pub site: &'static str,
    /// The page kind or file being parsed (`round events`, a URL, a snapshot name).
    pub page: String,
    /// The JSON path, CSS selector or column that failed.
    pub field: String,
    pub reason: String,
}
