//! The live-event channels: what workers publish and what clients may ask for.

/// A channel a client may subscribe to: one the workers publish on, or `matches:*` /
/// `odds:*` for every channel of that family.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subscription {
    Exact(String),
    /// Every channel starting with this (`matches:` or `odds:`).
    Family(&'static str),
}

/// The families with an id after the colon.
const FAMILIES: [&str; 2] = ["matches:", "odds:"];
/// The channels without an id.
const FIXED: [&str; 3] = ["matches:live", "predictions:new", "value_bets:alerts"];
/// More than this many channels in one request is a mistake, not a dashboard.
pub const MAX_CHANNELS: usize = 64;

/// Whether `name` is a concrete channel the workers publish on: `matches:live`,
/// `matches:{id}`, `odds:{match_id}`, `predictions:new` or `value_bets:alerts`.
pub fn is_channel(name: &str) -> bool {
    FIXED.contains(&name)
        || FAMILIES.iter().any(|f| {
            name.strip_prefix(f)
                .is_some_and(|id| !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()))
        })
}

impl Subscription {
    fn parse(name: &str) -> Option<Self> {
        if is_channel(name) {
            return Some(Self::Exact(name.to_owned()));
        }
        FAMILIES.iter().find(|f| name.strip_suffix('*') == Some(**f)).map(|f| Self::Family(f))
    }

    pub fn matches(&self, channel: &str) -> bool {
        match self {
            Self::Exact(name) => name == channel,
            Self::Family(prefix) => channel.starts_with(prefix),
        }
    }
}

/// Parses the comma-separated `channels` parameter; the error says what is wrong.
pub fn parse_list(list: &str) -> Result<Vec<Subscription>, String> {
    let mut out: Vec<Subscription> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let sub = Subscription::parse(name).ok_or_else(|| {
            format!(
                "unknown channel `{name}`; expected matches:live, matches:{{id}}, odds:{{match_id}}, \
                 predictions:new, value_bets:alerts, matches:* or odds:*"
            )
        })?;
        if !out.contains(&sub) {
            out.push(sub);
        }
    }
    if out.is_empty() {
        return Err("name at least one channel".to_owned());
    }
    if out.len() > MAX_CHANNELS {
        return Err(format!("at most {MAX_CHANNELS} channels"));
    }
    Ok(out)
}

/// The Redis patterns covering every channel under `prefix`, with the prefix's glob
/// characters escaped so a prefix never widens the subscription.
pub fn redis_patterns(prefix: &str) -> Vec<String> {
    let mut escaped = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    let families = FAMILIES.iter().map(|f| format!("{escaped}{f}*"));
    let fixed = FIXED.iter().filter(|n| !FAMILIES.iter().any(|f| n.starts_with(f)));
    families.chain(fixed.map(|n| format!("{escaped}{n}"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concrete_channels_are_the_published_ones() {
        for ok in ["matches:live", "matches:7", "odds:123", "predictions:new", "value_bets:alerts"] {
            assert!(is_channel(ok), "{ok}");
        }
        for bad in ["matches:", "matches:x", "odds:-1", "odds:*", "events", "predictions:old", "matches:1 "] {
            assert!(!is_channel(bad), "{bad}");
        }
    }

    #[test]
    fn lists_parse_dedup_and_reject_unknown_names() {
        let subs = parse_list("matches:live, odds:*,matches:live,,matches:4").unwrap();
        assert_eq!(
            subs,
            [
                Subscription::Exact("matches:live".into()),
                Subscription::Family("odds:"),
                Subscription::Exact("matches:4".into())
            ]
        );
        assert!(subs[1].matches("odds:9") && !subs[1].matches("matches:9"));
        assert!(parse_list("matches:live,secret:*").unwrap_err().contains("secret:*"));
        assert!(parse_list(" , ").is_err());
        assert!(parse_list("*").is_err());
        let many: Vec<String> = (0..=MAX_CHANNELS).map(|i| format!("odds:{i}")).collect();
        assert!(parse_list(&many.join(",")).is_err());
    }

    #[test]
    fn patterns_escape_the_prefix() {
        assert_eq!(
            redis_patterns("k:t[1]*:"),
            [
                "k:t\\[1\\]\\*:matches:*",
                "k:t\\[1\\]\\*:odds:*",
                "k:t\\[1\\]\\*:predictions:new",
                "k:t\\[1\\]\\*:value_bets:alerts"
            ]
        );
    }
}
