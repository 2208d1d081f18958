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
//!
//! and an empty blob is an empty message (listings select `X''` in its
//! place). Migration `0140_packed_raw.sql` puts the `0x00` in front of every
//! existing row in its own transaction, so no row is ever of unknown form.
//! DEFLATE (`flate2`, already a dependency for `.docx` text) rather than a
//! new codec: at the sizes stored here it gives most of what zstd would,
//! without another C library in the build.

use flate2::Compression;
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Type};
use std::io::{Read, Write};

/// The form byte of bytes kept as they are.
const PLAIN: u8 = 0;
/// The form byte of a raw DEFLATE stream.
const DEFLATE: u8 = 1;

/// Why stored bytes could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The first byte names no form this build knows (written by a newer one).
    #[error("stored message bytes in an unknown form (first byte {0:#04x})")]
    UnknownForm(u8),
    /// The compressed stream is damaged.
    #[error("stored message bytes do not decompress: {0}")]
    Corrupt(#[from] std::io::Error),
}

/// `raw` in its stored form: compressed, with the form byte in front.
pub fn pack(raw: &[u8]) -> Vec<u8> {
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

/// The bytes `stored` holds, whichever form it is in.
pub fn unpack(stored: &[u8]) -> Result<Vec<u8>, PackError> {
    match stored.split_first() {
        None => Ok(Vec::new()),
        Some((&PLAIN, rest)) => Ok(rest.to_vec()),
        Some((&DEFLATE, rest)) => {
            let mut out = Vec::with_capacity(rest.len() * 3);
            flate2::read::DeflateDecoder::new(rest).read_to_end(&mut out)?;
            Ok(out)
        }
        Some((&form, _)) => Err(PackError::UnknownForm(form)),
    }
}

/// Message bytes in their stored form, made once ahead of the transaction
/// that stores them (a batch compresses its messages on both cores, and its
/// dry run and its committing pass insert the same bytes).
#[derive(Debug, Clone)]
pub struct StoredBytes(Vec<u8>);

impl StoredBytes {
    /// `raw` compressed, as [`Store::insert_stored_message`](super::Store::insert_stored_message) stores it.
    pub fn of(raw: &[u8]) -> Self {
        StoredBytes(pack(raw))
    }

    pub(super) fn as_slice(&self) -> &[u8] {
        &self.0
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

impl Type<Sqlite> for Packed {
    fn type_info() -> SqliteTypeInfo {
        <Vec<u8> as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <Vec<u8> as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Packed {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let stored = <&[u8] as Decode<Sqlite>>::decode(value)?;
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
