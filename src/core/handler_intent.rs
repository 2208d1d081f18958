//! What a handler means by a message, said by the address they wrote to.
//!
//! Every mail to a member of staff about a case carries one-click `mailto:`
//! links whose address is the case's plus-address with the handler's token
//! and an intent after it: `complaints+REF.tTOKEN.send@…` (send the formal
//! stage response), `.ask` (a question to the complainant, not the
//! response), `.write` (an update to the complainant, not the response),
//! `.note` (internal; nothing leaves the organisation). A plain reply names
//! no intent and is the safe choice: it becomes a numbered draft, and the
//! handler is asked what to do with it; the links of that confirmation name
//! the draft (`.send-3`, `.write-3`, and `.draft-3` as its reply address, to
//! which a reply of one word, SEND, ASK or WRITE, acts on draft 3), so a
//! stale or repeated confirmation can only ever act on the text it showed.
//!
//! The intent sits after the token so that removing the token
//! ([`crate::core::token::redact_tokens`]) removes it too.

use regex::Regex;
use std::sync::LazyLock;

/// What a handler asks to be done with their words. Spelled in addresses by
/// the strum names (`send`, `ask`, `write`, `note`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// Send it to the complainant as the stage's formal written response.
    #[strum(serialize = "send")]
    #[serde(rename = "send")]
    Respond,
    /// Send it to the complainant as a question (not the response); the
    /// response clock pauses until they answer when the policy says so.
    Ask,
    /// Send it to the complainant as an update (not the response).
    Write,
    /// Keep it as an internal note: nothing leaves the organisation.
    Note,
}

impl Action {
    /// The name used in addresses and the audit.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The intent an address names: an action, a draft it acts on, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Intent {
    /// What to do; `None` with a draft: the reply's first word says.
    pub action: Option<Action>,
    /// The draft it acts on (from a confirmation), else the message's own text.
    pub draft: Option<u32>,
}

impl Intent {
    /// Read the part of a plus-address after the token (`send`, `write-3`,
    /// `draft-3`). Anything else names no intent.
    pub fn parse(suffix: &str) -> Option<Intent> {
        let s = suffix.trim().to_ascii_lowercase();
        let (word, draft) = match s.split_once('-') {
            Some((w, n)) => (w, Some(n.parse::<u32>().ok()?)),
            None => (s.as_str(), None),
        };
        if word == "draft" {
            return draft.map(|d| Intent {
                action: None,
                draft: Some(d),
            });
        }
        let action = word.parse::<Action>().ok()?;
        // A note of a draft is what an ignored draft already is.
        if action == Action::Note && draft.is_some() {
            return None;
        }
        Some(Intent {
            action: Some(action),
            draft,
        })
    }

    /// The suffix an address carries for this intent.
    pub fn suffix(self) -> String {
        match (self.action, self.draft) {
            (Some(a), None) => a.as_str().to_string(),
            (Some(a), Some(d)) => format!("{}-{d}", a.as_str()),
            (None, Some(d)) => format!("draft-{d}"),
            (None, None) => String::new(),
        }
    }
}

/// A reply to a draft's confirmation that is one word, `SEND`, `ASK` or
/// `WRITE` (any case, a full stop or `!` allowed, a sign-off below it
/// ignored): the action it asks for. Anything longer is new text.
pub fn confirmation_word(text: &str) -> Option<Action> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next()?;
    let word = first.trim_end_matches(['.', '!']).trim();
    let action = match word.to_ascii_uppercase().as_str() {
        "SEND" => Action::Respond,
        "ASK" => Action::Ask,
        "WRITE" => Action::Write,
        _ => return None,
    };
    // A sign-off ("Gareth", "Thanks, Gareth") may follow; anything else may
    // not, above all second thoughts ("SEND / No wait, don't"): the words
    // reach a complainant only when the handler clearly meant it.
    let rest: Vec<&str> = lines.collect();
    let signs_off = rest.len() <= 2
        && rest
            .iter()
            .all(|l| SIGN_OFF_LINE.is_match(l) && !SECOND_THOUGHTS.is_match(l));
    signs_off.then_some(action)
}

/// A closing and/or a name of up to three capitalised words, or a device
/// footer.
static SIGN_OFF_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((?i:thanks|thank you|many thanks|cheers|regards|kind regards|best wishes|best|diolch|ta)[,.!]?\s*)?(\p{Lu}[\p{L}'’.-]*(\s+\p{Lu}[\p{L}'’.-]*){0,2}[.,!]?)?$|^(?i:sent from my)\s+\S+(\s+\S+)?$")
        .expect("static regex")
});

/// Words that take a confirmation back.
static SECOND_THOUGHTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(no|not|nope|don'?t|do not|wait|hold|stop|cancel|yet|later|ignore|sorry|oops|wrong|mistake|actually)\b|\?")
        .expect("static regex")
});

/// The line each link's prefilled body starts with; removed from what the
/// handler sends, so a hint left in place never reaches anyone.
pub const HINT_MARK: &str = "▲ Write above this line";

/// `text` without the prefilled hint lines of a link.
pub fn strip_hint(text: &str) -> String {
    if !text.contains(HINT_MARK) {
        return text.to_string();
    }
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with(HINT_MARK))
        .collect();
    kept.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_round_trip() {
        for s in [
            "send", "ask", "write", "note", "send-3", "ask-12", "write-1", "draft-7",
        ] {
            let i = Intent::parse(s).expect(s);
            assert_eq!(i.suffix(), s);
        }
        assert_eq!(
            Intent::parse("SEND").map(|i| i.action),
            Some(Some(Action::Respond))
        );
        for s in [
            "", "respond", "note-3", "draft", "send-x", "send-", "draft-",
        ] {
            assert_eq!(Intent::parse(s), None, "{s}");
        }
    }

    #[test]
    fn one_word_replies_confirm_and_sentences_do_not() {
        assert_eq!(confirmation_word("SEND"), Some(Action::Respond));
        assert_eq!(
            confirmation_word("  send.\n\nGareth\n"),
            Some(Action::Respond)
        );
        assert_eq!(
            confirmation_word("Write!\nThanks, Gareth Lloyd"),
            Some(Action::Write)
        );
        assert_eq!(confirmation_word("ask"), Some(Action::Ask));
        assert_eq!(confirmation_word("Send it to her please"), None);
        assert_eq!(
            confirmation_word("SEND\n\nActually I have changed my mind about the second paragraph and want to rewrite it first."),
            None
        );
        assert_eq!(confirmation_word(""), None);
        assert_eq!(confirmation_word("OK"), None);
        // Second thoughts below the word take it back: the text stays a draft.
        for text in [
            "SEND\nNo wait, don't",
            "SEND\nnot yet!",
            "SEND\nDon't",
            "Send\nWait",
            "SEND?",
            "SEND\nreally?",
        ] {
            assert_eq!(confirmation_word(text), None, "{text}");
        }
        assert_eq!(
            confirmation_word("SEND\nSent from my iPhone"),
            Some(Action::Respond)
        );
    }

    #[test]
    fn hints_are_removed() {
        let t =
            format!("Dear Jo,\n\nAll done.\n\n{HINT_MARK}: it goes to Jo as the Stage 1 response.");
        assert_eq!(strip_hint(&t), "Dear Jo,\n\nAll done.");
        assert_eq!(strip_hint("plain"), "plain");
    }
}
