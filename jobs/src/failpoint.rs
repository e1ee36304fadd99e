//! Failpoints: named places in the delivery path where a process started with
//! `KICKOFF_FAILPOINTS` dies on the spot, as a `kill -9` landing exactly there would
//! leave things. The fault tests and the chaos suite use them to prove that no window
//! between two writes loses or doubles a job.
//!
//! `KICKOFF_FAILPOINTS=after_handler,before_outcome=3` aborts the process the first
//! time it reaches `after_handler`, or the third time it reaches `before_outcome`.
//! Unset (production), each point costs one atomic load. Only abort is offered: a
//! failpoint stands for a crash, and `abort` skips destructors and buffered writes
//! as a crash does (the `fail` crate's panics would be caught by the job runner).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable naming the armed points.
pub const ENV: &str = "KICKOFF_FAILPOINTS";

struct Armed {
    name: String,
    /// Abort on this hit (1-based).
    at: u32,
    hits: AtomicU32,
}

fn armed() -> &'static [Armed] {
    static ARMED: OnceLock<Vec<Armed>> = OnceLock::new();
    ARMED.get_or_init(|| std::env::var(ENV).map(|spec| parse(&spec)).unwrap_or_default())
}

fn parse(spec: &str) -> Vec<Armed> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (name, at) = match s.split_once('=') {
                Some((name, n)) => (name, n.trim().parse().unwrap_or(1)),
                None => (s, 1),
            };
            Armed { name: name.trim().to_owned(), at: at.max(1), hits: AtomicU32::new(0) }
        })
        .collect()
}

/// Aborts the process when `name` is armed and this is the hit it is armed for.
pub fn hit(name: &str) {
    let points = armed();
    if points.is_empty() {
        return;
    }
    if let Some(p) = points.iter().find(|p| p.name == name)
        && p.hits.fetch_add(1, Ordering::SeqCst) + 1 == p.at
    {
        eprintln!("failpoint {name}: aborting the process");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_names_points_and_hits() {
        let points = parse(" after_handler, before_outcome=3 ,,x=0");
        let read: Vec<(&str, u32)> = points.iter().map(|p| (p.name.as_str(), p.at)).collect();
        assert_eq!(read, vec![("after_handler", 1), ("before_outcome", 3), ("x", 1)]);
    }
}
