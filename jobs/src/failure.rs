//! How a job's failure is judged: a transient failure is retried with backoff, a
//! permanent one dead-letters at once.
//!
//! The judgement belongs to the error type that knows its cause ([`Classify`]), so a
//! handler uses `?` and the runtime asks the error; a [`JobFailure`] keeps the error
//! itself, and the dead letter shows its whole chain of causes.

use std::error::Error;
use std::fmt;
use std::time::Duration;

/// An error that knows whether another attempt can succeed.
pub trait Classify: Error + Send + Sync + 'static {
    /// Worth another attempt (the network, a rate limit, a busy database); `false` for
    /// what fails again however often it runs (bad input, a missing row).
    fn is_transient(&self) -> bool;

    /// The least wait before the next attempt, when the other side named one.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// What the runtime does with a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Transient,
    Permanent,
    /// Transient, and the other side named how long to wait: the retry waits at least
    /// that long, more when the backoff is longer.
    RetryAfter(Duration),
}

/// A failed attempt: how to treat it, and the error with its causes.
#[derive(Debug)]
pub struct JobFailure {
    kind: FailureKind,
    error: Box<dyn Error + Send + Sync>,
}

impl<E: Classify> From<E> for JobFailure {
    fn from(error: E) -> Self {
        let kind = match (error.is_transient(), error.retry_after()) {
            (true, Some(after)) => FailureKind::RetryAfter(after),
            (true, None) => FailureKind::Transient,
            (false, _) => FailureKind::Permanent,
        };
        JobFailure { kind, error: Box::new(error) }
    }
}

impl JobFailure {
    pub fn transient(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        JobFailure { kind: FailureKind::Transient, error: error.into() }
    }

    pub fn permanent(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        JobFailure { kind: FailureKind::Permanent, error: error.into() }
    }

    /// Transient, with the least wait before the next attempt.
    pub fn later(error: impl Into<Box<dyn Error + Send + Sync>>, after: Duration) -> Self {
        JobFailure { kind: FailureKind::RetryAfter(after), error: error.into() }
    }

    /// The same failure, said of `what` (`snapshot 12`): the error becomes its cause.
    pub fn context(self, what: impl fmt::Display) -> Self {
        JobFailure { kind: self.kind, error: Box::new(Context { what: what.to_string(), cause: self.error }) }
    }

    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    pub fn is_permanent(&self) -> bool {
        self.kind == FailureKind::Permanent
    }

    /// The least wait before a retry, when one was named.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            FailureKind::RetryAfter(after) => Some(after),
            _ => None,
        }
    }

    /// The error and each of its causes, outermost first, joined by `: `. A cause whose
    /// text its error already shows (`redis: {0}`) is not repeated.
    pub fn message(&self) -> String {
        let mut message = self.error.to_string();
        let mut cause = self.error.source();
        while let Some(e) = cause {
            let text = e.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = e.source();
        }
        message
    }

    /// The error itself, for a caller that wants its type (`downcast_ref`).
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.error.as_ref()
    }
}

impl fmt::Display for JobFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_permanent() { "permanent" } else { "transient" };
        write!(f, "{kind}: {}", self.message())
    }
}

/// What a failure was about, in front of its cause.
#[derive(Debug)]
struct Context {
    what: String,
    cause: Box<dyn Error + Send + Sync>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl Error for Context {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self.cause.as_ref())
    }
}

/// A database error: the connection, the pool or a busy database, all worth a retry.
/// (A query Kickoff wrote wrong fails again; the retries end in a dead letter that
/// shows it.)
impl Classify for sea_orm::DbErr {
    fn is_transient(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Fetch {
        #[error("fetch {url}: {source}")]
        Io { url: String, source: std::io::Error },
        #[error("page {0} has no table")]
        Shape(String),
        #[error("rate limited")]
        Limited(#[source] std::io::Error, Duration),
    }

    impl Classify for Fetch {
        fn is_transient(&self) -> bool {
            !matches!(self, Fetch::Shape(_))
        }
        fn retry_after(&self) -> Option<Duration> {
            match self {
                Fetch::Limited(_, after) => Some(*after),
                _ => None,
            }
        }
    }

    fn fetch(e: Fetch) -> Result<(), JobFailure> {
        Err(e)?
    }

    #[test]
    fn the_error_type_decides_how_a_failure_is_treated() {
        let io = || std::io::Error::other("connection reset");
        let transient = fetch(Fetch::Io { url: "u".into(), source: io() }).unwrap_err();
        assert_eq!(transient.kind(), FailureKind::Transient);
        let permanent = fetch(Fetch::Shape("p".into())).unwrap_err();
        assert!(permanent.is_permanent());
        let later = fetch(Fetch::Limited(io(), Duration::from_secs(7))).unwrap_err();
        assert_eq!(later.retry_after(), Some(Duration::from_secs(7)));
        assert!(!later.is_permanent());
    }

    #[test]
    fn the_message_carries_every_cause_once() {
        let io = std::io::Error::other("connection reset");
        // The outer error already prints its source: not repeated.
        let shown = fetch(Fetch::Io { url: "u".into(), source: io }).unwrap_err();
        assert_eq!(shown.message(), "fetch u: connection reset");
        // A source the error does not print is added, and context goes in front.
        let hidden = fetch(Fetch::Limited(std::io::Error::other("429"), Duration::ZERO))
            .unwrap_err()
            .context("snapshot 12");
        assert_eq!(hidden.message(), "snapshot 12: rate limited: 429");
        assert_eq!(hidden.to_string(), "transient: snapshot 12: rate limited: 429");
        assert_eq!(
            JobFailure::permanent("bad row").context("line 3").to_string(),
            "permanent: line 3: bad row"
        );
    }
}
