//! How a handler reports failure: transient failures are retried with backoff,
//! permanent ones dead-letter at once.

use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobFailure {
    /// Worth another attempt (network, rate limit, a busy database).
    Transient(String),
    /// Will fail again however often it runs (bad input, parse error).
    Permanent(String),
    /// Transient, and the other side named how long to wait (a rate limit): the retry
    /// waits at least that long, more when the backoff is longer.
    RetryAfter(String, Duration),
}

impl JobFailure {
    pub fn transient(e: impl fmt::Display) -> Self {
        JobFailure::Transient(e.to_string())
    }

    pub fn permanent(e: impl fmt::Display) -> Self {
        JobFailure::Permanent(e.to_string())
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, JobFailure::Permanent(_))
    }

    pub fn message(&self) -> &str {
        match self {
            JobFailure::Transient(m) | JobFailure::Permanent(m) | JobFailure::RetryAfter(m, _) => m,
        }
    }

    /// The least wait before a retry, when one was named.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            JobFailure::RetryAfter(_, after) => Some(*after),
            _ => None,
        }
    }
}

impl fmt::Display for JobFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_permanent() { "permanent" } else { "transient" };
        write!(f, "{kind}: {}", self.message())
    }
}
