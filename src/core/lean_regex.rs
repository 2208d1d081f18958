//! The classifier's and reply reader's regex: the tables' patterns compiled
//! lean (issue 14), with the regex crate's search semantics.
//!
//! Two things the regex crate keeps that nothing here needs:
//!
//! - The unnamed capturing groups. The cues write `(a|b|c)` for grouping,
//!   but nothing reads those groups by number, and a capture-aware search
//!   keeps a slot per group per NFA state. The constructor turns `(…)` into
//!   `(?:…)` (named groups and the whole match stay).
//! - The reverse automata. The regex crate finds a match's end with a
//!   forward lazy DFA and its start with a reverse one, and compiles the
//!   reverse NFA without shrinking its UTF-8 automata: each Unicode `\w`
//!   costs 1,437 reverse states against 321 forward, so the reverse NFAs
//!   and their per-thread caches were three quarters of the tables' memory.
//!   Here only the forward NFA is built: a forward lazy DFA says whether
//!   and where a leftmost-first match ends, and the start is the first
//!   position from which the same DFA, anchored, matches (every match of
//!   these patterns is non-empty, so it starts before the end). Where the
//!   lazy DFA cannot answer (a Unicode `\b` beside non-ASCII text, a cache
//!   that fills too often) the NFA's own engines (bounded backtracker or
//!   PikeVM) answer, as in the regex crate, and they give the groups.
//!
//! A pattern that can match the empty string keeps the regex crate's full
//! engine (its rules for empty matches inside a character are the crate's).
//! Matches, groups and replacements are the regex crate's, checked against
//! it in this module's tests and by the classifier's and reader's corpora.
//!
//! Only for patterns whose groups are never read by number (`c[1]`,
//! `c.get(2)`, `$1`): their numbers are gone.

use std::borrow::Cow;
use std::ops::Range;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::hybrid::dfa::{self as lazy, DFA};
use regex_automata::meta;
use regex_automata::nfa::thompson::backtrack::{self, BoundedBacktracker};
use regex_automata::nfa::thompson::pikevm::{self, PikeVM};
use regex_automata::nfa::thompson::{self, NFA};
use regex_automata::util::captures::Captures as Groups;
use regex_automata::util::iter::Searcher;
use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::ast::{self, Ast, GroupKind};
use regex_syntax::hir::{Hir, Look};

/// The regex crate's defaults, kept so that what compiles there compiles
/// here: the NFA's size limit and each lazy DFA's cache capacity.
const NFA_SIZE_LIMIT: usize = 10 * (1 << 20);
const LAZY_DFA_CAPACITY: usize = 2 * (1 << 20);

/// A compiled pattern with its unnamed groups made non-capturing and no
/// reverse automaton; searched like [`regex::Regex`].
#[derive(Clone)]
pub(crate) struct Regex(Arc<Inner>);

struct Inner {
    /// The pattern as written (for `Debug`).
    pattern: String,
    engine: Engine,
    /// One set of search caches per thread that searches.
    pool: Pool<Cache, CacheFn>,
}

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

enum Engine {
    /// Forward automata only (every pattern that cannot match empty).
    Lean(Box<Lean>),
    /// The regex crate's own engine, for a pattern that can match empty.
    Full(meta::Regex),
}

struct Lean {
    /// `None` where the lazy DFA cannot be built (a cache too small for
    /// the pattern): the NFA engines answer every search.
    dfa: Option<DFA>,
    pikevm: PikeVM,
    backtrack: BoundedBacktracker,
}

/// One thread's search state; the NFA engines' parts are made only when a
/// search needs them (groups, or text the lazy DFA gives up on).
struct Cache {
    dfa: Option<lazy::Cache>,
    pikevm: Option<pikevm::Cache>,
    backtrack: Option<backtrack::Cache>,
    full: Option<meta::Cache>,
}

impl std::fmt::Debug for Regex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Regex").field(&self.0.pattern).finish()
    }
}

impl Regex {
    /// Compile `pattern` with every unnamed capturing group made
    /// non-capturing (named groups and the whole match stay).
    pub(crate) fn new(pattern: &str) -> Result<Regex, regex::Error> {
        let Ok(mut tree) = ast::parse::Parser::new().parse(pattern) else {
            // Not a valid pattern: let the regex crate name the error.
            return Err(regex::Regex::new(pattern)
                .err()
                .unwrap_or_else(|| regex::Error::Syntax(format!("unparsable: {pattern}"))));
        };
        uncapture(&mut tree, &mut 0);
        factor_tails(&mut tree);
        let mut lean = String::with_capacity(pattern.len() + 64);
        ast::print::Printer::new()
            .print(&tree, &mut lean)
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        debug_assert!(
            hir(&lean) == hir_of(pattern, &tree),
            "the printed pattern means what the rewritten tree means: {pattern}"
        );
        let hir = regex_syntax::Parser::new()
            .parse(&lean)
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .utf8(true)
                    .nfa_size_limit(Some(NFA_SIZE_LIMIT))
                    .shrink(false)
                    .which_captures(thompson::WhichCaptures::All),
            )
            .build_from_hir(&hir)
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        let engine = if nfa.has_empty() {
            Engine::Full(full(&lean)?)
        } else {
            Engine::Lean(Box::new(Lean::new(&hir, nfa)?))
        };
        let pool = match &engine {
            Engine::Lean(lean) => {
                let dfa = lean.dfa.clone();
                let make: CacheFn = Box::new(move || Cache {
                    dfa: dfa.as_ref().map(DFA::create_cache),
                    pikevm: None,
                    backtrack: None,
                    full: None,
                });
                Pool::new(make)
            }
            Engine::Full(re) => {
                let re = re.clone();
                let make: CacheFn = Box::new(move || Cache {
                    dfa: None,
                    pikevm: None,
                    backtrack: None,
                    full: Some(re.create_cache()),
                });
                Pool::new(make)
            }
        };
        Ok(Regex(Arc::new(Inner {
            pattern: pattern.to_owned(),
            engine,
            pool,
        })))
    }

    /// Whether the pattern matches anywhere in `haystack`.
    pub(crate) fn is_match(&self, haystack: &str) -> bool {
        let mut cache = self.0.pool.get();
        let input = Input::new(haystack).earliest(true);
        self.0.engine.search(&mut cache, &input).is_some()
    }

    /// The leftmost-first match in `haystack`.
    pub(crate) fn find<'h>(&self, haystack: &'h str) -> Option<Match<'h>> {
        let mut cache = self.0.pool.get();
        self.0
            .engine
            .search(&mut cache, &Input::new(haystack))
            .map(|m| Match::new(haystack, m.range()))
    }

    /// Every successive non-overlapping match in `haystack`.
    pub(crate) fn find_iter<'r, 'h>(&'r self, haystack: &'h str) -> FindIter<'r, 'h> {
        FindIter {
            engine: &self.0.engine,
            cache: self.0.pool.get(),
            searcher: Searcher::new(Input::new(haystack)),
            haystack,
        }
    }

    /// Every successive non-overlapping match in `haystack` with its named
    /// groups.
    pub(crate) fn captures_iter<'r, 'h>(&'r self, haystack: &'h str) -> CapturesIter<'r, 'h> {
        CapturesIter(self.find_iter(haystack))
    }

    /// `haystack` with its first match replaced by `rep` (`$name` expanded
    /// as by the regex crate).
    pub(crate) fn replace<'h>(&self, haystack: &'h str, rep: &str) -> Cow<'h, str> {
        self.replacen(haystack, 1, rep)
    }

    /// `haystack` with every match replaced by `rep` (`$name` expanded as by
    /// the regex crate).
    pub(crate) fn replace_all<'h>(&self, haystack: &'h str, rep: &str) -> Cow<'h, str> {
        self.replacen(haystack, 0, rep)
    }

    /// The regex crate's `replacen` for a string replacement: up to `limit`
    /// matches (0: all), `$` references expanded only if `rep` has a `$`.
    fn replacen<'h>(&self, haystack: &'h str, limit: usize, rep: &str) -> Cow<'h, str> {
        let mut new = String::new();
        let mut last = 0;
        let mut any = false;
        let expand = rep.contains('$');
        for (i, caps) in self.captures_iter(haystack).enumerate() {
            let Some(m) = caps.get(0) else { break };
            if !any {
                new.reserve(haystack.len());
                any = true;
            }
            new.push_str(&haystack[last..m.start()]);
            if expand {
                caps.groups.interpolate_string_into(haystack, rep, &mut new);
            } else {
                new.push_str(rep);
            }
            last = m.end();
            if limit > 0 && i + 1 >= limit {
                break;
            }
        }
        if !any {
            return Cow::Borrowed(haystack);
        }
        new.push_str(&haystack[last..]);
        Cow::Owned(new)
    }
}

/// The regex crate's engine for `pattern`, configured as `regex::Regex`.
fn full(pattern: &str) -> Result<meta::Regex, regex::Error> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(true)
                .nfa_size_limit(Some(NFA_SIZE_LIMIT))
                .hybrid_cache_capacity(LAZY_DFA_CAPACITY),
        )
        .build(pattern)
        .map_err(|e| regex::Error::Syntax(e.to_string()))
}

impl Lean {
    fn new(hir: &Hir, nfa: NFA) -> Result<Lean, regex::Error> {
        // Skipping to where a literal prefix occurs, as the regex crate does;
        // pointless (and not used there) for a pattern anchored at the start.
        let prefilter = if hir.properties().look_set_prefix().contains(Look::Start) {
            None
        } else {
            Prefilter::from_hir_prefix(MatchKind::LeftmostFirst, hir)
        };
        let config = lazy::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .specialize_start_states(prefilter.is_some())
            .prefilter(prefilter)
            .unicode_word_boundary(true)
            .cache_capacity(LAZY_DFA_CAPACITY)
            .skip_cache_capacity_check(false)
            .minimum_cache_clear_count(Some(3))
            .minimum_bytes_per_state(Some(10));
        let dfa = lazy::Builder::new()
            .configure(config)
            .build_from_nfa(nfa.clone())
            .ok();
        let err =
            |e: regex_automata::nfa::thompson::BuildError| regex::Error::Syntax(e.to_string());
        Ok(Lean {
            dfa,
            pikevm: PikeVM::new_from_nfa(nfa.clone()).map_err(err)?,
            backtrack: BoundedBacktracker::new_from_nfa(nfa).map_err(err)?,
        })
    }

    /// The leftmost-first match in `input` (only whether there is one if
    /// `input` asks for the earliest).
    fn search(&self, cache: &mut Cache, input: &Input<'_>) -> Option<regex_automata::Match> {
        let (Some(dfa), Some(dc)) = (&self.dfa, cache.dfa.as_mut()) else {
            return self.nfa_search(cache, input);
        };
        let end = match dfa.try_search_fwd(dc, input) {
            Ok(None) => return None,
            Ok(Some(half)) => half.offset(),
            Err(_) => return self.nfa_search(cache, input),
        };
        if input.get_earliest() {
            // Only whether: where it starts does not matter.
            return Some(regex_automata::Match::must(0, end..end));
        }
        // The leftmost start is the first position from which the pattern
        // matches at all; from there the leftmost-first end is `end`. A
        // match of these patterns is never empty, so it starts before `end`
        // and on a character boundary.
        let haystack = input.haystack();
        let starts = (input.start()..end).zip(&haystack[input.start()..end]);
        for (start, &byte) in starts {
            if is_continuation(byte) {
                continue;
            }
            let anchored = input
                .clone()
                .span(start..input.end())
                .anchored(Anchored::Yes);
            match dfa.try_search_fwd(dc, &anchored) {
                Ok(None) => {}
                Ok(Some(half)) => {
                    debug_assert_eq!(half.offset(), end, "the leftmost-first end");
                    return Some(regex_automata::Match::must(0, start..half.offset()));
                }
                Err(_) => return self.nfa_search(cache, input),
            }
        }
        self.nfa_search(cache, input)
    }

    /// The NFA's engines' answer: the bounded backtracker where the text
    /// fits its table (and not for a mere yes/no over long text), else the
    /// PikeVM, as the regex crate chooses.
    fn nfa_search(&self, cache: &mut Cache, input: &Input<'_>) -> Option<regex_automata::Match> {
        if self.backtracks(input) {
            let bc = cache
                .backtrack
                .get_or_insert_with(|| self.backtrack.create_cache());
            if let Ok(found) = self.backtrack.try_find(bc, input.clone()) {
                return found;
            }
        }
        let pc = cache
            .pikevm
            .get_or_insert_with(|| self.pikevm.create_cache());
        self.pikevm.find(pc, input.clone())
    }

    fn backtracks(&self, input: &Input<'_>) -> bool {
        !(input.get_earliest() && input.haystack().len() > 128)
            && input.get_span().len() <= self.backtrack.max_haystack_len()
    }

    /// The groups of the match at `span` (found by [`Lean::search`]).
    fn groups(&self, cache: &mut Cache, input: &Input<'_>, span: Range<usize>) -> Groups {
        let mut groups = self.pikevm.create_captures();
        let input = input.clone().span(span).anchored(Anchored::Yes);
        if self.backtracks(&input) {
            let bc = cache
                .backtrack
                .get_or_insert_with(|| self.backtrack.create_cache());
            if self
                .backtrack
                .try_captures(bc, input.clone(), &mut groups)
                .is_ok()
            {
                return groups;
            }
        }
        let pc = cache
            .pikevm
            .get_or_insert_with(|| self.pikevm.create_cache());
        self.pikevm.captures(pc, input, &mut groups);
        groups
    }
}

/// Whether `byte` continues a UTF-8 character (a match cannot start there).
fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

impl Engine {
    fn search(&self, cache: &mut Cache, input: &Input<'_>) -> Option<regex_automata::Match> {
        match self {
            Engine::Lean(lean) => lean.search(cache, input),
            Engine::Full(re) => {
                let fc = cache.full.get_or_insert_with(|| re.create_cache());
                re.search_with(fc, input)
            }
        }
    }

    /// The groups of `found`, the match of a search of `input`.
    fn groups(&self, cache: &mut Cache, input: &Input<'_>, found: regex_automata::Match) -> Groups {
        match self {
            Engine::Lean(lean) => lean.groups(cache, input, found.range()),
            Engine::Full(re) => {
                let fc = cache.full.get_or_insert_with(|| re.create_cache());
                let mut groups = re.create_captures();
                let input = input.clone().span(found.range()).anchored(Anchored::Yes);
                re.search_captures_with(fc, &input, &mut groups);
                groups
            }
        }
    }
}

/// A match: where it is in the text searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match<'h> {
    haystack: &'h str,
    start: usize,
    end: usize,
}

impl<'h> Match<'h> {
    fn new(haystack: &'h str, range: Range<usize>) -> Match<'h> {
        Match {
            haystack,
            start: range.start,
            end: range.end,
        }
    }

    /// Where the match starts (a byte offset).
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// Where the match ends (a byte offset, exclusive).
    pub(crate) fn end(&self) -> usize {
        self.end
    }

    /// The text matched.
    pub(crate) fn as_str(&self) -> &'h str {
        &self.haystack[self.start..self.end]
    }
}

/// A match with its named groups.
#[derive(Debug, Clone)]
pub(crate) struct Captures<'h> {
    haystack: &'h str,
    groups: Groups,
}

impl<'h> Captures<'h> {
    /// Group `i` (0: the whole match; named groups count from 1 in the
    /// order they open).
    pub(crate) fn get(&self, i: usize) -> Option<Match<'h>> {
        self.groups
            .get_group(i)
            .map(|span| Match::new(self.haystack, span.range()))
    }

    /// The group called `name`, if it took part in the match.
    pub(crate) fn name(&self, name: &str) -> Option<Match<'h>> {
        self.groups
            .get_group_by_name(name)
            .map(|span| Match::new(self.haystack, span.range()))
    }
}

/// The successive matches of [`Regex::find_iter`].
pub(crate) struct FindIter<'r, 'h> {
    engine: &'r Engine,
    cache: PoolGuard<'r, Cache, CacheFn>,
    searcher: Searcher<'h>,
    haystack: &'h str,
}

impl<'r, 'h> FindIter<'r, 'h> {
    fn next_raw(&mut self) -> Option<regex_automata::Match> {
        let (engine, cache) = (self.engine, &mut self.cache);
        self.searcher
            .advance(|input| Ok(engine.search(cache, input)))
    }
}

impl<'r, 'h> Iterator for FindIter<'r, 'h> {
    type Item = Match<'h>;

    fn next(&mut self) -> Option<Match<'h>> {
        let found = self.next_raw()?;
        Some(Match::new(self.haystack, found.range()))
    }
}

/// The successive matches of [`Regex::captures_iter`].
pub(crate) struct CapturesIter<'r, 'h>(FindIter<'r, 'h>);

impl<'r, 'h> Iterator for CapturesIter<'r, 'h> {
    type Item = Captures<'h>;

    fn next(&mut self) -> Option<Captures<'h>> {
        let found = self.0.next_raw()?;
        let input = Input::new(self.0.haystack);
        let groups = self.0.engine.groups(&mut self.0.cache, &input, found);
        Some(Captures {
            haystack: self.0.haystack,
            groups,
        })
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

/// Write each run of consecutive alternatives that end alike, `(?:a\w*|b\w*)`,
/// as the alternatives without the common end followed by it once,
/// `(?:(?:a|b)\w*)`: the cues' lists of word stems each ending `\w*` then
/// compile one Unicode `\w` automaton (321 NFA states) instead of one per
/// stem. Leftmost-first matching explores the alternatives in order and,
/// within each, the common end the same way, so the order in which matches
/// are tried (and so every match and group) is unchanged. An alternation
/// with inline flags in a branch (`a(?i)b|c`) is left alone: the flags
/// reach the later branches.
fn factor_tails(tree: &mut Ast) {
    match tree {
        Ast::Group(group) => factor_tails(&mut group.ast),
        Ast::Repetition(rep) => factor_tails(&mut rep.ast),
        Ast::Concat(cat) => cat.asts.iter_mut().for_each(factor_tails),
        Ast::Alternation(alt) => {
            alt.asts.iter_mut().for_each(factor_tails);
            let flagged = alt.asts.iter().any(|branch| match branch {
                Ast::Flags(_) => true,
                Ast::Concat(cat) => cat.asts.iter().any(|a| matches!(a, Ast::Flags(_))),
                _ => false,
            });
            if !flagged {
                let span = alt.span;
                let branches = std::mem::take(&mut alt.asts);
                alt.asts = factor_runs(branches, span);
            }
        }
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

/// The branches with each run of two or more consecutive ones that end in
/// the same item made one branch: the run's heads as a group, then the item.
fn factor_runs(branches: Vec<Ast>, span: ast::Span) -> Vec<Ast> {
    let mut out = Vec::with_capacity(branches.len());
    // The current run: its common tail (printed, and the item) and heads.
    let mut run: Option<(String, Ast, Vec<Ast>)> = None;
    for branch in branches {
        let (key, head, tail) = match split_tail(branch) {
            Ok(split) => split,
            Err(whole) => {
                flush(run.take(), &mut out, span);
                out.push(whole);
                continue;
            }
        };
        match &mut run {
            Some((run_key, _, heads)) if *run_key == key => heads.push(head),
            _ => {
                flush(run.take(), &mut out, span);
                run = Some((key, tail, vec![head]));
            }
        }
    }
    flush(run, &mut out, span);
    out
}

/// Put a run into `out`: a single branch as it was, two or more as the
/// group of their heads followed by the tail.
fn flush(run: Option<(String, Ast, Vec<Ast>)>, out: &mut Vec<Ast>, span: ast::Span) {
    let Some((_, tail, mut heads)) = run else {
        return;
    };
    let first = if heads.len() == 1 {
        heads.remove(0)
    } else {
        Ast::group(ast::Group {
            span,
            kind: GroupKind::NonCapturing(ast::Flags {
                span,
                items: Vec::new(),
            }),
            ast: Box::new(Ast::alternation(ast::Alternation { span, asts: heads })),
        })
    };
    out.push(Ast::concat(ast::Concat {
        span,
        asts: vec![first, tail],
    }));
}

/// A branch of two or more items as its tail printed (to compare branches'
/// tails whatever their spans), the items before it and the tail itself;
/// any other branch, or one whose tail has a named group (it cannot repeat
/// anyway), back as it is.
fn split_tail(mut branch: Ast) -> Result<(String, Ast, Ast), Ast> {
    let Ast::Concat(cat) = &mut branch else {
        return Err(branch);
    };
    let mut printed = String::new();
    let printable = match cat.asts.last() {
        Some(tail) if cat.asts.len() >= 2 => {
            ast::print::Printer::new().print(tail, &mut printed).is_ok()
        }
        _ => false,
    };
    if !printable || printed.contains("(?P<") || printed.contains("(?<") {
        return Err(branch);
    }
    let Some(tail) = cat.asts.pop() else {
        return Err(branch);
    };
    let head = if cat.asts.len() == 1 {
        cat.asts.remove(0)
    } else {
        Ast::concat(ast::Concat {
            span: cat.span,
            asts: std::mem::take(&mut cat.asts),
        })
    };
    Ok((printed, head, tail))
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
    use super::{Engine, Regex};

    /// Patterns with what the tables use: alternations of groups, bounded
    /// repeats of Unicode words, named groups, flags, classes, escapes,
    /// non-Latin text, anchors, and ones that can match empty.
    const PATTERNS: &[&str] = &[
        r"\b(make|raise) (a |an )?(formal )?complaint\b|\bcomplain about\b",
        r"\b(tutors?|classes)( \w+){0,3} (at|by) (the )?(?P<org>(\w+ ){1,3}(academy|college))\b",
        r"(?i)^\s*(fw|fwd|wg)\s*:",
        r"(?m)^\s*(a|an) (learner|worried \w+)\s*$",
        r"(?x) ( a \  b | c [\t-] ) \# (?:d)",
        r"(dziękuję|diolch|شكرا)\.?(\s|$)|\(\d+\)|[^<>\s]{3,9}@(?i:x)",
        r"(?P<all>(x)(y))?z|(?:q(r))",
        r"\b(skarg\w*|zgłosz\w*|niepokoj\w*|martwi\w*)( \w+){0,2} (na|o) (?P<who>\w+)\b",
        r"(?P<frame>\b(he|she) said) “[^”]{0,80}”",
        r"[^.]{0,40}\bwhen (something|things) (goes|went) wrong\b",
        r"(?-u:\b)#(note|close)(?-u:\b)",
        r"\b(a|an)?\b",
        r"x*",
        r"(?m)^",
        r"\b(przemoc\w*|molestowan\w*|grozi (mi|jej)|boi sie|(zabral\w*|odebral\w*) (\w+ )?paszport\w*|nękan\w*)\b",
        r"(a\w*|ab\w*|abc)x|(?P<n>q\w*|r\w*)",
        r"\b(a(?i)b\w*|c\w*)",
        r"(foo|bar)\s+(baz|qux)\s+",
    ];

    const TEXTS: &[&str] = &[
        "I want to make a formal complaint about the tutors at the Leeds city college now",
        "the classes are held by the big training academy in town",
        "FWD: hello\nan apprentice\na worried mum\n",
        "a b c\t# d ab c-#d",
        "diolch. (12) joe@X شكرا",
        "xyz z qr",
        "Chcę złożyć skargę na nauczyciela; martwię się o córkę. Zgłoszenie o Żanecie",
        "and she said “it was fine” when things went wrong, #note #closed #close",
        "ąę żółć x",
        "grozi mi, zabrali mu paszport; nękanie i przemocą abcx abdx ax qqq rr ABc cB",
        "foo  baz bar qux\tFoo baz ",
        "",
    ];

    /// What the regex crate finds: every match with its named groups, the
    /// first match, whether any, and replacements with and without `$`.
    type Found = (
        Vec<(
            Option<std::ops::Range<usize>>,
            Vec<Option<std::ops::Range<usize>>>,
        )>,
        Option<std::ops::Range<usize>>,
        Vec<std::ops::Range<usize>>,
        bool,
        String,
        String,
        String,
    );

    fn by_crate(re: &regex::Regex, text: &str) -> Found {
        let names: Vec<_> = re.capture_names().flatten().collect();
        let rep = names
            .first()
            .map_or("<$0>".to_owned(), |n| format!("[${n}]"));
        (
            re.captures_iter(text)
                .map(|c| {
                    let named = names.iter().map(|n| c.name(n).map(|m| m.range())).collect();
                    (c.get(0).map(|m| m.range()), named)
                })
                .collect(),
            re.find(text).map(|m| m.range()),
            re.find_iter(text).map(|m| m.range()).collect(),
            re.is_match(text),
            re.replace_all(text, rep.as_str()).into_owned(),
            re.replace(text, rep.as_str()).into_owned(),
            re.replace_all(text, " ").into_owned(),
        )
    }

    fn by_lean(re: &Regex, full: &regex::Regex, text: &str) -> Found {
        let names: Vec<_> = full.capture_names().flatten().collect();
        let rep = names
            .first()
            .map_or("<$0>".to_owned(), |n| format!("[${n}]"));
        (
            re.captures_iter(text)
                .map(|c| {
                    let named = names
                        .iter()
                        .map(|n| c.name(n).map(|m| m.start()..m.end()))
                        .collect();
                    (c.get(0).map(|m| m.start()..m.end()), named)
                })
                .collect(),
            re.find(text).map(|m| m.start()..m.end()),
            re.find_iter(text).map(|m| m.start()..m.end()).collect(),
            re.is_match(text),
            re.replace_all(text, rep.as_str()).into_owned(),
            re.replace(text, rep.as_str()).into_owned(),
            re.replace_all(text, " ").into_owned(),
        )
    }

    #[test]
    fn every_match_group_and_replacement_is_the_regex_crates() {
        // Long text too: past the bounded backtracker's table, where the
        // PikeVM answers for non-ASCII text beside a Unicode `\b`.
        let long: Vec<String> = TEXTS.iter().map(|t| t.repeat(400)).collect();
        for pattern in PATTERNS {
            let full = regex::Regex::new(pattern).expect("valid");
            let lean = Regex::new(pattern).expect("valid");
            for text in TEXTS.iter().copied().chain(long.iter().map(String::as_str)) {
                assert_eq!(
                    by_lean(&lean, &full, text),
                    by_crate(&full, text),
                    "{pattern} on {:?}",
                    text.get(..60).unwrap_or(text)
                );
            }
        }
    }

    /// A list of stems each ending `\w*` compiles one `\w` automaton, not
    /// one per stem.
    #[test]
    fn stems_share_one_word_ending() {
        let stems = r"\b(przemoc\w*|molestowan\w*|nekan\w*|znecan\w*|samoboj\w*)\b";
        let Engine::Lean(lean) = &Regex::new(stems).expect("valid").0.engine else {
            panic!("cannot match empty");
        };
        let full = regex_automata::nfa::thompson::NFA::new(stems).expect("valid");
        let states = lean.pikevm.get_nfa().states().len();
        assert!(
            states * 3 < full.states().len(),
            "{states} states factored, {} as written",
            full.states().len()
        );
    }

    #[test]
    fn unnamed_groups_are_gone_and_named_ones_stay() {
        let lean = Regex::new(r"(?P<all>(x)(y))?z|(?:q(r))").expect("valid");
        let caps = lean.captures_iter("xyz").next().expect("a match");
        assert_eq!(caps.name("all").map(|m| m.as_str()), Some("xy"));
        assert_eq!(caps.get(1).map(|m| m.as_str()), Some("xy"));
        assert!(caps.get(2).is_none(), "(x) no longer captures");
    }

    #[test]
    fn an_invalid_pattern_is_the_regex_crates_error() {
        assert!(Regex::new(r"(unclosed").is_err());
        assert!(Regex::new(r"\p{NoSuchClass}").is_err());
    }
}
