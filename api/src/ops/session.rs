//! Logging in and out, and what a request's session says about its operator.

use std::sync::Arc;

use chrono::Utc;
use entities::enums::Role;
use maud::html;
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Form, Html, Redirect};
use poem::{Endpoint, FromRequest, IntoResponse, Request, RequestBody, Response, handler};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::html::page;
use crate::auth::middleware::principal_of;
use crate::auth::{Principal, jwt, keys, same_secret};
use crate::state::ApiState;

pub const SESSION_COOKIE: &str = "kickoff_ops";
/// The form field every action carries its CSRF token in.
pub const CSRF_FIELD: &str = "csrf";
const KEY: &str = "operator";

/// What the session cookie holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Operator {
    pub actor: String,
    pub role: Role,
    pub csrf: String,
    /// Unix seconds after which the login no longer counts.
    pub expires: i64,
}

impl Operator {
    pub fn principal(&self) -> Principal {
        Principal { actor: self.actor.clone(), role: self.role }
    }

    pub fn may_act(&self) -> bool {
        self.principal().may(Role::Operator)
    }
}

/// The logged-in operator, if the session holds an unexpired login of a role that may
/// see the dashboard (reader or above).
pub fn current(session: &Session) -> Option<Operator> {
    session
        .get::<Operator>(KEY)
        .filter(|o| o.expires > Utc::now().timestamp() && o.principal().may(Role::Reader))
}

/// Why an action was refused.
pub enum Refusal {
    /// No login: to the login page.
    Login,
    /// A reader, or a missing or wrong CSRF token.
    Forbidden(&'static str),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Login => Redirect::see_other("/ops/login").into_response(),
            Refusal::Forbidden(why) => (StatusCode::FORBIDDEN, why).into_response(),
        }
    }
}

/// The operator allowed to act with the submitted `csrf` token.
pub fn acting(session: &Session, csrf: Option<&str>) -> Result<Operator, Refusal> {
    let op = current(session).ok_or(Refusal::Login)?;
    let valid = csrf.is_some_and(|t| same_secret(op.csrf.as_bytes(), t.as_bytes()));
    if !valid {
        return Err(Refusal::Forbidden("missing or wrong CSRF token: reload the page and try again"));
    }
    if !op.may_act() {
        return Err(Refusal::Forbidden("your role can look but not act"));
    }
    Ok(op)
}

fn login_page(error: Option<&str>) -> Html<String> {
    page(
        "Log in",
        None,
        html! {
            form.login method="post" action="/ops/login" {
                label for="credential" { "API key or JWT" }
                input #credential type="password" name="credential" autocomplete="off" required autofocus;
                button type="submit" { "Log in" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
            }
        },
    )
}

#[handler]
pub fn login_form() -> Html<String> {
    login_page(None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    credential: String,
}

#[handler]
pub async fn login(session: &Session, state: Data<&ApiState>, Form(form): Form<LoginForm>) -> Response {
    let refused = |why: &str| (StatusCode::UNAUTHORIZED, login_page(Some(why))).into_response();
    let principal = match principal_of(&state, &form.credential).await {
        Ok(Some(p)) => p,
        Ok(None) => return refused("That token carries no role."),
        Err(crate::auth::AuthError::Db(e)) => {
            tracing::error!(error = %e, "ops login: database");
            return (StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable").into_response();
        }
        Err(e) => {
            tracing::info!(reason = %e, "ops login refused");
            return refused("Unknown, revoked or expired credential.");
        }
    };
    if !principal.may(Role::Reader) {
        tracing::info!(actor = %principal.actor, "ops login refused: an end user's role");
        let page = login_page(Some("This account has no access to the operator dashboard."));
        return (StatusCode::FORBIDDEN, page).into_response();
    }
    // A login made with a JWT ends when the token does, if that comes first.
    let full = Utc::now().timestamp() + super::SESSION_HOURS * 3600;
    let token_end = jwt::expires_at(form.credential.trim(), state.auth.jwt_secret.expose_secret().as_bytes());
    let op = Operator {
        actor: principal.actor,
        role: principal.role,
        csrf: crate::auth::keys::random_hex(32),
        expires: token_end.map_or(full, |end| end.min(full)),
    };
    tracing::info!(actor = %op.actor, "ops login");
    session.renew();
    session.set(KEY, &op);
    Redirect::see_other("/ops/").into_response()
}

/// Middleware of the `/ops` routes. It refuses a body over [`super::MAX_FORM_BYTES`]
/// before anything reads it (a login included), and ends a login whose API key was
/// revoked, or whose role changed, since it was made: the session cookie alone would
/// keep it for hours.
pub async fn guard<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    match req.take_body().into_bytes_limit(super::MAX_FORM_BYTES).await {
        Ok(body) => req.set_body(body),
        Err(poem::error::ReadBodyError::PayloadTooLarge) => {
            let why = format!("the form is larger than {} bytes", super::MAX_FORM_BYTES);
            return Ok((StatusCode::PAYLOAD_TOO_LARGE, why).into_response());
        }
        Err(e) => return Ok((StatusCode::BAD_REQUEST, e.to_string()).into_response()),
    }
    let session = req.extensions().get::<Session>().cloned();
    let db = req.data::<ApiState>().map(|s| s.db.clone());
    if let (Some(session), Some(db)) = (session, db)
        && let Some(op) = current(&session)
        && let Some(name) = op.actor.strip_prefix("key:")
    {
        match keys::is_live(&db, name, op.role).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(actor = %op.actor, "ops login ended: its key was revoked or changed");
                session.purge();
            }
            Err(e) => return Ok(super::unavailable("database", e)),
        }
    }
    ep.call(req).await.map(IntoResponse::into_response)
}

/// An action's form: the CSRF token beside the action's own fields.
#[derive(Deserialize)]
struct WithCsrf<F> {
    csrf: Option<String>,
    #[serde(flatten)]
    fields: F,
}

/// A form with no fields but the token (a one-button action).
#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// The operator allowed to act, from the token the action's form carries, and the
/// form's other fields; refused (to the login, or 403) before the handler runs.
pub struct Acting<F = NoFields>(pub Operator, pub F);

impl<'a, F: DeserializeOwned + Send> FromRequest<'a> for Acting<F> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let session = <&Session>::from_request(req, body).await?;
        let Form(form) = Form::<WithCsrf<F>>::from_request(req, body).await?;
        let op = acting(session, form.csrf.as_deref())
            .map_err(|r| poem::Error::from_response(r.into_response()))?;
        Ok(Acting(op, form.fields))
    }
}

/// The body of a one-button action form.
#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

#[handler]
pub fn logout(session: &Session, Form(form): Form<CsrfForm>) -> Response {
    // Logging out needs the token too, so another site cannot log an operator out.
    match current(session) {
        Some(op) if form.csrf.as_deref().is_some_and(|t| same_secret(op.csrf.as_bytes(), t.as_bytes())) => {
            session.purge();
            Redirect::see_other("/ops/login").into_response()
        }
        Some(_) => Refusal::Forbidden("missing or wrong CSRF token").into_response(),
        None => Redirect::see_other("/ops/login").into_response(),
    }
}
