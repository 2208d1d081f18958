//! The embedded daemon at its boundary: raw mail in, the real store, the real
//! scheduler on a manual clock, the real sender into a Maildir.

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod alerts;
mod batches;
mod blind_complainants;
mod blind_handlers;
mod browser;
mod crash;
mod daemon;
mod data_protection;
mod delivery;
mod digest_view;
mod floods;
mod handler_intents;
mod heavy;
mod idempotence;
mod instances;
mod languages;
mod learning;
mod locking;
mod machine_mail;
mod observe;
mod operations;
mod outsiders;
mod procedures;
mod progress;
mod records;
mod replies;
mod report_view;
mod reports;
mod retention;
mod scale;
mod security;
mod store_copy;
mod survey;
mod triage;
