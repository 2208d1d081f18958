//! Two backends behind one store (issue 18): SQLite, the embedded default,
//! and PostgreSQL for several instances sharing one database.
//!
//! Every statement is written once. A store function receives a
//! [`Conn`] (a pooled connection or a transaction of either backend) and
//! runs its statements inside [`on!`](crate::store::db::on), which expands
//! the same code once per backend with the connection typed accordingly;
//! the query functions here ([`query`], [`query_as`], [`query_scalar`])
//! are sqlx's, with the SQL text given to each backend in its own
//! spelling:
//!
//! - a `&'static str` written with SQLite's `?` placeholders goes to
//!   SQLite as it is and to PostgreSQL with each `?` numbered `$1`, `$2`, …
//!   (translated once per text and kept: [`numbered`]);
//! - [`Sql::each`] gives the two backends different texts where their SQL
//!   differs (the database's clock, JSON, blob slices: see
//!   `docs/postgres-dialect.md`);
//!
//! Everything else (binds, row types, enumerated columns) is sqlx's own,
//! and a type stored in a column implements sqlx's traits for both.

use sqlx::pool::PoolConnection;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{AssertSqlSafe, Database, FromRow, PgConnection, Postgres, Sqlite, SqliteConnection};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A backend: how it wants a statement's text.
pub trait Dialect: Database {
    /// Whether this is PostgreSQL (for the rare branch in Rust rather than
    /// in SQL, such as reading an inserted row's id).
    const POSTGRES: bool;

    /// The text to send for `sql`.
    fn text(sql: Sql) -> AssertSqlSafe<std::borrow::Cow<'static, str>>;
}

impl Dialect for Sqlite {
    const POSTGRES: bool = false;

    fn text(sql: Sql) -> AssertSqlSafe<std::borrow::Cow<'static, str>> {
        AssertSqlSafe(match sql {
            Sql::Same(s) | Sql::Each { sqlite: s, .. } => std::borrow::Cow::Borrowed(s),
        })
    }
}

impl Dialect for Postgres {
    const POSTGRES: bool = true;

    fn text(sql: Sql) -> AssertSqlSafe<std::borrow::Cow<'static, str>> {
        AssertSqlSafe(match sql {
            Sql::Same(s) => std::borrow::Cow::Borrowed(numbered(s)),
            Sql::Each { postgres, .. } => std::borrow::Cow::Borrowed(numbered(postgres)),
        })
    }
}

/// A statement's text, for either backend.
#[derive(Debug, Clone)]
pub enum Sql {
    /// One text for both (SQLite's `?` placeholders).
    Same(&'static str),
    /// A text per backend, each with `?` placeholders.
    Each {
        /// SQLite's.
        sqlite: &'static str,
        /// PostgreSQL's.
        postgres: &'static str,
    },
}

impl Sql {
    /// A text per backend.
    pub const fn each(sqlite: &'static str, postgres: &'static str) -> Sql {
        Sql::Each { sqlite, postgres }
    }
}

impl From<&'static str> for Sql {
    fn from(s: &'static str) -> Sql {
        Sql::Same(s)
    }
}

/// sqlx's `query` with the text in `DB`'s spelling.
pub fn query<'a, DB: Dialect>(sql: impl Into<Sql>) -> Query<'a, DB, <DB as Database>::Arguments> {
    sqlx::query(DB::text(sql.into()))
}

/// sqlx's `query_as` with the text in `DB`'s spelling.
pub fn query_as<'a, DB, O>(sql: impl Into<Sql>) -> QueryAs<'a, DB, O, <DB as Database>::Arguments>
where
    DB: Dialect,
    O: for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_as(DB::text(sql.into()))
}

/// sqlx's `query_scalar` with the text in `DB`'s spelling.
pub fn query_scalar<'a, DB, O>(
    sql: impl Into<Sql>,
) -> QueryScalar<'a, DB, O, <DB as Database>::Arguments>
where
    DB: Dialect,
    (O,): for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(DB::text(sql.into()))
}

/// `sql` with its `?` placeholders numbered `$1`, `$2`, … for PostgreSQL,
/// translated once per static text (the store's statements are a fixed
/// set, so what is kept is bounded).
pub fn numbered(sql: &'static str) -> &'static str {
    static DONE: OnceLock<Mutex<HashMap<(usize, usize), &'static str>>> = OnceLock::new();
    if !sql.contains('?') {
        return sql;
    }
    let key = (sql.as_ptr() as usize, sql.len());
    let done = DONE.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked while inserting:
    // the map is still a valid cache.
    let mut map = done.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(key)
        .or_insert_with(|| Box::leak(number_placeholders(sql).into_boxed_str()))
}

/// Number every `?` outside quotes, `--` comments and `/* */` comments.
pub fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // To the closing quote; a doubled quote is an escaped one
                // and simply closes and reopens.
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                let mut star = false;
                for d in chars.by_ref() {
                    out.push(d);
                    if star && d == '/' {
                        break;
                    }
                    star = d == '*';
                }
            }
            '?' => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// A connection of either backend: pooled, or holding a transaction.
/// Store functions that run in the caller's unit of work take `&mut Conn`.
#[derive(Debug)]
pub enum Conn {
    /// A SQLite transaction.
    SqliteTx(sqlx::Transaction<'static, Sqlite>),
    /// A pooled SQLite connection.
    SqlitePooled(PoolConnection<Sqlite>),
    /// A PostgreSQL transaction.
    PgTx(sqlx::Transaction<'static, Postgres>),
    /// A pooled PostgreSQL connection.
    PgPooled(PoolConnection<Postgres>),
}

/// The connection underneath a [`Conn`], typed by backend: what [`on!`]
/// matches on.
#[derive(Debug)]
pub enum Db<'c> {
    /// SQLite.
    Sqlite(&'c mut SqliteConnection),
    /// PostgreSQL.
    Pg(&'c mut PgConnection),
}

impl Conn {
    /// The connection underneath, by backend.
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Conn::SqliteTx(t) => Db::Sqlite(&mut *t),
            Conn::SqlitePooled(c) => Db::Sqlite(&mut *c),
            Conn::PgTx(t) => Db::Pg(&mut *t),
            Conn::PgPooled(c) => Db::Pg(&mut *c),
        }
    }

    /// Whether this is a PostgreSQL connection.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::PgTx(_) | Conn::PgPooled(_))
    }
}

/// A unit of work on the store: begun by [`Store::begin`](super::Store::begin),
/// passed to the store's functions as `&mut tx` (it derefs to [`Conn`]),
/// ended by [`Tx::commit`] or [`Tx::rollback`] (or rolled back when dropped).
#[derive(Debug)]
pub struct Tx(Conn);

impl Tx {
    /// A SQLite transaction.
    pub(crate) fn sqlite(t: sqlx::Transaction<'static, Sqlite>) -> Tx {
        Tx(Conn::SqliteTx(t))
    }

    /// A PostgreSQL transaction.
    pub(crate) fn postgres(t: sqlx::Transaction<'static, Postgres>) -> Tx {
        Tx(Conn::PgTx(t))
    }

    /// Make everything written in it permanent.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::SqliteTx(t) => t.commit().await,
            Conn::PgTx(t) => t.commit().await,
            // `Tx` is only made from a transaction.
            Conn::SqlitePooled(_) | Conn::PgPooled(_) => Ok(()),
        }
    }

    /// Undo everything written in it.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Conn::SqliteTx(t) => t.rollback().await,
            Conn::PgTx(t) => t.rollback().await,
            Conn::SqlitePooled(_) | Conn::PgPooled(_) => Ok(()),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// Run `body` on the connection under `conn` (a `&mut Conn`, a `Tx` or a
/// `Conn`), written once and compiled once per backend with `c` bound to
/// `&mut SqliteConnection` or `&mut PgConnection`. The body's value must
/// have the same type for both (read `rows_affected()` rather than
/// returning a backend's query result).
macro_rules! on {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn.db() {
            $crate::store::db::Db::Sqlite($c) => $body,
            $crate::store::db::Db::Pg($c) => $body,
        }
    };
}
pub(crate) use on;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes_and_comments() {
        assert_eq!(
            number_placeholders("SELECT a FROM t WHERE b = ? AND c = '?' AND \"d?\" = ? -- e?\n AND f IN (?, ?) /* ? */"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND \"d?\" = $2 -- e?\n AND f IN ($3, $4) /* ? */"
        );
        assert_eq!(number_placeholders("it''s ?"), "it''s $1");
        assert_eq!(number_placeholders("'it''s ?' ?"), "'it''s ?' $1");
    }

    #[test]
    fn a_static_text_is_translated_once() {
        const Q: &str = "UPDATE t SET a = ? WHERE id = ?";
        let first = numbered(Q);
        assert_eq!(first, "UPDATE t SET a = $1 WHERE id = $2");
        assert!(std::ptr::eq(first, numbered(Q)));
        assert!(
            std::ptr::eq(numbered("SELECT 1"), "SELECT 1") || numbered("SELECT 1") == "SELECT 1"
        );
    }
}
