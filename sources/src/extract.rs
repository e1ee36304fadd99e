//! Reading bodies without panicking: JSON paths and CSS selectors whose failures are
//! [`ParseError`]s that name the site, the page and the path or selector.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use crate::error::ParseError;

/// The page being parsed, for error messages.
#[derive(Clone, Copy, Debug)]
pub struct Page<'a> {
    pub site: &'static str,
    pub page: &'a str,
}

impl<'a> Page<'a> {
    pub fn new(site: &'static str, page: &'a str) -> Self {
        Self { site, page }
    }

    pub fn err(&self, field: impl Into<String>, reason: impl Into<String>) -> ParseError {
        ParseError { site: self.site, page: self.page.to_owned(), field: field.into(), reason: reason.into() }
    }

    /// Parses a JSON body.
    pub fn json(&self, body: &[u8]) -> Result<Value, ParseError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(self.err("body", "empty"));
        }
        serde_json::from_slice(body).map_err(|e| self.err("body", format!("not JSON: {e}")))
    }

    /// The value at `path` (`a.b.0.c`: object keys and array indices), which must exist
    /// and not be null.
    pub fn get<'v>(&self, v: &'v Value, path: &str) -> Result<&'v Value, ParseError> {
        opt(v, path).ok_or_else(|| self.err(path, "missing"))
    }

    pub fn array<'v>(&self, v: &'v Value, path: &str) -> Result<&'v Vec<Value>, ParseError> {
        self.get(v, path)?.as_array().ok_or_else(|| self.err(path, "not an array"))
    }

    pub fn str<'v>(&self, v: &'v Value, path: &str) -> Result<&'v str, ParseError> {
        self.get(v, path)?.as_str().ok_or_else(|| self.err(path, "not a string"))
    }

    /// An integer, written as a number or a numeric string.
    pub fn i64(&self, v: &Value, path: &str) -> Result<i64, ParseError> {
        as_i64(self.get(v, path)?).ok_or_else(|| self.err(path, "not an integer"))
    }

    /// A number, written as a number or a numeric string (`"2.73"`, `"47%"`).
    pub fn f64(&self, v: &Value, path: &str) -> Result<f64, ParseError> {
        as_f64(self.get(v, path)?).ok_or_else(|| self.err(path, "not a number"))
    }

    /// An RFC 3339 time (`2023-08-20T19:30:00Z`, `…+00:00`), or unix seconds.
    pub fn time(&self, v: &Value, path: &str) -> Result<DateTime<Utc>, ParseError> {
        let raw = self.get(v, path)?;
        as_time(raw).ok_or_else(|| self.err(path, format!("not a time: {raw}")))
    }

    /// Parses an HTML body; a body with no element at all is refused.
    pub fn html(&self, body: &[u8]) -> Result<Html, ParseError> {
        let text = String::from_utf8_lossy(body);
        if !text.contains('<') {
            return Err(self.err("body", "not HTML"));
        }
        Ok(Html::parse_document(&text))
    }

    /// A compiled selector (the selectors are constants; a bad one is a bug, reported
    /// as a parse error rather than a panic).
    pub fn selector(&self, css: &str) -> Result<Selector, ParseError> {
        Selector::parse(css).map_err(|e| self.err(css, format!("bad selector: {e}")))
    }

    /// Every element under `scope` matching `css`; at least one.
    pub fn select_all<'h>(
        &self,
        scope: ElementRef<'h>,
        css: &str,
    ) -> Result<Vec<ElementRef<'h>>, ParseError> {
        let sel = self.selector(css)?;
        let found: Vec<ElementRef<'h>> = scope.select(&sel).collect();
        if found.is_empty() {
            return Err(self.err(css, "no element matches"));
        }
        Ok(found)
    }

    /// The first element under `scope` matching `css`.
    pub fn select_one<'h>(&self, scope: ElementRef<'h>, css: &str) -> Result<ElementRef<'h>, ParseError> {
        let sel = self.selector(css)?;
        scope.select(&sel).next().ok_or_else(|| self.err(css, "no element matches"))
    }

    /// A number written as text (an HTML cell, an attribute); blank or unreadable is an
    /// error naming `field`.
    pub fn num<T: FromStr>(&self, field: &str, raw: &str) -> Result<T, ParseError> {
        self.opt_num(field, raw)?.ok_or_else(|| self.err(field, "empty"))
    }

    /// Like [`Page::num`], but blank text is `None`: the page left the value out.
    pub fn opt_num<T: FromStr>(&self, field: &str, raw: &str) -> Result<Option<T>, ParseError> {
        let t = raw.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse().map(Some).map_err(|_| self.err(field, format!("not a number: {t:?}")))
    }
}

impl Page<'_> {
    /// An integer that must fit `T` (`u32` counts, `i32` goals).
    pub fn int<T: TryFrom<i64>>(&self, v: &Value, path: &str) -> Result<T, ParseError> {
        T::try_from(self.i64(v, path)?).map_err(|_| self.err(path, "integer out of range"))
    }

    /// An optional integer: missing or null is `None`, but a value that is there and is
    /// not an integer fitting `T` is an error rather than silently dropped.
    pub fn maybe_int<T: TryFrom<i64>>(&self, v: &Value, path: &str) -> Result<Option<T>, ParseError> {
        opt(v, path).map(|_| self.int(v, path)).transpose()
    }

    /// An optional number; present but not numeric is an error.
    pub fn maybe_f64(&self, v: &Value, path: &str) -> Result<Option<f64>, ParseError> {
        opt(v, path).map(|_| self.f64(v, path)).transpose()
    }

    /// An array that must hold at least one item: a list page without rows is not the page
    /// that was asked for.
    pub fn non_empty<'v>(&self, v: &'v Value, path: &str) -> Result<&'v Vec<Value>, ParseError> {
        let list = self.array(v, path)?;
        if list.is_empty() {
            return Err(self.err(path, "empty"));
        }
        Ok(list)
    }

    /// An optional string; present but not a string is an error.
    pub fn maybe_str<'v>(&self, v: &'v Value, path: &str) -> Result<Option<&'v str>, ParseError> {
        opt(v, path).map(|_| self.str(v, path)).transpose()
    }
}

/// The value at `path`, if present and not null.
pub fn opt<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        cur = match cur {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    (!cur.is_null()).then_some(cur)
}

pub fn opt_str<'v>(v: &'v Value, path: &str) -> Option<&'v str> {
    opt(v, path).and_then(Value::as_str)
}

pub fn opt_i64(v: &Value, path: &str) -> Option<i64> {
    opt(v, path).and_then(as_i64)
}

pub fn opt_f64(v: &Value, path: &str) -> Option<f64> {
    opt(v, path).and_then(as_f64)
}

pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number, or a string holding one, possibly with a trailing `%`.
pub fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            s.trim().trim_end_matches('%').trim().parse().ok().filter(|f: &f64| f.is_finite())
        }
        _ => None,
    }
}

pub fn as_time(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
            // `2019-08-25T16:00Z`: RFC 3339 without seconds, as ESPN writes it.
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%MZ").ok().map(|n| n.and_utc())
            }),
        Value::Number(n) => n.as_i64().and_then(|s| DateTime::from_timestamp(s, 0)),
        _ => None,
    }
}

/// The text of an element, whitespace collapsed.
pub fn text(e: ElementRef<'_>) -> String {
    e.text().flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
}

/// A recorded JSON body edited by `f` and re-serialised, for malformed-page tests.
#[cfg(test)]
pub fn edit_json(body: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(body).expect("recorded page is JSON");
    f(&mut v);
    serde_json::to_vec(&v).expect("re-serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_numbers() {
        let p = Page::new("test", "page");
        let v = json!({"a": {"b": [{"c": "47%"}, {"c": 2}], "n": null, "t": 1_700_000_000}});
        assert_eq!(p.f64(&v, "a.b.0.c").unwrap(), 47.0);
        assert_eq!(p.i64(&v, "a.b.1.c").unwrap(), 2);
        assert_eq!(p.get(&v, "a.n").unwrap_err().reason, "missing");
        assert_eq!(p.str(&v, "a.b.1.c").unwrap_err().field, "a.b.1.c");
        assert_eq!(p.time(&v, "a.t").unwrap().timestamp(), 1_700_000_000);
        assert!(p.json(b"  ").is_err());
        assert!(p.json(b"{").unwrap_err().reason.starts_with("not JSON"));
        assert!(as_time(&json!("2019-08-25T16:00Z")).is_some());
    }

    #[test]
    fn ranged_and_optional_values() {
        let p = Page::new("test", "page");
        let v = json!({"n": -1, "big": 5_000_000_000_i64, "s": "3", "x": "a", "f": "0.5", "z": null});
        assert_eq!(p.int::<i32>(&v, "n").unwrap(), -1);
        assert_eq!(p.int::<u32>(&v, "n").unwrap_err().reason, "integer out of range");
        assert_eq!(p.int::<i32>(&v, "big").unwrap_err().field, "big");
        assert_eq!(p.maybe_int::<u32>(&v, "s").unwrap(), Some(3));
        assert_eq!(p.maybe_int::<u32>(&v, "z").unwrap(), None);
        assert_eq!(p.maybe_int::<u32>(&v, "gone").unwrap(), None);
        assert_eq!(p.maybe_int::<u32>(&v, "x").unwrap_err().reason, "not an integer");
        assert_eq!(p.maybe_f64(&v, "f").unwrap(), Some(0.5));
        assert_eq!(p.maybe_f64(&v, "x").unwrap_err().field, "x");
        assert_eq!(p.maybe_str(&v, "x").unwrap(), Some("a"));
        assert_eq!(p.maybe_str(&v, "n").unwrap_err().reason, "not a string");
        assert_eq!(p.maybe_str(&v, "z").unwrap(), None);
        let lists = json!({"none": [], "some": [1]});
        assert_eq!(p.non_empty(&lists, "none").unwrap_err().reason, "empty");
        assert_eq!(p.non_empty(&lists, "some").unwrap().len(), 1);
        assert_eq!(p.non_empty(&v, "n").unwrap_err().reason, "not an array");
    }

    #[test]
    fn selectors() {
        let p = Page::new("test", "page");
        let html = p.html(b"<table><tr><td class='x'> a  b </td></tr></table>").unwrap();
        let td = p.select_one(html.root_element(), "td.x").unwrap();
        assert_eq!(text(td), "a b");
        assert_eq!(p.select_all(html.root_element(), "td.y").unwrap_err().reason, "no element matches");
        assert!(p.html(b"plain text").is_err());
    }

    #[test]
    fn numbers_from_text() {
        let p = Page::new("test", "page");
        assert_eq!(p.num::<u32>("td.w", " 27 ").unwrap(), 27);
        assert_eq!(p.num::<u32>("td.w", "").unwrap_err().reason, "empty");
        assert_eq!(p.num::<u32>("td.w", "x7").unwrap_err().field, "td.w");
        assert_eq!(p.opt_num::<f64>("td.xg", " ").unwrap(), None);
        assert_eq!(p.opt_num::<f64>("td.xg", "1.4").unwrap(), Some(1.4));
        assert!(p.opt_num::<f64>("td.xg", "1,4").is_err());
    }
}
