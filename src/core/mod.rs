//! The pure core of complaintd.
//!
//! Architecture invariant: nothing under `core` does I/O, spawns tasks, or
//! reads a clock. Every function takes `now` (when it needs time) and data, and
//! returns data or decisions. That is what lets the procedure be tested
//! exhaustively and fast, and replayed exactly.

pub(crate) mod auth;
pub mod calendar;
pub(crate) mod caps;
pub mod case;
pub mod classify;
pub mod commands;
pub mod directory;
pub(crate) mod eval;
pub(crate) mod extract;
pub mod handler_intent;
pub(crate) mod intent;
mod intent_cues;
pub mod kind;
pub mod language;
pub mod late;
pub mod learned;
pub mod lease;
pub mod locale;
pub mod mail;
pub mod oauth;
pub mod policy;
pub(crate) mod quote;
pub(crate) mod redact;
pub mod reference;
pub(crate) mod relay;
pub(crate) mod reply_eval;
pub mod report;
pub mod retention;
pub(crate) mod screen;
pub mod survey;
pub(crate) mod text;
pub(crate) mod threading;
pub mod token;
