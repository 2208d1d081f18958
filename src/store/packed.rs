//! How message bytes are kept in the database: compressed, and saying so.
//!
//! Inbound messages (`messages.raw`) and finished outgoing mail
//! (`outbox.raw`) are text that compresses well (an outgoing mail holds its
//! text and its HTML rendering of the same words), and they were most of the
//! database. Each stored blob now starts with one byte naming its form:
//!
//! - `0x00`: the bytes as they are (rows written before 0140, until
//!   [`Store::pack_existing`](super::Store::pack_existing) has compressed them);
//! - `0x01`: a raw DEFLATE stream (RFC 1951) of the bytes;
//! - `0x02` (inbound messages only): the message with its large attachment
//!   bodies cut out, each kept once in the `blobs` table under the sha256 of
//!   its bytes as they stand in the message (compressed, in form `0x01`), so
//!   the same PDF sent to two addresses, or forwarded again, is stored once.
//!   After the form byte: the number of parts (`u32`, little-endian), then
//!   per part where it goes back in the rest of the message (`u64`) and its
//!   hash (32 bytes), then a raw DEFLATE stream of the rest. A message in
//!   this form is read back with its parts ([`Packed::Spliced`]); erasure and
//!   retention delete a part once no message refers to it (`retention.rs`);
//! - `0x03`: a raw DEFLATE stream of the bytes that continues one whose
//!   output was the built-in mail dictionary (`mail_dictionary.txt`: the
//!   English templates and the headers and MIME scaffolding of complaintd's
//!   own mail), so the words every acknowledgement and notice repeats cost a
//!   back-reference instead of their bytes: the benchmark's outgoing mail
//!   takes 1.6 KB per message instead of 2.9 (issue 14). Read back by
//!   inflating the dictionary as stored blocks followed by the row's stream
//!   and dropping the dictionary. The dictionary is part of the stored form
//!   and never changes (a test holds its hash); a new one needs a new form
//!   byte. New rows of `messages.raw` and `outbox.raw` are written in it;
//!   attachment bodies (`blobs`) stay in form `0x01`;
//!
//! and an empty blob is an empty message (listings select `X''` in its
//! place). Migration `0140_packed_raw.sql` puts the `0x00` in front of every
//! existing row in its own transaction, so no row is ever of unknown form.
//! DEFLATE (`flate2`, already a dependency for `.docx` text) rather than a
//! new codec: at the sizes stored here it gives most of what zstd would,
//! without another C library in the build.

use flate2::Compression;
use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use sha2::{Digest, Sha256};
use sqlx::{Database, Decode, Type};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::ops::Range;
use std::sync::LazyLock;

/// The form byte of bytes kept as they are.
const PLAIN: u8 = 0;
/// The form byte of a raw DEFLATE stream.
const DEFLATE: u8 = 1;
/// The form byte of a message kept without its large attachment bodies.
const SPLICED: u8 = 2;
/// The form byte of a raw DEFLATE stream that follows [`DICTIONARY`].
const DEFLATE_AFTER_DICTIONARY: u8 = 3;
/// What form `0x03` streams continue from. Part of the stored form: never
/// edit it (rows written with it could no longer be read).
const DICTIONARY: &[u8] = include_bytes!("mail_dictionary.txt");

/// A compressor (level 6, raw DEFLATE) that has compressed [`DICTIONARY`]
/// and flushed to a byte boundary: each row clones it and goes on, so no
/// row compresses the dictionary again.
static PRIMED: LazyLock<CompressorOxide> = LazyLock::new(|| {
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(6, -15, 0));
    let _ = compress_to_output(&mut c, DICTIONARY, TDEFLFlush::Sync, |_| true);
    c
});

/// [`DICTIONARY`] as DEFLATE stored blocks (not final): what a form `0x03`
/// row's stream is read after.
static DICTIONARY_BLOCKS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut out = Vec::with_capacity(DICTIONARY.len() + 16);
    for chunk in DICTIONARY.chunks(usize::from(u16::MAX)) {
        // BFINAL 0, BTYPE 00 (stored), then LEN and its complement.
        let len = chunk.len() as u16;
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
});
/// An attachment body shorter than this stays in its message: a row and a
/// hash cost more than they could save.
pub const MIN_PART_BYTES: usize = 4096;

/// Why stored bytes could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The first byte names no form this build knows (written by a newer one).
    #[error("stored message bytes in an unknown form (first byte {0:#04x})")]
    UnknownForm(u8),
    /// The compressed stream is damaged.
    #[error("stored message bytes do not decompress: {0}")]
    Corrupt(#[from] std::io::Error),
    /// A message kept without its attachment bodies is damaged, or one of
    /// its parts is missing from `blobs`.
    #[error("stored message parts are damaged or missing: {0}")]
    Parts(String),
}

/// `raw` in its stored form: compressed after the mail dictionary, with
/// the form byte in front.
pub fn pack(raw: &[u8]) -> Vec<u8> {
    if raw.is_empty() {
        return Vec::new();
    }
    let mut c = PRIMED.clone();
    let mut out = Vec::with_capacity(raw.len() / 3 + 16);
    out.push(DEFLATE_AFTER_DICTIONARY);
    let (status, read) = compress_to_output(&mut c, raw, TDEFLFlush::Finish, |chunk| {
        out.extend_from_slice(chunk);
        true
    });
    if status == TDEFLStatus::Done && read == raw.len() {
        out
    } else {
        deflate(raw)
    }
}

/// `raw` as a plain DEFLATE stream (form `0x01`): attachment bodies, which
/// share nothing with the dictionary.
fn deflate(raw: &[u8]) -> Vec<u8> {
    if raw.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(raw.len() / 2 + 16);
    out.push(DEFLATE);
    // Level 6 (the default): about as small as 9 on mail, several times faster.
    let mut e = flate2::write::DeflateEncoder::new(out, Compression::default());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(raw);
    match e.finish() {
        Ok(out) => out,
        Err(_) => {
            let mut out = Vec::with_capacity(raw.len() + 1);
            out.push(PLAIN);
            out.extend_from_slice(raw);
            out
        }
    }
}

/// The bytes `stored` holds, whichever whole form it is in (`0x00`,
/// `0x01`); a message kept without its parts (`0x02`) is read with
/// [`unpack_message`].
pub fn unpack(stored: &[u8]) -> Result<Vec<u8>, PackError> {
    match stored.split_first() {
        None => Ok(Vec::new()),
        Some((&PLAIN, rest)) => Ok(rest.to_vec()),
        Some((&DEFLATE, rest)) => {
            let mut out = Vec::with_capacity(rest.len() * 3);
            flate2::read::DeflateDecoder::new(rest).read_to_end(&mut out)?;
            Ok(out)
        }
        Some((&DEFLATE_AFTER_DICTIONARY, rest)) => {
            let mut out = Vec::with_capacity(DICTIONARY.len() + rest.len() * 4);
            flate2::read::DeflateDecoder::new(DICTIONARY_BLOCKS.as_slice().chain(rest))
                .read_to_end(&mut out)?;
            if out.get(..DICTIONARY.len()) != Some(DICTIONARY) {
                return Err(PackError::Corrupt(std::io::Error::other(
                    "the mail dictionary did not come back first",
                )));
            }
            out.drain(..DICTIONARY.len());
            Ok(out)
        }
        Some((&SPLICED, _)) => Err(PackError::Parts(
            "a message kept without its parts read as a whole".into(),
        )),
        Some((&form, _)) => Err(PackError::UnknownForm(form)),
    }
}

/// The sha256 of `bytes`, hex: the key of a part in `blobs`.
fn hex_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stored message: whole, or without its parts (form `0x02`): the rest
/// of the message and, in order, where each part goes back and its key.
#[derive(Debug, Clone)]
pub enum Unpacked {
    /// The message's bytes.
    Whole(Vec<u8>),
    /// The message without its parts.
    Spliced {
        /// The message with the parts cut out.
        rest: Vec<u8>,
        /// Where each part goes back in `rest` (ascending), and its hash.
        parts: Vec<(usize, String)>,
    },
}

impl Unpacked {
    /// The message's bytes, each part put back from `blobs` (hash → stored
    /// part, as the `blobs` table keeps it).
    pub fn join(self, blobs: &HashMap<String, Vec<u8>>) -> Result<Vec<u8>, PackError> {
        let (rest, parts) = match self {
            Unpacked::Whole(raw) => return Ok(raw),
            Unpacked::Spliced { rest, parts } => (rest, parts),
        };
        let mut out = Vec::with_capacity(rest.len() * 2);
        let mut from = 0;
        for (at, hash) in parts {
            let stored = blobs
                .get(&hash)
                .ok_or_else(|| PackError::Parts(format!("part {hash} is missing")))?;
            let part = unpack(stored)?;
            if hex_hash(&part) != hash {
                return Err(PackError::Parts(format!(
                    "part {hash} does not match its hash"
                )));
            }
            let chunk = rest
                .get(from..at)
                .ok_or_else(|| PackError::Parts(format!("part {hash} is out of place")))?;
            out.extend_from_slice(chunk);
            out.extend_from_slice(&part);
            from = at;
        }
        out.extend_from_slice(rest.get(from..).unwrap_or_default());
        Ok(out)
    }

    /// The keys of the parts it needs.
    #[cfg(test)]
    pub fn part_hashes(&self) -> Vec<&str> {
        match self {
            Unpacked::Whole(_) => Vec::new(),
            Unpacked::Spliced { parts, .. } => parts.iter().map(|(_, h)| h.as_str()).collect(),
        }
    }
}

/// The column a query of `messages` (as `m`) selects beside `m.raw` for
/// [`read_message`]: the parts of a message kept without them, as a JSON
/// object of hash → hex of the stored part; NULL for a whole message.
#[macro_export]
#[doc(hidden)]
macro_rules! message_parts_column {
    () => {
        "CASE WHEN substr(m.raw, 1, 1) = X'02' THEN
           (SELECT json_group_object(b.hash, hex(b.data))
            FROM message_blobs mb JOIN blobs b ON b.hash = mb.hash
            WHERE mb.message_row = m.id) END AS parts"
    };
}

/// A stored message's bytes from its `raw` column and the parts column
/// ([`message_parts_column!`]).
pub fn read_message(raw: Unpacked, parts: Option<&str>) -> Result<Vec<u8>, PackError> {
    if matches!(raw, Unpacked::Whole(_)) {
        return raw.join(&HashMap::new());
    }
    let hexed: HashMap<String, String> = serde_json::from_str(parts.unwrap_or("{}"))
        .map_err(|e| PackError::Parts(format!("the parts column is unreadable: {e}")))?;
    let mut blobs = HashMap::with_capacity(hexed.len());
    for (hash, hex) in hexed {
        let bytes =
            unhex(&hex).ok_or_else(|| PackError::Parts(format!("part {hash} is not hex")))?;
        blobs.insert(hash, bytes);
    }
    raw.join(&blobs)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16);
    s.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [h, l] => Some((digit(*h)? * 16 + digit(*l)?) as u8),
            _ => None,
        })
        .collect()
}

/// `stored` as a message: whole, or without its parts.
pub fn unpack_message(stored: &[u8]) -> Result<Unpacked, PackError> {
    let Some((&SPLICED, body)) = stored.split_first() else {
        return unpack(stored).map(Unpacked::Whole);
    };
    let damaged = || PackError::Parts("the list of parts is cut short".into());
    let (n, mut body) = body.split_first_chunk::<4>().ok_or_else(damaged)?;
    let n = u32::from_le_bytes(*n) as usize;
    let mut parts = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let (at, after) = body.split_first_chunk::<8>().ok_or_else(damaged)?;
        let (hash, after) = after.split_first_chunk::<32>().ok_or_else(damaged)?;
        let at = usize::try_from(u64::from_le_bytes(*at)).map_err(|_| damaged())?;
        parts.push((at, hash.iter().map(|b| format!("{b:02x}")).collect()));
        body = after;
    }
    let mut rest = Vec::with_capacity(body.len() * 3);
    flate2::read::DeflateDecoder::new(body).read_to_end(&mut rest)?;
    Ok(Unpacked::Spliced { rest, parts })
}

/// Message bytes in their stored form, made once ahead of the transaction
/// that stores them (a batch compresses its messages on both cores, and its
/// dry run and its committing pass insert the same bytes).
#[derive(Debug, Clone)]
pub struct StoredBytes {
    main: Vec<u8>,
    /// The parts kept apart (form `0x02`): hash and stored form.
    parts: Vec<(String, Vec<u8>)>,
}

impl StoredBytes {
    /// `raw` compressed, as [`Store::insert_stored_message`](super::Store::insert_stored_message) stores it.
    pub fn of(raw: &[u8]) -> Self {
        StoredBytes {
            main: pack(raw),
            parts: Vec::new(),
        }
    }

    /// An inbound message `raw` compressed, with each of `bodies` (byte
    /// ranges of its attachment bodies, as the parser found them) of at
    /// least [`MIN_PART_BYTES`] kept apart, to be stored once whatever
    /// message it comes in. Ranges out of order, overlapping or outside
    /// `raw` are left in the message.
    pub fn of_message(raw: &[u8], bodies: &[Range<usize>]) -> Self {
        let mut cut: Vec<Range<usize>> = Vec::new();
        for r in bodies {
            let after_last = cut.last().map_or(0, |l| l.end);
            if r.start >= after_last && r.end <= raw.len() && r.len() >= MIN_PART_BYTES {
                cut.push(r.clone());
            }
        }
        if cut.is_empty() {
            return Self::of(raw);
        }
        let mut rest = Vec::with_capacity(raw.len() - cut.iter().map(|r| r.len()).sum::<usize>());
        let mut header = vec![SPLICED];
        header.extend_from_slice(&(cut.len() as u32).to_le_bytes());
        let mut parts = Vec::with_capacity(cut.len());
        let mut from = 0;
        for r in &cut {
            rest.extend_from_slice(&raw[from..r.start]);
            let part = &raw[r.clone()];
            let digest = Sha256::digest(part);
            header.extend_from_slice(&(rest.len() as u64).to_le_bytes());
            header.extend_from_slice(&digest);
            parts.push((hex_hash(part), deflate(part)));
            from = r.end;
        }
        rest.extend_from_slice(&raw[from..]);
        let mut e = flate2::write::DeflateEncoder::new(header, Compression::default());
        let _ = e.write_all(&rest);
        match e.finish() {
            Ok(main) => StoredBytes { main, parts },
            Err(_) => Self::of(raw),
        }
    }

    pub(super) fn as_slice(&self) -> &[u8] {
        &self.main
    }

    /// The parts kept apart: (hash, stored form).
    pub(super) fn parts(&self) -> &[(String, Vec<u8>)] {
        &self.parts
    }
}

/// Whether `stored` is kept uncompressed (a row from before 0140).
pub fn is_plain(stored: &[u8]) -> bool {
    stored.first() == Some(&PLAIN)
}

/// A stored blob read back as the bytes it holds: the column type of
/// `messages.raw` and `outbox.raw` in the rows the store reads
/// (`#[sqlx(try_from = "Packed")]`).
#[derive(Debug, Clone, Default)]
pub struct Packed(pub Vec<u8>);

/// A stored inbound message read back ([`Unpacked`]): whole, or without
/// its parts, which the store then puts back (`messages.rs`).
#[derive(Debug, Clone)]
pub struct PackedMessage(pub Unpacked);

impl<DB: Database> Type<DB> for PackedMessage
where
    Vec<u8>: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <Vec<u8> as Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <Vec<u8> as Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for PackedMessage
where
    &'r [u8]: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let stored = <&[u8] as Decode<DB>>::decode(value)?;
        Ok(PackedMessage(unpack_message(stored)?))
    }
}

impl<DB: Database> Type<DB> for Packed
where
    Vec<u8>: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <Vec<u8> as Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <Vec<u8> as Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: Database> Decode<'r, DB> for Packed
where
    &'r [u8]: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let stored = <&[u8] as Decode<DB>>::decode(value)?;
        Ok(Packed(unpack(stored)?))
    }
}

impl From<Packed> for Vec<u8> {
    fn from(p: Packed) -> Vec<u8> {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_packed_unpacks_to_the_same_bytes() {
        for raw in [
            &b""[..],
            b"x",
            b"From: a@b.test\r\n\r\nHello\r\n",
            &[0u8, 1, 2, 255, 254][..],
        ] {
            assert_eq!(unpack(&pack(raw)).unwrap(), raw);
        }
        let long = "Dear Jo,\r\nWe have received your message.\r\n".repeat(200);
        let packed = pack(long.as_bytes());
        assert!(packed.len() < long.len() / 10, "{} bytes", packed.len());
        assert_eq!(unpack(&packed).unwrap(), long.as_bytes());
    }

    #[test]
    fn a_message_kept_without_its_parts_is_the_same_bytes_with_them_put_back() {
        let body = "JVBERi0xLjQK".repeat(1000);
        let raw = format!(
            "From: a@b.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nHello\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n--x--\r\n"
        );
        let start = raw.find(&body).unwrap();
        let bodies = [start..start + body.len(), 3..10];
        let stored = StoredBytes::of_message(raw.as_bytes(), &bodies);
        assert_eq!(
            stored.parts().len(),
            1,
            "the short range stays in the message"
        );
        assert!(
            stored.as_slice().len() < 200,
            "{} bytes",
            stored.as_slice().len()
        );
        let blobs: HashMap<String, Vec<u8>> = stored.parts().iter().cloned().collect();
        let unpacked = unpack_message(stored.as_slice()).unwrap();
        assert_eq!(
            unpacked.part_hashes(),
            vec![hex_hash(body.as_bytes()).as_str()]
        );
        assert_eq!(unpacked.clone().join(&blobs).unwrap(), raw.as_bytes());
        // A part missing or not matching its hash is an error, never a
        // message silently short of its attachment.
        assert!(unpacked.clone().join(&HashMap::new()).is_err());
        let wrong: HashMap<String, Vec<u8>> =
            blobs.keys().map(|k| (k.clone(), pack(b"other"))).collect();
        assert!(unpacked.join(&wrong).is_err());
        // Overlapping or outside ranges: kept whole.
        let outside = 0..raw.len() + 1;
        let whole = StoredBytes::of_message(raw.as_bytes(), std::slice::from_ref(&outside));
        assert!(whole.parts().is_empty());
        assert_eq!(unpack(whole.as_slice()).unwrap(), raw.as_bytes());
    }

    /// A mail made of a template's words: what the dictionary is for.
    fn acknowledgement() -> Vec<u8> {
        let words = include_str!("../../templates/en/acknowledgement.hbs")
            .replace("{{", "")
            .replace("}}", "");
        format!(
            "From: \"Westfield Learning\" <info@westfield.test>\r\nTo: jo@mail.test\r\nSubject: [WL-2026-0042] We have received your message\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{words}\r\n--b1--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn a_mail_in_the_templates_words_is_stored_in_far_fewer_bytes_after_the_dictionary() {
        let mail = acknowledgement();
        let packed = pack(&mail);
        assert_eq!(packed[0], DEFLATE_AFTER_DICTIONARY);
        let alone = deflate(&mail);
        assert!(
            packed.len() * 2 < alone.len(),
            "{} bytes after the dictionary, {} alone",
            packed.len(),
            alone.len()
        );
        assert_eq!(unpack(&packed).unwrap(), mail);
        // Longer than the dictionary's window and than a stored block.
        let long: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(unpack(&pack(&long)).unwrap(), long);
    }

    #[test]
    fn rows_in_the_earlier_deflate_form_still_read() {
        let mail = acknowledgement();
        let stored = deflate(&mail);
        assert_eq!(stored[0], DEFLATE);
        assert_eq!(unpack(&stored).unwrap(), mail);
    }

    /// Rows in form 0x03 can only be read with the dictionary they were
    /// written after: it must never change.
    #[test]
    fn the_mail_dictionary_never_changes() {
        assert_eq!(
            hex_hash(DICTIONARY),
            "fe757d1f481b95351bb2cf839da2f52cc928cf841766848d1dc9e9bf09ea9439",
            "mail_dictionary.txt changed: rows written with it would no longer read; a new dictionary needs a new form byte"
        );
    }

    #[test]
    fn plain_rows_from_before_packing_read_as_they_were() {
        assert_eq!(unpack(b"\0From: x\r\n").unwrap(), b"From: x\r\n");
        assert!(is_plain(b"\0abc"));
        assert!(!is_plain(&pack(b"abc")));
    }

    #[test]
    fn an_unknown_form_or_a_damaged_stream_is_an_error() {
        assert!(matches!(unpack(b"\x07abc"), Err(PackError::UnknownForm(7))));
        let mut bad = pack(&b"some text to compress ".repeat(50));
        bad.truncate(bad.len() / 2);
        assert!(unpack(&bad).is_err());
    }
}
