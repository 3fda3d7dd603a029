//! `@string` macros, expanded as BibTeX expands them: a definition is read when it is
//! made, from the macros defined before it. A name used in its own definition therefore
//! means the earlier macro of that name, or none, so a definition can never refer to
//! itself and expansion never recurses. Sizes are bounded: no field expands past
//! [`MAX_FIELD_CHARS`] characters, and a file's macros expand to at most
//! [`MAX_FILE_CHARS`] in all, so `a = b # b` twenty times over cannot blow up.

use std::collections::HashMap;
use std::ops::Range;

use biblatex::{Pair, RawChunk, Spanned};

/// Longest expansion of one field, in characters; every piece of text counts at least one,
/// so that empty pieces cannot pile up either.
pub(super) const MAX_FIELD_CHARS: usize = 100_000;
/// Most characters a file's macros may expand to, over all its fields.
pub(super) const MAX_FILE_CHARS: usize = 10_000_000;

/// A field's value as `biblatex` takes it.
pub(super) type Field<'s> = Vec<Spanned<RawChunk<'s>>>;

/// One piece of a macro's value.
#[derive(Debug, Clone)]
enum Part<'s> {
    /// Text as written, or a month abbreviation that `biblatex` resolves (`sep`).
    Chunk(RawChunk<'s>),
    /// The value of an earlier definition, by index into [`Macros::values`].
    Macro(usize),
}

/// A macro's expanded value: pieces, never a name still to look up.
#[derive(Debug)]
struct Value<'s> {
    parts: Vec<Part<'s>>,
    /// Characters of the expansion, plus one per macro reference (the cost of expanding it).
    size: usize,
}

/// What a macro name stands for.
#[derive(Debug, Clone, Copy)]
enum Defined {
    /// Index into [`Macros::values`].
    Value(usize),
    /// Its expansion would pass [`MAX_FIELD_CHARS`]; fields that use it are not read.
    TooLong,
}

/// Why a value cannot be expanded.
enum Unexpandable<'s> {
    /// It uses its own name and no earlier macro has that name.
    Recursive,
    /// It would pass [`MAX_FIELD_CHARS`]; through the named macro, if one is to blame.
    TooLong(Option<&'s str>),
}

/// The macros defined so far in a file.
#[derive(Debug, Default)]
pub(super) struct Macros<'s> {
    values: Vec<Value<'s>>,
    /// By name in lower case: BibTeX macro names ignore case.
    names: HashMap<String, Defined>,
    /// Characters expanded from macros so far, against [`MAX_FILE_CHARS`].
    expanded: usize,
}

/// A value read against the macros: its pieces with the span of the text they stand for,
/// and the undefined names kept as text.
struct Expansion<'s> {
    parts: Vec<(Part<'s>, Range<usize>)>,
    size: usize,
    undefined: Vec<&'s str>,
}

impl<'s> Macros<'s> {
    /// Defines the macros of one `@string`, in order; returns remarks for the report.
    pub(super) fn define(&mut self, pairs: &[Pair<'s>]) -> Vec<String> {
        let mut remarks = Vec::new();
        for pair in pairs {
            let name = pair.key.v;
            let defined = match self.read(&pair.value.v, Some(name)) {
                Ok(expansion) => {
                    for undefined in expansion.undefined {
                        remarks.push(format!(
                            "@string `{name}` uses the undefined macro `{undefined}` (macros must be defined before they are used): its name is kept as the value"
                        ));
                    }
                    self.values.push(Value {
                        parts: expansion.parts.into_iter().map(|(part, _)| part).collect(),
                        size: expansion.size,
                    });
                    Defined::Value(self.values.len() - 1)
                }
                Err(Unexpandable::Recursive) => {
                    remarks.push(format!(
                        "@string `{name}` is defined in terms of itself: a recursive definition is not expanded, and `{name}` stays undefined"
                    ));
                    continue;
                }
                Err(Unexpandable::TooLong(via)) => {
                    if via.is_none() {
                        remarks.push(format!(
                            "@string `{name}` would expand to more than {MAX_FIELD_CHARS} characters: fields that use it are not read"
                        ));
                    }
                    Defined::TooLong
                }
            };
            self.names.insert(name.to_lowercase(), defined);
        }
        remarks
    }

    /// Expands an entry's field into chunks `biblatex` reads (text, and month names it
    /// resolves), each macro's text spanned where the macro is used. Returns the value and
    /// the undefined macro names it keeps as text, or why the field is not read.
    pub(super) fn expand(
        &mut self,
        value: &Field<'s>,
    ) -> Result<(Field<'s>, Vec<&'s str>), String> {
        let expansion = self.read(value, None).map_err(|err| match err {
            Unexpandable::TooLong(Some(name)) => format!(
                "the @string macro `{name}` expands to more than {MAX_FIELD_CHARS} characters"
            ),
            Unexpandable::TooLong(None) | Unexpandable::Recursive => {
                format!("its value is longer than {MAX_FIELD_CHARS} characters")
            }
        })?;
        let from_macros: usize = expansion
            .parts
            .iter()
            .filter_map(|(part, _)| match part {
                Part::Macro(index) => Some(self.values[*index].size),
                Part::Chunk(_) => None,
            })
            .sum();
        if self.expanded.saturating_add(from_macros) > MAX_FILE_CHARS {
            return Err(format!(
                "the file's @string macros have already been expanded to {MAX_FILE_CHARS} characters in all"
            ));
        }
        self.expanded += from_macros;
        let mut out = Vec::new();
        for (part, span) in expansion.parts {
            match part {
                Part::Chunk(chunk) => out.push(Spanned::new(chunk, span)),
                Part::Macro(index) => self.flatten(index, &span, &mut out),
            }
        }
        Ok((out, expansion.undefined))
    }

    /// Reads a value against the macros defined so far; `defining` is the name of the
    /// macro being defined, if any.
    fn read(
        &self,
        value: &Field<'s>,
        defining: Option<&str>,
    ) -> Result<Expansion<'s>, Unexpandable<'s>> {
        let mut expansion = Expansion {
            parts: Vec::with_capacity(value.len()),
            size: 0,
            undefined: Vec::new(),
        };
        for chunk in value {
            let (part, size) = match chunk.v {
                RawChunk::Normal(text) => (Part::Chunk(chunk.v.clone()), text.chars().count()),
                RawChunk::Abbreviation(name) => match self.names.get(&name.to_lowercase()) {
                    Some(Defined::Value(index)) => {
                        (Part::Macro(*index), self.values[*index].size + 1)
                    }
                    Some(Defined::TooLong) => return Err(Unexpandable::TooLong(Some(name))),
                    None if defining.is_some_and(|d| d.eq_ignore_ascii_case(name)) => {
                        return Err(Unexpandable::Recursive);
                    }
                    None if is_month(name) => (Part::Chunk(chunk.v.clone()), name.len()),
                    None => {
                        if !expansion.undefined.contains(&name) {
                            expansion.undefined.push(name);
                        }
                        (Part::Chunk(RawChunk::Normal(name)), name.len())
                    }
                },
            };
            expansion.size = expansion.size.saturating_add(size.max(1));
            if expansion.size > MAX_FIELD_CHARS {
                return Err(Unexpandable::TooLong(None));
            }
            expansion.parts.push((part, chunk.span.clone()));
        }
        Ok(expansion)
    }

    /// Appends the chunks of a macro's value, depth first without recursion (definitions
    /// can nest as deep as the file is long).
    fn flatten(&self, index: usize, span: &Range<usize>, out: &mut Field<'s>) {
        let mut stack = vec![(index, 0)];
        while let Some((value, next)) = stack.pop() {
            let Some(part) = self.values[value].parts.get(next) else {
                continue;
            };
            stack.push((value, next + 1));
            match part {
                Part::Chunk(chunk) => out.push(Spanned::new(chunk.clone(), span.clone())),
                Part::Macro(inner) => stack.push((*inner, 0)),
            }
        }
    }
}

/// The month names `biblatex` knows when no macro of that name is defined.
fn is_month(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "jan"
            | "feb"
            | "mar"
            | "apr"
            | "may"
            | "jun"
            | "jul"
            | "aug"
            | "sep"
            | "oct"
            | "nov"
            | "dec"
    )
}

#[cfg(test)]
mod tests {
    use biblatex::RawBibliography;

    use super::*;

    fn defined(source: &str) -> Macros<'_> {
        let raw = RawBibliography::parse(source).expect("@string");
        let mut macros = Macros::default();
        assert!(macros.define(&raw.abbreviations).is_empty());
        macros
    }

    fn uses(name: &str) -> Field<'_> {
        vec![Spanned::new(RawChunk::Abbreviation(name), 0..name.len())]
    }

    #[test]
    fn chains_as_deep_as_the_file_expand_without_recursion() {
        let mut source = String::from("@string{m0 = \"x\"");
        for i in 1..40_000 {
            source.push_str(&format!(", m{i} = m{} # \"x\"", i - 1));
        }
        source.push('}');
        let mut macros = defined(&source);
        let (chunks, undefined) = macros.expand(&uses("m39999")).unwrap();
        assert_eq!(chunks.len(), 40_000);
        assert!(undefined.is_empty());
        // Every chunk points where the macro is used.
        assert!(chunks.iter().all(|c| c.span == (0..6)));
    }

    #[test]
    fn a_file_expands_its_macros_within_a_budget() {
        let mut macros = defined("@string{ten = \"0123456789\"}");
        macros.expanded = MAX_FILE_CHARS - 15;
        assert!(macros.expand(&uses("ten")).is_ok());
        let err = macros.expand(&uses("ten")).unwrap_err();
        assert!(err.contains("10000000 characters in all"), "{err}");
        // Text written in the field itself does not count.
        let literal = vec![Spanned::new(RawChunk::Normal("plain"), 0..5)];
        assert!(macros.expand(&literal).is_ok());
    }
}
