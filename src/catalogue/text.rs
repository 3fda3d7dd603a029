//! Text repair: byte order marks, legacy encodings, mojibake, Unicode normalisation.
//!
//! Catalogue pages and BibTeX files come from editors, exports and copy-paste. Before any
//! parsing, their bytes become NFC-normalised UTF-8 text with the same line structure, and
//! every repair is reported so the author can fix the source.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use unicode_normalization::UnicodeNormalization;

use super::{ItemKind, ReportLine};

/// Decoded file text and the report lines about its repairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The text: UTF-8, without a byte order mark, mojibake repaired, NFC.
    pub text: String,
    /// One warning per repair (legacy encoding, each mojibake run), with 1-based lines.
    pub report: Vec<ReportLine>,
}

/// Decodes a file's bytes into clean text.
///
/// A leading UTF-8 byte order mark is dropped (pulldown-cmark would otherwise read the
/// first heading as a paragraph); a UTF-16 mark decodes the file as UTF-16. Bytes that are
/// not valid UTF-8 are read as Windows-1252, the usual legacy encoding of such files, with
/// a warning. Then mojibake is repaired line by line ([`repair_mojibake`]) and the text is
/// NFC-normalised. No repair adds or removes a line break, so line numbers still point
/// into the original file.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut report = Vec::new();
    let raw = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) if encoding != UTF_8 => {
            let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
            report.push(ReportLine::warning(
                1,
                ItemKind::File,
                encoding.name(),
                if had_errors {
                    "the file is UTF-16 with unreadable parts; they became U+FFFD"
                } else {
                    "the file is UTF-16; read and stored as UTF-8"
                },
            ));
            text.into_owned()
        }
        found => {
            let body = &bytes[found.map_or(0, |(_, len)| len)..];
            match std::str::from_utf8(body) {
                Ok(text) => text.to_owned(),
                Err(err) => {
                    let line = line_of_offset(body, err.valid_up_to());
                    report.push(ReportLine::warning(
                        line,
                        ItemKind::File,
                        "windows-1252",
                        format!(
                            "the file is not valid UTF-8 (first bad byte on line {line}); read as Windows-1252"
                        ),
                    ));
                    WINDOWS_1252
                        .decode_without_bom_handling(body)
                        .0
                        .into_owned()
                }
            }
        }
    };
    // A mark that survived (a BOM inside UTF-16, or one added twice) is not content.
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(&raw);

    let mut text = String::with_capacity(raw.len());
    for (index, line) in raw.split_inclusive('\n').enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        match repair_mojibake(line) {
            Some((fixed, repairs)) => {
                for (before, after) in repairs {
                    report.push(ReportLine::warning(
                        line_no,
                        ItemKind::File,
                        format!("{before} → {after}"),
                        "repaired mojibake: UTF-8 text that had been read as Windows-1252",
                    ));
                }
                text.push_str(&fixed);
            }
            None => text.push_str(line),
        }
    }
    let text = if unicode_normalization::is_nfc(&text) {
        text
    } else {
        text.nfc().collect()
    };
    Decoded { text, report }
}

/// Repairs UTF-8 that was decoded as Windows-1252 (`Spearmanâ€™s` → `Spearman’s`).
///
/// Mojibake only ever turns non-ASCII bytes into non-ASCII characters, so each maximal
/// run of non-ASCII characters is tried on its own: encoded back to Windows-1252 and, when
/// that succeeds and the bytes are valid UTF-8 that read differently, replaced by that
/// reading (applied up to three times for text mangled more than once). Genuine text stays
/// as it is: `Tübingen` gives the byte `FC`, not valid UTF-8; emoji have no Windows-1252
/// form. Returns the repaired text and each repair as (word before, word after), or `None`
/// when nothing changed.
pub fn repair_mojibake(line: &str) -> Option<(String, Vec<(String, String)>)> {
    if line.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(line.len());
    let mut repairs = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| !c.is_ascii()) {
        out.push_str(&rest[..start]);
        let run_len = rest[start..]
            .find(|c: char| c.is_ascii())
            .unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        match repair_run(run) {
            Some(fixed) => {
                let before = enclosing_word(line, line.len() - rest.len() + start, run.len());
                let after = before.replacen(run, &fixed, 1);
                repairs.push((before.to_owned(), after));
                out.push_str(&fixed);
            }
            None => out.push_str(run),
        }
        rest = &rest[start + run_len..];
    }
    out.push_str(rest);
    (!repairs.is_empty()).then_some((out, repairs))
}

/// One run of non-ASCII characters, repaired, if it is mojibake.
fn repair_run(run: &str) -> Option<String> {
    let mut current = run.to_owned();
    let mut changed = false;
    for _ in 0..3 {
        match reread_as_utf8(&current) {
            Some(next) => {
                current = next;
                changed = true;
            }
            None => break,
        }
    }
    changed.then_some(current)
}

fn reread_as_utf8(run: &str) -> Option<String> {
    let (bytes, _, unmappable) = WINDOWS_1252.encode(run);
    if unmappable {
        return None;
    }
    let text = std::str::from_utf8(&bytes).ok()?;
    // Text that decodes to control characters was not UTF-8 to begin with.
    (text != run && !text.chars().any(char::is_control)).then(|| text.to_owned())
}

/// The white-space delimited word around `start..start + len` of `line`, for the report.
fn enclosing_word(line: &str, start: usize, len: usize) -> &str {
    let from = line[..start].rfind(char::is_whitespace).map_or(0, |i| {
        i + line[i..].chars().next().map_or(1, char::len_utf8)
    });
    let to = line[start + len..]
        .find(char::is_whitespace)
        .map_or(line.len(), |i| start + len + i);
    &line[from..to]
}

/// 1-based line of a byte offset.
fn line_of_offset(bytes: &[u8], offset: usize) -> u32 {
    let newlines = bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Outcome;

    #[test]
    fn mojibake_is_repaired_and_reported_with_its_line() {
        let decoded = decode("# Title\n* Spearmanâ€™s rank\n".as_bytes());
        assert_eq!(decoded.text, "# Title\n* Spearman’s rank\n");
        assert_eq!(decoded.report.len(), 1);
        let line = &decoded.report[0];
        assert_eq!(
            (line.line, line.item, line.outcome),
            (2, ItemKind::File, Outcome::Warning)
        );
        assert_eq!(line.text, "Spearmanâ€™s → Spearman’s");
    }

    #[test]
    fn genuine_non_ascii_text_is_left_alone() {
        for text in [
            "Tübingen café naïve",
            "📺 ML YouTube Courses ❤️",
            "Spearman’s – “quoted”",
            "Ünïcödé Straße",
            "日本語のテキスト",
        ] {
            let decoded = decode(text.as_bytes());
            assert_eq!(decoded.text, text);
            assert!(decoded.report.is_empty(), "{text}: {:?}", decoded.report);
        }
    }

    #[test]
    fn twice_mangled_text_is_repaired_fully() {
        let once: String = WINDOWS_1252.decode("’".as_bytes()).0.into_owned();
        let twice: String = WINDOWS_1252.decode(once.as_bytes()).0.into_owned();
        assert_eq!(repair_mojibake(&twice).unwrap().0, "’");
    }

    #[test]
    fn a_utf8_byte_order_mark_is_dropped() {
        let decoded = decode(b"\xEF\xBB\xBF# Sparse Nets\n");
        assert_eq!(decoded.text, "# Sparse Nets\n");
        assert!(decoded.report.is_empty());
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252_with_a_warning() {
        let decoded = decode(b"# T\n\ncaf\xE9 \x93quoted\x94\n");
        assert_eq!(decoded.text, "# T\n\ncafé “quoted”\n");
        assert_eq!(decoded.report.len(), 1);
        assert_eq!(decoded.report[0].line, 3);
        assert_eq!(decoded.report[0].outcome, Outcome::Warning);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "# Tü\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes).text, "# Tü\n");
    }

    #[test]
    fn text_is_nfc_normalised_without_changing_lines() {
        let decoded = decode("Tu\u{308}bingen\r\nline two\n".as_bytes());
        assert_eq!(decoded.text, "Tübingen\r\nline two\n");
    }

    #[test]
    fn repairs_keep_the_line_count() {
        let text = "a\nâ€œb â€\u{9d}\nc ðŸ“º\n";
        let decoded = decode(text.as_bytes());
        assert_eq!(decoded.text.lines().count(), text.lines().count());
        assert_eq!(decoded.text, "a\n“b ”\nc 📺\n");
        assert_eq!(decoded.report.len(), 3);
    }
}
