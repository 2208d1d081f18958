//! The performance report (issue 17): charts drawn in memory
//! ([`chart`]), and `complaintd report`'s outputs built from the store's
//! figures (`core::report`): the tables ([`tables`]) written as one
//! self-contained HTML file ([`html`]), CSV files, JSON, and the Public
//! Services Ombudsman for Wales' complaints data ([`write`]). Nothing here
//! reads the store or a clock: [`build`] asks the store, the rest is given
//! the figures.

pub mod chart;
pub mod html;
pub mod tables;
pub mod write;

pub use tables::{Report, Table};
pub use write::{Format, WriteError};

use crate::core::calendar::Calendar;
use crate::core::report::Period;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// The most weeks the trend chart shows (a year).
pub const MAX_WEEKS: u32 = 53;

/// Count everything the report shows for `period` at `now`: the period's
/// figures, its weeks (up to a year, ending with the period's last week)
/// and each calendar quarter's figures, all from the store's figures API.
pub async fn build(
    store: &Store,
    calendar: &Calendar,
    organisation: &str,
    stages: Vec<String>,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let days = (period.to - period.from).num_days().max(1) as u32;
    // Each part is its own read of the store: run side by side on the
    // pool's connections (a year and its quarters read the same index
    // ranges twice; on two cores this halves the wait).
    let (figures, weeks, quarters) = futures::try_join!(
        store.figures(period, calendar, now),
        store.weekly_series(period.last(), days.div_ceil(7).clamp(1, MAX_WEEKS)),
        futures::future::try_join_all(
            period
                .quarters()
                .into_iter()
                .map(|q| store.figures(q, calendar, now))
        ),
    )?;
    Ok(Report {
        organisation: organisation.to_string(),
        stages,
        counted_at: now,
        figures,
        weeks,
        quarters,
    })
}
