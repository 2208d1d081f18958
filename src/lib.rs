//! complaintd runs an organisation's complaints, compliments and comments
//! procedure over email.
//!
//! Map (see `docs/ARCHITECTURE.md`): [`core`] is the pure domain (calendar,
//! policy, classification, threading, commands, quote stripping, the case state
//! machine); [`config`] reads the operator's TOML; [`check`] validates config,
//! policy and templates; [`cli`] is the command line. Dependencies point inwards:
//! `cli → check/config → core`; `core` depends on nothing of ours.

pub mod alerts;
pub mod app;
pub mod caps;
pub mod check;
pub mod cli;
pub mod config;
pub mod core;
pub mod daemon;
pub mod digest;
pub mod drafts;
pub mod effects;
pub mod export;
pub mod fuzzing;
pub mod imap_source;
pub mod ingest;
pub mod maildir;
pub mod maildir_source;
pub mod oauth;
pub mod outgoing;
pub mod private_fs;
pub mod scheduler;
pub mod sender;
pub mod store;
pub mod templates;
pub mod tls;
