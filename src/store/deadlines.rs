//! Deadlines (one per case and kind) and the chase-up points before them
//! (one row each, so none fires twice).

use super::db::{self, on, Sql};
use super::names::ReadFrom;
use super::Conn;
use super::{Store, StoreError};
use crate::core::case::{Deadline, DeadlineKind};
use crate::core::reference::CaseRef;
use crate::core::report::local_day;
use chrono::{DateTime, Utc};

/// A stored deadline with its case.
#[derive(sqlx::FromRow)]
struct DeadlineRow {
    case_ref: CaseRef,
    kind: DeadlineKind,
    stage: i64,
    start: DateTime<Utc>,
    due: DateTime<Utc>,
    breached: bool,
}

/// A deadline that is due.
#[derive(sqlx::FromRow)]
struct DueDeadline {
    case_ref: CaseRef,
    kind: DeadlineKind,
}

/// A chase point that is due.
#[derive(sqlx::FromRow)]
struct DueChase {
    case_ref: CaseRef,
    kind: DeadlineKind,
    at: DateTime<Utc>,
}

// `breached` and `done` are flags: INTEGER 0/1 in SQLite, BOOLEAN in
// PostgreSQL, so the SQL compares them with FALSE/TRUE (SQLite reads those
// as 0/1). Except where a partial index is written `WHERE done = 0`: SQLite
// uses a partial index only for a WHERE that repeats its text (`done =
// FALSE` scans `chases`), and PostgreSQL's `chases_due` is `WHERE done =
// FALSE`, so those statements have a text per backend.

/// Deadlines due and not yet handled (the `deadlines_due` index).
pub(super) const DUE_DEADLINES: &str =
    "SELECT case_ref, kind FROM deadlines WHERE breached = FALSE AND due <= ? ORDER BY due, case_ref";

/// Chase points due (the partial `chases_due` index: done ones are never
/// read). SQLite's text; [`DUE_CHASES_EACH`] gives PostgreSQL's.
pub(super) const DUE_CHASES: &str =
    "SELECT case_ref, kind, at FROM chases WHERE done = 0 AND at <= ? ORDER BY at, case_ref";

/// [`DUE_CHASES`] on each backend: the partial index's own text
/// (`done = 0` in SQLite, `done = FALSE` in PostgreSQL, where a BOOLEAN
/// cannot be compared with 0).
const DUE_CHASES_EACH: Sql = Sql::each(
    DUE_CHASES,
    "SELECT case_ref, kind, at FROM chases WHERE done = FALSE AND at <= ? ORDER BY at, case_ref",
);

/// The scheduler's next wake-up. SQLite's text (the alias on the subquery
/// is for PostgreSQL, which requires one); [`NEXT_TIMER_EACH`] gives
/// PostgreSQL's.
pub(super) const NEXT_TIMER: &str =
    "SELECT MIN(t) FROM (SELECT MIN(due) AS t FROM deadlines WHERE breached = FALSE
                         UNION ALL SELECT MIN(at) FROM chases WHERE done = 0) AS timers";

/// [`NEXT_TIMER`] on each backend: `chases_due`'s text, as in
/// [`DUE_CHASES_EACH`].
const NEXT_TIMER_EACH: Sql = Sql::each(
    NEXT_TIMER,
    "SELECT MIN(t) FROM (SELECT MIN(due) AS t FROM deadlines WHERE breached = FALSE
                         UNION ALL SELECT MIN(at) FROM chases WHERE done = FALSE) AS timers",
);

impl Store {
    /// Set (or replace) a deadline.
    pub async fn set_deadline(
        tx: &mut Conn,
        case_ref: &CaseRef,
        d: &Deadline,
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query(
                "INSERT INTO deadlines (case_ref, kind, stage, start, due, breached) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (case_ref, kind) DO UPDATE SET stage = excluded.stage, start = excluded.start,
                   due = excluded.due, breached = excluded.breached",
            )
            .bind(case_ref)
            .bind(d.kind)
            .bind(d.stage as i64)
            .bind(d.start)
            .bind(d.due)
            .bind(d.breached)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Keep a deadline met at `at` for the performance figures
    /// (`deadlines_met`); the caller clears it.
    pub async fn record_met(
        tx: &mut Conn,
        case_ref: &CaseRef,
        d: &Deadline,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query(
                "INSERT INTO deadlines_met (case_ref, kind, stage, start, due, met_at, start_day, met_day, on_time)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(case_ref)
            .bind(d.kind)
            .bind(d.stage as i64)
            .bind(d.start)
            .bind(d.due)
            .bind(at)
            // The local days and the verdict the figures group by (0200):
            // NaiveDate (TEXT `YYYY-MM-DD` in SQLite, DATE in PostgreSQL)
            // and bool (0/1, BOOLEAN).
            .bind(local_day(d.start))
            .bind(local_day(at))
            .bind(at <= d.due)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Clear a deadline and its pending chases.
    pub async fn clear_deadline(
        tx: &mut Conn,
        case_ref: &CaseRef,
        kind: DeadlineKind,
    ) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM deadlines WHERE case_ref = ? AND kind = ?",
            "DELETE FROM chases WHERE case_ref = ? AND kind = ? AND done = FALSE",
        ] {
            on!(tx, |c| {
                db::query(sql)
                    .bind(case_ref)
                    .bind(kind)
                    .execute(&mut *c)
                    .await?;
            });
        }
        Ok(())
    }

    /// Replace the pending chase points of a deadline.
    pub async fn set_chases(
        tx: &mut Conn,
        case_ref: &CaseRef,
        kind: DeadlineKind,
        at: &[DateTime<Utc>],
    ) -> Result<(), StoreError> {
        on!(tx, |c| {
            db::query("DELETE FROM chases WHERE case_ref = ? AND kind = ? AND done = FALSE")
                .bind(case_ref)
                .bind(kind)
                .execute(&mut *c)
                .await?;
            for t in at {
                db::query(
                    "INSERT INTO chases (case_ref, kind, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(case_ref)
                .bind(kind)
                .bind(*t)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// Deadlines due at `now` that have not been handled (not breached), oldest first.
    pub async fn due_deadlines(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(CaseRef, DeadlineKind)>, StoreError> {
        let mut c = self.reader().await?;
        let rows: Vec<DueDeadline> = on!(c, |c| {
            db::query_as(DUE_DEADLINES)
                .bind(now)
                .fetch_all(&mut *c)
                .await
                .read_from("deadlines")?
        });
        Ok(rows.into_iter().map(|r| (r.case_ref, r.kind)).collect())
    }

    /// Chase points due at `now`, oldest first.
    pub async fn due_chases(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(CaseRef, DeadlineKind, DateTime<Utc>)>, StoreError> {
        let mut c = self.reader().await?;
        let rows: Vec<DueChase> = on!(c, |c| {
            db::query_as(DUE_CHASES_EACH)
                .bind(now)
                .fetch_all(&mut *c)
                .await
                .read_from("chases")?
        });
        Ok(rows
            .into_iter()
            .map(|r| (r.case_ref, r.kind, r.at))
            .collect())
    }

    /// Claim a due chase point: mark it done and say whether this call did
    /// (false when another instance's scheduler claimed it first, so the
    /// chase-up goes out once however many instances run).
    pub async fn chase_done(
        tx: &mut Conn,
        case_ref: &CaseRef,
        kind: DeadlineKind,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let claimed = on!(tx, |c| {
            db::query(
                "UPDATE chases SET done = TRUE
                 WHERE case_ref = ? AND kind = ? AND at = ? AND done = FALSE",
            )
            .bind(case_ref)
            .bind(kind)
            .bind(at)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(claimed == 1)
    }

    /// The earliest pending deadline or chase time (for the scheduler's sleep).
    pub async fn next_timer(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar(NEXT_TIMER_EACH).fetch_one(&mut *c).await?
        }))
    }

    /// All deadlines, for the digest.
    pub async fn all_deadlines(&self) -> Result<Vec<(CaseRef, Deadline)>, StoreError> {
        let mut c = self.reader().await?;
        let rows: Vec<DeadlineRow> = on!(c, |c| {
            db::query_as(
                "SELECT case_ref, kind, stage, start, due, breached FROM deadlines ORDER BY due",
            )
            .fetch_all(&mut *c)
            .await
            .read_from("deadlines")?
        });
        Ok(rows
            .into_iter()
            .map(|r| {
                let deadline = Deadline {
                    kind: r.kind,
                    stage: r.stage as usize,
                    start: r.start,
                    due: r.due,
                    breached: r.breached,
                };
                (r.case_ref, deadline)
            })
            .collect())
    }
}
