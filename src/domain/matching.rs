//! Normalised keys that decide whether two descriptions name the same record.

use super::Slug;

/// A title reduced for matching: ASCII-folded, lower case, letters and digits only
/// ("Faster R-CNN: Towards…" and "faster r-cnn — towards…" give the same key).
pub fn title_key(title: &str) -> String {
    deunicode::deunicode(title)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A URL reduced for matching: scheme and `www.` dropped, host lower-cased, trailing `/`
/// and fragment removed; path and query kept as written. `None` for text that is not an
/// absolute `http(s)` URL.
pub fn url_key(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
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

/// A concept name reduced for matching: its slug form ("Object detection" and
/// "object-detection" are the same concept).
pub fn name_key(name: &str) -> String {
    Slug::from_title(name, "concept").to_string()
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
        assert_eq!(url_key("ftp://x"), None);
        assert_eq!(url_key("https:///path"), None);
    }

    #[test]
    fn names_match_by_slug() {
        assert_eq!(name_key("Object detection"), name_key("object-detection"));
    }
}
