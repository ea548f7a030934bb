//! Markdown of forum posts: safe HTML for display, link counting for the new-member limits, and
//! plain text for search and snippets.
//!
//! Posts are stored exactly as written; [`render`] produces the `body_html` clients display. It
//! is CommonMark with tables and strikethrough (pulldown-cmark), followed by an ammonia pass with
//! a strict allow-list as a second line of defence. Decisions:
//!
//! - **No raw HTML.** HTML blocks and inline HTML in the input are shown as escaped text, so
//!   `<script>` appears literally; HTML never reaches the output as markup.
//! - **Links** keep only absolute `http`, `https` and `mailto` URLs (normalised by the `url`
//!   crate). Relative and scheme-relative URLs are refused: `body_html` is shown by clients at
//!   different base URLs, and `//host` would sidestep the scheme check. A refused link renders
//!   as its text alone, without `<a>`. Link titles are dropped. Every link carries
//!   `rel="nofollow ugc noopener"` ([`LINK_REL`]).
//! - **Bare URLs** in text (`http://…`, `https://…`, `www.…`, any letter case) become links, as
//!   in GitHub-flavoured markdown; `www.` links get `https://`. A bare URL is made of printable
//!   ASCII only, so a URL typed straight into Chinese text ends where the Chinese begins;
//!   trailing punctuation and unbalanced closing brackets are left out. URLs in code are not
//!   linked. Non-ASCII URLs can be written as `<https://…>` or `[text](https://…)`.
//! - **Images are not displayed** (no remote content, no tracking pixels): an image renders as
//!   its alt text. An image inside a link keeps the link.
//! - **Headings shift down one level** (`#` gives `<h2>`, `######` stays `<h6>`), so the page's
//!   `<h1>` stays the thread title.
//! - Fenced code keeps `class="language-…"` when the info string starts with a plain language
//!   name; no other class, no `id`, no `style` (table column alignment is dropped).
//! - Task lists, footnotes, heading attributes, math and smart punctuation are off (`[x]` stays
//!   literal text).
//! - **Bounded output.** Block quotes and lists nest at most [`MAX_NESTING`] deep (deeper ones
//!   flow into the innermost kept one: 20 KB of `> ` renders as one short quote, not ten
//!   thousand), and a text whose HTML would exceed [`MAX_HTML_BYTES`] (say, a table of a
//!   thousand columns) is refused by [`render`] before it is sanitised.
//!
//! [`count_links`] counts the links of the rendered post plus the bare URLs written inside code,
//! which are not clickable but are still a way to advertise. [`plain_text`] returns the text a
//! reader sees, without markup; it is text, not HTML, and must be escaped wherever it is embedded.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{
    Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
    TextMergeStream,
};
use url::Url;

/// The `rel` attribute of every link in rendered posts.
pub const LINK_REL: &str = "nofollow ugc noopener";

/// URL schemes a link may use.
const ALLOWED_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Longest language name kept on a fenced code block.
const MAX_LANGUAGE_LEN: usize = 32;

/// The tags that may appear in rendered posts (headings start at `h2`, see the module docs).
const ALLOWED_TAGS: [&str; 24] = [
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Deepest nesting of block quotes and lists that is kept.
pub const MAX_NESTING: usize = 8;

/// Largest rendered post, in bytes of HTML before sanitising: a post of the longest allowed
/// length with ordinary formatting stays far below it.
pub const MAX_HTML_BYTES: usize = 256 * 1024;

/// A text whose HTML would be larger than [`MAX_HTML_BYTES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("its formatting makes it too large to display; simplify tables or nesting")]
pub struct TooLarge;

/// Ammonia, configured once: the allow-list of the module docs.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from(ALLOWED_TAGS))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("code", HashSet::from(["class"])),
            ("ol", HashSet::from(["start"])),
        ]))
        .attribute_filter(keep_attribute)
        .url_schemes(HashSet::from(ALLOWED_SCHEMES))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .id_prefix(None);
    builder
});

/// Renders a post's markdown to sanitised HTML (see the module docs for what survives).
/// The output is deterministic: the same markdown always gives the same bytes.
pub fn render(markdown: &str) -> Result<String, TooLarge> {
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2 + 16);
    pulldown_cmark::html::push_html(&mut html, events(markdown).into_iter());
    if html.len() > MAX_HTML_BYTES {
        return Err(TooLarge);
    }
    Ok(SANITIZER.clean(&html).to_string())
}

/// Counts the links of a post, each occurrence once: markdown links (inline, reference,
/// autolinks `<https://…>`, `<name@host>`) and bare `http(s)://` / `www.` URLs, exactly as
/// [`render`] turns them into `<a>`, plus bare URLs inside code spans and blocks. Links that
/// `render` refuses (`javascript:`, relative, …) are not counted: they display as plain text.
pub fn count_links(markdown: &str) -> usize {
    let mut in_code_block = false;
    let mut count = 0;
    for event in events(markdown) {
        match event {
            Event::Start(Tag::Link { .. }) => count += 1,
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(text) if in_code_block => count += find_bare_urls(&text).len(),
            Event::Code(code) => count += find_bare_urls(&code).len(),
            _ => {}
        }
    }
    count
}

/// The text of a post without markup, for search indexing and snippets: text, code, link text
/// and image alt text are kept, raw HTML tags are stripped (the text between them is kept),
/// blocks are separated by a space and runs of whitespace collapse to one space.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut html = String::new();
    for event in Parser::new_ext(markdown, options()) {
        if let Event::Html(raw) | Event::InlineHtml(raw) = &event {
            html.push_str(raw);
            continue;
        }
        if !html.is_empty() {
            strip_tags(&html, &mut text);
            html.clear();
        }
        match event {
            Event::Text(part) | Event::Code(part) => text.push_str(&part),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            Event::Start(tag) if is_block(tag.to_end()) => text.push(' '),
            Event::End(tag) if is_block(tag) => text.push(' '),
            _ => {}
        }
    }
    strip_tags(&html, &mut text);
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

/// The markdown extensions posts use.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Parses `markdown` and rewrites the events as the module docs describe: raw HTML as text,
/// unsafe or relative links unwrapped, images as their alt text, headings shifted down, bare
/// URLs linked, code languages and table alignments cleaned.
fn events(markdown: &str) -> Vec<Event<'_>> {
    let parser = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = Vec::new();
    // One entry per open markdown link: whether it was kept.
    let mut links: Vec<bool> = Vec::new();
    let mut in_code_block = false;
    let mut in_html_block = false;
    // One entry per open block quote, list or list item: (is an item, was kept).
    let mut containers: Vec<(bool, bool)> = Vec::new();
    for event in TextMergeStream::new(parser) {
        match event {
            Event::Start(tag @ (Tag::BlockQuote(_) | Tag::List(_) | Tag::Item)) => {
                let item = matches!(tag, Tag::Item);
                let parent_kept = containers.last().is_none_or(|(_, kept)| *kept);
                let depth = containers.iter().filter(|(i, kept)| *kept && !i).count();
                // An item is kept with its list.
                let keep = parent_kept && (item || depth < MAX_NESTING);
                containers.push((item, keep));
                if keep {
                    out.push(Event::Start(tag));
                }
            }
            Event::End(tag @ (TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item)) => {
                if containers.pop().is_none_or(|(_, kept)| kept) {
                    out.push(Event::End(tag));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let href = if link_type == LinkType::Email {
                    safe_url(&format!("mailto:{dest_url}"))
                } else {
                    safe_url(&dest_url)
                };
                links.push(href.is_some());
                if let Some(href) = href {
                    out.push(Event::Start(link_tag(href)));
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    out.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Start(Tag::Heading { level, .. }) => out.push(Event::Start(Tag::Heading {
                level: shift_heading(level),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            })),
            Event::End(TagEnd::Heading(level)) => {
                out.push(Event::End(TagEnd::Heading(shift_heading(level))));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                out.push(Event::Start(Tag::CodeBlock(clean_code_block(kind))));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::HtmlBlock) => {
                in_html_block = true;
                out.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::HtmlBlock) => {
                in_html_block = false;
                out.push(Event::End(TagEnd::Paragraph));
            }
            Event::Start(Tag::Table(alignments)) => out.push(Event::Start(Tag::Table(
                alignments.iter().map(|_| Alignment::None).collect(),
            ))),
            Event::Text(text) if in_code_block || links.contains(&true) => {
                out.push(Event::Text(text));
            }
            Event::Text(text) if in_html_block => {
                let trimmed = text.trim_end_matches(['\n', '\r']);
                if trimmed.len() == text.len() {
                    linkify(text, &mut out);
                } else {
                    linkify(CowStr::from(trimmed.to_owned()), &mut out);
                }
            }
            Event::Text(text) => linkify(text, &mut out),
            other => out.push(other),
        }
    }
    out
}

/// The normalised form of `candidate` if it is an absolute URL with an allowed scheme (and a
/// host, for http and https).
fn safe_url(candidate: &str) -> Option<String> {
    let url = Url::parse(candidate.trim()).ok()?;
    if !ALLOWED_SCHEMES.contains(&url.scheme()) {
        return None;
    }
    if url.scheme() != "mailto" && url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(url.into())
}

/// A link to `href` (already checked by [`safe_url`]), without title.
fn link_tag(href: String) -> Tag<'static> {
    Tag::Link {
        link_type: LinkType::Inline,
        dest_url: href.into(),
        title: CowStr::Borrowed(""),
        id: CowStr::Borrowed(""),
    }
}

/// Pushes `text` as text events, with its bare URLs as links.
fn linkify<'a>(text: CowStr<'a>, out: &mut Vec<Event<'a>>) {
    let urls = find_bare_urls(&text);
    if urls.is_empty() {
        out.push(Event::Text(text));
        return;
    }
    let mut done = 0;
    for BareUrl { range, href } in urls {
        if range.start > done {
            out.push(Event::Text(text[done..range.start].to_owned().into()));
        }
        out.push(Event::Start(link_tag(href)));
        out.push(Event::Text(text[range.clone()].to_owned().into()));
        out.push(Event::End(TagEnd::Link));
        done = range.end;
    }
    if done < text.len() {
        out.push(Event::Text(text[done..].to_owned().into()));
    }
}

/// A bare URL found in text: where it is, and the normalised link target.
struct BareUrl {
    range: Range<usize>,
    href: String,
}

/// Finds the bare `http://`, `https://` and `www.` URLs of `text` (see the module docs).
fn find_bare_urls(text: &str) -> Vec<BareUrl> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    while let Some(rest) = text.get(start..) {
        let Some(next) = rest.chars().next() else {
            break;
        };
        if may_start_url(previous)
            && let Some((prefix_len, add_scheme)) = url_prefix(rest)
        {
            let end = rest
                .find(|c: char| !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"' | '`'))
                .unwrap_or(rest.len());
            let candidate = trim_url_end(&rest[..end]);
            let host_starts = candidate
                .get(prefix_len..)
                .and_then(|host| host.chars().next())
                .is_some_and(|c| c.is_ascii_alphanumeric());
            let href = if add_scheme {
                safe_url(&format!("https://{candidate}"))
            } else {
                safe_url(candidate)
            };
            if host_starts && let Some(href) = href {
                found.push(BareUrl {
                    range: start..start + candidate.len(),
                    href,
                });
                start += candidate.len();
                previous = candidate.chars().next_back();
                continue;
            }
        }
        previous = Some(next);
        start += next.len_utf8();
    }
    found
}

/// Whether a bare URL may start after `previous` (not in the middle of a word, path or address).
fn may_start_url(previous: Option<char>) -> bool {
    previous.is_none_or(|c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '@' | '-' | '_' | ':' | '%'))
    })
}

/// If `rest` starts with a bare URL prefix: its length and whether `https://` must be added.
fn url_prefix(rest: &str) -> Option<(usize, bool)> {
    let starts = |prefix: &str| {
        rest.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    if starts("https://") {
        Some(("https://".len(), false))
    } else if starts("http://") {
        Some(("http://".len(), false))
    } else if starts("www.") {
        Some(("www.".len(), true))
    } else {
        None
    }
}

/// Leaves trailing punctuation and unbalanced closing brackets out of a bare URL.
fn trim_url_end(mut url: &str) -> &str {
    while let Some(last) = url.chars().next_back() {
        let trim = match last {
            '?' | '!' | '.' | ',' | ':' | ';' | '*' | '_' | '~' | '\'' => true,
            ')' => url.matches(')').count() > url.matches('(').count(),
            ']' => url.matches(']').count() > url.matches('[').count(),
            _ => false,
        };
        if !trim {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    url
}

/// Headings move down one level so the page's `<h1>` stays the thread title.
fn shift_heading(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// Keeps the language of a fenced code block only when it is a plain language name.
fn clean_code_block(kind: CodeBlockKind<'_>) -> CodeBlockKind<'static> {
    match kind {
        CodeBlockKind::Fenced(info) => {
            let language = info
                .split_whitespace()
                .next()
                .filter(|language| is_language(language))
                .unwrap_or("");
            CodeBlockKind::Fenced(language.to_owned().into())
        }
        CodeBlockKind::Indented => CodeBlockKind::Indented,
    }
}

/// A plain language name: `rust`, `c++`, `c#`, `objective-c`, `python3.12`.
fn is_language(name: &str) -> bool {
    (1..=MAX_LANGUAGE_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'#' | b'-' | b'_' | b'.'))
}

/// Ammonia's attribute filter: `class` on `code` only as `language-…`, `start` on `ol` only as
/// a number.
fn keep_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match (element, attribute) {
        ("code", "class") => value.strip_prefix("language-").is_some_and(is_language),
        ("ol", "start") => {
            (1..=19).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
        }
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

/// Block-level tags, whose edges separate words in plain text.
fn is_block(tag: TagEnd) -> bool {
    !matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Appends `html` without its tags and comments; text between tags is kept, and block tags
/// (`<p>`, `<div>`, `<br>`, …) become a space. A `<` that does not open a tag, or a tag that is
/// never closed, is kept as text.
fn strip_tags(html: &str, out: &mut String) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let opens_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        let close = if after.starts_with("!--") {
            after.find("-->").map(|end| end + "-->".len())
        } else {
            after.find('>').map(|end| end + 1)
        };
        match close {
            Some(close) if opens_tag => {
                if separates_words(&after[..close]) {
                    out.push(' ');
                }
                rest = &after[close..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Whether an HTML tag (the text after its `<`) starts a new line of text when displayed.
fn separates_words(tag: &str) -> bool {
    const BLOCKS: [&str; 29] = [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ];
    let tag = tag.strip_prefix('/').unwrap_or(tag);
    let name_len = tag
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(tag.len());
    let name = tag[..name_len].to_ascii_lowercase();
    BLOCKS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders text that stays within the bounds.
    fn render(markdown: &str) -> String {
        super::render(markdown).expect("within the rendering bounds")
    }

    /// Text made of markdown's building blocks, hostile ones included, and any characters.
    fn markdownish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("> ".to_owned()),
            Just("- ".to_owned()),
            Just("1. ".to_owned()),
            Just("  ".to_owned()),
            Just("|".to_owned()),
            Just("|-".to_owned()),
            Just("\n".to_owned()),
            Just("\n\n".to_owned()),
            Just("```".to_owned()),
            Just("`".to_owned()),
            Just("**".to_owned()),
            Just("# ".to_owned()),
            Just("<script>alert(1)</script>".to_owned()),
            Just("<img src=x onerror=alert(1)>".to_owned()),
            Just("[x](javascript:alert(1))".to_owned()),
            Just("![i](http://e.test/p.png)".to_owned()),
            Just("https://e.test/a_(b)".to_owned()),
            Just("www.e.test".to_owned()),
            Just("<https://e.test>".to_owned()),
            Just("[^1]".to_owned()),
            Just("狼疮".to_owned()),
            "[a-z ]{0,6}",
            any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..120).prop_map(|pieces| pieces.concat())
    }

    /// The deepest nesting of block quotes and lists in rendered HTML.
    fn deepest_nesting(html: &str) -> usize {
        let (mut depth, mut deepest) = (0usize, 0);
        for (i, _) in html.match_indices('<') {
            let tag = &html[i..];
            if ["<blockquote>", "<ul>", "<ol>", "<ol "]
                .iter()
                .any(|t| tag.starts_with(t))
            {
                depth += 1;
                deepest = deepest.max(depth);
            } else if ["</blockquote>", "</ul>", "</ol>"]
                .iter()
                .any(|t| tag.starts_with(t))
            {
                depth = depth.saturating_sub(1);
            }
        }
        deepest
    }

    proptest::proptest! {
        #[test]
        fn any_text_renders_to_safe_bounded_html(text in markdownish()) {
            if let Ok(html) = super::render(&text) {
                proptest::prop_assert!(check_safe_html(&html).is_ok(), "{html}");
                proptest::prop_assert!(deepest_nesting(&html) <= MAX_NESTING, "{html}");
            }
            plain_text(&text);
            count_links(&text);
        }
    }

    #[test]
    fn deep_nesting_is_flattened_and_huge_output_refused() {
        let quotes = "> ".repeat(10_000);
        let html = render(&format!("{quotes}deep"));
        assert_eq!(html.matches("<blockquote>").count(), MAX_NESTING, "{html}");
        assert!(html.contains("deep"));
        let lists = (0..200)
            .map(|depth| format!("{}- level {depth}\n", "  ".repeat(depth)))
            .collect::<String>();
        let html = render(&lists);
        assert_eq!(html.matches("<ul>").count(), MAX_NESTING, "{html}");
        assert!(html.contains("level 199"), "the deepest text is kept");
        assert_eq!(html.matches("<li>").count(), html.matches("</li>").count());
        // A table of many columns and many short rows.
        let columns = 1_000;
        let table = format!(
            "{}\n{}\n{}",
            "|a".repeat(columns),
            "|-".repeat(columns),
            "|b\n".repeat(1_000)
        );
        let rendered = super::render(&table);
        assert!(
            rendered == Err(TooLarge),
            "{} bytes",
            rendered.map_or(0, |h| h.len())
        );
    }

    const XSS_CORPUS: &str = include_str!("../tests/fixtures/xss.txt");

    // ---- A safety check for rendered HTML: std only, copy it into HTTP tests as is. ----

    /// Tags that must never appear in rendered posts.
    const FORBIDDEN_TAGS: [&str; 22] = [
        "script", "iframe", "object", "embed", "form", "meta", "style", "svg", "math", "img",
        "base", "link", "frame", "applet", "input", "button", "textarea", "video", "audio",
        "source", "template", "noscript",
    ];

    /// Checks that `html` (a rendered post) carries nothing active: no forbidden tag, no `on…`
    /// event attribute, no `style` or `id`, no class but `language-…`, no `javascript:`,
    /// `vbscript:` or `data:` in any attribute but `href` (after decoding entities and dropping
    /// whitespace and control characters), only http(s)/mailto hrefs, and
    /// `rel="nofollow ugc noopener"` on every `<a>`. Returns what is wrong.
    fn check_safe_html(html: &str) -> Result<(), String> {
        let lower = html.to_ascii_lowercase();
        for name in FORBIDDEN_TAGS {
            if lower.contains(&format!("<{name}")) {
                return Err(format!("forbidden tag <{name}"));
            }
        }
        for (name, attributes) in start_tags(html)? {
            let mut rel = None;
            let mut href = None;
            for (attribute, raw) in attributes {
                let value = normalise_attribute(&raw);
                if attribute.starts_with("on") {
                    return Err(format!("event handler {attribute} on <{name}>"));
                }
                if attribute == "style" || attribute == "id" {
                    return Err(format!("attribute {attribute} on <{name}>"));
                }
                if attribute == "class" && !(name == "code" && raw.starts_with("language-")) {
                    return Err(format!("class {raw:?} on <{name}>"));
                }
                // An href is judged by its scheme below: `http://host/javascript:` is a path.
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    let active = if attribute == "href" {
                        value.starts_with(scheme)
                    } else {
                        value.contains(scheme)
                    };
                    if active {
                        return Err(format!("{scheme} in {attribute} of <{name}>: {raw:?}"));
                    }
                }
                match attribute.as_str() {
                    "rel" => rel = Some(raw),
                    "href" => href = Some(value),
                    _ => {}
                }
            }
            if name == "a" {
                if rel.as_deref() != Some("nofollow ugc noopener") {
                    return Err(format!("<a> with rel {rel:?}"));
                }
                if let Some(href) = href
                    && !["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| href.starts_with(s))
                {
                    return Err(format!("<a> with href {href:?}"));
                }
            }
        }
        Ok(())
    }

    /// A start tag: lowercase name and (lowercase attribute name, raw value) pairs.
    type StartTag = (String, Vec<(String, String)>);

    /// The start tags of `html`.
    fn start_tags(html: &str) -> Result<Vec<StartTag>, String> {
        let bytes = html.as_bytes();
        let mut tags = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'<' {
                i += 1;
                continue;
            }
            i += 1;
            match bytes.get(i) {
                Some(b'!') | Some(b'?') => return Err("comment or declaration in output".into()),
                Some(b'/') => {
                    while i < bytes.len() && bytes[i] != b'>' {
                        i += 1;
                    }
                    continue;
                }
                Some(c) if c.is_ascii_alphabetic() => {}
                _ => return Err("a bare < in output".into()),
            }
            let name_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !b"/>".contains(&bytes[i]) {
                i += 1;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            let mut attributes = Vec::new();
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                    i += 1;
                }
                if i >= bytes.len() {
                    return Err(format!("unterminated <{name}>"));
                }
                if bytes[i] == b'>' {
                    i += 1;
                    break;
                }
                let attribute_start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !b"=/>".contains(&bytes[i])
                {
                    i += 1;
                }
                let attribute = html[attribute_start..i].to_ascii_lowercase();
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let mut value = String::new();
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    let value_start;
                    match bytes.get(i) {
                        Some(&quote) if quote == b'"' || quote == b'\'' => {
                            i += 1;
                            value_start = i;
                            while i < bytes.len() && bytes[i] != quote {
                                i += 1;
                            }
                            value = html[value_start..i.min(bytes.len())].to_owned();
                            i += 1;
                        }
                        _ => {
                            value_start = i;
                            while i < bytes.len()
                                && !bytes[i].is_ascii_whitespace()
                                && bytes[i] != b'>'
                            {
                                i += 1;
                            }
                            value = html[value_start..i].to_owned();
                        }
                    }
                }
                attributes.push((attribute, value));
            }
            tags.push((name, attributes));
        }
        Ok(tags)
    }

    /// An attribute value as a browser would resolve a URL in it, lowercased: entities decoded
    /// (repeatedly, to be strict), whitespace, control and invisible characters removed.
    fn normalise_attribute(raw: &str) -> String {
        let mut value = raw.to_owned();
        for _ in 0..4 {
            let decoded = decode_entities(&value);
            if decoded == value {
                break;
            }
            value = decoded;
        }
        value
            .chars()
            .filter(|c| {
                !c.is_whitespace()
                    && !c.is_control()
                    && !matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{FFFD}')
            })
            .flat_map(char::to_lowercase)
            .collect()
    }

    /// Decodes numeric character references and the named ones that matter for URLs.
    fn decode_entities(text: &str) -> String {
        const NAMED: [(&str, char); 12] = [
            ("amp", '&'),
            ("lt", '<'),
            ("gt", '>'),
            ("quot", '"'),
            ("apos", '\''),
            ("colon", ':'),
            ("tab", '\t'),
            ("newline", '\n'),
            ("nbsp", '\u{A0}'),
            ("sol", '/'),
            ("lpar", '('),
            ("rpar", ')'),
        ];
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            rest = &rest[amp + 1..];
            if let Some(number) = rest.strip_prefix('#') {
                let (digits, radix) = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => (hex, 16),
                    None => (number, 10),
                };
                let len = digits
                    .find(|c: char| !c.is_digit(radix))
                    .unwrap_or(digits.len());
                if len > 0 {
                    let code = u32::from_str_radix(
                        &digits[..len].chars().take(8).collect::<String>(),
                        radix,
                    );
                    out.push(code.ok().and_then(char::from_u32).unwrap_or('\u{FFFD}'));
                    rest = &digits[len..];
                    rest = rest.strip_prefix(';').unwrap_or(rest);
                    continue;
                }
            } else if let Some((name, c)) = NAMED.iter().find(|(name, _)| {
                rest.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
            }) {
                out.push(*c);
                rest = &rest[name.len()..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
                continue;
            }
            out.push('&');
        }
        out.push_str(rest);
        out
    }

    // ---- The corpus. ----

    /// The payloads of the corpus: each line as written, and also with `\t`, `\n`, `\r`, `\0`
    /// and `\\` turned into the characters they name when that changes it.
    fn payloads() -> Vec<String> {
        let mut payloads = Vec::new();
        for line in XSS_CORPUS.lines().filter(|line| !line.starts_with('#')) {
            payloads.push(line.to_owned());
            let unescaped = line
                .replace("\\\\", "\u{1}")
                .replace("\\t", "\t")
                .replace("\\n", "\n")
                .replace("\\r", "\r")
                .replace("\\0", "\0")
                .replace('\u{1}', "\\");
            if unescaped != line {
                payloads.push(unescaped);
            }
        }
        payloads
    }

    #[test]
    fn corpus_is_well_formed() {
        assert!(
            !XSS_CORPUS.lines().any(|line| line.trim().is_empty()),
            "blank line in corpus"
        );
        let count = XSS_CORPUS
            .lines()
            .filter(|line| !line.starts_with('#'))
            .count();
        assert!(count >= 60, "only {count} payloads");
    }

    #[test]
    fn no_xss_payload_survives() {
        let mut failures = Vec::new();
        for payload in payloads() {
            let contexts = [
                payload.clone(),
                format!("Hello {payload} world"),
                format!("> {payload}"),
                format!("- {payload}"),
                format!("## {payload}"),
                format!("[{payload}](https://example.com/)"),
                format!("| a |\n|---|\n| {payload} |"),
                format!("{payload}\n\n[ref]: javascript:alert(1)"),
            ];
            for markdown in contexts {
                let html = render(&markdown);
                if let Err(problem) = check_safe_html(&html) {
                    failures.push(format!("{markdown:?}\n  -> {html:?}\n  {problem}"));
                }
                // The other entry points must not panic on hostile input either.
                count_links(&markdown);
                plain_text(&markdown);
            }
        }
        assert!(
            failures.is_empty(),
            "{} unsafe renders:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn the_safety_check_catches_what_it_should() {
        let rel = r#"rel="nofollow ugc noopener""#;
        for bad in [
            "<script>alert(1)</script>".to_owned(),
            "<IMG SRC=x>".to_owned(),
            "<svg></svg>".to_owned(),
            r#"<p onclick="alert(1)">x</p>"#.to_owned(),
            r#"<p ONMOUSEOVER=alert(1)>x</p>"#.to_owned(),
            r#"<p style="color:red">x</p>"#.to_owned(),
            r#"<p id="x">x</p>"#.to_owned(),
            r#"<code class="evil">x</code>"#.to_owned(),
            r#"<a href="https://example.com/">no rel</a>"#.to_owned(),
            r#"<a href="https://example.com/" rel="noopener">weak rel</a>"#.to_owned(),
            format!(r#"<a href="javascript:alert(1)" {rel}>x</a>"#),
            format!(r#"<a href="&#106;avascript:alert(1)" {rel}>x</a>"#),
            format!(r#"<a href="&amp;#x6A;avascript:alert(1)" {rel}>x</a>"#),
            format!(r#"<a href="java&#9;script:alert(1)" {rel}>x</a>"#),
            format!(r#"<a href=" JAVASCRIPT&colon;alert(1)" {rel}>x</a>"#),
            format!(r#"<a href="vbscript:msgbox(1)" {rel}>x</a>"#),
            format!(r#"<a href="data:text/html,x" {rel}>x</a>"#),
            format!(r#"<a href="/relative" {rel}>x</a>"#),
            format!(r#"<a {rel} href='javascript:alert(1)'>x</a>"#),
            "<!-- comment -->".to_owned(),
        ] {
            assert!(
                check_safe_html(&bad).is_err(),
                "the check let {bad:?} through"
            );
        }
        let good = format!(
            "<p>a &lt;script&gt; <a href=\"https://example.com/?a=1&amp;b=2\" {rel}>x</a></p>\n\
             <pre><code class=\"language-rust\">fn main() {{}}\n</code></pre>"
        );
        assert_eq!(check_safe_html(&good), Ok(()));
    }

    // ---- render ----

    #[test]
    fn formatting_survives() {
        assert_eq!(
            render("*a* **b** ~~c~~ `d`"),
            "<p><em>a</em> <strong>b</strong> <del>c</del> <code>d</code></p>\n"
        );
        assert_eq!(
            render("line one  \nline two"),
            "<p>line one<br>\nline two</p>\n"
        );
        assert_eq!(
            render("> quoted"),
            "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        );
        assert_eq!(render("a\n\n---\n\nb"), "<p>a</p>\n<hr>\n<p>b</p>\n");
    }

    #[test]
    fn lists_survive() {
        assert_eq!(
            render("- a\n- b\n  1. x\n  2. y"),
            "<ul>\n<li>a</li>\n<li>b\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n</li>\n</ul>\n"
        );
        assert_eq!(
            render("3. third\n4. fourth"),
            "<ol start=\"3\">\n<li>third</li>\n<li>fourth</li>\n</ol>\n"
        );
    }

    #[test]
    fn task_lists_stay_text() {
        assert_eq!(render("- [x] done"), "<ul>\n<li>[x] done</li>\n</ul>\n");
    }

    #[test]
    fn code_blocks_keep_a_plain_language_only() {
        assert_eq!(
            render("```rust\nfn main() { let a = 1 < 2; }\n```"),
            "<pre><code class=\"language-rust\">fn main() { let a = 1 &lt; 2; }\n</code></pre>\n"
        );
        assert_eq!(
            render("```c++ extra words\nx\n```"),
            "<pre><code class=\"language-c++\">x\n</code></pre>\n"
        );
        assert_eq!(
            render("```\"><script>alert(1)</script>\nx\n```"),
            "<pre><code>x\n</code></pre>\n"
        );
        assert_eq!(
            render("    indented <b>\n"),
            "<pre><code>indented &lt;b&gt;\n</code></pre>\n"
        );
    }

    #[test]
    fn headings_shift_down_one_level() {
        assert_eq!(render("# Diagnosis"), "<h2>Diagnosis</h2>\n");
        assert_eq!(render("### Kidneys"), "<h4>Kidneys</h4>\n");
        assert_eq!(render("###### Small"), "<h6>Small</h6>\n");
        assert_eq!(render("Setext\n======"), "<h2>Setext</h2>\n");
        // Heading attributes are off: `{#id}` stays text, no id attribute.
        assert_eq!(
            render("# Title {#top .big}"),
            "<h2>Title {#top .big}</h2>\n"
        );
    }

    #[test]
    fn tables_survive_without_alignment_styles() {
        assert_eq!(
            render("| a | b |\n|:--|--:|\n| 1 | 2 |"),
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n\
             <tr><td>1</td><td>2</td></tr>\n</tbody></table>\n"
        );
    }

    #[test]
    fn links_get_the_rel_attribute() {
        assert_eq!(
            render("[Lupus UK](https://example.org/a?b=1&c=2 \"title\")"),
            "<p><a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">Lupus UK</a></p>\n"
        );
        assert_eq!(
            render("<https://example.org>"),
            "<p><a href=\"https://example.org/\" rel=\"nofollow ugc noopener\">https://example.org</a></p>\n"
        );
        assert_eq!(
            render("<nurse@example.org>"),
            "<p><a href=\"mailto:nurse@example.org\" rel=\"nofollow ugc noopener\">nurse@example.org</a></p>\n"
        );
        assert_eq!(
            render("[me](mailto:me@example.org)"),
            "<p><a href=\"mailto:me@example.org\" rel=\"nofollow ugc noopener\">me</a></p>\n"
        );
        assert_eq!(
            render("[ref][r]\n\n[r]: HTTP://Example.org/x"),
            "<p><a href=\"http://example.org/x\" rel=\"nofollow ugc noopener\">ref</a></p>\n"
        );
    }

    #[test]
    fn bare_urls_become_links() {
        assert_eq!(
            render("See https://example.org/a_(b) and www.example.org."),
            "<p>See <a href=\"https://example.org/a_(b)\" rel=\"nofollow ugc noopener\">https://example.org/a_(b)</a> \
             and <a href=\"https://www.example.org/\" rel=\"nofollow ugc noopener\">www.example.org</a>.</p>\n"
        );
        assert_eq!(
            render("(see http://example.org/x)"),
            "<p>(see <a href=\"http://example.org/x\" rel=\"nofollow ugc noopener\">http://example.org/x</a>)</p>\n"
        );
        // Not inside code, not inside a link, not glued to a word.
        assert_eq!(
            render("`https://example.org`"),
            "<p><code>https://example.org</code></p>\n"
        );
        assert_eq!(
            render("```\nhttps://example.org\n```"),
            "<pre><code>https://example.org\n</code></pre>\n"
        );
        assert_eq!(
            render("[https://a.example](https://b.example)"),
            "<p><a href=\"https://b.example/\" rel=\"nofollow ugc noopener\">https://a.example</a></p>\n"
        );
        assert_eq!(
            render("xhttps://example.org"),
            "<p>xhttps://example.org</p>\n"
        );
        assert_eq!(render("https:// and www."), "<p>https:// and www.</p>\n");
    }

    #[test]
    fn refused_links_keep_only_their_text() {
        for markdown in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](&#x6A;avascript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](/boards/my-story)",
            "[x](//evil.example/)",
            "[x](#top)",
            "[x](ftp://example.org/)",
        ] {
            assert_eq!(render(markdown), "<p>x</p>\n", "{markdown}");
        }
        assert_eq!(
            render("<javascript:alert(1)>"),
            "<p>javascript:alert(1)</p>\n"
        );
    }

    #[test]
    fn raw_html_is_escaped() {
        assert_eq!(
            render("<script>alert(1)</script>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        );
        assert_eq!(
            render("Hi <b onclick=\"x()\">there</b>"),
            "<p>Hi &lt;b onclick=\"x()\"&gt;there&lt;/b&gt;</p>\n"
        );
        assert_eq!(
            render("<div>\nblock\n</div>"),
            "<p>&lt;div&gt;\nblock\n&lt;/div&gt;</p>\n"
        );
        assert_eq!(render("<!-- hidden -->"), "<p>&lt;!-- hidden --&gt;</p>\n");
        assert_eq!(
            render("- <img src=x onerror=alert(1)>"),
            "<ul>\n<li>\n<p>&lt;img src=x onerror=alert(1)&gt;</p>\n</li>\n</ul>\n"
        );
    }

    #[test]
    fn images_become_their_alt_text() {
        assert_eq!(
            render("![my *butterfly* rash](https://example.org/rash.png)"),
            "<p>my <em>butterfly</em> rash</p>\n"
        );
        assert_eq!(
            render("[![logo](https://example.org/l.png)](https://example.org/)"),
            "<p><a href=\"https://example.org/\" rel=\"nofollow ugc noopener\">logo</a></p>\n"
        );
    }

    #[test]
    fn chinese_text_round_trips() {
        let markdown = "我21岁被诊断为**系统性红斑狼疮**（SLE），狼疮性肾炎也好转了。\n\n## 治疗\n\n- 羟氯喹\n- 吗替麦考酚酯";
        assert_eq!(
            render(markdown),
            "<p>我21岁被诊断为<strong>系统性红斑狼疮</strong>（SLE），狼疮性肾炎也好转了。</p>\n\
             <h3>治疗</h3>\n<ul>\n<li>羟氯喹</li>\n<li>吗替麦考酚酯</li>\n</ul>\n"
        );
        assert_eq!(
            plain_text(markdown),
            "我21岁被诊断为系统性红斑狼疮（SLE），狼疮性肾炎也好转了。 治疗 羟氯喹 吗替麦考酚酯"
        );
        assert_eq!(
            render("看这里https://example.org/lupus，很有用"),
            "<p>看这里<a href=\"https://example.org/lupus\" rel=\"nofollow ugc noopener\">https://example.org/lupus</a>，很有用</p>\n"
        );
        assert_eq!(
            render("<https://zh.wikipedia.org/wiki/狼疮>"),
            "<p><a href=\"https://zh.wikipedia.org/wiki/%E7%8B%BC%E7%96%AE\" rel=\"nofollow ugc noopener\">\
             https://zh.wikipedia.org/wiki/狼疮</a></p>\n"
        );
    }

    #[test]
    fn output_is_deterministic() {
        let markdown = "# T\n\n*a* [b](https://b.example) www.c.example <x onclick=y>\n\n| a |\n|---|\n| 1 |\n\n```js\nx\n```";
        let first = render(markdown);
        for _ in 0..20 {
            assert_eq!(render(markdown), first);
        }
    }

    #[test]
    fn empty_input() {
        assert_eq!(render(""), "");
        assert_eq!(count_links(""), 0);
        assert_eq!(plain_text(""), "");
        assert_eq!(plain_text("  \n\n \t"), "");
    }

    // ---- count_links ----

    #[test]
    fn count_links_counts_every_kind_and_occurrence() {
        assert_eq!(count_links("no links here, just example.org"), 0);
        assert_eq!(count_links("[a](https://a.example)"), 1);
        assert_eq!(count_links("<https://a.example> <me@example.org>"), 2);
        assert_eq!(
            count_links("https://a.example and again https://a.example"),
            2
        );
        assert_eq!(
            count_links("www.spam.example WWW.SPAM.EXAMPLE HTTP://SPAM.EXAMPLE"),
            3
        );
        assert_eq!(
            count_links(
                "[a](https://a.example), <https://b.example>, https://c.example, www.d.example"
            ),
            4
        );
        assert_eq!(count_links("[a][r] [b][r]\n\n[r]: https://r.example"), 2);
        assert_eq!(count_links("[r]: https://r.example"), 0);
        assert_eq!(count_links("[x](https://x.example/) https://x.example/"), 2);
    }

    #[test]
    fn count_links_skips_refused_links_and_images() {
        assert_eq!(count_links("[a](javascript:alert(1))"), 0);
        assert_eq!(count_links("[a](/relative) [b](#anchor)"), 0);
        assert_eq!(count_links("![x](https://img.example/x.png)"), 0);
        assert_eq!(
            count_links("[![x](https://img.example/x.png)](https://a.example)"),
            1
        );
    }

    #[test]
    fn count_links_counts_urls_in_code_and_escaped_html() {
        assert_eq!(count_links("`https://a.example`"), 1);
        assert_eq!(count_links("```\nhttps://a.example\nwww.b.example\n```"), 2);
        assert_eq!(count_links("<a href=\"https://spam.example\">cheap</a>"), 1);
    }

    #[test]
    fn count_links_matches_the_rendered_links_outside_code() {
        for markdown in [
            "[a](https://a.example) https://b.example www.c.example <https://d.example>",
            "> quote https://a.example\n\n- item www.b.example\n\n| t |\n|---|\n| https://c.example |",
            "[a](javascript:x) [b](/x) ![c](https://c.example/c.png) <e@example.org>",
            "狼疮https://a.example，肾炎www.b.example。",
        ] {
            assert_eq!(
                count_links(markdown),
                render(markdown).matches("<a ").count(),
                "{markdown}"
            );
        }
    }

    // ---- plain_text ----

    #[test]
    fn plain_text_keeps_text_code_and_link_text() {
        assert_eq!(
            plain_text("# Title\n\nSome *emphasis*, `code` and [a link](https://x.example \"t\")."),
            "Title Some emphasis, code and a link."
        );
        assert_eq!(plain_text("un**believ**able"), "unbelievable");
        assert_eq!(
            plain_text("```rust\nfn main() {}\n```\nafter"),
            "fn main() {} after"
        );
        assert_eq!(
            plain_text("![rash on my cheeks](https://x.example/r.png)"),
            "rash on my cheeks"
        );
        assert_eq!(
            plain_text("AT&amp;T &lt;3 www.x.example"),
            "AT&T <3 www.x.example"
        );
    }

    #[test]
    fn plain_text_strips_html_and_collapses_whitespace() {
        assert_eq!(plain_text("a\n\n\n   b\tc  \nd"), "a b c d");
        assert_eq!(
            plain_text("<div class=\"x\">\n<b>bold</b> text\n</div>\n\nafter"),
            "bold text after"
        );
        assert_eq!(
            plain_text("Hi <span\nstyle=\"x\">there</span>!"),
            "Hi there!"
        );
        assert_eq!(plain_text("<!-- secret -->visible"), "visible");
        assert_eq!(plain_text("un<b>believ</b>able"), "unbelievable");
        assert_eq!(plain_text("<p>one</p><p>two<br>three</p>"), "one two three");
        assert_eq!(plain_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(plain_text("- a\n- b\n  - c"), "a b c");
        assert_eq!(plain_text("| a | b |\n|---|---|\n| 1 | 2 |"), "a b 1 2");
        assert_eq!(plain_text("> quoted\n\n---\n\nend"), "quoted end");
    }
}
