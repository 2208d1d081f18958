//! Reply and quote stripping: find the text a person newly wrote in a reply.
//!
//! Removed: quoted history (Outlook header blocks in many languages, or ones
//! that start with `Date:`; `-----Original Message-----`, `-----Reply
//! Message-----` and their translations; the underscore line; attribution
//! lines such as "On … wrote:" in many languages, wrapped over up to three
//! lines, sharing a line with the reply, or "Name <addr> wrote:" with no `>`
//! quoting below), client signatures after `-- `, device footers ("Sent from
//! my iPhone", "Get Outlook for Android") and whatever was pasted below them,
//! external-sender banners at the top, legal disclaimers, mailing-list
//! footers and the separator lines these leave behind. Kept: the writer's own
//! sign-off, answers written below or between `>` quotes (bottom-posting,
//! interleaving), and the content of a forwarded message. A message that
//! looks entirely quoted falls back to its whole text.
//!
//! Modules: [`headers`] (separators, forward marks, header blocks),
//! [`attribution`] ("On … wrote:"), [`footers`] (device footers, banners,
//! disclaimers, list footers), [`copied`] (our own mail pasted unquoted).

use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

mod attribution;
mod copied;
mod footers;
mod headers;
mod signature;

#[cfg(test)]
use copied::copied_history_start;
pub use copied::cut_copied_history;
pub use signature::relayable;

/// How the history below the new text was introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    /// No quoted history found.
    None,
    /// A reply's quoted history.
    Reply,
    /// A forwarded message.
    Forward,
}

/// A reply split into what was newly written and what was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The newly written text, sign-off kept, footers and disclaimers removed.
    pub new: String,
    /// The quoted or forwarded history (may be empty).
    pub history: String,
    /// What introduced the history.
    pub kind: HistoryKind,
    /// Removed footers, signatures and disclaimers.
    pub removed: Vec<String>,
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// A `>` block starts here: two quoted lines, or one followed by a blank
/// line or the end (a lone `>>> link <<<` inside a sentence is not one).
fn quote_block_at(lines: &[&str], i: usize) -> bool {
    is_quoted(lines[i])
        && lines
            .get(i + 1)
            .is_none_or(|n| is_quoted(n) || n.trim().is_empty())
}

/// A line that a client wrapped out of a `>` quote: a link's tail or a
/// fragment with no spaces between two quoted lines, or the lower-case rest
/// of a long quoted line just above it (an answer written between quotes
/// starts a sentence, usually after a blank line).
fn wrapped_quote_line(lines: &[&str], i: usize) -> bool {
    let l = lines[i].trim();
    if i == 0 || !is_quoted(lines[i - 1]) || l.is_empty() {
        return false;
    }
    let next_quoted = lines.get(i + 1).is_some_and(|n| is_quoted(n));
    let next_ends = lines
        .get(i + 1)
        .is_none_or(|n| n.trim().is_empty() || is_quoted(n));
    (next_quoted
        && (l.contains("://")
            || l.ends_with('>')
            || (!l.contains(' ') && l.contains(['=', '/', '_', ')']))))
        || (next_ends
            && lines[i - 1].chars().count() >= 60
            && l.chars().next().is_some_and(|c| c.is_lowercase()))
}

/// The end (exclusive) of the `>` block starting at `i`, with the blank
/// lines after it.
fn quote_block_end(lines: &[&str], i: usize) -> usize {
    let mut j = i;
    while j < lines.len()
        && (is_quoted(lines[j]) || lines[j].trim().is_empty() || wrapped_quote_line(lines, j))
    {
        j += 1;
    }
    j
}

/// What starts at line `i` of the text.
enum Start {
    /// Unquoted history runs from here to the end.
    Rest(HistoryKind),
    /// Lines `i..end` are quoted history; what follows may be new text.
    Span(usize),
    /// The line is new text.
    Text,
}

fn start_at(lines: &[&str], i: usize) -> Start {
    let line = lines[i];
    if line.trim().is_empty() {
        return Start::Text;
    }
    // GroupWise's attribution starts with ">>>" like a quoted line, but
    // the original under it is not quoted: all of it is history.
    if headers::is_groupwise_attribution(line) {
        return Start::Rest(HistoryKind::Reply);
    }
    if quote_block_at(lines, i) {
        return Start::Span(quote_block_end(lines, i));
    }
    if headers::is_forward_mark(line) {
        return Start::Rest(HistoryKind::Forward);
    }
    // Our own line from a notification's link: when the client quoted our
    // notification under it, everything from it down is ours; alone (the
    // link's body, with the handler's words above or below it) only the
    // line itself goes (`tidy`).
    if line
        .trim_start()
        .starts_with(crate::core::handler_intent::HINT_MARK)
    {
        let next = lines[i + 1..]
            .iter()
            .position(|l| !l.trim().is_empty())
            .map(|n| i + 1 + n);
        if next.is_some_and(|n| {
            headers::header_block_at(lines, n)
                || quote_block_at(lines, n)
                || attribution::attribution_at(lines, n).is_some()
                || headers::is_separator(lines[n])
                || headers::is_original_message(lines[n])
        }) {
            return Start::Rest(HistoryKind::Reply);
        }
        return Start::Text;
    }
    // BlackBerry's bare "Original Message" over a header block.
    if line.trim().eq_ignore_ascii_case("original message")
        && headers::header_block_at(lines, i + 1)
    {
        return Start::Rest(HistoryKind::Reply);
    }
    if headers::is_original_message(line) {
        // Proton's "------- Original Message -------" sits over an
        // attribution and `>` quoting: the quote may end and the answer
        // follow, as under any attribution.
        let k = attribution::attribution_at(lines, i + 1).unwrap_or(0);
        if next_is_quote(lines, i + 1 + k) {
            return Start::Span(quote_span_end(lines, i + 1 + k));
        }
        return Start::Rest(HistoryKind::Reply);
    }
    if headers::header_block_at(lines, i) {
        return Start::Rest(HistoryKind::Reply);
    }
    if headers::is_separator(line) {
        // Outlook's underscore line or a list's separator: history when a
        // header block or a list footer follows it.
        let next = lines[i + 1..].iter().position(|l| !l.trim().is_empty());
        if let Some(n) = next.map(|n| i + 1 + n) {
            if headers::header_block_at(lines, n) || footers::is_mailing_list(lines[n]) {
                return Start::Rest(HistoryKind::Reply);
            }
        }
        return Start::Text;
    }
    if footers::is_mailing_list(line) {
        return Start::Rest(HistoryKind::Reply);
    }
    let attribution = attribution::attribution_at(lines, i).or_else(|| {
        attribution::weak_attribution(line)
            .then_some(1)
            .filter(|_| next_is_quote(lines, i + 1))
    });
    if let Some(k) = attribution {
        // With `>` quoting below, the quote may end and the answer follow;
        // without, everything below is the earlier message.
        return if next_is_quote(lines, i + k) {
            Start::Span(quote_span_end(lines, i + k))
        } else {
            Start::Rest(HistoryKind::Reply)
        };
    }
    Start::Text
}

/// Where the `>` quote that starts at the first non-blank line from `i` ends.
fn quote_span_end(lines: &[&str], i: usize) -> usize {
    let q = i + lines[i..]
        .iter()
        .take_while(|l| l.trim().is_empty())
        .count();
    quote_block_end(lines, q)
}

/// Is the first non-blank line from `i` on a `>` quote?
fn next_is_quote(lines: &[&str], i: usize) -> bool {
    lines
        .get(i..)
        .and_then(|rest| rest.iter().find(|l| !l.trim().is_empty()))
        .is_some_and(|l| is_quoted(l))
}

/// Split a reply into new text and history, and remove footers from the new text.
pub fn split(text: &str) -> Split {
    let text = text.replace("\r\n", "\n");
    let all: Vec<&str> = text.lines().collect();
    let mut removed = Vec::new();
    let banner = footers::banner_len(&all);
    if banner > 0 {
        removed.push(all[..banner].join("\n").trim_end().to_string());
    }
    let lines = &all[banner..];
    let mut kept: Vec<String> = Vec::new();
    let mut history: Vec<&str> = Vec::new();
    let mut kind = HistoryKind::None;
    // Whether the history began with a bare `>` block at the top, with no
    // attribution or header block: the only case where falling back to the
    // whole text is safe (a quoted notification under "On … wrote:" must
    // never have its commands read as newly written).
    let mut bare_quote_first = false;
    // Where each quote ends in the kept text, with its last paragraph: the
    // question an answer below it answers, when the reply is interleaved.
    let mut answered: Vec<Answered> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        // A device footer ends the new text; anything below it is an
        // earlier message pasted without quoting.
        if footers::is_device_footer(line) {
            removed.push(line.trim().to_string());
            if lines[i + 1..].iter().any(|l| !l.trim().is_empty()) {
                history.extend(&lines[i + 1..]);
                if kind == HistoryKind::None {
                    kind = HistoryKind::Reply;
                }
            }
            break;
        }
        if let Some(at) = attribution::shared_line_at(line).filter(|_| next_is_quote(lines, i + 1))
        {
            let head = line[..at].trim_end().trim_end_matches('-').trim_end();
            kept.push(head.to_string());
            history.push(&line[at..]);
            let q = i
                + 1
                + lines[i + 1..]
                    .iter()
                    .take_while(|l| l.trim().is_empty())
                    .count();
            let end = quote_block_end(lines, q);
            // The quote under an attribution may hold the first question
            // of an interleaved reply, as any other quote does.
            if let Some(p) = last_quoted_paragraph(&lines[q..end]) {
                answered.push(Answered::new(kept.len(), p, &lines[q..end]));
            }
            history.extend(&lines[i + 1..end]);
            kind = HistoryKind::Reply;
            i = end;
            continue;
        }
        match start_at(lines, i) {
            Start::Rest(k) => {
                history.extend(&lines[i..]);
                if kind != HistoryKind::Forward {
                    kind = k;
                }
                break;
            }
            Start::Span(end) => {
                if history.is_empty() && kept.iter().all(|l| l.trim().is_empty()) {
                    bare_quote_first = quote_block_at(lines, i);
                }
                if let Some(p) = last_quoted_paragraph(&lines[i..end]) {
                    answered.push(Answered::new(kept.len(), p, &lines[i..end]));
                }
                history.extend(&lines[i..end]);
                kind = HistoryKind::Reply;
                i = end;
                continue;
            }
            Start::Text => {}
        }
        kept.push(line.to_string());
        i += 1;
    }
    with_questions_answered(&mut kept, &answered);
    let mut new_lines: Vec<&str> = kept.iter().map(|s| s.as_str()).collect();
    tidy(&mut new_lines, &mut removed);
    let mut new = join_trimmed(&new_lines);
    if new.is_empty() && kind == HistoryKind::Reply && bare_quote_first {
        // Looks entirely quoted: better the whole text than nothing.
        let unquoted: Vec<&str> = lines.iter().map(|l| unquote(l)).collect();
        let mut fallback = unquoted.clone();
        let mut ignored = Vec::new();
        tidy(&mut fallback, &mut ignored);
        new = join_trimmed(&fallback);
    }
    Split {
        new,
        history: history.join("\n"),
        kind,
        removed,
    }
}

/// A line that opens an item of a list ("1. Which assessor…", "b) When",
/// "- Your address").
static LIST_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2}|[a-z])[.)]\s+\S|^[-*•]\s+\S").expect("static regex"));

/// The last paragraph of a `>` quote, its lines unquoted and joined. When
/// the paragraph ends on an item of a list ("could you tell me:" then "1.
/// Which assessor…?"), the item: that is the question an answer below it
/// answers, not the preamble above it.
fn last_quoted_paragraph(span: &[&str]) -> Option<String> {
    let quoted: Vec<&str> = span
        .iter()
        .map(|l| unquote(l).trim())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    // Lines last first: keep up to the item the last lines belong to.
    let item = quoted.iter().position(|l| LIST_ITEM.is_match(l));
    let quoted = match item {
        Some(i) if i + 1 < quoted.len() => &quoted[..=i],
        _ => &quoted[..],
    };
    (!quoted.is_empty()).then(|| quoted.iter().rev().cloned().collect::<Vec<_>>().join(" "))
}

/// A quote the kept text continues under: where in the kept text, the
/// quote's last paragraph (the question an answer would answer), and
/// whether the text below follows the quote's last line with no blank
/// line between (kept so when the question is put back).
struct Answered {
    at: usize,
    question: String,
    tight: bool,
}

impl Answered {
    fn new(at: usize, question: String, span: &[&str]) -> Self {
        let tight = span.last().is_some_and(|l| !l.trim().is_empty());
        Self {
            at,
            question,
            tight,
        }
    }
}

/// An interleaved reply (two or more answers, each written under a part of
/// our mail): each answer keeps the quoted paragraph it answers, as a `> `
/// line above it, since "Yes" or "Manchester" means nothing without its
/// question. A reply with one answer under the quote (bottom-posting) is
/// left as it is, and so is a bare sign-off under the last quote.
fn with_questions_answered(kept: &mut Vec<String>, answered: &[Answered]) {
    let sentence = |l: &String| l.split_whitespace().count() >= 4;
    let answers: Vec<&Answered> = answered
        .iter()
        .enumerate()
        .filter(|(n, a)| {
            let end = answered.get(n + 1).map_or(kept.len(), |next| next.at);
            kept[a.at..end].iter().any(sentence)
        })
        .map(|(_, a)| a)
        .collect();
    // A one-line `>` quote that opens a paragraph, straight above its
    // answer, stays in the kept text as it is: it is an answered question
    // too. A quotation inside the writer's own sentence ("Your website
    // says\n> resits are free\nso…") is not one.
    let inline = (0..kept.len().saturating_sub(1))
        .filter(|&i| {
            let opens = i == 0 || kept[i - 1].trim().is_empty();
            opens && kept[i].trim_start().starts_with('>') && sentence(&kept[i + 1])
        })
        .count();
    if answers.is_empty() || answers.len() + inline < 2 {
        return;
    }
    for a in answers.into_iter().rev() {
        let at = a.at;
        let mut lines = Vec::new();
        if at > 0 && !kept[at - 1].trim().is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("> {}", a.question));
        if !a.tight && kept.get(at).is_some_and(|l| !l.trim().is_empty()) {
            lines.push(String::new());
        }
        kept.splice(at..at, lines);
    }
}

/// A line without its `>` quote markers.
fn unquote(line: &str) -> &str {
    line.trim_start().trim_start_matches(['>', ' '])
}

/// A line that is only where a client put an inline image ("[image:
/// 20261210_141502.jpg]" from Gmail, "[imagen: …]", "[cid:image001.png@…]"):
/// not typed text.
static IMAGE_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\[(image|imagen|imagem|bild|immagine|obraz|afbeelding|inline image|cid)\s?:[^\]]*\]\s*$")
        .expect("static regex")
});

/// Remove signatures, disclaimers, list footers and device footers from
/// the end of the new text, then the separators and blank lines they leave.
fn tidy(new_lines: &mut Vec<&str>, removed: &mut Vec<String>) {
    // Client signature delimiter "-- " (RFC 3676): everything after is signature.
    if let Some(i) = new_lines.iter().position(|l| *l == "-- " || *l == "--") {
        removed.push(new_lines[i..].join("\n"));
        new_lines.truncate(i);
    }
    // Disclaimers run to the end of the text.
    if let Some(i) = new_lines.iter().position(|l| footers::is_disclaimer(l)) {
        // Only in the closing part: a complainant may quote such words mid-text.
        if i * 3 >= new_lines.len() || i > 3 {
            removed.push(new_lines[i..].join("\n"));
            new_lines.truncate(i);
        }
    }
    // Our mark from a notification's link, and the blank line it leaves.
    while let Some(i) = new_lines.iter().position(|l| {
        l.trim_start()
            .starts_with(crate::core::handler_intent::HINT_MARK)
    }) {
        new_lines.remove(i);
        let blank = |j: usize| new_lines.get(j).is_some_and(|l| l.trim().is_empty());
        if i > 0 && blank(i - 1) && blank(i) {
            new_lines.remove(i);
        }
    }
    new_lines.retain(|l| {
        if footers::is_device_footer(l) || IMAGE_ONLY.is_match(l) {
            removed.push(l.to_string());
            false
        } else {
            true
        }
    });
    // A client's signature block under the name the writer typed, or a
    // block of a name and contact details at the very end.
    while let Some(i) =
        signature::auto_signature_at(new_lines).or_else(|| signature::contact_card_at(new_lines))
    {
        removed.push(new_lines[i..].join("\n"));
        new_lines.truncate(i);
        while new_lines.last().is_some_and(|l| l.trim().is_empty()) {
            new_lines.pop();
        }
    }
    // Separator lines left behind, and trailing blank lines.
    while new_lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || headers::is_separator(l))
    {
        new_lines.pop();
    }
}

/// The lines joined, without leading blank lines and trailing spaces.
fn join_trimmed(lines: &[&str]) -> String {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    lines[start..]
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The newly written text of a reply (for `reply-text`): what [`split`]
/// finds, and for a forward the forwarded message below it too (forwarding
/// is how its content reaches us, so it is not history to drop).
pub fn reply_text(text: &str) -> String {
    let s = split(text);
    // Our own notification forwarded under a note: the note is new, the
    // notification is on the case already.
    let ours_under_a_note = !s.new.is_empty() && forwards_our_own_mail(&s.history);
    if s.kind == HistoryKind::Forward && !ours_under_a_note {
        let history = s.history.trim_end();
        if s.new.is_empty() {
            return join_trimmed(&history.lines().collect::<Vec<_>>());
        }
        let h: Vec<&str> = history.lines().collect();
        return format!("{}\n\n{}", s.new, join_trimmed(&h));
    }
    s.new
}

/// Whether a forwarded message is one complaintd sent: the first address
/// in its header block (who it came from) is one of our plus-addresses
/// (`feedback+REF.tTOKEN@…`). The case holds it already; only the note
/// written above it is new (a handler passing a notification to a
/// colleague).
fn forwards_our_own_mail(history: &str) -> bool {
    history
        .lines()
        .take(8)
        .find(|l| l.contains('@'))
        .is_some_and(|l| {
            l.split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c))
                .any(|w| w.contains('@') && crate::core::threading::plus_address(w).is_some())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlook_header_block() {
        let s = split("Thanks, that's fine.\n\nKind regards\nSam\n\nFrom: Org <info@org.test>\nSent: 10 March 2026 10:00\nTo: Sam\nSubject: RE: x\n\nOld text");
        assert_eq!(s.new, "Thanks, that's fine.\n\nKind regards\nSam");
        assert_eq!(s.kind, HistoryKind::Reply);
    }

    #[test]
    fn localised_outlook_blocks() {
        for (from, sent) in [
            ("Von", "Gesendet"),
            ("Från", "Skickat"),
            ("De", "Envoyé"),
            ("De ", "Envoyé "),
        ] {
            let t = format!("Neu.\n\n{from}: A <a@b.test>\n{sent}: Montag\nAn: x\n\nalt");
            assert_eq!(split(&t).new, "Neu.", "{from}");
        }
    }

    #[test]
    fn gmail_wrote_line_wrapped() {
        let s = split("Yes please.\n\nOn Tue, 3 Mar 2026 at 10:00, Org Complaints <\ncomplaints@org.test> wrote:\n> old\n> older");
        assert_eq!(s.new, "Yes please.");
    }

    #[test]
    fn mobile_footer_removed_sign_off_kept() {
        let s = split("Not happy with this.\n\nJo\n\nSent from my iPhone");
        assert_eq!(s.new, "Not happy with this.\n\nJo");
        let s = split("شكرا\n\nأُرسلت من الـ iPhone");
        assert_eq!(s.new, "شكرا");
    }

    #[test]
    fn disclaimer_removed() {
        let s = split("Please cancel the invoice.\n\nRegards\nJ\nAcme Ltd\nThis email and any attachments are confidential and intended solely for the addressee.\nIf you are unhappy, see our complaints procedure.");
        assert_eq!(s.new, "Please cancel the invoice.\n\nRegards\nJ\nAcme Ltd");
        let s = split("Gracias.\n\nMarta\n\nAVISO LEGAL: Este mensaje es confidencial.");
        assert_eq!(s.new, "Gracias.\n\nMarta");
    }

    #[test]
    fn bottom_posting_keeps_text_after_quote() {
        let s = split("On Mon, 1 Jan 2026, X wrote:\n> question?\n\nMy answer.");
        assert_eq!(s.new, "My answer.");
    }

    #[test]
    fn bottom_posting_under_an_original_message_line() {
        let s = split("------- Original Message -------\nOn Monday, November 16th, 2026 at 2:00 PM, Org <a@b.test> wrote:\n\n> Dear Sam,\n> We have received it.\n\nHas this been lost?\n\nSam");
        assert_eq!(s.new, "Has this been lost?\n\nSam");
        // Without quoting below it, everything under the line is history.
        let s = split(
            "Thanks.\n\n-----Original Message-----\nFrom: Org\nDear Sam,\nWe have received it.",
        );
        assert_eq!(s.new, "Thanks.");
    }

    #[test]
    fn interleaved_answers_keep_the_question_they_answer() {
        let s = split("Hi, answers below\n\n> Dear Jo,\n>\n> 1. Which centre were you\n> attending?\n\nManchester, the Oxford Road one.\n\n> 2. Did you report it?\n\nYes, I told the receptionist that day.\n\n> Dev\n\nJo");
        assert_eq!(
            s.new,
            "Hi, answers below\n\n> 1. Which centre were you attending?\n\nManchester, the Oxford Road one.\n\n> 2. Did you report it?\n\nYes, I told the receptionist that day.\n\nJo"
        );
        // Answers from the top, the first under the attribution's quote:
        // its question is kept like the others.
        let s = split("On Tue, 8 Dec 2026 at 11:42, Pareto <f@p.test> wrote:\n\n> Dear Sophie,\n>\n> 1. When did you first raise it?\nIn my review on 12 October, and again.\n\n> 2. Have you appealed the grade?\nYes, I put in an appeal on 20 November.\n\nSophie\n\n> Please reply.");
        assert_eq!(
            s.new,
            "> 1. When did you first raise it?\nIn my review on 12 October, and again.\n\n> 2. Have you appealed the grade?\nYes, I put in an appeal on 20 November.\n\nSophie"
        );
        // One answer under the quote, and a quotation of the writer's own
        // inside a sentence below: still bottom-posting.
        let s = split("On Mon, 1 Jan 2026, X wrote:\n> What outcome would you like?\nA refund of the resit fee please.\n\nYour website says\n> resits are free for all apprentices\nso I should never have been charged at all.");
        assert!(s.new.starts_with("A refund"), "{}", s.new);
        // One answer under the quote: bottom-posting, no question kept.
        let s = split("On Mon, 1 Jan 2026, X wrote:\n> Can you tell me the date?\n\nIt was on the 3rd of March.");
        assert_eq!(s.new, "It was on the 3rd of March.");
    }

    #[test]
    fn cjk_outlook_headers_and_bare_name_wrote() {
        for t in [
            "好的，谢谢。\n\n发件人: Complaints <complaints@org.test>\n发送时间: 2026年11月23日 9:00\n收件人: 王\n主题: x\n\n#close lessons: TEXT",
            "了解しました。\n\n差出人: Complaints <complaints@org.test>\n送信日時: 2026年11月23日 9:00\n宛先: 山田\n件名: x\n\n#withdraw",
            "Thanks, will look.\n\nComplaints <complaints@org.test> wrote:\n#close lessons: TEXT",
            "Thanks, will look.\n\n2026年11月23日 9:00 Complaints 写道：\n#withdraw",
        ] {
            let s = split(t);
            assert!(!s.new.contains('#'), "{t:?} kept {:?}", s.new);
            assert_eq!(s.kind, HistoryKind::Reply, "{t:?}");
        }
        // A person's own "she wrote:" with neither address nor date is kept.
        let s = split("Here is what she wrote:\nI was shouted at.");
        assert_eq!(s.kind, HistoryKind::None);
    }

    #[test]
    fn copied_mail_is_history_even_rewrapped() {
        let sent = "Megan,\n\nA complaint from Jo has been assigned to you (Stage 1).\n\nHow to handle it: reply to this email from your usual mail client.\n- Or act on the case instead, by starting lines of your reply with a command; nothing is then sent to the complainant.";
        // Unquoted, re-wrapped at a different width, under an attribution
        // the stripper does not know.
        let reply = "Thanks, will look.\n\nMegan\n\nQuelqu'un a dit\nA complaint from Jo has been assigned to you\n(Stage 1).\nHow to handle it: reply to this email from\nyour usual mail client.";
        assert_eq!(
            cut_copied_history(reply, sent),
            "Thanks, will look.\n\nMegan\n\nQuelqu'un a dit"
        );
        // One sentence quoted inline, between the writer's own lines, stays.
        let inline = "You asked me to reply to this email from your usual mail client.\nI am doing that now, as asked.";
        assert_eq!(cut_copied_history(inline, sent), inline);
        assert_eq!(copied_history_start("anything", ""), None);
    }

    #[test]
    fn forward_is_marked() {
        let s = split("See below.\n\n---------- Forwarded message ---------\nFrom: L <l@x.test>\nDate: Mon\n\nbody");
        assert_eq!(s.kind, HistoryKind::Forward);
        assert_eq!(s.new, "See below.");
    }

    #[test]
    fn answer_below_a_quote_kept_with_the_text_above() {
        let s = split("Hi,\n\nOn Mon, 23 Nov 2026 at 10:00, X <x@y.test> wrote:\n> Which day?\n\nMonday.\n\nJo");
        assert_eq!(s.new, "Hi,\n\nMonday.\n\nJo");
        assert_eq!(s.kind, HistoryKind::Reply);
    }

    #[test]
    fn a_quoted_notification_never_falls_back_to_being_new_text() {
        // Nothing written above our quoted mail: empty, so the commands in
        // its help text are never read as the handler's.
        let s = split("On Mon, 23 Nov 2026 at 10:00, Complaints <c@org.test> wrote:\n> #close lessons: TEXT\n> #withdraw");
        assert_eq!(s.new, "");
        let s = split("From: Complaints <c@org.test>\nSent: Monday\nTo: Sam\n\n#withdraw");
        assert_eq!(s.new, "");
        // A bare quote with nothing else is read whole.
        assert_eq!(split("> Any news?\n> Jo").new, "Any news?\nJo");
    }

    #[test]
    fn reply_text_keeps_a_forwarded_message() {
        let t =
            "FYI\n\n---------- Forwarded message ---------\nFrom: L <l@x.test>\nDate: Mon\n\nbody";
        assert_eq!(reply_text(t), t);
        assert_eq!(split(t).new, "FYI");
    }

    #[test]
    fn our_write_above_line_starts_the_history() {
        let t = format!(
            "I'll ring her on Monday first.\n\n{} what you write goes to Jo Bloggs as a question.\n\nFrom: ALS Training <info@als.test>\nSent: 02 December 2026 10:00\nTo: Rhian Morgan <rhian@als.test>\nSubject: [ALS-2026-0001] New complaint\n\nquoted",
            crate::core::handler_intent::HINT_MARK
        );
        assert_eq!(reply_text(&t), "I'll ring her on Monday first.");
        // The link's own body: the mark alone, the handler's words above
        // and below it all kept (only the mark goes).
        let t = format!(
            "Dear Jo,\n\n{} it goes to Jo as the Stage 1 response.\n\nWe have refunded the fee.\n\nKind regards",
            crate::core::handler_intent::HINT_MARK
        );
        assert_eq!(
            reply_text(&t),
            "Dear Jo,\n\nWe have refunded the fee.\n\nKind regards"
        );
    }

    #[test]
    fn groupwise_and_bare_original_message_attributions() {
        let t = "Yes, that is right.\n\n>>> Feedback <feedback@org.test> 02/12/2026 09:15 >>>\nDear Ann,\nour words";
        assert_eq!(reply_text(t), "Yes, that is right.");
        // With a quoted display name and a blank line under it.
        let t = "Noted.\n\nDee\n\n>>> \"Org Complaints\" <info+ORG-2026-0001.tabc@org.test> 02/12/2026 09:15 >>>\n\nDee,\n\nA case has been assigned to you.";
        assert_eq!(reply_text(t), "Noted.\n\nDee");
        let t = "Tuesday is fine.\n\n  Original Message  \nFrom: Feedback\nSent: Thursday, 3 December 2026 10:00\nTo: ann@mail.test\nSubject: [PAR-2026-0001] A question\n\nour words";
        assert_eq!(reply_text(t), "Tuesday is fine.");
        let t = "Thanks\n\nSent from the all new AOL app for iOS\n\nSent with Spark";
        assert_eq!(reply_text(t), "Thanks");
    }

    #[test]
    fn contact_cards_at_the_end_go_typed_details_stay() {
        // A person's card: name and title, logo left as text, web address.
        let t = "I have spoken to the employer and will write on Friday.\n\nDee Evans | Team Lead\nNorthfield Training\nT: 01234 567 890 | www.northfield.example\n[cid:image002.png@01DC0000.00000000]";
        assert_eq!(
            reply_text(t),
            "I have spoken to the employer and will write on Friday."
        );
        // An organisation's card under the writer's typed name.
        let t = "Please reply to me about Kim's case.\n\nRegards,\nAlex Hughes\n\nTown Advocacy Service\nRegistered charity no. 1234567\nHelpline: 0800 000 0000";
        assert_eq!(
            reply_text(t),
            "Please reply to me about Kim's case.\n\nRegards,\nAlex Hughes"
        );
        // An address the writer typed for a letter to reach them: kept.
        let t = "Please send the letter to my home.\n\nJo Bloggs\n12 High Street, Cardiff CF10 1AA";
        assert_eq!(reply_text(t), t);
        let t =
            "Please reply by post.\n\nJo Bloggs\n\n12 High Street\nCardiff CF10 1AA\n07700 900123";
        assert_eq!(reply_text(t), t);
    }

    /// What a client or a person adds that is not typed for this reply:
    /// Outlook mobile's footer in its UI language, an inline image's
    /// placeholder, our own notification forwarded under a note (written
    /// for this test).
    #[test]
    fn footers_placeholders_and_our_own_mail_forwarded() {
        for footer in [
            "Obtener Outlook para Android",
            "Pobierz aplikację Outlook dla systemu iOS",
            "Télécharger Outlook pour Android",
            "Scarica Outlook per iOS",
        ] {
            let t = format!("Tuesday is fine.\n\n{footer}");
            assert_eq!(reply_text(&t), "Tuesday is fine.", "{footer}");
        }
        let t = "[imagen: IMG_2041.jpg]\n\nThis is the broken hinge.";
        assert_eq!(reply_text(t), "This is the broken hinge.");
        // Our notification forwarded to a colleague: the note only.
        let t = "Dev, can you take this one? I'm off from Friday.\n\n---------- Forwarded message ---------\nFrom: Org Complaints <info+ORG-2026-0042.tabc123@org.test>\nDate: Mon, 7 Dec 2026 at 09:00\nSubject: [ORG-2026-0042 #tabc123] Stage 1: Jo Bloggs - action needed\n\nYou are handling ORG-2026-0042.";
        assert_eq!(
            reply_text(t),
            "Dev, can you take this one? I'm off from Friday."
        );
        // Someone else's mail forwarded is content: kept.
        let t = "See below.\n\n---------- Forwarded message ---------\nFrom: Jo Bloggs <jo@mail.test>\nDate: Mon\n\nThe tutor shouted at me.";
        assert_eq!(reply_text(t), t);
    }

    /// An interleaved answer under a numbered question quoted below its
    /// preamble keeps the question, not the preamble.
    #[test]
    fn an_answered_list_item_without_its_preamble() {
        let t = "On Mon, 7 Dec 2026 at 09:00, Org <info@org.test> wrote:\n> Before I reply, two things:\n> a) Which room was it in?\n\nIt was room 12, upstairs by the lift.\n\n> b) Who else was there?\n\nOnly the two of us and the tutor.\n\nSam";
        assert_eq!(
            reply_text(t),
            "> a) Which room was it in?\n\nIt was room 12, upstairs by the lift.\n\n> b) Who else was there?\n\nOnly the two of us and the tutor.\n\nSam"
        );
    }
}
