//! Emoji shortcodes (`:tada:`, `:arrow_down:`) as GitHub renders them: each known
//! shortcode becomes its emoji, from the gemoji table of the `emojis` crate. Text between
//! colons that is no shortcode (`10:30:45`, `std::io`) is left as written.

use std::borrow::Cow;

/// The longest shortcode looked up, in bytes (gemoji's longest is under 40).
const MAX_SHORTCODE: usize = 64;

/// `text` with every known `:shortcode:` replaced by its emoji. One pass, linear in the
/// text: each colon is looked at once as an opener.
pub(super) fn replace(text: &str) -> Cow<'_, str> {
    if !text.contains(':') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find(':') {
        let after = &rest[open + 1..];
        let name_len = after
            .bytes()
            .take(MAX_SHORTCODE + 1)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
            .count();
        let closes = after.as_bytes().get(name_len) == Some(&b':');
        match (name_len > 0 && closes)
            .then(|| emojis::get_by_shortcode(&after[..name_len]))
            .flatten()
        {
            Some(emoji) => {
                out.push_str(&rest[..open]);
                out.push_str(emoji.as_str());
                rest = &after[name_len + 1..];
                changed = true;
            }
            None => {
                // The colon is text; the next one may open a shortcode.
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_shortcodes_become_emoji() {
        assert_eq!(replace(":tada: Courses :balloon:"), "🎉 Courses 🎈");
        assert_eq!(replace("Counting :arrow_down:"), "Counting ⬇️");
        assert_eq!(replace(":star::star::star:"), "⭐⭐⭐");
        assert_eq!(replace(":+1: ok"), "👍 ok");
    }

    #[test]
    fn text_between_colons_that_is_no_shortcode_stays() {
        assert_eq!(replace("at 10:30:45"), "at 10:30:45");
        assert_eq!(replace("std::io::Read"), "std::io::Read");
        assert_eq!(
            replace("Note: :not_an_emoji_at_all: here"),
            "Note: :not_an_emoji_at_all: here"
        );
        assert!(matches!(replace("no colons"), Cow::Borrowed(_)));
        // A colon that is text does not hide a shortcode right after it.
        assert_eq!(replace("Courses::tada:"), "Courses:🎉");
    }

    #[test]
    fn many_colons_are_read_in_linear_time() {
        let colons = ":".repeat(200_000);
        assert_eq!(replace(&colons).len(), colons.len());
        let long = format!(":{}:", "a".repeat(100_000));
        assert_eq!(replace(&long), long);
    }
}
