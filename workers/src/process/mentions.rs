//! The teams a news article mentions, found with the same rules as fixtures' names
//! ([`super::teams`]): every team's name, its aliases from every source and its
//! well-known nicknames ("Spurs", "Man Utd", "Bayern") are phrases of comparable words,
//! and the article's words are matched against them, the longest phrase first ("Inter
//! Milan" is Internazionale, not also Milan). A phrase that names two teams names none.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::teams::{nicknames_of, normalise, words};

/// Every team's phrases, by their first word.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// First word → `(phrase, team)`, longest phrase first.
    phrases: HashMap<String, Vec<(Vec<String>, i64)>>,
}

impl Lexicon {
    /// The lexicon of `(team id, spelling)` pairs: names and aliases.
    pub fn from_spellings<'a>(spellings: impl IntoIterator<Item = (i64, &'a str)>) -> Self {
        let mut teams: HashMap<Vec<String>, BTreeSet<i64>> = HashMap::new();
        for (id, spelling) in spellings {
            let full = normalise(spelling);
            let forms = std::iter::once(words(spelling))
                .chain(std::iter::once(full.split(' ').map(str::to_owned).collect()))
                .chain(nicknames_of(&full).map(|n| n.split(' ').map(str::to_owned).collect()));
            for phrase in forms {
                if phrase.iter().any(|w| !w.is_empty()) {
                    teams.entry(phrase).or_default().insert(id);
                }
            }
        }
        let mut phrases: HashMap<String, Vec<(Vec<String>, i64)>> = HashMap::new();
        for (phrase, ids) in teams {
            // Ambiguous ("united" for every United): no evidence of either team.
            let ids: Vec<i64> = ids.into_iter().collect();
            let (&[id], Some(first)) = (ids.as_slice(), phrase.first().cloned()) else {
                continue;
            };
            phrases.entry(first).or_default().push((phrase, id));
        }
        for list in phrases.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        Self { phrases }
    }

    /// Every team's name and aliases as stored.
    pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<Self, DbErr> {
        let rows = conn
            .query_all_raw(Statement::from_string(
                conn.get_database_backend(),
                "SELECT id, name FROM teams UNION ALL SELECT team_id, alias FROM team_aliases",
            ))
            .await?;
        let mut spellings: Vec<(i64, String)> = Vec::with_capacity(rows.len());
        for r in rows {
            spellings.push((r.try_get_by_index(0)?, r.try_get_by_index(1)?));
        }
        Ok(Self::from_spellings(spellings.iter().map(|(id, s)| (*id, s.as_str()))))
    }

    /// The ids of the teams `text` mentions, ascending.
    pub fn mentions(&self, text: &str) -> Vec<i64> {
        // A possessive is its noun ("Arsenal's" → "Arsenal"), not a word of its own.
        let text = words(&text.replace("'s", "").replace("’s", ""));
        let mut found = BTreeSet::new();
        let mut i = 0;
        while i < text.len() {
            let hit = self
                .phrases
                .get(&text[i])
                .and_then(|list| list.iter().find(|(phrase, _)| text[i..].starts_with(phrase.as_slice())));
            match hit {
                Some((phrase, id)) => {
                    found.insert(*id);
                    i += phrase.len();
                }
                None => i += 1,
            }
        }
        found.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::from_spellings([
            (1, "Tottenham Hotspur"),
            (1, "Tottenham"),
            (2, "Manchester United"),
            (2, "Man United"),
            (3, "Manchester City"),
            (4, "Bayern München"),
            (5, "Internazionale"),
            (6, "AC Milan"),
            (7, "Newcastle United"),
            (8, "Arsenal"),
            (9, "Sporting CP"),
            (9, "Sporting"),
            (10, "Sporting Gijon"),
            (10, "Sporting"),
        ])
    }

    #[test]
    fn nicknames_aliases_and_accents_name_their_teams() {
        let l = lexicon();
        assert_eq!(l.mentions("Spurs beat Man Utd at the Tottenham Hotspur Stadium"), [1, 2]);
        assert_eq!(l.mentions("Bayern sign a striker"), [4]);
        assert_eq!(l.mentions("Bayern Munich and Man City agree a fee"), [3, 4]);
        assert_eq!(l.mentions("Arsenal's title hopes"), [8]);
    }

    #[test]
    fn the_longest_phrase_wins_and_ambiguous_words_name_nobody() {
        let l = lexicon();
        assert_eq!(l.mentions("Inter Milan's coach"), [5], "Inter Milan is one club");
        assert_eq!(l.mentions("Milan win the derby"), [6]);
        // Two clubs are "Sporting" to some source: the word alone is neither.
        assert!(l.mentions("Sporting fans protest").is_empty());
        assert_eq!(l.mentions("Sporting Gijon fans protest"), [10]);
        // A word of a name is not the name.
        assert!(l.mentions("United fans protest; Manchester is wet").is_empty());
        assert!(l.mentions("").is_empty());
        assert!(l.mentions("Wolves").is_empty(), "a nickname of a team that is not stored");
    }
}
