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
use crate::core::case::{DeadlineKind, State};
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
    use chrono::{DateTime, NaiveDate, Utc};
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

    /// ` AND kind NOT IN (…)`: machine mail is never counted.
    fn not_machine(q: &mut QueryBuilder<Sqlite>, col: &str) {
        q.push(format!(" AND {col} NOT IN "));
        push_in(q, Kind::iter().filter(|k| k.is_machine()));
    }

    /// ` FROM table WHERE` its rows for the cases received on the local days
    /// [from, to) (`opened_day`, the first column of each table's index),
    /// machine mail left out.
    fn received_on(q: &mut QueryBuilder<Sqlite>, table: &str, from: NaiveDate, to: NaiveDate) {
        q.push(format!(" FROM {table} WHERE opened_day >= "))
            .push_bind(from)
            .push(" AND opened_day < ")
            .push_bind(to);
        not_machine(q, "kind");
    }

    /// The cases received on [from, to) by kind, stage, state, language and
    /// mailbox: counted per day in the order of the `cases_received` index
    /// (no sorting of a year's cases), then summed over the days.
    pub fn received(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT kind, stage, state, COALESCE(language, 'unknown'), COALESCE(source, 'unknown'), \
             SUM(n) FROM (SELECT kind, stage, state, language, source, COUNT(*) n"
        ));
        received_on(&mut q, "cases", from, to);
        q.push(
            " GROUP BY opened_day, kind, stage, state, language, source) \
             GROUP BY kind, stage, state, language, source",
        );
        q
    }

    /// Received per local day (the weekly series).
    pub fn received_days(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT opened_day, COUNT(*)"));
        received_on(&mut q, "cases", from, to);
        q.push(" GROUP BY opened_day ORDER BY opened_day");
        q
    }

    /// Complaints received by flag (a case with two flags counts under each).
    pub fn by_flag(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT flag, COUNT(*)"));
        received_on(&mut q, "case_flags", from, to);
        q.push(" AND kind = ").push_bind(Kind::Complaint);
        q.push(" GROUP BY flag ORDER BY flag");
        q
    }

    /// Deadlines met on the local days [from, to), by type, stage, the
    /// local days of start and meeting and on time: the groups are the
    /// order of the `deadlines_met_day` index.
    pub fn met(
        p: &str,
        from: NaiveDate,
        to: NaiveDate,
        kind: Option<DeadlineKind>,
    ) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT kind, stage, start_day, met_day, on_time, COUNT(*) FROM deadlines_met WHERE met_day >= "
        ));
        q.push_bind(from).push(" AND met_day < ").push_bind(to);
        q.push(" GROUP BY met_day, kind, stage, start_day, on_time");
        // After grouping, so the groups still follow the index.
        if let Some(k) = kind {
            q.push(" HAVING kind = ").push_bind(k);
        }
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

    /// The states of an open complaint, for [`oldest_open`].
    fn open_complaints(q: &mut QueryBuilder<Sqlite>) {
        q.push(" FROM cases WHERE state IN ");
        push_in(q, State::iter().filter(|s| !s.is_final()));
        q.push(" AND kind = ").push_bind(Kind::Complaint);
    }

    /// The oldest complaint in a state that is not final: its receipt time
    /// found in the cases_state index alone, then the first by reference
    /// received then (rather than sorting every open complaint's row).
    pub fn oldest_open(p: &str) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT reference, opened_at, stage, handler"));
        open_complaints(&mut q);
        q.push(" AND opened_at = (SELECT MIN(opened_at)");
        open_complaints(&mut q);
        q.push(") ORDER BY reference LIMIT 1");
        q
    }

    pub fn extensions(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT reason, beyond_cap, COUNT(*)"));
        received_on(&mut q, "case_extensions", from, to);
        q.push(" GROUP BY reason, beyond_cap ORDER BY reason, beyond_cap");
        q
    }

    pub fn extended_cases(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT COUNT(DISTINCT case_ref)"));
        received_on(&mut q, "case_extensions", from, to);
        q
    }

    /// Outcomes sent, counted per day in index order, then summed.
    pub fn outcomes(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT stage, outcome, SUM(n) FROM (SELECT stage, outcome, COUNT(*) n"
        ));
        received_on(&mut q, "case_outcomes", from, to);
        q.push(" GROUP BY opened_day, kind, stage, outcome) GROUP BY stage, outcome ORDER BY stage, outcome");
        q
    }

    /// Remedies by kind: all, done, and done by the local day they were due.
    pub fn remedies(
        p: &str,
        from: NaiveDate,
        to: NaiveDate,
        offsets: &Offsets,
    ) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT remedy, COUNT(*), COUNT(done_at), COALESCE(SUM("
        ));
        local_day(&mut q, "done_at", offsets);
        q.push(" <= due), 0)");
        received_on(&mut q, "case_remedies", from, to);
        q.push(" GROUP BY remedy ORDER BY remedy");
        q
    }

    pub fn refusals(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT ground, escalation, COUNT(*)"));
        received_on(&mut q, "case_refusals", from, to);
        q.push(" GROUP BY ground, escalation ORDER BY ground, escalation");
        q
    }

    pub fn survey(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT COUNT(sent_at), COUNT(answered_at), COALESCE(SUM(satisfied = 1), 0), \
             COALESCE(SUM(satisfied = 0), 0), COUNT(score), AVG(score)"
        ));
        received_on(&mut q, "case_surveys", from, to);
        q
    }

    /// The lessons register, in the order of its index.
    pub fn lessons(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!("{p}SELECT case_ref, opened_at, closed_at, lesson"));
        received_on(&mut q, "case_lessons", from, to);
        q.push(" ORDER BY opened_day, opened_at, case_ref");
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

/// A name copied from a case's JSON, parsed; unknown is an error naming it.
fn parse_name<T: std::str::FromStr>(
    table: &'static str,
    column: &str,
    value: String,
) -> Result<T, StoreError> {
    value.parse().map_err(|_| StoreError::UnknownValue {
        table,
        column: column.to_string(),
        value,
    })
}

fn counts<T>(rows: Vec<(T, i64)>) -> Vec<Count<T>> {
    rows.into_iter()
        .map(|(what, n)| Count { what, n: n as u64 })
        .collect()
}

/// Which of a period's figures [`Store::figures`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Every figure (the report).
    All,
    /// The digest's month table: received by kind, timeliness, open cases,
    /// the oldest, outcomes and remedies; the rest left empty.
    Digest,
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
        self.figures_of(period, calendar, now, Scope::All).await
    }

    /// The figures the digest's month table shows (received by kind and in
    /// all, timeliness, open complaints by stage, the oldest, outcomes and
    /// remedies), counted as [`Store::figures`] counts them; the others
    /// (flags, mailboxes, languages, extensions, refusals, referrals, the
    /// survey and the lessons) are left empty.
    pub async fn digest_figures(
        &self,
        period: Period,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<Figures, StoreError> {
        self.figures_of(period, calendar, now, Scope::Digest).await
    }

    async fn figures_of(
        &self,
        period: Period,
        calendar: &Calendar,
        now: DateTime<Utc>,
        scope: Scope,
    ) -> Result<Figures, StoreError> {
        let (from, to) = period.instants(calendar);
        let (day0, day1) = (period.from, period.to);
        let mut tx = self.pool.begin().await?;
        let c: &mut SqliteConnection = &mut tx;
        let (mut received, referred) = Self::received_in(c, day0, day1).await?;
        if scope == Scope::All {
            let by_flag: Vec<(Flag, i64)> = sql::by_flag("", day0, day1)
                .build_query_as()
                .fetch_all(&mut *c)
                .await
                .read_from("case_flags")?;
            received.by_flag = counts(by_flag);
        } else {
            received.by_source.clear();
            received.by_language.clear();
        }

        let met = Self::met_groups(c, day0, day1, None).await?;
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

        let rows: Vec<(i64, String, i64)> = sql::outcomes("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let mut outcomes: Vec<StageOutcomes> = Vec::new();
        for (stage, o, n) in rows {
            let o: Outcome = parse_name("case_outcomes", "outcome", o)?;
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

        let rows: Vec<(String, i64, i64, i64)> = sql::remedies("", day0, day1, &offsets(from, to))
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let remedies = rows
            .into_iter()
            .map(|(k, total, done, on_time)| {
                Ok(Remedies {
                    kind: parse_name::<RemedyKind>("case_remedies", "remedy", k)?,
                    total: total as u64,
                    done: done as u64,
                    done_on_time: on_time as u64,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let mut figures = Figures {
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
            extensions: Extensions::default(),
            outcomes,
            remedies,
            refusals: Vec::new(),
            referred_externally: 0,
            survey: SurveyFigures::default(),
            lessons: Vec::new(),
        };
        if scope == Scope::All {
            figures.referred_externally = referred;
            Self::records_in(c, day0, day1, &mut figures).await?;
        }
        tx.commit().await?;
        Ok(figures)
    }

    /// The report's figures beyond the digest's: extensions, refusals, the
    /// survey and the lessons register.
    async fn records_in(
        c: &mut SqliteConnection,
        day0: NaiveDate,
        day1: NaiveDate,
        f: &mut Figures,
    ) -> Result<(), StoreError> {
        let ext: Vec<(String, bool, i64)> = sql::extensions("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        let extended: i64 = sql::extended_cases("", day0, day1)
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
        f.extensions = extensions;

        let rows: Vec<(String, bool, i64)> = sql::refusals("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?;
        f.refusals = rows
            .into_iter()
            .map(|(g, escalation, n)| {
                Ok(Refusals {
                    ground: parse_name::<RefusalGround>("case_refusals", "ground", g)?,
                    escalation,
                    n: n as u64,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let (sent, answered, satisfied, not_satisfied, scored, mean): (
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<f64>,
        ) = sql::survey("", day0, day1)
            .build_query_as()
            .fetch_one(&mut *c)
            .await?;
        f.survey = SurveyFigures {
            sent: sent as u64,
            answered: answered as u64,
            satisfied: satisfied as u64,
            not_satisfied: not_satisfied as u64,
            scored: scored as u64,
            mean_score: mean,
        };
        type LessonRow = (CaseRef, DateTime<Utc>, Option<DateTime<Utc>>, String);
        let lessons: Vec<LessonRow> = sql::lessons("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await
            .read_from("case_lessons")?;
        f.lessons = lessons
            .into_iter()
            .map(|(reference, opened_at, closed_at, lesson)| Lesson {
                reference,
                opened_at,
                closed_at,
                lesson,
            })
            .collect();
        Ok(())
    }

    /// The cases received in `period` by kind, flag, stage, mailbox and
    /// language: a part of [`Store::figures`].
    pub async fn received(&self, period: Period) -> Result<Received, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (mut r, _) = Self::received_in(&mut tx, period.from, period.to).await?;
        let by_flag: Vec<(Flag, i64)> = sql::by_flag("", period.from, period.to)
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .read_from("case_flags")?;
        r.by_flag = counts(by_flag);
        tx.commit().await?;
        Ok(r)
    }

    /// The cases received on the local days [day0, day1) by kind, stage,
    /// mailbox and language (flags apart), and how many of them were
    /// referred to an external body: one pass over an index range.
    async fn received_in(
        c: &mut SqliteConnection,
        day0: NaiveDate,
        day1: NaiveDate,
    ) -> Result<(Received, u64), StoreError> {
        let rows: Vec<(Kind, i64, State, String, String, i64)> = sql::received("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await
            .read_from("cases")?;
        let mut by_kind: BTreeMap<&'static str, (Kind, u64)> = BTreeMap::new();
        let mut by_stage: BTreeMap<usize, u64> = BTreeMap::new();
        let mut by_source: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_language: BTreeMap<String, u64> = BTreeMap::new();
        let (mut total, mut referred) = (0, 0);
        for (kind, stage, state, language, source, n) in rows {
            let n = n as u64;
            total += n;
            by_kind.entry(kind.as_str()).or_insert((kind, 0)).1 += n;
            if kind == Kind::Complaint {
                *by_stage.entry(stage as usize).or_default() += n;
            }
            *by_source.entry(source).or_default() += n;
            *by_language.entry(language).or_default() += n;
            if state == State::ReferredExternally {
                referred += n;
            }
        }
        let list = |m: BTreeMap<String, u64>| {
            m.into_iter()
                .map(|(what, n)| Count { what, n })
                .collect::<Vec<_>>()
        };
        Ok((
            Received {
                total,
                by_kind: by_kind
                    .into_values()
                    .map(|(what, n)| Count { what, n })
                    .collect(),
                by_flag: Vec::new(),
                by_stage: by_stage
                    .into_iter()
                    .map(|(what, n)| Count { what, n })
                    .collect(),
                by_source: list(by_source),
                by_language: list(by_language),
            },
            referred,
        ))
    }

    async fn met_groups(
        c: &mut SqliteConnection,
        day0: NaiveDate,
        day1: NaiveDate,
        kind: Option<DeadlineKind>,
    ) -> Result<Vec<MetGroup>, StoreError> {
        let rows: Vec<(DeadlineKind, i64, NaiveDate, NaiveDate, bool, i64)> =
            sql::met("", day0, day1, kind)
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
    ) -> Result<Vec<Week>, StoreError> {
        let periods = weeks_ending(last, weeks);
        let (Some(first), Some(end)) = (periods.first(), periods.last()) else {
            return Ok(Vec::new());
        };
        let (day0, day1) = (first.from, end.to);
        let mut tx = self.pool.begin().await?;
        let received: Vec<(NaiveDate, i64)> = sql::received_days("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *tx)
            .await?;
        let met = Self::met_groups(&mut tx, day0, day1, Some(DeadlineKind::Respond)).await?;
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
