//! Team resolution across sources. Sofascore says "Manchester United", FBref
//! "Manchester Utd", football-data.co.uk "Man United": all must land on one team.
//!
//! A name resolves, in order: through `team_aliases` (source, name); to a team whose
//! name or any alias has the same normalised form (accents folded, "&" → "and",
//! "Utd" → "united", club-type words like "FC" dropped, well-known nicknames mapped);
//! to the one team of the league whose normalised name contains all of this name's
//! words (or the other way round), when exactly one does. Each resolution is recorded
//! as an alias, so the next lookup is direct. A name that matches nothing creates one
//! team, once, and is reported.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbErr, Statement, Value as SqlValue};

/// The `source` under which football-data.co.uk team names are stored as aliases: the
/// names that seed the teams.
pub const ALIAS_SOURCE: &str = entities::team_review::SEED_SOURCE;

/// Words that name a club's legal or sporting form, not the club.
const GENERIC: &[&str] = &[
    "fc", "afc", "cf", "sc", "ac", "as", "ss", "ssc", "us", "cd", "ud", "sd", "rc", "rcd", "ca", "club",
    "calcio", "fk", "sk", "sv", "vfb", "vfl", "tsg", "bv", "bsc", "sco", "ogc", "1", "1899", "1846", "1848",
    "1860", "1900", "1904", "1909", "1910", "de", "the",
];

/// Abbreviations expanded word by word.
const WORDS: &[(&str, &str)] = &[
    ("utd", "united"),
    ("nottm", "nottingham"),
    ("weds", "wednesday"),
    ("ath", "athletic"),
    ("atl", "atletico"),
    ("st", "saint"),
    ("munich", "munchen"),
];

/// Nicknames and short forms that share no usable words with the full name, as their
/// normalised forms: (nickname, full name).
const NICKNAMES: &[(&str, &str)] = &[
    ("spurs", "tottenham hotspur"),
    ("wolves", "wolverhampton wanderers"),
    ("man united", "manchester united"),
    ("man city", "manchester city"),
    ("inter", "internazionale"),
    ("inter milan", "internazionale"),
    ("psg", "paris saint germain"),
    ("paris sg", "paris saint germain"),
    ("gladbach", "borussia monchengladbach"),
    ("m gladbach", "borussia monchengladbach"),
    ("ein frankfurt", "eintracht frankfurt"),
    ("leverkusen", "bayer leverkusen"),
    ("bayern", "bayern munchen"),
    ("dortmund", "borussia dortmund"),
    ("sociedad", "real sociedad"),
    ("betis", "real betis"),
    ("athletic bilbao", "athletic"),
    // football-data.co.uk's "Ath Madrid" is Atlético, not Athletic (Bilbao).
    ("athletic madrid", "atletico madrid"),
    ("atletico", "atletico madrid"),
    ("cologne", "koln"),
];

/// Folds the accented Latin letters club names use to ASCII.
fn fold(c: char) -> &'static str {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ą' => "a",
        'ç' | 'ć' | 'č' => "c",
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'í' | 'ì' | 'î' | 'ï' | 'ı' => "i",
        'ñ' | 'ń' | 'ň' => "n",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ő' => "o",
        'ú' | 'ù' | 'û' | 'ü' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'ł' => "l",
        'š' | 'ś' | 'ş' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ğ' => "g",
        'ř' => "r",
        'đ' => "d",
        _ => "",
    }
}

/// The comparable words of a name or a text: lowercase ASCII without punctuation,
/// abbreviations expanded, club-form words dropped.
pub fn words(text: &str) -> Vec<String> {
    let mut flat = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        match c {
            '&' => flat.push_str(" and "),
            '\'' | '’' | '.' => {}
            c if c.is_ascii_alphanumeric() => flat.push(c),
            c if c.is_ascii() => flat.push(' '),
            c => match fold(c) {
                "" => flat.push(' '),
                s => flat.push_str(s),
            },
        }
    }
    flat.split_whitespace()
        .map(|w| WORDS.iter().find(|(a, _)| *a == w).map(|(_, b)| *b).unwrap_or(w))
        .filter(|w| !GENERIC.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The comparable form of a team name: its [`words`], nicknames mapped.
pub fn normalise(name: &str) -> String {
    let joined = words(name).join(" ");
    // "Man United" → "manchester united" only as a whole name ("man" alone is ambiguous).
    NICKNAMES.iter().find(|(n, _)| *n == joined).map(|(_, full)| (*full).to_owned()).unwrap_or(joined)
}

/// The nicknames of the team whose normalised name is `full` ("spurs" for "tottenham
/// hotspur").
pub fn nicknames_of(full: &str) -> impl Iterator<Item = &'static str> + '_ {
    NICKNAMES.iter().filter(move |(_, f)| *f == full).map(|(n, _)| *n)
}

/// Whether every word of `short` is a word of `long` (and `short` has any).
fn words_within(short: &str, long: &str) -> bool {
    let long: HashSet<&str> = long.split(' ').collect();
    !short.is_empty() && short.split(' ').all(|w| long.contains(w))
}

/// How a name was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Alias,
    Normalised,
    WordMatch,
    Created,
}

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("team name is empty")]
    Empty,
}

async fn query<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<SqlValue>,
) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await
}

async fn record_alias<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    name: &str,
    team_id: i64,
) -> Result<(), DbErr> {
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        "INSERT INTO team_aliases (source, alias, team_id) VALUES ($1, $2, $3) ON CONFLICT (source, alias) DO NOTHING",
        vec![source.into(), name.into(), team_id.into()],
    ))
    .await?;
    Ok(())
}

/// Serialises the slow path of [`resolve`] within a process.
static RESOLVING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The team `source` already calls `name`, if any.
async fn alias<C: ConnectionTrait>(conn: &C, source: &str, name: &str) -> Result<Option<i64>, DbErr> {
    let direct = query(
        conn,
        "SELECT team_id FROM team_aliases WHERE source = $1 AND alias = $2",
        vec![source.into(), name.into()],
    )
    .await?;
    direct.first().map(|row| row.try_get_by_index(0)).transpose()
}

/// Resolves `name` as written by `source` to a team id, in `league_id` when known.
pub async fn resolve<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    name: &str,
    league_id: Option<i64>,
) -> Result<(i64, Resolution), TeamError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TeamError::Empty);
    }
    if let Some(id) = alias(conn, source, name).await? {
        return Ok((id, Resolution::Alias));
    }
    // One resolution at a time in this process: two pages naming a new club differently
    // ("Leeds", "Leeds United") processed at once would otherwise both create it.
    let _guard = RESOLVING.lock().await;
    if let Some(id) = alias(conn, source, name).await? {
        return Ok((id, Resolution::Alias));
    }
    // Every known spelling of every candidate team: its name and all its aliases.
    let rows = query(
        conn,
        "SELECT t.id, t.name, t.league_id FROM teams t \
         UNION ALL SELECT a.team_id, a.alias, t.league_id FROM team_aliases a JOIN teams t ON t.id = a.team_id",
        vec![],
    )
    .await?;
    let mut spellings: Vec<(i64, String, Option<i64>)> = Vec::with_capacity(rows.len());
    for r in rows {
        let spelling: String = r.try_get_by_index(1)?;
        spellings.push((r.try_get_by_index(0)?, normalise(&spelling), r.try_get_by_index(2)?));
    }
    let key = normalise(name);
    let exact: HashSet<i64> = spellings.iter().filter(|(_, s, _)| *s == key).map(|(id, _, _)| *id).collect();
    let found = if exact.len() == 1 {
        exact.into_iter().next().map(|id| (id, Resolution::Normalised))
    } else {
        // Within the league only: "Tottenham" ⊂ "Tottenham Hotspur", unless ambiguous.
        let same_league = |l: &Option<i64>| league_id.is_some() && *l == league_id;
        let partial: HashSet<i64> = spellings
            .iter()
            .filter(|(_, s, l)| same_league(l) && (words_within(&key, s) || words_within(s, &key)))
            .map(|(id, _, _)| *id)
            .collect();
        (partial.len() == 1)
            .then(|| partial.into_iter().next().map(|id| (id, Resolution::WordMatch)))
            .flatten()
    };
    let (id, how) = match found {
        Some(f) => f,
        None => {
            conn.execute_raw(Statement::from_sql_and_values(
                conn.get_database_backend(),
                "INSERT INTO teams (name, league_id, external_ids) VALUES ($1, $2, '{}') ON CONFLICT (name) DO NOTHING",
                vec![name.into(), league_id.into()],
            ))
            .await?;
            let row = query(conn, "SELECT id FROM teams WHERE name = $1", vec![name.into()]).await?;
            let id = row
                .first()
                .map(|r| r.try_get_by_index::<i64>(0))
                .transpose()?
                .ok_or_else(|| DbErr::RecordNotFound(format!("team {name}")))?;
            // football-data.co.uk's names seed the teams; a new name from any other source
            // is worth an operator's look (a spelling the resolution missed).
            if source == ALIAS_SOURCE {
                tracing::info!(source, team = name, id, "team created");
            } else {
                tracing::warn!(source, team = name, id, "unknown team: created");
            }
            (id, Resolution::Created)
        }
    };
    record_alias(conn, source, name, id).await?;
    Ok((id, how))
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn names_normalise_across_sources() {
        for (a, b) in [
            ("Manchester United", "Man United"),
            ("Manchester Utd", "Manchester United FC"),
            ("Brighton & Hove Albion", "Brighton and Hove Albion"),
            ("1. FC Köln", "FC Koln"),
            ("Nott'm Forest", "Nottingham Forest"),
            ("Wolves", "Wolverhampton Wanderers"),
            ("Bayern München", "Bayern Munich"),
            ("Atlético Madrid", "Atletico Madrid"),
            ("Paris Saint-Germain", "PSG"),
        ] {
            assert_eq!(normalise(a), normalise(b), "{a} vs {b}");
        }
        assert_ne!(normalise("Manchester United"), normalise("Manchester City"));
        assert_eq!(normalise("AFC Bournemouth"), "bournemouth");
        // Neither Madrid club is Athletic: no word match may join them either way round.
        assert_eq!(normalise("Ath Madrid"), normalise("Atlético Madrid"));
        assert_eq!(normalise("Ath Bilbao"), normalise("Athletic Club"));
        for (a, b) in [("Ath Madrid", "Ath Bilbao"), ("Ath Madrid", "Real Madrid")] {
            let (a, b) = (normalise(a), normalise(b));
            assert!(!super::words_within(&a, &b) && !super::words_within(&b, &a), "{a} ~ {b}");
        }
    }
}
