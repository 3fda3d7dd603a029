//! Markdown written by catalogue authors, rendered for a page without trusting it: raw
//! HTML is shown as text, and link and image targets other than `http`, `https`,
//! `mailto` and relative ones are dropped.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Whether a link target is safe to put in `href` or `src`.
fn safe_target(target: &str) -> bool {
    let lower = target.trim_start().to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any `/`, `?` or `#` starts a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// The HTML of `markdown` (CommonMark with GFM tables and strikethrough), with every
/// piece of raw HTML escaped and unsafe link targets emptied.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_target(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_target(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let out = render("A *metric* with [a link](https://example.org).");
        assert!(out.contains("<em>metric</em>"), "{out}");
        assert!(
            out.contains(r#"<a href="https://example.org">a link</a>"#),
            "{out}"
        );
    }

    #[test]
    fn raw_html_is_shown_not_run() {
        let out = render("x <script>alert(1)</script> <b onclick=\"y\">z</b>\n\n<div>block</div>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<b "), "{out}");
        assert!(!out.contains("<div"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn script_links_lose_their_target() {
        let out = render(
            "[x](javascript:alert(1)) [y](JaVaScRiPt:z) ![i](data:text/html,x) [r](/concepts/a)",
        );
        assert!(!out.to_ascii_lowercase().contains("javascript:"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(out.contains(r#"href="/concepts/a""#), "{out}");
    }
}
