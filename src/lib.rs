//! complaintd runs an organisation's complaints, compliments and comments
//! procedure over email.
//!
//! Map (see `docs/ARCHITECTURE.md`); dependencies point inwards, towards
//! [`core`], which depends on nothing of ours:
//!
//! - [`core`]: the pure domain (calendar, policy, classification, screening,
//!   threading, commands, quote stripping, the case state machine). No I/O,
//!   no clock.
//! - [`store`]: the only module that writes SQL.
//! - [`mail`]: the adapters to mail servers and folders: IMAP and Maildir
//!   mailboxes, outgoing message building, the outbox sender, TLS, OAuth2
//!   token sources.
//! - [`work`]: what is done with cases between the two: ingest, effects,
//!   the scheduler, the digest, alerts, flood caps, export, the daemon loop.
//! - [`config`]: the operator's TOML and policy, `check`, the templates.
//! - [`app`]: the running context built from config and shared by the loops.
//! - [`cli`]: the command line; `anyhow` only here.
//! - [`private_fs`]: owner-only files and folders for people's data.
//! - [`fuzzing`]: the fuzz target bodies, also run as tests.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod fuzzing;
pub mod mail;
pub mod private_fs;
pub mod store;
pub mod work;
