//! A handler's own signature block, kept off what is relayed to the
//! complainant (the template adds the organisation's own sign-off).

use crate::core::directory::Directory;
use regex::Regex;
use std::sync::LazyLock;

/// What of a handler's words (`text`, from `from`) the complainant gets:
/// without the handler's own signature block (their full or first name on
/// its own line, the closing above it, title and direct line below),
/// because the template signs for the organisation. The case record keeps
/// the words as written; a sender not in the directory is left as written.
pub fn relayable(directory: &Directory, from: &str, text: &str) -> String {
    let Some(person) = directory.by_email(from) else {
        return text.to_string();
    };
    let first = person.name.split_whitespace().next().unwrap_or_default();
    without_own_signature(text, &[person.name.as_str(), first])
}

/// Closing words that open a signature block ("Kind regards,").
const CLOSINGS: &[&str] = &[
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "many thanks",
    "thanks",
    "thank you",
    "best wishes",
    "best",
    "cheers",
    "yours sincerely",
    "yours faithfully",
    "sincerely",
    "cofion",
    "cofion cynnes",
    "diolch",
    "gyda diolch",
    "pozdrawiam",
    "saludos",
    "cordialement",
    "mit freundlichen grüßen",
];

/// How far from the end a signature block is looked for (non-blank lines).
const SIGNATURE_MAX_LINES: usize = 12;

/// `text` without the writer's own signature block at its end: the last
/// few lines from the one that names the writer (`names`: their full name,
/// or any other line their signature starts with, such as a job title),
/// together with a closing line ("Kind regards,") just above it. Lines
/// that merely mention the writer's name inside a sentence are not a
/// signature. `text` itself when no such block is found.
pub fn without_own_signature(text: &str, names: &[&str]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let names: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_lowercase())
        .filter(|n| n.chars().count() >= 2)
        .collect();
    if names.is_empty() {
        return text.to_string();
    }
    let tail: Vec<usize> = (0..lines.len())
        .rev()
        .filter(|&i| !lines[i].trim().is_empty())
        .take(SIGNATURE_MAX_LINES)
        .collect();
    // The highest line of the tail that is the name on its own (the
    // signature's first line), not a sentence that mentions it.
    let Some(&at) = tail.iter().rev().find(|&&i| {
        let l = lines[i].trim().trim_end_matches([',', '.']).to_lowercase();
        names.iter().any(|n| {
            l == *n
                || l.strip_prefix(n.as_str()).is_some_and(|rest| {
                    rest.len() <= 60 && rest.trim_start().starts_with([',', '|', '-', '(', '–'])
                })
        })
    }) else {
        return text.to_string();
    };
    let mut cut = at;
    // A closing line directly above (blank lines between allowed).
    if let Some(prev) = (0..at).rev().find(|&i| !lines[i].trim().is_empty()) {
        let l = lines[prev]
            .trim()
            .trim_end_matches([',', '.', '!'])
            .to_lowercase();
        if CLOSINGS.contains(&l.as_str()) {
            cut = prev;
        }
    }
    let kept = lines[..cut].join("\n");
    let kept = kept.trim_end();
    if kept.is_empty() {
        // Nothing but a signature: relay nothing rather than a bare name.
        return String::new();
    }
    kept.to_string()
}

/// A line of contact details in a signature block: a telephone number, a
/// web or mail address, a UK postcode, a company's legal form.
static CONTACT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)(\+?\d[\d\ ()-]{8,}\d)|www\.|https?://|\S@\S|(?-u:\b)[A-Z]{1,2}\d[A-Z\d]?\ \d[A-Z]{2}(?-u:\b)|(?-u:\b)(ltd|limited|plc|llp|cic)(?-u:\b)|(?-u:\b)(tel|t|m|mob|ffôn|ff)\s*[.:]",
    )
    .expect("static regex")
});

/// A line that can be a typed name: one to four words that start with a
/// capital letter (or a single word), no digits, no sentence punctuation.
fn is_name_line(line: &str) -> bool {
    let l = line.trim().trim_end_matches([',', '.']);
    let words: Vec<&str> = l.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 4
        && l.chars().count() <= 40
        && !l.chars().any(|c| c.is_ascii_digit() || "?!:;@".contains(c))
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
}

/// Where a client's automatic signature starts below a typed sign-off:
/// the writer typed their name ("Regards, / Imran"), and under a blank
/// line the client added a block that starts with the same name ("Imran
/// Shah") and carries contact details (a telephone number, an address, a
/// web address). The typed sign-off is what the person wrote; the block is
/// not. `None` when the text does not end that way.
pub(super) fn auto_signature_at(lines: &[&str]) -> Option<usize> {
    let end = lines.iter().rposition(|l| !l.trim().is_empty())? + 1;
    let start = lines[..end].iter().rposition(|l| l.trim().is_empty())? + 1;
    let block = &lines[start..end];
    if !(2..=8).contains(&block.len()) || block.iter().any(|l| l.chars().count() > 100) {
        return None;
    }
    let typed = lines[..start].iter().rev().find(|l| !l.trim().is_empty())?;
    if !is_name_line(typed) || !is_name_line(block[0]) {
        return None;
    }
    let typed_first = typed
        .split_whitespace()
        .next()?
        .trim_end_matches([',', '.']);
    let block_first = block[0].split_whitespace().next()?;
    if !typed_first.eq_ignore_ascii_case(block_first) {
        return None;
    }
    block[1..]
        .iter()
        .any(|l| CONTACT_LINE.is_match(l))
        .then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_block_removed_sentence_kept() {
        let t = "Dear Jo,\n\nWe have refunded the fee.\n\nKind regards,\n\nMegan Price\nComplaints Officer\n01234 567890";
        assert_eq!(
            without_own_signature(t, &["Megan Price"]),
            "Dear Jo,\n\nWe have refunded the fee."
        );
        let t = "Dear Jo,\n\nMegan Price will call you on Monday.";
        assert_eq!(without_own_signature(t, &["Megan Price"]), t);
        assert_eq!(without_own_signature("Hello", &[]), "Hello");
        assert_eq!(without_own_signature("Megan Price", &["Megan Price"]), "");
    }

    #[test]
    fn client_signature_under_a_typed_name_is_found() {
        let t = "Please call me.\n\nRegards\nImran\n\nImran Shah\nOperations Director\nShah Logistics Ltd | Bradford BD2 1AU\nT: 01274 555 0192";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), Some(5));
        // The same name but no contact details: a last paragraph, kept.
        let t = "Thanks\nImran\n\nImran Shah\nwill be away next week";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), None);
        // A different name below: someone else's details, kept.
        let t = "Thanks\nImran\n\nSara Jones\nT: 01274 555 0192";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), None);
        // No typed name above: nothing to tell the block from the letter.
        let t = "I want this fixed by Friday.\n\nImran Shah\nT: 01274 555 0192";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), None);
    }
}
