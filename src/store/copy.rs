//! `complaintd store copy`: move a deployment between SQLite and PostgreSQL
//! (issue 18), every row of every table, checked by counts and hashes.
//!
//! The PostgreSQL side's catalogue says what there is to copy: its tables
//! (in an order that satisfies the foreign keys), their columns and the
//! type of each (so a SQLite text time is read as the time it is and
//! written as a `TIMESTAMPTZ`, an integer flag as a `BOOLEAN`), and each
//! table's primary key (the order rows are hashed in). Both schemas come
//! from this build's migrations, so they hold the same tables and columns.
//!
//! The target must be empty (freshly migrated). Its triggers do not run
//! while the rows go in: the per-day counts are copied as they are rather
//! than counted again from the copied cases, and the audit log's
//! append-only guard has nothing to guard yet. After the copy each table's
//! rows are read back from both sides in primary-key order and hashed
//! (SHA-256 over a canonical encoding of the typed values): any difference
//! in any row is an error naming the table.

use super::db::Dialect;
use super::{Backend, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use std::collections::{BTreeMap, BTreeSet};

/// Rows per `INSERT` (PostgreSQL allows 65,535 parameters a statement).
const ROWS_PER_INSERT: usize = 200;

/// A column's type, as PostgreSQL declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Text,
    Bytes,
    Float,
    Time,
    Date,
}

impl Kind {
    fn of(pg_type: &str) -> Option<Kind> {
        Some(match pg_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "text" | "character varying" => Kind::Text,
            "bytea" => Kind::Bytes,
            "double precision" | "real" => Kind::Float,
            "timestamp with time zone" => Kind::Time,
            "date" => Kind::Date,
            _ => return None,
        })
    }
}

/// One value as read from either side.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Float(f64),
    Time(DateTime<Utc>),
    Date(NaiveDate),
}

impl Value {
    /// A canonical encoding for the hash: a tag, then the value.
    fn hash_into(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update([0]),
            Value::Int(v) => {
                h.update([1]);
                h.update(v.to_le_bytes());
            }
            Value::Bool(v) => h.update([2, u8::from(*v)]),
            Value::Text(v) => {
                h.update([3]);
                h.update((v.len() as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
            Value::Bytes(v) => {
                h.update([4]);
                h.update((v.len() as u64).to_le_bytes());
                h.update(v);
            }
            Value::Float(v) => {
                h.update([5]);
                h.update(v.to_bits().to_le_bytes());
            }
            Value::Time(v) => {
                // Microseconds: PostgreSQL keeps no finer.
                h.update([6]);
                h.update(v.timestamp_micros().to_le_bytes());
            }
            Value::Date(v) => {
                h.update([7]);
                h.update(v.to_string().as_bytes());
            }
        }
    }
}

/// A table to copy.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
    key: Vec<String>,
}

/// What a copy moved, table by table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Copied {
    /// Table name.
    pub table: String,
    /// Rows copied (and found on both sides afterwards).
    pub rows: u64,
    /// SHA-256 of the table's rows, the same on both sides.
    pub sha256: String,
}

/// Why a copy failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A database error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Both sides are the same kind of database.
    #[error("store copy moves between SQLite and PostgreSQL; for a copy within one engine use its own tools (sqlite3 .backup, pg_dump)")]
    SameEngine,
    /// The target already holds data.
    #[error(
        "the target is not empty: table {table} has {rows} row(s); copy only into a new database"
    )]
    NotEmpty {
        /// The table.
        table: String,
        /// Its rows.
        rows: i64,
    },
    /// A column type this build does not know how to move.
    #[error("table {table}, column {column}: type {pg_type} is not one store copy moves")]
    UnknownType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its PostgreSQL type.
        pg_type: String,
    },
    /// The foreign keys form a cycle.
    #[error("the tables' foreign keys form a cycle through {0}")]
    Cycle(String),
    /// After the copy, the two sides differ.
    #[error("table {table}: {what} after the copy (source {source_value}, target {target_value})")]
    Differs {
        /// The table.
        table: String,
        /// Rows or hash.
        what: &'static str,
        /// The source's figure.
        source_value: String,
        /// The target's.
        target_value: String,
    },
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> Self {
        CopyError::Store(StoreError::Db(e))
    }
}

/// Copy every row of `from` into `to` (one SQLite, the other PostgreSQL;
/// `to` freshly migrated and empty), then check both hold the same rows.
/// `progress` is told each table as it is done.
pub async fn copy(
    from: &Store,
    to: &Store,
    mut progress: impl FnMut(&Copied),
) -> Result<Vec<Copied>, CopyError> {
    let pg = match (&from.backend, &to.backend) {
        (Backend::Sqlite { .. }, Backend::Postgres { pool })
        | (Backend::Postgres { pool }, Backend::Sqlite { .. }) => pool.clone(),
        _ => return Err(CopyError::SameEngine),
    };
    let tables = tables(&pg).await?;
    for t in &tables {
        let rows = count(to, &t.name).await?;
        if rows > 0 {
            return Err(CopyError::NotEmpty {
                table: t.name.clone(),
                rows,
            });
        }
    }
    write_all(from, to, &tables).await?;
    let mut done = Vec::new();
    for t in &tables {
        let (n_from, h_from) = digest(from, t).await?;
        let (n_to, h_to) = digest(to, t).await?;
        if n_from != n_to {
            return Err(CopyError::Differs {
                table: t.name.clone(),
                what: "row counts differ",
                source_value: n_from.to_string(),
                target_value: n_to.to_string(),
            });
        }
        if h_from != h_to {
            return Err(CopyError::Differs {
                table: t.name.clone(),
                what: "rows differ",
                source_value: h_from,
                target_value: h_to,
            });
        }
        let c = Copied {
            table: t.name.clone(),
            rows: n_from,
            sha256: h_from,
        };
        progress(&c);
        done.push(c);
    }
    Ok(done)
}

/// The tables to copy, parents before children, from PostgreSQL's catalogue.
async fn tables(pg: &PgPool) -> Result<Vec<Table>, CopyError> {
    let cols: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pg)
    .await?;
    let views: BTreeSet<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type <> 'BASE TABLE'",
    )
    .fetch_all(pg)
    .await?
    .into_iter()
    .collect();
    let mut by_name: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, pg_type) in cols {
        if views.contains(&table) {
            continue;
        }
        let kind = Kind::of(&pg_type).ok_or_else(|| CopyError::UnknownType {
            table: table.clone(),
            column: column.clone(),
            pg_type: pg_type.clone(),
        })?;
        by_name
            .entry(table.clone())
            .or_insert_with(|| Table {
                name: table,
                columns: Vec::new(),
                key: Vec::new(),
            })
            .columns
            .push((column, kind));
    }
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON TRUE
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         WHERE i.indisprimary
         ORDER BY c.relname, k.pos",
    )
    .fetch_all(pg)
    .await?;
    for (table, column) in keys {
        if let Some(t) = by_name.get_mut(&table) {
            t.key.push(column);
        }
    }
    for t in by_name.values_mut() {
        // A table without a primary key is ordered by all its columns.
        if t.key.is_empty() {
            t.key = t.columns.iter().map(|(c, _)| c.clone()).collect();
        }
    }
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT child.relname::text, parent.relname::text
         FROM pg_constraint f
         JOIN pg_class child ON child.oid = f.conrelid
         JOIN pg_class parent ON parent.oid = f.confrelid
         JOIN pg_namespace n ON n.oid = child.relnamespace AND n.nspname = current_schema()
         WHERE f.contype = 'f' AND child.oid <> parent.oid",
    )
    .fetch_all(pg)
    .await?;
    // Parents first (Kahn's algorithm, alphabetical among equals so the
    // order is the same every time).
    let mut parents: BTreeMap<String, BTreeSet<String>> = by_name
        .keys()
        .map(|k| (k.clone(), BTreeSet::new()))
        .collect();
    for (child, parent) in edges {
        if by_name.contains_key(&parent) {
            parents.entry(child).or_default().insert(parent);
        }
    }
    let mut order = Vec::new();
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        let Some(first) = ready.first() else {
            let stuck = parents.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(CopyError::Cycle(stuck));
        };
        let first = first.clone();
        parents.remove(&first);
        for p in parents.values_mut() {
            p.remove(&first);
        }
        if let Some(t) = by_name.remove(&first) {
            order.push(t);
        }
    }
    Ok(order)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn count(store: &Store, table: &str) -> Result<i64, CopyError> {
    let sql = format!("SELECT COUNT(*) FROM {}", quoted(table));
    Ok(match &store.backend {
        Backend::Sqlite { pool, .. } => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await?
        }
        Backend::Postgres { pool } => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await?
        }
    })
}

/// Every row of `t` from `store`, in primary-key order, typed.
async fn read(store: &Store, t: &Table) -> Result<Vec<Vec<Value>>, CopyError> {
    let cols = t
        .columns
        .iter()
        .map(|(c, _)| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let order = t
        .key
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {cols} FROM {} ORDER BY {order}", quoted(&t.name));
    match &store.backend {
        Backend::Sqlite { pool, .. } => read_rows::<sqlx::Sqlite>(pool, sql, t).await,
        Backend::Postgres { pool } => read_rows::<sqlx::Postgres>(pool, sql, t).await,
    }
}

async fn read_rows<DB: Dialect>(
    pool: &sqlx::Pool<DB>,
    sql: String,
    t: &Table,
) -> Result<Vec<Vec<Value>>, CopyError>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> Option<i64>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<bool>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<String>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<Vec<u8>>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<f64>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<NaiveDate>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    let mut conn = pool.acquire().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(t.columns.len());
        for (i, (_, kind)) in t.columns.iter().enumerate() {
            let v = match kind {
                Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
                Kind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
                Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Value::Text),
                Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
                Kind::Float => row.try_get::<Option<f64>, _>(i)?.map(Value::Float),
                Kind::Time => row
                    .try_get::<Option<DateTime<Utc>>, _>(i)?
                    // PostgreSQL keeps microseconds: the copy and its check
                    // hold times at that precision on both sides.
                    .map(|t| Value::Time(truncate_to_micros(t))),
                Kind::Date => row.try_get::<Option<NaiveDate>, _>(i)?.map(Value::Date),
            };
            values.push(v.unwrap_or(Value::Null));
        }
        out.push(values);
    }
    Ok(out)
}

fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Write every table into `to` in one transaction, its triggers off.
async fn write_all(from: &Store, to: &Store, tables: &[Table]) -> Result<(), CopyError> {
    match &to.backend {
        Backend::Postgres { pool } => {
            let mut tx = pool.begin().await?;
            for t in tables {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER TABLE {} DISABLE TRIGGER USER",
                    quoted(&t.name)
                )))
                .execute(&mut *tx)
                .await?;
            }
            for t in tables {
                let rows = read(from, t).await?;
                insert::<sqlx::Postgres>(&mut tx, t, &rows).await?;
                // Identity columns go on from the largest id copied.
                for (c, _) in t.columns.iter().filter(|(_, k)| *k == Kind::Int) {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT setval(s, GREATEST((SELECT MAX({c}) FROM {t}), 1))
                         FROM pg_get_serial_sequence('{tn}', '{cn}') AS s WHERE s IS NOT NULL",
                        c = quoted(c),
                        t = quoted(&t.name),
                        tn = t.name.replace('\'', "''"),
                        cn = c.replace('\'', "''"),
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for t in tables {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER TABLE {} ENABLE TRIGGER USER",
                    quoted(&t.name)
                )))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        Backend::Sqlite { writer, .. } => {
            let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
            // SQLite cannot switch triggers off: they are dropped for the
            // copy and made again from their own text before it commits
            // (DDL is transactional in SQLite), so nothing is counted twice
            // and the derived tables hold exactly the source's rows.
            let triggers: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (name, _) in &triggers {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP TRIGGER {}",
                    quoted(name)
                )))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("PRAGMA defer_foreign_keys = ON")
                .execute(&mut *tx)
                .await?;
            for t in tables {
                let rows = read(from, t).await?;
                insert::<sqlx::Sqlite>(&mut tx, t, &rows).await?;
            }
            for (_, sql) in triggers {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

async fn insert<DB: Dialect>(
    tx: &mut sqlx::Transaction<'static, DB>,
    t: &Table,
    rows: &[Vec<Value>],
) -> Result<(), CopyError>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<bool>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<f64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<NaiveDate>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    let cols = t
        .columns
        .iter()
        .map(|(c, _)| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q =
            sqlx::QueryBuilder::<DB>::new(format!("INSERT INTO {} ({cols}) ", quoted(&t.name)));
        q.push_values(chunk, |mut b, row| {
            for (v, (_, kind)) in row.iter().zip(&t.columns) {
                match (v, kind) {
                    (Value::Int(v), _) => b.push_bind(Some(*v)),
                    (Value::Bool(v), _) => b.push_bind(Some(*v)),
                    (Value::Text(v), _) => b.push_bind(Some(v.clone())),
                    (Value::Bytes(v), _) => b.push_bind(Some(v.clone())),
                    (Value::Float(v), _) => b.push_bind(Some(*v)),
                    (Value::Time(v), _) => b.push_bind(Some(*v)),
                    (Value::Date(v), _) => b.push_bind(Some(*v)),
                    // A NULL typed as its column, which PostgreSQL needs.
                    (Value::Null, Kind::Int) => b.push_bind(None::<i64>),
                    (Value::Null, Kind::Bool) => b.push_bind(None::<bool>),
                    (Value::Null, Kind::Text) => b.push_bind(None::<String>),
                    (Value::Null, Kind::Bytes) => b.push_bind(None::<Vec<u8>>),
                    (Value::Null, Kind::Float) => b.push_bind(None::<f64>),
                    (Value::Null, Kind::Time) => b.push_bind(None::<DateTime<Utc>>),
                    (Value::Null, Kind::Date) => b.push_bind(None::<NaiveDate>),
                };
            }
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Rows and SHA-256 of table `t` in `store`.
async fn digest(store: &Store, t: &Table) -> Result<(u64, String), CopyError> {
    let rows = read(store, t).await?;
    let mut h = Sha256::new();
    for row in &rows {
        for v in row {
            v.hash_into(&mut h);
        }
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((rows.len() as u64, hex))
}
