//! Handler tokens removed from a whole message, wherever they are: in plain
//! header and body bytes, and also inside RFC 2047 encoded words and base64
//! or quoted-printable parts, where a search of the raw bytes cannot see
//! them. A handler's client is free to encode a reply any of these ways.
//!
//! Only what held a token changes: such a part (or encoded word) is decoded,
//! the token removed, and it is encoded again the same way; every other byte
//! stays as it was.

use super::token::redact_tokens_bytes;
use base64::Engine;
use mail_parser::{Encoding, MessageParser, PartType};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

/// How deep message/rfc822 parts inside parts are followed.
const MAX_DEPTH: usize = 8;

static ENCODED_WORD: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=").expect("static regex")
});

/// `raw` without handler tokens (see the module documentation).
pub fn redact_message(raw: &[u8]) -> Cow<'_, [u8]> {
    redact_at(raw, 0)
}

fn redact_at(raw: &[u8], depth: usize) -> Cow<'_, [u8]> {
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    if depth < MAX_DEPTH {
        // The parser has panicked on hostile input before (see core::mail):
        // a message it cannot read keeps the byte-level redaction below.
        let parts = std::panic::catch_unwind(|| encoded_parts(raw)).unwrap_or_default();
        for (range, encoding, nested) in parts {
            let Some(body) = raw.get(range.clone()) else {
                continue;
            };
            let replaced = if nested {
                match redact_at(body, depth + 1) {
                    Cow::Owned(b) => Some(b),
                    Cow::Borrowed(_) => None,
                }
            } else {
                redact_encoded_body(body, encoding)
            };
            if let Some(new) = replaced {
                edits.push((range, new));
            }
        }
    }
    let mut out: Cow<'_, [u8]> = Cow::Borrowed(raw);
    if !edits.is_empty() {
        // Parts do not overlap; splice from the end so ranges stay valid.
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        let mut bytes = raw.to_vec();
        for (range, new) in edits {
            bytes.splice(range, new);
        }
        out = Cow::Owned(bytes);
    }
    let words = redact_encoded_words(&out);
    if let Cow::Owned(w) = words {
        out = Cow::Owned(w);
    }
    match redact_tokens_bytes(&out) {
        Cow::Owned(b) => Cow::Owned(b),
        Cow::Borrowed(_) => out,
    }
}

/// The body ranges of leaf parts in a transfer encoding, and of nested
/// messages (`true`) that are not themselves encoded.
fn encoded_parts(raw: &[u8]) -> Vec<(Range<usize>, Encoding, bool)> {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in &msg.parts {
        let range = part.offset_body as usize..part.offset_end as usize;
        match (&part.body, part.encoding) {
            (PartType::Multipart(_), _) => {}
            (PartType::Message(_), Encoding::None) => out.push((range, Encoding::None, true)),
            (_, Encoding::None) => {}
            (_, encoding) => out.push((range, encoding, false)),
        }
    }
    out
}

/// A base64 or quoted-printable body without tokens, encoded again the
/// same way; `None` when it held none (or cannot be decoded).
fn redact_encoded_body(body: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    // What follows the encoded text (the line break before a boundary) stays.
    let content_end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let (content, trailer) = body.split_at(content_end);
    let decoded = match encoding {
        Encoding::Base64 => {
            let compact: Vec<u8> = content
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?
        }
        Encoding::QuotedPrintable => {
            quoted_printable::decode(content, quoted_printable::ParseMode::Robust).ok()?
        }
        Encoding::None => return None,
    };
    let Cow::Owned(clean) = redact_tokens_bytes(&decoded) else {
        return None;
    };
    let mut encoded = match encoding {
        Encoding::Base64 => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&clean);
            // Lines of 76 characters (RFC 2045).
            b64.as_bytes()
                .chunks(76)
                .collect::<Vec<_>>()
                .join(&b"\r\n"[..])
        }
        _ => quoted_printable::encode(&clean),
    };
    encoded.extend_from_slice(trailer);
    Some(encoded)
}

/// RFC 2047 encoded words that held a token, encoded again (as base64, in
/// the same charset) without it.
fn redact_encoded_words(raw: &[u8]) -> Cow<'_, [u8]> {
    // replace_all copies on any match; only a removed token is a change.
    let changed = std::cell::Cell::new(false);
    let out = ENCODED_WORD.replace_all(raw, |c: &regex::bytes::Captures<'_>| {
        let whole = c[0].to_vec();
        let payload = &c[3];
        let decoded = if c[2].eq_ignore_ascii_case(b"b") {
            base64::engine::general_purpose::STANDARD
                .decode(payload)
                .ok()
        } else {
            let spaced: Vec<u8> = payload
                .iter()
                .map(|&b| if b == b'_' { b' ' } else { b })
                .collect();
            quoted_printable::decode(spaced, quoted_printable::ParseMode::Robust).ok()
        };
        let Some(decoded) = decoded else {
            return whole;
        };
        match redact_tokens_bytes(&decoded) {
            Cow::Owned(clean) => {
                let mut w = b"=?".to_vec();
                w.extend_from_slice(&c[1]);
                w.extend_from_slice(b"?B?");
                w.extend_from_slice(
                    base64::engine::general_purpose::STANDARD
                        .encode(&clean)
                        .as_bytes(),
                );
                w.extend_from_slice(b"?=");
                changed.set(true);
                w
            }
            Cow::Borrowed(_) => whole,
        }
    });
    if changed.get() {
        out
    } else {
        Cow::Borrowed(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123";

    fn shown(raw: &[u8]) -> String {
        let m = crate::core::mail::parse(raw).expect("parse");
        format!("{}\n{}\n{:?}", m.subject, m.text, m.html_text)
    }

    #[test]
    fn plain_messages_without_tokens_are_untouched() {
        let raw = b"Subject: =?utf-8?B?aGVsbG8=?=\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n";
        assert!(matches!(redact_message(raw), Cow::Borrowed(_)));
    }

    #[test]
    fn tokens_in_encoded_words_and_bodies_are_removed() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let raw = format!(
            "Subject: =?utf-8?B?{}?= and =?iso-8859-1?Q?caf=E9_[X-2026-0001_#t{TOKEN}]?=\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             caf=C3=A9 [X-2026-0001 #t01234=\r\n56789abcdef0123] end\r\n\
             --b\r\nContent-Type: message/rfc822\r\n\r\n\
             Subject: inner\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
             --b--\r\n",
            b64(&format!("RE: [X-2026-0001 #t{TOKEN}] café")),
            b64(&format!("one [X-2026-0001 #t{TOKEN}] two\r\n")),
            b64(&format!("inner #t{TOKEN}\r\n")),
        );
        let before = shown(raw.as_bytes());
        assert!(before.contains(TOKEN), "{before}");
        let clean = redact_message(raw.as_bytes());
        let after = String::from_utf8_lossy(&clean).to_string();
        assert!(!after.contains(TOKEN));
        let m = crate::core::mail::parse(&clean).expect("parse");
        assert_eq!(m.subject, "RE: [X-2026-0001] café and café [X-2026-0001]");
        assert!(m.text.contains("one [X-2026-0001] two"), "{}", m.text);
        assert!(
            after.contains("caf=C3=A9 [X-2026-0001] end\r\n--b"),
            "{after}"
        );
        let inner = base64::engine::general_purpose::STANDARD.encode("inner\r\n");
        assert!(after.contains(&inner), "{after}");
    }

    #[test]
    fn unreadable_input_keeps_the_byte_level_redaction() {
        let raw = format!("\u{0}\u{ff}garbage #t{TOKEN} =?x?B?!!!?=");
        let clean = redact_message(raw.as_bytes());
        assert!(!String::from_utf8_lossy(&clean).contains(TOKEN));
    }
}
