//! The performance figures of a period (issue 17): counted in SQL from
//! indexes (the counts per local day of 0260 for the cases received, their
//! flags, outcomes and surveys and the deadlines met; the record tables of
//! 0200 for the rarer records and the lessons; live deadlines by `due`),
//! never by loading every case, and handed to the pure core
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

use super::db::{on, Dialect};
use super::names::ReadFrom;
use super::{Backend, Conn, Store, StoreError, Tx};
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
use sqlx::{Postgres, QueryBuilder, Sqlite};
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

/// A value the figures' queries bind: encoded the same way on both backends.
pub(super) trait Value:
    for<'t> sqlx::Encode<'t, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'t> sqlx::Encode<'t, Postgres>
    + sqlx::Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'t> sqlx::Encode<'t, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'t> sqlx::Encode<'t, Postgres>
        + sqlx::Type<Postgres>
{
}

/// A backend the figures' queries are built for: [`Dialect`] and a bind of
/// any [`Value`], so that the builders are generic over the backend with
/// one bound (the caller's executor decides which).
pub(super) trait FigureDb: Dialect {
    /// `q.push_bind(v)`.
    fn bind<T: Value>(q: &mut QueryBuilder<Self>, v: T);
}

impl FigureDb for Sqlite {
    fn bind<T: Value>(q: &mut QueryBuilder<Self>, v: T) {
        q.push_bind(v);
    }
}

impl FigureDb for Postgres {
    fn bind<T: Value>(q: &mut QueryBuilder<Self>, v: T) {
        q.push_bind(v);
    }
}

/// [`FigureDb::bind`] as a method of the builder, to chain with `push`.
pub(super) trait PushValue {
    /// Bind `v` (a placeholder of the backend's spelling).
    fn push_value<T: Value>(&mut self, v: T) -> &mut Self;
}

impl<DB: FigureDb> PushValue for QueryBuilder<DB> {
    fn push_value<T: Value>(&mut self, v: T) -> &mut Self {
        DB::bind(self, v);
        self
    }
}

/// The figures' queries as builders, each after a `prefix` (empty to run
/// it, `EXPLAIN QUERY PLAN ` in the test that checks each uses an index),
/// for either backend (`DB` is inferred from the connection that runs it).
pub(super) mod sql {
    use super::{push_in, FigureDb, Offsets, PushValue, OVERDUE_KINDS};
    use crate::core::case::{DeadlineKind, State};
    use crate::core::kind::Kind;
    use chrono::{DateTime, NaiveDate, Utc};
    use sqlx::QueryBuilder;
    use strum::IntoEnumIterator;

    /// Push the local day of the stored UTC time `col` (an SQL expression).
    pub fn local_day<DB: FigureDb>(q: &mut QueryBuilder<DB>, col: &str, offsets: &Offsets) {
        let (first, changes) = offsets;
        // SQLite: date() of the text with an offset modifier, a 'YYYY-MM-DD'
        // text. PostgreSQL has neither date(text, modifier) nor modifiers:
        // the UTC wall time (`col` is TIMESTAMPTZ) plus the offset as an
        // INTERVAL, cast to a DATE. Both take the offsets from the core, so
        // the day is the same as `core::report::local_day` on either.
        let (open, unit, close) = if DB::POSTGRES {
            (
                format!("CAST(({col} AT TIME ZONE 'UTC') + CASE"),
                "INTERVAL '",
                " seconds'",
            )
        } else {
            (format!("date({col}, CASE"), "'", " seconds'")
        };
        q.push(open);
        let off = |o: i32| {
            if DB::POSTGRES {
                format!("{unit}{o}{close}")
            } else {
                format!("{unit}{o:+}{close}")
            }
        };
        let mut before = *first;
        for (at, o) in changes {
            q.push(format!(" WHEN {col} < "))
                .push_value(*at)
                .push(format!(" THEN {}", off(before)));
            before = *o;
        }
        q.push(format!(" ELSE {} END", off(before)));
        q.push(if DB::POSTGRES { " AS DATE)" } else { ")" });
    }

    /// ` AND kind NOT IN (…)`: machine mail is never counted.
    fn not_machine<DB: FigureDb>(q: &mut QueryBuilder<DB>, col: &str) {
        q.push(format!(" AND {col} NOT IN "));
        push_in(q, Kind::iter().filter(|k| k.is_machine()));
    }

    /// ` FROM table WHERE` its rows for the cases received on the local days
    /// [from, to) (`opened_day`, the first column of each table's index),
    /// machine mail left out.
    fn received_on<DB: FigureDb>(
        q: &mut QueryBuilder<DB>,
        table: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        q.push(format!(" FROM {table} WHERE opened_day >= "))
            .push_value(from)
            .push(" AND opened_day < ")
            .push_value(to);
        not_machine(q, "kind");
    }

    /// The cases received on [from, to) per local day by kind, stage,
    /// state, language and mailbox: the rows of `count_received` (0260),
    /// one per group, however many cases each counts; summed over the days
    /// by the caller into the period and each of its parts.
    pub fn received<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT opened_day, kind, stage, state, language, source, n"
        ));
        received_on(&mut q, "count_received", from, to);
        q
    }

    /// Received per local day (the weekly series).
    pub fn received_days<DB: FigureDb>(
        p: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> QueryBuilder<DB> {
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back to read an i64.
        let mut q = QueryBuilder::new(format!("{p}SELECT opened_day, CAST(SUM(n) AS BIGINT)"));
        received_on(&mut q, "count_received", from, to);
        q.push(" GROUP BY opened_day ORDER BY opened_day");
        q
    }

    /// Complaints received per local day by flag (a case with two flags
    /// counts under each).
    pub fn by_flag<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!("{p}SELECT opened_day, flag, n"));
        received_on(&mut q, "count_flags", from, to);
        q.push(" AND kind = ").push_value(Kind::Complaint);
        q
    }

    /// Deadlines met on the local days [from, to), by type, stage, the
    /// local days of start and meeting and on time: the rows of
    /// `count_met` (0260), one per group.
    pub fn met<DB: FigureDb>(
        p: &str,
        from: NaiveDate,
        to: NaiveDate,
        kind: Option<DeadlineKind>,
    ) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT kind, stage, start_day, met_day, on_time, n FROM count_met WHERE met_day >= "
        ));
        q.push_value(from).push(" AND met_day < ").push_value(to);
        if let Some(k) = kind {
            q.push(" AND kind = ").push_value(k);
        }
        q
    }

    /// Live deadlines that fell due in [from, until) and are not met:
    /// two ranges of the (breached, due, kind, case_ref) index.
    pub fn overdue<DB: FigureDb>(
        p: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> QueryBuilder<DB> {
        // `breached` is BOOLEAN on PostgreSQL, which compares it with no
        // integer: FALSE and TRUE, which SQLite reads as 0 and 1.
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT kind, stage, COUNT(*) FROM deadlines WHERE breached IN (FALSE, TRUE) AND due >= "
        ));
        q.push_value(from).push(" AND due < ").push_value(until);
        q.push(" AND kind IN ");
        push_in(&mut q, OVERDUE_KINDS);
        q.push(" GROUP BY kind, stage ORDER BY kind, stage");
        q
    }

    /// The states of an open complaint, for [`oldest_open`] and
    /// [`open_by_stage`].
    fn open_complaints<DB: FigureDb>(q: &mut QueryBuilder<DB>) {
        q.push(" FROM cases WHERE state IN ");
        push_in(q, State::iter().filter(|s| !s.is_final()));
        q.push(" AND kind = ").push_value(Kind::Complaint);
    }

    /// Open complaints by stage (the digest's `open_by_stage`, here so that
    /// the figures read it in their own transaction on either backend).
    pub fn open_by_stage<DB: FigureDb>(p: &str) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!("{p}SELECT stage, COUNT(*)"));
        open_complaints(&mut q);
        q.push(" GROUP BY stage ORDER BY stage");
        q
    }

    /// The oldest complaint in a state that is not final: its receipt time
    /// found in the cases_state index alone, then the first by reference
    /// received then (rather than sorting every open complaint's row).
    pub fn oldest_open<DB: FigureDb>(p: &str) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!("{p}SELECT reference, opened_at, stage, handler"));
        open_complaints(&mut q);
        q.push(" AND opened_at = (SELECT MIN(opened_at)");
        open_complaints(&mut q);
        // The first by reference in SQLite's byte order: PostgreSQL would
        // order by the database's collation.
        q.push(if DB::POSTGRES {
            ") ORDER BY reference COLLATE \"C\" LIMIT 1"
        } else {
            ") ORDER BY reference LIMIT 1"
        });
        q
    }

    /// Extensions per local day by reason and past the cap or not.
    pub fn extensions<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT opened_day, reason, beyond_cap, COUNT(*)"
        ));
        received_on(&mut q, "case_extensions", from, to);
        q.push(" GROUP BY opened_day, kind, reason, beyond_cap");
        q
    }

    /// Cases extended per local day (a case's extensions share its day, so
    /// the days' counts add up to the period's).
    pub fn extended_cases<DB: FigureDb>(
        p: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!("{p}SELECT opened_day, COUNT(DISTINCT case_ref)"));
        received_on(&mut q, "case_extensions", from, to);
        q.push(" GROUP BY opened_day");
        q
    }

    /// Outcomes sent per local day by stage and outcome: the rows of
    /// `count_outcomes` (0260).
    pub fn outcomes<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!("{p}SELECT opened_day, stage, outcome, n"));
        received_on(&mut q, "count_outcomes", from, to);
        q
    }

    /// Remedies per local day by kind: all, done, and done by the local day
    /// they were due.
    pub fn remedies<DB: FigureDb>(
        p: &str,
        from: NaiveDate,
        to: NaiveDate,
        offsets: &Offsets,
    ) -> QueryBuilder<DB> {
        // Counted with FILTER rather than SUM of the comparison: PostgreSQL
        // has no SUM of a boolean, and COUNT is a BIGINT (0 when none) on
        // both, where a SUM would be NUMERIC there.
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT opened_day, remedy, COUNT(*), COUNT(done_at), COUNT(*) FILTER (WHERE "
        ));
        local_day(&mut q, "done_at", offsets);
        q.push(" <= due)");
        received_on(&mut q, "case_remedies", from, to);
        q.push(" GROUP BY opened_day, kind, remedy");
        q
    }

    /// Refusals per local day by ground and whether to escalate.
    pub fn refusals<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT opened_day, ground, escalation, COUNT(*)"
        ));
        received_on(&mut q, "case_refusals", from, to);
        q.push(" GROUP BY opened_day, kind, ground, escalation");
        q
    }

    /// The survey per local day: sent, answered, satisfied or not, scored
    /// and the sum of the scores (a mean is summed over days as sum and
    /// count), from `count_surveys` (0260), a row per day and kind.
    pub fn survey<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back to read i64s.
        let mut q = QueryBuilder::new(format!(
            "{p}SELECT opened_day, CAST(SUM(sent) AS BIGINT), CAST(SUM(answered) AS BIGINT), \
             CAST(SUM(satisfied) AS BIGINT), CAST(SUM(not_satisfied) AS BIGINT), \
             CAST(SUM(scored) AS BIGINT), CAST(SUM(score_sum) AS BIGINT)"
        ));
        received_on(&mut q, "count_surveys", from, to);
        q.push(" GROUP BY opened_day");
        q
    }

    /// The lessons register, a row per local day in the order of its
    /// index, each holding that day's lessons as one JSON array of
    /// `[case_ref, opened_at, closed_at, lesson]`: a year at a million
    /// cases is 100,000 lessons, and handing each to the reading task as a
    /// row of its own cost more than reading them (an allocation, a lock
    /// and a channel per row).
    pub fn lessons<DB: FigureDb>(p: &str, from: NaiveDate, to: NaiveDate) -> QueryBuilder<DB> {
        // PostgreSQL: json_agg/json_build_array for SQLite's JSON functions,
        // read as TEXT (sqlx reads no JSON type as a String). Its times go
        // out in UTC with a fixed six-digit fraction (RFC 3339, as the
        // reader parses them), not in the session's time zone, so that the
        // text order the reader checks is the order of the instants; the
        // aggregate is ordered as the register is (PostgreSQL keeps no
        // index order inside an aggregate either), references in byte order.
        const PG_TIME: &str = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";
        let mut q = QueryBuilder::new(if DB::POSTGRES {
            format!(
                "{p}SELECT CAST(json_agg(json_build_array(case_ref, \
                 to_char(opened_at AT TIME ZONE 'UTC', {PG_TIME}), \
                 to_char(closed_at AT TIME ZONE 'UTC', {PG_TIME}), lesson) \
                 ORDER BY opened_at, case_ref COLLATE \"C\") AS TEXT)"
            )
        } else {
            format!(
                "{p}SELECT json_group_array(json_array(case_ref, opened_at, closed_at, lesson))"
            )
        });
        received_on(&mut q, "case_lessons", from, to);
        q.push(" GROUP BY opened_day ORDER BY opened_day");
        q
    }
}

/// Push `(?, ?, …)` binding each of `values`.
fn push_in<DB, T>(q: &mut QueryBuilder<DB>, values: impl IntoIterator<Item = T>)
where
    DB: FigureDb,
    T: Value,
{
    q.push("(");
    let mut first = true;
    for v in values {
        if !first {
            q.push(", ");
        }
        first = false;
        q.push_value(v);
    }
    q.push(")");
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

/// Add one day's lessons (a row of [`sql::lessons`]) to `out` in the
/// register's order: received time, then reference.
fn lessons_of_day(json: &str, out: &mut Vec<Lesson>) -> Result<(), StoreError> {
    type Row = (String, String, Option<String>, String);
    let mut rows: Vec<Row> = serde_json::from_str(json).map_err(|e| StoreError::UnknownValue {
        table: "case_lessons",
        column: "a day's lessons".into(),
        value: e.to_string(),
    })?;
    let time = |column: &str, value: String| {
        DateTime::parse_from_rfc3339(&value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| StoreError::UnknownValue {
                table: "case_lessons",
                column: column.into(),
                value,
            })
    };
    // SQLite promises no order inside an aggregate; the index gives this
    // one already (its key's text order), so the sort only checks it.
    rows.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    for (reference, opened_at, closed_at, lesson) in rows {
        out.push(Lesson {
            reference: parse_name("case_lessons", "case_ref", reference)?,
            opened_at: time("opened_at", opened_at)?,
            closed_at: closed_at.map(|t| time("closed_at", t)).transpose()?,
            lesson,
        });
    }
    Ok(())
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

/// The period counted, its parts (a year's quarters) and the weeks of a
/// trend, each a range of local days: every per-day row the store reads is
/// added to each of them that holds its day, so a year and its quarters
/// are one read of each index range, not two.
struct Split<'a> {
    /// The whole period (target 0).
    whole: Period,
    /// Parts of it (targets 1…).
    parts: &'a [Period],
    /// Weeks (their own series).
    weeks: &'a [Period],
}

impl Split<'_> {
    /// The targets (0 the whole, then each part) that hold `d`.
    fn targets(&self, d: NaiveDate) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.whole)
            .chain(self.parts.iter().copied())
            .enumerate()
            .filter(move |(_, p)| d >= p.from && d < p.to)
            .map(|(i, _)| i)
    }

    /// The week that holds `d`.
    fn week(&self, d: NaiveDate) -> Option<usize> {
        // Weeks are consecutive, oldest first.
        let i = self.weeks.partition_point(|w| w.to <= d);
        self.weeks.get(i).filter(|w| d >= w.from).map(|_| i)
    }

    /// The days of the whole and the weeks together: the range the received
    /// and met indexes are read over.
    fn span(&self) -> (NaiveDate, NaiveDate) {
        let (mut from, mut to) = (self.whole.from, self.whole.to);
        if let (Some(a), Some(b)) = (self.weeks.first(), self.weeks.last()) {
            from = from.min(a.from);
            to = to.max(b.to);
        }
        (from, to)
    }
}

/// One target's counts as they are summed over its days, names as stored
/// (parsed once at the end), maps in the order the report lists them.
#[derive(Default)]
struct Tally {
    total: u64,
    by_kind: BTreeMap<&'static str, (Kind, u64)>,
    by_stage: BTreeMap<usize, u64>,
    by_source: BTreeMap<String, u64>,
    by_language: BTreeMap<String, u64>,
    referred: u64,
    by_flag: BTreeMap<&'static str, (Flag, u64)>,
    met: Vec<MetGroup>,
    outcomes: BTreeMap<(i64, String), u64>,
    remedies: BTreeMap<String, (u64, u64, u64)>,
    extensions: BTreeMap<(String, bool), u64>,
    extended: u64,
    refusals: BTreeMap<(String, bool), u64>,
    /// Sent, answered, satisfied, not satisfied, scored, sum of scores.
    survey: [u64; 6],
}

/// Add `n` to the count of `key` in `m`, allocating the key only the first time.
fn add(m: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match m.get_mut(key) {
        Some(v) => *v += n,
        None => {
            m.insert(key.to_string(), n);
        }
    }
}

/// Counts of a map in its order.
fn listed<K: Ord, T>(m: BTreeMap<K, (T, u64)>) -> Vec<Count<T>> {
    m.into_values().map(|(what, n)| Count { what, n }).collect()
}

/// What every target shares: counted at `now`, not over days.
struct Now {
    open_by_stage: Vec<Count<usize>>,
    oldest_open: Option<OldestOpen>,
}

impl Tally {
    /// The figures of `period` from its tally, the deadlines overdue in it
    /// and what is open now.
    fn figures(
        self,
        period: Period,
        overdue: &[(DeadlineKind, usize, u64)],
        now: &Now,
        calendar: &Calendar,
    ) -> Result<Figures, StoreError> {
        let mut outcomes: Vec<StageOutcomes> = Vec::new();
        for ((stage, o), n) in self.outcomes {
            let what: Outcome = parse_name("case_outcomes", "outcome", o)?;
            let stage = stage as usize;
            if outcomes.last().is_none_or(|s| s.stage != stage) {
                outcomes.push(StageOutcomes {
                    stage,
                    outcomes: Vec::new(),
                });
            }
            if let Some(s) = outcomes.last_mut() {
                s.outcomes.push(Count { what, n });
            }
        }
        let remedies = self
            .remedies
            .into_iter()
            .map(|(k, (total, done, done_on_time))| {
                Ok(Remedies {
                    kind: parse_name::<RemedyKind>("case_remedies", "remedy", k)?,
                    total,
                    done,
                    done_on_time,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let refusals = self
            .refusals
            .into_iter()
            .map(|((g, escalation), n)| {
                Ok(Refusals {
                    ground: parse_name::<RefusalGround>("case_refusals", "ground", g)?,
                    escalation,
                    n,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut extensions = Extensions {
            cases: self.extended,
            ..Extensions::default()
        };
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for ((r, beyond), n) in self.extensions {
            extensions.total += n;
            if beyond {
                extensions.beyond_cap += n;
            }
            *reasons.entry(r).or_default() += n;
        }
        let mut reasons: Vec<Count<String>> = reasons
            .into_iter()
            .map(|(what, n)| Count { what, n })
            .collect();
        reasons.sort_by(|a, b| b.n.cmp(&a.n).then(a.what.cmp(&b.what)));
        extensions.reasons = reasons;
        let [sent, answered, satisfied, not_satisfied, scored, score_sum] = self.survey;
        let plain = |m: BTreeMap<String, u64>| {
            m.into_iter()
                .map(|(what, n)| Count { what, n })
                .collect::<Vec<_>>()
        };
        Ok(Figures {
            period,
            received: Received {
                total: self.total,
                by_kind: listed(self.by_kind),
                by_flag: listed(self.by_flag),
                by_stage: self
                    .by_stage
                    .into_iter()
                    .map(|(what, n)| Count { what, n })
                    .collect(),
                by_source: plain(self.by_source),
                by_language: plain(self.by_language),
            },
            timeliness: timeliness(&self.met, overdue, calendar),
            open_by_stage: now.open_by_stage.clone(),
            oldest_open: now.oldest_open.clone(),
            extensions,
            outcomes,
            remedies,
            refusals,
            referred_externally: self.referred,
            survey: SurveyFigures {
                sent,
                answered,
                satisfied,
                not_satisfied,
                scored,
                // As SQL's AVG over whole scores: their sum over their count.
                mean_score: (scored > 0).then(|| score_sum as f64 / scored as f64),
            },
            lessons: Vec::new(),
        })
    }
}

/// The targets' tallies of the cases half, the weeks, each target's
/// overdue deadlines, and what is open now.
type CasesHalf = (
    Vec<Tally>,
    Vec<Week>,
    Vec<Vec<(DeadlineKind, usize, u64)>>,
    Now,
);

/// A period's figures with those of its parts and its weeks: what
/// `complaintd report` shows, from one read of each index range.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFigures {
    /// The whole period, with its lessons-learnt register.
    pub figures: Figures,
    /// Each part, as [`Store::figures`] counts it alone but without the
    /// lessons (listed once, in `figures`).
    pub parts: Vec<Figures>,
    /// Received and responses per week, as [`Store::weekly_series`].
    pub weeks: Vec<Week>,
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
        let split = Split {
            whole: period,
            parts: &[],
            weeks: &[],
        };
        Ok(self.count(&split, calendar, now, Scope::All).await?.figures)
    }

    /// Every figure of `period` as [`Store::figures`] counts it, the same
    /// figures (lessons apart) for each of `parts` (a year's quarters) and
    /// the weekly series of `weeks` (consecutive, oldest first) as
    /// [`Store::weekly_series`] counts it: each index range is read once,
    /// grouped per local day, and each day's counts added to every period
    /// that holds it.
    pub async fn report_figures(
        &self,
        period: Period,
        parts: &[Period],
        weeks: &[Period],
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<ReportFigures, StoreError> {
        let split = Split {
            whole: period,
            parts,
            weeks,
        };
        self.count(&split, calendar, now, Scope::All).await
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
        let split = Split {
            whole: period,
            parts: &[],
            weeks: &[],
        };
        Ok(self
            .count(&split, calendar, now, Scope::Digest)
            .await?
            .figures)
    }

    /// Count `split`: the cases and deadlines on one connection, the
    /// records and the lessons on another, side by side for the report (each
    /// half is one read transaction; on two cores this halves the wait).
    async fn count(
        &self,
        split: &Split<'_>,
        calendar: &Calendar,
        now: DateTime<Utc>,
        scope: Scope,
    ) -> Result<ReportFigures, StoreError> {
        let ((mut tallies, weeks, overdue, shared), (records, lessons)) = if scope == Scope::All {
            futures::try_join!(
                self.count_cases(split, calendar, now, scope),
                self.count_records(split, calendar, scope)
            )?
        } else {
            // The digest's month is small: one connection, one after the other.
            (
                self.count_cases(split, calendar, now, scope).await?,
                self.count_records(split, calendar, scope).await?,
            )
        };
        for (t, r) in tallies.iter_mut().zip(records) {
            t.by_flag = r.by_flag;
            t.outcomes = r.outcomes;
            t.remedies = r.remedies;
            t.extensions = r.extensions;
            t.extended = r.extended;
            t.refusals = r.refusals;
            t.survey = r.survey;
        }
        let periods = std::iter::once(split.whole).chain(split.parts.iter().copied());
        let mut all = tallies
            .into_iter()
            .zip(periods)
            .zip(&overdue)
            .map(|((t, p), o)| t.figures(p, o, &shared, calendar))
            .collect::<Result<Vec<_>, StoreError>>()?;
        // Target 0, the whole period, is always there.
        let mut figures = all.remove(0);
        figures.lessons = lessons;
        Ok(ReportFigures {
            figures,
            parts: all,
            weeks,
        })
    }

    /// A read transaction on a pooled reader (not the writer: the two
    /// halves of [`Store::count`] read side by side, beside the daemon's
    /// writes), in which every figure it reads agrees with the others.
    ///
    /// SQLite: a deferred transaction, whose snapshot WAL keeps from its
    /// first read. PostgreSQL: REPEATABLE READ, for the same one snapshot
    /// (its default, READ COMMITTED, would give each statement its own),
    /// and READ ONLY, so it can never fail to serialise.
    async fn read_snapshot(&self) -> Result<Tx, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite { pool, .. } => Tx::sqlite(pool.begin().await?),
            Backend::Postgres { pool } => Tx::postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }

    /// The half of [`Store::count`] read from the cases and the deadlines:
    /// received, deadlines met (and the weeks), overdue, open now.
    async fn count_cases(
        &self,
        split: &Split<'_>,
        calendar: &Calendar,
        now: DateTime<Utc>,
        scope: Scope,
    ) -> Result<CasesHalf, StoreError> {
        let (span0, span1) = split.span();
        let mut tallies: Vec<Tally> = (0..=split.parts.len()).map(|_| Tally::default()).collect();
        let mut weeks: Vec<Week> = split
            .weeks
            .iter()
            .map(|w| Week {
                start: w.from,
                received: 0,
                responses: 0,
                on_time: 0,
            })
            .collect();
        let mut tx = self.read_snapshot().await?;
        let c: &mut Conn = &mut tx;

        Self::received_in(c, split, (span0, span1), &mut tallies, &mut weeks, scope).await?;

        for g in Self::met_groups(c, span0, span1, None).await? {
            if g.kind == DeadlineKind::Respond {
                if let Some(w) = split.week(g.met) {
                    weeks[w].responses += g.n;
                    if g.on_time {
                        weeks[w].on_time += g.n;
                    }
                }
            }
            let mut targets = split.targets(g.met).peekable();
            while let Some(i) = targets.next() {
                if targets.peek().is_some() {
                    tallies[i].met.push(g.clone());
                } else {
                    tallies[i].met.push(g);
                    break;
                }
            }
        }

        let mut overdue = Vec::with_capacity(tallies.len());
        for p in std::iter::once(split.whole).chain(split.parts.iter().copied()) {
            let (from, to) = p.instants(calendar);
            let rows: Vec<(DeadlineKind, i64, i64)> =
                on!(c, |c| sql::overdue("", from, to.min(now))
                    .build_query_as()
                    .fetch_all(&mut *c)
                    .await)
                .read_from("deadlines")?;
            overdue.push(
                rows.into_iter()
                    .map(|(k, s, n)| (k, s as usize, n as u64))
                    .collect::<Vec<_>>(),
            );
        }

        let open: Vec<(i64, i64)> = on!(c, |c| sql::open_by_stage("")
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
        let oldest: Option<(CaseRef, DateTime<Utc>, i64, Option<String>)> =
            on!(c, |c| sql::oldest_open("")
                .build_query_as()
                .fetch_optional(&mut *c)
                .await)
            .read_from("cases")?;
        let shared = Now {
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
        };

        tx.commit().await?;
        Ok((tallies, weeks, overdue, shared))
    }

    /// The half of [`Store::count`] read from the records' tables: outcomes,
    /// remedies and (for the report) flags, extensions, refusals, the survey
    /// and the lessons register.
    async fn count_records(
        &self,
        split: &Split<'_>,
        calendar: &Calendar,
        scope: Scope,
    ) -> Result<(Vec<Tally>, Vec<Lesson>), StoreError> {
        let (day0, day1) = (split.whole.from, split.whole.to);
        let mut tallies: Vec<Tally> = (0..=split.parts.len()).map(|_| Tally::default()).collect();
        let mut tx = self.read_snapshot().await?;
        let c: &mut Conn = &mut tx;

        let rows: Vec<(NaiveDate, i64, String, i64)> = on!(c, |c| sql::outcomes("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
        for (d, stage, o, n) in rows {
            for i in split.targets(d) {
                match tallies[i].outcomes.get_mut(&(stage, o.clone())) {
                    Some(v) => *v += n as u64,
                    None => {
                        tallies[i].outcomes.insert((stage, o.clone()), n as u64);
                    }
                }
            }
        }

        let (from, to) = split.whole.instants(calendar);
        let offsets = offsets(from, to);
        let rows: Vec<(NaiveDate, String, i64, i64, i64)> =
            on!(c, |c| sql::remedies("", day0, day1, &offsets)
                .build_query_as()
                .fetch_all(&mut *c)
                .await?);
        for (d, k, total, done, on_time) in rows {
            for i in split.targets(d) {
                let e = tallies[i].remedies.entry(k.clone()).or_default();
                e.0 += total as u64;
                e.1 += done as u64;
                e.2 += on_time as u64;
            }
        }

        let mut lessons = Vec::new();
        if scope == Scope::All {
            Self::records_in(c, split, &mut tallies).await?;
            let days: Vec<String> = on!(c, |c| sql::lessons("", day0, day1)
                .build_query_scalar()
                .fetch_all(&mut *c)
                .await?);
            for day in days {
                lessons_of_day(&day, &mut lessons)?;
            }
        }
        tx.commit().await?;
        Ok((tallies, lessons))
    }

    /// The report's figures beyond the digest's, per day into each target:
    /// flags, extensions, refusals and the survey.
    async fn records_in(
        c: &mut Conn,
        split: &Split<'_>,
        tallies: &mut [Tally],
    ) -> Result<(), StoreError> {
        let (day0, day1) = (split.whole.from, split.whole.to);
        Self::flags_in(c, split, tallies).await?;

        let rows: Vec<(NaiveDate, String, bool, i64)> = on!(c, |c| sql::extensions("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
        for (d, reason, beyond, n) in rows {
            for i in split.targets(d) {
                *tallies[i]
                    .extensions
                    .entry((reason.clone(), beyond))
                    .or_default() += n as u64;
            }
        }
        let rows: Vec<(NaiveDate, i64)> = on!(c, |c| sql::extended_cases("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
        for (d, n) in rows {
            for i in split.targets(d) {
                tallies[i].extended += n as u64;
            }
        }

        let rows: Vec<(NaiveDate, String, bool, i64)> = on!(c, |c| sql::refusals("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
        for (d, ground, escalation, n) in rows {
            for i in split.targets(d) {
                *tallies[i]
                    .refusals
                    .entry((ground.clone(), escalation))
                    .or_default() += n as u64;
            }
        }

        type SurveyRow = (NaiveDate, i64, i64, i64, i64, i64, i64);
        let rows: Vec<SurveyRow> = on!(c, |c| sql::survey("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
        for (d, a, b, s, ns, sc, sum) in rows {
            for i in split.targets(d) {
                let t = &mut tallies[i].survey;
                for (x, v) in t.iter_mut().zip([a, b, s, ns, sc, sum]) {
                    *x += v as u64;
                }
            }
        }
        Ok(())
    }

    /// The cases received in `period` by kind, flag, stage, mailbox and
    /// language: a part of [`Store::figures`].
    pub async fn received(&self, period: Period) -> Result<Received, StoreError> {
        let split = Split {
            whole: period,
            parts: &[],
            weeks: &[],
        };
        let mut tallies = vec![Tally::default()];
        let mut tx = self.read_snapshot().await?;
        let c: &mut Conn = &mut tx;
        Self::received_in(
            c,
            &split,
            (period.from, period.to),
            &mut tallies,
            &mut [],
            Scope::All,
        )
        .await?;
        Self::flags_in(c, &split, &mut tallies).await?;
        tx.commit().await?;
        let t = tallies.remove(0);
        Ok(Received {
            total: t.total,
            by_kind: listed(t.by_kind),
            by_flag: listed(t.by_flag),
            by_stage: t
                .by_stage
                .into_iter()
                .map(|(what, n)| Count { what, n })
                .collect(),
            by_source: t
                .by_source
                .into_iter()
                .map(|(what, n)| Count { what, n })
                .collect(),
            by_language: t
                .by_language
                .into_iter()
                .map(|(what, n)| Count { what, n })
                .collect(),
        })
    }

    /// The cases received on the local days of `span`, per day by kind,
    /// stage, mailbox and language (flags apart), and how many were
    /// referred to an external body, added to each target and week holding
    /// the day: one pass over an index range.
    async fn received_in(
        c: &mut Conn,
        split: &Split<'_>,
        (span0, span1): (NaiveDate, NaiveDate),
        tallies: &mut [Tally],
        weeks: &mut [Week],
        scope: Scope,
    ) -> Result<(), StoreError> {
        type ReceivedRow = (NaiveDate, Kind, i64, State, String, String, i64);
        let rows: Vec<ReceivedRow> = on!(c, |c| sql::received("", span0, span1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await)
        .read_from("cases")?;
        for (d, kind, stage, state, language, source, n) in rows {
            let n = n as u64;
            if let Some(w) = split.week(d) {
                weeks[w].received += n;
            }
            for i in split.targets(d) {
                let t = &mut tallies[i];
                t.total += n;
                t.by_kind.entry(kind.as_str()).or_insert((kind, 0)).1 += n;
                if kind == Kind::Complaint {
                    *t.by_stage.entry(stage as usize).or_default() += n;
                }
                if scope == Scope::All {
                    add(&mut t.by_source, &source, n);
                    add(&mut t.by_language, &language, n);
                }
                if state == State::ReferredExternally {
                    t.referred += n;
                }
            }
        }
        Ok(())
    }

    /// Complaints by flag, per day into each target.
    async fn flags_in(
        c: &mut Conn,
        split: &Split<'_>,
        tallies: &mut [Tally],
    ) -> Result<(), StoreError> {
        let (day0, day1) = (split.whole.from, split.whole.to);
        let rows: Vec<(NaiveDate, Flag, i64)> = on!(c, |c| sql::by_flag("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await)
        .read_from("case_flags")?;
        for (d, flag, n) in rows {
            for i in split.targets(d) {
                tallies[i]
                    .by_flag
                    .entry(flag.as_str())
                    .or_insert((flag, 0))
                    .1 += n as u64;
            }
        }
        Ok(())
    }

    async fn met_groups(
        c: &mut Conn,
        day0: NaiveDate,
        day1: NaiveDate,
        kind: Option<DeadlineKind>,
    ) -> Result<Vec<MetGroup>, StoreError> {
        let rows: Vec<(DeadlineKind, i64, NaiveDate, NaiveDate, bool, i64)> =
            on!(c, |c| sql::met("", day0, day1, kind)
                .build_query_as()
                .fetch_all(&mut *c)
                .await)
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
        let mut tx = self.read_snapshot().await?;
        let received: Vec<(NaiveDate, i64)> = on!(tx, |c| sql::received_days("", day0, day1)
            .build_query_as()
            .fetch_all(&mut *c)
            .await?);
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
