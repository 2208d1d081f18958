//! Attribution lines: "On Tue, 3 Mar 2026 at 10:00, Name <a@b> wrote:" and
//! the forms other clients and languages give it, on one line or wrapped
//! over two or three, with `>` quoting below or none, and the one that
//! shares its line with the end of the reply.

use crate::core::lean_regex::Regex;
use std::sync::LazyLock;

/// The verbs that end an attribution ("wrote", "schrieb", "a écrit"…),
/// or the CJK forms ("写道", "のメッセージ", "작성").
const VERBS: &str = r"wrote|writes|schrieb|a écrit|a ecrit|escribió|escribio|ha escrit|skrev|skriver|schreef|het volgende geschreven|geschreven|ha scritto|scrisse|ysgrifennodd|napisał\(a\)|napisała|napisał|napisal|pisze|escreveu|kirjoitti|írta|irta|a scris|написал\(а\)|написала|написал|написав|написала|пише|đã viết|yazdı|napsal|napísal|napisao|rašė|kirjutas|写道|寫道|のメッセージ|작성";

/// A whole attribution on one line: some text with an address or a digit
/// in it (so "this is what she wrote:" in a person's own text is not one),
/// ending in one of [`VERBS`] and a colon.
static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*\S.{{0,200}}(\S@\S|\d).{{0,150}}(?:{VERBS})\s*[:：]?\s*$"
    ))
    .expect("static regex")
});
/// "Am 3.3.2026 um 10:00 schrieb Name:", "Ar ddydd Llun, 7 Rhag 2026 am
/// 10:15, ysgrifennodd Name:": the verb before the name.
static VERB_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*(on|am|ar|den|op|le|el|il|em|på|w dniu)\s.{{0,150}}\d.{{0,150}}\s(?:{VERBS})\s.{{1,100}}[:：]\s*$"
    ))
    .expect("static regex")
});
/// "On … sent:" (some Apple clients): only after "On", with an address or time.
static ON_SENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*on\s.{0,150}(\S@\S|\d:\d\d).{0,100}\ssent\s*:\s*$").expect("static regex")
});
/// Gmail in some locales, Yandex, Mail.ru: a date, a name and an address,
/// then a colon, without a verb ("2026-03-03 10:00 GMT+00:00 Name <a@b>:").
static DATE_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\S.{0,200}(\d{1,2}[:.]\d{2}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}).{0,200}(@[^\s>]+>?|>)\s*[:：]\s*$").expect("static regex")
});
/// "2026/3/3 Name <a@b>" with no colon: only an attribution when `>`
/// quoting follows it.
static DATE_ADDRESS_BARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s.{0,150}@[^\s>]+>\s*$").expect("static regex")
});
/// "---- Name wrote ----", "------On 3/3/2026, Name wrote-----" (Android
/// and Zoho mail).
static DASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*-{{2,}}\s*\S.{{0,200}}(?:{VERBS})\s*:?\s*-{{2,}}\s*$"
    ))
    .expect("static regex")
});
/// How an attribution that a client wrapped begins: "On", its translations,
/// or a date.
static OPENER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(on|am|le|el|den|op|il|ar|em|w dniu|dnia|vào|på|în|pada|dne|\d|(mon|tue|wed|thu|fri|sat|sun|ma|ti|on|to|fr|lø|sø|ma|di|wo|do|vr|za|zo|lun|mar|mer|jeu|ven|sam|dim|pe|la|su|ke|пн|вт|ср|чт|пт|сб|вс)[a-z]{0,6}\.?,?\s)").expect("static regex")
});
/// An attribution written on the same line as the end of the reply:
/// "Thanks On Wed, 4 Mar 2026 at 15:59, a@b wrote:".
static SHARED_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(-{2,}\s*)?(?-u:\b)On\s.{0,150}(\S@\S|\d:\d\d).{0,150}(?-u:\b)wrote\s*:\s*$")
        .expect("static regex")
});

/// The longest line an attribution is looked for in.
const MAX_LEN: usize = 300;

/// Every one-line form ends with a colon, a dash, or (colon dropped) a verb.
fn may_end_an_attribution(line: &str) -> bool {
    let t = line.trim_end();
    t.ends_with([':', '：', '-']) || {
        // The last 24 characters are enough for the longest verb.
        let from = t.char_indices().rev().nth(23).map_or(0, |(i, _)| i);
        ENDS_WITH_VERB.is_match(&t[from..])
    }
}

static ENDS_WITH_VERB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)(?:{VERBS})$")).expect("static regex"));

fn single(line: &str) -> bool {
    line.len() < MAX_LEN
        && may_end_an_attribution(line)
        && (ATTRIBUTION.is_match(line)
            || ON_SENT.is_match(line)
            || VERB_FIRST.is_match(line)
            || DATE_ADDRESS.is_match(line)
            || DASHED.is_match(line))
}

/// How many lines the attribution starting at `lines[i]` takes (1 to 5),
/// or `None`. A wrapped
/// attribution must begin like one (see [`OPENER`]), not end a sentence on
/// its first line, and have an address or a time in it.
pub(super) fn attribution_at(lines: &[&str], i: usize) -> Option<usize> {
    let line = *lines.get(i)?;
    if line.trim().is_empty() {
        return None;
    }
    if single(line) {
        return Some(1);
    }
    // A wrapped one begins like an attribution, with a date in its first
    // line ("On leave till Weds, can someone…" is a sentence).
    if line.len() >= MAX_LEN
        || !OPENER.is_match(line)
        || !line.contains(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let first = line.trim_end();
    if first.ends_with('.') && !first.ends_with("..")
        || first.ends_with('?')
        || first.ends_with('!')
    {
        return None;
    }
    let mut joined = first.to_string();
    for (k, next) in lines.iter().enumerate().skip(i + 1).take(4) {
        let t = next.trim();
        // Never across a blank line, a quote or a device footer.
        // (">:" alone is the end of an address a client wrapped.)
        let address_end = t.starts_with('>') && t.len() <= 12 && t.ends_with(':');
        if t.is_empty()
            || (t.starts_with('>') && !address_end)
            || super::footers::is_device_footer(t)
        {
            return None;
        }
        joined.push(' ');
        joined.push_str(t);
        if joined.len() >= MAX_LEN {
            return None;
        }
        let wrapped_ok = joined.contains('@') || has_time(&joined);
        if wrapped_ok && single(&joined) {
            return Some(k - i + 1);
        }
    }
    None
}

fn has_time(s: &str) -> bool {
    static TIME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d{1,2}[:.]\d{2}").expect("static regex"));
    TIME.is_match(s)
}

/// An attribution that only counts when `>` quoting follows it.
pub(super) fn weak_attribution(line: &str) -> bool {
    line.len() < MAX_LEN && DATE_ADDRESS_BARE.is_match(line)
}

/// Where an attribution starts inside a line that begins with the reply's
/// last words: the byte offset of the attribution, with what precedes it
/// non-empty.
pub(super) fn shared_line_at(line: &str) -> Option<usize> {
    if line.len() >= MAX_LEN {
        return None;
    }
    let m = SHARED_LINE.find(line)?;
    let head = &line[..m.start()];
    (!line.trim_start().starts_with('>') && head.chars().any(char::is_alphanumeric))
        .then_some(m.start())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<usize> {
        let lines: Vec<&str> = text.lines().collect();
        attribution_at(&lines, 0)
    }

    #[test]
    fn one_line_attributions_in_many_languages() {
        for l in [
            "On Tue, 3 Mar 2026 at 10:00, Org <a@b.test> wrote:",
            "tir. 3. mar. 2026 kl. 10:00 skrev Org <a@b.test>:",
            "Op 3 mrt. 2026 om 10:00 heeft Org <a@b.test> het volgende geschreven:",
            "Vào 10:00 3 tháng 3, 2026, Org <a@b.test> đã viết:",
            "W dniu 3.03.2026 o 10:00, Org <a@b.test> pisze:",
            "ti 3. maalisk. 2026 klo 10.00 Org <a@b.test> kirjoitti:",
            "Il giorno mar 3 mar 2026 alle ore 10:00 Org <a@b.test> ha scritto:",
            "вт, 3 мар. 2026 г. в 10:00, Org <a@b.test>:",
            "3 березня 2026 р. о 10:00 <a@b.test> написав:",
            "2026-03-03 10:00 GMT+00:00 Org <a@b.test>:",
            "---- Org wrote ----",
            "On 3 Mar 2026, Org <a@b.test> sent:",
            "Org <a@b.test> wrote:",
            // Welsh: Gmail puts the verb last, Apple Mail and others first,
            // with or without the address.
            "Ar Llun, 7 Rhag 2026 am 10:15, Org <a@b.test> ysgrifennodd:",
            "Ar ddydd Llun, 7 Rhag 2026 am 10:15, ysgrifennodd Org <a@b.test>:",
            "Ar ddydd Llun, 7 Rhag 2026 am 10:15, ysgrifennodd Org:",
            "Ar 7 Rhagfyr 2026, am 10:15, ysgrifennodd Example Training:",
        ] {
            assert_eq!(at(l), Some(1), "{l}");
        }
    }

    #[test]
    fn wrapped_attributions() {
        assert_eq!(
            at("On Tue, 3 Mar 2026 at 10:00, Org <\na@b.test> wrote:"),
            Some(2)
        );
        assert_eq!(
            at("On 3 Mar 2026, at 10:00, Org <\nlong-address@b.test>\nwrote:"),
            Some(3)
        );
        assert_eq!(
            at("W dniu 3 marca 2026 10:00 użytkownik Org <a@b.test>\nnapisał:"),
            Some(2)
        );
        assert_eq!(
            at("Ar ddydd Llun, 7 Rhag 2026 am 10:15, ysgrifennodd Org <\na@b.test>:"),
            Some(2)
        );
    }

    #[test]
    fn a_persons_own_sentences_are_not_attributions() {
        for l in [
            "Here is what she wrote:",
            "On Monday I phoned the centre.\nThe manager wrote:",
            "On blah-blah-blah",
            "Something wrote:",
            "Ar ddydd Llun fe ysgrifennodd y tiwtor:",
        ] {
            assert_eq!(at(l), None, "{l}");
        }
    }

    #[test]
    fn shared_line() {
        let l = "Thanks On Wed, 4 Mar 2026 at 15:59, a@b.test wrote:";
        assert_eq!(shared_line_at(l), Some(7));
        assert_eq!(
            shared_line_at("On Wed, 4 Mar 2026 at 15:59, a@b.test wrote:"),
            None
        );
    }
}
