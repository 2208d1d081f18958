//! Reply and quote stripping: find the text a person newly wrote in a reply.
//!
//! Removed: quoted history (Outlook header blocks in many languages,
//! `-----Original Message-----`, the underscore line, "On … wrote:" in many
//! languages, Apple's "Begin forwarded message:", `>` quoting), client
//! signatures after `-- `, device footers ("Sent from my iPhone", "Get Outlook
//! for Android"), and legal disclaimers. Kept: the writer's own sign-off.

use regex::Regex;
use std::sync::LazyLock;

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

static ORIGINAL_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|originalmeddelande|oprindelig meddelelse|opprinnelig melding|alkuperäinen viesti|wiadomość oryginalna|neges wreiddiol)\s*-{2,}\s*$").expect("static regex")
});
static FORWARD_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(-{3,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|vidarebefordrat meddelande)\s*-{3,}|begin forwarded message:|début du message réexpédié\s*:|anfang der weitergeleiteten nachricht:)\s*$").expect("static regex")
});
/// The first line of an Outlook header block, in the languages our users'
/// correspondents write in.
static HEADER_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*[*>]*\s*(from|von|de|från|fra|da|van|od|lähettäjä|feladó|от|gönderen|oddesílatel|oddíl|wysłane przez|oddiel|remitente|oddesilatel|oddaja|gan|oddział|发件人|發件人|寄件者|差出人|送信者|보낸 사람|보낸사람)\s*[:：]\s*\S").expect("static regex")
});
static HEADER_SENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*[*>]*\s*(sent|date|gesendet|datum|envoyé|skickat|sendt|inviato|data|verzonden|enviado|fecha|lähetetty|wysłano|tarih|odesláno|dyddiad|anfonwyd|to|an|à|till|til|a|aan|para|subject|betreff|objet|ämne|emne|oggetto|onderwerp|asunto|pwnc|发送时间|發送時間|寄件日期|送信日時|日付|日期|时间|時間|收件人|收件者|宛先|抄送|副本|件名|主题|主旨|主題|보낸 날짜|받는 사람|제목)\s*[:：]").expect("static regex")
});
static UNDERSCORES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*_{10,}\s*$").expect("static regex"));
/// "On Tue, 3 Mar 2026 at 10:00, Name <a@b> wrote:" and its translations.
static WROTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(on(?-u:\b).*(?-u:\b)wrote|am(?-u:\b).*(?-u:\b)schrieb.*|le(?-u:\b).*(?-u:\b)a écrit|el(?-u:\b).*(?-u:\b)escribió|den(?-u:\b).*(?-u:\b)skrev.*|op(?-u:\b).*(?-u:\b)schreef.*|il(?-u:\b).*(?-u:\b)ha scritto|ar(?-u:\b).*(?-u:\b)ysgrifennodd.*|w dniu(?-u:\b).*(?-u:\b)napisał.*|em(?-u:\b).*(?-u:\b)escreveu)\s*:?\s*$").expect("static regex")
});
static WROTE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(on|am|le|el|den|op|il|ar|em)\s+\S.*\d").expect("static regex")
});
static WROTE_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(wrote|schrieb|a écrit|escribió|skrev|schreef|ha scritto|ysgrifennodd|napisał|escreveu)\s*:\s*$").expect("static regex")
});
/// "Name <address> wrote:" or "Name wrote on 3 March:" without "On …" and
/// without `>` quoting below (some clients, and CJK ones: "写道：").
/// Only with an address or a date in it, so "this is what she wrote:" in a
/// person's own text does not cut it short.
static NAME_WROTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\S.{0,150}(\S@\S|\d).{0,80}(?-u:\b)(wrote|schrieb|a écrit|escribió|skrev|schreef|ha scritto|ysgrifennodd|napisał|escreveu)\s*[:：]\s*$|^\s*\S.{0,150}(写道|寫道|のメッセージ|님이 작성|님이 씀)\s*[:：]?\s*$").expect("static regex")
});
// Word boundaries are ASCII ones, `(?-u:\b)`, throughout: every boundary in
// these patterns sits next to an ASCII letter, and a Unicode `\b` makes the
// regex engine leave its fast automaton on any non-ASCII line (a message of
// megabytes of invalid UTF-8 spent most of its time there).

/// Device and client footers.
static DEVICE_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(sent from my \S.*|sent from (outlook|mail|yahoo mail|samsung|gmail|proton ?mail)(?-u:\b).*|sent from outlook for (ios|android)|get outlook for (ios|android)(?-u:\b).*|sent with proton ?mail.*|sent via .* mobile.*|sent from my (iphone|ipad|galaxy|samsung|android|mobile|phone|blackberry).*|anfonwyd o fy \S.*|anfonwyd o'm \S.*|von meinem \S+ gesendet|envoyé de mon \S+|skickat från min \S+|enviado desde mi \S+|inviato da \S+|verzonden vanaf mijn \S+|download outlook for (ios|android).*)\s*$").expect("static regex")
});
/// The first line of a legal disclaimer or corporate footer.
static DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(disclaimer(?-u:\b)|confidentiality notice|this (e-?mail|message|communication)( and any (files|attachments?)( transmitted with it)?)? (is|are|may be) (confidential|intended|private|strictly)|this (e-?mail|message) (is|was) (sent|intended) (for|to)|if you (are not|have received this) (the intended|in error)|the information (contained )?in this (e-?mail|message)|.{0,80}(?-u:\b)registered in (england|wales|scotland|northern ireland)(?-u:\b)|registered office(?-u:\b)|company (registration )?(no|number)(?-u:\b)|vat (reg|registration|no)(?-u:\b)|think before you print|please consider the environment|mae'r e-bost hwn|rydym yn croesawu gohebiaeth yn gymraeg.*)").expect("static regex")
});

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Find where the history starts: the index of the first line that belongs to it.
fn history_start(lines: &[&str]) -> Option<(usize, HistoryKind)> {
    for (i, line) in lines.iter().enumerate() {
        if ORIGINAL_MESSAGE.is_match(line) {
            return Some((i, HistoryKind::Reply));
        }
        if FORWARD_MARK.is_match(line) {
            return Some((i, HistoryKind::Forward));
        }
        if UNDERSCORES.is_match(line) {
            // Outlook's separator: only history when a header block follows.
            let next: Vec<&&str> = lines[i + 1..]
                .iter()
                .filter(|l| !l.trim().is_empty())
                .take(1)
                .collect();
            if next.first().is_some_and(|l| HEADER_FROM.is_match(l)) {
                return Some((i, HistoryKind::Reply));
            }
        }
        if HEADER_FROM.is_match(line) {
            // A header block: "From:" then, within a few lines, "Sent:"/"Date:"/"To:"/"Subject:".
            let block = lines[i + 1..]
                .iter()
                .take(4)
                .filter(|l| HEADER_SENT.is_match(l))
                .count();
            if block >= 1 {
                return Some((i, HistoryKind::Reply));
            }
        }
        if (WROTE.is_match(line) || NAME_WROTE.is_match(line)) && line.len() < 250 {
            return Some((i, HistoryKind::Reply));
        }
        // Attribution wrapped over two lines by the client.
        if WROTE_START.is_match(line)
            && lines
                .get(i + 1)
                .is_some_and(|n| WROTE_END.is_match(n) && !WROTE_START.is_match(n))
            && line.len() < 200
        {
            return Some((i, HistoryKind::Reply));
        }
        // A block of `>` lines with at least two lines is quoted history.
        if is_quoted(line)
            && lines
                .get(i + 1)
                .is_some_and(|n| is_quoted(n) || n.trim().is_empty())
        {
            return Some((i, HistoryKind::Reply));
        }
    }
    None
}

/// Split a reply into new text and history, and remove footers from the new text.
pub fn split(text: &str) -> Split {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let (mut new_lines, history, kind) = match history_start(&lines) {
        Some((i, kind)) => (lines[..i].to_vec(), lines[i..].join("\n"), kind),
        None => (lines.clone(), String::new(), HistoryKind::None),
    };
    // Bottom-posting: nothing above the quote, so the new text is what follows it.
    if new_lines.iter().all(|l| l.trim().is_empty()) && kind == HistoryKind::Reply {
        let after: Vec<&str> = lines
            .iter()
            .skip_while(|l| !is_quoted(l))
            .filter(|l| !is_quoted(l) && !WROTE.is_match(l))
            .copied()
            .collect();
        if after.iter().any(|l| !l.trim().is_empty()) {
            new_lines = after;
        }
    }
    let mut removed = Vec::new();
    // Client signature delimiter "-- " (RFC 3676): everything after is signature.
    if let Some(i) = new_lines.iter().position(|l| *l == "-- " || *l == "--") {
        removed.push(new_lines[i..].join("\n"));
        new_lines.truncate(i);
    }
    // Disclaimers run to the end of the text.
    if let Some(i) = new_lines.iter().position(|l| DISCLAIMER.is_match(l)) {
        // Only in the closing part: a complainant may quote such words mid-text.
        if i * 3 >= new_lines.len() || i > 3 {
            removed.push(new_lines[i..].join("\n"));
            new_lines.truncate(i);
        }
    }
    new_lines.retain(|l| {
        if DEVICE_FOOTER.is_match(l) {
            removed.push(l.to_string());
            false
        } else {
            true
        }
    });
    // Outlook's separator with nothing after it, and trailing blank lines.
    while new_lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || UNDERSCORES.is_match(l))
    {
        new_lines.pop();
    }
    let start = new_lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(new_lines.len());
    Split {
        new: new_lines[start..].join("\n"),
        history,
        kind,
        removed,
    }
}

/// Whitespace collapsed and `>` quoting removed, for comparing text that a
/// mail client may have re-wrapped or re-quoted.
fn flatten(line: &str) -> String {
    line.trim_start()
        .trim_start_matches(|c: char| c == '>' || c.is_whitespace())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line long enough that finding it in mail we sent is no coincidence.
const COPIED_MIN_CHARS: usize = 24;

/// How far down a reply copied mail is looked for.
const COPIED_MAX_LINES: usize = 2_000;

/// Where a reply starts repeating mail complaintd sent (`sent`: the text
/// of that mail), when no quote marker said so: the first line that appears
/// word for word in `sent` and is followed by another line of it (one
/// pasted paragraph answered below it stays). Re-wrapping does not hide it, because whole lines are
/// looked for inside the flattened text. `None` when nothing was copied.
///
/// This catches quoting the stripper cannot recognise (a client's
/// attribution in a language it does not know, or none at all), so that the
/// help text of a notification is never read as newly written commands.
pub fn copied_history_start(text: &str, sent: &str) -> Option<usize> {
    let haystack = flatten(&sent.replace('\n', " "));
    if haystack.is_empty() {
        return None;
    }
    // Bounded: a reply whose newly written part runs past this many lines
    // is not searched further (each line is looked for in the whole mail).
    let lines: Vec<String> = text.lines().take(COPIED_MAX_LINES).map(flatten).collect();
    let copied = |l: &str| l.chars().count() >= COPIED_MIN_CHARS && haystack.contains(l);
    for (i, l) in lines.iter().enumerate() {
        if !copied(l) {
            continue;
        }
        let next = lines[i + 1..].iter().find(|n| !n.is_empty());
        // The next line repeats our mail too (short lines such as a
        // heading count here, not as a start).
        if next.is_some_and(|n| haystack.contains(n.as_str())) {
            return Some(i);
        }
    }
    None
}

/// `text` up to where it starts repeating `sent` (see [`copied_history_start`]),
/// without the trailing blank lines; `text` itself when nothing was copied.
pub fn cut_copied_history(text: &str, sent: &str) -> String {
    match copied_history_start(text, sent) {
        Some(i) => {
            let kept: Vec<&str> = text.lines().take(i).collect();
            kept.join("\n").trim_end().to_string()
        }
        None => text.to_string(),
    }
}

/// The newly written text of a reply (for `reply-text`).
pub fn reply_text(text: &str) -> String {
    split(text).new
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
    }

    #[test]
    fn disclaimer_removed() {
        let s = split("Please cancel the invoice.\n\nRegards\nJ\nAcme Ltd\nThis email and any attachments are confidential and intended solely for the addressee.\nIf you are unhappy, see our complaints procedure.");
        assert_eq!(s.new, "Please cancel the invoice.\n\nRegards\nJ\nAcme Ltd");
    }

    #[test]
    fn bottom_posting_keeps_text_after_quote() {
        let s = split("On Mon, 1 Jan 2026, X wrote:\n> question?\n\nMy answer.");
        assert_eq!(s.new, "My answer.");
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
}
