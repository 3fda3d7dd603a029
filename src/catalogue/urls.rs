//! What a URL says about the resource behind it: whether it is a web link at all, the
//! kind it suggests, its arXiv identifier or DOI, and a title when the author gave none.

use url::Url;

use crate::domain::ResourceKind;

/// Why a link target is not an external resource.
pub(crate) fn skip_reason(target: &str) -> Option<&'static str> {
    let target = target.trim();
    if target.is_empty() {
        return Some("empty link target");
    }
    if target.starts_with('#') {
        return Some("in-page anchor");
    }
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("mailto:") {
        return Some("e-mail address");
    }
    match Url::parse(target) {
        Ok(url) if matches!(url.scheme(), "http" | "https" | "ftp") => {
            if url.host_str().is_some_and(|h| !h.is_empty()) {
                None
            } else {
                Some("URL without a host")
            }
        }
        Ok(_) => Some("not a web link (scheme other than http, https or ftp)"),
        Err(_) if target.contains("://") => Some("malformed URL"),
        Err(_) => Some("relative link (points into the catalogue's own site)"),
    }
}

/// The parts of a URL the guesses below read, lower-cased.
struct Parts {
    host: String,
    path: String,
    query: String,
}

fn parts(raw: &str) -> Option<Parts> {
    let url = Url::parse(raw.trim()).ok()?;
    Some(Parts {
        host: url
            .host_str()
            .unwrap_or("")
            .trim_start_matches("www.")
            .to_ascii_lowercase(),
        path: url.path().to_ascii_lowercase(),
        query: url.query().unwrap_or("").to_ascii_lowercase(),
    })
}

fn host_is(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// Guesses a kind from the URL alone: arXiv and PDF files are papers, a YouTube playlist
/// is a course and a single video a video, GitHub is a repository, notebooks, tutorials,
/// documentation sites and blogs are what their address says; anything else is a page.
pub(crate) fn guess_kind(raw: &str) -> ResourceKind {
    let Some(p) = parts(raw) else {
        return ResourceKind::Webpage;
    };
    if host_is(&p.host, "arxiv.org") || p.path.ends_with(".pdf") || host_is(&p.host, "doi.org") {
        return ResourceKind::Paper;
    }
    if host_is(&p.host, "youtube.com") || p.host == "youtu.be" {
        return if p.path.starts_with("/playlist") || p.query.contains("list=") {
            ResourceKind::Course
        } else {
            ResourceKind::Video
        };
    }
    if let Some(kind) = refine_kind(raw) {
        return kind;
    }
    if p.host == "github.com" || p.host == "gitlab.com" {
        return ResourceKind::Repository;
    }
    if host_is(&p.host, "readthedocs.io")
        || p.host.starts_with("docs.")
        || p.path.starts_with("/docs")
        || p.path.contains("/docs/")
    {
        return ResourceKind::Documentation;
    }
    if host_is(&p.host, "lesswrong.com")
        || host_is(&p.host, "medium.com")
        || host_is(&p.host, "substack.com")
        || p.host.starts_with("blog.")
        || p.host.contains("blog")
        || p.path.starts_with("/blog")
        || p.path.starts_with("/posts/")
    {
        return ResourceKind::Post;
    }
    ResourceKind::Webpage
}

/// A kind the URL states outright, strong enough to refine a documentation column or
/// heading: notebooks (checked first, since notebook collections are often filed under
/// `tutorial_notebooks/`) and tutorials.
pub(crate) fn refine_kind(raw: &str) -> Option<ResourceKind> {
    let p = parts(raw)?;
    if p.path.ends_with(".ipynb")
        || p.host.contains("notebook")
        || p.path.contains("notebook")
        || p.host == "colab.research.google.com"
    {
        Some(ResourceKind::Notebook)
    } else if p.path.contains("tutorial") {
        Some(ResourceKind::Tutorial)
    } else {
        None
    }
}

/// The arXiv identifier, without version, of an arxiv.org `abs/` or `pdf/` URL.
pub fn arxiv_id_from_url(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    if !host_is(&url.host_str()?.to_ascii_lowercase(), "arxiv.org") {
        return None;
    }
    let path = url.path();
    let rest = ["/abs/", "/pdf/", "/html/", "/format/"]
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))?;
    arxiv_id(rest)
}

/// Reads an arXiv identifier at the start of `text` (`2212.13881v2.pdf`,
/// `arXiv:1506.01497`, `hep-th/9901001`), without its version.
pub(crate) fn arxiv_id(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("arxiv:"))
        .map_or(text, |_| &text[6..]);
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    // New style: YYMM.NNNN or YYMM.NNNNN.
    let head = digits(text);
    if head == 4 && text.as_bytes().get(4) == Some(&b'.') {
        let tail = digits(&text[5..]);
        if (4..=5).contains(&tail) {
            return Some(text[..5 + tail].to_owned());
        }
    }
    // Old style: archive(.SUBJ)/YYMMNNN.
    let slash = text.find('/')?;
    let archive = &text[..slash];
    let ok_archive = !archive.is_empty()
        && archive
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'.');
    let number = digits(&text[slash + 1..]);
    (ok_archive && number == 7).then(|| text[..slash + 1 + number].to_owned())
}

/// The DOI of a `doi.org` URL, or of a field value with a resolver or `doi:` prefix.
pub(crate) fn bare_doi(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
    ] {
        if lower.starts_with(prefix) {
            let rest = raw[prefix.len()..].trim();
            let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
            return decoded.starts_with("10.").then(|| decoded.into_owned());
        }
    }
    raw.starts_with("10.").then(|| raw.to_owned())
}

/// A title for a link that came without usable text, made from the URL: `arXiv:ID`,
/// `doi:DOI`, else the last meaningful path segment de-slugified
/// (`the-unreasonable-effectiveness-of-deep-learning` → "The unreasonable effectiveness
/// of deep learning"), else the host name.
pub(crate) fn title_from_url(raw: &str) -> String {
    if let Some(id) = arxiv_id_from_url(raw) {
        return format!("arXiv:{id}");
    }
    if let Some(doi) = parts(raw)
        .filter(|p| host_is(&p.host, "doi.org"))
        .and_then(|_| bare_doi(raw))
    {
        return format!("doi:{doi}");
    }
    let Ok(url) = Url::parse(raw.trim()) else {
        return raw.trim().to_owned();
    };
    let host = url.host_str().unwrap_or("").trim_start_matches("www.");
    let segment = url
        .path_segments()
        .into_iter()
        .flatten()
        .rev()
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy())
        .map(|s| strip_extension(&s).to_owned())
        .find(|s| {
            s.chars().any(char::is_alphabetic)
                && !matches!(s.to_ascii_lowercase().as_str(), "index" | "view" | "watch")
        });
    match segment {
        Some(segment) => {
            let words: Vec<&str> = segment
                .split(['-', '_', '+', ' '])
                .filter(|w| !w.is_empty())
                .collect();
            let mut title = words.join(" ");
            if let Some(first) = title.chars().next().filter(|c| c.is_lowercase()) {
                title.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
            }
            title
        }
        None => host.to_owned(),
    }
}

fn strip_extension(segment: &str) -> &str {
    for ext in [".html", ".htm", ".pdf", ".php", ".md", ".ipynb", ".aspx"] {
        if segment.len() > ext.len()
            && segment.is_char_boundary(segment.len() - ext.len())
            && segment[segment.len() - ext.len()..].eq_ignore_ascii_case(ext)
        {
            return &segment[..segment.len() - ext.len()];
        }
    }
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_that_are_not_resources_have_a_reason() {
        assert_eq!(skip_reason("#caltech-cs156"), Some("in-page anchor"));
        assert_eq!(skip_reason("mailto:a@b.org"), Some("e-mail address"));
        assert!(
            skip_reason("Contributing.md")
                .unwrap()
                .starts_with("relative")
        );
        assert!(skip_reason("../x.html").unwrap().starts_with("relative"));
        assert!(skip_reason("javascript:alert(1)").is_some());
        assert_eq!(skip_reason("https://arxiv.org/abs/1506.01497"), None);
    }

    #[test]
    fn kinds_are_guessed_from_the_address() {
        let cases = [
            ("https://arxiv.org/pdf/2212.13881.pdf", ResourceKind::Paper),
            (
                "http://papers.nips.cc/paper/5347-x.pdf",
                ResourceKind::Paper,
            ),
            (
                "https://www.youtube.com/playlist?list=PLD63A284B7615313A",
                ResourceKind::Course,
            ),
            (
                "https://www.youtube.com/watch?v=QytpbYkGxKo&list=PLL",
                ResourceKind::Course,
            ),
            (
                "https://www.youtube.com/watch?v=IA3WxTTPXqQ",
                ResourceKind::Video,
            ),
            (
                "https://github.com/patty-13/30_Days",
                ResourceKind::Repository,
            ),
            ("https://docs.rs/tantivy", ResourceKind::Documentation),
            (
                "https://pytorch.org/tutorials/beginner/data_loading_tutorial.html",
                ResourceKind::Tutorial,
            ),
            (
                "https://uvadlc-notebooks.readthedocs.io/en/latest/tutorial_notebooks/a.html",
                ResourceKind::Notebook,
            ),
            (
                "https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/x",
                ResourceKind::Post,
            ),
            ("https://cs330.stanford.edu/", ResourceKind::Webpage),
        ];
        for (url, kind) in cases {
            assert_eq!(guess_kind(url), kind, "{url}");
        }
    }

    #[test]
    fn arxiv_ids_lose_their_version_and_extension() {
        for url in [
            "https://arxiv.org/abs/1506.01497",
            "https://arxiv.org/abs/1506.01497v3",
            "http://arxiv.org/pdf/1506.01497.pdf",
            "https://arxiv.org/pdf/1506.01497v2.pdf",
            "https://export.arxiv.org/pdf/1506.01497v2",
        ] {
            assert_eq!(
                arxiv_id_from_url(url).as_deref(),
                Some("1506.01497"),
                "{url}"
            );
        }
        assert_eq!(
            arxiv_id_from_url("https://arxiv.org/abs/hep-th/9901001v1").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(arxiv_id("arXiv:2212.13881").as_deref(), Some("2212.13881"));
        assert_eq!(
            arxiv_id_from_url("https://example.org/abs/1506.01497"),
            None
        );
    }

    #[test]
    fn dois_are_bare() {
        assert_eq!(
            bare_doi("https://doi.org/10.1109/ACCESS.2019.2939201").as_deref(),
            Some("10.1109/ACCESS.2019.2939201")
        );
        assert_eq!(bare_doi("doi:10.1/x").as_deref(), Some("10.1/x"));
        assert_eq!(bare_doi("10.1/x").as_deref(), Some("10.1/x"));
        assert_eq!(bare_doi("https://example.org/10.1/x"), None);
    }

    #[test]
    fn titles_are_made_from_urls() {
        assert_eq!(
            title_from_url(
                "https://www.lesswrong.com/posts/PQu2YPtcm2dQLSsu9/the-unreasonable-effectiveness-of-deep-learning"
            ),
            "The unreasonable effectiveness of deep learning"
        );
        assert_eq!(
            title_from_url("https://arxiv.org/pdf/2212.13881.pdf"),
            "arXiv:2212.13881"
        );
        assert_eq!(
            title_from_url("https://github.com/dair-ai/ML-Course-Notes"),
            "ML Course Notes"
        );
        assert_eq!(title_from_url("https://www.openai.com/"), "openai.com");
        assert_eq!(
            title_from_url("https://doi.org/10.1109/ACCESS.2019.2939201"),
            "doi:10.1109/ACCESS.2019.2939201"
        );
    }
}
