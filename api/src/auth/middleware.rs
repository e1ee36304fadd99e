//! Runs before every `/api/v1` request: verifies credentials (a bad one is a 401 even on
//! a public read, so a client never mistakes a broken token for anonymous access),
//! applies the per-client rate limit, enforces `public_reads`, and leaves the
//! [`Principal`] in the request for the endpoints.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response};
use secrecy::ExposeSecret;

use super::{AuthError, Principal, jwt, keys};
use crate::API_PREFIX;
use crate::envelope::{ApiError, ErrorResponse, body, validation_body};
use crate::state::ApiState;

/// A token bucket per client: capacity and refill of `per_minute` requests a minute.
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").finish_non_exhaustive()
    }
}

impl Limiter {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let n = NonZeroU32::new(per_minute)?;
        Some(Self { inner: RateLimiter::keyed(Quota::per_minute(n)), clock: DefaultClock::default() })
    }

    /// `Err(seconds to wait)` when the client's bucket is empty.
    pub fn check(&self, client: &str) -> Result<(), u64> {
        self.inner.check_key(&client.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The presented credential: `X-API-Key`, else `Authorization: Bearer`.
fn credential(req: &Request) -> Result<Option<String>, AuthError> {
    if let Some(v) = req.headers().get("x-api-key") {
        return v.to_str().map(|s| Some(s.trim().to_owned())).map_err(|_| AuthError::Malformed);
    }
    let Some(v) = req.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let v = v.to_str().map_err(|_| AuthError::Malformed)?;
    match v.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(AuthError::Malformed),
    }
}

async fn resolve(state: &ApiState, req: &Request) -> Result<Option<Principal>, AuthError> {
    let Some(token) = credential(req)? else { return Ok(None) };
    principal_of(state, &token).await
}

/// Who an API key or a JWT belongs to (`None`: an anonymous-role JWT).
pub(crate) async fn principal_of(state: &ApiState, token: &str) -> Result<Option<Principal>, AuthError> {
    let token = token.trim();
    if token.starts_with(keys::KEY_PREFIX) {
        let row = keys::authenticate(&state.db, token).await?.ok_or(AuthError::BadKey)?;
        return Ok(Some(Principal { actor: format!("key:{}", row.name), role: row.role }));
    }
    jwt::verify(token, state.auth.jwt_secret.expose_secret().as_bytes())
}

fn unauthorized(reason: String) -> Response {
    let mut resp = ErrorResponse::from(ApiError::Unauthorized(reason)).into_response();
    resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    resp
}

/// Request bodies are JSON of a few kilobytes; anything past this is refused unread.
const MAX_BODY: usize = 1 << 20;

/// PostgreSQL refuses NUL in text and `\u0000` in jsonb; such input is refused here as
/// bad input rather than failing deep down as a database error.
fn holds_nul(req: &Request, body: &[u8]) -> Option<&'static str> {
    let query = req.uri().query().unwrap_or_default();
    if query.contains("%00") || req.uri().path().contains("%00") {
        return Some("query");
    }
    let escaped = body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"));
    (escaped || body.contains(&0)).then_some("body")
}

/// The middleware, for `EndpointExt::around`.
pub async fn guard<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let state = match req.data::<ApiState>() {
        Some(s) if req.uri().path().starts_with(API_PREFIX) => s.clone(),
        _ => return ep.call(req).await.map(IntoResponse::into_response),
    };
    let payload = match req.take_body().into_bytes_limit(MAX_BODY).await {
        Ok(p) => p,
        Err(poem::error::ReadBodyError::PayloadTooLarge) => {
            let b = validation_body("body", &format!("larger than {MAX_BODY} bytes"));
            return Ok(ErrorResponse::PayloadTooLarge(b).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(field) = holds_nul(&req, &payload) {
        let err = ApiError::validation(field, "must not contain NUL characters");
        return Ok(ErrorResponse::from(err).into_response());
    }
    req.set_body(payload);
    let resolved = match resolve(&state, &req).await {
        Err(AuthError::Db(e)) => return Ok(ErrorResponse::from(ApiError::Database(e)).into_response()),
        other => other,
    };
    // A known caller has its own bucket; anonymous calls and refused credentials share
    // their address's, so guessing keys is limited like any other anonymous traffic.
    if let Some(limiter) = &state.limiter {
        let client = match &resolved {
            Ok(Some(p)) => p.actor.clone(),
            _ => req.remote_addr().as_socket_addr().map(|a| format!("ip:{}", a.ip())).unwrap_or_default(),
        };
        if let Err(wait) = limiter.check(&client) {
            let msg = format!("rate limit exceeded; retry in {wait} s");
            let b = body("RATE_LIMITED", msg, serde_json::json!({ "retry_after": wait }));
            return Ok(ErrorResponse::RateLimited(b, wait).into_response());
        }
    }
    let principal = match resolved {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(reason = %e, "credentials refused");
            return Ok(unauthorized(e.to_string()));
        }
    };
    match principal {
        Some(p) => {
            req.extensions_mut().insert(p);
        }
        None if !state.settings.public_reads => {
            return Ok(unauthorized("credentials required".to_owned()));
        }
        None => {}
    }
    ep.call(req).await.map(IntoResponse::into_response)
}
