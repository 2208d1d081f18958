//! The performance figures of a period (issue 17): counted in SQL from
//! indexes (cases by `opened_at`, deadlines met by `met_at`, live deadlines
//! by `due`), never by loading every case, and handed to the pure core
//! (`core::report`) as plain counts. The digest, `complaintd report` (HTML,
//! CSV, JSON, the Ombudsman's fields) and the tests all read the figures
//! through these functions, so the same figure is the same everywhere.
//!
//! A stored time is UTC; the organisation counts days in `Europe/London`.
//! Each query turns a time into its local day in SQL with one `CASE` over
//! the UTC offsets in force around the period ([`core::report::utc_offsets`]),
//! so a case received at 23:30 UTC on a summer evening counts on the next
//! day, as the organisation's calendar does.
//!
//! [`core::report::utc_offsets`]: crate::core::report::utc_offsets

use super::digests;
use super::names::ReadFrom;
use super::{Store, StoreError};
use crate::core::calendar::Calendar;
use crate::core::case::records::{Outcome, RefusalGround, RemedyKind};
use crate::core::case::DeadlineKind;
use crate::core::kind::{Flag, Kind};
use crate::core::reference::CaseRef;
use crate::core::report::{
    timeliness, utc_offsets, weekly, weeks_ending, Count, Extensions, Figures, Lesson, MetGroup,
    OldestOpen, Period, Received, Refusals, Remedies, StageOutcomes, SurveyFigures, Week,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::BTreeMap;

/// The deadline types whose lateness is counted while they are unmet.
const OVERDUE_KINDS: [DeadlineKind; 3] = [
    DeadlineKind::Acknowledge,
    DeadlineKind::Respond,
    DeadlineKind::Decision,
];

/// The UTC offsets around a span, for [`sql::local_day`].
pub(super) type Offsets = (i32, Vec<(DateTime<Utc>, i32)>);

/// The offsets in force from three years before `from` (a deadline met in
/// the period may have started long before it) to `to`.
fn offsets(from: DateTime<Utc>, to: DateTime<Utc>) -> Offsets {
    utc_offsets(from - Duration::days(3 * 366), to + Duration::days(1))
}

/// The figures' queries as builders, each after a `prefix` (empty to run
/// it, `EXPLAIN QUERY PLAN ` in the test that checks each uses an index).
pub(super) mod sql {
    use super::{push_in, Offsets, OVERDUE_KINDS};
    use crate::core::case::{DeadlineKind, State};
    use crate::core::kind::Kind;
    use chrono::{DateTime, Utc};
    use sqlx::{QueryBuilder, Sqlite};
    use strum::IntoEnumIterator;

    /// Push the local day of the stored UTC time `col` (an SQL expression).
    pub fn local_day(q: &mut QueryBuilder<Sqlite>, col: &str, offsets: &Offsets) {
        let (first, changes) = offsets;
        q.push(format!("date({col}, CASE"));
        let mut before = *first;
        for (at, off) in changes {
            q.push(format!(" WHEN {col} < "))
                .push_bind(*at)
                .push(format!(" THEN '{before:+} seconds'"));
            before = *off;
        }
        q.push(format!(" ELSE '{before:+} seconds' END)"));
    }

    /// `FROM cases c WHERE` the cases received in [from, to), machine mail left out.
    fn received(q: &mut QueryBuilder<Sqlite>, from: DateTime<Utc>, to: DateTime<Utc>) {
        q.push(" FROM cases c WHERE c.opened_at >= ")
            .push_bind(from)
            .push(" AND c.opened_at < ")
            .push_bind(to)
            .push(" AND c.kind NOT IN ");
        push_in(q, Kind::iter().filter(|k| k.is_machine()));
    }

    /// The received cases joined with each element of the JSON array at `path`.
    fn received_each(
        q: &mut QueryBuilder<Sqlite>,
        path: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) {
        q.push(format!(
            " FROM cases c, json_each(c.data, '{path}') e WHERE c.opened_at >= "
        ))
        .push_bind(from)
        .push(" AND c.opened_at < ")
        .push_bind(to)
        .push(" AND c.kind NOT IN ");
        push_in(q, Kind::iter().filter(|k| k.is_machine()));
    }

    fn complaints(q: &mut QueryBuilder<Sqlite>) {
        q.push(" AND c.kind = ").push_bind(Kind::Complaint);
    }

    pub fn by_kind(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT c.kind, COUNT(*)"));
        received(&mut q, from, to);
        q.push(" GROUP BY c.kind ORDER BY c.kind");
        q
    }

    pub fn by_stage(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT c.stage, COUNT(*)"));
        received(&mut q, from, to);
        complaints(&mut q);
        q.push(" GROUP BY c.stage ORDER BY c.stage");
        q
    }

    pub fn by_flag(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT e.value, COUNT(*)"));
        received_each(&mut q, "$.flags", from, to);
        complaints(&mut q);
        q.push(" GROUP BY e.value ORDER BY e.value");
        q
    }

    /// The mailbox of each case's first message (the messages_case index).
    pub fn by_source(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT COALESCE((SELECT m.source FROM messages m WHERE m.case_ref = c.reference \
             ORDER BY m.received_at, m.id LIMIT 1), 'unknown') s, COUNT(*)"
        ));
        received(&mut q, from, to);
        q.push(" GROUP BY s ORDER BY s");
        q
    }

    pub fn by_language(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT COALESCE(json_extract(c.data, '$.language'), 'unknown') l, COUNT(*)"
        ));
        received(&mut q, from, to);
        q.push(" GROUP BY l ORDER BY l");
        q
    }

    /// Received per local day (the weekly series).
    pub fn received_days(
        p: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        offsets: &Offsets,
    ) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT "));
        local_day(&mut q, "c.opened_at", offsets);
        q.push(" d, COUNT(*)");
        received(&mut q, from, to);
        q.push(" GROUP BY d ORDER BY d");
        q
    }

    /// Deadlines met in [from, to), by type, stage, local days and on time.
    pub fn met(
        p: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        kind: Option<DeadlineKind>,
        offsets: &Offsets,
    ) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT kind, stage, "));
        local_day(&mut q, "start", offsets);
        q.push(" s, ");
        local_day(&mut q, "met_at", offsets);
        q.push(" m, met_at <= due ok, COUNT(*) FROM deadlines_met WHERE met_at >= ")
            .push_bind(from)
            .push(" AND met_at < ")
            .push_bind(to);
        if let Some(k) = kind {
            q.push(" AND kind = ").push_bind(k);
        }
        q.push(" GROUP BY kind, stage, s, m, ok ORDER BY kind, stage, s, m, ok");
        q
    }

    /// Live deadlines that fell due in [from, until) and are not met:
    /// two ranges of the (breached, due, kind, case_ref) index.
    pub fn overdue(p: &str, from: DateTime<Utc>, until: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT kind, stage, COUNT(*) FROM deadlines WHERE breached IN (0, 1) AND due >= "
        ));
        q.push_bind(from).push(" AND due < ").push_bind(until);
        q.push(" AND kind IN ");
        push_in(&mut q, OVERDUE_KINDS);
        q.push(" GROUP BY kind, stage ORDER BY kind, stage");
        q
    }

    /// The oldest complaint in a state that is not final (the cases_state index).
    pub fn oldest_open(p: &str) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT reference, opened_at, stage, handler FROM cases WHERE state IN "
        ));
        push_in(&mut q, State::iter().filter(|s| !s.is_final()));
        q.push(" AND kind = ").push_bind(Kind::Complaint);
        q.push(" ORDER BY opened_at, reference LIMIT 1");
        q
    }

    pub fn extensions(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT json_extract(e.value, '$.reason') r, \
             json_extract(e.value, '$.beyond_cap') IS NOT NULL b, COUNT(*)"
        ));
        received_each(&mut q, "$.records.extensions", from, to);
        q.push(" GROUP BY r, b ORDER BY r, b");
        q
    }

    pub fn extended_cases(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT COUNT(*)"));
        received(&mut q, from, to);
        q.push(" AND json_array_length(c.data, '$.records.extensions') > 0");
        q
    }

    /// Outcomes sent (a recorded outcome is replaceable until its response goes).
    pub fn outcomes(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT json_extract(e.value, '$.stage') s, json_extract(e.value, '$.outcome') o, COUNT(*)"
        ));
        received_each(&mut q, "$.records.outcomes", from, to);
        q.push(" AND json_extract(e.value, '$.sent_at') IS NOT NULL GROUP BY s, o ORDER BY s, o");
        q
    }

    pub fn remedies(
        p: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        offsets: &Offsets,
    ) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT json_extract(e.value, '$.kind') k, COUNT(*), \
             COUNT(json_extract(e.value, '$.done')), COALESCE(SUM("
        ));
        local_day(&mut q, "json_extract(e.value, '$.done[0]')", offsets);
        q.push(" <= json_extract(e.value, '$.due')), 0)");
        received_each(&mut q, "$.records.remedies", from, to);
        q.push(" GROUP BY k ORDER BY k");
        q
    }

    pub fn refusals(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT json_extract(e.value, '$.ground') g, json_extract(e.value, '$.escalation') x, COUNT(*)"
        ));
        received_each(&mut q, "$.records.refusals", from, to);
        q.push(" GROUP BY g, x ORDER BY g, x");
        q
    }

    pub fn referred(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT COUNT(*)"));
        received(&mut q, from, to);
        q.push(" AND c.state = ")
            .push_bind(State::ReferredExternally);
        q
    }

    pub fn survey(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT COUNT(json_extract(c.data, '$.survey.sent_at')), \
             COUNT(json_extract(c.data, '$.survey.answered_at')), \
             COALESCE(SUM(json_extract(c.data, '$.survey.answer.satisfied') = 1), 0), \
             COALESCE(SUM(json_extract(c.data, '$.survey.answer.satisfied') = 0), 0), \
             COUNT(json_extract(c.data, '$.survey.answer.score')), \
             AVG(json_extract(c.data, '$.survey.answer.score'))"
        ));
        received(&mut q, from, to);
        q
    }

    pub fn lessons(p: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT c.reference, c.opened_at, c.closed_at, json_extract(c.data, '$.lessons') l"
        ));
        received(&mut q, from, to);
        q.push(" AND l IS NOT NULL ORDER BY c.opened_at, c.reference");
        q
    }
}

/// Push `(?, ?, …)` binding each of `values`.
fn push_in<T>(q: &mut QueryBuilder<Sqlite>, values: impl IntoIterator<Item = T>)
where
    T: for<'t> sqlx::Encode<'t, Sqlite> + sqlx::Type<Sqlite>,
{
    q.push("(");
    let mut sep = q.separated(", ");
    for v in values {
        sep.push_bind(v);
    }
    sep.push_unseparated(")");
}

/// A name from a case's JSON, parsed; unknown is an error naming it.
fn parse_name<T: std::str::FromStr>(column: &str, value: String) -> Result<T, StoreError> {
    value.parse().map_err(|_| StoreError::UnknownValue {
        table: "cases",
        column: column.to_string(),
        value,
    })
}

fn counts<T>(rows: Vec<(T, i64)>) -> Vec<Count<T>> {
    rows.into_iter()
        .map(|(what, n)| Count { what, n: n as u64 })
        .collect()
}

impl Store {
    /// Every figure of `period` (local days, `Europe/London`), counted at
    /// `now` (what is open, what is overdue), in one read transaction so
    /// that the figures agree with each other.
    pub async fn figures(
        &self,
        period: Period,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<Figures, StoreError> {
        let (from, to) = period.instants(calendar);
        let off = offsets(from, to);
        let mut tx = self.pool.begin().await?;
        let c: &mut SqliteConnection = &mut tx;
        let received = Self::received_in(c, from, to).await?;

        let met = Self::met_groups(c, from, to, None, &off).await?;
        let overdue: Vec<(DeadlineKind, i64, i64)> = sql::overdue("", from, to.min(now))
            .build_query_as()
            .fetch_all(&mut *c)
            .await
            .read_from("deadlines")?;
        let overdue: Vec<(DeadlineKind, usize, u64)> = overdue
            .into_iter()
            .map(|(k, s, n)| (k, s as usize, n as u64))
            .collect();

        let open: Vec<(i64, i64)> = digests::sql::open_by_stage("", Kind::Complaint)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let oldest: Option<(CaseRef, DateTime<Utc>, i64, Option<String>)> = sql::oldest_open("")
            .build_query_as()
            .fetch_optional(&mut *c)
            .await
            .read_from("cases")?;

        let ext: Vec<(String, bool, i64)> = sql::extensions("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let extended: i64 = sql::extended_cases("", from, to)
            .build_query_scalar()
            .fetch_one(&mut *c)
            .await?;
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        let mut extensions = Extensions {
            cases: extended as u64,
            ..Extensions::default()
        };
        for (r, beyond, n) in ext {
            extensions.total += n as u64;
            if beyond {
                extensions.beyond_cap += n as u64;
            }
            *reasons.entry(r).or_default() += n as u64;
        }
        let mut reasons: Vec<Count<String>> = reasons
            .into_iter()
            .map(|(what, n)| Count { what, n })
            .collect();
        reasons.sort_by(|a, b| b.n.cmp(&a.n).then(a.what.cmp(&b.what)));
        extensions.reasons = reasons;

        let rows: Vec<(i64, String, i64)> = sql::outcomes("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let mut outcomes: Vec<StageOutcomes> = Vec::new();
        for (stage, o, n) in rows {
            let o: Outcome = parse_name("data.records.outcomes.outcome", o)?;
            let stage = stage as usize;
            if outcomes.last().is_none_or(|s| s.stage != stage) {
                outcomes.push(StageOutcomes {
                    stage,
                    outcomes: Vec::new(),
                });
            }
            if let Some(s) = outcomes.last_mut() {
                s.outcomes.push(Count {
                    what: o,
                    n: n as u64,
                });
            }
        }

        let rows: Vec<(String, i64, i64, i64)> = sql::remedies("", from, to, &off)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let remedies = rows
            .into_iter()
            .map(|(k, total, done, on_time)| {
                Ok(Remedies {
                    kind: parse_name::<RemedyKind>("data.records.remedies.kind", k)?,
                    total: total as u64,
                    done: done as u64,
                    done_on_time: on_time as u64,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let rows: Vec<(String, bool, i64)> = sql::refusals("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let refusals = rows
            .into_iter()
            .map(|(g, escalation, n)| {
                Ok(Refusals {
                    ground: parse_name::<RefusalGround>("data.records.refusals.ground", g)?,
                    escalation,
                    n: n as u64,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let referred: i64 = sql::referred("", from, to)
            .build_query_scalar()
            .fetch_one(&mut *c)
            .await?;
        let (sent, answered, satisfied, not_satisfied, scored, mean): (
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<f64>,
        ) = sql::survey("", from, to)
            .build_query_as()
            .fetch_one(&mut *c)
            .await?;
        type LessonRow = (CaseRef, DateTime<Utc>, Option<DateTime<Utc>>, String);
        let lessons: Vec<LessonRow> = sql::lessons("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await
            .read_from("cases")?;
        tx.commit().await?;

        Ok(Figures {
            period,
            received,
            timeliness: timeliness(&met, &overdue, calendar),
            open_by_stage: open
                .into_iter()
                .map(|(s, n)| Count {
                    what: s as usize,
                    n: n as u64,
                })
                .collect(),
            oldest_open: oldest.map(|(reference, opened_at, stage, handler)| OldestOpen {
                reference,
                opened_at,
                stage: stage as usize,
                handler,
            }),
            extensions,
            outcomes,
            remedies,
            refusals,
            referred_externally: referred as u64,
            survey: SurveyFigures {
                sent: sent as u64,
                answered: answered as u64,
                satisfied: satisfied as u64,
                not_satisfied: not_satisfied as u64,
                scored: scored as u64,
                mean_score: mean,
            },
            lessons: lessons
                .into_iter()
                .map(|(reference, opened_at, closed_at, lesson)| Lesson {
                    reference,
                    opened_at,
                    closed_at,
                    lesson,
                })
                .collect(),
        })
    }

    /// The cases received in `period` by kind, flag, stage, mailbox and
    /// language: the cheap part of [`Store::figures`], for the digest.
    pub async fn received(
        &self,
        period: Period,
        calendar: &Calendar,
    ) -> Result<Received, StoreError> {
        let (from, to) = period.instants(calendar);
        let mut tx = self.pool.begin().await?;
        let r = Self::received_in(&mut tx, from, to).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn received_in(
        c: &mut SqliteConnection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Received, StoreError> {
        let by_kind: Vec<(Kind, i64)> = sql::by_kind("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await
            .read_from("cases")?;
        let by_flag: Vec<(Flag, i64)> = sql::by_flag("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await
            .read_from("cases")?;
        let by_stage: Vec<(i64, i64)> = sql::by_stage("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let by_source: Vec<(String, i64)> = sql::by_source("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let by_language: Vec<(String, i64)> = sql::by_language("", from, to)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        Ok(Received {
            total: by_kind.iter().map(|(_, n)| *n as u64).sum(),
            by_kind: counts(by_kind),
            by_flag: counts(by_flag),
            by_stage: by_stage
                .into_iter()
                .map(|(s, n)| Count {
                    what: s as usize,
                    n: n as u64,
                })
                .collect(),
            by_source: counts(by_source),
            by_language: counts(by_language),
        })
    }

    async fn met_groups(
        c: &mut SqliteConnection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        kind: Option<DeadlineKind>,
        off: &Offsets,
    ) -> Result<Vec<MetGroup>, StoreError> {
        let rows: Vec<(DeadlineKind, i64, NaiveDate, NaiveDate, bool, i64)> =
            sql::met("", from, to, kind, off)
                .build_query_as()
                .fetch_all(&mut *c)
                .await
                .read_from("deadlines_met")?;
        Ok(rows
            .into_iter()
            .map(|(kind, stage, start, met, on_time, n)| MetGroup {
                kind,
                stage: stage as usize,
                start,
                met,
                on_time,
                n: n as u64,
            })
            .collect())
    }

    /// The `weeks` weeks (Monday to Sunday) ending with the one holding
    /// `last`: cases received and responses sent (on time or not) each week.
    pub async fn weekly_series(
        &self,
        last: NaiveDate,
        weeks: u32,
        calendar: &Calendar,
    ) -> Result<Vec<Week>, StoreError> {
        let periods = weeks_ending(last, weeks);
        let (Some(first), Some(end)) = (periods.first(), periods.last()) else {
            return Ok(Vec::new());
        };
        let span = Period {
            from: first.from,
            to: end.to,
        };
        let (from, to) = span.instants(calendar);
        let off = offsets(from, to);
        let mut tx = self.pool.begin().await?;
        let received: Vec<(NaiveDate, i64)> = sql::received_days("", from, to, &off)
            .build_query_as()
            .fetch_all(&mut *tx)
            .await?;
        let met = Self::met_groups(&mut tx, from, to, Some(DeadlineKind::Respond), &off).await?;
        tx.commit().await?;
        let received: Vec<(NaiveDate, u64)> =
            received.into_iter().map(|(d, n)| (d, n as u64)).collect();
        let responses: Vec<(NaiveDate, bool, u64)> =
            met.into_iter().map(|g| (g.met, g.on_time, g.n)).collect();
        Ok(weekly(&periods, &received, &responses))
    }
}

#[cfg(test)]
mod tests;
