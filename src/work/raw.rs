//! A raw message as it is taken in, before anything reads it: the keys it is
//! deduplicated by (its bytes, and its content without the trace fields added
//! on the way) and the size limit every path applies (`[limits]
//! max_message_bytes`), with the notice that stands in for what was cut.

use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// The content hash messages are deduplicated by when they have no Message-ID.
pub fn content_hash(raw: &[u8]) -> String {
    hex(&Sha256::digest(raw))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Header fields added on the way (per hop or per mailbox), left out of the
/// content key: one message delivered to two mailboxes, or fetched again
/// after a server move, has the same content key.
const TRACE_FIELDS: [&str; 10] = [
    "received",
    "return-path",
    "delivered-to",
    "x-original-to",
    "authentication-results",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "x-received",
    "received-spf",
];

/// sha256 of the message without its trace fields: what it says, not how it
/// travelled. Works on any bytes (an unreadable header is hashed as it is).
pub fn content_key(raw: &[u8]) -> String {
    let mut h = Sha256::new();
    let mut skipping = false;
    let mut rest = raw;
    loop {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(end);
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if bare.is_empty() {
            // The end of the header: the body is hashed as it is.
            h.update(rest);
            break;
        }
        if !matches!(bare[0], b' ' | b'\t') {
            let name = bare.split(|&b| b == b':').next().unwrap_or(bare);
            let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
            skipping = TRACE_FIELDS.contains(&name.as_str());
        }
        if !skipping {
            h.update(line);
        }
        if tail.is_empty() {
            break;
        }
        rest = tail;
    }
    hex(&h.finalize())
}

/// `raw` as it is taken in: a message over `[limits] max_message_bytes` is
/// kept as its headers and a notice of its size (and where it came from),
/// so no path can hand the rest of ingest more than the limit. Headers that
/// are themselves over the limit are cut at the limit.
pub fn within_limit<'a>(raw: &'a [u8], limit: u64, source: &str) -> Cow<'a, [u8]> {
    if raw.len() as u64 <= limit {
        return Cow::Borrowed(raw);
    }
    let cut = usize::try_from(limit).unwrap_or(usize::MAX).min(raw.len());
    Cow::Owned(oversize_notice(
        &raw[..cut],
        raw.len() as u64,
        limit,
        source,
    ))
}

/// Where the header section ends (before the blank line), if it does.
fn header_end(raw: &[u8]) -> Option<usize> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Read a message file for ingest without reading more than the limit
/// allows: of a file over `limit` bytes only the headers (within the first
/// `limit` bytes) are kept, with a notice of its size and of `source`, where
/// the whole message can be found.
pub fn read_limited(path: &std::path::Path, limit: u64, source: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    if size <= limit {
        let mut raw = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        f.take(limit.saturating_add(1)).read_to_end(&mut raw)?;
        if raw.len() as u64 <= limit {
            return Ok(raw);
        }
        // It grew while we read it: treat it as over the limit.
        return Ok(oversize_notice(&raw, raw.len() as u64, limit, source));
    }
    let mut head = Vec::new();
    f.take(limit).read_to_end(&mut head)?;
    Ok(oversize_notice(&head, size, limit, source))
}

/// The headers found in `head` (the first bytes of a message of `size`
/// bytes, or its header section as IMAP fetches it) and a notice in place of
/// the body saying where the whole message is (`source`). Every path that
/// meets an oversized message (IMAP, Maildir, `ingest`) records it this way.
pub fn oversize_notice(head: &[u8], size: u64, limit: u64, source: &str) -> Vec<u8> {
    let end = header_end(head).unwrap_or(head.len());
    let mut kept = head[..end].to_vec();
    kept.extend_from_slice(
        format!(
            "\r\n\r\n[complaintd: this message is {size} bytes, over the limit of {limit} bytes, so only its headers were taken in. The whole message is still in {source}.]\r\n"
        )
        .as_bytes(),
    );
    kept
}

#[cfg(test)]
mod tests {
    use super::content_key;

    const MSG: &str = "From: Jo <jo@mail.test>\r\nSubject: Late\r\nMessage-ID: <m1@mail.test>\r\n\r\nStill waiting.\r\n";

    #[test]
    fn trace_fields_do_not_change_the_content_key() {
        let relayed = format!(
            "Return-Path: <jo@mail.test>\r\nDelivered-To: info@example.test\r\nReceived: from mx (mx [10.0.0.1])\r\n\tby example.test; Mon, 23 Nov 2026 10:00:00 +0000\r\n{MSG}"
        );
        assert_eq!(content_key(MSG.as_bytes()), content_key(relayed.as_bytes()));
    }

    #[test]
    fn a_different_body_or_header_is_a_different_message() {
        let body = MSG.replace("Still waiting.", "Still waiting!");
        let subject = MSG.replace("Subject: Late", "Subject: Later");
        let k = content_key(MSG.as_bytes());
        assert_ne!(k, content_key(body.as_bytes()));
        assert_ne!(k, content_key(subject.as_bytes()));
        // A body line that looks like a trace field is still the body.
        let tricky = MSG.replace("Still waiting.", "Received: nothing yet");
        assert_ne!(k, content_key(tricky.as_bytes()));
    }

    #[test]
    fn any_bytes_have_a_key() {
        for raw in [
            &b""[..],
            b"\n",
            b"no header end",
            b"\xff\xfe:\r\n \r\n\r\n\x00",
        ] {
            assert_eq!(content_key(raw).len(), 64);
        }
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    const BIG: &[u8] = b"From: a@b.test\r\nSubject: big\r\n\r\nbody body body body body body body";

    #[test]
    fn a_message_within_the_limit_is_untouched() {
        assert!(matches!(
            within_limit(BIG, BIG.len() as u64, "x"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn an_oversized_message_keeps_its_headers_and_says_why() {
        let kept = within_limit(BIG, 40, "mailbox m");
        let text = String::from_utf8_lossy(&kept);
        assert!(text.starts_with("From: a@b.test\r\nSubject: big\r\n\r\n"));
        assert!(!text.contains("body"), "{text}");
        assert!(
            text.contains(&format!(
                "this message is {} bytes, over the limit of 40 bytes",
                BIG.len()
            )),
            "{text}"
        );
        assert!(text.contains("still in mailbox m"), "{text}");
        let parsed = crate::core::mail::parse(&kept).expect("still a message");
        assert_eq!(parsed.subject, "big");
    }

    #[test]
    fn headers_longer_than_the_limit_are_cut_at_it() {
        let kept = within_limit(BIG, 10, "x");
        assert!(kept.starts_with(b"From: a@b.\r\n\r\n[complaintd:"));
    }

    #[test]
    fn a_file_over_the_limit_is_read_only_as_far_as_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.eml");
        let mut raw = BIG.to_vec();
        raw.extend(std::iter::repeat_n(b'x', 1 << 20));
        std::fs::write(&p, &raw).unwrap();
        let kept = read_limited(&p, 4096, "m.eml").unwrap();
        assert!(kept.len() < 4096, "{}", kept.len());
        assert!(String::from_utf8_lossy(&kept).contains(&format!(
            "this message is {} bytes, over the limit of 4096 bytes",
            raw.len()
        )));
        std::fs::write(&p, BIG).unwrap();
        assert_eq!(read_limited(&p, 4096, "m.eml").unwrap(), BIG);
    }

    #[test]
    fn header_end_finds_either_line_ending() {
        assert_eq!(header_end(b"A: b\r\n\r\nx"), Some(4));
        assert_eq!(header_end(b"A: b\n\nx"), Some(4));
        assert_eq!(header_end(b"A: b\r\n"), None);
    }
}
