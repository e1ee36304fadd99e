//! A local fake of Telegram's Bot API over real HTTP: the tests' Telegram, and the
//! fixture site's (`/telegram`), where `kickoff demo` sends its alerts when no bot is
//! configured. It checks the token in the path (any token when none is set), records
//! every call with its time, parses MarkdownV2 and HTML the way Telegram does (a bare
//! reserved character is a 400), holds long polls until an update arrives, and fails on
//! demand: the next call (`failures`), the next `sendMessage` (`send_failures`) or
//! every call to one chat (`chat_failures`) with 429, 403, 400 or 500.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Path};
use poem::{Endpoint, EndpointExt, Response, Route, Server, handler, http::StatusCode, post};
use serde::Serialize;
use serde_json::{Value, json};

/// The token a default fake accepts.
pub const TOKEN: &str = "123456789:AAE-kickoff_Secret-Token";

/// How the fake answers the next call instead of serving it.
#[derive(Clone, Debug)]
pub enum Failure {
    RateLimited(u64),
    Blocked,
    /// A 400 that no retry fixes.
    BadRequest,
    /// A 400 for a chat that no longer exists.
    ChatNotFound,
    /// A 400 for a group that became a supergroup under this id.
    Migrated(i64),
    ServerError,
    /// A 400 whose description repeats the request path, token included.
    EchoPath,
    /// The message is delivered, but the reply comes only after a minute: the caller
    /// times out not knowing.
    DeliveredButSlow,
    /// A proxy's 502 page instead of Telegram's answer.
    GatewayError,
    /// The message is delivered and the 200 reply is not JSON.
    DeliveredGarbled,
}

/// One call the fake received.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    pub method: String,
    pub params: Value,
    #[serde(skip)]
    pub at: Instant,
}

impl Call {
    pub fn chat_id(&self) -> Option<i64> {
        self.params["chat_id"].as_i64()
    }
    pub fn text(&self) -> Option<&str> {
        self.params["text"].as_str()
    }
    /// The chat and text of a `sendMessage`.
    pub fn message(&self) -> Option<(i64, &str)> {
        (self.method == "sendMessage").then_some(())?;
        Some((self.chat_id()?, self.text()?))
    }
}

pub struct Fake {
    /// The bot token the path must carry (`/bot{token}/{method}`); `None` takes any.
    pub token: Option<String>,
    pub calls: Vec<Call>,
    /// Answers to the next calls, in order.
    pub failures: VecDeque<Failure>,
    /// The answer to every call naming that chat.
    pub chat_failures: HashMap<i64, Failure>,
    /// Answers to the next `sendMessage` calls, in order.
    pub send_failures: VecDeque<Failure>,
    pub updates: Vec<Value>,
}

impl Default for Fake {
    fn default() -> Self {
        Fake {
            token: Some(TOKEN.to_owned()),
            calls: Vec::new(),
            failures: VecDeque::new(),
            chat_failures: HashMap::new(),
            send_failures: VecDeque::new(),
            updates: Vec::new(),
        }
    }
}

impl Fake {
    /// A fake that takes any bot token.
    pub fn any_token() -> Self {
        Fake { token: None, ..Fake::default() }
    }
}

pub type Shared = Arc<Mutex<Fake>>;

/// The fake's state, also after a handler panicked holding it.
pub fn lock(fake: &Shared) -> MutexGuard<'_, Fake> {
    fake.lock().unwrap_or_else(PoisonError::into_inner)
}

fn error(status: u16, description: &str, parameters: Option<Value>) -> Response {
    let mut body = json!({"ok": false, "error_code": status, "description": description});
    if let Some(p) = parameters {
        body["parameters"] = p;
    }
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type("application/json")
        .body(body.to_string())
}

fn ok(result: Value) -> Response {
    Response::builder()
        .content_type("application/json")
        .body(json!({"ok": true, "result": result}).to_string())
}

fn failure(f: Failure, path: &str) -> Response {
    match f {
        Failure::RateLimited(s) => {
            error(429, &format!("Too Many Requests: retry after {s}"), Some(json!({"retry_after": s})))
        }
        Failure::Blocked => error(403, "Forbidden: bot was blocked by the user", None),
        Failure::BadRequest => error(400, "Bad Request: message is too long", None),
        Failure::ChatNotFound => error(400, "Bad Request: chat not found", None),
        Failure::Migrated(to) => error(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            Some(json!({"migrate_to_chat_id": to})),
        ),
        Failure::ServerError => error(500, "Internal Server Error", None),
        Failure::EchoPath => error(400, &format!("Bad Request: no route {path}"), None),
        Failure::GatewayError => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .content_type("text/html")
            .body("<html><body>502 Bad Gateway</body></html>"),
        Failure::DeliveredGarbled => Response::builder().content_type("text/html").body("<html>OK</html>"),
        // Never reached: `bot_api` answers this one itself, after the delay.
        Failure::DeliveredButSlow => error(500, "Internal Server Error", None),
    }
}

/// Telegram's complaint about MarkdownV2 `text`, if any: reserved characters must be
/// escaped, except `*` and `_`, which must pair up (bold and italic are all tests use).
fn markdown_v2_error(text: &str) -> Option<String> {
    let mut open: Vec<char> = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '_' if open.last() == Some(&c) => {
                open.pop();
            }
            '*' | '_' => open.push(c),
            c if "[]()~`>#+-=|{}.!".contains(c) => {
                return Some(format!(
                    "Bad Request: can't parse entities: Character '{c}' is reserved and must be escaped with the preceding '\\'"
                ));
            }
            _ => {}
        }
    }
    open.last().map(|c| {
        format!("Bad Request: can't parse entities: Can't find end of the entity starting with '{c}'")
    })
}

/// Telegram's complaint about HTML `text`: `<` only opens `b` and `i` tags, `&` only
/// starts the four entities, and `>` never stands alone.
fn html_error(text: &str) -> Option<String> {
    const ALLOWED: [&str; 8] = ["<b>", "</b>", "<i>", "</i>", "&amp;", "&lt;", "&gt;", "&quot;"];
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(tag) = ALLOWED.iter().find(|t| rest.starts_with(*t)) {
            rest = &rest[tag.len()..];
            continue;
        }
        if matches!(c, '<' | '>' | '&') {
            return Some(format!("Bad Request: can't parse entities: Unexpected '{c}'"));
        }
        rest = &rest[c.len_utf8()..];
    }
    None
}

/// Telegram's answer to a `sendMessage`; the message id is the call's position in
/// `calls`, plus one.
fn send_message(params: &Value, message_id: usize) -> Response {
    let (Some(chat_id), Some(text)) = (params["chat_id"].as_i64(), params["text"].as_str()) else {
        return error(400, "Bad Request: chat_id and text are required", None);
    };
    let complaint = match params["parse_mode"].as_str() {
        Some("MarkdownV2") => markdown_v2_error(text),
        Some("HTML") => html_error(text),
        _ => None,
    };
    match complaint {
        Some(description) => error(400, &description, None),
        None => ok(json!({"message_id": message_id, "date": chrono::Utc::now().timestamp(), "text": text,
                          "chat": {"id": chat_id, "type": if chat_id < 0 { "group" } else { "private" }}})),
    }
}

/// Updates from `offset` on, waiting up to the call's `timeout` for one to arrive.
async fn get_updates(fake: &Shared, params: &Value) -> Response {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(params["timeout"].as_u64().unwrap_or(0));
    loop {
        let newer: Vec<Value> = {
            let f = lock(fake);
            f.updates.iter().filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset).cloned().collect()
        };
        if !newer.is_empty() || Instant::now() >= deadline {
            return ok(Value::Array(newer));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[handler]
async fn bot_api(Path((bot, method)): Path<(String, String)>, body: String, fake: Data<&Shared>) -> Response {
    let token_ok = match &lock(fake.0).token {
        Some(token) => bot.strip_prefix("bot") == Some(token.as_str()),
        None => bot.starts_with("bot"),
    };
    if !token_ok {
        return error(404, "Not Found", None);
    }
    let Ok(params) = serde_json::from_str::<Value>(&body) else {
        return error(400, "Bad Request: the body is not JSON", None);
    };
    let (scripted, position) = {
        let mut f = lock(fake.0);
        f.calls.push(Call { method: method.clone(), params: params.clone(), at: Instant::now() });
        let chat = params["chat_id"].as_i64().and_then(|c| f.chat_failures.get(&c).cloned());
        let send = if method == "sendMessage" { f.send_failures.pop_front() } else { None };
        (f.failures.pop_front().or(send).or(chat), f.calls.len())
    };
    if let Some(Failure::DeliveredButSlow) = scripted {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return send_message(&params, position);
    }
    if let Some(f) = scripted {
        return failure(f, &format!("/{bot}/{method}"));
    }
    match method.as_str() {
        "sendMessage" => send_message(&params, position),
        "getUpdates" => get_updates(fake.0, &params).await,
        "setWebhook" | "deleteWebhook" => ok(json!(true)),
        _ => error(404, "Not Found: method not found", None),
    }
}

/// The Bot API's routes (`/{bot}/{method}`), to serve alone or nest in a site.
pub fn routes(fake: Shared) -> impl Endpoint {
    Route::new().at("/:bot/:method", post(bot_api)).data(fake)
}

/// Serves `fake` on a free port of 127.0.0.1; returns its base URL.
pub async fn start(fake: Shared) -> std::io::Result<String> {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr())
        .copied()
        .ok_or_else(|| std::io::Error::other("the listener has no socket address"))?;
    let app = routes(fake);
    tokio::spawn(async move { Server::new_with_acceptor(acceptor).run(app).await });
    Ok(format!("http://{addr}"))
}
