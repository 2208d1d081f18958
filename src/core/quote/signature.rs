//! A handler's own signature block, kept off what is relayed to the
//! complainant (the template adds the organisation's own sign-off).

use crate::core::directory::Directory;
use crate::core::lean_regex::Regex;
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
    if contact_block_under_a_name(lines, start, block) {
        return Some(start);
    }
    // The block opens with the name, or with the name and a "|"-set title
    // ("Ian Crowther | Apprentice Fitter").
    let piped = block[0].contains('|');
    if !(is_name_line(block[0]) || (piped && is_name_with_title(block[0]))) {
        return None;
    }
    // The typed sign-off: the paragraph above (a name, perhaps under
    // "Regards" or over a typed title such as "Ward Manager, Ward 7").
    let p_end = lines[..start].iter().rposition(|l| !l.trim().is_empty())?;
    let p_start = lines[..p_end]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let block_first = block[0].split_whitespace().next()?;
    let signed = lines[p_start..=p_end]
        .iter()
        .rev()
        .take(3)
        .filter(|l| is_name_with_title(l) || is_name_line(l))
        .filter_map(|l| l.split_whitespace().next())
        .any(|w| {
            w.trim_end_matches([',', '.'])
                .eq_ignore_ascii_case(block_first)
        });
    if !signed {
        return None;
    }
    // Under the same name: contact details, or a title and the
    // organisation's name ("Swyddog Cynllunio | Planning Officer / Cyngor
    // Gwynedd"), which a typed last paragraph does not carry.
    // A title set with "|" (a bilingual "Cynorthwyydd Gofal | Care
    // Assistant") is a signature's, as much as an organisation's name is.
    let rest = &block[1..];
    let carries_title = piped
        || (rest.len() >= 2
            && rest
                .iter()
                .any(|l| ORGANISATION.is_match(l) || COMPANY_LIKE.is_match(l) || l.contains('|')));
    let titled = carries_title
        && rest
            .iter()
            .all(|l| !l.trim_end().ends_with(['.', '?', '!', ':']) && l.chars().count() <= 100);
    (rest.iter().any(|l| CONTACT_LINE.is_match(l)) || titled).then_some(start)
}

/// The other shape of a client's signature: a last paragraph of contact
/// details only (the company, its address, a telephone number), under a
/// paragraph of at most three lines that opens with a typed name ("Janet
/// Morris / Registered Manager"). One line of a telephone number alone is
/// too little to tell from a number the writer typed for us to ring.
fn contact_block_under_a_name(lines: &[&str], start: usize, block: &[&str]) -> bool {
    if !block.iter().all(|l| CONTACT_LINE.is_match(l)) {
        return false;
    }
    if block.len() < 2 && !block.iter().any(|l| COMPANY_OR_PLACE.is_match(l)) {
        return false;
    }
    let Some(p_end) = lines[..start].iter().rposition(|l| !l.trim().is_empty()) else {
        return false;
    };
    let p_start = lines[..p_end]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let para = &lines[p_start..=p_end];
    para.len() <= 3 && p_start > 0 && is_name_line(para[0])
}

/// An image a client left as text where a logo was ("[cid:image001.png@…]",
/// "[https://example.org/logo.png]").
static IMAGE_PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\[(cid:|https?://)[^\]\s]*\]\s*$").expect("static regex")
});

/// More lines a contact card carries: a charity's or company's number, a
/// helpline.
static CARD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)registered charity|charity (no|number)|company (no|number)|advice line|helpline|switchboard")
        .expect("static regex")
});

fn card_line(l: &str) -> bool {
    CONTACT_LINE.is_match(l) || CARD_LINE.is_match(l) || IMAGE_PLACEHOLDER.is_match(l)
}

/// A name line, or a name with a title beside it ("Marcus Bell |
/// Apprentice Experience Manager", "Jo Price, Quality Manager").
fn is_name_with_title(line: &str) -> bool {
    is_name_line(line)
        || line
            .split_once(['|', ',', '–'])
            .is_some_and(|(name, title)| {
                is_name_line(name) && !title.trim().is_empty() && line.len() <= 100
            })
}

/// Where a contact card at the very end of a reply starts, when nothing
/// above marks it: a last paragraph of at most eight short lines that is
/// either a person's card (their name, or name and title, then contact
/// lines, among them a web address, a logo left as text or a "|"-set title
/// line, which typed words rarely have), or an organisation's card (its
/// name, then only contact lines) under a paragraph that carries the
/// writer's typed name. `None` when the text does not end that way, or the
/// card would be all there is.
pub(super) fn contact_card_at(lines: &[&str]) -> Option<usize> {
    let end = lines.iter().rposition(|l| !l.trim().is_empty())? + 1;
    let start = lines[..end].iter().rposition(|l| l.trim().is_empty())? + 1;
    let block = &lines[start..end];
    if !(2..=8).contains(&block.len()) || block.iter().any(|l| l.chars().count() > 200) {
        return None;
    }
    let p_end = lines[..start].iter().rposition(|l| !l.trim().is_empty())?;
    let p_start = lines[..p_end]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let rest = &block[1..];
    let person = is_name_with_title(block[0])
        && rest.iter().any(|l| card_line(l))
        && rest.iter().chain(std::iter::once(&block[0])).any(|l| {
            IMAGE_PLACEHOLDER.is_match(l)
                || l.contains("www.")
                || l.contains("http")
                || l.contains('|')
        });
    // An organisation's card names one ("… Ltd", a web or mail address, a
    // charity number, "Council"); an address the writer typed for a reply
    // by post opens on a house number and names none.
    let first = block[0].trim();
    let organisation = first.chars().count() <= 100
        && !first.ends_with(['.', '?', '!', ':'])
        && !first.chars().any(|c| c.is_ascii_digit())
        && (ORGANISATION.is_match(first) || block.iter().any(|l| COMPANY_LIKE.is_match(l)))
        && rest.iter().all(|l| card_line(l))
        && lines[p_start..=p_end].len() <= 4
        && lines[p_start..=p_end].iter().any(|l| is_name_with_title(l));
    (person || organisation).then_some(start)
}

/// A line that names an organisation rather than a place: a legal form, a
/// web or mail address, a charity's or company's number.
static COMPANY_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(ltd|limited|plc|llp|cic)\b|www\.|https?://|\S@\S|registered charity|charity (no|number)|company (no|number)")
        .expect("static regex")
});

/// Words in an organisation's name.
static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(council|cyngor|services|advocacy|advice|association|union|trust|nhs|university|college|school|academy|office of|partnership|group|foundation|charity)\b")
        .expect("static regex")
});

/// A company's legal form, a UK postcode or a web address: what a typed
/// telephone number alone lacks to be a signature.
static COMPANY_OR_PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)www\.|https?://|(?-u:\b)[A-Z]{1,2}\d[A-Z\d]?\ \d[A-Z]{2}(?-u:\b)|(?-u:\b)(ltd|limited|plc|llp|cic)(?-u:\b)",
    )
    .expect("static regex")
});

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
        // A "|"-set title under the name, or the name and title on one line.
        let t = "Thanks\nDilys Pugh\n\nDilys Pugh\nGweinyddwr | Administrator\nCartref Glan Llyn";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), Some(3));
        let t = "I'll wait to hear.\n\nTom\n\nTom Hale | Site Electrician\nNorthgate Facilities";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), Some(4));
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

    /// A client's block with no telephone or address, only the name again,
    /// a (bilingual) title and the organisation, under a typed name that
    /// may carry a typed title of its own.
    #[test]
    fn a_titled_block_naming_the_organisation_under_a_typed_name() {
        let t = "The sessions clash with my shifts.\n\nDiolch,\nSioned\n\nSioned Pugh\nSwyddog Tai | Housing Officer\nCyngor Sir Ceredigion";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), Some(5));
        let t = "Please confirm the dates.\n\nTomasz Nowak\nShift Lead, Unit 4\n\nTomasz Nowak\nShift Lead\nRiverside Care Group";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), Some(5));
        // A last paragraph the writer typed about someone of the same name
        // is a sentence, not a block: kept.
        let t = "Thanks\nSioned\n\nSioned Pugh from the council will ring you.\nShe is at the Housing Association.";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), None);
        // Under the same name, lines the writer typed as sentences (one
        // names the council) are theirs, not a block.
        let t = "Thanks\nSioned\n\nSioned Pugh\nI work at the council.\nCyngor Sir Ceredigion pays my fees.";
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(auto_signature_at(&lines), None);
    }
}
