//! LaTeX in BibTeX field values, decoded to Unicode text with raw LaTeX spans.
//!
//! What LaTeX means as text is decoded: accents (`\'e`, `{\"u}`, `\'{\i}`: on a dotless
//! i or j the accent goes on the plain letter), letters and symbols (`\ss`, `\o`, `\&`,
//! `\textendash`), ties (`~`, a space), dashes (`--` → `–`, `---` → `—`), TeX quotes
//! (``` `` ``` → `“`), braces (protection only, dropped), font commands (`\emph{X}`,
//! `\textit`, `\textsc`, `\mbox` → their text) and quotation commands (`\mkbibquote{x}`,
//! `\enquote{x}` → `‘x’`). Inline math (`$…$`, `\(…\)`) and commands this module does not
//! know stay raw LaTeX, in the form [`crate::domain::latex_spans`] reads back. HTML
//! entities (`&amp;`, `&#233;`) are decoded once, in text, never in math.
//!
//! Sources: the LaTeX2e manual (§23 "Special insertions", §23.5 "Accents"), biblatex's
//! manual (§3.9.2 `\mkbibquote`), the HTML named character references for the entities.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::compose;

/// Decodes a field value (the text between its outer braces or quotes) into Unicode text
/// with raw LaTeX spans; white space runs become one space, ends are trimmed, NFC.
pub(crate) fn decode_text(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut parser = Parser {
        chars: &chars,
        i: 0,
    };
    parser.run(&mut out, false);
    let decoded = decode_entities(&out);
    let collapsed: String = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.nfc().collect()
}

/// A URL field: `\url{…}` and `\href{…}{…}` give the URL, braces around it go; otherwise
/// the value as written (URLs are verbatim: `%` and `~` stay).
pub(crate) fn unwrap_url(raw: &str) -> String {
    let mut value = raw.trim();
    loop {
        let inner = ["\\url{", "\\href{"]
            .iter()
            .find_map(|p| value.strip_prefix(p))
            .and_then(|rest| {
                let close = matching_brace(rest)?;
                Some(&rest[..close])
            })
            .or_else(|| {
                value.strip_prefix('{').and_then(|rest| {
                    (matching_brace(rest)? == rest.len() - 1).then(|| &rest[..rest.len() - 1])
                })
            });
        match inner {
            Some(inner) => value = inner.trim(),
            None => return value.to_owned(),
        }
    }
}

/// The offset of the `}` that closes a group whose `{` was just before `rest`.
fn matching_brace(rest: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

struct Parser<'c> {
    chars: &'c [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    /// Decodes until the end, or until the `}` that closes the current group when
    /// `in_group` (consumed).
    fn run(&mut self, out: &mut String, in_group: bool) {
        while let Some(c) = self.peek() {
            match c {
                '}' => {
                    self.i += 1;
                    if in_group {
                        return;
                    }
                }
                '{' => {
                    self.i += 1;
                    self.run(out, true);
                }
                '\\' => self.command(out),
                '$' => self.math(out),
                '~' => {
                    self.i += 1;
                    out.push(' ');
                }
                '-' => {
                    let run = self.chars[self.i..]
                        .iter()
                        .take_while(|&&d| d == '-')
                        .count();
                    self.i += run;
                    out.push_str(match run {
                        1 => "-",
                        2 => "–",
                        3 => "—",
                        _ => "—",
                    });
                }
                '`' if self.chars.get(self.i + 1) == Some(&'`') => {
                    self.i += 2;
                    out.push('“');
                }
                '\'' if self.chars.get(self.i + 1) == Some(&'\'') => {
                    self.i += 2;
                    out.push('”');
                }
                '`' => {
                    self.i += 1;
                    out.push('‘');
                }
                _ => {
                    self.i += 1;
                    out.push(c);
                }
            }
        }
    }

    /// `$…$` (or `$$…$$`), kept raw as inline math; a lone `$` is text.
    fn math(&mut self, out: &mut String) {
        let display = self.chars.get(self.i + 1) == Some(&'$');
        let open = if display { 2 } else { 1 };
        let mut j = self.i + open;
        while j < self.chars.len() {
            match self.chars[j] {
                '\\' => j += 2,
                '$' => {
                    let body: String = self.chars[self.i + open..j].iter().collect();
                    let body = body.trim();
                    self.i = j + open;
                    if !body.is_empty() {
                        out.push('$');
                        out.push_str(body);
                        out.push('$');
                    }
                    return;
                }
                _ => j += 1,
            }
        }
        self.i += 1;
        out.push('$');
    }

    /// A command at a backslash.
    fn command(&mut self, out: &mut String) {
        self.i += 1;
        let Some(first) = self.peek() else {
            out.push('\\');
            return;
        };
        if !first.is_ascii_alphabetic() {
            self.i += 1;
            match first {
                '&' | '%' | '$' | '#' | '_' | '{' | '}' => out.push(first),
                ' ' | '\\' | ',' | ';' | ':' => out.push(' '),
                '-' | '/' | '!' | '@' => {}
                '(' => self.inline_math(out),
                c if accent_mark(c).is_some() => {
                    let mark = accent_mark(c).unwrap_or('\u{301}');
                    self.accent(mark, out);
                }
                c => {
                    out.push('\\');
                    out.push(c);
                }
            }
            return;
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        let name: String = self.chars[start..self.i].iter().collect();
        // Letter accents (`\c{c}`, `\v s`) take an argument like the symbol ones.
        if let Some(mark) = letter_accent(&name) {
            self.skip_spaces();
            self.accent(mark, out);
            return;
        }
        if let Some(symbol) = symbol(&name) {
            self.skip_spaces();
            // `\ss{}`: the empty group only ends the command name.
            if self.chars[self.i..].starts_with(&['{', '}']) {
                self.i += 2;
            }
            out.push_str(symbol);
            return;
        }
        match name.as_str() {
            "emph" | "textit" | "textbf" | "textsc" | "textrm" | "textsf" | "texttt" | "textup"
            | "textsl" | "textmd" | "textnormal" | "mbox" | "hbox" | "text" | "NoCaseChange"
            | "nocase" | "MakeUppercase" | "uppercase" | "url" => {
                self.argument(out);
            }
            "mkbibquote" | "enquote" | "textquote" => {
                out.push('‘');
                self.argument(out);
                out.push('’');
            }
            "mkbibemph" | "mkbibitalic" | "mkbibbold" => self.argument(out),
            "href" => {
                // The link text; the URL is not part of the title.
                let mut url = String::new();
                self.argument(&mut url);
                self.argument(out);
            }
            "em" | "it" | "bf" | "sc" | "rm" | "sf" | "tt" | "itshape" | "scshape" | "bfseries"
            | "upshape" | "normalfont" | "relax" | "protect" | "sl" | "slshape" | "mdseries" => {
                self.skip_spaces()
            }
            _ => {
                // Unknown: kept raw, with the brace groups right after it.
                out.push('\\');
                out.push_str(&name);
                while self.peek() == Some('{') {
                    let open = self.i;
                    let mut depth = 0usize;
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        match c {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    out.extend(&self.chars[open..self.i]);
                }
                if !out.ends_with('}') {
                    // `\foo` alone: the empty group marks it as a command when read back.
                    out.push_str("{}");
                }
                if self.peek().is_some_and(char::is_whitespace) {
                    // The space that ended the command name separates words too.
                    out.push(' ');
                }
            }
        }
    }

    /// `\( … \)` as `$…$`.
    fn inline_math(&mut self, out: &mut String) {
        let mut j = self.i;
        while j + 1 < self.chars.len() {
            if self.chars[j] == '\\' && self.chars[j + 1] == ')' {
                let body: String = self.chars[self.i..j].iter().collect();
                out.push('$');
                out.push_str(body.trim());
                out.push('$');
                self.i = j + 2;
                return;
            }
            j += 1;
        }
        out.push('(');
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    /// One argument, decoded: a brace group, or the next character.
    fn argument(&mut self, out: &mut String) {
        self.skip_spaces();
        match self.peek() {
            Some('{') => {
                self.i += 1;
                self.run(out, true);
            }
            Some(_) => {
                let mut sub = Parser {
                    chars: &self.chars[self.i..self.i + 1],
                    i: 0,
                };
                sub.run(out, false);
                self.i += 1;
            }
            None => {}
        }
    }

    /// An accent over its argument: the argument's first letter gets the mark; a dotless
    /// `\i` or `\j` becomes the plain letter first.
    fn accent(&mut self, mark: char, out: &mut String) {
        let mut arg = String::new();
        match self.peek() {
            Some('{') => {
                self.i += 1;
                self.run(&mut arg, true);
            }
            Some('\\') => {
                self.i += 1;
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.i += 1;
                }
                let name: String = self.chars[start..self.i].iter().collect();
                arg.push_str(symbol(&name).unwrap_or(&name));
                if self.chars[self.i..].starts_with(&['{', '}']) {
                    self.i += 2;
                }
            }
            Some(c) => {
                self.i += 1;
                arg.push(c);
            }
            None => {}
        }
        let mut letters = arg.chars();
        match letters.next() {
            Some(base) => {
                let base = match base {
                    'ı' => 'i',
                    'ȷ' => 'j',
                    c => c,
                };
                match compose(base, mark) {
                    Some(c) => out.push(c),
                    None => {
                        out.push(base);
                        out.push(mark);
                    }
                }
                out.extend(letters);
            }
            None => out.push(mark),
        }
    }
}

/// The combining mark of a one-character accent command (`\'`, `\"`, …).
fn accent_mark(c: char) -> Option<char> {
    Some(match c {
        '\'' => '\u{301}',
        '`' => '\u{300}',
        '^' => '\u{302}',
        '"' => '\u{308}',
        '~' => '\u{303}',
        '=' => '\u{304}',
        '.' => '\u{307}',
        _ => return None,
    })
}

/// The combining mark of a letter accent command (`\c`, `\v`, `\H`, …).
fn letter_accent(name: &str) -> Option<char> {
    Some(match name {
        "u" => '\u{306}',
        "v" => '\u{30C}',
        "H" => '\u{30B}',
        "c" => '\u{327}',
        "d" => '\u{323}',
        "b" => '\u{331}',
        "k" => '\u{328}',
        "r" => '\u{30A}',
        _ => return None,
    })
}

/// The text of a command that takes no argument.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "i" => "ı",
        "j" => "ȷ",
        "ss" => "ß",
        "SS" => "SS",
        "o" => "ø",
        "O" => "Ø",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "aa" => "å",
        "AA" => "Å",
        "l" => "ł",
        "L" => "Ł",
        "dh" => "ð",
        "DH" => "Ð",
        "th" => "þ",
        "TH" => "Þ",
        "ng" => "ŋ",
        "NG" => "Ŋ",
        "dj" => "đ",
        "DJ" => "Đ",
        "LaTeX" => "LaTeX",
        "TeX" => "TeX",
        "BibTeX" => "BibTeX",
        "textendash" => "–",
        "textemdash" => "—",
        "textquoteleft" => "‘",
        "textquoteright" => "’",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "textasciitilde" => "~",
        "textasciicircum" => "^",
        "textbackslash" => "\\",
        "textbraceleft" => "{",
        "textbraceright" => "}",
        "textunderscore" => "_",
        "textdollar" => "$",
        "textbar" => "|",
        "textless" => "<",
        "textgreater" => ">",
        "textregistered" => "®",
        "texttrademark" => "™",
        "textcopyright" | "copyright" => "©",
        "textdegree" => "°",
        "textsection" | "S" => "§",
        "textparagraph" | "P" => "¶",
        "dots" | "ldots" | "textellipsis" => "…",
        "pounds" | "textsterling" => "£",
        "euro" | "texteuro" => "€",
        "guillemotleft" => "«",
        "guillemotright" => "»",
        "quad" | "qquad" | "space" | "nobreakspace" => " ",
        _ => return None,
    })
}

/// HTML character references decoded once: the named ones BibTeX files exported from web
/// pages carry, and numeric ones (`&#233;`, `&#xE9;`). Anything else stays as it is.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest[1..]
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| {
                let name = &rest[1..=end];
                let c = if let Some(number) = name.strip_prefix('#') {
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32).map(String::from)
                } else {
                    named_entity(name).map(str::to_owned)
                };
                c.map(|c| (c, end + 2))
            });
        match decoded {
            Some((c, len)) => {
                out.push_str(&c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => " ",
        "ndash" => "–",
        "mdash" => "—",
        "hellip" => "…",
        "lsquo" => "‘",
        "rsquo" => "’",
        "ldquo" => "“",
        "rdquo" => "”",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_on_dotless_letters_give_the_plain_letter_accented() {
        assert_eq!(decode_text(r"Ort{\'\i}z"), "Ortíz");
        assert_eq!(decode_text(r#"Na{\"\i}ve"#), "Naïve");
        assert_eq!(decode_text(r#"M{\"u}ller and J\"org"#), "Müller and Jörg");
        assert_eq!(decode_text(r"\'{\i}\v{s}\c{c}"), "íšç");
    }

    #[test]
    fn font_commands_and_ties_become_text() {
        assert_eq!(
            decode_text(r"An \emph{Emphasised} Word and a Tie~Here"),
            "An Emphasised Word and a Tie Here"
        );
        assert_eq!(
            decode_text(r"Sorting in \textsc{PebbleSort}"),
            "Sorting in PebbleSort"
        );
        assert_eq!(
            decode_text(r"On \mkbibquote{counting} and \mbox{non-counting} pebbles"),
            "On ‘counting’ and non-counting pebbles"
        );
        assert_eq!(decode_text("10--20"), "10–20");
    }

    #[test]
    fn math_and_unknown_commands_stay_raw() {
        assert_eq!(
            decode_text(r"Fast $\mathcal{O}(n)$ Sorting for $k$-{NN} Pebbles"),
            r"Fast $\mathcal{O}(n)$ Sorting for $k$-NN Pebbles"
        );
        assert_eq!(decode_text(r"A \foo{b} c"), r"A \foo{b} c");
        assert_eq!(decode_text(r"\(x^2\) fits"), "$x^2$ fits");
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(decode_text("Losses &amp; Metrics"), "Losses & Metrics");
        assert_eq!(decode_text("A &amp;amp; B"), "A &amp; B");
        assert_eq!(decode_text(r"R\&D &#233;t&eacute"), "R&D ét&eacute");
    }

    #[test]
    fn urls_are_unwrapped() {
        assert_eq!(
            unwrap_url(r"\url{https://example.org/portal}"),
            "https://example.org/portal"
        );
        assert_eq!(unwrap_url("{https://e.org/a%20b}"), "https://e.org/a%20b");
        assert_eq!(unwrap_url("https://e.org/~x"), "https://e.org/~x");
    }
}
