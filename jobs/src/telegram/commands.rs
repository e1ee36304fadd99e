//! The subscriber commands: `/start`, `/help`, `/subscribe [league] [min_edge]`,
//! `/unsubscribe`, `/status` and `/today`. `reply` performs a message's effect on the
//! database and returns the answer, already escaped for MarkdownV2.

use chrono::{DateTime, Utc};
use entities::{leagues, telegram_subscriptions as subs};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::{Map, Value, json};

use super::markdown::escape_markdown_v2;
use super::today;

/// What a command failed on; a user's mistake is a reply, not an error.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A message read as a command.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Start,
    Help,
    /// The words after `/subscribe`.
    Subscribe(Vec<String>),
    Unsubscribe,
    Status,
    Today,
    /// Anything else, commands Kickoff does not know and plain text alike.
    Unknown,
}

impl Command {
    /// Reads `/name@bot args`: in groups Telegram appends the bot's username.
    pub fn parse(text: &str) -> Self {
        let mut words = text.split_whitespace();
        let Some(head) = words.next().and_then(|w| w.strip_prefix('/')) else {
            return Self::Unknown;
        };
        let name = head.split('@').next().unwrap_or_default().to_ascii_lowercase();
        match name.as_str() {
            "start" => Self::Start,
            "help" => Self::Help,
            "subscribe" => Self::Subscribe(words.map(str::to_owned).collect()),
            "unsubscribe" | "stop" => Self::Unsubscribe,
            "status" => Self::Status,
            "today" => Self::Today,
            _ => Self::Unknown,
        }
    }
}

const HELP: &str = "Commands:
/subscribe [league] [min_edge] - value-bet alerts, optionally only for one league (e.g. E0) and from a minimum edge (0.05 or 5%)
/unsubscribe - stop the alerts
/status - your subscription and its filters
/today - today's matches with the model's probabilities
/help - this list";

/// Performs `text`'s effect for `chat_id` and returns the MarkdownV2 reply.
pub async fn reply(
    db: &DatabaseConnection,
    chat_id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<String, CommandError> {
    let plain = match Command::parse(text) {
        Command::Start => {
            format!("Welcome to Kickoff! I send value-bet alerts and today's predictions.\n\n{HELP}")
        }
        Command::Help | Command::Unknown => HELP.to_owned(),
        Command::Subscribe(args) => subscribe(db, chat_id, &args, now).await?,
        Command::Unsubscribe => unsubscribe(db, chat_id).await?,
        Command::Status => status(db, chat_id).await?,
        Command::Today => today::summary(db, now).await?,
    };
    Ok(escape_markdown_v2(&plain))
}

/// The filters `/subscribe` was given, or what is wrong with them.
#[derive(Debug, Default, PartialEq)]
struct Filters {
    league: Option<String>,
    min_edge: Option<f64>,
}

impl Filters {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(l) = &self.league {
            m.insert("league".into(), json!(l));
        }
        if let Some(e) = self.min_edge {
            m.insert("min_edge".into(), json!(e));
        }
        Value::Object(m)
    }

    fn describe(v: &Value) -> String {
        let league = v["league"].as_str().unwrap_or("all leagues");
        let edge =
            v["min_edge"].as_f64().map_or("any edge".to_owned(), |e| format!("edge at least {}", percent(e)));
        format!("{league}, {edge}")
    }
}

fn percent(fraction: f64) -> String {
    let p = format!("{:.2}", fraction * 100.0);
    format!("{}%", p.trim_end_matches('0').trim_end_matches('.'))
}

/// A minimum edge as a fraction: `0.05` or `5%`, within 0..1.
fn parse_min_edge(word: &str) -> Option<Result<f64, String>> {
    let (number, scale) = match word.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (word, 1.0),
    };
    let value = number.parse::<f64>().ok()?;
    let edge = value / scale;
    if edge.is_finite() && (0.0..=1.0).contains(&edge) {
        Some(Ok(edge))
    } else {
        Some(Err(format!("The minimum edge must be between 0 and 1 (or 0% and 100%), not {word}.")))
    }
}

/// Reads the words after `/subscribe`: at most one league and one minimum edge.
async fn parse_filters(db: &DatabaseConnection, args: &[String]) -> Result<Result<Filters, String>, DbErr> {
    let usage = "Usage: /subscribe [league] [min_edge], e.g. /subscribe E0 5%";
    if args.len() > 2 {
        return Ok(Err(usage.to_owned()));
    }
    let mut filters = Filters::default();
    for word in args {
        match parse_min_edge(word) {
            Some(Err(msg)) => return Ok(Err(msg)),
            Some(Ok(_)) if filters.min_edge.is_some() => return Ok(Err(usage.to_owned())),
            Some(Ok(edge)) => filters.min_edge = Some(edge),
            None if filters.league.is_some() => return Ok(Err(usage.to_owned())),
            None => match known_league(db, word).await? {
                Some(code) => filters.league = Some(code),
                None => {
                    return Ok(Err(format!("Unknown league {word}. Leagues are codes such as E0 or D1.")));
                }
            },
        }
    }
    Ok(Ok(filters))
}

/// The code as the leagues table spells it; users type `e0` as often as `E0`.
async fn known_league(db: &DatabaseConnection, word: &str) -> Result<Option<String>, DbErr> {
    let upper = word.to_ascii_uppercase();
    let found =
        leagues::Entity::find().filter(leagues::Column::Code.is_in([word.to_owned(), upper])).one(db).await?;
    Ok(found.map(|l| l.code))
}

async fn subscribe(
    db: &DatabaseConnection,
    chat_id: i64,
    args: &[String],
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let filters = match parse_filters(db, args).await? {
        Ok(f) => f.to_json(),
        Err(msg) => return Ok(msg),
    };
    let described = Filters::describe(&filters);
    // chat_id is unique: a second /subscribe changes the filters and resumes alerts.
    match subs::Entity::find().filter(subs::Column::ChatId.eq(chat_id)).one(db).await? {
        Some(existing) => {
            let mut row: subs::ActiveModel = existing.into();
            row.filters = Set(filters);
            row.active = Set(true);
            row.update(db).await?;
        }
        None => {
            subs::ActiveModel {
                chat_id: Set(chat_id),
                filters: Set(filters),
                active: Set(true),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(format!("Subscribed: {described}. Send /unsubscribe to stop."))
}

async fn unsubscribe(db: &DatabaseConnection, chat_id: i64) -> Result<String, DbErr> {
    let done = subs::Entity::update_many()
        .col_expr(subs::Column::Active, Expr::value(false))
        .filter(subs::Column::ChatId.eq(chat_id))
        .filter(subs::Column::Active.eq(true))
        .exec(db)
        .await?;
    Ok(if done.rows_affected > 0 {
        "Unsubscribed: no more alerts. Send /subscribe to resume.".to_owned()
    } else {
        "You are not subscribed. Send /subscribe to start.".to_owned()
    })
}

async fn status(db: &DatabaseConnection, chat_id: i64) -> Result<String, DbErr> {
    let found = subs::Entity::find().filter(subs::Column::ChatId.eq(chat_id)).one(db).await?;
    Ok(match found {
        Some(s) if s.active => format!("Subscribed: {}.", Filters::describe(&s.filters)),
        Some(s) => {
            format!("Unsubscribed (was: {}). Send /subscribe to resume.", Filters::describe(&s.filters))
        }
        None => "You are not subscribed. Send /subscribe to start.".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_bot_names_and_arguments() {
        assert_eq!(Command::parse("/start"), Command::Start);
        assert_eq!(Command::parse("/help@KickoffBot"), Command::Help);
        assert_eq!(
            Command::parse("  /Subscribe  E0 5% "),
            Command::Subscribe(vec!["E0".into(), "5%".into()])
        );
        assert_eq!(Command::parse("/unsubscribe"), Command::Unsubscribe);
        assert_eq!(Command::parse("/status"), Command::Status);
        assert_eq!(Command::parse("/today"), Command::Today);
        assert_eq!(Command::parse("/bogus"), Command::Unknown);
        assert_eq!(Command::parse("hello"), Command::Unknown);
        assert_eq!(Command::parse(""), Command::Unknown);
    }

    #[test]
    fn min_edge_as_fraction_or_percentage() {
        assert_eq!(parse_min_edge("0.05"), Some(Ok(0.05)));
        assert_eq!(parse_min_edge("5%"), Some(Ok(0.05)));
        assert_eq!(parse_min_edge("0"), Some(Ok(0.0)));
        assert!(matches!(parse_min_edge("1.5"), Some(Err(_))));
        assert!(matches!(parse_min_edge("-1%"), Some(Err(_))));
        assert!(matches!(parse_min_edge("NaN"), Some(Err(_))));
        assert_eq!(parse_min_edge("E0"), None);
    }

    #[test]
    fn filters_describe_themselves() {
        assert_eq!(Filters::describe(&json!({})), "all leagues, any edge");
        assert_eq!(Filters::describe(&json!({"league": "E0", "min_edge": 0.05})), "E0, edge at least 5%");
        assert_eq!(percent(0.125), "12.5%");
    }
}
