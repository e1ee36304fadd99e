//! The trigger page: one form per job kind, built from the kind's JSON schema (its fields
//! with type, whether required and their description, and the arguments pre-filled with
//! the required ones), an optional start time and idempotency key. The arguments are
//! checked against the schema; a refusal comes back on the page beside the form.

use chrono::{DateTime, Utc};
use jobs::catalogue::{KINDS, args_schema};
use jobs::{AnyJob, EnqueueOptions, Enqueued, Envelope, JobError};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::session::Session;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::html::{csrf_input, page};
use super::session::{Acting, Operator, Refusal, current};
use super::{audited_redirect, unavailable};
use crate::state::ApiState;

/// One field of a kind's arguments, as the schema describes it.
struct Field {
    name: String,
    kind: String,
    required: bool,
    description: String,
}

fn schema_of(kind: &str) -> Value {
    args_schema(kind).and_then(|s| serde_json::to_value(s).ok()).unwrap_or_default()
}

fn type_name(prop: &Value) -> String {
    match &prop["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => {
            ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect::<Vec<_>>().join(" | ")
        }
        _ if prop.get("$ref").is_some() || prop.get("allOf").is_some() || prop.get("oneOf").is_some() => {
            "choice".into()
        }
        _ => "any".into(),
    }
}

fn fields(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema["properties"].as_object() else { return Vec::new() };
    props
        .iter()
        .map(|(name, prop)| Field {
            name: name.clone(),
            kind: type_name(prop),
            required: required.contains(&name.as_str()),
            description: prop["description"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The arguments a form starts with: every required field, empty of its type.
fn skeleton(schema: &Value) -> String {
    let mut args = serde_json::Map::new();
    for f in fields(schema).into_iter().filter(|f| f.required) {
        let empty = match f.kind.as_str() {
            "string" => json!(""),
            "integer" | "number" => json!(0),
            "boolean" => json!(false),
            "array" => json!([]),
            _ => Value::Null,
        };
        args.insert(f.name, empty);
    }
    serde_json::to_string_pretty(&Value::Object(args)).unwrap_or_else(|_| "{}".into())
}

/// A refused submission, shown beside its form.
struct Refused<'a> {
    kind: &'a str,
    message: String,
    form: &'a TriggerForm,
}

fn kind_section(op: &Operator, kind: &str, queue: &str, refused: Option<&Refused<'_>>) -> Markup {
    let schema = schema_of(kind);
    let fields = fields(&schema);
    let mine = refused.filter(|r| r.kind == kind);
    let args = mine.map(|r| r.form.args.clone()).unwrap_or_else(|| skeleton(&schema));
    html! {
        section.kind id=(format!("kind-{kind}")) data-kind=(kind) {
            h2 { (kind) " " small { "on " (queue) } }
            @if !fields.is_empty() {
                table.fields {
                    thead { tr { th { "Field" } th { "Type" } th { "Required" } th { "Meaning" } } }
                    tbody { @for f in &fields {
                        tr { td { code { (f.name) } } td { (f.kind) } td { @if f.required { "yes" } } td { (f.description) } }
                    } }
                }
            }
            @if op.may_act() {
                form method="post" action=(format!("/ops/trigger/{kind}")) {
                    (csrf_input(op))
                    label { "Arguments (JSON)" textarea name="args" rows="4" cols="60" { (args) } }
                    label { "Start at (RFC 3339, empty for now) "
                        input type="text" name="run_at" value=(mine.map(|r| r.form.run_at.clone()).unwrap_or_default()); }
                    label { "Idempotency key (optional) "
                        input type="text" name="idempotency_key" value=(mine.map(|r| r.form.idempotency_key.clone()).unwrap_or_default()); }
                    button type="submit" { "Queue " (kind) }
                    @if let Some(r) = mine { p.error role="alert" { (r.message) } }
                }
            }
        }
    }
}

fn trigger_page(op: &Operator, notice: Option<String>, refused: Option<&Refused<'_>>) -> Response {
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = html! {
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @for (kind, queue, _) in KINDS.iter() { (kind_section(op, kind, queue, refused)) }
    };
    (status, page("Trigger a job", Some(op), body)).into_response()
}

#[derive(Deserialize)]
pub struct Queued {
    queued: Option<String>,
    kind: Option<String>,
}

#[handler]
pub fn page_of_forms(session: &Session, Query(q): Query<Queued>) -> Response {
    let Some(op) = current(session) else { return Refusal::Login.into_response() };
    let notice = match (q.kind, q.queued) {
        (Some(kind), Some(id)) if id == "duplicate" => {
            Some(format!("A {kind} job with that idempotency key is already queued; nothing new was queued."))
        }
        (Some(kind), Some(id)) => Some(format!("Queued {kind} job {id}.")),
        _ => None,
    };
    trigger_page(&op, notice, None)
}

#[derive(Deserialize)]
pub struct TriggerForm {
    #[serde(default)]
    args: String,
    #[serde(default)]
    run_at: String,
    #[serde(default)]
    idempotency_key: String,
}

/// What the form asks for, or why it cannot be queued.
fn parse(kind: &str, form: &TriggerForm) -> Result<(AnyJob, EnqueueOptions), String> {
    let args: Value = if form.args.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&form.args).map_err(|e| format!("The arguments are not JSON: {e}."))?
    };
    let run_at = match form.run_at.trim() {
        "" => None,
        t => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|e| format!("Start at `{t}` is not an RFC 3339 time: {e}."))?
                .with_timezone(&Utc),
        ),
    };
    let key = form.idempotency_key.trim();
    if key.len() > 200 {
        return Err("The idempotency key is longer than 200 bytes.".into());
    }
    let job = AnyJob::from_parts(kind, args).map_err(|e| match e {
        JobError::InvalidArgs { message, .. } => format!("Invalid arguments: {message}."),
        other => other.to_string(),
    })?;
    Ok((job, EnqueueOptions { run_at, idempotency_key: (!key.is_empty()).then(|| key.to_owned()) }))
}

#[handler]
pub async fn submit(
    Path(kind): Path<String>,
    Acting(op, form): Acting<TriggerForm>,
    state: Data<&ApiState>,
) -> Response {
    let Some((kind, _, _)) = KINDS.iter().find(|(k, _, _)| *k == kind) else {
        return (StatusCode::NOT_FOUND, "no such job kind").into_response();
    };
    let (job, opts) = match parse(kind, &form) {
        Ok(parsed) => parsed,
        Err(message) => return trigger_page(&op, None, Some(&Refused { kind, message, form: &form })),
    };
    let Some(client) = state.queues.as_ref() else { return unavailable("queue backend", "no job queue") };
    let envelope = Envelope::new(&job);
    let outcome = match client.enqueue(&envelope, &opts).await {
        Ok(o) => o,
        Err(e) => return unavailable("queue backend", e),
    };
    let id = match &outcome {
        Enqueued::Queued { id, .. } => id.clone(),
        Enqueued::Duplicate { .. } => "duplicate".to_owned(),
    };
    let details = json!({ "args": job.args(), "run_at": opts.run_at, "outcome": &outcome });
    let to = format!("/ops/trigger?kind={kind}&queued={id}");
    audited_redirect(&state, &op, "job.trigger", kind, details, &to).await
}
