//! The directors' digest: one per working day, and the bounded reads it is
//! built from. Each read is driven by an index (see
//! `0130_digest_indexes.sql`) and touches only open cases, cases opened or
//! closed since a given instant, and live deadlines: counts are computed
//! here in SQL, lists come back capped, so the digest costs the same at a
//! million closed cases as at a hundred.

use super::cases::CaseData;
use super::names::ReadFrom;
use super::Conn;
use super::{OutboxStatus, Store, StoreError};
use crate::core::case::{Case, DeadlineKind, State};
use crate::core::kind::Kind;
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

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
/// it, `EXPLAIN QUERY PLAN ` in the test that checks each uses an index).
pub(super) mod sql {
    use super::push_in;
    use crate::core::case::{DeadlineKind, State};
    use crate::core::kind::Kind;
    use chrono::{DateTime, Utc};
    use sqlx::{QueryBuilder, Sqlite};

    /// Unresolved quarantine entries.
    pub const QUARANTINE_COUNT: &str = "SELECT COUNT(*) FROM quarantine WHERE resolved_at IS NULL";

    /// Pending and failed outgoing mail, from the (status, …) index.
    pub const OUTBOX_BACKLOG: &str = "SELECT (SELECT COUNT(*) FROM outbox WHERE status = ?1),
                (SELECT COUNT(*) FROM outbox WHERE status = ?2)";

    /// The order the digest lists cases in: newest first.
    fn newest_first(q: &mut QueryBuilder<Sqlite>, limit: Option<usize>) {
        if let Some(n) = limit {
            q.push(" ORDER BY opened_at DESC, reference DESC LIMIT ")
                .push_bind(n as i64);
        }
    }

    /// What is selected: a count, or the case.
    fn select(prefix: &str, list: bool) -> QueryBuilder<Sqlite> {
        QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM cases WHERE ",
            if list { "reference, data" } else { "COUNT(*)" }
        ))
    }

    pub fn new_counts(prefix: &str, since: DateTime<Utc>) -> QueryBuilder<Sqlite> {
        use strum::IntoEnumIterator;
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT kind, COUNT(*) FROM cases WHERE opened_at >= "
        ));
        q.push_bind(since).push(" AND kind NOT IN ");
        push_in(&mut q, Kind::iter().filter(|k| k.is_machine()));
        q.push(" GROUP BY kind ORDER BY kind");
        q
    }

    pub fn new_cases(
        prefix: &str,
        since: DateTime<Utc>,
        kind: Kind,
        limit: usize,
    ) -> QueryBuilder<Sqlite> {
        let mut q = select(prefix, true);
        q.push("opened_at >= ").push_bind(since);
        q.push(" AND kind = ").push_bind(kind);
        newest_first(&mut q, Some(limit));
        q
    }

    pub fn open_by_stage(prefix: &str, kind: Kind) -> QueryBuilder<Sqlite> {
        use strum::IntoEnumIterator;
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT stage, COUNT(*) FROM cases WHERE state IN "
        ));
        push_in(&mut q, State::iter().filter(|s| !s.is_final()));
        q.push(" AND kind = ").push_bind(kind);
        q.push(" GROUP BY stage ORDER BY stage");
        q
    }

    /// Cases in `states`: counted, or the newest `limit`.
    pub fn in_states(prefix: &str, states: &[State], limit: Option<usize>) -> QueryBuilder<Sqlite> {
        let mut q = select(prefix, limit.is_some());
        q.push("state IN ");
        push_in(&mut q, states.iter().copied());
        newest_first(&mut q, limit);
        q
    }

    /// Cases closed since `since`: counted, or the newest `limit`.
    pub fn closed(
        prefix: &str,
        since: DateTime<Utc>,
        kind: Option<Kind>,
        shared: bool,
        limit: Option<usize>,
    ) -> QueryBuilder<Sqlite> {
        let mut q = select(prefix, limit.is_some());
        q.push("closed_at >= ").push_bind(since);
        if let Some(k) = kind {
            q.push(" AND kind = ").push_bind(k);
        }
        if shared {
            q.push(" AND json_extract(data, '$.share_permission') = 1");
        }
        newest_first(&mut q, limit);
        q
    }

    /// Open cases whose response clock a question paused (only the cases in
    /// the partial index `cases_paused`, 0202, are read): counted, or the
    /// newest `limit`.
    pub fn paused(prefix: &str, limit: Option<usize>) -> QueryBuilder<Sqlite> {
        use strum::IntoEnumIterator;
        let mut q = select(prefix, limit.is_some());
        q.push("state IN ");
        push_in(&mut q, State::iter().filter(|s| !s.is_final()));
        q.push(" AND json_extract(data, '$.paused') IS NOT NULL");
        newest_first(&mut q, limit);
        q
    }

    /// Cases with an outstanding remedy (a live `remedy` deadline, overdue
    /// or not), from the (breached, due, kind, case_ref) index: counted, or
    /// the `limit` due first.
    pub fn with_remedies(prefix: &str, limit: Option<usize>) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM deadlines d {}WHERE d.breached IN (0, 1) AND d.kind = ",
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
        q.push_bind(DeadlineKind::Remedy);
        if let Some(n) = limit {
            q.push(" ORDER BY d.due, d.case_ref LIMIT ")
                .push_bind(n as i64);
        }
        q
    }

    /// Open cases with an extension past the stage's cap: the cases in the
    /// partial index `case_extensions_beyond` (0202) that are in a state
    /// that is not final, counted, or the newest `limit`.
    pub fn beyond_cap(prefix: &str, limit: Option<usize>) -> QueryBuilder<Sqlite> {
        use strum::IntoEnumIterator;
        let mut q = select(prefix, limit.is_some());
        q.push(
            "reference IN (SELECT case_ref FROM case_extensions WHERE beyond_cap = 1) \
             AND state IN ",
        );
        push_in(&mut q, State::iter().filter(|s| !s.is_final()));
        newest_first(&mut q, limit);
        q
    }

    /// The cases of `refs` (a capped list's worth), by primary key.
    pub fn by_reference<'r>(
        prefix: &str,
        refs: impl IntoIterator<Item = &'r crate::core::reference::CaseRef>,
    ) -> QueryBuilder<Sqlite> {
        let mut q = select(prefix, true);
        q.push("reference IN ");
        push_in(&mut q, refs.into_iter().map(|r| r.to_string()));
        q
    }

    /// Two ranges of the (breached, due, kind, case_ref) index: deadlines
    /// already handled, and those due but not yet handled. Counted, or the
    /// `limit` due first.
    pub fn breached(
        prefix: &str,
        kinds: &[DeadlineKind],
        now: DateTime<Utc>,
        limit: Option<usize>,
    ) -> QueryBuilder<Sqlite> {
        let cols = if limit.is_some() {
            "case_ref, kind, due"
        } else {
            "1"
        };
        let mut q =
            QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM (SELECT {cols} FROM deadlines WHERE breached = 1 AND kind IN ",
            if limit.is_some() { "case_ref, kind, due" } else { "COUNT(*)" }
        ));
        push_in(&mut q, kinds.iter().copied());
        q.push(format!(
            " UNION ALL SELECT {cols} FROM deadlines WHERE breached = 0 AND due <= "
        ));
        q.push_bind(now).push(" AND kind IN ");
        push_in(&mut q, kinds.iter().copied());
        q.push(")");
        if let Some(n) = limit {
            q.push(" ORDER BY due, case_ref, kind LIMIT ")
                .push_bind(n as i64);
        }
        q
    }

    /// Unhandled deadlines due in (`now`, `until`]: counted, or the `limit`
    /// due first.
    pub fn due_between(
        prefix: &str,
        kinds: &[DeadlineKind],
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: Option<usize>,
    ) -> QueryBuilder<Sqlite> {
        let mut q = QueryBuilder::new(format!(
            "{prefix}SELECT {} FROM deadlines WHERE breached = 0 AND due > ",
            if limit.is_some() {
                "case_ref, kind, due"
            } else {
                "COUNT(*)"
            }
        ));
        q.push_bind(now).push(" AND due <= ").push_bind(until);
        q.push(" AND kind IN ");
        push_in(&mut q, kinds.iter().copied());
        if let Some(n) = limit {
            q.push(" ORDER BY due, case_ref, kind LIMIT ")
                .push_bind(n as i64);
        }
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

impl Store {
    /// Whether the digest for `day` has gone out.
    pub async fn digest_sent(&self, day: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM digests WHERE day = ?)")
                .bind(day)
                .fetch_one(self.sqlite_pool()?)
                .await?,
        )
    }

    /// Claim the digest for `day`, inside the transaction that queues it (so
    /// that a digest that fails is not lost): false if it was already claimed.
    pub async fn claim_digest(
        tx: &mut Conn,
        day: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let r =
            sqlx::query("INSERT INTO digests (day, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(day)
                .bind(at)
                .execute(tx.sqlite()?)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The most recent digest day sent, if any.
    pub async fn last_digest(&self) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT day, sent_at FROM digests ORDER BY day DESC LIMIT 1")
                .fetch_optional(self.sqlite_pool()?)
                .await?,
        )
    }

    async fn cases_where(&self, mut q: QueryBuilder<Sqlite>) -> Result<Vec<Case>, StoreError> {
        let rows: Vec<CaseData> = q.build_query_as().fetch_all(self.sqlite_pool()?).await?;
        rows.into_iter().map(CaseData::case).collect()
    }

    async fn count_where(&self, mut q: QueryBuilder<Sqlite>) -> Result<usize, StoreError> {
        let n: i64 = q
            .build_query_scalar()
            .fetch_one(self.sqlite_pool()?)
            .await?;
        Ok(n as usize)
    }

    async fn due_where(&self, mut q: QueryBuilder<Sqlite>) -> Result<Vec<DueItem>, StoreError> {
        q.build_query_as()
            .fetch_all(self.sqlite_pool()?)
            .await
            .read_from("deadlines")
    }

    /// Cases opened at or after `since` that are not machine mail, counted
    /// by kind (kinds with none are left out).
    pub async fn new_case_counts(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Kind, usize)>, StoreError> {
        let rows: Vec<(Kind, i64)> = sql::new_counts("", since)
            .build_query_as()
            .fetch_all(self.sqlite_pool()?)
            .await
            .read_from("cases")?;
        Ok(rows.into_iter().map(|(k, n)| (k, n as usize)).collect())
    }

    /// The newest `limit` cases of `kind` opened at or after `since`.
    pub async fn new_cases(
        &self,
        since: DateTime<Utc>,
        kind: Kind,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        self.cases_where(sql::new_cases("", since, kind, limit))
            .await
    }

    /// Cases of `kind` not in a final state, counted by stage (index).
    pub async fn open_by_stage(&self, kind: Kind) -> Result<Vec<(usize, usize)>, StoreError> {
        let rows: Vec<(i64, i64)> = sql::open_by_stage("", kind)
            .build_query_as()
            .fetch_all(self.sqlite_pool()?)
            .await?;
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
        let total = self.count_where(sql::in_states("", states, None)).await?;
        let items = if total == 0 {
            Vec::new()
        } else {
            self.cases_where(sql::in_states("", states, Some(limit)))
                .await?
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
        let total = self
            .count_where(sql::closed("", since, kind, shared, None))
            .await?;
        let items = if total == 0 {
            Vec::new()
        } else {
            self.cases_where(sql::closed("", since, kind, shared, Some(limit)))
                .await?
        };
        Ok(Capped { total, items })
    }

    /// Open cases whose response clock a question paused: how many, and the
    /// newest `limit`.
    pub async fn paused_cases(&self, limit: usize) -> Result<Capped<Case>, StoreError> {
        let total = self.count_where(sql::paused("", None)).await?;
        let items = if total == 0 {
            Vec::new()
        } else {
            self.cases_where(sql::paused("", Some(limit))).await?
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
        self.cases_where(sql::by_reference("", refs)).await
    }

    /// Cases with outstanding remedies: how many, and the `limit` due first.
    pub async fn cases_with_remedies(&self, limit: usize) -> Result<Capped<Case>, StoreError> {
        let total = self.count_where(sql::with_remedies("", None)).await?;
        let items = if total == 0 {
            Vec::new()
        } else {
            self.cases_where(sql::with_remedies("", Some(limit)))
                .await?
        };
        Ok(Capped { total, items })
    }

    /// Open cases extended past a stage's cap: how many, and the newest `limit`.
    pub async fn cases_beyond_cap(&self, limit: usize) -> Result<Capped<Case>, StoreError> {
        let total = self.count_where(sql::beyond_cap("", None)).await?;
        let items = if total == 0 {
            Vec::new()
        } else {
            self.cases_where(sql::beyond_cap("", Some(limit))).await?
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
        let total = self
            .count_where(sql::breached("", kinds, now, None))
            .await?;
        let items = self
            .due_where(sql::breached("", kinds, now, Some(limit)))
            .await?;
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
        let total = self
            .count_where(sql::due_between("", kinds, now, until, None))
            .await?;
        let items = self
            .due_where(sql::due_between("", kinds, now, until, Some(limit)))
            .await?;
        Ok(Capped { total, items })
    }

    /// Unresolved quarantine entries, counted.
    pub async fn quarantine_count(&self) -> Result<usize, StoreError> {
        let n: i64 = sqlx::query_scalar(sql::QUARANTINE_COUNT)
            .fetch_one(self.sqlite_pool()?)
            .await?;
        Ok(n as usize)
    }

    /// Outgoing mail waiting or failed, counted from the status index (the
    /// sent mail, nearly all of the table, is not read).
    pub async fn outbox_backlog(&self) -> Result<OutboxBacklog, StoreError> {
        let (pending, failed): (i64, i64) = sqlx::query_as(sql::OUTBOX_BACKLOG)
            .bind(OutboxStatus::Pending)
            .bind(OutboxStatus::Failed)
            .fetch_one(self.sqlite_pool()?)
            .await?;
        Ok(OutboxBacklog { pending, failed })
    }
}
