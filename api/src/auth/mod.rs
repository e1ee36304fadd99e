//! Who is calling: HS256 JWTs in the Supabase format and hashed API keys resolve to a
//! [`Principal`] with a role; a middleware authenticates every request, applies the
//! rate limit and the `public_reads` switch; admin endpoints demand a role through the
//! [`Credentials`] security scheme, which also documents the schemes in the spec.

pub mod audit;
pub mod jwt;
pub mod keys;
pub mod middleware;
pub mod scheme;

use entities::enums::Role;

pub use scheme::Credentials;

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// `jwt:{email or sub}` or `key:{name}`: what audit_log records.
    pub actor: String,
    pub role: Role,
}

/// Compares without stopping at the first difference, so timing does not reveal how
/// much of a guess was right.
pub(crate) fn same_secret(expected: &[u8], given: &[u8]) -> bool {
    expected.len() == given.len() && expected.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// member < reader < operator < admin.
fn rank(role: Role) -> u8 {
    match role {
        Role::Member => 0,
        Role::Reader => 1,
        Role::Operator => 2,
        Role::Admin => 3,
    }
}

impl Principal {
    /// Whether this caller's role is at least `needed`.
    pub fn may(&self, needed: Role) -> bool {
        rank(self.role) >= rank(needed)
    }
}

/// Why credentials were refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token rejected: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("JWT login is disabled (auth.jwt_secret is empty)")]
    JwtDisabled,
    #[error("token role `{0}` is not member, reader, operator or admin")]
    UnknownRole(String),
    #[error("unknown or revoked API key")]
    BadKey,
    #[error("malformed Authorization header")]
    Malformed,
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        let p = |role| Principal { actor: "t".into(), role };
        assert!(p(Role::Admin).may(Role::Operator));
        assert!(p(Role::Operator).may(Role::Operator));
        assert!(p(Role::Operator).may(Role::Reader));
        assert!(!p(Role::Reader).may(Role::Operator));
        assert!(!p(Role::Operator).may(Role::Admin));
        assert!(p(Role::Reader).may(Role::Member));
        assert!(!p(Role::Member).may(Role::Reader));
    }
}
