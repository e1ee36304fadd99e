//! How a handler reports failure: transient failures are retried with backoff,
//! permanent ones dead-letter at once.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobFailure {
    /// Worth another attempt (network, rate limit, a busy database).
    Transient(String),
    /// Will fail again however often it runs (bad input, parse error).
    Permanent(String),
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
            JobFailure::Transient(m) | JobFailure::Permanent(m) => m,
        }
    }
}

impl fmt::Display for JobFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_permanent() { "permanent" } else { "transient" };
        write!(f, "{kind}: {}", self.message())
    }
}
