//! complaintd runs an organisation's complaints, compliments and comments
//! procedure over email.
//!
//! Map (see `docs/ARCHITECTURE.md`); dependencies point inwards, towards
//! [`core`], which depends on nothing of ours. Modules marked *(crate)* are
//! `pub(crate)`: nothing outside the crate (the binary, tests, benches, fuzz
//! targets) uses them.
//!
//! - [`core`]: the pure domain. No I/O, no clock.
//!   - [`core::calendar`] (bank holidays, working days, spans),
//!     [`core::case`] (the case state machine, a module per concern),
//!     [`core::classify`] (the classifier, its lexicon and scoring),
//!     [`core::commands`] (handler commands parsed from a reply),
//!     [`core::directory`] (staff and roles), [`core::kind`] (`Kind` and
//!     `Flag`), [`core::mail`] (raw bytes to a
//!     parsed message), [`core::oauth`] (SASL strings, token answers),
//!     [`core::policy`] (a procedure as data), [`core::reference`] (case
//!     references), [`core::token`] (HMAC Message-IDs and handler tokens).
//!   - *(crate)*: `auth` (`Authentication-Results`), `caps` (flood caps as
//!     decisions), `intent` (what a reply means), `quote` (reply stripping),
//!     `redact` (tokens removed from a whole message, in every encoding),
//!     `screen` (machine mail), `text` (HTML to text), `threading` (which
//!     case).
//! - [`store`]: the only module that writes SQL, a module per group of
//!   tables inside it (`messages`, `cases`, `deadlines`, `outbox`, `fetch`,
//!   `accounts`, `digests`, `caps`) and `names` for enumerated columns.
//! - [`mail`]: the adapters to mail servers and folders.
//!   - `imap` *(crate)*: one IMAP mailbox (`connect`, `fetch`).
//!   - [`mail::maildir`]: Maildir reading and delivery.
//!   - [`mail::maildir_source`]: the inbound Maildir mailbox.
//!   - `outgoing` *(crate)*: building outgoing messages.
//!   - [`mail::sender`]: the outbox sender (`smtp` inside it).
//!   - `tls` *(crate)*: rustls client configuration.
//!   - `token_source` *(crate)*: OAuth2 token sources.
//! - [`work`]: what is done with cases between the two.
//!   - `alerts` *(crate)*: operator alerts.
//!   - `caps` *(crate)*: flood caps at the edge.
//!   - [`work::daemon`]: `complaintd run`.
//!   - [`work::digest`]: the directors' digest.
//!   - [`work::drafts`]: outgoing mail rendered between transactions.
//!   - `effects` *(crate)*: applying a transition inside the transaction.
//!   - [`work::export`]: a case's folder for audit.
//!   - [`work::ingest`]: one inbound message, one transaction.
//!   - [`work::batch`]: a fetched chunk of messages, one transaction, a savepoint each.
//!   - [`work::scheduler`]: deadlines, chase-ups, the digest.
//! - [`config`]: the operator's TOML and policy (`mail`, `limits`, `load`
//!   inside it); `check` *(crate)* validates them, `templates` *(crate)*
//!   renders the mail with the typed data of `template_data` *(crate)*.
//! - [`app`]: the running context built from config and shared by the loops.
//! - [`cli`]: the command line; `anyhow` only here (`classify`, `demo`,
//!   `out`, `status`, `store_commands` inside it).
//! - [`report`]: the performance report's outputs (`chart`: PNG charts
//!   with alt text, drawn with a bundled font).
//! - `private_fs` *(crate)*: owner-only files and folders for people's data.
//! - [`fuzzing`]: the fuzz target bodies, also run as tests.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod fuzzing;
pub mod mail;
pub mod observe;
pub(crate) mod private_fs;
pub mod report;
pub mod store;
pub mod work;
