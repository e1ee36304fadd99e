//! Faults the fixture site injects, so the fetch layer and the pipeline can be watched
//! handling a throttling, failing, slow or cut-off site.

use serde::{Deserialize, Serialize};

/// What a matching request gets instead of its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// 429 with `Retry-After`.
    TooManyRequests { retry_after_secs: u64 },
    /// 503 with `Retry-After`.
    Unavailable { retry_after_secs: u64 },
    /// 500.
    ServerError,
    /// The page, after a delay.
    Slow { delay_ms: u64 },
    /// Half of the page, then the connection is cut.
    Truncated,
}

/// A fault for requests whose path (with query) starts with `path`, for the next `times`
/// of them (every one when absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    pub path: String,
    #[serde(flatten)]
    pub fault: Fault,
    #[serde(default)]
    pub times: Option<u32>,
}

impl FaultRule {
    /// Parses `PATH=KIND[:ARG][*TIMES]`: `/x=429:2*1` (one 429 with Retry-After 2),
    /// `/x=503:1`, `/x=500*3`, `/x=slow:1500`, `/x=truncated`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (path, rest) = spec.split_once('=').ok_or_else(|| format!("`{spec}`: expected PATH=KIND"))?;
        let (kind, times) = match rest.split_once('*') {
            Some((k, t)) => {
                (k, Some(t.parse::<u32>().map_err(|_| format!("`{spec}`: times `{t}` is not a number"))?))
            }
            None => (rest, None),
        };
        let (name, arg) = match kind.split_once(':') {
            Some((n, a)) => {
                (n, Some(a.parse::<u64>().map_err(|_| format!("`{spec}`: `{a}` is not a number"))?))
            }
            None => (kind, None),
        };
        let fault = match (name, arg) {
            ("429", a) => Fault::TooManyRequests { retry_after_secs: a.unwrap_or(1) },
            ("503", a) => Fault::Unavailable { retry_after_secs: a.unwrap_or(1) },
            ("500", None) => Fault::ServerError,
            ("slow", a) => Fault::Slow { delay_ms: a.unwrap_or(2_000) },
            ("truncated", None) => Fault::Truncated,
            _ => {
                return Err(format!(
                    "`{spec}`: kind is one of 429[:secs], 503[:secs], 500, slow[:ms], truncated"
                ));
            }
        };
        if !path.starts_with('/') {
            return Err(format!("`{spec}`: the path must start with /"));
        }
        Ok(Self { path: path.to_owned(), fault, times })
    }
}

/// The rules in force; the first that matches and has uses left applies.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for this request, using up one of its rule's times.
    pub fn take(&mut self, path_and_query: &str) -> Option<Fault> {
        let rule = self
            .rules
            .iter_mut()
            .find(|r| path_and_query.starts_with(&r.path) && r.times.is_none_or(|t| t > 0))?;
        if let Some(t) = rule.times.as_mut() {
            *t -= 1;
        }
        Some(rule.fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rule_specs() {
        assert_eq!(
            FaultRule::parse("/a=429:2*1").unwrap(),
            FaultRule {
                path: "/a".into(),
                fault: Fault::TooManyRequests { retry_after_secs: 2 },
                times: Some(1)
            }
        );
        assert_eq!(FaultRule::parse("/a=500").unwrap().fault, Fault::ServerError);
        assert_eq!(FaultRule::parse("/a=slow:1500").unwrap().fault, Fault::Slow { delay_ms: 1500 });
        assert_eq!(FaultRule::parse("/=truncated*2").unwrap().times, Some(2));
        for bad in ["/a", "a=500", "/a=418", "/a=429:x", "/a=500*x", "/a=500:3"] {
            assert!(FaultRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_counted_rule_runs_out_and_the_next_one_applies() {
        let mut f = Faults::default();
        f.add(FaultRule::parse("/x=429:1*2").unwrap());
        f.add(FaultRule::parse("/x=500").unwrap());
        assert_eq!(f.take("/x?y=1"), Some(Fault::TooManyRequests { retry_after_secs: 1 }));
        assert_eq!(f.take("/x"), Some(Fault::TooManyRequests { retry_after_secs: 1 }));
        assert_eq!(f.take("/x"), Some(Fault::ServerError));
        assert_eq!(f.take("/other"), None);
        f.clear();
        assert_eq!(f.take("/x"), None);
    }
}
