//! Per-request telemetry: a request id on every response, a tracing span with method,
//! route, status, request id and latency, and the request-duration histogram.
//!
//! Two middlewares: [`Observe`] outermost, so it sees every response (CORS rejections
//! and rendered errors included), and [`CaptureRoute`] inside the error rendering,
//! where the matched route template is still attached to errors.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response};
use tracing::Instrument;
use tracing::field::Empty;

use crate::{envelope, prometheus, request_id};

/// The label of requests no route matched, so unknown paths cannot grow the metrics.
pub const UNMATCHED: &str = "unmatched";

/// Where [`CaptureRoute`] leaves the route template for [`Observe`].
#[derive(Clone, Default)]
struct RouteSlot(Arc<OnceLock<Arc<str>>>);

/// Records the matched route template (`/api/v1/matches/:id`) of the request.
pub struct CaptureRoute;

impl<E: Endpoint> Middleware<E> for CaptureRoute {
    type Output = CaptureRouteEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        CaptureRouteEndpoint(ep)
    }
}

pub struct CaptureRouteEndpoint<E>(E);

impl<E: Endpoint> Endpoint for CaptureRouteEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let slot = req.data::<RouteSlot>().cloned();
        let result = self.0.call(req).await.map(IntoResponse::into_response);
        let pattern = match &result {
            Ok(resp) => resp.data::<PathPattern>(),
            Err(err) => err.data::<PathPattern>(),
        };
        if let (Some(slot), Some(pattern)) = (slot, pattern) {
            let _ = slot.0.set(pattern.0.clone());
        }
        result
    }
}

/// poem-openapi routes path parameters by position (`/teams/:param0`); labels and logs
/// use the names from the spec (`/teams/:id`). Maps one to the other for every path of
/// the spec mounted at `prefix`.
pub fn route_names(prefix: &str, spec_json: &str) -> HashMap<String, String> {
    let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
    let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) else { return HashMap::new() };
    let mut names = HashMap::new();
    for path in paths.keys() {
        let (mut positional, mut named) = (prefix.to_owned(), prefix.to_owned());
        let mut n = 0;
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    positional.push_str(&format!("/:param{n}"));
                    named.push_str(&format!("/:{name}"));
                    n += 1;
                }
                None => {
                    positional.push_str(&format!("/{segment}"));
                    named.push_str(&format!("/{segment}"));
                }
            }
        }
        if n > 0 {
            names.insert(positional, named);
        }
    }
    names
}

/// Request id, span, log line and duration metric of every request.
pub struct Observe {
    names: Arc<HashMap<String, String>>,
}

impl Observe {
    /// `names`: the route labels to use instead of poem's (see [`route_names`]).
    pub fn new(names: HashMap<String, String>) -> Self {
        prometheus::recorder();
        Self { names: Arc::new(names) }
    }
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint { inner: ep, names: self.names.clone() }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    names: Arc<HashMap<String, String>>,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let id = request_id::for_request(req.headers());
        let slot = RouteSlot::default();
        req.set_data(slot.clone());
        let method = req.method().to_string();
        let span = tracing::info_span!(
            "request",
            method = %method,
            path = %req.uri().path(),
            route = Empty,
            status = Empty,
            request_id = %id,
            latency_ms = Empty,
        );
        let result = self.inner.call(req).instrument(span.clone()).await;
        let mut resp = match result {
            Ok(resp) => resp.into_response(),
            Err(err) => envelope::render_error(err).await,
        };
        let elapsed = started.elapsed();
        let route = match slot.0.get() {
            Some(r) => self.names.get(r.as_ref()).map_or(r.as_ref(), String::as_str),
            None => UNMATCHED,
        };
        let status = resp.status().as_u16();
        span.record("route", route);
        span.record("status", status);
        span.record("latency_ms", elapsed.as_secs_f64() * 1000.0);
        span.in_scope(|| tracing::info!("request answered"));
        prometheus::record_request(&method, route, status, elapsed);
        if let Ok(value) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert(request_id::HEADER, value);
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_parameters_get_their_spec_names() {
        let spec = r#"{"paths":{"/leagues":{},"/matches/{id}/odds":{},"/a/{x}/b/{y}":{}}}"#;
        let names = route_names("/api/v1", spec);
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(names["/api/v1/matches/:param0/odds"], "/api/v1/matches/:id/odds");
        assert_eq!(names["/api/v1/a/:param0/b/:param1"], "/api/v1/a/:x/b/:y");
        assert!(route_names("/api/v1", "not json").is_empty());
    }
}
