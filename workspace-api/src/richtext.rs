//! Rich text of memos and announcements: an HTML subset, sanitised on write with `ammonia`
//! (an HTML5 parser, so misnested and unclosed markup is handled as browsers would), and the
//! plain-text excerpt lists show.
//!
//! Kept: paragraphs, line breaks, headings, lists, bold/italic/underline/strike, links
//! (`http`, `https`, `mailto` only; every link gets `rel="noopener noreferrer"`), tables,
//! code/pre, blockquote, horizontal rules. Dropped: every other element (its text stays),
//! every attribute but `href`/`title` on links, `colspan`/`rowspan` on cells and `start` on
//! ordered lists, relative and other-scheme URLs, comments. Scripts, styles, SVG, MathML and
//! embedded frames are dropped with their content: SVG and MathML parse in other namespaces,
//! which is where mutation-XSS tricks live, and nothing in a memo needs them.
//!
//! Sanitising is the only defence that travels with the data (clients, exports, e-mail), so
//! it runs on every write and the stored HTML is always the sanitised form.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// Longest rich-text body accepted, in characters of the HTML as sent.
pub const MAX_INPUT_CHARS: usize = 20_000;
/// Longest excerpt, in characters (an ellipsis marks a cut).
pub const EXCERPT_CHARS: usize = 200;

const TAGS: &[&str] = &[
    "p",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "strike",
    "del",
    "a",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "blockquote",
    "hr",
];

/// Elements removed together with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "svg", "math", "iframe", "object", "embed", "noscript", "template",
    "textarea", "select", "title",
];

/// Elements whose end separates words in the excerpt.
const BLOCKS: &[&str] = &[
    "p",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "th",
    "td",
    "caption",
    "pre",
    "blockquote",
    "hr",
];

static SANITISER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    let attrs: HashMap<&str, HashSet<&str>> = HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("th", HashSet::from(["colspan", "rowspan"])),
        ("td", HashSet::from(["colspan", "rowspan"])),
        ("ol", HashSet::from(["start"])),
    ]);
    b.tags(TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(attrs)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
});

/// The sanitised form of `html` (idempotent: sanitising the result changes nothing).
pub fn sanitise(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

/// Plain text of sanitised HTML: tags removed, block ends as spaces, the few entities the
/// sanitiser writes decoded, whitespace collapsed, cut at [`EXCERPT_CHARS`].
///
/// It relies on the input being the sanitiser's own output (well-formed tags, attribute
/// values in double quotes, text escaped), which is why it is not a general HTML parser.
pub fn excerpt(sanitised: &str) -> String {
    let text = decode_entities(&strip_tags(sanitised));
    let mut out = String::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > EXCERPT_CHARS {
        let mut cut: String = out.chars().take(EXCERPT_CHARS - 1).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        return cut;
    }
    out
}

/// Text outside tags; a space where a block element ends or a line break stands.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tag = &rest[start + 1..];
        let end = tag_end(tag);
        let name: String = tag[..end]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if BLOCKS.contains(&name.as_str()) {
            out.push(' ');
        }
        rest = tag.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Index of the `>` closing a tag, skipping `>` inside double-quoted attribute values.
fn tag_end(tag: &str) -> usize {
    let mut quoted = false;
    for (i, c) in tag.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return i,
            _ => {}
        }
    }
    tag.len()
}

/// The entities html5ever's serialiser writes in text; `&amp;` last so `&amp;lt;` stays
/// `&lt;` as the user typed it.
fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests;
