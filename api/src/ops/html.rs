//! The page frame: head, navigation, the operator's name and logout, and the small
//! stylesheet. Pages are maud templates, so every value is escaped.

use maud::{DOCTYPE, Markup, html};
use poem::web::Html;

use super::session::{CSRF_FIELD, Operator};

const STYLE: &str = "
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{display:flex;gap:1.2em;align-items:center;padding:.6em 1.2em;background:#1b1f24;color:#fff}
header a{color:#d0d7de;text-decoration:none}header a:hover{color:#fff}
header .who{margin-left:auto;display:flex;gap:.6em;align-items:center}
main{padding:1em 1.2em}h1{font-size:1.3em;margin:.2em 0 .8em}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border-bottom:1px solid #d0d7de;padding:.35em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.paused{color:#9a6700;font-weight:600}.error{color:#cf222e}.notice{color:#1a7f37}
section.kind{background:#fff;border:1px solid #d0d7de;padding:.6em 1em;margin:0 0 1em}
del{color:#cf222e;text-decoration:none;display:block}ins{color:#1a7f37;text-decoration:none;display:block}
section.kind h2{font-size:1.05em;margin:.2em 0}section.kind label{display:block;margin:.4em 0}
form.inline{display:inline}button{cursor:pointer}
figure.chart{margin:1em 0;background:#fff;border:1px solid #d0d7de;padding:.5em .8em}
figure.chart svg{display:block;width:100%;height:7em}nav.tabs,nav.ranges,p.pages{margin:.6em 0}
ul#chain,ul#chain ul{list-style:none;padding-left:1.2em;border-left:1px solid #d0d7de}
dl#job{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dl#job dd{margin:0}
form.login{display:flex;flex-direction:column;gap:.5em;max-width:24em}
";

/// `s` as one query-string value.
pub fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Indented JSON, for payloads.
pub fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// A UTC time to the second, or a dash.
pub fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| "—".to_owned())
}

/// The hidden field that proves a form came from this dashboard.
pub fn csrf_input(op: &Operator) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(op.csrf); }
}

/// A one-button form posting to `action`.
pub fn action_button(op: &Operator, action: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_input(op))
            button type="submit" { (label) }
        }
    }
}

/// A whole page; `op` is the logged-in operator (none on the login page).
pub fn page(title: &str, op: Option<&Operator>, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Kickoff ops" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "Kickoff ops" }
                    @if let Some(op) = op {
                        a href="/ops/" { "Queues" }
                        a href="/ops/jobs" { "Jobs" }
                        a href="/ops/dead-letters" { "Dead letters" }
                        a href="/ops/schedules" { "Schedules" }
                        a href="/ops/alerts" { "Alerts" }
                        a href="/ops/teams" { "Teams" }
                        a href="/ops/trigger" { "Trigger" }
                        @if op.principal().may(entities::enums::Role::Admin) {
                            a href="/ops/audit" { "Audit log" }
                        }
                        span.who {
                            span #actor { (op.actor) " (" (format!("{:?}", op.role).to_lowercase()) ")" }
                            (action_button(op, "/ops/logout", "Log out"))
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}
