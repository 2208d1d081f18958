//! Text helpers: HTML to text that keeps quoting visible, and normalisation
//! for matching.

use regex::Regex;
use std::sync::LazyLock;

/// Marker lines inserted around `<blockquote>` so quoting survives conversion.
const Q_OPEN: &str = "\u{1}QOPEN\u{1}";
const Q_CLOSE: &str = "\u{1}QCLOSE\u{1}";
/// Where a block opens: a line break only when text precedes it on the
/// line ("Reply<div>On … wrote:</div>" is two lines; a Gmail line in its
/// own `<div>` after a `<br>` gets no extra blank line).
const SOFT_BREAK: &str = "\u{1}SOFTBR\u{1}";

/// Convert HTML to plain text with one line per block and `> ` in front of
/// every line inside a `<blockquote>` (nested quotes get `> > `), so that the
/// same quote-stripping rules work for HTML and plain text.
pub fn html_to_text(html: &str) -> String {
    // Make block boundaries into <br> so the converter keeps the line structure,
    // and mark blockquotes with sentinel text the converter passes through.
    let marked = BLOCK_TAG.replace_all(html, |c: &regex::Captures<'_>| {
        let tag = c[2].to_ascii_lowercase();
        let closing = !c[1].is_empty();
        match (tag.as_str(), closing) {
            ("blockquote", false) => format!("<br>{Q_OPEN}<br>"),
            ("blockquote", true) => format!("<br>{Q_CLOSE}<br>"),
            ("hr", _) => "<br>________________________________<br>".to_string(),
            // A line break where a block ends; a paragraph also leaves a gap.
            ("p", true) => "<br><br>".to_string(),
            ("li", false) => "<br>- ".to_string(),
            (_, true) => "<br>".to_string(),
            (_, false) => SOFT_BREAK.to_string(),
        }
    });
    let text = mail_parser::decoders::html::html_to_text(&marked);
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    let broken: Vec<String> = text.lines().flat_map(soft_breaks).collect();
    for line in &broken {
        let mut line = line.trim_end();
        if line.contains(Q_OPEN) {
            depth += 1;
            line = "";
        } else if line.contains(Q_CLOSE) {
            depth = depth.saturating_sub(1);
            line = "";
        }
        let line = line.trim_start_matches(' ');
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        for _ in 0..depth {
            out.push_str("> ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// A converted line split where a block opened after some text on it.
fn soft_breaks(line: &str) -> Vec<String> {
    if !line.contains(SOFT_BREAK) {
        return vec![line.to_string()];
    }
    let parts: Vec<String> = line
        .split(SOFT_BREAK)
        .filter(|p| !p.trim().is_empty())
        .map(str::to_string)
        .collect();
    if parts.is_empty() {
        vec![String::new()]
    } else {
        parts
    }
}

static BLOCK_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<(/?)(blockquote|div|p|tr|li|h[1-6]|hr|table)\b[^>]*>").expect("static regex")
});

/// Remove accents (decompose, drop the combining marks) and fold the few
/// letters that do not decompose (`ł`, `ø`, `đ`, `ı`), so that a cue written
/// `dziekuje` matches "dziękuję" and "dziekuje" alike: many people type
/// Polish, Romanian or Portuguese on an English keyboard.
pub fn fold_accents(s: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'ł' => 'l',
            'Ł' => 'L',
            'ø' => 'o',
            'Ø' => 'O',
            'đ' => 'd',
            'Đ' => 'D',
            'ı' => 'i',
            c => c,
        })
        .collect()
}

/// Lower-case, fold curly quotes and dashes to ASCII, and squash whitespace, so
/// that lexicon patterns match what people type on any client.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for ch in s.chars() {
        let ch = match ch {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{00b4}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{00a0}' => ' ',
            c => c,
        };
        if ch.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.extend(ch.to_lowercase());
            last_space = false;
        }
    }
    out.trim().to_string()
}

/// `s` made safe to write as (part of) one line of a record or a terminal:
/// control characters and line or paragraph separators become visible
/// escapes (`\n`, `\u{1b}`), so a newline in a display name or subject cannot
/// forge a line such as `State: closed`, nor an escape sequence reach a
/// terminal.
pub fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character
/// boundary (file names are limited in bytes, not characters).
pub fn cut_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A display name as mail may show it: on one line, without control
/// characters (a newline in a name would otherwise start a line of its own
/// in a mail body, such as a fake `State: closed`), each run of them and of
/// spaces one space.
pub fn display_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let blank = c.is_whitespace() || c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
        if blank {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// `s` on one line, cut to its first `n` characters: a short excerpt for a
/// reason a handler reads.
pub fn excerpt(s: &str, n: usize) -> String {
    one_line(s).chars().take(n).collect()
}

/// Whether words someone wrote open with a greeting ("Dear …", "Hello",
/// "Bore da"…): mail that relays them adds its own only when they do not.
pub fn opens_with_greeting(text: &str) -> bool {
    const GREETINGS: [&str; 19] = [
        "dear ",
        "hi ",
        "hi,",
        "hello",
        "good morning",
        "good afternoon",
        "annwyl",
        "helo",
        "shwmae",
        "bore da",
        "prynhawn da",
        "dzień dobry",
        "dzien dobry",
        "hola",
        "buenos días",
        "buenos dias",
        "bom dia",
        "bună ziua",
        "buna ziua",
    ];
    let written = text.trim_start().to_lowercase();
    GREETINGS.iter().any(|g| written.starts_with(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_div_after_text_is_a_line_break_and_adds_no_blank_lines() {
        let t = html_to_text(
            "Reply<div class=\"gmail_quote\"><div>On 3 Mar 2026, A &lt;a@b.test&gt; wrote:<div>Old</div></div></div>",
        );
        assert_eq!(t, "Reply\nOn 3 Mar 2026, A <a@b.test> wrote:\nOld\n");
        let t = html_to_text("<div>One</div><div>Two</div><div><br></div><div>Three</div>");
        assert_eq!(t, "One\nTwo\n\nThree\n");
    }

    #[test]
    fn display_names_are_one_line_without_control_characters() {
        assert_eq!(
            display_name("Jo\nState: closed\t\u{1b}[2J "),
            "Jo State: closed [2J"
        );
        assert_eq!(display_name("  Jo \r\n Bloggs\u{2028}"), "Jo Bloggs");
        assert_eq!(display_name("Siân Ó Brien"), "Siân Ó Brien");
    }

    #[test]
    fn blockquotes_become_quote_prefixes() {
        let t = html_to_text("<div>New text</div><blockquote><div>old</div><blockquote>older</blockquote></blockquote>");
        assert!(t.contains("New text"));
        assert!(t.contains("> old"));
        assert!(t.contains("> > older"));
    }

    #[test]
    fn one_line_escapes_what_could_forge_a_line() {
        assert_eq!(one_line("Jo Bloggs"), "Jo Bloggs");
        assert_eq!(
            one_line("Jo\nState: closed\r\u{1b}[2J\u{2028}x\u{85}"),
            "Jo\\nState: closed\\r\\u{1b}[2J\\u{2028}x\\u{85}"
        );
    }

    #[test]
    fn cut_bytes_keeps_whole_characters() {
        assert_eq!(cut_bytes("abc", 10), "abc");
        assert_eq!(cut_bytes("aé", 2), "a");
        assert_eq!(cut_bytes("𠀀𠀀", 7), "𠀀");
        assert_eq!(cut_bytes("𠀀", 3), "");
    }

    #[test]
    fn normalise_folds_punctuation() {
        assert_eq!(
            normalise("I\u{2019}m  NOT\nhappy \u{2013} at all"),
            "i'm not happy - at all"
        );
    }
}
