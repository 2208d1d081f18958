//! Cases (the whole case as JSON beside the columns listed and searched
//! on), case numbers, and the append-only audit log.

use super::db::{self, on, Sql};
use super::names::ReadFrom;
use super::Conn;
use super::{ActorKind, Store, StoreError};
use crate::core::case::{Actor, Audit, Case, State};
use crate::core::reference::CaseRef;
use crate::core::report::local_day;
use chrono::{DateTime, Utc};

/// An audit entry as stored.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct AuditRow {
    /// When.
    pub at: DateTime<Utc>,
    /// Who, in words (`complaintd`, `complainant`, an address, `UNVERIFIED`
    /// or `THIRD PARTY` and an address).
    pub actor: String,
    /// Who, by standing (not in the JSON output, which shows `actor`).
    #[serde(skip)]
    pub actor_kind: ActorKind,
    /// What.
    pub action: String,
    /// Details.
    pub detail: String,
    /// Which message.
    pub message_id: Option<String>,
}

/// A sender's complaints, not anonymised, open or closed since the second
/// parameter, newest first, at most the third. Plain `?` in order (not
/// `?1`…): PostgreSQL's text is numbered from them.
pub(super) const RECENT_CASES_OF: &str = "SELECT reference, data FROM cases
     WHERE complainant = ? AND kind = 'complaint' AND anonymised_at IS NULL
       AND (closed_at IS NULL OR closed_at >= ?)
     ORDER BY opened_at DESC LIMIT ?";

/// A stored case before its JSON is read.
#[derive(sqlx::FromRow)]
pub(super) struct CaseData {
    reference: String,
    data: String,
}

impl CaseData {
    pub(super) fn case(self) -> Result<Case, StoreError> {
        serde_json::from_str(&self.data).map_err(|e| StoreError::Corrupt {
            reference: self.reference,
            message: e.to_string(),
        })
    }
}

/// How an actor is stored: its standing, and who in words.
fn actor_columns(a: &Actor) -> (ActorKind, String) {
    match a {
        Actor::System => (ActorKind::System, "complaintd".to_string()),
        Actor::Complainant => (ActorKind::Complainant, "complainant".to_string()),
        Actor::Staff(s) => (ActorKind::Staff, s.clone()),
        Actor::Unverified(s) => (ActorKind::Unverified, format!("UNVERIFIED {s}")),
        Actor::Correspondent(s) => (ActorKind::Correspondent, s.clone()),
        Actor::ThirdParty(s) => (ActorKind::ThirdParty, format!("THIRD PARTY {s}")),
    }
}

impl Store {
    /// The next case number for a prefix and year.
    pub async fn next_case_number(
        tx: &mut Conn,
        prefix: &str,
        year: i32,
    ) -> Result<u32, StoreError> {
        // `last` qualified by its table: on PostgreSQL the update's
        // expressions see `excluded` as well, so a bare `last` could be
        // ambiguous. `year` is bound as i64 for PostgreSQL's BIGINT.
        let last: i64 = on!(tx, |c| {
            db::query_scalar(
                "INSERT INTO case_numbers (prefix, year, last) VALUES (?, ?, 1)
                 ON CONFLICT (prefix, year) DO UPDATE SET last = case_numbers.last + 1
                 RETURNING last",
            )
            .bind(prefix)
            .bind(i64::from(year))
            .fetch_one(&mut *c)
            .await?
        });
        Ok(last as u32)
    }

    /// Load a case.
    pub async fn load_case(tx: &mut Conn, reference: &CaseRef) -> Result<Option<Case>, StoreError> {
        let row: Option<CaseData> = on!(tx, |c| {
            db::query_as("SELECT reference, data FROM cases WHERE reference = ?")
                .bind(reference)
                .fetch_optional(&mut *c)
                .await?
        });
        row.map(CaseData::case).transpose()
    }

    /// The complaints `address` made that are open or closed since
    /// `since` and not anonymised, newest first, at most `limit`
    /// (`cases_complainant` index): whether a message with no reference may
    /// be about one of them.
    pub async fn recent_cases_of(
        tx: &mut Conn,
        address: &str,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Case>, StoreError> {
        let rows: Vec<CaseData> = on!(tx, |c| {
            db::query_as(RECENT_CASES_OF)
                .bind(address)
                .bind(since)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?
        });
        rows.into_iter().map(CaseData::case).collect()
    }

    /// Load a case outside a transaction.
    pub async fn case(&self, reference: &CaseRef) -> Result<Option<Case>, StoreError> {
        let mut conn = self.reader().await?;
        Self::load_case(&mut conn, reference).await
    }

    /// Insert or update a case.
    pub async fn save_case(tx: &mut Conn, c: &Case, now: DateTime<Utc>) -> Result<(), StoreError> {
        let data = serde_json::to_string(c).map_err(|e| StoreError::Corrupt {
            reference: c.reference.to_string(),
            message: e.to_string(),
        })?;
        // Plain `?` in order, the reference bound a second time for the
        // subquery (PostgreSQL's text is numbered from them).
        // `opened_day` is a NaiveDate: DATE on PostgreSQL, 'YYYY-MM-DD' on
        // SQLite.
        const SAVE: &str = "INSERT INTO cases (reference, kind, state, stage, complainant, complainant_name, handler, opened_at, updated_at, closed_at, tokens_valid_from, data,
               opened_day, language, source)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
               (SELECT m.source FROM messages m WHERE m.case_ref = ? ORDER BY m.received_at, m.id LIMIT 1))
             ON CONFLICT (reference) DO UPDATE SET kind = excluded.kind, state = excluded.state, stage = excluded.stage,
               handler = excluded.handler, updated_at = excluded.updated_at, closed_at = excluded.closed_at,
               tokens_valid_from = COALESCE(excluded.closed_at, cases.tokens_valid_from), data = excluded.data,
               opened_day = excluded.opened_day, language = excluded.language";
        // What the figures group by (0200): the local day it was received
        // and its language; the mailbox comes from its first message (here
        // when that was stored first, else by the trigger on messages).
        let opened_day = local_day(c.opened_at);
        let case = c;
        on!(tx, |c| {
            db::query(SAVE)
                .bind(&case.reference)
                .bind(case.kind)
                .bind(case.state)
                .bind(case.stage as i64)
                .bind(&case.complainant.address)
                .bind(&case.complainant.name)
                .bind(&case.handler)
                .bind(case.opened_at)
                .bind(now)
                .bind(case.closed_at)
                .bind(case.closed_at)
                .bind(&data)
                .bind(opened_day)
                .bind(&case.language)
                .bind(&case.reference)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// The latest time the case was ever closed (kept across reopening):
    /// handler tokens issued at or before it are dead.
    pub async fn tokens_valid_from(
        tx: &mut Conn,
        reference: &CaseRef,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<Option<DateTime<Utc>>> = on!(tx, |c| {
            db::query_scalar("SELECT tokens_valid_from FROM cases WHERE reference = ?")
                .bind(reference)
                .fetch_optional(&mut *c)
                .await?
        });
        Ok(at.flatten())
    }

    /// All cases, newest first, optionally only those in a state.
    pub async fn list_cases(&self, state: Option<State>) -> Result<Vec<Case>, StoreError> {
        // Cases opened at the same instant are ordered by reference as
        // bytes: SQLite compares text so, PostgreSQL by the database's
        // collation unless told `COLLATE "C"`. The state is bound twice
        // (plain `?`, numbered for PostgreSQL).
        const LIST: Sql = Sql::each(
            "SELECT reference, data FROM cases WHERE ? IS NULL OR state = ?
             ORDER BY opened_at DESC, reference DESC",
            "SELECT reference, data FROM cases WHERE ? IS NULL OR state = ?
             ORDER BY opened_at DESC, reference COLLATE \"C\" DESC",
        );
        let mut c = self.reader().await?;
        let rows: Vec<CaseData> = on!(c, |c| {
            db::query_as(LIST)
                .bind(state)
                .bind(state)
                .fetch_all(&mut *c)
                .await?
        });
        rows.into_iter().map(CaseData::case).collect()
    }

    /// Append an audit entry.
    pub async fn append_audit(
        tx: &mut Conn,
        case_ref: Option<&CaseRef>,
        at: DateTime<Utc>,
        a: &Audit,
    ) -> Result<(), StoreError> {
        Self::append_audits(tx, case_ref, at, std::slice::from_ref(a)).await
    }

    /// Append several audit entries in one statement (one round trip).
    pub async fn append_audits(
        tx: &mut Conn,
        case_ref: Option<&CaseRef>,
        at: DateTime<Utc>,
        entries: &[Audit],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        // Built inside on! so the backend is inferred (push_bind numbers
        // PostgreSQL's placeholders itself).
        on!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO audit (case_ref, at, actor_kind, actor, action, detail, message_id) ",
            );
            q.push_values(entries, |mut b, a| {
                let (kind, actor) = actor_columns(&a.actor);
                b.push_bind(case_ref)
                    .push_bind(at)
                    .push_bind(kind)
                    .push_bind(actor)
                    .push_bind(&a.action)
                    .push_bind(&a.detail)
                    .push_bind(&a.message_id);
            });
            q.build().execute(&mut *c).await?;
        });
        Ok(())
    }

    /// The audit trail of a case, oldest first.
    pub async fn case_audit(&self, reference: &CaseRef) -> Result<Vec<AuditRow>, StoreError> {
        let mut c = self.reader().await?;
        on!(c, |c| {
            db::query_as(
                "SELECT at, actor_kind, actor, action, detail, message_id FROM audit
                 WHERE case_ref = ? ORDER BY id",
            )
            .bind(reference)
            .fetch_all(&mut *c)
            .await
            .read_from("audit")
        })
    }
}
