//! HS256 JWTs as Supabase issues them: `sub`, `email`, `role`, `exp`, and optionally
//! `app_metadata.role`. Kickoff's role comes from `app_metadata.role` when it names one
//! (only the project's own server can set it), else from `role`: Supabase's
//! `authenticated` (any signed-up user) is a member, who sees what end users see and
//! nothing of the operators'; `service_role` is admin; an `anon` token is no login at
//! all. `reader`, `operator` and `admin` in `role` are taken as such, for tokens minted
//! by Kickoff's own operators.

use entities::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::{Deserialize, Serialize};

use super::{AuthError, Principal};

#[derive(Debug, Deserialize, Serialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<AppMetadata>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AppMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

fn kickoff_role(name: &str) -> Option<Role> {
    match name {
        "member" | "authenticated" => Some(Role::Member),
        "reader" => Some(Role::Reader),
        "operator" => Some(Role::Operator),
        "admin" | "service_role" => Some(Role::Admin),
        _ => None,
    }
}

/// The claims of a token whose signature and expiry check out.
fn verified_claims(token: &str, secret: &[u8]) -> Result<Claims, AuthError> {
    if secret.is_empty() {
        return Err(AuthError::JwtDisabled);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    // Supabase sets `aud` to "authenticated"; the audience says nothing about the role.
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    Ok(decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)?.claims)
}

/// When a valid token expires (unix seconds): a login made with it ends then too.
pub fn expires_at(token: &str, secret: &[u8]) -> Result<i64, AuthError> {
    Ok(verified_claims(token, secret)?.exp)
}

/// Verifies signature and expiry; `Ok(None)` for an anonymous (`anon`) token.
pub fn verify(token: &str, secret: &[u8]) -> Result<Option<Principal>, AuthError> {
    let claims = verified_claims(token, secret)?;
    let app_role = claims
        .app_metadata
        .as_ref()
        .and_then(|m| m.role.as_deref())
        .filter(|r| matches!(*r, "member" | "reader" | "operator" | "admin"));
    let name = app_role.or(claims.role.as_deref()).unwrap_or("authenticated");
    if name == "anon" {
        return Ok(None);
    }
    let role = kickoff_role(name).ok_or_else(|| AuthError::UnknownRole(name.to_owned()))?;
    let who = claims.email.unwrap_or(claims.sub);
    Ok(Some(Principal { actor: format!("jwt:{who}"), role }))
}

/// Signs claims with the secret: for tests and for operators minting a token by hand.
pub fn sign(claims: &Claims, secret: &[u8]) -> Result<String, AuthError> {
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"super-secret-jwt-token-with-at-least-32-characters";

    fn claims(role: Option<&str>, app: Option<&str>, exp_in: i64) -> Claims {
        Claims {
            sub: "8f0c6a1e-uuid".into(),
            email: Some("ops@example.com".into()),
            role: role.map(str::to_owned),
            exp: chrono::Utc::now().timestamp() + exp_in,
            app_metadata: app.map(|r| AppMetadata { role: Some(r.to_owned()) }),
        }
    }

    #[test]
    fn supabase_roles_map_to_kickoff_roles() {
        let cases = [
            (Some("authenticated"), None, Some(Role::Member)),
            (Some("authenticated"), Some("reader"), Some(Role::Reader)),
            (Some("authenticated"), Some("operator"), Some(Role::Operator)),
            (Some("authenticated"), Some("superuser"), Some(Role::Member)),
            (Some("service_role"), None, Some(Role::Admin)),
            (Some("admin"), None, Some(Role::Admin)),
            (None, None, Some(Role::Member)),
        ];
        for (role, app, want) in cases {
            let token = sign(&claims(role, app, 600), SECRET).unwrap();
            let got = verify(&token, SECRET).unwrap().map(|p| p.role);
            assert_eq!(got, want, "{role:?} {app:?}");
        }
        let anon = sign(&claims(Some("anon"), None, 600), SECRET).unwrap();
        assert_eq!(verify(&anon, SECRET).unwrap(), None);
        let p = verify(&sign(&claims(Some("operator"), None, 600), SECRET).unwrap(), SECRET).unwrap();
        assert_eq!(p.unwrap().actor, "jwt:ops@example.com");
    }

    #[test]
    fn expired_wrongly_signed_and_unknown_tokens_are_refused() {
        let expired = sign(&claims(Some("admin"), None, -3_600), SECRET).unwrap();
        assert!(matches!(verify(&expired, SECRET), Err(AuthError::Jwt(_))));
        let forged =
            sign(&claims(Some("admin"), None, 600), b"another-secret-of-enough-length-000000").unwrap();
        assert!(matches!(verify(&forged, SECRET), Err(AuthError::Jwt(_))));
        let odd = sign(&claims(Some("superuser"), None, 600), SECRET).unwrap();
        assert!(matches!(verify(&odd, SECRET), Err(AuthError::UnknownRole(r)) if r == "superuser"));
        assert!(matches!(verify("not.a.jwt", SECRET), Err(AuthError::Jwt(_))));
        let fine = sign(&claims(Some("admin"), None, 600), SECRET).unwrap();
        assert!(matches!(verify(&fine, b""), Err(AuthError::JwtDisabled)));
    }
}
