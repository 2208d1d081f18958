//! A drop-in [`Regex`] for the classifier's and reply reader's tables whose
//! constructor drops the pattern's unnamed capturing groups (issue 14).
//!
//! The cues write `(a|b|c)` for grouping, but nothing reads those groups by
//! number. The regex crate still keeps, for every thread that runs a regex,
//! a search cache with a slot per capture bound per NFA state (two tables of
//! `states × 2 × groups` words): for the large cues, with tens of groups and
//! tens of thousands of states, tens of MB of a process's heap. Turning
//! `(…)` into `(?:…)` changes no match (the regex crate's leftmost-first
//! match does not depend on captures), keeps named groups (read by name) and
//! group 0 (the whole match), and leaves the tables as their authors wrote
//! them: a module opts in by importing this `Regex` instead of the crate's.
//!
//! Only for patterns whose groups are never read by number (`c[1]`,
//! `c.get(2)`, `$1`): their numbers are gone.

use regex_syntax::ast::{self, Ast, GroupKind};

/// A compiled regex with its unnamed groups made non-capturing; it
/// dereferences to [`regex::Regex`] for searching.
#[derive(Debug, Clone)]
pub(crate) struct Regex(regex::Regex);

impl Regex {
    /// Compile `pattern` with every unnamed capturing group made
    /// non-capturing (named groups and the whole match stay).
    pub(crate) fn new(pattern: &str) -> Result<Regex, regex::Error> {
        let Ok(mut tree) = ast::parse::Parser::new().parse(pattern) else {
            // Not a valid pattern: let the regex crate name the error.
            return regex::Regex::new(pattern).map(Regex);
        };
        uncapture(&mut tree, &mut 0);
        let mut lean = String::with_capacity(pattern.len() + 64);
        ast::print::Printer::new()
            .print(&tree, &mut lean)
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        debug_assert!(
            hir(&lean) == hir_of(pattern, &tree),
            "the printed pattern means what the rewritten tree means: {pattern}"
        );
        regex::Regex::new(&lean).map(Regex)
    }
}

impl std::ops::Deref for Regex {
    type Target = regex::Regex;

    fn deref(&self) -> &regex::Regex {
        &self.0
    }
}

/// Make every unnamed capturing group in the tree non-capturing, and number
/// the named ones as the parser will number them in the printed pattern
/// (in the order they open, after `named` earlier ones).
fn uncapture(tree: &mut Ast, named: &mut u32) {
    match tree {
        Ast::Group(group) => {
            match &mut group.kind {
                GroupKind::CaptureIndex(_) => {
                    group.kind = GroupKind::NonCapturing(ast::Flags {
                        span: group.span,
                        items: Vec::new(),
                    });
                }
                GroupKind::CaptureName { name, .. } => {
                    *named += 1;
                    name.index = *named;
                }
                GroupKind::NonCapturing(_) => {}
            }
            uncapture(&mut group.ast, named);
        }
        Ast::Repetition(rep) => uncapture(&mut rep.ast, named),
        Ast::Alternation(alt) => alt.asts.iter_mut().for_each(|a| uncapture(a, named)),
        Ast::Concat(cat) => cat.asts.iter_mut().for_each(|a| uncapture(a, named)),
        Ast::Empty(_)
        | Ast::Flags(_)
        | Ast::Literal(_)
        | Ast::Dot(_)
        | Ast::Assertion(_)
        | Ast::ClassUnicode(_)
        | Ast::ClassPerl(_)
        | Ast::ClassBracketed(_) => {}
    }
}

/// The meaning of a pattern (debug builds check the printer's round trip).
fn hir(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::Parser::new().parse(pattern).ok()
}

/// The meaning of the rewritten tree itself (`pattern` is what its spans
/// point into).
fn hir_of(pattern: &str, tree: &Ast) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::hir::translate::Translator::new()
        .translate(pattern, tree)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::Regex;

    /// Patterns with what the tables use: alternations of groups, bounded
    /// repeats of Unicode words, named groups, flags, classes, escapes,
    /// non-Latin text.
    const PATTERNS: &[&str] = &[
        r"\b(make|raise) (a |an )?(formal )?complaint\b|\bcomplain about\b",
        r"\b(tutors?|classes)( \w+){0,3} (at|by) (the )?(?P<org>(\w+ ){1,3}(academy|college))\b",
        r"(?i)^\s*(fw|fwd|wg)\s*:",
        r"(?m)^\s*(a|an) (learner|worried \w+)\s*$",
        r"(?x) ( a \  b | c [\t-] ) \# (?:d)",
        r"(dziękuję|diolch|شكرا)\.?(\s|$)|\(\d+\)|[^<>\s]{3,9}@(?i:x)",
        r"(?P<all>(x)(y))?z|(?:q(r))",
    ];

    const TEXTS: &[&str] = &[
        "I want to make a formal complaint about the tutors at the Leeds city college now",
        "the classes are held by the big training academy in town",
        "FWD: hello\nan apprentice\na worried mum\n",
        "a b c\t# d ab c-#d",
        "diolch. (12) joe@X شكرا",
        "xyz z qr",
    ];

    #[test]
    fn every_match_and_named_group_is_the_full_patterns() {
        for pattern in PATTERNS {
            let full = regex::Regex::new(pattern).expect("valid");
            let lean = Regex::new(pattern).expect("valid");
            assert!(
                lean.captures_len() < full.captures_len(),
                "{pattern} lost no group"
            );
            for text in TEXTS {
                let found = |re: &regex::Regex| {
                    re.captures_iter(text)
                        .map(|c| {
                            let named: Vec<_> = re
                                .capture_names()
                                .flatten()
                                .map(|n| c.name(n).map(|m| m.range()))
                                .collect();
                            (c.get(0).map(|m| m.range()), named)
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(found(&lean), found(&full), "{pattern} on {text:?}");
            }
        }
    }

    #[test]
    fn an_invalid_pattern_is_the_regex_crates_error() {
        assert!(Regex::new(r"(unclosed").is_err());
        assert!(Regex::new(r"\p{NoSuchClass}").is_err());
    }
}
