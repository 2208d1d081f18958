//! The store against a real SQLite file: enumerated columns (refused by the
//! schema, refused when read) and the upgrade that added their checks.

use super::*;
use crate::core::case::DeadlineKind;
use crate::core::reference::CaseRef;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("a test time")
}

/// A fresh database file, fully migrated.
async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite"))
        .await
        .expect("open");
    (dir, store)
}

/// Write with the schema's CHECK constraints off: how a newer build (or a
/// hand edit) could leave a value this build does not know.
async fn write_unchecked(store: &Store, sql: &'static str) {
    let mut conn = store
        .sqlite_writer()
        .expect("sqlite")
        .acquire()
        .await
        .expect("connection");
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut *conn)
        .await
        .expect("pragma");
    sqlx::query(sql).execute(&mut *conn).await.expect(sql);
    sqlx::query("PRAGMA ignore_check_constraints = OFF")
        .execute(&mut *conn)
        .await
        .expect("pragma");
}

fn assert_unknown<T: std::fmt::Debug>(
    r: Result<T, StoreError>,
    table: &str,
    column: &str,
    value: &str,
) {
    match r {
        Err(StoreError::UnknownValue {
            table: t,
            column: c,
            value: v,
        }) => assert_eq!((t, c.as_str(), v.as_str()), (table, column, value)),
        other => panic!("expected {table}.{column} = {value:?} refused, got {other:?}"),
    }
}

/// Unknown deadline kinds used to be skipped, so a deadline of a kind this
/// build did not know silently never fired.
#[tokio::test]
async fn an_unknown_deadline_kind_is_an_error_not_skipped() {
    let (_dir, store) = fresh().await;
    write_unchecked(
        &store,
        "INSERT INTO deadlines (case_ref, kind, stage, start, due, breached)
         VALUES ('CMP-2026-0001', 'nudge', 0, '2026-11-02T09:00:00Z', '2026-11-03T09:00:00Z', 0)",
    )
    .await;
    write_unchecked(
        &store,
        "INSERT INTO chases (case_ref, kind, at) VALUES ('CMP-2026-0001', 'nudge', '2026-11-03T08:00:00Z')",
    )
    .await;
    let now = at("2026-11-04T09:00:00Z");
    assert_unknown(store.due_deadlines(now).await, "deadlines", "kind", "nudge");
    assert_unknown(store.all_deadlines().await, "deadlines", "kind", "nudge");
    assert_unknown(store.due_chases(now).await, "chases", "kind", "nudge");
}

#[tokio::test]
async fn unknown_values_in_other_enumerated_columns_are_errors() {
    let (_dir, store) = fresh().await;
    write_unchecked(
        &store,
        "INSERT INTO outbox (case_ref, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at)
         VALUES ('CMP-2026-0001', 'm1@x', 'ack', 'a@b.test', 1, X'', '2026-11-02T09:00:00Z', 'bounced', '2026-11-02T09:00:00Z')",
    )
    .await;
    assert_unknown(store.outbox(None).await, "outbox", "status", "bounced");
    write_unchecked(
        &store,
        "INSERT INTO account_health (account, failure_kind) VALUES ('smtp:outbox', 'quota')",
    )
    .await;
    assert_unknown(
        store.account_health().await,
        "account_health",
        "failure_kind",
        "quota",
    );
    write_unchecked(
        &store,
        "INSERT INTO audit (case_ref, at, actor_kind, actor, action, detail)
         VALUES ('CMP-2026-0001', '2026-11-02T09:00:00Z', 'robot', 'r2d2', 'beeped', '')",
    )
    .await;
    let case: CaseRef = "CMP-2026-0001".parse().expect("a reference");
    assert_unknown(
        store.case_audit(&case).await,
        "audit",
        "actor_kind",
        "robot",
    );
    // A case reference is read as one too.
    sqlx::query("INSERT INTO held_mail (at, case_ref, template, recipient, cap, key, reason) VALUES ('2026-11-02T09:00:00Z', 'not a ref', 't', 'a@b.test', 'case', 'k', 'r')")
        .execute(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("insert");
    assert_unknown(
        store.held_mail_since(at("2026-11-01T00:00:00Z")).await,
        "held_mail",
        "case_ref",
        "not a ref",
    );
}

/// One statement per enumerated column, each with a value outside its list.
const OUT_OF_RANGE: &[&str] = &[
    "INSERT INTO messages (content_hash, source, received_at, raw, size, status) VALUES ('x1', 's', 't', X'', 0, 'lost')",
    "INSERT INTO messages (content_hash, source, received_at, raw, size, status, kind) VALUES ('x2', 's', 't', X'', 0, 'received', 'spam')",
    "INSERT INTO cases (reference, kind, state, stage, complainant, opened_at, updated_at, data) VALUES ('CMP-2026-0901', 'complaint', 'limbo', 0, 'a', 't', 't', '{}')",
    "INSERT INTO cases (reference, kind, state, stage, complainant, opened_at, updated_at, data) VALUES ('CMP-2026-0902', 'rant', 'open', 0, 'a', 't', 't', '{}')",
    "INSERT INTO audit (at, actor_kind, actor, action, detail) VALUES ('t', 'robot', 'r', 'a', 'd')",
    "INSERT INTO deadlines (case_ref, kind, stage, start, due) VALUES ('CMP-2026-0901', 'nudge', 0, 't', 't')",
    "INSERT INTO chases (case_ref, kind, at) VALUES ('CMP-2026-0901', 'nudge', 't')",
    "INSERT INTO outbox (message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at) VALUES ('m', 't', 'r', 0, X'', 't', 'bounced', 't')",
    "INSERT INTO account_health (account, failure_kind) VALUES ('smtp:alerts', 'quota')",
    "INSERT INTO cap_ledger (at, recipient, domain, kind) VALUES ('t', 'r', 'd', 'bulk')",
    "INSERT INTO held_mail (at, template, recipient, cap, key, reason) VALUES ('t', 't', 'r', 'planet', 'k', 'r')",
    "INSERT INTO heartbeat (name, at) VALUES ('janitor', 't')",
];

async fn assert_all_refused(store: &Store) {
    for &sql in OUT_OF_RANGE {
        let e = sqlx::query(sql)
            .execute(store.sqlite_pool().expect("sqlite"))
            .await
            .expect_err(sql);
        assert!(
            e.to_string().contains("CHECK constraint failed"),
            "{sql}: {e}"
        );
    }
}

#[tokio::test]
async fn the_schema_refuses_every_out_of_range_value() {
    let (_dir, store) = fresh().await;
    assert_all_refused(&store).await;
}

/// The migration that added the checks rebuilt six tables: a database made
/// by the schema before it, with data in every one of them, upgrades with
/// all of it readable.
#[tokio::test]
async fn upgrading_keeps_every_row_and_then_checks_new_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite");
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
    let migrator: Migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.run_to(50, &pool).await.expect("migrate to 0050");
    let case_json = r#"{"contacts":["friend@home.test"],"consent_asked":["learner@home.test"]}"#;
    for (sql, binds) in [
        (
            "INSERT INTO messages (id, message_id, content_hash, source, received_at, raw, size, from_addr, subject, kind, case_ref, status, note, content_key)
             VALUES (1, 'm1@home.test', 'h1', 'INBOX', '2026-11-02T09:00:00Z', X'61', 1, 'a@home.test', 'Late bus', 'complaint', 'CMP-2026-0001', 'processed', NULL, 'k1'),
                    (2, NULL, 'h2', 'INBOX', '2026-11-02T09:05:00Z', X'62', 1, NULL, NULL, NULL, NULL, 'quarantined', 'no From', NULL)",
            vec![],
        ),
        (
            "INSERT INTO quarantine (message_row, reason, at) VALUES (2, 'no From', '2026-11-02T09:05:00Z')",
            vec![],
        ),
        (
            "INSERT INTO cases (reference, kind, state, stage, complainant, opened_at, updated_at, data, tokens_valid_from)
             VALUES ('CMP-2026-0001', 'complaint', 'awaiting_consent', 0, 'a@home.test', '2026-11-02T09:00:00Z', '2026-11-02T09:00:00Z', ?, NULL)",
            vec![case_json],
        ),
        (
            "INSERT INTO audit (case_ref, at, actor, action, detail) VALUES
             ('CMP-2026-0001', '2026-11-02T09:00:00Z', 'complaintd', 'opened', ''),
             ('CMP-2026-0001', '2026-11-02T09:00:00Z', 'complainant', 'wrote', ''),
             ('CMP-2026-0001', '2026-11-02T09:01:00Z', 'handler@org.test', 'noted', ''),
             ('CMP-2026-0001', '2026-11-02T09:02:00Z', 'UNVERIFIED boss@org.test', 'claimed', ''),
             ('CMP-2026-0001', '2026-11-02T09:03:00Z', 'THIRD PARTY m@evil.test', 'wrote', ''),
             ('CMP-2026-0001', '2026-11-02T09:04:00Z', 'friend@home.test', 'replied', ''),
             ('CMP-2026-0001', '2026-11-02T09:05:00Z', 'learner@home.test', 'consented', '')",
            vec![],
        ),
        (
            "INSERT INTO deadlines (case_ref, kind, stage, start, due, breached)
             VALUES ('CMP-2026-0001', 'respond', 0, '2026-11-02T09:00:00Z', '2026-11-16T17:00:00Z', 0)",
            vec![],
        ),
        (
            "INSERT INTO chases (case_ref, kind, at) VALUES ('CMP-2026-0001', 'respond', '2026-11-13T09:00:00Z')",
            vec![],
        ),
        (
            "INSERT INTO heartbeat (name, at) VALUES ('sender', '2026-11-20T08:59:00Z')",
            vec![],
        ),
    ] {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.execute(&pool).await.expect(sql);
    }
    pool.close().await;

    let store = Store::open(&path).await.expect("upgrade");
    let case: CaseRef = "CMP-2026-0001".parse().expect("a reference");
    let m = store.message(1).await.expect("read").expect("message 1");
    assert_eq!(m.status, MessageStatus::Processed);
    assert_eq!(m.kind, Some(crate::core::kind::Kind::Complaint));
    assert_eq!(m.case_ref.as_ref(), Some(&case));
    assert_eq!(m.raw, b"a");
    assert_eq!(store.case_messages(&case).await.expect("read").len(), 1);
    let q = store.quarantine_list().await.expect("read");
    assert_eq!(
        q.iter()
            .map(|e| (e.message_row, e.reason.as_str()))
            .collect::<Vec<_>>(),
        [(2, "no From")]
    );
    let kinds: Vec<(ActorKind, String)> = store
        .case_audit(&case)
        .await
        .expect("read")
        .into_iter()
        .map(|a| (a.actor_kind, a.actor))
        .collect();
    assert_eq!(
        kinds,
        [
            (ActorKind::System, "complaintd".to_string()),
            (ActorKind::Complainant, "complainant".into()),
            (ActorKind::Staff, "handler@org.test".into()),
            (ActorKind::Unverified, "UNVERIFIED boss@org.test".into()),
            (ActorKind::ThirdParty, "THIRD PARTY m@evil.test".into()),
            (ActorKind::Correspondent, "friend@home.test".into()),
            (ActorKind::Correspondent, "learner@home.test".into()),
        ]
    );
    let now = at("2026-11-20T09:00:00Z");
    assert_eq!(
        store.due_deadlines(now).await.expect("read"),
        [(case.clone(), DeadlineKind::Respond)]
    );
    assert_eq!(
        store.due_chases(now).await.expect("read"),
        [(
            case.clone(),
            DeadlineKind::Respond,
            at("2026-11-13T09:00:00Z")
        )]
    );
    assert_eq!(
        store.heartbeats().await.expect("read"),
        [(Worker::Sender, at("2026-11-20T08:59:00Z"))]
    );
    let (state, data): (String, String) =
        sqlx::query_as("SELECT state, data FROM cases WHERE reference = 'CMP-2026-0001'")
            .fetch_one(store.sqlite_pool().expect("sqlite"))
            .await
            .expect("case row");
    assert_eq!(
        (state.as_str(), data.as_str()),
        ("awaiting_consent", case_json)
    );
    // The foreign key from quarantine to messages survived the rebuild.
    let e = sqlx::query("INSERT INTO quarantine (message_row, reason, at) VALUES (99, 'x', 't')")
        .execute(store.sqlite_pool().expect("sqlite"))
        .await
        .expect_err("a quarantine entry for no message");
    assert!(e.to_string().contains("FOREIGN KEY"), "{e}");
    // And so did the audit log's append-only triggers.
    let e = sqlx::query("DELETE FROM audit")
        .execute(store.sqlite_pool().expect("sqlite"))
        .await
        .expect_err("deleting audit entries");
    assert!(e.to_string().contains("append-only"), "{e}");
    // The upgraded tables now refuse what they used to take.
    assert_all_refused(&store).await;
}

/// A database made between main taking 0100 (triage) and this branch's 0060
/// has 0100 applied and not 0060; sqlx then applies 0060 after it, and its
/// CHECK lists must keep the triage names or the rebuild would refuse them.
#[tokio::test]
async fn the_checks_keep_triage_when_0060_comes_after_0100() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite");
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
    let mut without_0060: Migrator = sqlx::migrate!("./migrations/sqlite");
    without_0060.migrations = without_0060
        .migrations
        .iter()
        // Such a database was made before 0170 existed: the migrations after
        // 0140 (which need 0060's columns) come after 0060, as they would.
        .filter(|m| m.version != 60 && m.version < 170)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    without_0060.run(&pool).await.expect("migrate without 0060");
    for sql in [
        "INSERT INTO cases (reference, kind, state, stage, complainant, opened_at, updated_at, data)
         VALUES ('CMP-2026-0001', 'other', 'triage', 0, 'a@home.test', '2026-11-02T09:00:00Z', '2026-11-02T09:00:00Z', '{}')",
        "INSERT INTO deadlines (case_ref, kind, stage, start, due) VALUES ('CMP-2026-0001', 'confirm_kind', 0, '2026-11-02T09:00:00Z', '2026-11-03T09:00:00Z')",
        "INSERT INTO chases (case_ref, kind, at) VALUES ('CMP-2026-0001', 'confirm_kind', '2026-11-03T08:00:00Z')",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;

    let store = Store::open(&path).await.expect("0060 after 0100");
    let case: CaseRef = "CMP-2026-0001".parse().expect("a reference");
    let now = at("2026-11-04T09:00:00Z");
    assert_eq!(
        store.due_deadlines(now).await.expect("read"),
        [(case.clone(), DeadlineKind::ConfirmKind)]
    );
    assert_eq!(store.due_chases(now).await.expect("read").len(), 1);
    let state: String =
        sqlx::query_scalar("SELECT state FROM cases WHERE reference = 'CMP-2026-0001'")
            .fetch_one(store.sqlite_pool().expect("sqlite"))
            .await
            .expect("case row");
    assert_eq!(state, "triage");
    assert_all_refused(&store).await;
}

/// Migration 0140 and `pack_existing`: the message bytes of rows written
/// before they were kept compressed come out compressed, and every reader
/// (a message for export and replay, the duplicate check, the classifier's
/// corrections, the sender's claim, the outbox listing, a reply's history)
/// gets the same bytes back.
#[tokio::test]
async fn upgrading_compresses_stored_message_bytes_and_every_reader_gets_them_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite");
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.expect("pool");
    let migrator: Migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.run_to(100, &pool).await.expect("migrate to 0100");
    let inbound = format!(
        "From: Jo <jo@home.test>\r\nSubject: Late bus\r\n\r\n{}",
        "The bus was late again and I missed my session.\r\n".repeat(60)
    );
    let outgoing = format!(
        "From: Org <complaints@org.test>\r\nTo: jo@home.test\r\nSubject: [CMP-2026-0001] We have received your message\r\n\r\n{}",
        "Dear Jo, we have received your message and will reply by Friday.\r\n".repeat(40)
    );
    sqlx::query(
        "INSERT INTO messages (id, message_id, content_hash, source, received_at, raw, size, from_addr, subject, kind, case_ref, status, note, content_key)
         VALUES (1, 'm1@home.test', 'h1', 'INBOX', '2026-11-02T09:00:00Z', ?, ?, 'jo@home.test', 'Late bus', 'complaint', 'CMP-2026-0001', 'processed', NULL, NULL)",
    )
    .bind(inbound.as_bytes())
    .bind(inbound.len() as i64)
    .execute(&pool)
    .await
    .expect("message");
    sqlx::query(
        "INSERT INTO classifier_corrections (at, case_ref, message_row, actor, label, name)
         VALUES ('2026-11-30T10:00:00Z', 'CMP-2026-0001', 1, 'sam@org.test', 'kind', 'complaint')",
    )
    .execute(&pool)
    .await
    .expect("correction");
    for (id, status) in [(1, "sent"), (2, "pending")] {
        sqlx::query(
            "INSERT INTO outbox (id, case_ref, message_id, template, recipient, automatic, raw, created_at, status, next_attempt_at)
             VALUES (?, 'CMP-2026-0001', ?, 'acknowledgement', 'jo@home.test', 1, ?, '2026-11-02T09:00:00Z', ?, '2026-11-02T09:00:00Z')",
        )
        .bind(id)
        .bind(format!("ack{id}@org.test"))
        .bind(outgoing.as_bytes())
        .bind(status)
        .execute(&pool)
        .await
        .expect("outbox");
    }
    pool.close().await;

    let store = Store::open(&path).await.expect("upgrade");
    // Stored compressed now, and much smaller.
    for table in ["messages", "outbox"] {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(match table {
            "messages" => "SELECT raw FROM messages",
            _ => "SELECT raw FROM outbox",
        })
        .fetch_all(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("raw");
        for r in rows {
            // Form 0x03: DEFLATE after the mail dictionary (packed.rs).
            assert_eq!(r.first(), Some(&3), "{table}: compressed");
            assert!(r.len() < 400, "{table}: {} bytes", r.len());
        }
    }
    assert_eq!(
        store.pack_existing().await.expect("again"),
        0,
        "nothing left to do"
    );

    let case: CaseRef = "CMP-2026-0001".parse().expect("a reference");
    let m = store.message(1).await.expect("read").expect("message 1");
    assert_eq!(m.raw, inbound.as_bytes());
    assert_eq!(
        store.case_messages(&case).await.expect("read")[0].raw,
        inbound.as_bytes()
    );
    let mut tx = store.begin().await.expect("tx");
    let like = Store::messages_like(&mut tx, Some("m1@home.test"), "other", "other")
        .await
        .expect("like");
    assert_eq!(like[0].raw.as_deref(), Some(inbound.as_bytes()));
    let history = Store::recent_mail_to(&mut tx, &case, "jo@home.test", 5)
        .await
        .expect("history");
    assert_eq!(history, vec![outgoing.as_bytes().to_vec(); 2]);
    tx.rollback().await.expect("rollback");
    assert_eq!(
        store.corrections().await.expect("corrections")[0].raw,
        inbound.as_bytes()
    );
    let listed = store.outbox(Some(&case)).await.expect("outbox");
    assert!(listed.iter().all(|r| r.raw == outgoing.as_bytes()));
    let claimed = store
        .claim_outbox(at("2026-11-03T09:00:00Z"), at("2026-11-03T09:05:00Z"), 5)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].raw, outgoing.as_bytes());

    // A conversion that stopped half-way: a row still as it was reads the
    // same, and the next open compresses it.
    sqlx::query("UPDATE messages SET raw = CAST(X'00' || ? AS BLOB) WHERE id = 1")
        .bind(inbound.as_bytes())
        .execute(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("plain again");
    assert_eq!(
        store.message(1).await.expect("read").expect("1").raw,
        inbound.as_bytes()
    );
    store.close().await;
    let store = Store::open(&path).await.expect("open again");
    assert_eq!(store.pack_existing().await.expect("again"), 0);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT raw FROM messages WHERE id = 1")
        .fetch_one(store.sqlite_pool().expect("sqlite"))
        .await
        .expect("raw");
    assert_eq!(stored.first(), Some(&3));
    assert_eq!(
        store.message(1).await.expect("read").expect("1").raw,
        inbound.as_bytes()
    );
}

/// Issue 14: every transaction runs on the one writer connection, whatever
/// the readers hold. A TEMP table lives on the connection that made it, so a
/// transaction on any other connection would not see it. (Before the writer
/// had a connection of its own, `begin` took whichever pooled connection was
/// free: with the one that made the table held by a reader, another.)
#[tokio::test]
async fn every_transaction_runs_on_the_one_writer_connection() {
    let (_dir, store) = fresh().await;
    let mut tx = store.begin().await.expect("begin");
    sqlx::query("CREATE TEMP TABLE writer_marker (x INTEGER)")
        .execute(tx.sqlite().expect("sqlite"))
        .await
        .expect("temp table");
    tx.commit().await.expect("commit");
    // Readers busy on the pool's connections, as the sender's and the
    // scheduler's are while ingest writes.
    let mut readers = Vec::new();
    for _ in 0..POOL_SIZE {
        readers.push(
            store
                .sqlite_pool()
                .expect("sqlite")
                .acquire()
                .await
                .expect("reader"),
        );
    }
    for _ in 0..3 {
        let mut tx = store.begin().await.expect("begin");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM temp.writer_marker")
            .fetch_one(tx.sqlite().expect("sqlite"))
            .await
            .expect("the writer's own temp table");
        assert_eq!(n, 0);
        tx.rollback().await.expect("rollback");
    }
    // A write through a method (not a `Tx`) goes through the same connection.
    let mut conn = store
        .sqlite_writer()
        .expect("sqlite")
        .acquire()
        .await
        .expect("writer");
    sqlx::query("INSERT INTO temp.writer_marker VALUES (1)")
        .execute(&mut *conn)
        .await
        .expect("insert");
    drop(conn);
    store
        .fetch_ok("inbox", at("2026-01-05T09:00:00Z"))
        .await
        .expect("a method's write");
    drop(readers);
    let mut tx = store.begin().await.expect("begin");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM temp.writer_marker")
        .fetch_one(tx.sqlite().expect("sqlite"))
        .await
        .expect("still the same connection");
    assert_eq!(n, 1);
    tx.rollback().await.expect("rollback");
}

/// Readiness: the schema is current once migrated, and no longer when one of
/// this build's migrations is missing from the database's record.
#[tokio::test]
async fn the_schema_is_current_only_with_every_migration_applied() {
    let (_dir, store) = fresh().await;
    assert!(store.schema_current().await.expect("read"));
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(store.sqlite_writer().expect("sqlite"))
    .await
    .expect("delete");
    assert!(!store.schema_current().await.expect("read"));
}

/// The lease's fence: taking is conditional on the fence seen (two
/// instances deciding at once cannot both win), and once another instance
/// took the mailbox, the old holder's fence refuses its checkpoint writes
/// even where its own lease has not run out by its clock.
#[tokio::test]
async fn a_stale_fence_cannot_write_a_checkpoint() {
    let (_dir, store) = fresh().await;
    let lease = chrono::Duration::seconds(30);
    let a = store
        .take_mailbox_lease("inbox", "a", None, lease)
        .await
        .expect("take")
        .expect("first taker wins");
    assert_eq!(a, 1);
    // A second "first" take, and a take on a fence already moved, lose.
    assert_eq!(
        store
            .take_mailbox_lease("inbox", "b", None, lease)
            .await
            .expect("take"),
        None
    );
    let fence_a = Fence {
        mailbox: "inbox".into(),
        holder: "a".into(),
        fence: a,
    };
    let mut tx = store.begin().await.expect("begin");
    Store::check_fence(&mut tx, &fence_a)
        .await
        .expect("a holds it");
    Store::advance_imap_checkpoint(&mut tx, "inbox", 7, 10)
        .await
        .expect("write");
    tx.commit().await.expect("commit");

    // B takes it over (A's lease ran out, as B decided).
    let b = store
        .take_mailbox_lease("inbox", "b", Some(a), lease)
        .await
        .expect("take")
        .expect("b wins on the fence it saw");
    assert_eq!(b, 2);
    assert_eq!(
        store
            .take_mailbox_lease("inbox", "c", Some(a), lease)
            .await
            .expect("take"),
        None,
        "a take on a stale fence loses"
    );
    // A wakes up: its renewal fails, and its checkpoint write is refused
    // with the whole transaction.
    assert!(!store
        .renew_mailbox_lease(&fence_a, lease)
        .await
        .expect("renew"));
    let mut tx = store.begin().await.expect("begin");
    let refused = Store::check_fence(&mut tx, &fence_a).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Fenced {
                fence: 1,
                now: Some(2),
                ..
            })
        ),
        "{refused:?}"
    );
    drop(tx);
    assert_eq!(store.imap_checkpoint("inbox", 7).await.expect("read"), 10);
    // B's own writes go through; a release lets the next taker in at once.
    let fence_b = Fence {
        mailbox: "inbox".into(),
        holder: "b".into(),
        fence: b,
    };
    assert!(store
        .renew_mailbox_lease(&fence_b, lease)
        .await
        .expect("renew"));
    store
        .release_mailbox_lease(&fence_b)
        .await
        .expect("release");
    let mut tx = store.begin().await.expect("begin");
    assert!(
        Store::check_fence(&mut tx, &fence_b).await.is_err(),
        "released"
    );
    drop(tx);
    let view = store.lease_view("inbox").await.expect("view");
    let row = view.lease.expect("row").row();
    assert_eq!(row.holder, None);
    assert!(row.expires_at <= view.now);
}

/// Instances register and beat on the database's clock; a clean stop
/// releases their leases.
#[tokio::test]
async fn a_stopped_instance_releases_its_leases() {
    let (_dir, store) = fresh().await;
    store
        .register_instance("a", "host-1", 42, "0.1.0")
        .await
        .expect("register");
    store.instance_heartbeat("a").await.expect("beat");
    store
        .take_mailbox_lease("inbox", "a", None, chrono::Duration::seconds(30))
        .await
        .expect("take");
    let (now, rows) = store.instances().await.expect("instances");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].host.as_str(), rows[0].pid), ("host-1", 42));
    assert!(rows[0].heartbeat_at <= now && rows[0].stopped_at.is_none());
    store.instance_stopped("a").await.expect("stop");
    let (_, rows) = store.instances().await.expect("instances");
    assert!(rows[0].stopped_at.is_some());
    let leases = store.mailbox_leases().await.expect("leases");
    assert_eq!(leases[0].holder, None);
}
