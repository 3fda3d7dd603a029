//! The syntax of a search text: items (words, `"phrases"`, `-exclusions`, `field:value`)
//! joined by the boolean operators `AND`, `OR`, `NOT` and parentheses.
//!
//! Precedence, tightest first: `NOT` (and `-`), then `AND` (also implied between
//! neighbouring items), then `OR`; parentheses group. So `a OR b c` is `a OR (b AND c)`
//! and `NOT a b` is `(NOT a) AND b`, as in PostgreSQL's `websearch_to_tsquery` and most
//! boolean search engines. Operators are upper case: `and`, `or` and `not` are words.
//!
//! Nothing is a syntax error. An unbalanced quote is a plain character, an unknown field
//! or a bad value is searched as words, punctuation and symbols are ignored. Operators
//! that do not fit together (`deep AND`, `(grokking`, `OR x`, `()`) make the whole text
//! searched as plain words, operators and parentheses included, with a warning that says
//! why ([`ParsedQuery::warnings`]).

/// A field the query language knows (`field:value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownField {
    /// Words or a phrase in the title (or concept name and aliases).
    Title,
    /// Words or a phrase in the author names.
    Author,
    /// `resource` or `concept`.
    Type,
    /// A resource kind.
    Kind,
    /// A resource level.
    Level,
    /// A concept category.
    Category,
    /// A linked concept, by slug or name.
    Topic,
}

impl KnownField {
    fn parse(name: &str) -> Option<KnownField> {
        Some(match name.to_ascii_lowercase().as_str() {
            "title" | "name" => KnownField::Title,
            "author" | "authors" => KnownField::Author,
            "type" => KnownField::Type,
            "kind" => KnownField::Kind,
            "level" => KnownField::Level,
            "category" => KnownField::Category,
            "topic" | "topics" => KnownField::Topic,
            _ => return None,
        })
    }
}

/// One item of a parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Text searched as words (one whitespace-free chunk of the input).
    Words(String),
    /// A quoted phrase (without its quotes).
    Phrase(String),
    /// `field:value` or `field:"value"` on a known field.
    Field {
        field: KnownField,
        value: String,
        /// The value was quoted: a phrase.
        quoted: bool,
        /// The item as typed, searched as words when the value is not valid.
        typed: String,
    },
}

/// An item, whether it is excluded (`-`), and whether its last word also matches as a
/// prefix (it ends the text, search-as-you-type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub negated: bool,
    pub item: Item,
    pub prefix: bool,
}

/// A query as a boolean expression over clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Clause(Clause),
    /// Every part must match (`AND`, or items side by side); empty: nothing to search.
    And(Vec<Expr>),
    /// At least one part must match (`OR`).
    Or(Vec<Expr>),
    /// The part must not match (`NOT (...)`, `-(...)`); `NOT item` is a negated clause.
    Not(Box<Expr>),
}

/// The syntax of a query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    pub expr: Expr,
    /// Why the text was not read as written (operators that do not fit together), for
    /// the user.
    pub warnings: Vec<String>,
}

impl ParsedQuery {
    /// Every clause, in text order.
    pub fn clauses(&self) -> Vec<&Clause> {
        fn walk<'a>(expr: &'a Expr, out: &mut Vec<&'a Clause>) {
            match expr {
                Expr::Clause(clause) => out.push(clause),
                Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|p| walk(p, out)),
                Expr::Not(inner) => walk(inner, out),
            }
        }
        let mut out = Vec::new();
        walk(&self.expr, &mut out);
        out
    }
}

/// A lexical unit of a query text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Clause(Clause),
    Open,
    Close,
    And,
    Or,
    Not,
}

impl Token {
    fn describe(&self) -> &'static str {
        match self {
            Token::Clause(_) => "a term",
            Token::Open => "`(`",
            Token::Close => "`)`",
            Token::And => "`AND`",
            Token::Or => "`OR`",
            Token::Not => "`NOT`",
        }
    }
}

/// Reads a query text. Never fails: whatever does not parse is searched as words.
pub fn parse(text: &str) -> ParsedQuery {
    let tokens = lex(text, true);
    if tokens.iter().all(|t| matches!(t, Token::Clause(_))) {
        return ParsedQuery {
            expr: conjunction(tokens),
            warnings: Vec::new(),
        };
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    match parser.query() {
        Ok(expr) => ParsedQuery {
            expr,
            warnings: Vec::new(),
        },
        Err(why) => ParsedQuery {
            expr: conjunction(lex(text, false)),
            warnings: vec![format!("{why}: the query was searched as plain words")],
        },
    }
}

/// Clauses side by side: all must match.
fn conjunction(tokens: Vec<Token>) -> Expr {
    Expr::And(
        tokens
            .into_iter()
            .filter_map(|t| match t {
                Token::Clause(clause) => Some(Expr::Clause(clause)),
                _ => None,
            })
            .collect(),
    )
}

/// Splits a text into tokens; with `operators`, `AND`, `OR`, `NOT` and parentheses are
/// operators, else they are words like any other.
fn lex(text: &str, operators: bool) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    let chunk_end = |rest: &str| {
        let end = if operators {
            rest.find(|c: char| c.is_whitespace() || c == '(' || c == ')')
        } else {
            rest.find(char::is_whitespace)
        };
        end.unwrap_or(rest.len())
    };
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if operators {
            if let Some(after) = rest.strip_prefix('(') {
                tokens.push(Token::Open);
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix(')') {
                tokens.push(Token::Close);
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("-(") {
                tokens.push(Token::Not);
                tokens.push(Token::Open);
                rest = after;
                continue;
            }
            let end = chunk_end(rest);
            let operator = match &rest[..end] {
                "AND" => Some(Token::And),
                "OR" => Some(Token::Or),
                "NOT" => Some(Token::Not),
                _ => None,
            };
            if let Some(operator) = operator {
                tokens.push(operator);
                rest = &rest[end..];
                continue;
            }
        }
        let mut negated = false;
        if let Some(after) = rest.strip_prefix('-')
            && after.chars().next().is_some_and(|c| !c.is_whitespace())
        {
            negated = true;
            rest = after;
        } else if let Some(after) = rest.strip_prefix('+') {
            rest = after;
            continue;
        }
        let clause = |item| {
            Token::Clause(Clause {
                negated,
                item,
                prefix: false,
            })
        };
        if let Some(after) = rest.strip_prefix('"') {
            match after.find('"') {
                Some(end) => {
                    tokens.push(clause(Item::Phrase(after[..end].to_owned())));
                    rest = &after[end + 1..];
                }
                // An unbalanced quote is not syntax.
                None => rest = after,
            }
            continue;
        }
        let end = chunk_end(rest);
        if end == 0 {
            // A `-` or `+` right before a parenthesis: the parenthesis is read next.
            continue;
        }
        let chunk = &rest[..end];
        if let Some((name, value)) = chunk.split_once(':')
            && let Some(field) = KnownField::parse(name)
        {
            if value.starts_with('"') {
                // The phrase may run over spaces and parentheses: find its closing quote
                // in the text.
                let start = name.len() + 2;
                if let Some(close) = rest[start..].find('"') {
                    tokens.push(clause(Item::Field {
                        field,
                        value: rest[start..start + close].to_owned(),
                        quoted: true,
                        typed: rest[..start + close + 1].to_owned(),
                    }));
                    rest = &rest[start + close + 1..];
                    continue;
                }
            } else if !value.is_empty() {
                tokens.push(clause(Item::Field {
                    field,
                    value: value.to_owned(),
                    quoted: false,
                    typed: chunk.to_owned(),
                }));
                rest = &rest[end..];
                continue;
            }
        }
        tokens.push(clause(Item::Words(chunk.to_owned())));
        rest = &rest[end..];
    }
    // Search-as-you-type: a text that ends in a plain word (no space, quote, parenthesis
    // or field after it) also matches that word as a prefix.
    let ends_in_space = text.chars().last().is_none_or(char::is_whitespace);
    let ends_in_close = operators && text.trim_end().ends_with(')');
    if !ends_in_space
        && !ends_in_close
        && let Some(Token::Clause(last)) = tokens.last_mut()
        && !last.negated
        && matches!(last.item, Item::Words(_))
    {
        last.prefix = true;
    }
    tokens
}

/// A recursive-descent parser over tokens: `or := and (OR and)*`,
/// `and := unary ([AND] unary)*`, `unary := NOT unary | primary`,
/// `primary := clause | ( or )`. Parentheses and `NOT`s nest at most [`MAX_DEPTH`]
/// deep, so that no text can exhaust the stack of the thread that parses or runs it.
struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Parentheses and `NOT`s open around the token at `at`.
    depth: usize,
}

/// How deep parentheses and `NOT`s may nest in a query text; deeper texts are searched
/// as plain words.
pub const MAX_DEPTH: usize = 32;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    /// Parses `inner` one level deeper, or says the text nests too deep.
    fn nested(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "parentheses and `NOT`s nest deeper than {MAX_DEPTH} levels"
            ));
        }
        self.depth += 1;
        let expr = inner(self);
        self.depth -= 1;
        expr
    }

    fn starts_term(token: Option<&Token>) -> bool {
        matches!(token, Some(Token::Clause(_) | Token::Open | Token::Not))
    }

    fn query(&mut self) -> Result<Expr, String> {
        let expr = self.or()?;
        match self.peek() {
            None => Ok(expr),
            Some(Token::Close) => Err("`)` closes no `(`".into()),
            Some(other) => Err(format!("{} is out of place", other.describe())),
        }
    }

    /// The term an operator needs after it.
    fn operand(&mut self, operator: &str) -> Result<(), String> {
        if Self::starts_term(self.peek()) {
            Ok(())
        } else {
            Err(format!("`{operator}` needs a term after it"))
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            self.operand("OR")?;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.unary()?];
        loop {
            if self.peek() == Some(&Token::And) {
                self.at += 1;
                self.operand("AND")?;
            } else if !Self::starts_term(self.peek()) {
                break;
            }
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            self.operand("NOT")?;
            return Ok(match self.nested(Self::unary)? {
                Expr::Clause(mut clause) => {
                    clause.negated = !clause.negated;
                    clause.prefix = false;
                    Expr::Clause(clause)
                }
                Expr::Not(inner) => *inner,
                other => Expr::Not(Box::new(other)),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Clause(clause)) => Ok(Expr::Clause(clause)),
            Some(Token::Open) => {
                if self.peek() == Some(&Token::Close) {
                    return Err("`()` holds nothing".into());
                }
                if !Self::starts_term(self.peek()) {
                    return Err(match self.peek() {
                        None => "`(` is never closed".into(),
                        Some(token) => format!("{} needs a term before it", token.describe()),
                    });
                }
                let expr = self.nested(Self::or)?;
                match self.next() {
                    Some(Token::Close) => Ok(expr),
                    _ => Err("`(` is never closed".into()),
                }
            }
            Some(token @ (Token::And | Token::Or)) => {
                Err(format!("{} needs a term before it", token.describe()))
            }
            Some(Token::Close) => Err("`)` closes no `(`".into()),
            Some(Token::Not) | None => Err("a term is missing".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(item: &str) -> Clause {
        Clause {
            negated: false,
            item: Item::Words(item.into()),
            prefix: false,
        }
    }

    fn last_words(item: &str) -> Clause {
        Clause {
            prefix: true,
            ..words(item)
        }
    }

    fn not(clause: Clause) -> Clause {
        Clause {
            negated: true,
            ..clause
        }
    }

    fn clause(clause: Clause) -> Expr {
        Expr::Clause(clause)
    }

    fn plain(text: &str) -> Vec<Clause> {
        parse(text).clauses().into_iter().cloned().collect()
    }

    #[test]
    fn words_phrases_exclusions_and_fields() {
        let parsed = parse(
            r#"deep "object detection" -survey title:faster kind:paper -"meta learning" lea"#,
        );
        let clauses = parsed.clauses();
        assert_eq!(clauses.len(), 7, "{parsed:?}");
        assert_eq!(*clauses[0], words("deep"));
        assert_eq!(clauses[1].item, Item::Phrase("object detection".into()));
        assert!(clauses[2].negated);
        assert!(matches!(
            &clauses[3].item,
            Item::Field { field: KnownField::Title, value, quoted: false, .. } if value == "faster"
        ));
        assert!(matches!(
            &clauses[4].item,
            Item::Field {
                field: KnownField::Kind,
                ..
            }
        ));
        assert!(clauses[5].negated);
        assert_eq!(clauses[5].item, Item::Phrase("meta learning".into()));
        assert_eq!(*clauses[6], last_words("lea"));
        assert!(parsed.warnings.is_empty());
        assert_eq!(plain("deep lea "), [words("deep"), words("lea")]);
        assert_eq!(
            plain("deep \"lea\""),
            [
                words("deep"),
                Clause {
                    item: Item::Phrase("lea".into()),
                    ..words("")
                }
            ]
        );
    }

    #[test]
    fn quoted_field_values_run_over_spaces() {
        let clauses = plain(r#"title:"object detection (2015)" x"#);
        assert!(matches!(
            &clauses[0].item,
            Item::Field { field: KnownField::Title, value, quoted: true, .. } if value == "object detection (2015)"
        ));
        assert_eq!(clauses[1], last_words("x"));
    }

    #[test]
    fn what_does_not_parse_is_words() {
        assert_eq!(plain(r#""unbalanced"#), [last_words("unbalanced")]);
        assert_eq!(plain("title:"), [last_words("title:")]);
        assert_eq!(plain("days:3"), [last_words("days:3")]);
        assert_eq!(plain("C++"), [last_words("C++")]);
        assert_eq!(plain("-"), [last_words("-")]);
        assert!(parse("").clauses().is_empty());
        assert!(parse("   ").clauses().is_empty());
        let url = plain("https://arxiv.org/abs/1506.01497");
        assert_eq!(url, [last_words("https://arxiv.org/abs/1506.01497")]);
        assert!(matches!(
            &plain(r#"title:"open"#)[..],
            [Clause { item: Item::Words(w), .. }] if w == "title:\"open"
        ));
    }

    #[test]
    fn operators_make_a_tree_with_not_tighter_than_and_tighter_than_or() {
        assert_eq!(
            parse("grokking OR pooling").expr,
            Expr::Or(vec![
                clause(words("grokking")),
                clause(last_words("pooling"))
            ])
        );
        assert_eq!(
            parse("a OR b c").expr,
            Expr::Or(vec![
                clause(words("a")),
                Expr::And(vec![clause(words("b")), clause(last_words("c"))])
            ])
        );
        assert_eq!(
            parse("early AND stopping").expr,
            Expr::And(vec![clause(words("early")), clause(last_words("stopping"))])
        );
        assert_eq!(parse("NOT grokking").expr, clause(not(words("grokking"))));
        assert_eq!(
            parse("NOT a b").expr,
            Expr::And(vec![clause(not(words("a"))), clause(last_words("b"))])
        );
        assert_eq!(
            parse("(a OR b) AND NOT (c OR d)").expr,
            Expr::And(vec![
                Expr::Or(vec![clause(words("a")), clause(words("b"))]),
                Expr::Not(Box::new(Expr::Or(vec![
                    clause(words("c")),
                    clause(words("d"))
                ]))),
            ])
        );
        assert_eq!(
            parse("x -(c OR d)").expr,
            Expr::And(vec![
                clause(words("x")),
                Expr::Not(Box::new(Expr::Or(vec![
                    clause(words("c")),
                    clause(words("d"))
                ]))),
            ])
        );
        assert_eq!(
            parse("NOT NOT a ").expr,
            clause(words("a")),
            "a double negation cancels"
        );
        assert_eq!(
            parse("(deep)learning").expr,
            Expr::And(vec![clause(words("deep")), clause(last_words("learning"))])
        );
    }

    #[test]
    fn lower_case_operators_are_words() {
        assert_eq!(
            plain("early and stopping"),
            [words("early"), words("and"), last_words("stopping")]
        );
        assert!(parse("a or b").warnings.is_empty());
        assert_eq!(
            plain("-AND x"),
            [not(words("AND")), last_words("x")],
            "an excluded operator is an excluded word"
        );
    }

    #[test]
    fn malformed_operators_are_searched_as_words_with_a_warning() {
        for (text, why) in [
            ("deep AND", "`AND` needs a term after it"),
            ("OR pooling", "`OR` needs a term before it"),
            ("NOT", "`NOT` needs a term after it"),
            ("(grokking", "`(` is never closed"),
            ("grokking)", "`)` closes no `(`"),
            ("a () b", "`()` holds nothing"),
            ("a (OR b)", "`OR` needs a term before it"),
            ("a AND OR b", "`AND` needs a term after it"),
        ] {
            let parsed = parse(text);
            assert_eq!(parsed.warnings.len(), 1, "{text}: {parsed:?}");
            assert!(
                parsed.warnings[0].starts_with(why),
                "{text}: {}",
                parsed.warnings[0]
            );
            assert!(parsed.warnings[0].ends_with("searched as plain words"));
            assert!(
                matches!(&parsed.expr, Expr::And(parts) if parts.iter().all(|p| matches!(p, Expr::Clause(_)))),
                "{text}: {parsed:?}"
            );
        }
        assert_eq!(
            plain("deep AND"),
            [words("deep"), last_words("AND")],
            "operators become words"
        );
        assert_eq!(plain("(("), [last_words("((")]);
    }

    #[test]
    fn texts_that_nest_too_deep_are_searched_as_words() {
        let within = format!("{}deep{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&within).warnings.is_empty(), "{within}");
        let within = format!("{}deep", "NOT ".repeat(MAX_DEPTH));
        assert!(parse(&within).warnings.is_empty(), "{within}");

        for text in [
            format!("{}deep{}", "(".repeat(100_000), ")".repeat(100_000)),
            format!("{}deep", "NOT ".repeat(100_000)),
            format!("{}deep", "(NOT ".repeat(50_000)),
        ] {
            let parsed = parse(&text);
            assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
            assert!(
                parsed.warnings[0].contains("nest deeper"),
                "{:?}",
                parsed.warnings
            );
            assert!(matches!(parsed.expr, Expr::And(_)), "plain words");
        }
    }
}
