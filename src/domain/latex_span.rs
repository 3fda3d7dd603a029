//! Text with raw LaTeX spans: the one model of a title that import, API and writers share.
//!
//! A title is plain Unicode text in which two kinds of span are raw LaTeX, kept as the
//! author wrote them: inline math between dollars (`$\mathcal{O}(n)$`), found by pandoc's
//! `tex_math_dollars` rule (the opening `$` has a non-space character right after it, the
//! closing `$` a non-space character right before it and no digit right after it, so
//! `$5 and $10` is text), and a command the importer did not know (`\foo{bar}`: a
//! backslash, ASCII letters, then one or more brace groups right after; the importer
//! writes an argument-less one as `\foo{}`). BibTeX writers emit these
//! spans as they are; CSL-JSON, RIS and search show [`plain`] text.

/// One piece of a text with raw LaTeX spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatexSpan<'a> {
    /// Plain Unicode text.
    Text(&'a str),
    /// Inline math, with its dollars: `$k$`.
    Math(&'a str),
    /// A LaTeX command with its brace groups: `\foo{bar}`.
    Command(&'a str),
}

/// Cuts `text` into plain text and raw LaTeX spans (see the module documentation).
/// Concatenating the spans gives `text` back.
pub fn latex_spans(text: &str) -> Vec<LatexSpan<'_>> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'$' => math_end(text, i),
            b'\\' => command_end(text, i),
            _ => None,
        };
        match end {
            Some(end) => {
                if start < i {
                    spans.push(LatexSpan::Text(&text[start..i]));
                }
                let raw = &text[i..end];
                spans.push(if bytes[i] == b'$' {
                    LatexSpan::Math(raw)
                } else {
                    LatexSpan::Command(raw)
                });
                i = end;
                start = end;
            }
            None => i += 1,
        }
    }
    if start < text.len() {
        spans.push(LatexSpan::Text(&text[start..]));
    }
    spans
}

/// Whether `text` holds any raw LaTeX span.
pub fn has_latex_spans(text: &str) -> bool {
    latex_spans(text)
        .iter()
        .any(|s| !matches!(s, LatexSpan::Text(_)))
}

/// The end (exclusive) of the math span opened by the `$` at `open`, by pandoc's rule.
fn math_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = *bytes.get(open + 1)?;
    if first.is_ascii_whitespace() || first == b'$' {
        return None;
    }
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'$' => {
                let before = bytes[i - 1];
                let after = bytes.get(i + 1).copied();
                if !before.is_ascii_whitespace() && !after.is_some_and(|b| b.is_ascii_digit()) {
                    return Some(i + 1);
                }
                return None;
            }
            _ => i += 1,
        }
    }
    None
}

/// The end (exclusive) of a command at the `\` at `at`: its letters and the balanced brace
/// groups right after them. `None` when no letter follows the backslash.
fn command_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = at + 1;
    while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
        i += 1;
    }
    if i == at + 1 {
        return None;
    }
    let name_end = i;
    while bytes.get(i) == Some(&b'{') {
        match group_end(bytes, i) {
            Some(end) => i = end,
            None => break,
        }
    }
    // A backslash and letters alone (`C:\temp`) are text: a command has its group.
    (i > name_end).then_some(i)
}

/// The end (exclusive) of the brace group opened at `open`, if it closes.
fn group_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The text a reader sees: math and commands rendered as plain text (`$\mathcal{O}(n)$`
/// → `O(n)`, `$\alpha$` → `α`, `\foo{bar}` → `bar`), everything else as it is.
pub fn plain(text: &str) -> String {
    let spans = latex_spans(text);
    if spans.iter().all(|s| matches!(s, LatexSpan::Text(_))) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for span in spans {
        match span {
            LatexSpan::Text(t) => out.push_str(t),
            LatexSpan::Math(m) => out.push_str(&plain_latex(&m[1..m.len() - 1])),
            LatexSpan::Command(c) => out.push_str(&plain_latex(c)),
        }
    }
    out
}

/// LaTeX source as plain text: a command with arguments gives its arguments, a known
/// symbol its character, an unknown one nothing; braces go.
fn plain_latex(source: &str) -> String {
    let mut out = String::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphabetic() {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if name.is_empty() {
                    if let Some(symbol) = chars.next() {
                        out.push(symbol);
                    }
                } else if let Some(symbol) = math_symbol(&name) {
                    out.push_str(symbol);
                }
            }
            '{' | '}' => {}
            _ => out.push(c),
        }
    }
    out
}

/// The character of a common math command, or the operator name it prints.
fn math_symbol(name: &str) -> Option<&'static str> {
    const GREEK: &[(&str, &str)] = &[
        ("alpha", "α"),
        ("beta", "β"),
        ("gamma", "γ"),
        ("delta", "δ"),
        ("epsilon", "ε"),
        ("varepsilon", "ε"),
        ("zeta", "ζ"),
        ("eta", "η"),
        ("theta", "θ"),
        ("kappa", "κ"),
        ("lambda", "λ"),
        ("mu", "μ"),
        ("nu", "ν"),
        ("xi", "ξ"),
        ("pi", "π"),
        ("rho", "ρ"),
        ("sigma", "σ"),
        ("tau", "τ"),
        ("phi", "φ"),
        ("varphi", "φ"),
        ("chi", "χ"),
        ("psi", "ψ"),
        ("omega", "ω"),
        ("Gamma", "Γ"),
        ("Delta", "Δ"),
        ("Theta", "Θ"),
        ("Lambda", "Λ"),
        ("Pi", "Π"),
        ("Sigma", "Σ"),
        ("Phi", "Φ"),
        ("Psi", "Ψ"),
        ("Omega", "Ω"),
        ("times", "×"),
        ("cdot", "·"),
        ("pm", "±"),
        ("leq", "≤"),
        ("le", "≤"),
        ("geq", "≥"),
        ("ge", "≥"),
        ("neq", "≠"),
        ("approx", "≈"),
        ("infty", "∞"),
        ("in", "∈"),
        ("to", "→"),
        ("rightarrow", "→"),
        ("leftarrow", "←"),
        ("sum", "∑"),
        ("prod", "∏"),
        ("sqrt", "√"),
        ("log", "log"),
        ("exp", "exp"),
        ("sin", "sin"),
        ("cos", "cos"),
        ("max", "max"),
        ("min", "min"),
        ("ell", "ℓ"),
    ];
    GREEK.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_spans_follow_pandoc_s_dollar_rule() {
        assert_eq!(
            latex_spans(r"Fast $\mathcal{O}(n)$ Sorting for $k$-NN"),
            [
                LatexSpan::Text("Fast "),
                LatexSpan::Math(r"$\mathcal{O}(n)$"),
                LatexSpan::Text(" Sorting for "),
                LatexSpan::Math("$k$"),
                LatexSpan::Text("-NN"),
            ]
        );
        assert_eq!(
            latex_spans("Save $5 and $10 today"),
            [LatexSpan::Text("Save $5 and $10 today")]
        );
        assert!(!has_latex_spans("A $ sign and C:\\ 1 and \\temp"));
    }

    #[test]
    fn commands_keep_their_brace_groups() {
        assert_eq!(
            latex_spans(r"On \foo{bar}{baz} now"),
            [
                LatexSpan::Text("On "),
                LatexSpan::Command(r"\foo{bar}{baz}"),
                LatexSpan::Text(" now"),
            ]
        );
    }

    #[test]
    fn plain_text_is_what_a_reader_sees() {
        assert_eq!(
            plain(r"Fast $\mathcal{O}(n)$ Sorting for $k$-NN"),
            "Fast O(n) Sorting for k-NN"
        );
        assert_eq!(plain(r"$\alpha$-nets and \foo{bar}"), "α-nets and bar");
        assert_eq!(plain("No LaTeX here"), "No LaTeX here");
    }
}
