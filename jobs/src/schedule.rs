//! schedules.toml: the cron table. Each entry names a job (an `AnyJob`), a cron
//! expression with seconds, a timezone and whether it is enabled. A bad file is refused
//! with an error naming the entry and the field.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::catalogue::AnyJob;

/// One validated schedule entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    pub name: String,
    /// The cron expression as written (6 or 7 fields, seconds first).
    pub cron: String,
    pub schedule: cron::Schedule,
    pub timezone: Tz,
    pub job: AnyJob,
    pub enabled: bool,
}

/// The whole table, in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedules {
    pub entries: Vec<ScheduleEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("schedules.toml: {0}")]
    Toml(String),
    #[error("schedules.toml: entry `{entry}`, field `{field}`: {message}")]
    Entry { entry: String, field: &'static str, message: String },
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    schedule: Vec<RawEntry>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    cron: String,
    #[serde(default = "utc")]
    timezone: String,
    #[serde(default = "yes")]
    enabled: bool,
    job: toml::Value,
}

fn utc() -> String {
    "UTC".to_owned()
}

fn yes() -> bool {
    true
}

impl Schedules {
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ScheduleError::Toml(e.to_string()))?;
        let mut entries: Vec<ScheduleEntry> = Vec::with_capacity(raw.schedule.len());
        for r in raw.schedule {
            let err = |field, message: String| ScheduleError::Entry { entry: r.name.clone(), field, message };
            if r.name.trim().is_empty() {
                return Err(err("name", "must not be empty".into()));
            }
            if entries.iter().any(|e| e.name == r.name) {
                return Err(err("name", "is used by an earlier entry".into()));
            }
            let fields = r.cron.split_whitespace().count();
            if !(6..=7).contains(&fields) {
                return Err(err("cron", format!("expected 6 or 7 fields (seconds first), got {fields}")));
            }
            let schedule = cron::Schedule::from_str(&r.cron).map_err(|e| err("cron", e.to_string()))?;
            let timezone: Tz = r
                .timezone
                .parse()
                .map_err(|_| err("timezone", format!("unknown timezone `{}`", r.timezone)))?;
            let job_json = serde_json::to_value(&r.job).map_err(|e| err("job", e.to_string()))?;
            let kind = job_json
                .get("kind")
                .and_then(|k| k.as_str())
                .ok_or_else(|| err("job", "missing `kind`".into()))?;
            let args = job_json.get("args").cloned().unwrap_or(serde_json::Value::Null);
            if let Some(extra) =
                job_json.as_object().and_then(|o| o.keys().find(|k| *k != "kind" && *k != "args"))
            {
                return Err(err("job", format!("unknown field `{extra}` (expected kind, args)")));
            }
            let job = AnyJob::from_parts(kind, args).map_err(|e| err("job", e.to_string()))?;
            entries.push(ScheduleEntry {
                name: r.name,
                cron: r.cron,
                schedule,
                timezone,
                job,
                enabled: r.enabled,
            });
        }
        Ok(Self { entries })
    }

    pub fn load(path: &std::path::Path) -> Result<Self, ScheduleError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScheduleError::Io { path: path.display().to_string(), message: e.to_string() })?;
        Self::parse(&text)
    }

    pub fn get(&self, name: &str) -> Option<&ScheduleEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

impl ScheduleEntry {
    /// The first tick strictly after `after`, in UTC.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.after(&after.with_timezone(&self.timezone)).next().map(|t| t.with_timezone(&Utc))
    }

    /// Ticks in `(from, to]`, oldest first, at most `limit`.
    pub fn ticks_between(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Vec<DateTime<Utc>> {
        self.schedule
            .after(&from.with_timezone(&self.timezone))
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= to)
            .take(limit)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const GOOD: &str = r#"
[[schedule]]
name = "collect_results"
cron = "0 30 6 * * *"
timezone = "Europe/London"
job = { kind = "collect_results", args = { leagues = ["E0", "D1"] } }

[[schedule]]
name = "settle"
cron = "0 */15 * * * *"
enabled = false
job = { kind = "settle_bets" }
"#;

    #[test]
    fn parses_entries_with_defaults() {
        let s = Schedules::parse(GOOD).unwrap();
        assert_eq!(s.entries.len(), 2);
        let c = s.get("collect_results").unwrap();
        assert_eq!(c.timezone, chrono_tz::Europe::London);
        assert!(c.enabled);
        assert_eq!(c.job.kind(), "collect_results");
        let settle = s.get("settle").unwrap();
        assert!(!settle.enabled);
        assert_eq!(settle.timezone, chrono_tz::UTC);
    }

    #[test]
    fn next_fire_honours_the_timezone() {
        let s = Schedules::parse(GOOD).unwrap();
        let c = s.get("collect_results").unwrap();
        // 06:30 London in summer is 05:30 UTC; in winter 06:30 UTC.
        let summer = Utc.with_ymd_and_hms(2024, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(c.next_after(summer).unwrap(), Utc.with_ymd_and_hms(2024, 7, 1, 5, 30, 0).unwrap());
        let winter = Utc.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(c.next_after(winter).unwrap(), Utc.with_ymd_and_hms(2024, 12, 1, 6, 30, 0).unwrap());
        let settle = s.get("settle").unwrap();
        let ticks = settle.ticks_between(summer, summer + chrono::Duration::hours(1), 100);
        assert_eq!(ticks.len(), 4);
    }

    fn entry_error(entry: &str) -> String {
        let text = format!("[[schedule]]\n{entry}\n");
        Schedules::parse(&text).unwrap_err().to_string()
    }

    #[test]
    fn bad_entries_name_entry_and_field() {
        let job = r#"job = { kind = "settle_bets" }"#;
        let cases = [
            (format!("name = \"a\"\ncron = \"0 0 * * *\"\n{job}"), "entry `a`, field `cron`: expected 6 or 7 fields"),
            (format!("name = \"b\"\ncron = \"0 0 99 * * *\"\n{job}"), "entry `b`, field `cron`"),
            (format!("name = \"c\"\ncron = \"0 0 * * * *\"\ntimezone = \"Mars/Olympus\"\n{job}"), "entry `c`, field `timezone`"),
            ("name = \"d\"\ncron = \"0 0 * * * *\"\njob = { kind = \"nope\" }".to_owned(), "entry `d`, field `job`: unknown job kind `nope`"),
            (
                "name = \"e\"\ncron = \"0 0 * * * *\"\njob = { kind = \"process_snapshot\", args = { snapshot_id = \"x\" } }".to_owned(),
                "entry `e`, field `job`: invalid arguments for `process_snapshot`",
            ),
            ("name = \"f\"\ncron = \"0 0 * * * *\"\njob = { args = {} }".to_owned(), "entry `f`, field `job`: missing `kind`"),
        ];
        for (entry, expected) in cases {
            let err = entry_error(&entry);
            assert!(err.contains(expected), "{err} !~ {expected}");
        }
        let unknown = entry_error(&format!("name = \"g\"\ncron = \"0 0 * * * *\"\ncolour = \"red\"\n{job}"));
        assert!(unknown.contains("unknown field `colour`"), "{unknown}");
        let dup = Schedules::parse(&format!(
            "[[schedule]]\nname = \"x\"\ncron = \"0 0 * * * *\"\n{job}\n[[schedule]]\nname = \"x\"\ncron = \"0 0 * * * *\"\n{job}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(dup.contains("entry `x`, field `name`"), "{dup}");
    }
}

#[cfg(test)]
mod repo_file {
    use super::*;

    #[test]
    fn the_repository_schedule_is_valid() {
        let s = Schedules::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schedules.toml"))
            .unwrap();
        assert!(s.entries.len() >= 7);
        for name in ["collect_results", "run_inference", "settle_bets", "retrain", "dead_letter_retention"] {
            assert!(s.get(name).is_some(), "{name}");
        }
    }
}
