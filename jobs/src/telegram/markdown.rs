//! Escaping of text for Telegram's two formatted parse modes. Telegram rejects a whole
//! MarkdownV2 message when one reserved character is left bare, and team names, odds
//! and signed numbers are full of them ("1. FC Köln", "2.10", "-0.5"), so every piece of
//! data goes through these before it meets the message's own markup.

/// The characters MarkdownV2 reserves in normal text, backslash included.
const MARKDOWN_V2_RESERVED: &str = "_*[]()~`>#+-=|{}.!\\";

/// `text` with each character MarkdownV2 reserves preceded by a backslash: for normal
/// text, outside `code`, `pre` and link URLs.
pub fn escape_markdown_v2(text: &str) -> String {
    escape_chars(text, |c| MARKDOWN_V2_RESERVED.contains(c))
}

/// `text` for inside a MarkdownV2 `code` span or `pre` block, where only the backtick
/// and the backslash are special.
pub fn escape_markdown_v2_code(text: &str) -> String {
    escape_chars(text, |c| c == '`' || c == '\\')
}

/// `url` for inside the `(...)` of a MarkdownV2 inline link, where only the closing
/// parenthesis and the backslash are special.
pub fn escape_markdown_v2_url(url: &str) -> String {
    escape_chars(url, |c| c == ')' || c == '\\')
}

fn escape_chars(text: &str, reserved: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        if reserved(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` for Telegram's HTML parse mode: `&`, `<` and `>` as entities, and `"` too
/// so the result is also safe inside an `href="..."` attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reserved_character_is_escaped() {
        assert_eq!(escape_markdown_v2(r"_*[]()~`>#+-=|{}.!\"), r"\_\*\[\]\(\)\~\`\>\#\+\-\=\|\{\}\.\!\\");
    }

    #[test]
    fn team_names_odds_and_numbers() {
        assert_eq!(escape_markdown_v2("Brighton & Hove Albion"), "Brighton & Hove Albion");
        assert_eq!(escape_markdown_v2("1. FC Köln"), r"1\. FC Köln");
        assert_eq!(escape_markdown_v2("Paris Saint-Germain"), r"Paris Saint\-Germain");
        assert_eq!(escape_markdown_v2("odds 2.10, edge +4.5%"), r"odds 2\.10, edge \+4\.5%");
        assert_eq!(escape_markdown_v2("handicap -0.5 (home)!"), r"handicap \-0\.5 \(home\)\!");
        assert_eq!(escape_markdown_v2("Wolves v Spurs [E0] #12"), r"Wolves v Spurs \[E0\] \#12");
        assert_eq!(escape_markdown_v2("already \\. escaped"), r"already \\\. escaped");
        assert_eq!(escape_markdown_v2(""), "");
    }

    #[test]
    fn code_and_url_escape_only_their_own_characters() {
        assert_eq!(escape_markdown_v2_code(r"a_b `c` \d 2.10"), r"a_b \`c\` \\d 2.10");
        assert_eq!(
            escape_markdown_v2_url("https://example.com/a_(b)?x=1.5"),
            r"https://example.com/a_(b\)?x=1.5"
        );
    }

    #[test]
    fn html_entities() {
        assert_eq!(escape_html("Brighton & Hove Albion"), "Brighton &amp; Hove Albion");
        assert_eq!(escape_html("<b>2.10</b> > 1.9"), "&lt;b&gt;2.10&lt;/b&gt; &gt; 1.9");
        assert_eq!(escape_html(r#"say "hi" 1. FC Köln -0.5"#), "say &quot;hi&quot; 1. FC Köln -0.5");
    }
}
