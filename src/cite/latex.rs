//! LaTeX text for BibTeX field values: normalisation, escaping, case protection, and the
//! characters pdflatex can set.
//!
//! Sources: LaTeX's reserved characters and the `\text...` commands that print them (the
//! LaTeX2e manual, §23.1 "Reserved characters" and §23.2 "Upper and lower case"; `textcomp`
//! symbols are in the kernel since 2020); brace protection and "special characters" as
//! BibTeX's `change.case$` treats them (the BibTeX manual; "Tame the BeaST" §4 and §12); the
//! characters `inputenc`'s `utf8` option defines for the T1, TS1, OT1 and OMS encodings
//! (`t1enc.dfu`, `ts1enc.dfu`, `ot1enc.dfu`, `omsenc.dfu`, TeX Live 2022).

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Which characters an export may hold as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    /// What pdflatex sets with `\usepackage[utf8]{inputenc}` (the default since 2018) and
    /// `\usepackage[T1]{fontenc}`: ASCII and the Latin, punctuation and symbol characters of
    /// the T1 and TS1 encodings, written as UTF-8. Greek letters and common mathematical
    /// symbols are written as math (`{$\alpha$}`), anything else (Latin letters outside T1
    /// such as `ạ`, CJK, Cyrillic, emoji...) transliterated to ASCII (`deunicode`); every
    /// such character is reported. (Accent commands such as `\d{a}` would do for bibtex, but
    /// biber decodes them back to UTF-8 that pdflatex cannot set.)
    #[default]
    Pdflatex,
    /// Everything as UTF-8, for tools that read Unicode: biber, pybtex and Sphinx,
    /// citation-js, XeLaTeX and LuaLaTeX. Characters pdflatex could not set are still
    /// reported, as kept. (The escapes of the reserved characters stay: pybtex 0.26 shows
    /// `\$`, `\textbraceleft`, `\textasciicircum` and `\textasciigrave` as they are in
    /// HTML, while `\&`, `\%`, `\#`, `\_`, `\textasciitilde` and `\textbackslash`
    /// render as the characters.)
    Unicode,
}

/// How a character that pdflatex cannot set was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Substitution {
    /// As inline math: Greek letters, mathematical symbols, combining accents on a letter.
    Math,
    /// Transliterated to ASCII (`deunicode`): the reader sees an approximation.
    Transliterated,
    /// Left out: there is no ASCII approximation (a lone combining mark, a format character).
    Removed,
    /// Kept as UTF-8 under [`Charset::Unicode`]; pdflatex would stop with an error on it.
    Kept,
}

/// A character (or a letter with combining marks) that pdflatex cannot set, and what was
/// written in its place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Unsettable {
    /// The text as it was (NFC).
    pub text: String,
    /// What the field holds instead (LaTeX source).
    pub written_as: String,
    /// What sort of substitute it is.
    pub how: Substitution,
}

/// A field value as LaTeX source, with the characters that needed substitutes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Escaped {
    /// LaTeX source for a brace-delimited BibTeX field value.
    pub text: String,
    /// One entry per distinct unsettable text, in order of first appearance.
    pub unsettable: Vec<Unsettable>,
}

/// Normalises text before it is written anywhere: Unicode NFC (decomposed accents crash
/// pdflatex), control and byte-order-mark characters removed, every run of white space
/// (including no-break spaces and line breaks) turned into one space, ends trimmed.
pub fn normalize_text(raw: &str) -> String {
    // Drop invisible characters first, so that NFC can compose what they separated.
    let visible = raw
        .chars()
        .filter(|&c| c.is_whitespace() || !(c.is_control() || c == '\u{feff}'));
    if raw.is_ascii() {
        // ASCII text is in NFC already: nothing to compose (most fields of most entries).
        collapse_white_space(visible, raw.len())
    } else {
        collapse_white_space(visible.nfc(), raw.len())
    }
}

/// The characters with every run of white space turned into one space, ends trimmed.
fn collapse_white_space(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Whether pdflatex with `inputenc` (utf8) and `fontenc` (T1) sets the character as it is,
/// with no package beyond those two. Printable ASCII counts, though some ASCII characters
/// still need escaping as LaTeX syntax (see [`escape_text`]).
pub fn is_pdflatex_settable(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_control();
    }
    let code = c as u32;
    PDFLATEX_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < code {
                std::cmp::Ordering::Less
            } else if lo > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Escapes text for a BibTeX field value: `& % $ # _` as `\& \% \$ \# \_`; `{ } ~ ^ \` and
/// `` ` `` as `\textbraceleft{}`, `\textbraceright{}`, `\textasciitilde{}`,
/// `\textasciicircum{}`, `\textbackslash{}`, `\textasciigrave{}` (never `\~`, `\^` or
/// `\\`, which are an accent, an accent and a line break); the ligatures `--`, `''` and
/// `,,` broken with `{}` so they print as typed. The text is normalised first
/// ([`normalize_text`]); characters outside `charset` get substitutes and are reported.
pub fn escape_text(raw: &str, charset: Charset) -> Escaped {
    escape_text_with(raw, charset, Policy::default())
}

/// Which substitutes [`Charset::Pdflatex`] may use besides transliteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Greek letters and mathematical symbols as inline math. Off for names: a name in
    /// Greek script is transliterated, not set in math italics.
    pub math: bool,
    /// `--`, `''` and `,,` broken with `{}` so they print as typed. Off for names: biber
    /// makes broken initials from `-{}-`, and a name has no use for the ligatures.
    pub ligatures: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            math: true,
            ligatures: true,
        }
    }
}

/// [`escape_text`] with a substitution policy.
pub(crate) fn escape_text_with(raw: &str, charset: Charset, policy: Policy) -> Escaped {
    let text = normalize_text(raw);
    let mut out = Escaped::default();
    escape_into(&text, charset, policy, &mut out);
    out
}

/// Escapes a title like [`escape_text`] and brace-protects words whose case BibTeX styles
/// must not change: words with an inner capital or in all capitals (`{BERT}`, `{PyTorch}`,
/// `{ImageNet}`, `{R-CNN}`, `{3D}`) and single capital letters other than "A". The title
/// keeps its case otherwise, and is never wrapped whole in double braces.
pub fn escape_title(raw: &str, charset: Charset) -> Escaped {
    escape_title_with(raw, charset, Policy::default())
}

/// [`escape_title`] with a substitution policy.
pub(crate) fn escape_title_with(raw: &str, charset: Charset, policy: Policy) -> Escaped {
    let text = normalize_text(raw);
    let mut out = Escaped::default();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.text.push(' ');
        }
        if !needs_case_protection(word) {
            escape_into(word, charset, policy, &mut out);
            continue;
        }
        // Protect the word without its surrounding punctuation: `({BERT}):`.
        let core_start = word.find(char::is_alphanumeric).unwrap_or(0);
        let core_end = word
            .rfind(char::is_alphanumeric)
            .map(|i| i + word[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(word.len());
        let (head, core, tail) = (
            &word[..core_start],
            &word[core_start..core_end],
            &word[core_end..],
        );
        escape_into(head, charset, policy, &mut out);
        let mut inner = Escaped::default();
        escape_into(core, charset, policy, &mut inner);
        // `{\...}` at brace depth 0 is a BibTeX "special character", whose letters
        // `change.case$` still changes; `{{\...}}` is plain protection.
        if inner.text.starts_with('\\') {
            out.text.push_str("{{");
            out.text.push_str(&inner.text);
            out.text.push_str("}}");
        } else {
            out.text.push('{');
            out.text.push_str(&inner.text);
            out.text.push('}');
        }
        merge_unsettable(&mut out.unsettable, inner.unsettable);
        escape_into(tail, charset, policy, &mut out);
    }
    out
}

/// Escapes a title that may hold raw LaTeX spans ([`crate::domain::latex_spans`]): the
/// text between them as [`escape_title_with`], each math span written as it is inside one
/// pair of braces (`{$\mathcal{O}(n)$}`: protection never splits it), each command as it
/// is. A lower-case word at the very start (`tinyflow: …`, a brand) is brace-protected, as
/// styles that capitalise the first word would change it.
pub(crate) fn escape_rich_title_with(raw: &str, charset: Charset, policy: Policy) -> Escaped {
    use crate::domain::{LatexSpan, latex_spans};
    let text = normalize_text(raw);
    let mut out = Escaped::default();
    for (i, span) in latex_spans(&text).into_iter().enumerate() {
        match span {
            LatexSpan::Text(t) => {
                if t.starts_with(' ') && !out.text.is_empty() {
                    out.text.push(' ');
                }
                let escaped = if i == 0 {
                    escape_first_words(t, charset, policy)
                } else {
                    escape_title_with(t, charset, policy)
                };
                out.text.push_str(&escaped.text);
                merge_unsettable(&mut out.unsettable, escaped.unsettable);
                if t.ends_with(' ') && !t.trim().is_empty() {
                    out.text.push(' ');
                }
            }
            LatexSpan::Math(m) => {
                out.text.push('{');
                out.text.push_str(m);
                out.text.push('}');
            }
            LatexSpan::Command(c) => out.text.push_str(c),
        }
    }
    out
}

/// [`escape_title_with`] with a lower-case first word brace-protected.
fn escape_first_words(text: &str, charset: Charset, policy: Policy) -> Escaped {
    let trimmed = text.trim_start();
    let word_end = trimmed
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(trimmed.len());
    let word = &trimmed[..word_end];
    let lower_start = word.chars().next().is_some_and(char::is_lowercase);
    if !lower_start || needs_case_protection(word) {
        return escape_title_with(text, charset, policy);
    }
    let mut out = Escaped::default();
    let mut inner = Escaped::default();
    escape_into(word, charset, policy, &mut inner);
    out.text.push('{');
    out.text.push_str(&inner.text);
    out.text.push('}');
    merge_unsettable(&mut out.unsettable, inner.unsettable);
    let rest = &trimmed[word_end..];
    if !rest.is_empty() {
        let escaped = escape_title_with(rest, charset, policy);
        if rest.starts_with(' ') {
            out.text.push(' ');
        }
        out.text.push_str(&escaped.text);
        merge_unsettable(&mut out.unsettable, escaped.unsettable);
    }
    out
}

/// Whether a title word needs braces to keep its case under BibTeX's `change.case$`, biber's
/// and pybtex's sentence casing: it has a capital letter after its first character in any
/// of its parts (split at hyphens, slashes and other punctuation), or it is a single
/// capital letter other than "A".
pub fn needs_case_protection(word: &str) -> bool {
    // Letters without case (CJK, Thai...) separate parts like punctuation does.
    let caseless = |c: char| c.is_alphabetic() && !c.is_uppercase() && !c.is_lowercase();
    word.split(|c: char| !c.is_alphanumeric() || caseless(c))
        .filter(|part| !part.is_empty())
        .any(|part| {
            let mut chars = part.chars();
            let first = chars.next();
            let inner_capital = chars.any(char::is_uppercase);
            let lone_capital = part.chars().count() == 1 && first.is_some_and(char::is_uppercase);
            inner_capital || (lone_capital && part != "A")
        })
}

fn escape_into(text: &str, charset: Charset, policy: Policy, out: &mut Escaped) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A base character and the combining marks NFC could not fold into it.
        let mut end = i + 1;
        while end < chars.len() && is_combining_mark(chars[end]) {
            end += 1;
        }
        let mut cluster = &chars[i..end];
        let next = chars.get(end).copied();
        i = end;

        let base = cluster[0];
        let math_accent_candidate = charset == Charset::Pdflatex
            && policy.math
            && cluster.len() > 1
            && base.is_ascii_alphabetic();
        if base.is_ascii() && !math_accent_candidate {
            // Marks on an ASCII character never join it: `{` + U+0301 is still a brace
            // to escape; the marks are handled on their own below.
            let next = if cluster.len() == 1 {
                next
            } else {
                cluster[1].into()
            };
            escape_ascii(base, next.filter(|_| policy.ligatures), &mut out.text);
            cluster = &cluster[1..];
            if cluster.is_empty() {
                continue;
            }
        }
        if let [c] = cluster
            && is_pdflatex_settable(*c)
        {
            out.text.push(*c);
            continue;
        }
        let original: String = cluster.iter().collect();
        let (written_as, how) = match charset {
            Charset::Unicode => (original.clone(), Substitution::Kept),
            Charset::Pdflatex => substitute(cluster, next, policy),
        };
        // Syllabic transliterations are words (`深度` → `Shen Du`): keep them apart from
        // the letters before them (`基于Python的` → `Ji Yu Python De`).
        if how == Substitution::Transliterated
            && written_as.ends_with(' ')
            && out.text.ends_with(|c: char| c.is_ascii_alphanumeric())
        {
            out.text.push(' ');
        }
        out.text.push_str(&written_as);
        record(
            &mut out.unsettable,
            Unsettable {
                text: original,
                written_as,
                how,
            },
        );
    }
}

fn escape_ascii(c: char, next: Option<char>, out: &mut String) {
    match c {
        '&' | '%' | '$' | '#' | '_' => {
            out.push('\\');
            out.push(c);
        }
        '{' => out.push_str(r"\textbraceleft{}"),
        '}' => out.push_str(r"\textbraceright{}"),
        '~' => out.push_str(r"\textasciitilde{}"),
        '^' => out.push_str(r"\textasciicircum{}"),
        '\\' => out.push_str(r"\textbackslash{}"),
        '`' => out.push_str(r"\textasciigrave{}"),
        '-' | '\'' | ',' if next == Some(c) => {
            out.push(c);
            out.push_str("{}");
        }
        _ => out.push(c),
    }
}

/// A pdflatex-safe substitute for a character or cluster outside the settable set.
///
/// `next` is the character after the cluster: a transliteration that `deunicode` ends with
/// a space (a syllable: `深` → `Shen `) keeps it only before a letter or digit.
fn substitute(cluster: &[char], next: Option<char>, policy: Policy) -> (String, Substitution) {
    if policy.math
        && let [c] = cluster
        && let Some(math) = math_for(*c)
    {
        return (format!("{{${math}$}}"), Substitution::Math);
    }
    // A letter with combining marks: one mark over an ASCII letter or a Greek letter is
    // math (`x̂` → `$\hat{x}$`) when the mark has a math accent.
    if let [base, mark] = cluster
        && policy.math
    {
        let base_math = if base.is_ascii_alphabetic() {
            Some(base.to_string())
        } else {
            math_for(*base)
                .filter(|_| is_greek(*base))
                .map(str::to_owned)
        };
        if let (Some(base_math), Some(accent)) = (base_math, math_accent(*mark)) {
            return (
                format!("{{$\\{accent}{{{base_math}}}$}}"),
                Substitution::Math,
            );
        }
    }
    // A Greek letter with an accent (`ά`): the bare letter as math.
    if let [c] = cluster {
        let decomposed: Vec<char> = c.nfd().collect();
        if policy.math
            && is_greek(decomposed[0])
            && let Some(math) = math_for(decomposed[0])
        {
            return (format!("{{${math}$}}"), Substitution::Math);
        }
    }
    // Anything else: an ASCII transliteration of the base characters, escaped.
    let folded: String = cluster
        .iter()
        .filter(|c| !is_combining_mark(**c))
        .filter_map(|c| deunicode::deunicode_char(*c))
        .collect();
    let keep_space = folded.ends_with(' ') && next.is_some_and(char::is_alphanumeric);
    let mut folded = normalize_text(&folded);
    if folded.is_empty() {
        return (String::new(), Substitution::Removed);
    }
    if keep_space {
        folded.push(' ');
    }
    let mut escaped = String::new();
    let folded: Vec<char> = folded.chars().collect();
    for (i, c) in folded.iter().enumerate() {
        if c.is_ascii() {
            escape_ascii(
                *c,
                folded.get(i + 1).copied().filter(|_| policy.ligatures),
                &mut escaped,
            );
        }
    }
    (escaped, Substitution::Transliterated)
}

fn record(list: &mut Vec<Unsettable>, item: Unsettable) {
    if !list.iter().any(|u| u.text == item.text) {
        list.push(item);
    }
}

fn merge_unsettable(into: &mut Vec<Unsettable>, from: Vec<Unsettable>) {
    for item in from {
        record(into, item);
    }
}

fn is_greek(c: char) -> bool {
    ('\u{370}'..='\u{3ff}').contains(&c)
}

/// Math-mode source for Greek letters and common mathematical symbols, as `unicode-math`
/// names them (its `unicode-math-table.tex`), restricted to what plain LaTeX defines.
fn math_for(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => r"\alpha",
        'β' => r"\beta",
        'γ' => r"\gamma",
        'δ' => r"\delta",
        'ε' => r"\varepsilon",
        'ϵ' => r"\epsilon",
        'ζ' => r"\zeta",
        'η' => r"\eta",
        'θ' => r"\theta",
        'ϑ' => r"\vartheta",
        'ι' => r"\iota",
        'κ' => r"\kappa",
        'λ' => r"\lambda",
        'μ' => r"\mu",
        'ν' => r"\nu",
        'ξ' => r"\xi",
        'ο' => "o",
        'π' => r"\pi",
        'ϖ' => r"\varpi",
        'ρ' => r"\rho",
        'ϱ' => r"\varrho",
        'ς' => r"\varsigma",
        'σ' => r"\sigma",
        'τ' => r"\tau",
        'υ' => r"\upsilon",
        'φ' => r"\varphi",
        'ϕ' => r"\phi",
        'χ' => r"\chi",
        'ψ' => r"\psi",
        'ω' => r"\omega",
        'Γ' => r"\Gamma",
        'Δ' => r"\Delta",
        'Θ' => r"\Theta",
        'Λ' => r"\Lambda",
        'Ξ' => r"\Xi",
        'Π' => r"\Pi",
        'Σ' => r"\Sigma",
        'Υ' => r"\Upsilon",
        'Φ' => r"\Phi",
        'Ψ' => r"\Psi",
        'Ω' => r"\Omega",
        'Α' => r"\mathrm{A}",
        'Β' => r"\mathrm{B}",
        'Ε' => r"\mathrm{E}",
        'Ζ' => r"\mathrm{Z}",
        'Η' => r"\mathrm{H}",
        'Ι' => r"\mathrm{I}",
        'Κ' => r"\mathrm{K}",
        'Μ' => r"\mathrm{M}",
        'Ν' => r"\mathrm{N}",
        'Ο' => r"\mathrm{O}",
        'Ρ' => r"\mathrm{P}",
        'Τ' => r"\mathrm{T}",
        'Χ' => r"\mathrm{X}",
        '−' => "-",
        '∞' => r"\infty",
        '≤' => r"\leq",
        '≥' => r"\geq",
        '≠' => r"\neq",
        '≈' => r"\approx",
        '∼' => r"\sim",
        '≃' => r"\simeq",
        '≅' => r"\cong",
        '≡' => r"\equiv",
        '≪' => r"\ll",
        '≫' => r"\gg",
        '∝' => r"\propto",
        '∈' => r"\in",
        '∉' => r"\notin",
        '∋' => r"\ni",
        '⊂' => r"\subset",
        '⊃' => r"\supset",
        '⊆' => r"\subseteq",
        '⊇' => r"\supseteq",
        '∪' => r"\cup",
        '∩' => r"\cap",
        '∧' => r"\wedge",
        '∨' => r"\vee",
        '∀' => r"\forall",
        '∃' => r"\exists",
        '∅' => r"\emptyset",
        '∂' => r"\partial",
        '∇' => r"\nabla",
        '∑' => r"\sum",
        '∏' => r"\prod",
        '∫' => r"\int",
        '√' => r"\surd",
        'ℓ' => r"\ell",
        'ℏ' => r"\hbar",
        'ℵ' => r"\aleph",
        '∗' => r"\ast",
        '∘' => r"\circ",
        '⋅' => r"\cdot",
        '⊕' => r"\oplus",
        '⊗' => r"\otimes",
        '⊙' => r"\odot",
        '⊤' => r"\top",
        '⊥' => r"\perp",
        '⊢' => r"\vdash",
        '⊨' => r"\models",
        '∣' => r"\mid",
        '∥' => r"\parallel",
        '⇒' => r"\Rightarrow",
        '⇐' => r"\Leftarrow",
        '⇔' => r"\Leftrightarrow",
        '↔' => r"\leftrightarrow",
        '↦' => r"\mapsto",
        '⟶' => r"\longrightarrow",
        '⁰' => "^{0}",
        '⁴' => "^{4}",
        '⁵' => "^{5}",
        '⁶' => "^{6}",
        '⁷' => "^{7}",
        '⁸' => "^{8}",
        '⁹' => "^{9}",
        '⁺' => "^{+}",
        '⁻' => "^{-}",
        'ⁿ' => "^{n}",
        'ⁱ' => "^{i}",
        '₀' => "_{0}",
        '₁' => "_{1}",
        '₂' => "_{2}",
        '₃' => "_{3}",
        '₄' => "_{4}",
        '₅' => "_{5}",
        '₆' => "_{6}",
        '₇' => "_{7}",
        '₈' => "_{8}",
        '₉' => "_{9}",
        _ => return None,
    })
}

/// Math accents for combining marks.
fn math_accent(mark: char) -> Option<&'static str> {
    Some(match mark {
        '\u{300}' => "grave",
        '\u{301}' => "acute",
        '\u{302}' => "hat",
        '\u{303}' => "tilde",
        '\u{304}' | '\u{305}' => "bar",
        '\u{306}' => "breve",
        '\u{307}' => "dot",
        '\u{308}' => "ddot",
        '\u{30c}' => "check",
        '\u{20d7}' => "vec",
        _ => return None,
    })
}

/// Non-ASCII code points pdflatex sets with `inputenc` (utf8) and `fontenc` (T1), as
/// inclusive ranges. Made by compiling every character declared in TeX Live 2022's
/// `*.dfu` files (`\DeclareUnicodeCharacter`) in a document with
/// `\usepackage[T1]{fontenc}\usepackage{lmodern}` and `\tracinglostchars=3`, and keeping
/// those that produced no error.
const PDFLATEX_RANGES: &[(u32, u32)] = &[
    (0x00A0, 0x0125), // no-break space … ĥ (Latin-1 Supplement, Latin Extended-A)
    (0x0128, 0x0137),
    (0x0139, 0x013E),
    (0x0141, 0x0148),
    (0x014A, 0x0165),
    (0x0168, 0x017E),
    (0x0192, 0x0192), // ƒ
    (0x01C4, 0x01D4),
    (0x01E2, 0x01E3),
    (0x01E6, 0x01EB),
    (0x01F0, 0x01F0),
    (0x01F4, 0x01F5),
    (0x0218, 0x021B), // Ș ș Ț ț
    (0x0232, 0x0233),
    (0x0237, 0x0237),
    (0x02C6, 0x02C7),
    (0x02D8, 0x02D9),
    (0x02DB, 0x02DD),
    (0x0E3F, 0x0E3F), // ฿
    (0x1E02, 0x1E03),
    (0x1E0D, 0x1E0D),
    (0x1E1E, 0x1E21),
    (0x1E25, 0x1E25),
    (0x1E30, 0x1E31),
    (0x1E37, 0x1E37),
    (0x1E43, 0x1E43),
    (0x1E45, 0x1E45),
    (0x1E47, 0x1E47),
    (0x1E5B, 0x1E5B),
    (0x1E63, 0x1E63),
    (0x1E6D, 0x1E6D),
    (0x1E8E, 0x1E91),
    (0x1E9E, 0x1E9E), // ẞ
    (0x1EF2, 0x1EF3),
    (0x200C, 0x200C), // zero-width non-joiner
    (0x2010, 0x2016), // hyphens and dashes
    (0x2018, 0x201A), // single quotes
    (0x201C, 0x201E), // double quotes
    (0x2020, 0x2022), // † ‡ •
    (0x2026, 0x2026), // …
    (0x2030, 0x2031), // ‰ ‱
    (0x2039, 0x203B),
    (0x203D, 0x203D),
    (0x2044, 0x2044),
    (0x204E, 0x204E),
    (0x2052, 0x2052),
    (0x20A1, 0x20A1),
    (0x20A4, 0x20A4),
    (0x20A6, 0x20A6),
    (0x20A9, 0x20A9),
    (0x20AB, 0x20AC), // ₫ €
    (0x20B1, 0x20B1),
    (0x2103, 0x2103),
    (0x2116, 0x2117),
    (0x211E, 0x211E),
    (0x2120, 0x2120),
    (0x2122, 0x2122), // ™
    (0x2126, 0x2127), // Ω (ohm) ℧
    (0x212E, 0x212E),
    (0x2190, 0x2193), // ← ↑ → ↓
    (0x2329, 0x232A),
    (0x2422, 0x2423),
    (0x25E6, 0x25E6),
    (0x25EF, 0x25EF),
    (0x266A, 0x266A),
    (0x27E8, 0x27E9),
    (0x3008, 0x3009),
    (0xFB00, 0xFB06), // ﬀ … ﬆ ligatures
];

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        escape_text(s, Charset::Pdflatex).text
    }

    fn title(s: &str) -> String {
        escape_title(s, Charset::Pdflatex).text
    }

    #[test]
    fn reserved_characters_are_escaped_as_the_issue_lists() {
        assert_eq!(esc("R&D 50% $5 #1 a_b"), r"R\&D 50\% \$5 \#1 a\_b");
        assert_eq!(
            esc("{x} ~ ^ \\"),
            r"\textbraceleft{}x\textbraceright{} \textasciitilde{} \textasciicircum{} \textbackslash{}"
        );
        let all = esc("~^\\{}&%$#_`");
        for bad in [r"\~", r"\^", r"\\"] {
            assert!(!all.contains(bad), "{all} contains {bad}");
        }
    }

    #[test]
    fn ligatures_print_as_typed() {
        assert_eq!(esc("a--b---c"), "a-{}-b-{}-{}-c");
        assert_eq!(esc("''x'' ,,y"), "'{}'x'{}' ,{},y");
        assert_eq!(esc("well-known"), "well-known");
    }

    #[test]
    fn text_is_nfc_with_white_space_collapsed() {
        let decomposed = "Mu\u{308}ller\u{a0}and\tco\n";
        assert_eq!(normalize_text(decomposed), "Müller and co");
        assert_eq!(esc(decomposed), "Müller and co");
        assert_eq!(normalize_text("\u{feff} a\u{0}b \u{7} "), "ab");
        // ASCII alone takes the path without composition, to the same rules.
        assert_eq!(
            normalize_text("  Deep\tlearning\r\n\u{1b}x \u{7f}"),
            "Deep learning x"
        );
    }

    #[test]
    fn latin_accents_stay_utf8_for_pdflatex() {
        let r = escape_text(
            "Gödel, Łukasiewicz, Dvořák, Ș, façade, œuvre, ß – “q”",
            Charset::Pdflatex,
        );
        assert_eq!(
            r.text,
            "Gödel, Łukasiewicz, Dvořák, Ș, façade, œuvre, ß – “q”"
        );
        assert!(r.unsettable.is_empty());
    }

    #[test]
    fn greek_and_math_become_math_and_are_reported() {
        let r = escape_text("β-VAE ≤ ∞", Charset::Pdflatex);
        assert_eq!(r.text, r"{$\beta$}-VAE {$\leq$} {$\infty$}");
        assert_eq!(r.unsettable.len(), 3);
        assert!(r.unsettable.iter().all(|u| u.how == Substitution::Math));
        assert_eq!(r.unsettable[0].text, "β");
    }

    #[test]
    fn other_scripts_are_transliterated_and_reported() {
        let r = escape_text("深度学习 Привет", Charset::Pdflatex);
        assert!(r.text.is_ascii());
        assert!(r.text.contains("Shen"), "{}", r.text);
        assert!(r.text.contains("Privet"), "{}", r.text);
        assert!(
            r.unsettable
                .iter()
                .all(|u| u.how == Substitution::Transliterated)
        );
        assert_eq!(r.unsettable.len(), 10);
    }

    #[test]
    fn rare_accents_become_math_or_are_transliterated() {
        let r = escape_text("ạ ǹ x\u{302} q\u{303} Nguyễn", Charset::Pdflatex);
        assert_eq!(r.text, r"a n {$\hat{x}$} {$\tilde{q}$} Nguyen");
        let hows: Vec<Substitution> = r.unsettable.iter().map(|u| u.how).collect();
        assert_eq!(
            hows,
            [
                Substitution::Transliterated,
                Substitution::Transliterated,
                Substitution::Math,
                Substitution::Math,
                Substitution::Transliterated
            ]
        );
    }

    #[test]
    fn unicode_charset_keeps_everything_but_reports_it() {
        let r = escape_text("深度 β café", Charset::Unicode);
        assert_eq!(r.text, "深度 β café");
        assert_eq!(r.unsettable.len(), 3);
        assert!(r.unsettable.iter().all(|u| u.how == Substitution::Kept));
    }

    #[test]
    fn words_with_inner_or_all_capitals_are_protected() {
        assert_eq!(
            title("Faster R-CNN: Towards Real-Time Object Detection"),
            "Faster {R-CNN}: Towards Real-Time Object Detection"
        );
        assert_eq!(
            title("BERT and PyTorch on ImageNet in 3D with t-SNE"),
            "{BERT} and {PyTorch} on {ImageNet} in {3D} with {t-SNE}"
        );
        assert_eq!(
            title("A Survey of U-Net, Part I"),
            "A Survey of {U-Net}, Part {I}"
        );
        assert_eq!(title("(BERT)"), "({BERT})");
        assert_eq!(title("Deep learning"), "Deep learning");
        assert_eq!(title("β-VAE"), r"{{$\beta$}-VAE}");
        assert_eq!(title("#PyTorch tips"), r"\#{PyTorch} tips");
        assert_eq!(title("GPT-4 & Über"), r"{GPT-4} \& Über");
    }

    #[test]
    fn whole_titles_are_never_double_braced() {
        let t = title("ALL CAPS TITLE");
        assert_eq!(t, "{ALL} {CAPS} {TITLE}");
        assert!(!t.starts_with("{{"));
    }

    #[test]
    fn the_settable_table_is_sorted_and_disjoint() {
        for pair in PDFLATEX_RANGES.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0);
        }
        assert!(is_pdflatex_settable('é'));
        assert!(is_pdflatex_settable('€'));
        assert!(is_pdflatex_settable('–'));
        assert!(!is_pdflatex_settable('α'));
        assert!(!is_pdflatex_settable('深'));
        assert!(!is_pdflatex_settable('\u{7}'));
    }
}
