//! Snippets: the best short excerpt of a text, with the words that matched the query in
//! `<mark>` and everything else HTML-escaped.
//!
//! The same idea as tantivy's `SnippetGenerator` (score windows of the text by the query
//! terms they hold, keep the best), written for this index: words are compared by stem
//! (so "Detections" is marked for `detection`), only words that may stem to a highlighted
//! stem are stemmed, nothing is allocated per word, and a cut excerpt ends on word
//! boundaries with an ellipsis.

use std::collections::BTreeMap;

use tantivy::Score;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::schema::{MAX_TOKEN_BYTES, snippet_analyzer};

/// Marks the matched words of texts for one query.
pub struct Highlighter {
    analyzer: TextAnalyzer,
    /// Stems and their weights (1 for words typed, less for typo variants and
    /// completions); a handful, so a list.
    stems: Vec<(String, Score)>,
    /// The first two bytes of each stem: a word is stemmed only when it begins with one.
    keys: Vec<Vec<u8>>,
    stemmer: frostem::Stemmer,
}

/// One matched word: its byte range in the text and its weight.
#[derive(Debug, Clone, Copy)]
struct Match {
    from: usize,
    to: usize,
    weight: Score,
}

impl Highlighter {
    /// A highlighter for these stems.
    pub fn new(stems: &BTreeMap<String, Score>) -> Highlighter {
        Highlighter {
            analyzer: snippet_analyzer(stems.keys().map(String::as_str)),
            stems: stems.iter().map(|(s, w)| (s.clone(), *w)).collect(),
            keys: stems
                .keys()
                .map(|s| s.as_bytes()[..s.len().min(2)].to_vec())
                .collect(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }

    fn matches(&mut self, text: &str) -> Vec<Match> {
        if self.stems.is_empty() {
            return Vec::new();
        }
        if text.is_ascii() {
            return self.ascii_matches(text);
        }
        let mut out = Vec::new();
        let stems = &self.stems;
        let mut stream = self.analyzer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            if let Some(weight) = weight(stems, &token.text) {
                out.push(Match {
                    from: token.offset_from,
                    to: token.offset_to,
                    weight,
                });
            }
        }
        out
    }

    /// [`Highlighter::matches`] for ASCII text, where words, case and folding are
    /// simple: the same words as the analyzer's, without its per-word machinery.
    fn ascii_matches(&self, text: &str) -> Vec<Match> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut word = String::with_capacity(MAX_TOKEN_BYTES);
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let end = i;
            if start == end {
                break;
            }
            // A possessive `'s` belongs to the word (see `schema::WordTokenizer`).
            let mut span_end = end;
            if bytes.get(end) == Some(&b'\'')
                && matches!(bytes.get(end + 1), Some(b's' | b'S'))
                && !bytes.get(end + 2).is_some_and(u8::is_ascii_alphanumeric)
            {
                span_end = end + 2;
                i = span_end;
            }
            if end - start > MAX_TOKEN_BYTES {
                continue;
            }
            let first = [
                bytes[start].to_ascii_lowercase(),
                bytes.get(start + 1).map_or(0, u8::to_ascii_lowercase),
            ];
            let candidate = self
                .keys
                .iter()
                .any(|key| key.len() <= end - start && key[..] == first[..key.len()]);
            if !candidate {
                continue;
            }
            word.clear();
            word.push_str(&text[start..end]);
            word.make_ascii_lowercase();
            let stemmed = self.stemmer.stem(&word);
            if let Some(weight) = weight(&self.stems, &stemmed) {
                out.push(Match {
                    from: start,
                    to: span_end,
                    weight,
                });
            }
        }
        out
    }

    /// The excerpt of `text` (at most about `max_bytes` long) holding the most matched
    /// words, as HTML; `None` when no word matches.
    pub fn highlight(&mut self, text: &str, max_bytes: usize) -> Option<String> {
        let matches = self.matches(text);
        let best = best_window(&matches, max_bytes)?;
        let window = &matches[best.clone()];
        let (first, last) = (window.first()?, window.last()?);
        let (start, end) = excerpt_bounds(text, first.from, last.to, max_bytes);
        let mut html = String::with_capacity(end - start + 64);
        if start > 0 {
            html.push('…');
        }
        let mut at = start;
        for m in matches.iter().filter(|m| m.from >= start && m.to <= end) {
            escape_into(&text[at..m.from], &mut html);
            html.push_str("<mark>");
            escape_into(&text[m.from..m.to], &mut html);
            html.push_str("</mark>");
            at = m.to;
        }
        escape_into(&text[at..end], &mut html);
        if end < text.len() {
            html.push('…');
        }
        Some(html)
    }
}

/// The weight of `stem` among `stems`, if it is one.
fn weight(stems: &[(String, Score)], stem: &str) -> Option<Score> {
    stems
        .iter()
        .find(|(s, _)| s == stem)
        .map(|(_, weight)| *weight)
}

/// The start of `text`, at most about `max_bytes`, cut at a word boundary, as HTML.
pub fn plain_excerpt(text: &str, max_bytes: usize) -> String {
    let text = text.trim();
    let (_, end) = excerpt_bounds(text, 0, 0, max_bytes);
    let mut html = String::with_capacity(end + 4);
    escape_into(&text[..end], &mut html);
    if end < text.len() {
        html.push('…');
    }
    html
}

/// The range of matches whose window (from the first's start, `max_bytes` long) holds
/// the most weight; the earliest on ties.
fn best_window(matches: &[Match], max_bytes: usize) -> Option<std::ops::Range<usize>> {
    let mut best: Option<(Score, std::ops::Range<usize>)> = None;
    let mut end = 0;
    let mut weight: Score = 0.0;
    for start in 0..matches.len() {
        if end < start {
            end = start;
            weight = 0.0;
        }
        while end < matches.len() && matches[end].to - matches[start].from <= max_bytes {
            weight += matches[end].weight;
            end += 1;
        }
        if end == start {
            // A single word longer than the window.
            end = start + 1;
            weight = matches[start].weight;
        }
        if best.as_ref().is_none_or(|(w, _)| weight > *w) {
            best = Some((weight, start..end));
        }
        weight -= matches[start].weight;
    }
    best.map(|(_, range)| range)
}

/// Excerpt bounds around `from..to`: from the text's start when that fits, else a little
/// context before `from`; as long as `max_bytes` allows; on character and word
/// boundaries.
fn excerpt_bounds(text: &str, from: usize, to: usize, max_bytes: usize) -> (usize, usize) {
    let span = to.saturating_sub(from);
    let mut start = if to <= max_bytes {
        0
    } else {
        from.saturating_sub(max_bytes.saturating_sub(span) / 3)
    };
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        // Begin at a word: after the first space at or after `start`, unless that would
        // pass the first match.
        if let Some(space) = text[start..from].find(char::is_whitespace) {
            start += space + 1;
        }
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    let mut end = (start + max_bytes).max(to).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len()
        && let Some(space) = text[to.min(end)..end].rfind(char::is_whitespace)
    {
        end = to.min(end) + space;
    }
    (start, end.max(to.min(text.len())))
}

/// Appends `text` HTML-escaped, with line breaks as spaces.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// Escapes `&`, `<`, `>` and `"` for HTML text.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A highlighter for these words (stemmed here).
    fn highlighter(words: &[&str]) -> Highlighter {
        Highlighter::new(
            &words
                .iter()
                .map(|w| (crate::search::schema::stem(w), 1.0))
                .collect(),
        )
    }

    #[test]
    fn matched_words_are_marked_by_stem_and_the_rest_escaped() {
        let mut h = highlighter(&["detection", "object"]);
        assert_eq!(
            h.highlight("Objects & <Detections>", 200).unwrap(),
            "<mark>Objects</mark> &amp; &lt;<mark>Detections</mark>&gt;"
        );
        assert!(h.highlight("nothing here", 200).is_none());
    }

    #[test]
    fn long_texts_are_cut_around_the_best_window_on_word_boundaries() {
        let text = format!(
            "{} the grokking phenomenon and more grokking {}",
            "lead in words ".repeat(30),
            "tail words ".repeat(30)
        );
        let mut h = highlighter(&["grokking"]);
        let html = h.highlight(&text, 100).unwrap();
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert_eq!(html.matches("<mark>grokking</mark>").count(), 2, "{html}");
        assert!(html.len() < 160, "{html}");
        assert!(!html.contains("wor…") && !html.contains("…ds"), "{html}");
    }

    #[test]
    fn ascii_and_unicode_texts_match_alike() {
        let mut h = highlighter(&["spearman", "detection"]);
        assert_eq!(
            h.highlight("Spearman's DETECTIONS", 200).unwrap(),
            "<mark>Spearman's</mark> <mark>DETECTIONS</mark>"
        );
        assert_eq!(
            h.highlight("Spearman\u{2019}s Détections", 200).unwrap(),
            "<mark>Spearman\u{2019}s</mark> <mark>Détections</mark>"
        );
        let long = "d".repeat(MAX_TOKEN_BYTES + 1);
        assert!(h.highlight(&long, 200).is_none());
    }

    #[test]
    fn plain_excerpts_cut_at_a_word() {
        assert_eq!(plain_excerpt("short <b>", 200), "short &lt;b&gt;");
        let cut = plain_excerpt(&"word ".repeat(100), 23);
        assert_eq!(cut, "word word word word…");
    }

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        let text = "é".repeat(300) + " grokking " + &"ü".repeat(300);
        let mut h = highlighter(&["grokking"]);
        let html = h.highlight(&text, 50).unwrap();
        assert!(html.contains("<mark>grokking</mark>"), "{html}");
        let _ = plain_excerpt(&text, 51);
    }
}
