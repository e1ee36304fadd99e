//! Redaction of secrets in settings: connection URLs print without their password and
//! tokens print as a mask, in `Debug`, `Display` and serialised output alike.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a set secret prints as.
pub const MASK: &str = "********";

/// A connection URL (database, queue) that may carry a password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnUrl(String);

impl ConnUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, password included: only for opening a connection.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL scheme (`postgres`, `sqlite`, `redis`, ...), lowercased.
    pub fn scheme(&self) -> String {
        self.0.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default()
    }

    /// The URL with any password replaced by the mask.
    pub fn masked(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut u) if u.password().is_some() => {
                // set_password only fails for URLs that cannot have one, excluded above.
                let _ = u.set_password(Some(MASK));
                u.to_string()
            }
            Ok(_) => self.0.clone(),
            // Unparseable: it may still hold a secret, so show only its scheme.
            Err(_) => format!("{}:{MASK}", self.scheme()),
        }
    }
}

impl fmt::Debug for ConnUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.masked())
    }
}

impl fmt::Display for ConnUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for ConnUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}

impl<'de> Deserialize<'de> for ConnUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ConnUrl)
    }
}

/// Serialises a secret as the mask when set and as an empty string when not; for
/// `#[serde(serialize_with = "...")]` on `SecretString` fields.
pub fn serialize_masked<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    if secret.expose_secret().is_empty() { s.serialize_str("") } else { s.serialize_str(MASK) }
}

/// Deserialises a secret from a string, or from a number or boolean as written:
/// environment variables are typed by their look, and a token of digits is still a
/// token. For `#[serde(deserialize_with = "...")]` on `SecretString` fields.
pub fn deserialize_secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    struct Lenient;
    impl serde::de::Visitor<'_> for Lenient {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(Lenient).map(SecretString::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_password_is_masked_everywhere() {
        let u = ConnUrl::new("postgres://kick:hunter2@db.example:5432/kickoff");
        assert_eq!(u.masked(), "postgres://kick:********@db.example:5432/kickoff");
        assert!(!format!("{u:?}").contains("hunter2"));
        assert!(!format!("{u}").contains("hunter2"));
        assert!(!serde_json::to_string(&u).unwrap().contains("hunter2"));
        assert_eq!(u.expose(), "postgres://kick:hunter2@db.example:5432/kickoff");
    }

    #[test]
    fn url_without_password_is_unchanged() {
        let u = ConnUrl::new("sqlite://kickoff.db");
        assert_eq!(u.masked(), "sqlite://kickoff.db");
        assert_eq!(u.scheme(), "sqlite");
    }

    #[test]
    fn unparseable_url_hides_everything_but_scheme() {
        let u = ConnUrl::new("redis://:pa ss@@[bad");
        assert_eq!(u.masked(), format!("redis:{MASK}"));
    }

    #[test]
    fn secret_serialises_as_mask_or_empty() {
        #[derive(Serialize)]
        struct S {
            #[serde(serialize_with = "serialize_masked")]
            token: SecretString,
        }
        let set = serde_json::to_string(&S { token: SecretString::from("abc") }).unwrap();
        assert_eq!(set, format!(r#"{{"token":"{MASK}"}}"#));
        let unset = serde_json::to_string(&S { token: SecretString::from("") }).unwrap();
        assert_eq!(unset, r#"{"token":""}"#);
    }
}
