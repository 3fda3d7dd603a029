//! Normalised keys that decide whether two descriptions name the same record.

/// Text reduced for matching: ASCII-folded (`deunicode`), lower case, without white space
/// and the punctuation that only separates words (`- _ . , : ; ! ? ' " ( ) [ ] { } / \\` and
/// backquote). Symbols that carry meaning stay, so "C++", "C#" and "C" stay apart.
fn match_key(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !"-_.,:;!?'\"()[]{}/\\`".contains(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A title reduced for matching ("Faster R-CNN: Towards…" and "faster r-cnn — towards…"
/// give the same key; "C++ Primer" and "C Primer" do not).
pub fn title_key(title: &str) -> String {
    match_key(title)
}

/// Whether a title says enough to identify a work on its own: a match key of at least 12
/// characters. Short titles ("x", "pdf", "Notes") are left to URLs and identifiers.
pub fn title_identifies(title: &str) -> bool {
    match_key(title).chars().count() >= 12
}

/// A URL reduced for matching: scheme and `www.` dropped, host lower-cased, trailing `/`
/// and fragment removed; path and query kept as written. `None` for text that is not an
/// absolute `http(s)` URL.
pub fn url_key(url: &str) -> Option<String> {
    let url = url.trim();
    // Schemes are case-insensitive (RFC 3986 §3.1).
    let strip = |prefix: &str| {
        url.get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| &url[prefix.len()..])
    };
    let rest = strip("https://").or_else(|| strip("http://"))?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (host, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host.is_empty() {
        return None;
    }
    let path = path.trim_end_matches('/');
    Some(format!("{host}{path}"))
}

/// A concept name reduced for matching, as titles are ("Object detection" and
/// "object-detection" are the same concept; "C++" and "C#" are not).
pub fn name_key(name: &str) -> String {
    match_key(name)
}

/// Longest title sort key, in bytes (ASCII): titles that share their first 64 letters
/// and digits sort by record id.
pub const MAX_SORT_KEY: usize = 64;

/// A title or name reduced for sorting letter by letter: ASCII-folded (`deunicode`),
/// lower case, letters and digits only, at most [`MAX_SORT_KEY`] of them. Keys compare
/// as bytes, so every database sorts them alike ("Élan" sorts with "elan", "A Survey"
/// as "asurvey").
pub fn title_sort_key(title: &str) -> String {
    deunicode::deunicode(title)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(MAX_SORT_KEY)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_match_across_case_punctuation_and_accents() {
        assert_eq!(
            title_key("Faster R-CNN: Towards"),
            title_key("faster r-cnn — towards")
        );
        assert_eq!(title_key("Tübingen"), "tubingen");
    }

    #[test]
    fn urls_match_across_scheme_www_and_trailing_slash() {
        assert_eq!(
            url_key("https://www.Example.org/a/"),
            url_key("http://example.org/a")
        );
        assert_eq!(
            url_key("https://cs330.stanford.edu/").as_deref(),
            Some("cs330.stanford.edu")
        );
        assert_ne!(
            url_key("https://x.org/a?list=1&b=2"),
            url_key("https://x.org/a?list=1")
        );
        assert_eq!(
            url_key("HTTPS://GO.DEV/tour"),
            url_key("https://go.dev/tour/")
        );
        assert_eq!(url_key("ftp://x"), None);
        assert_eq!(url_key("https:///path"), None);
    }

    #[test]
    fn names_match_across_spacing_and_hyphens_but_keep_symbols() {
        assert_eq!(name_key("Object detection"), name_key("object-detection"));
        assert_ne!(name_key("C++"), name_key("C#"));
        assert_ne!(name_key("C++"), name_key("C"));
        assert_ne!(title_key("C++ Primer"), title_key("C Primer"));
    }

    #[test]
    fn title_sort_keys_are_folded_letters_and_digits() {
        assert_eq!(
            title_sort_key("Élan: A Survey (2nd ed.)"),
            "elanasurvey2nded"
        );
        assert_eq!(title_sort_key("C++ Primer"), "cprimer");
        assert_eq!(title_sort_key(&"x".repeat(100)).len(), MAX_SORT_KEY);
        assert_eq!(title_sort_key("🎉"), title_sort_key("🎉").to_lowercase());
    }
}
