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

pub use tables::{Report, Rows, Table};
pub use write::{Format, WriteError};

use crate::core::calendar::Calendar;
use crate::core::report::{weeks_ending, Period};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// The most weeks the trend chart shows (a year).
pub const MAX_WEEKS: u32 = 53;

/// Count everything the report shows for `period` at `now`: the period's
/// figures, its weeks (up to a year, ending with the period's last week)
/// and each calendar quarter's figures, all from one read of each index
/// range (`Store::report_figures`): a year and its quarters are the same
/// days, counted once and added up per quarter.
pub async fn build(
    store: &Store,
    calendar: &Calendar,
    organisation: &str,
    stages: Vec<String>,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let days = (period.to - period.from).num_days().max(1) as u32;
    let weeks = weeks_ending(period.last(), days.div_ceil(7).clamp(1, MAX_WEEKS));
    let counted = store
        .report_figures(period, &period.quarters(), &weeks, calendar, now)
        .await?;
    Ok(Report {
        organisation: organisation.to_string(),
        stages,
        counted_at: now,
        figures: counted.figures,
        weeks: counted.weeks,
        quarters: counted.parts,
    })
}
