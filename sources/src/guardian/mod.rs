//! The Guardian: section RSS feeds (`/football/rss`) and the Content API search.
//!
//! Pages parsed: an RSS feed ([`parse_rss`], XML read with `roxmltree`) and a Content API
//! `/search` response ([`parse_search`]), both into news rows.

use chrono::{DateTime, Utc};
use roxmltree::{Document, Node};
use scraper::{Html, Node as HtmlNode};
use serde_json::Value;

use crate::ParseError;
use crate::extract::{Page, opt, opt_str};
use crate::pages::{PageDef, Parser};
use crate::rows::NewsRow;

const SITE: &str = "guardian";

const DC: &str = "http://purl.org/dc/elements/1.1/";

/// A section's RSS feed (base `https://www.theguardian.com`, section `football`).
pub fn rss_url(base: &str, section: &str) -> String {
    format!("{}/{section}/rss", base.trim_end_matches('/'))
}

/// One page of the Content API's newest items of a section, with trail text and byline
/// (base `https://content.guardianapis.com`).
pub fn search_url(base: &str, section: &str, page: u32, api_key: &str) -> String {
    format!(
        "{}/search?section={section}&order-by=newest&show-fields=trailText,byline&page={page}&api-key={api_key}",
        base.trim_end_matches('/')
    )
}

/// An RSS feed: every `item` with its title, link, publication time, description as
/// plain text, first category and `dc:creator`.
pub fn parse_rss(page: &str, body: &[u8]) -> Result<Vec<NewsRow>, ParseError> {
    let p = Page::new(SITE, page);
    let text = std::str::from_utf8(body).map_err(|e| p.err("body", format!("not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Err(p.err("body", "empty"));
    }
    let doc = Document::parse(text).map_err(|e| p.err("body", format!("not XML: {e}")))?;
    let rss = doc.root_element();
    if !rss.has_tag_name("rss") {
        return Err(p.err("rss", format!("root element is <{}>", rss.tag_name().name())));
    }
    let channel = child(rss, "channel").ok_or_else(|| p.err("rss/channel", "missing"))?;
    let items: Vec<Node> = channel.children().filter(|n| n.has_tag_name("item")).collect();
    if items.is_empty() {
        return Err(p.err("rss/channel/item", "no item"));
    }
    items.iter().enumerate().map(|(i, item)| rss_item(&p, *item, i)).collect()
}

fn rss_item(p: &Page, item: Node, i: usize) -> Result<NewsRow, ParseError> {
    let path = |name: &str| format!("rss/channel/item[{i}]/{name}");
    let required = |name: &str| {
        child_text(item, name).filter(|t| !t.is_empty()).ok_or_else(|| p.err(path(name), "missing"))
    };
    let title = required("title")?;
    let url = required("link")?;
    let published_at = match child_text(item, "pubDate") {
        Some(raw) => Some(
            DateTime::parse_from_rfc2822(&raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| p.err(path("pubDate"), format!("not an RFC 822 time {raw:?}: {e}")))?,
        ),
        None => dc_date(item),
    };
    let creator = item
        .children()
        .find(|n| n.has_tag_name((DC, "creator")))
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok(NewsRow {
        source: SITE.to_owned(),
        title,
        url,
        published_at,
        summary: child_text(item, "description").map(|d| html_text(&d)).filter(|d| !d.is_empty()),
        section: child_text(item, "category").filter(|c| !c.is_empty()),
        author: creator,
    })
}

fn dc_date(item: Node) -> Option<DateTime<Utc>> {
    let raw = item.children().find(|n| n.has_tag_name((DC, "date")))?.text()?;
    DateTime::parse_from_rfc3339(raw.trim()).ok().map(|t| t.with_timezone(&Utc))
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace().is_none())
}

/// The trimmed text of the first child element `name` (without namespace).
fn child_text(node: Node, name: &str) -> Option<String> {
    let c = child(node, name)?;
    Some(c.descendants().filter(Node::is_text).filter_map(|t| t.text()).collect::<String>().trim().to_owned())
}

/// Plain text of an HTML fragment: tags dropped, entities decoded, block elements
/// separated by a space, whitespace collapsed, and the feed's trailing "Continue
/// reading..." link removed.
fn html_text(fragment: &str) -> String {
    const BLOCKS: [&str; 12] =
        ["p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr", "blockquote"];
    let html = Html::parse_fragment(fragment);
    let mut out = String::new();
    for node in html.tree.root().descendants() {
        match node.value() {
            HtmlNode::Text(t) => out.push_str(t),
            HtmlNode::Element(e) if BLOCKS.contains(&e.name()) => out.push(' '),
            _ => {}
        }
    }
    let text = out.split_whitespace().collect::<Vec<_>>().join(" ");
    text.strip_suffix("Continue reading...").map_or(text.clone(), |t| t.trim_end().to_owned())
}

/// A Content API `/search` response: `response.results[]` with title, web URL,
/// publication time and section name; trail text and byline when requested.
pub fn parse_search(page: &str, body: &[u8]) -> Result<Vec<NewsRow>, ParseError> {
    let p = Page::new(SITE, page);
    let v = p.json(body)?;
    let status = p.str(&v, "response.status")?;
    if status != "ok" {
        let message = opt_str(&v, "response.message").unwrap_or("");
        return Err(p.err("response.status", format!("{status}: {message}")));
    }
    let results = p.array(&v, "response.results")?;
    if results.is_empty() {
        return Err(p.err("response.results", "empty"));
    }
    results.iter().enumerate().map(|(i, r)| search_result(&p, r, i)).collect()
}

fn search_result(p: &Page, r: &Value, i: usize) -> Result<NewsRow, ParseError> {
    let at = |e: ParseError| ParseError { field: format!("response.results.{i}.{}", e.field), ..e };
    let published_at = match opt(r, "webPublicationDate") {
        Some(_) => Some(p.time(r, "webPublicationDate").map_err(at)?),
        None => None,
    };
    Ok(NewsRow {
        source: SITE.to_owned(),
        title: p.str(r, "webTitle").map_err(at)?.to_owned(),
        url: p.str(r, "webUrl").map_err(at)?.to_owned(),
        published_at,
        summary: opt_str(r, "fields.trailText").map(html_text).filter(|s| !s.is_empty()),
        section: opt_str(r, "sectionName").map(str::to_owned),
        author: opt_str(r, "fields.byline").map(str::to_owned).filter(|s| !s.is_empty()),
    })
}

/// The pages of this site Kickoff reads, by the name source keys use.
pub const PAGES: &[PageDef] = &[
    PageDef { page: "rss", parser: Parser::News(parse_rss) },
    PageDef { page: "search", parser: Parser::News(parse_search) },
];

#[cfg(test)]
mod tests;
