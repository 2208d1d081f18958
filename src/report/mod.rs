//! The performance report (issue 17): charts drawn in memory
//! ([`chart`]), and `complaintd report`'s outputs built from the store's
//! figures (`core::report`): one self-contained HTML file, CSV tables,
//! JSON, and the Public Services Ombudsman for Wales' complaints data.
//! Nothing here reads the store or a clock: the caller passes the figures.

pub mod chart;
