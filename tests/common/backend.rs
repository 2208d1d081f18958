//! The database the tests run on, chosen by the environment (issue 18: every
//! embedded and end-to-end test runs on both backends, one test binary):
//!
//! - `COMPLAINTD_TEST_BACKEND` unset or `sqlite`: a SQLite file in the test's
//!   directory;
//! - `COMPLAINTD_TEST_BACKEND=postgres`: a fresh database per test on the
//!   throw-away cluster `scripts/postgres start` runs (its environment file,
//!   `$PG_DIR/pg.env`, says where), made by `scripts/postgres createdb`.
//!
//! A test that pokes the database directly (to tamper with a row, or to read
//! what the store keeps) opens it with [`RawDb::open`] and writes its SQL
//! with `$1` placeholders, which both backends bind by number.

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The backend of this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file per test.
    Sqlite,
    /// A PostgreSQL database per test.
    Postgres,
}

/// The backend `COMPLAINTD_TEST_BACKEND` names (an unknown name is a
/// failure, never a silent fall-back).
pub fn backend() -> Backend {
    match std::env::var("COMPLAINTD_TEST_BACKEND").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("COMPLAINTD_TEST_BACKEND={other}: expected sqlite or postgres"),
    }
}

/// The repository's root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What `scripts/postgres start` wrote: the cluster's URL (for its own
/// database) and the password file.
struct Cluster {
    url: String,
    password_file: PathBuf,
}

fn cluster() -> Cluster {
    let dir = std::env::var("PG_DIR").unwrap_or_else(|_| "/tmp/complaintd-pg".to_string());
    let env_file = Path::new(&dir).join("pg.env");
    let text = std::fs::read_to_string(&env_file).unwrap_or_else(|e| {
        panic!(
            "COMPLAINTD_TEST_BACKEND=postgres but {} cannot be read ({e}): run scripts/postgres start",
            env_file.display()
        )
    });
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_string())
            .unwrap_or_else(|| panic!("{} has no {key}", env_file.display()))
    };
    Cluster {
        url: get("PG_URL"),
        password_file: PathBuf::from(get("PG_PASSWORD_FILE")),
    }
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("a database URL ends in /DATABASE");
    format!("{}/{name}{query}", &base[..cut])
}

/// A fresh, empty PostgreSQL database for one test; its URL.
pub fn fresh_postgres_database() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        // Two runs of the same binary may reuse a pid on a long-lived cluster.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let out = Command::new(root().join("scripts/postgres"))
        .args(["createdb", &name])
        .output()
        .expect("run scripts/postgres createdb");
    assert!(
        out.status.success(),
        "scripts/postgres createdb {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    with_database(&cluster().url, &name)
}

/// The `[store]` section of a test's configuration in `dir` (without the
/// header), on this run's backend. On PostgreSQL the URL is also written to
/// `dir/db.url` for [`RawDb::open`].
pub fn store_section(dir: &Path) -> String {
    match backend() {
        Backend::Sqlite => "path = \"db.sqlite\"\n".to_string(),
        Backend::Postgres => {
            let url = fresh_postgres_database();
            std::fs::write(dir.join("db.url"), &url).expect("write db.url");
            format!(
                "url = \"{url}\"\npassword_file = \"{}\"\n",
                cluster().password_file.display()
            )
        }
    }
}

/// A direct connection to a test's database, for what a test must read or
/// tamper with behind the store's back.
pub enum RawDb {
    /// The test's SQLite file.
    Sqlite(sqlx::SqlitePool),
    /// The test's PostgreSQL database.
    Pg(sqlx::PgPool),
}

impl RawDb {
    /// The database of the test whose configuration is in `dir`.
    pub async fn open(dir: &Path) -> RawDb {
        match backend() {
            Backend::Sqlite => RawDb::Sqlite(
                sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("db.sqlite").display()))
                    .await
                    .expect("open the test's SQLite file"),
            ),
            Backend::Postgres => {
                let url = std::fs::read_to_string(dir.join("db.url")).expect("db.url");
                let password =
                    std::fs::read_to_string(cluster().password_file).expect("password file");
                let opts: sqlx::postgres::PgConnectOptions =
                    url.trim().parse().expect("a PostgreSQL URL");
                RawDb::Pg(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(2)
                        .connect_with(opts.password(password.lines().next().unwrap_or("")))
                        .await
                        .expect("open the test's PostgreSQL database"),
                )
            }
        }
    }

    /// Close the connections.
    pub async fn close(self) {
        match self {
            RawDb::Sqlite(p) => p.close().await,
            RawDb::Pg(p) => p.close().await,
        }
    }
}

/// Run `body` with `p` bound to the raw database's pool, compiled once per
/// backend (write the SQL with `$1` placeholders).
#[macro_export]
macro_rules! raw {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::common::backend::RawDb::Sqlite($p) => $body,
            $crate::common::backend::RawDb::Pg($p) => $body,
        }
    };
}

/// One number from the database of the test configured in `dir`, read
/// beside a running daemon from a thread that is not async; 0 while the
/// database or the table it reads does not exist yet.
pub fn count_blocking(dir: &Path, sql: &'static str) -> i64 {
    use sqlx::ConnectOptions;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        match backend() {
            Backend::Sqlite => {
                let db = dir.join("db.sqlite");
                if !db.exists() {
                    return 0;
                }
                let Ok(mut c) = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(db)
                    .read_only(true)
                    .busy_timeout(std::time::Duration::from_secs(5))
                    .connect()
                    .await
                else {
                    return 0;
                };
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap_or(0)
            }
            Backend::Postgres => {
                let db = RawDb::open(dir).await;
                let n = match &db {
                    RawDb::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap_or(0),
                    RawDb::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap_or(0),
                };
                db.close().await;
                n
            }
        }
    })
}

/// The URL of the test's database configured in `dir` (for `store copy`).
pub fn store_url(dir: &Path) -> String {
    match backend() {
        Backend::Sqlite => format!("sqlite://{}", dir.join("db.sqlite").display()),
        Backend::Postgres => std::fs::read_to_string(dir.join("db.url"))
            .expect("db.url")
            .trim()
            .to_string(),
    }
}

/// The cluster's password, for commands that take a bare PostgreSQL URL
/// (`PGPASSWORD`).
pub fn postgres_password() -> String {
    std::fs::read_to_string(cluster().password_file)
        .expect("password file")
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The directory of the cluster `scripts/postgres` runs (`$PG_DIR`).
pub fn cluster_dir() -> String {
    std::env::var("PG_DIR").unwrap_or_else(|_| "/tmp/complaintd-pg".to_string())
}
