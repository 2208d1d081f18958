//! The work complaintd does with cases, between the mail adapters and the
//! store: ingesting a message (and the references written in it) or a
//! batch of them, applying a transition's effects, the scheduler's tick, the
//! directors' digest, operator alerts, flood caps, exporting a case, and the
//! daemon that runs the loops.

pub(crate) mod alerts;
pub mod batch;
pub(crate) mod caps;
pub mod daemon;
pub mod digest;
pub mod drafts;
pub(crate) mod effects;
pub mod export;
pub mod ingest;
pub mod instance;
pub(crate) mod mentioned;
pub mod model_watch;
pub mod raw;
pub mod retention;
pub mod scheduler;
