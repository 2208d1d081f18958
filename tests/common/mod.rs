//! Code shared by the integration test binaries (each includes it with
//! `#[path = "../common/mod.rs"] mod common;`).

pub mod backend;
