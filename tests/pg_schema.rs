//! The PostgreSQL schema (`migrations/postgres`) against the SQLite one
//! (`migrations/sqlite`), issue 18: the same tables, columns, keys, CHECK
//! lists, indexes and triggers, and day-count triggers that keep the same
//! counts when the same rows are written to both.
//!
//! Needs the test cluster of `scripts/postgres start` (which `scripts/test`
//! starts): it reads `$PG_DIR/pg.env` (default `/tmp/complaintd-pg`) or
//! `PG_URL` and `PG_PASSWORD_FILE` from the environment. Without them the
//! test fails saying so: a PostgreSQL test that passed by not running would
//! hide exactly the breakage it is here to catch.
//!
//! Each run makes a database of its own and drops it at the end. The rows
//! are written with the same SQL text on both backends (`$N` placeholders,
//! which sqlx's SQLite driver binds by number) and typed parameters
//! (`DateTime<Utc>`, `NaiveDate`, `bool`), as the store writes them.

use chrono::{DateTime, NaiveDate, Utc};
use complaintd::core::report::local_day;
use regex::Regex;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;

/// Where the test cluster is, as `scripts/postgres start` wrote it.
struct PgEnv {
    url: String,
    password: String,
}

/// The cluster's URL and password: from `PG_URL` / `PG_PASSWORD_FILE`, or
/// from `$PG_DIR/pg.env`. Panics with what to run when neither is there.
fn pg_env() -> PgEnv {
    let dir = std::env::var("PG_DIR").unwrap_or_else(|_| "/tmp/complaintd-pg".into());
    let file = PathBuf::from(&dir).join("pg.env");
    let mut vars: BTreeMap<String, String> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    // The environment wins over the file (CI may point at another server).
    for key in ["PG_URL", "PG_PASSWORD_FILE"] {
        if let Ok(v) = std::env::var(key) {
            vars.insert(key.into(), v);
        }
    }
    let (Some(url), Some(pw_file)) = (vars.get("PG_URL"), vars.get("PG_PASSWORD_FILE")) else {
        panic!(
            "no PostgreSQL test cluster: neither PG_URL and PG_PASSWORD_FILE nor {} \
             (run `scripts/postgres start`, which scripts/test does)",
            file.display()
        );
    };
    let password = std::fs::read_to_string(pw_file)
        .unwrap_or_else(|e| panic!("reading the password file {pw_file}: {e}"))
        .trim()
        .to_string();
    PgEnv {
        url: url.clone(),
        password,
    }
}

/// A fresh PostgreSQL database for this run, dropped by [`PgDb::drop_now`].
struct PgDb {
    admin: PgPool,
    name: String,
    pool: PgPool,
}

impl PgDb {
    async fn create() -> PgDb {
        let env = pg_env();
        let opts = PgConnectOptions::from_str(&env.url)
            .expect("PG_URL is a postgres:// URL")
            .password(&env.password);
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "connecting to {} (is `scripts/postgres start` running?): {e}",
                    env.url
                )
            });
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("pg_schema_{}_{nanos}", std::process::id());
        // The name is made here of digits and underscores: safe to splice.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create the test database");
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(opts.database(&name))
            .await
            .expect("connect to the test database");
        PgDb { admin, name, pool }
    }

    async fn drop_now(self) {
        self.pool.close().await;
        // Best effort: a database left behind is only a name in a throw-away cluster.
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = sqlx::query(AssertSqlSafe(drop)).execute(&self.admin).await;
    }
}

async fn sqlite(dir: &tempfile::TempDir) -> SqlitePool {
    let opts = SqliteConnectOptions::new()
        .filename(dir.path().join("db.sqlite"))
        .create_if_missing(true)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .expect("open the SQLite database")
}

/// Both databases, migrated.
async fn both() -> (tempfile::TempDir, SqlitePool, PgDb) {
    let pg = PgDb::create().await;
    sqlx::migrate!("./migrations/postgres")
        .run(&pg.pool)
        .await
        .expect("the PostgreSQL migrations apply to an empty database");
    let dir = tempfile::tempdir().expect("tempdir");
    let lite = sqlite(&dir).await;
    sqlx::migrate!("./migrations/sqlite")
        .run(&lite)
        .await
        .expect("the SQLite migrations apply to an empty database");
    (dir, lite, pg)
}

/// Tables of the schema (not sqlx's bookkeeping, not SQLite's own).
async fn tables(lite: &SqlitePool, pg: &PgPool) -> (BTreeSet<String>, BTreeSet<String>) {
    let l: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(lite)
    .await
    .expect("sqlite tables");
    let p: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pg)
    .await
    .expect("postgres tables");
    (l.into_iter().collect(), p.into_iter().collect())
}

/// Every `CHECK (column IN (...))` list as table.column → its values, from
/// SQLite's CREATE TABLE text and PostgreSQL's constraint definitions
/// (`column = ANY (ARRAY['a'::text, ...])`). PostgreSQL's booleans are
/// written as SQLite's 1 and 0 to compare.
async fn check_lists(
    lite: &SqlitePool,
    pg: &PgPool,
) -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let value = Regex::new(r"'([^']*)'|(-?\d+)|\b(true|false)\b").expect("regex");
    let values = |list: &str| -> BTreeSet<String> {
        value
            .captures_iter(list)
            .map(|c| {
                if let Some(s) = c.get(1) {
                    s.as_str().to_string()
                } else if let Some(n) = c.get(2) {
                    n.as_str().to_string()
                } else {
                    match c.get(3).map(|b| b.as_str()) {
                        Some("true") => "1".into(),
                        _ => "0".into(),
                    }
                }
            })
            .collect()
    };
    let lite_re = Regex::new(r"(?is)CHECK\s*\(\s*(\w+)\s+IN\s*\(([^)]*)\)\s*\)").expect("regex");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
    )
    .fetch_all(lite)
    .await
    .expect("sqlite table sql");
    let mut l = BTreeMap::new();
    for (table, sql) in rows {
        for c in lite_re.captures_iter(&sql) {
            l.insert(format!("{table}.{}", &c[1]), values(&c[2]));
        }
    }
    let pg_re = Regex::new(r"(?is)\(\s*(\w+)\s*=\s*ANY\s*\(\s*ARRAY\[(.*)\]").expect("regex");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE c.contype = 'c' AND n.nspname = 'public'",
    )
    .fetch_all(pg)
    .await
    .expect("postgres checks");
    let mut p = BTreeMap::new();
    for (table, def) in rows {
        if let Some(c) = pg_re.captures(&def) {
            p.insert(format!("{table}.{}", &c[1]), values(&c[2]));
        }
    }
    (l, p)
}

#[tokio::test]
async fn the_two_schemas_agree() {
    let (_dir, lite, pg) = both().await;
    let p = &pg.pool;

    let (lt, pt) = tables(&lite, p).await;
    assert_eq!(lt, pt, "tables differ (left SQLite, right PostgreSQL)");
    assert!(lt.len() >= 30, "suspiciously few tables: {lt:?}");

    for t in &lt {
        // Columns, in order: `store copy` may move rows column for column.
        let l: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(t)
                .fetch_all(&lite)
                .await
                .expect("sqlite columns");
        let c: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(t)
        .fetch_all(p)
        .await
        .expect("postgres columns");
        assert_eq!(
            l, c,
            "columns of {t} differ (left SQLite, right PostgreSQL)"
        );

        // Primary key columns, in key order.
        let l: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
                .bind(t)
                .fetch_all(&lite)
                .await
                .expect("sqlite primary key");
        let c: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_constraint k
               CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u (attnum, ord)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
             WHERE k.contype = 'p' AND k.conrelid = ('public.' || $1)::regclass ORDER BY u.ord",
        )
        .bind(t)
        .fetch_all(p)
        .await
        .expect("postgres primary key");
        assert_eq!(l, c, "primary key of {t} differs");

        // NOT NULL columns.
        let l: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM pragma_table_info($1) WHERE \"notnull\" = 1 OR pk > 0 ORDER BY name",
        )
        .bind(t)
        .fetch_all(&lite)
        .await
        .expect("sqlite not null");
        let c: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 AND is_nullable = 'NO' ORDER BY 1",
        )
        .bind(t)
        .fetch_all(p)
        .await
        .expect("postgres not null");
        let mut l = l;
        l.sort();
        assert_eq!(l, c, "NOT NULL columns of {t} differ");
    }

    // Named indexes (not those behind a PRIMARY KEY or UNIQUE), with their
    // table, key columns (an expression has none on either side) and
    // whether they are partial.
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT m.name, m.tbl_name, l.partial FROM sqlite_master m
           JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name
         WHERE m.type = 'index' AND m.sql IS NOT NULL",
    )
    .fetch_all(&lite)
    .await
    .expect("sqlite indexes");
    let mut l = BTreeMap::new();
    for (name, table, partial) in rows {
        let cols: Vec<Option<String>> =
            sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&name)
                .fetch_all(&lite)
                .await
                .expect("sqlite index columns");
        l.insert(name, (table, cols, partial == 1));
    }
    let rows: Vec<(String, String, Vec<String>, bool)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text,
                ARRAY(SELECT COALESCE(a.attname::text, '')
                      FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS u (attnum, ord)
                      LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.attnum
                      ORDER BY u.ord),
                x.indpred IS NOT NULL
         FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(p)
    .await
    .expect("postgres indexes");
    let c: BTreeMap<String, (String, Vec<Option<String>>, bool)> = rows
        .into_iter()
        .map(|(name, table, cols, partial)| {
            let cols = cols
                .into_iter()
                .map(|c| (!c.is_empty()).then_some(c))
                .collect();
            (name, (table, cols, partial))
        })
        .collect();
    assert_eq!(l, c, "indexes differ (left SQLite, right PostgreSQL)");
    assert!(l.len() >= 30, "suspiciously few indexes: {}", l.len());

    // UNIQUE constraints (SQLite: column UNIQUE, an automatic index).
    let l: BTreeSet<(String, Vec<String>)> = {
        let mut out = BTreeSet::new();
        for t in &lt {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_list($1) WHERE origin = 'u'")
                    .bind(t)
                    .fetch_all(&lite)
                    .await
                    .expect("sqlite unique");
            for n in names {
                let cols: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                        .bind(&n)
                        .fetch_all(&lite)
                        .await
                        .expect("sqlite unique columns");
                out.insert((t.clone(), cols));
            }
        }
        out
    };
    let c: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT k.conrelid::regclass::text,
                ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u (attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord)
         FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
         WHERE k.contype = 'u' AND n.nspname = 'public'",
    )
    .fetch_all(p)
    .await
    .expect("postgres unique");
    assert_eq!(l, c.into_iter().collect(), "UNIQUE constraints differ");

    // Foreign keys with their ON DELETE.
    let l: BTreeSet<(String, String, String, String, String)> = {
        let mut out = BTreeSet::new();
        for t in &lt {
            let rows: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list($1)",
            )
            .bind(t)
            .fetch_all(&lite)
            .await
            .expect("sqlite foreign keys");
            out.extend(
                rows.into_iter()
                    .map(|(f, tt, to, d)| (t.clone(), f, tt, to, d)),
            );
        }
        out
    };
    let c: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT k.conrelid::regclass::text, a.attname::text, k.confrelid::regclass::text, f.attname::text,
                CASE k.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                                   WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
         FROM pg_constraint k
           JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
           JOIN pg_attribute f ON f.attrelid = k.confrelid AND f.attnum = k.confkey[1]
           JOIN pg_namespace n ON n.oid = k.connamespace
         WHERE k.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(p)
    .await
    .expect("postgres foreign keys");
    assert_eq!(l, c.into_iter().collect(), "foreign keys differ");

    // Triggers: the same names on the same tables.
    let l: Vec<(String, String)> = sqlx::query_as(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1, 2",
    )
    .fetch_all(&lite)
    .await
    .expect("sqlite triggers");
    let c: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal ORDER BY 1, 2",
    )
    .fetch_all(p)
    .await
    .expect("postgres triggers");
    assert_eq!(l, c, "triggers differ (left SQLite, right PostgreSQL)");

    let (l, c) = check_lists(&lite, p).await;
    assert_eq!(
        l, c,
        "CHECK (... IN (...)) lists differ (left SQLite, right PostgreSQL)"
    );
    assert!(
        l.get("cases.state").is_some_and(|s| s.contains("triage")) && l.len() >= 15,
        "the CHECK lists were not all found: {l:?}"
    );

    lite.close().await;
    pg.drop_now().await;
}

/// A parameter of the statements written to both backends.
#[derive(Debug, Clone)]
enum P {
    Text(Option<String>),
    Int(i64),
    Time(Option<DateTime<Utc>>),
    Day(Option<NaiveDate>),
    Bool(Option<bool>),
    Bytes(Vec<u8>),
}

fn text(s: &str) -> P {
    P::Text(Some(s.to_string()))
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("test time {s}: {e}"))
        .with_timezone(&Utc)
}

/// One statement, run on both databases with the same text and parameters.
async fn run(lite: &SqlitePool, pg: &PgPool, sql: &'static str, params: &[P]) {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p.clone() {
            P::Text(v) => q.bind(v),
            P::Int(v) => q.bind(v),
            P::Time(v) => q.bind(v),
            P::Day(v) => q.bind(v),
            P::Bool(v) => q.bind(v),
            P::Bytes(v) => q.bind(v),
        };
    }
    q.execute(lite)
        .await
        .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"));
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p.clone() {
            P::Text(v) => q.bind(v),
            P::Int(v) => q.bind(v),
            P::Time(v) => q.bind(v),
            P::Day(v) => q.bind(v),
            P::Bool(v) => q.bind(v),
            P::Bytes(v) => q.bind(v),
        };
    }
    q.execute(pg)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL: {sql}: {e}"));
}

/// How a column is read, so both backends' values print alike.
#[derive(Clone, Copy)]
enum Col {
    Text,
    Int,
    Day,
    Time,
    Bool,
}

/// `SELECT` the columns from `table` on both, each row printed column by
/// column, the rows sorted.
async fn rows(
    lite: &SqlitePool,
    pg: &PgPool,
    table: &str,
    cols: &[(&str, Col)],
) -> (Vec<String>, Vec<String>) {
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let sql = format!("SELECT {} FROM {table}", names.join(", "));
    macro_rules! print_rows {
        ($rows:expr) => {
            $rows
                .iter()
                .map(|r| {
                    cols.iter()
                        .enumerate()
                        .map(|(i, (name, c))| {
                            let v = match c {
                                Col::Text => {
                                    r.try_get::<Option<String>, _>(i).map(|v| format!("{v:?}"))
                                }
                                Col::Int => {
                                    r.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}"))
                                }
                                Col::Day => r
                                    .try_get::<Option<NaiveDate>, _>(i)
                                    .map(|v| format!("{v:?}")),
                                Col::Time => r
                                    .try_get::<Option<DateTime<Utc>>, _>(i)
                                    .map(|v| format!("{v:?}")),
                                Col::Bool => {
                                    r.try_get::<Option<bool>, _>(i).map(|v| format!("{v:?}"))
                                }
                            };
                            let v = v.unwrap_or_else(|e| panic!("{table}.{name}: {e}"));
                            format!("{name}={v}")
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<String>>()
        };
    }
    // Table and column names come from this file's own lists.
    let l = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_all(lite)
        .await
        .unwrap_or_else(|e| panic!("SQLite: {sql}: {e}"));
    let p = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_all(pg)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL: {sql}: {e}"));
    // Sorted here, not by ORDER BY: the two order NULLs and booleans apart.
    let (mut l, mut p) = (print_rows!(l), print_rows!(p));
    l.sort();
    p.sort();
    (l, p)
}

/// A case's JSON with what the record triggers read (the rest of a
/// `core::case::Case` is not looked at by SQL).
fn case_json(
    flags: &[&str],
    outcomes: &[(i64, &str, Option<&str>)],
    survey: Option<Value>,
    lessons: Option<&str>,
) -> String {
    json!({
        "flags": flags,
        "lessons": lessons,
        "survey": survey,
        "records": {
            "outcomes": outcomes.iter().map(|(stage, outcome, sent)| json!({
                "stage": stage, "outcome": outcome, "reasons": "r", "by": "h@org.test",
                "at": "2026-10-20T10:00:00Z", "sent_at": sent,
            })).collect::<Vec<_>>(),
            "extensions": [
                {"stage": 1, "until": "2026-11-20", "reason": "complexity", "beyond_cap": null},
                {"stage": 1, "until": "2026-12-20", "reason": "witness away", "beyond_cap": "director agreed"},
            ],
            "remedies": [
                {"number": 1, "kind": "apology", "due": "2026-10-30", "done": ["2026-10-29T23:30:00Z", "h@org.test"]},
                {"number": 2, "kind": "refund", "due": "2026-11-05", "done": null},
            ],
            "refusals": [{"stage": 2, "escalation": true, "ground": "out_of_time", "reason": "late"}],
        },
    })
    .to_string()
}

/// Saves a case as the store does: the columns the figures group by
/// beside the JSON, `opened_day` from `core::report::local_day`.
#[allow(clippy::too_many_arguments)]
async fn save_case(
    lite: &SqlitePool,
    pg: &PgPool,
    reference: &str,
    kind: &str,
    state: &str,
    stage: i64,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    language: Option<&str>,
    data: &str,
) {
    run(
        lite,
        pg,
        "INSERT INTO cases (reference, kind, state, stage, complainant, opened_at, updated_at, closed_at, data,
                            opened_day, language, source)
         VALUES ($1, $2, $3, $4, 'c@example.test', $5, $5, $6, $7, $8, $9,
                 (SELECT m.source FROM messages m WHERE m.case_ref = $1 ORDER BY m.received_at, m.id LIMIT 1))
         ON CONFLICT (reference) DO UPDATE SET kind = excluded.kind, state = excluded.state, stage = excluded.stage,
           updated_at = excluded.updated_at, closed_at = excluded.closed_at, data = excluded.data,
           opened_day = excluded.opened_day, language = excluded.language",
        &[
            text(reference),
            text(kind),
            text(state),
            P::Int(stage),
            P::Time(Some(opened_at)),
            P::Time(closed_at),
            text(data),
            P::Day(Some(local_day(opened_at))),
            P::Text(language.map(str::to_string)),
        ],
    )
    .await;
}

async fn message(lite: &SqlitePool, pg: &PgPool, hash: &str, case: &str, source: &str, at: &str) {
    run(
        lite,
        pg,
        "INSERT INTO messages (content_hash, source, received_at, raw, size, case_ref, status)
         VALUES ($1, $2, $3, $4, 2, $5, 'processed')",
        &[
            text(hash),
            text(source),
            P::Time(Some(time(at))),
            P::Bytes(vec![1, 0x78]),
            text(case),
        ],
    )
    .await;
}

/// Every table the day-count triggers write, and the record tables they
/// read, must hold the same rows on both.
async fn assert_same_counts(lite: &SqlitePool, pg: &PgPool, step: &str) {
    use Col::*;
    let tables: &[(&str, &[(&str, Col)])] = &[
        (
            "count_received",
            &[
                ("opened_day", Day),
                ("kind", Text),
                ("stage", Int),
                ("state", Text),
                ("language", Text),
                ("source", Text),
                ("n", Int),
            ],
        ),
        (
            "count_met",
            &[
                ("met_day", Day),
                ("kind", Text),
                ("stage", Int),
                ("start_day", Day),
                ("on_time", Bool),
                ("n", Int),
            ],
        ),
        (
            "count_outcomes",
            &[
                ("opened_day", Day),
                ("kind", Text),
                ("stage", Int),
                ("outcome", Text),
                ("n", Int),
            ],
        ),
        (
            "count_flags",
            &[
                ("opened_day", Day),
                ("kind", Text),
                ("flag", Text),
                ("n", Int),
            ],
        ),
        (
            "count_surveys",
            &[
                ("opened_day", Day),
                ("kind", Text),
                ("n", Int),
                ("sent", Int),
                ("answered", Int),
                ("satisfied", Int),
                ("not_satisfied", Int),
                ("scored", Int),
                ("score_sum", Int),
            ],
        ),
        (
            "case_flags",
            &[
                ("case_ref", Text),
                ("flag", Text),
                ("opened_day", Day),
                ("kind", Text),
            ],
        ),
        (
            "case_outcomes",
            &[
                ("case_ref", Text),
                ("n", Int),
                ("opened_day", Day),
                ("kind", Text),
                ("stage", Int),
                ("outcome", Text),
            ],
        ),
        (
            "case_extensions",
            &[
                ("case_ref", Text),
                ("n", Int),
                ("opened_day", Day),
                ("kind", Text),
                ("reason", Text),
                ("beyond_cap", Bool),
            ],
        ),
        (
            "case_remedies",
            &[
                ("case_ref", Text),
                ("n", Int),
                ("opened_day", Day),
                ("kind", Text),
                ("remedy", Text),
                ("due", Day),
                ("done_at", Time),
            ],
        ),
        (
            "case_refusals",
            &[
                ("case_ref", Text),
                ("n", Int),
                ("opened_day", Day),
                ("kind", Text),
                ("ground", Text),
                ("escalation", Bool),
            ],
        ),
        (
            "case_surveys",
            &[
                ("case_ref", Text),
                ("opened_day", Day),
                ("kind", Text),
                ("sent_at", Time),
                ("answered_at", Time),
                ("satisfied", Bool),
                ("score", Int),
            ],
        ),
        (
            "case_lessons",
            &[
                ("opened_day", Day),
                ("opened_at", Time),
                ("case_ref", Text),
                ("kind", Text),
                ("closed_at", Time),
                ("lesson", Text),
            ],
        ),
        (
            "cases",
            &[
                ("reference", Text),
                ("opened_day", Day),
                ("source", Text),
                ("state", Text),
            ],
        ),
    ];
    for (table, cols) in tables {
        let (l, p) = rows(lite, pg, table, cols).await;
        assert_eq!(
            l, p,
            "after {step}: {table} differs (left SQLite, right PostgreSQL)"
        );
    }
}

/// A count row as printed by [`rows`], for the expectations below.
async fn received(lite: &SqlitePool, pg: &PgPool) -> Vec<String> {
    use Col::*;
    let (l, _) = rows(
        lite,
        pg,
        "count_received",
        &[
            ("opened_day", Day),
            ("kind", Text),
            ("state", Text),
            ("source", Text),
            ("n", Int),
        ],
    )
    .await;
    l
}

#[tokio::test]
async fn day_counts_agree_through_closure_reopening_and_the_clock_change() {
    let (_dir, lite, pg) = both().await;
    let (l, p) = (&lite, &pg.pool);
    let survey = |satisfied: Option<bool>, score: Option<i64>| {
        json!({
            "sent_at": "2026-10-28T09:00:00Z",
            "answered_at": satisfied.map(|_| "2026-10-29T12:00:00.123456Z"),
            "answer": satisfied.map(|s| json!({"satisfied": s, "score": score, "comment": null})),
        })
    };

    // The clocks go back at 01:00 UTC on Sunday 25 October 2026: 23:30 UTC
    // on the 24th is 00:30 BST on the 25th; 00:59 UTC on the 25th is still
    // BST (01:59 local); 23:30 UTC on the 25th is 23:30 GMT, the same day.
    let a_at = time("2026-10-24T23:30:00Z");
    let b_at = time("2026-10-25T00:59:59.999999Z");
    let c_at = time("2026-10-25T23:30:00Z");
    let d_at = time("2026-10-24T22:59:59Z");
    let day = |s: &str| NaiveDate::from_str(s).expect("day");
    assert_eq!(local_day(a_at), day("2026-10-25"));
    assert_eq!(local_day(b_at), day("2026-10-25"));
    assert_eq!(local_day(c_at), day("2026-10-25"));
    assert_eq!(local_day(d_at), day("2026-10-24"));

    // A's first message comes before the case is saved (the source comes
    // from the save's subquery); B's after (from the trigger on messages).
    message(
        l,
        p,
        "a1",
        "PAR-2026-0001",
        "complaints",
        "2026-10-24T23:30:00Z",
    )
    .await;
    let a_open = case_json(
        &["safeguarding", "data_protection"],
        &[(1, "upheld", None)],
        None,
        None,
    );
    save_case(
        l,
        p,
        "PAR-2026-0001",
        "complaint",
        "open",
        1,
        a_at,
        None,
        Some("en"),
        &a_open,
    )
    .await;
    // B's survey shares a group with A's, so a change to A's leaves a count
    // that must come out right rather than a group that disappears.
    let b_open = case_json(
        &["on_behalf"],
        &[(1, "upheld", Some("2026-10-26T10:00:00Z"))],
        Some(survey(None, None)),
        None,
    );
    save_case(
        l,
        p,
        "PAR-2026-0002",
        "complaint",
        "open",
        1,
        b_at,
        None,
        None,
        &b_open,
    )
    .await;
    message(l, p, "b1", "PAR-2026-0002", "info", "2026-10-25T01:00:00Z").await;
    save_case(
        l,
        p,
        "PAR-2026-0003",
        "compliment",
        "open",
        1,
        c_at,
        None,
        Some("cy"),
        &case_json(&[], &[], None, None),
    )
    .await;
    save_case(
        l,
        p,
        "PAR-2026-0004",
        "complaint",
        "triage",
        1,
        d_at,
        None,
        None,
        &case_json(&["urgent"], &[], None, None),
    )
    .await;
    assert_same_counts(l, p, "opening four cases").await;
    let got = received(l, p).await;
    assert!(
        got.iter().any(|r| r.contains("opened_day=Some(2026-10-25)")
            && r.contains("source=Some(\"info\")")
            && r.contains("n=Some(1)")),
        "B counted on the 25th from its mailbox: {got:?}"
    );
    assert!(
        got.iter()
            .any(|r| r.contains("opened_day=Some(2026-10-24)")),
        "D counted on the 24th: {got:?}"
    );

    // An earlier message joins A from another mailbox: its source moves.
    message(l, p, "a0", "PAR-2026-0001", "info", "2026-10-24T23:00:00Z").await;
    assert_same_counts(l, p, "an earlier message from another mailbox").await;

    // A closes: outcome sent, survey answered, lessons.
    let closed = time("2026-10-28T08:00:00Z");
    let a_closed = case_json(
        &["safeguarding", "data_protection"],
        &[(1, "upheld", Some("2026-10-27T16:00:00Z"))],
        Some(survey(Some(true), Some(4))),
        Some("check the rota"),
    );
    save_case(
        l,
        p,
        "PAR-2026-0001",
        "complaint",
        "closed",
        1,
        a_at,
        Some(closed),
        Some("en"),
        &a_closed,
    )
    .await;
    assert_same_counts(l, p, "closing A").await;

    // A reopens at stage 2; the survey answer changes to not satisfied.
    let a_reopened = case_json(
        &["safeguarding"],
        &[
            (1, "upheld", Some("2026-10-27T16:00:00Z")),
            (2, "not_upheld", None),
        ],
        Some(survey(Some(false), None)),
        Some("check the rota"),
    );
    save_case(
        l,
        p,
        "PAR-2026-0001",
        "complaint",
        "open",
        2,
        a_at,
        None,
        Some("en"),
        &a_reopened,
    )
    .await;
    assert_same_counts(l, p, "reopening A").await;

    // B's outcome is corrected after it was sent; C becomes a comment; D
    // leaves triage as a complaint.
    let b_changed = case_json(
        &["on_behalf"],
        &[(1, "partly_upheld", Some("2026-10-26T10:00:00Z"))],
        Some(survey(None, None)),
        None,
    );
    save_case(
        l,
        p,
        "PAR-2026-0002",
        "complaint",
        "responded",
        1,
        b_at,
        None,
        None,
        &b_changed,
    )
    .await;
    save_case(
        l,
        p,
        "PAR-2026-0003",
        "comment",
        "closed",
        1,
        c_at,
        Some(closed),
        Some("cy"),
        &case_json(&[], &[], None, None),
    )
    .await;
    save_case(
        l,
        p,
        "PAR-2026-0004",
        "complaint",
        "open",
        1,
        d_at,
        None,
        None,
        &case_json(&["urgent"], &[], None, None),
    )
    .await;
    assert_same_counts(l, p, "changing outcome, kind and state").await;

    // B's message moves to A (a correction of threading): both sources move.
    run(
        l,
        p,
        "UPDATE messages SET case_ref = $1 WHERE content_hash = $2",
        &[text("PAR-2026-0001"), text("b1")],
    )
    .await;
    assert_same_counts(l, p, "a message moving between cases").await;

    // Deadlines met either side of the clock change and of midnight.
    let met = "INSERT INTO deadlines_met (case_ref, kind, stage, start, due, met_at, start_day, met_day, on_time)
               VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8)";
    for (case, kind, start, due, at) in [
        (
            "PAR-2026-0001",
            "acknowledge",
            a_at,
            time("2026-10-27T23:59:59Z"),
            time("2026-10-25T00:30:00Z"),
        ),
        (
            "PAR-2026-0002",
            "acknowledge",
            b_at,
            time("2026-10-27T23:59:59Z"),
            time("2026-10-25T23:59:59Z"),
        ),
        (
            "PAR-2026-0002",
            "respond",
            b_at,
            time("2026-10-26T00:00:00Z"),
            time("2026-10-26T00:00:01Z"),
        ),
        (
            "PAR-2026-0004",
            "acknowledge",
            d_at,
            time("2026-10-27T23:59:59Z"),
            time("2026-10-24T23:00:00Z"),
        ),
    ] {
        run(
            l,
            p,
            met,
            &[
                text(case),
                text(kind),
                P::Time(Some(start)),
                P::Time(Some(due)),
                P::Time(Some(at)),
                P::Day(Some(local_day(start))),
                P::Day(Some(local_day(at))),
                P::Bool(Some(at <= due)),
            ],
        )
        .await;
    }
    assert_same_counts(l, p, "deadlines met").await;
    run(
        l,
        p,
        "UPDATE deadlines_met SET on_time = $1 WHERE case_ref = $2 AND kind = 'respond'",
        &[P::Bool(Some(true)), text("PAR-2026-0002")],
    )
    .await;
    run(
        l,
        p,
        "DELETE FROM deadlines_met WHERE case_ref = $1",
        &[text("PAR-2026-0004")],
    )
    .await;
    assert_same_counts(l, p, "a deadline met corrected and one removed").await;

    // A case deleted (its record rows stay, as on SQLite: no trigger removes them).
    run(
        l,
        p,
        "DELETE FROM cases WHERE reference = $1",
        &[text("PAR-2026-0003")],
    )
    .await;
    assert_same_counts(l, p, "deleting a case").await;

    // Something is counted at all (the comparisons above are not of empty tables).
    for table in [
        "count_received",
        "count_met",
        "count_outcomes",
        "count_flags",
        "count_surveys",
    ] {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(p)
            .await
            .expect("count");
        assert!(n > 0, "{table} is empty: the test wrote nothing it counts");
    }

    // The audit log: append-only on both, with the anonymisation exception.
    run(l, p, "INSERT INTO audit (case_ref, at, actor_kind, actor, action, detail) VALUES ($1, $2, 'third_party', 'x@example.test', 'note', 'said things')",
        &[text("PAR-2026-0001"), P::Time(Some(closed))]).await;
    let anonymise = "UPDATE audit SET detail = '[removed under the retention policy]', actor = 'anonymised' WHERE case_ref = 'PAR-2026-0001'";
    let rewrite = "UPDATE audit SET detail = 'rewritten' WHERE case_ref = 'PAR-2026-0001'";
    let delete = "DELETE FROM audit WHERE case_ref = 'PAR-2026-0001'";
    for sql in [rewrite, delete] {
        assert!(
            sqlx::query(sql).execute(l).await.is_err(),
            "SQLite allowed: {sql}"
        );
        assert!(
            sqlx::query(sql).execute(p).await.is_err(),
            "PostgreSQL allowed: {sql}"
        );
    }
    run(l, p, anonymise, &[]).await;

    lite.close().await;
    pg.drop_now().await;
}
