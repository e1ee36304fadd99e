//! The operator dashboard at `/ops`: server-rendered pages over the same state the admin
//! API uses. A login (API key or JWT) becomes an encrypted, HttpOnly, SameSite=Strict
//! session cookie holding the actor, the role and a CSRF token; every action is a POST
//! form carrying that token, needs operator (or admin), and is written to audit_log. A
//! reader sees every page but the audit log (admins only), and no buttons, and an action
//! it forges is refused; an end user (member) cannot log in.

mod alerts;
mod audit;
mod charts;
mod dead_letters;
mod html;
mod jobs;
mod queues;
mod schedules;
mod session;
mod teams;
mod trigger;

use poem::http::StatusCode;
use poem::session::{CookieConfig, CookieSession};
use poem::web::Redirect;
use poem::web::cookie::{CookieKey, SameSite};
use poem::{EndpointExt, IntoEndpoint, IntoResponse, Response, Route, get, post};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::state::ApiState;
use session::Operator;

pub use session::{CSRF_FIELD, SESSION_COOKIE};

/// How long a login lasts.
pub const SESSION_HOURS: i64 = 8;
/// The largest form body an `/ops` page takes, as the API takes for JSON bodies.
pub const MAX_FORM_BYTES: usize = 1 << 20;

/// The key of the session cookies: derived from `auth.jwt_secret` so every API process
/// of a deployment reads the others' cookies; without a secret, a key of this process
/// (logins then end when it restarts).
fn cookie_key(state: &ApiState) -> CookieKey {
    let secret = state.auth.jwt_secret.expose_secret();
    if secret.is_empty() {
        return CookieKey::generate();
    }
    let mut material = Sha256::digest(format!("kickoff ops session\0{secret}").as_bytes()).to_vec();
    material.extend_from_slice(&Sha256::digest(material.as_slice()));
    CookieKey::derive_from(&material)
}

/// The `/ops` routes, with their session layer.
pub fn routes(state: &ApiState) -> impl IntoEndpoint + use<> {
    let config = CookieConfig::private(cookie_key(state))
        .name(SESSION_COOKIE)
        .path("/ops")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .max_age(std::time::Duration::from_secs(SESSION_HOURS as u64 * 3600));
    Route::new()
        .at("/", get(queues::overview))
        .at("/login", get(session::login_form).post(session::login))
        .at("/logout", post(session::logout))
        .at("/live", get(queues::live))
        .at("/queues/:queue/:action", post(queues::act))
        .at("/jobs", get(jobs::list))
        .at("/jobs/:id", get(jobs::show))
        .at("/chains/:root", get(jobs::chain))
        .at("/schedules", get(schedules::list))
        .at("/schedules/:name/:action", post(schedules::act))
        .at("/dead-letters", get(dead_letters::list))
        .at("/dead-letters/bulk/:action", post(dead_letters::bulk))
        .at("/dead-letters/:id", get(dead_letters::show))
        .at("/dead-letters/:id/edit", post(dead_letters::review))
        .at("/dead-letters/:id/requeue", post(dead_letters::requeue))
        .at("/dead-letters/:id/delete", post(dead_letters::delete))
        .at("/trigger", get(trigger::page_of_forms))
        .at("/trigger/:kind", post(trigger::submit))
        .at("/alerts", get(alerts::list))
        .at("/alerts/:id/:action", post(alerts::resolve))
        .at("/audit", get(audit::log))
        .at("/teams", get(teams::list))
        .at("/teams/:id/merge", post(teams::merge))
        .at("/teams/:id/alias", post(teams::alias))
        .at("/teams/:id/keep", post(teams::keep))
        .around(session::guard)
        .with(CookieSession::new(config))
}

/// A backend failure, logged in full and told in brief.
fn unavailable(what: &str, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "ops: {what}");
    (StatusCode::SERVICE_UNAVAILABLE, format!("the {what} is unavailable")).into_response()
}

/// Writes the audit row of a finished action, then sends the browser back to `to`.
async fn audited_redirect(
    state: &ApiState,
    op: &Operator,
    action: &str,
    target: &str,
    details: serde_json::Value,
    to: &str,
) -> Response {
    match crate::auth::audit::record(&state.db, &op.principal(), action, Some(target.to_owned()), details)
        .await
    {
        Ok(()) => Redirect::see_other(to).into_response(),
        Err(e) => unavailable("database", e),
    }
}
