//! The directors' digest: one per working day, and the bounded reads it is
//! built from. Each read is driven by an index (see
//! `0130_digest_indexes.sql`) and touches only open cases, cases opened or
//! closed since a given instant, and live deadlines: counts are computed
//! here in SQL, lists come back capped, so the digest costs the same at a
//! million closed cases as at a hundred.

use super::cases::CaseData;
use super::db::{self, on};
use super::names::ReadFrom;
use super::Conn;
use super::{OutboxStatus, Store, StoreError};
use crate::core::case::{Case, DeadlineKind, State};
use crate::core::kind::Kind;
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};

/// A capped list and how many there are in all.
#[derive(Debug, Clone)]
pub struct Capped<T> {
    /// How many match.
    pub total: usize,
    /// The first of them, at most the limit asked for.
    pub items: Vec<T>,
}

/// A live deadline as the digest lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueItem {
    /// The case.
    pub case_ref: CaseRef,
    /// What is due.
    pub kind: DeadlineKind,
    /// When.
    pub due: DateTime<Utc>,
}

/// Outgoing mail that is not done: waiting to be sent, or failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxBacklog {
    /// Waiting to be sent.
    pub pending: i64,
    /// Failed permanently.
    pub failed: i64,
}

/// The digest's queries as builders, each after a `prefix` (empty to run
/// it, `EXPLAIN QUERY PLAN ` in the test that checks each uses an index),
/// for either backend: `QueryBuilder<DB>` numbers PostgreSQL's
/// placeholders itself, and the few fragments the two spell differently
/// are chosen by [`Dialect::POSTGRES`].
pub(super) mod sql {
    use crate::core::case::{DeadlineKind, State};
    use crate::core::kind::Kind;
    use crate::store::db::Dialect;
    use chrono::{DateTime, Utc};
    use sqlx::{Postgres, QueryBuilder, Sqlite};

    /// Unresolved quarantine entries.
    pub const QUARANTINE_COUNT: &str = "SELECT COUNT(*) FROM quarantine WHERE resolved_at IS NULL";

    /// Pending and failed outgoing mail, from the (status, …) index.
    pub const OUTBOX_BACKLOG: &str = "SELECT (SELECT COUNT(*) FROM outbox WHERE status = ?),
                (SELECT COUNT(*) FROM outbox WHERE status = ?)";

    /// A value a digest query binds.
    pub enum Arg {
        /// A time.
        Time(DateTime<Utc>),
        /// A number (a limit).
        Int(i64),
        /// A text (a case reference).
        Text(String),
        /// A case's kind.
        Kind(Kind),
        /// A case's state.
        State(State),
        /// A deadline's kind.
        Deadline(DeadlineKind),
    }

    impl From<DateTime<Utc>> for Arg {
        fn from(t: DateTime<Utc>) -> Arg {
            Arg::Time(t)
        }
    }
    impl From<i64> for Arg {
        fn from(n: i64) -> Arg {
            Arg::Int(n)
        }
    }
    impl From<String> for Arg {
        fn from(s: String) -> Arg {
            Arg::Text(s)
        }
    }
    impl From<Kind> for Arg {
        fn from(k: Kind) -> Arg {
            Arg::Kind(k)
        }
    }
    impl From<State> for Arg {
        fn from(s: State) -> Arg {
            Arg::State(s)
        }
    }
    impl From<DeadlineKind> for Arg {
        fn from(k: DeadlineKind) -> Arg {
            Arg::Deadline(k)
        }
    }

    /// A backend the digest's queries are built for: binding each kind of
    /// value is written once per backend here, so the builders below need
    /// no bound but this one.
    pub trait Builds: Dialect + Sized {
        /// Bind `v` at the end of `q`.
        fn bind(q: &mut QueryBuilder<Self>, v: Arg);
    }

    macro_rules! builds {
        ($db:ty) => {
            impl Builds for $db {
                fn bind(q: &mut QueryBuilder<$db>, v: Arg) {
                    match v {
                        Arg::Time(t) => q.push_bind(t),
                        Arg::Int(n) => q.push_bind(n),
                        Arg::Text(s) => q.push_bind(s),
                        Arg::Kind(k) => q.push_bind(k),
                        Arg::State(s) => q.push_bind(s),
                        Arg::Deadline(k) => q.push_bind(k),
                    };
                }
            }
        };
    }
    builds!(Sqlite);
    builds!(Postgres);

    /// Bind `v` at the end of `q`.
    fn bind<DB: Builds>(q: &mut QueryBuilder<DB>, v: impl Into<Arg>) -> &mut QueryBuilder<DB> {
        DB::bind(q, v.into());
        q
    }

    /// Push `(?, ?, …)` binding each of `values`.
    fn push_in<DB: Builds, T: Into<Arg>>(
        q: &mut QueryBuilder<DB>,
        values: impl IntoIterator<Item = T>,
    ) {
        q.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            bind(q, v);
        }
        q.push(")");
    }

    /// `text`, ordered by its bytes on both backends: SQLite compares text
    /// so; PostgreSQL would use the database's collation.
    fn bytes<DB: Dialect>(text: &str) -> String {
        if DB::POSTGRES {
            format!("{text} COLLATE \"C\"")
        } else {
            text.to_string()
        }
    }

    /// The order the digest lists cases in: newest first.
    fn newest_first<DB: Builds>(q: &mut QueryBuilder<DB>, limit: Option<usize>) {
        if let Some(n) = limit {
            q.push(format!(
                " ORDER BY opened_at DESC, {} DESC LIMIT ",
                bytes::<DB>("reference")
            ));
            bind(q, n as i64);
        }
    }

    /// What is selected: a count, or the case.
    fn select<DB: Builds>(prefix: &str, list: bool) -> QueryBuilder<DB> {
        QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM cases WHERE ",
            if list { "reference, data" } else { "COUNT(*)" }
        ))
    }

    /// Open states, for `state IN …`.
    fn open_states() -> impl Iterator<Item = State> {
        use strum::IntoEnumIterator;
        State::iter().filter(|s| !s.is_final())
    }

    pub fn new_counts<DB: Builds>(prefix: &str, since: DateTime<Utc>) -> QueryBuilder<DB> {
        use strum::IntoEnumIterator;
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT kind, COUNT(*) FROM cases WHERE opened_at >= "
        ));
        bind(&mut q, since).push(" AND kind NOT IN ");
        push_in(&mut q, Kind::iter().filter(|k| k.is_machine()));
        q.push(format!(" GROUP BY kind ORDER BY {}", bytes::<DB>("kind")));
        q
    }

    pub fn new_cases<DB: Builds>(
        prefix: &str,
        since: DateTime<Utc>,
        kind: Kind,
        limit: usize,
    ) -> QueryBuilder<DB> {
        let mut q = select(prefix, true);
        q.push("opened_at >= ");
        bind(&mut q, since).push(" AND kind = ");
        bind(&mut q, kind);
        newest_first(&mut q, Some(limit));
        q
    }

    pub fn open_by_stage<DB: Builds>(prefix: &str, kind: Kind) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT stage, COUNT(*) FROM cases WHERE state IN "
        ));
        push_in(&mut q, open_states());
        q.push(" AND kind = ");
        bind(&mut q, kind).push(" GROUP BY stage ORDER BY stage");
        q
    }

    /// Cases in `states`: counted, or the newest `limit`.
    pub fn in_states<DB: Builds>(
        prefix: &str,
        states: &[State],
        limit: Option<usize>,
    ) -> QueryBuilder<DB> {
        let mut q = select(prefix, limit.is_some());
        q.push("state IN ");
        push_in(&mut q, states.iter().copied());
        newest_first(&mut q, limit);
        q
    }

    /// Cases closed since `since`: counted, or the newest `limit`.
    pub fn closed<DB: Builds>(
        prefix: &str,
        since: DateTime<Utc>,
        kind: Option<Kind>,
        shared: bool,
        limit: Option<usize>,
    ) -> QueryBuilder<DB> {
        let mut q = select(prefix, limit.is_some());
        q.push("closed_at >= ");
        bind(&mut q, since);
        if let Some(k) = kind {
            q.push(" AND kind = ");
            bind(&mut q, k);
        }
        if shared {
            // A JSON true: 1 from SQLite's json_extract, 'true' from
            // PostgreSQL's `->>` (text).
            q.push(if DB::POSTGRES {
                " AND (data::jsonb ->> 'share_permission') = 'true'"
            } else {
                " AND json_extract(data, '$.share_permission') = 1"
            });
        }
        newest_first(&mut q, limit);
        q
    }

    /// Open cases whose response clock a question paused (only the cases in
    /// the partial index `cases_paused`, 0202, are read): counted, or the
    /// newest `limit`.
    pub fn paused<DB: Builds>(prefix: &str, limit: Option<usize>) -> QueryBuilder<DB> {
        let mut q = select(prefix, limit.is_some());
        q.push("state IN ");
        push_in(&mut q, open_states());
        // The text of each backend's `cases_paused` index, so it is used.
        q.push(if DB::POSTGRES {
            " AND (data::jsonb ->> 'paused') IS NOT NULL"
        } else {
            " AND json_extract(data, '$.paused') IS NOT NULL"
        });
        newest_first(&mut q, limit);
        q
    }

    /// Cases with an outstanding remedy (a live `remedy` deadline, overdue
    /// or not), from the (breached, due, kind, case_ref) index: counted, or
    /// the `limit` due first.
    pub fn with_remedies<DB: Builds>(prefix: &str, limit: Option<usize>) -> QueryBuilder<DB> {
        // `breached` is a flag (BOOLEAN in PostgreSQL): FALSE/TRUE, which
        // SQLite reads as 0/1; the IN lets SQLite search the index.
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM deadlines d {}WHERE d.breached IN (FALSE, TRUE) AND d.kind = ",
            if limit.is_some() {
                "c.reference, c.data"
            } else {
                "COUNT(*)"
            },
            if limit.is_some() {
                "JOIN cases c ON c.reference = d.case_ref "
            } else {
                ""
            }
        ));
        bind(&mut q, DeadlineKind::Remedy);
        if let Some(n) = limit {
            q.push(format!(
                " ORDER BY d.due, {} LIMIT ",
                bytes::<DB>("d.case_ref")
            ));
            bind(&mut q, n as i64);
        }
        q
    }

    /// Open cases with an extension past the stage's cap: the cases in the
    /// partial index `case_extensions_beyond` (0202) that are in a state
    /// that is not final, counted, or the newest `limit`.
    pub fn beyond_cap<DB: Builds>(prefix: &str, limit: Option<usize>) -> QueryBuilder<DB> {
        let mut q = select(prefix, limit.is_some());
        // The text of each backend's partial index (`beyond_cap = 1` in
        // SQLite, which uses the index only for that text; a BOOLEAN
        // compared with TRUE in PostgreSQL).
        q.push(if DB::POSTGRES {
            "reference IN (SELECT case_ref FROM case_extensions WHERE beyond_cap = TRUE) AND state IN "
        } else {
            "reference IN (SELECT case_ref FROM case_extensions WHERE beyond_cap = 1) AND state IN "
        });
        push_in(&mut q, open_states());
        newest_first(&mut q, limit);
        q
    }

    /// The cases of `refs` (a capped list's worth), by primary key.
    pub fn by_reference<'r, DB: Builds>(
        prefix: &str,
        refs: impl IntoIterator<Item = &'r crate::core::reference::CaseRef>,
    ) -> QueryBuilder<DB> {
        let mut q = select(prefix, true);
        q.push("reference IN ");
        push_in(&mut q, refs.into_iter().map(|r| r.to_string()));
        q
    }

    /// Two ranges of the (breached, due, kind, case_ref) index: deadlines
    /// already handled, and those due but not yet handled. Counted, or the
    /// `limit` due first.
    pub fn breached<DB: Builds>(
        prefix: &str,
        kinds: &[DeadlineKind],
        now: DateTime<Utc>,
        limit: Option<usize>,
    ) -> QueryBuilder<DB> {
        let cols = if limit.is_some() {
            "case_ref, kind, due"
        } else {
            "1"
        };
        // The subquery has an alias: PostgreSQL requires one.
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM (SELECT {cols} FROM deadlines WHERE breached = TRUE AND kind IN ",
            if limit.is_some() {
                "case_ref, kind, due"
            } else {
                "COUNT(*)"
            }
        ));
        push_in(&mut q, kinds.iter().copied());
        q.push(format!(
            " UNION ALL SELECT {cols} FROM deadlines WHERE breached = FALSE AND due <= "
        ));
        bind(&mut q, now).push(" AND kind IN ");
        push_in(&mut q, kinds.iter().copied());
        q.push(") AS due_now");
        if let Some(n) = limit {
            q.push(format!(
                " ORDER BY due, {}, {} LIMIT ",
                bytes::<DB>("case_ref"),
                bytes::<DB>("kind")
            ));
            bind(&mut q, n as i64);
        }
        q
    }

    /// Unhandled deadlines due in (`now`, `until`]: counted, or the `limit`
    /// due first.
    pub fn due_between<DB: Builds>(
        prefix: &str,
        kinds: &[DeadlineKind],
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: Option<usize>,
    ) -> QueryBuilder<DB> {
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM deadlines WHERE breached = FALSE AND due > ",
            if limit.is_some() {
                "case_ref, kind, due"
            } else {
                "COUNT(*)"
            }
        ));
        bind(&mut q, now).push(" AND due <= ");
        bind(&mut q, until).push(" AND kind IN ");
        push_in(&mut q, kinds.iter().copied());
        if let Some(n) = limit {
            q.push(format!(
                " ORDER BY due, {}, {} LIMIT ",
                bytes::<DB>("case_ref"),
                bytes::<DB>("kind")
            ));
            bind(&mut q, n as i64);
        }
        q
    }
}

/// How many rows a digest query counts, on the store's backend.
macro_rules! count_where {
    ($store:expr, $q:expr) => {{
        let mut c = $store.reader().await?;
        let n: i64 = on!(c, |c| {
            let mut q = $q;
            q.build_query_scalar().fetch_one(&mut *c).await?
        });
        n as usize
    }};
}

/// The cases a digest query lists, on the store's backend.
macro_rules! cases_where {
    ($store:expr, $q:expr) => {{
        let mut c = $store.reader().await?;
        let rows: Vec<CaseData> = on!(c, |c| {
            let mut q = $q;
            q.build_query_as().fetch_all(&mut *c).await?
        });
        rows.into_iter()
            .map(CaseData::case)
            .collect::<Result<Vec<Case>, StoreError>>()?
    }};
}

/// The deadlines a digest query lists, on the store's backend.
macro_rules! due_where {
    ($store:expr, $q:expr) => {{
        let mut c = $store.reader().await?;
        let rows: Vec<DueItem> = on!(c, |c| {
            let mut q = $q;
            q.build_query_as()
                .fetch_all(&mut *c)
                .await
                .read_from("deadlines")?
        });
        rows
    }};
}

impl Store {
    /// Whether the digest for `day` has gone out.
    pub async fn digest_sent(&self, day: &str) -> Result<bool, StoreError> {
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_scalar("SELECT EXISTS (SELECT 1 FROM digests WHERE day = ?)")
                .bind(day)
                .fetch_one(&mut *c)
                .await?
        }))
    }

    /// Claim the digest for `day`, inside the transaction that queues it (so
    /// that a digest that fails is not lost): false if it was already claimed.
    pub async fn claim_digest(
        tx: &mut Conn,
        day: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = on!(tx, |c| {
            db::query("INSERT INTO digests (day, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(day)
                .bind(at)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// The most recent digest day sent, if any.
    pub async fn last_digest(&self) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        // `day` is `YYYY-MM-DD` text: every collation orders it as its bytes.
        let mut c = self.reader().await?;
        Ok(on!(c, |c| {
            db::query_as("SELECT day, sent_at FROM digests ORDER BY day DESC LIMIT 1")
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    /// Cases opened at or after `since` that are not machine mail, counted
    /// by kind (kinds with none are left out).
    pub async fn new_case_counts(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Kind, usize)>, StoreError> {
        let mut c = self.reader().await?;
        let rows: Vec<(Kind, i64)> = on!(c, |c| {
            let mut q = sql::new_counts("", since);
            q.build_query_as()
                .fetch_all(&mut *c)
                .await
                .read_from("cases")?
        });
        Ok(rows.into_iter().map(|(k, n)| (k, n as usize)).collect())
    }

    /// The newest `limit` cases of `kind` opened at or after `since`.
    pub async fn new_cases(
        &self,
        since: DateTime<Utc>,
        kind: Kind,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        Ok(cases_where!(self, sql::new_cases("", since, kind, limit)))
    }

    /// Cases of `kind` not in a final state, counted by stage (index).
    pub async fn open_by_stage(&self, kind: Kind) -> Result<Vec<(usize, usize)>, StoreError> {
        let mut c = self.reader().await?;
        let rows: Vec<(i64, i64)> = on!(c, |c| {
            let mut q = sql::open_by_stage("", kind);
            q.build_query_as().fetch_all(&mut *c).await?
        });
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s as usize, n as usize))
            .collect())
    }

    /// Cases in any of `states`: how many, and the newest `limit`.
    pub async fn cases_in_states(
        &self,
        states: &[State],
        limit: usize,
    ) -> Result<Capped<Case>, StoreError> {
        let total = count_where!(self, sql::in_states("", states, None));
        let items = if total == 0 {
            Vec::new()
        } else {
            cases_where!(self, sql::in_states("", states, Some(limit)))
        };
        Ok(Capped { total, items })
    }

    /// Cases closed at or after `since`, of `kind` if given, and only those
    /// with permission to share if `shared`: how many, and the newest `limit`.
    pub async fn closed_since(
        &self,
        since: DateTime<Utc>,
        kind: Option<Kind>,
        shared: bool,
        limit: usize,
    ) -> Result<Capped<Case>, StoreError> {
        let total = count_where!(self, sql::closed("", since, kind, shared, None));
        let items = if total == 0 {
            Vec::new()
        } else {
            cases_where!(self, sql::closed("", since, kind, shared, Some(limit)))
        };
        Ok(Capped { total, items })
    }

    /// Open cases whose response clock a question paused: how many, and the
    /// newest `limit`.
    pub async fn paused_cases(&self, limit: usize) -> Result<Capped<Case>, StoreError> {
        let total = count_where!(self, sql::paused("", None));
        let items = if total == 0 {
            Vec::new()
        } else {
            cases_where!(self, sql::paused("", Some(limit)))
        };
        Ok(Capped { total, items })
    }

    /// The cases of `refs` that exist (no more than a capped list's worth:
    /// one primary-key lookup each).
    pub async fn cases_by_reference<'r>(
        &self,
        refs: impl IntoIterator<Item = &'r CaseRef>,
    ) -> Result<Vec<Case>, StoreError> {
        let refs: Vec<&CaseRef> = refs.into_iter().collect();
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(cases_where!(
            self,
            sql::by_reference("", refs.iter().copied())
        ))
    }

    /// Cases with outstanding remedies: how many, and the `limit` due first.
    pub async fn cases_with_remedies(&self, limit: usize) -> Result<Capped<Case>, StoreError> {
        let total = count_where!(self, sql::with_remedies("", None));
        let items = if total == 0 {
            Vec::new()
        } else {
            cases_where!(self, sql::with_remedies("", Some(limit)))
        };
        Ok(Capped { total, items })
    }

    /// Open cases extended past a stage's cap: how many, and the newest `limit`.
    pub async fn cases_beyond_cap(&self, limit: usize) -> Result<Capped<Case>, StoreError> {
        let total = count_where!(self, sql::beyond_cap("", None));
        let items = if total == 0 {
            Vec::new()
        } else {
            cases_where!(self, sql::beyond_cap("", Some(limit)))
        };
        Ok(Capped { total, items })
    }

    /// Live deadlines of `kinds` that are breached or due at `now`: how
    /// many, and the `limit` due first.
    pub async fn breached_deadlines(
        &self,
        kinds: &[DeadlineKind],
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Capped<DueItem>, StoreError> {
        let total = count_where!(self, sql::breached("", kinds, now, None));
        let items = due_where!(self, sql::breached("", kinds, now, Some(limit)));
        Ok(Capped { total, items })
    }

    /// Live, unhandled deadlines of `kinds` due after `now` and at or before
    /// `until`: how many, and the `limit` due first.
    pub async fn deadlines_due_between(
        &self,
        kinds: &[DeadlineKind],
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Capped<DueItem>, StoreError> {
        let total = count_where!(self, sql::due_between("", kinds, now, until, None));
        let items = due_where!(self, sql::due_between("", kinds, now, until, Some(limit)));
        Ok(Capped { total, items })
    }

    /// Unresolved quarantine entries, counted.
    pub async fn quarantine_count(&self) -> Result<usize, StoreError> {
        let mut c = self.reader().await?;
        let n: i64 = on!(c, |c| {
            db::query_scalar(sql::QUARANTINE_COUNT)
                .fetch_one(&mut *c)
                .await?
        });
        Ok(n as usize)
    }

    /// Outgoing mail waiting or failed, counted from the status index (the
    /// sent mail, nearly all of the table, is not read).
    pub async fn outbox_backlog(&self) -> Result<OutboxBacklog, StoreError> {
        let mut c = self.reader().await?;
        let (pending, failed): (i64, i64) = on!(c, |c| {
            db::query_as(sql::OUTBOX_BACKLOG)
                .bind(OutboxStatus::Pending)
                .bind(OutboxStatus::Failed)
                .fetch_one(&mut *c)
                .await?
        });
        Ok(OutboxBacklog { pending, failed })
    }
}
