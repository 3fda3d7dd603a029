//! Text repair: byte order marks, legacy encodings, mojibake, line ends, control
//! characters, Unicode normalisation.
//!
//! Catalogue pages and BibTeX files come from editors, exports and copy-paste. Before any
//! parsing, their bytes become NFC-normalised UTF-8 text whose lines end in `\n` (or
//! `\r\n`), and every repair is reported so the author can fix the source.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use unicode_normalization::UnicodeNormalization;

use super::{ItemKind, ReportLine};

/// Decoded file text and the report lines about its repairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The text: UTF-8, without a byte order mark, mojibake repaired, lone `\r` turned into
    /// `\n`, no control characters but tab and line breaks, NFC.
    pub text: String,
    /// One warning per repair (legacy encoding, each mojibake run, each line that held
    /// control characters), with 1-based lines.
    pub report: Vec<ReportLine>,
}

/// Decodes a file's bytes into clean text; [`decode_with_label`] without a declared charset.
pub fn decode(bytes: &[u8]) -> Decoded {
    decode_with_label(bytes, None)
}

/// Decodes a file's bytes into clean text, honouring a charset the sender declared
/// (`Content-Type: text/markdown; charset=utf-16le`), given as a WHATWG encoding label.
///
/// A byte order mark wins over the label, as in the WHATWG decode algorithm: a UTF-8 mark
/// is dropped (pulldown-cmark would otherwise read the first heading as a paragraph), a
/// UTF-16 mark decodes the file as UTF-16. A declared charset other than UTF-8 is used as
/// given; a label `encoding_rs` does not know is reported and ignored. Otherwise the bytes
/// are UTF-16 when they look like it (a zero in every other byte, as mostly-ASCII UTF-16
/// has), else UTF-8; bytes that are not valid UTF-8 are read as
/// Windows-1252, the usual legacy encoding of such files. Each guess is a warning.
///
/// Then lone carriage returns (old Mac line ends) become line feeds, so that line numbers
/// are right; mojibake is repaired line by line ([`repair_mojibake`]); control characters
/// other than tab and line breaks are removed (PostgreSQL cannot store NUL, and none is
/// text), one warning per line, after the mojibake since that can hold C1 controls; and
/// the text is NFC-normalised. No repair after the line ends adds or removes a line break,
/// so line numbers point into the original file.
pub fn decode_with_label(bytes: &[u8], charset: Option<&str>) -> Decoded {
    let mut report = Vec::new();
    let declared = charset
        .map(str::trim)
        .filter(|label| !label.is_empty())
        .and_then(|label| {
            let encoding = Encoding::for_label(label.as_bytes());
            if encoding.is_none() {
                report.push(ReportLine::warning(
                    1,
                    ItemKind::File,
                    label,
                    "unknown charset: ignored, the file is read as UTF-8",
                ));
            }
            encoding
        });
    let raw = to_text(bytes, declared, &mut report);
    // A mark that survived (a BOM inside UTF-16, or one added twice) is not content.
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
    let raw = normalise_line_ends(raw);

    let mut text = String::with_capacity(raw.len());
    for (index, line) in raw.split_inclusive('\n').enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = match repair_mojibake(line) {
            Some((fixed, repairs)) => {
                for (before, after) in repairs {
                    report.push(ReportLine::warning(
                        line_no,
                        ItemKind::File,
                        format!("{before} → {after}"),
                        "repaired mojibake: UTF-8 text that had been read as Windows-1252",
                    ));
                }
                Cow::Owned(fixed)
            }
            None => Cow::Borrowed(line),
        };
        // After the mojibake: `”` read as Windows-1252 holds the C1 control U+009D.
        text.push_str(&remove_controls(&line, line_no, &mut report));
    }
    let text = if unicode_normalization::is_nfc(&text) {
        text
    } else {
        text.nfc().collect()
    };
    Decoded { text, report }
}

/// The bytes as text, by byte order mark, declared charset or sniffing (see
/// [`decode_with_label`]).
fn to_text(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
    report: &mut Vec<ReportLine>,
) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == UTF_8 {
            return utf8_or_windows_1252(body, report);
        }
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
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
        return text.into_owned();
    }
    match declared {
        Some(encoding) if encoding != UTF_8 => {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            if had_errors {
                report.push(ReportLine::warning(
                    1,
                    ItemKind::File,
                    encoding.name(),
                    format!(
                        "the file is not valid {} as declared; unreadable parts became U+FFFD",
                        encoding.name()
                    ),
                ));
            }
            text.into_owned()
        }
        _ => match sniff_utf16(bytes) {
            Some(encoding) => {
                let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
                report.push(ReportLine::warning(
                    1,
                    ItemKind::File,
                    encoding.name(),
                    format!(
                        "the file looks like {} without a byte order mark (every other byte is zero); read as {}{}",
                        encoding.name(),
                        encoding.name(),
                        if had_errors {
                            ", unreadable parts became U+FFFD"
                        } else {
                            ""
                        }
                    ),
                ));
                text.into_owned()
            }
            None => utf8_or_windows_1252(bytes, report),
        },
    }
}

/// UTF-8, or Windows-1252 with a warning when the bytes are not valid UTF-8.
fn utf8_or_windows_1252(bytes: &[u8], report: &mut Vec<ReportLine>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(err) => {
            let line = line_of_offset(bytes, err.valid_up_to());
            report.push(ReportLine::warning(
                line,
                ItemKind::File,
                "windows-1252",
                format!(
                    "the file is not valid UTF-8 (first bad byte on line {line}); read as Windows-1252"
                ),
            ));
            WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned()
        }
    }
}

/// Where bytes sent without a charset stop being UTF-8, when they cannot be taken for
/// Windows-1252 either: the offset of the first byte that is not UTF-8. `None` when the
/// bytes are UTF-8, start with a byte order mark, look like UTF-16, or read as plausible
/// Windows-1252 text ([`plausible_windows_1252`]). A caller refuses such bytes rather than
/// store mojibake (`石子` in GBK reads as `Ê¯×Ó` in Windows-1252).
pub fn undeclared_legacy_offset(bytes: &[u8]) -> Option<usize> {
    let err = std::str::from_utf8(bytes).err()?;
    if Encoding::for_bom(bytes).is_some() || sniff_utf16(bytes).is_some() {
        return None;
    }
    (!plausible_windows_1252(bytes)).then_some(err.valid_up_to())
}

/// Whether bytes read as Windows-1252 look like text in a Latin-script language: every
/// byte outside ASCII decodes to a letter or common punctuation, and no more than two of
/// them stand together (`Müller`, `naïve`, `“quoted”`), as in Western European text;
/// double-byte encodings (GBK, Shift_JIS, Big5) give long runs of symbols instead.
fn plausible_windows_1252(bytes: &[u8]) -> bool {
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii() {
            run = 0;
            continue;
        }
        run += 1;
        let letter_or_mark = c.is_alphabetic() || "‘’“”–—…€£©®°·«»§¶".contains(c);
        if run > 2 || !letter_or_mark {
            return false;
        }
    }
    true
}

/// UTF-16 without a byte order mark, told by its zero bytes: in text that is largely
/// ASCII, every other byte is zero, at odd offsets for little-endian and at even ones for
/// big-endian. UTF-8 text has no zero bytes at all. Only the first 4 KiB are looked at;
/// text in a script outside Latin-1 cannot be told this way and is left to UTF-8.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096)];
    let units = sample.len() / 2;
    let (even, odd) = sample.chunks_exact(2).fold((0, 0), |(even, odd), unit| {
        (
            even + usize::from(unit[0] == 0),
            odd + usize::from(unit[1] == 0),
        )
    });
    // A quarter of the units hold a zero byte, nearly all on the same side.
    let looks = |zeros: usize, other: usize| units > 0 && zeros * 4 >= units && other * 16 <= zeros;
    if looks(odd, even) {
        Some(UTF_16LE)
    } else if looks(even, odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Turns lone carriage returns (old Mac line ends) into line feeds; `\r\n` stays as it is
/// and counts as one line end, as everywhere else.
fn normalise_line_ends(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A control character that is not text: Unicode `Cc` other than tab and line breaks
/// (the API refuses the same ones, see `domain::input`).
fn is_removed_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Removes the control characters of one line but tab and line breaks, with a warning
/// naming them.
fn remove_controls<'t>(line: &'t str, line_no: u32, report: &mut Vec<ReportLine>) -> Cow<'t, str> {
    if !line.chars().any(is_removed_control) {
        return Cow::Borrowed(line);
    }
    let mut names: Vec<String> = Vec::new();
    let mut removed = 0usize;
    let kept = line
        .chars()
        .filter(|&c| {
            if !is_removed_control(c) {
                return true;
            }
            removed += 1;
            let name = format!("U+{:04X}", u32::from(c));
            if !names.contains(&name) {
                names.push(name);
            }
            false
        })
        .collect();
    report.push(ReportLine::warning(
        line_no,
        ItemKind::File,
        names.join(", "),
        format!(
            "removed {removed} control character{}: they are not text (and NUL cannot be stored)",
            if removed == 1 { "" } else { "s" }
        ),
    ));
    Cow::Owned(kept)
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

/// 1-based line of a byte offset; a lone `\r` ends a line too, as in
/// [`normalise_line_ends`].
fn line_of_offset(bytes: &[u8], offset: usize) -> u32 {
    let before = &bytes[..offset.min(bytes.len())];
    let breaks = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    u32::try_from(breaks + 1).unwrap_or(u32::MAX)
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

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn control_characters_are_removed_and_reported_on_their_line() {
        let decoded =
            decode(b"# T\n\n- [A\0B](https://a.example/x\x07y)\tok\n\x1b[1mbold\r\nend\n");
        assert_eq!(
            decoded.text,
            "# T\n\n- [AB](https://a.example/xy)\tok\n[1mbold\r\nend\n"
        );
        let lines: Vec<(u32, ItemKind, Outcome, &str)> = decoded
            .report
            .iter()
            .map(|l| (l.line, l.item, l.outcome, l.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (3, ItemKind::File, Outcome::Warning, "U+0000, U+0007"),
                (4, ItemKind::File, Outcome::Warning, "U+001B"),
            ]
        );
        assert!(
            decoded.report[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("removed 2")
        );
        // C1 controls (here NEL) go too, whatever the encoding they came in.
        assert_eq!(decode("a\u{85}b\u{9f}\n".as_bytes()).text, "ab\n");
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let decoded = decode(b"# Old Mac\r\rcaf\xE9\r- [A](https://a.example)\r");
        assert_eq!(
            decoded.text,
            "# Old Mac\n\ncafé\n- [A](https://a.example)\n"
        );
        // The line of the bad byte counts the carriage returns.
        assert_eq!(decoded.report[0].line, 3);
        // Windows line ends stay one line end each.
        assert_eq!(decode(b"a\r\nb\r\n\rc").text, "a\r\nb\r\n\nc");
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised() {
        for big_endian in [false, true] {
            let decoded = decode(&utf16(
                "# Tübingen\n\n- [A](https://a.example)\n",
                big_endian,
            ));
            assert_eq!(decoded.text, "# Tübingen\n\n- [A](https://a.example)\n");
            assert_eq!(decoded.report.len(), 1, "{:?}", decoded.report);
            assert_eq!(decoded.report[0].item, ItemKind::File);
            assert_eq!(
                decoded.report[0].text,
                if big_endian { "UTF-16BE" } else { "UTF-16LE" }
            );
        }
    }

    #[test]
    fn a_declared_charset_is_honoured_unless_a_byte_order_mark_says_otherwise() {
        let decoded = decode_with_label(&utf16("# Straße\n", false), Some("utf-16le"));
        assert_eq!(decoded.text, "# Straße\n");
        assert!(decoded.report.is_empty(), "{:?}", decoded.report);
        let decoded = decode_with_label(b"caf\xE9\n", Some(" ISO-8859-1 "));
        assert_eq!(decoded.text, "café\n");
        assert!(decoded.report.is_empty());
        let decoded = decode_with_label(b"\xEF\xBB\xBFcaf\xC3\xA9\n", Some("utf-16le"));
        assert_eq!(decoded.text, "café\n");
        let decoded = decode_with_label(b"plain\n", Some("klingon"));
        assert_eq!(decoded.text, "plain\n");
        assert_eq!(decoded.report[0].text, "klingon");
        assert_eq!(decode_with_label(b"x", None), decode(b"x"));
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
