//! The id of a request: the caller's `X-Request-Id` when it is sane, else a new ULID.

use poem::http::HeaderMap;

pub const HEADER: &str = "x-request-id";

/// Longest incoming id kept; longer ones are replaced, not truncated.
const MAX_LEN: usize = 128;

/// Whether an incoming id can be echoed and logged as is.
pub fn is_sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The caller's id if sane, else a fresh ULID.
pub fn for_request(headers: &HeaderMap) -> String {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane(id))
        .map_or_else(|| ulid::Ulid::generate().to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HEADER, id.parse().unwrap());
        h
    }

    #[test]
    fn sane_ids_are_kept_and_others_replaced() {
        assert_eq!(for_request(&with("abc-1_2.3")), "abc-1_2.3");
        let long = "a".repeat(MAX_LEN);
        assert_eq!(for_request(&with(&long)), long);
        for bad in ["", "a b", "a/b", "é", &"a".repeat(MAX_LEN + 1)] {
            let mut h = HeaderMap::new();
            if let Ok(v) = bad.parse() {
                h.insert(HEADER, v);
            }
            let id = for_request(&h);
            assert!(ulid::Ulid::from_string(&id).is_ok(), "{bad:?} -> {id}");
        }
    }
}
