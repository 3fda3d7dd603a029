//! People and organisations who made a resource, with BibTeX name parts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An author or editor, split into the four BibTeX name parts (the BibTeX manual, "Names":
/// First von Last, Jr) or, for an organisation, one literal name.
///
/// `{"family": "Maaten", "particle": "van der", "given": "Laurens"}`,
/// `{"literal": "OpenAI"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Family name ("Last"), without particle or suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names ("First"), possibly initials ("G.").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// Lower-case particle before the family name ("van der", "de").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub particle: Option<String>,
    /// Generational suffix ("Jr.", "III").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// The whole name of an organisation, never split ("Google Research").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

impl Person {
    /// An organisation or any name that must not be split.
    pub fn literal(name: impl Into<String>) -> Person {
        Person {
            literal: Some(name.into()),
            ..Person::default()
        }
    }

    /// Parses one name written the way BibTeX reads it: `Given von Family`,
    /// `von Family, Given` or `von Family, Jr, Given` (the BibTeX manual; also
    /// Patashnik's "Designing BibTeX styles", §4). Braces group words (`{Barnes and Noble}`)
    /// and a fully braced name is a literal. Returns `None` for an empty name.
    pub fn parse(raw: &str) -> Option<Person> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return None;
        }
        if name.starts_with('{')
            && name.ends_with('}')
            && matching_brace(&name) == Some(name.len() - 1)
        {
            return Some(Person::literal(&name[1..name.len() - 1]));
        }
        let parts: Vec<&str> = split_top_level(&name, ',')
            .into_iter()
            .map(str::trim)
            .collect();
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        match parts.as_slice() {
            [whole] => {
                let words = split_top_level(whole, ' ');
                // First von Last: the von part starts at the first lower-case word that is not
                // the last word; the family name is the rest.
                let last = words.len() - 1;
                let von_start = words[..last].iter().position(|w| starts_lowercase(w));
                match von_start {
                    Some(start) => {
                        let von_end = (start..last)
                            .rev()
                            .find(|&i| starts_lowercase(words[i]))
                            .unwrap_or(start)
                            + 1;
                        Some(Person {
                            given: non_empty(&words[..start].join(" ")),
                            particle: non_empty(&words[start..von_end].join(" ")),
                            family: non_empty(&words[von_end..].join(" ")),
                            ..Person::default()
                        })
                    }
                    None => Some(Person {
                        given: non_empty(&words[..last].join(" ")),
                        family: non_empty(words[last]),
                        ..Person::default()
                    }),
                }
            }
            [von_last, rest @ ..] => {
                let (particle, family) = split_von_last(von_last);
                let (suffix, given) = match rest {
                    [given] => (None, non_empty(given)),
                    [suffix, given, ..] => (non_empty(suffix), non_empty(given)),
                    [] => (None, None),
                };
                Some(Person {
                    family,
                    given,
                    particle,
                    suffix,
                    literal: None,
                })
            }
            [] => None,
        }
    }

    /// The name in display order: "Laurens van der Maaten", "Sammy Davis Jr.", "OpenAI".
    pub fn display_name(&self) -> String {
        if let Some(literal) = &self.literal {
            return literal.clone();
        }
        [&self.given, &self.particle, &self.family, &self.suffix]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The name used for sorting and citation keys: the family name, else the literal.
    pub fn sort_name(&self) -> Option<&str> {
        self.family.as_deref().or(self.literal.as_deref())
    }
}

fn starts_lowercase(word: &str) -> bool {
    word.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_lowercase)
        && !word.starts_with('{')
}

fn split_von_last(von_last: &str) -> (Option<String>, Option<String>) {
    let words = split_top_level(von_last, ' ');
    if words.is_empty() {
        return (None, None);
    }
    let last = words.len() - 1;
    let von_end = words[..last]
        .iter()
        .rposition(|w| starts_lowercase(w))
        .map(|i| i + 1)
        .unwrap_or(0);
    let particle = words[..von_end].join(" ");
    let family = words[von_end..].join(" ");
    (
        (!particle.is_empty()).then_some(particle),
        (!family.is_empty()).then_some(family),
    )
}

/// Index of the `}` matching a `{` at byte 0.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on `sep` outside braces, dropping empty pieces when `sep` is a space.
fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            c if c == sep && depth <= 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    if sep == ' ' {
        out.retain(|w| !w.is_empty());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(family: &str, given: &str) -> Person {
        Person {
            family: Some(family.into()),
            given: Some(given.into()),
            ..Person::default()
        }
    }

    #[test]
    fn first_last_and_last_first_agree() {
        assert_eq!(
            Person::parse("Shaoqing Ren"),
            Some(person("Ren", "Shaoqing"))
        );
        assert_eq!(
            Person::parse("Ren, Shaoqing"),
            Some(person("Ren", "Shaoqing"))
        );
        assert_eq!(Person::parse("G. Hinton"), Some(person("Hinton", "G.")));
    }

    #[test]
    fn particles_and_suffixes_are_their_own_parts() {
        let p = Person::parse("Laurens van der Maaten").unwrap();
        assert_eq!(p.particle.as_deref(), Some("van der"));
        assert_eq!(p.family.as_deref(), Some("Maaten"));
        assert_eq!(p.given.as_deref(), Some("Laurens"));
        let p = Person::parse("van der Maaten, Laurens").unwrap();
        assert_eq!(
            (p.particle.as_deref(), p.family.as_deref()),
            (Some("van der"), Some("Maaten"))
        );
        let p = Person::parse("King, Jr., Martin Luther").unwrap();
        assert_eq!(p.suffix.as_deref(), Some("Jr."));
        assert_eq!(p.given.as_deref(), Some("Martin Luther"));
        assert_eq!(p.display_name(), "Martin Luther King Jr.");
    }

    #[test]
    fn braced_names_are_literals() {
        assert_eq!(
            Person::parse("{Google Research}"),
            Some(Person::literal("Google Research"))
        );
        assert_eq!(Person::parse("  "), None);
    }

    #[test]
    fn a_single_word_is_a_family_name() {
        assert_eq!(
            Person::parse("Plato").unwrap().family.as_deref(),
            Some("Plato")
        );
    }
}
