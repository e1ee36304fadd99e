//! CORS from `api.cors_origins`. poem's `Cors` allows every origin when given none, but
//! an empty list here means none: then no CORS layer is added and browsers keep
//! cross-origin pages out.

use poem::http::Method;
use poem::middleware::Cors;

use crate::request_id;
use crate::settings::ApiSettings;

/// How long browsers may cache a preflight answer, in seconds.
const MAX_AGE_SECS: i32 = 600;

/// Whether any origin is allowed at all.
pub fn enabled(settings: &ApiSettings) -> bool {
    !settings.cors_origins.is_empty()
}

/// The CORS layer for the configured origins.
pub fn layer(settings: &ApiSettings) -> Cors {
    Cors::new()
        .allow_origins(settings.cors_origins.iter().map(String::as_str))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers(["authorization", "content-type", "last-event-id", "x-api-key", request_id::HEADER])
        .expose_headers([request_id::HEADER, "retry-after"])
        .max_age(MAX_AGE_SECS)
}
