//! The database: one connection type over SQLite and PostgreSQL, picked from the URL.
//!
//! Backend-specific SQL stays in this module (pragmas, transaction start); everything else
//! is written once against [`DbConn`].

pub mod models;
pub mod one_of;
pub mod schema;
pub mod sql_types;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Per-connection settings: SQLite's that hold per connection (the journal mode is the
/// file's and set once, in `first_connection`); PostgreSQL's message language and plan
/// caching.
#[derive(Debug)]
struct ConnectionSettings;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSettings {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                 PRAGMA synchronous = NORMAL;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        if let DbConn::Postgres(c) = conn {
            // Deadlocks are recognised by their message (see `is_transient`): ask for the
            // untranslated messages. Only a superuser, or a role granted `SET ON PARAMETER
            // lc_messages` (PostgreSQL 15+), may; refused, the server's language stays.
            let _ = c.batch_execute("SET lc_messages TO 'C'");
            // diesel prepares each statement once per connection. For a statement with a
            // `LIMIT $1` (every list page) or a date range, PostgreSQL's own choice was a
            // new plan for every call, because its plan for unknown values looks dearer:
            // on the applications list planning cost more than running the query (1.35
            // against 0.94-1.07 ms of CPU a page with one plan kept, issue #19). Our
            // statements look rows up by key or walk an index in order, which one plan
            // serves for any value. (PostgreSQL 12+; an older server keeps its default.)
            let _ = c.batch_execute("SET plan_cache_mode TO force_generic_plan");
        }
        Ok(())
    }
}

/// Feeds the pool's waits into the metrics (`/metrics`).
#[derive(Debug)]
struct PoolEvents;

impl diesel::r2d2::event::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        crate::telemetry::observe_pool_wait(event.duration());
    }

    fn handle_timeout(&self, _event: diesel::r2d2::event::TimeoutEvent) {
        crate::telemetry::count_pool_timeout();
    }
}

/// Initialises OpenSSL without its exit handler; call before the first PostgreSQL
/// connection (every pool does).
///
/// libpq initialises OpenSSL on its first TLS connection (`sslmode=prefer` is the default),
/// and OpenSSL then registers `OPENSSL_cleanup` with `atexit`. When the process exits while
/// another thread is inside libpq's TLS code (a pool reconnecting in the background, a
/// worker mid-query), that thread uses the state the handler is freeing: "double free or
/// corruption" or a segfault at exit. Initialised first with `OPENSSL_INIT_NO_ATEXIT` (what
/// `openssl_sys::init` does), OpenSSL leaves its memory to the operating system instead.
pub fn init_tls() {
    openssl_sys::init();
}

/// The PostgreSQL URL to connect with: on the loopback interface, TLS off unless the URL
/// or `PGSSLMODE` asks for a mode (`sslmode_set`). libpq's default, `prefer`, encrypts
/// whenever the server offers TLS (Debian's does, with its snake-oil certificate), and on
/// loopback that protects nothing while costing both sides: 10-17 % of the requests a
/// list page answers at national scale (issue #19). Any other host, a socket path, or a
/// URL this cannot read is used as given.
pub fn with_loopback_tls_off(url: &str, sslmode_set: bool) -> std::borrow::Cow<'_, str> {
    let loopback = |u: &url::Url| match u.host() {
        // An address is a domain to `url` in a scheme it does not know (postgres:).
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url::Url::parse(url) {
        Ok(u)
            if Backend::from_url(url) == Backend::Postgres
                && !sslmode_set
                && loopback(&u)
                && !u.query_pairs().any(|(k, _)| k == "sslmode" || k == "host")
                && u.fragment().is_none() =>
        {
            let join = if u.query().is_some() { '&' } else { '?' };
            format!("{url}{join}sslmode=disable").into()
        }
        _ => url.into(),
    }
}

pub fn connect_pool(url: &str, max_size: u32) -> anyhow::Result<DbPool> {
    init_tls();
    let url = &*with_loopback_tls_off(url, std::env::var_os("PGSSLMODE").is_some());
    // A new SQLite database is created owner-only; its -wal and -shm files take its mode.
    if Backend::from_url(url) == Backend::Sqlite && !url.starts_with("file:") && url != ":memory:" {
        crate::private_files::ensure_file(std::path::Path::new(url))?;
    }
    // One connection first, with the backend's own error: the pool would try every slot
    // and report each failure as an unusable URL, never the cause.
    first_connection(url)?;
    let manager = ConnectionManager::<DbConn>::new(url);
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(5))
        // No `SELECT 1` before each checkout: it was a third of a small page's round trips
        // on PostgreSQL. A connection that fails is marked broken by diesel and dropped
        // when it comes back to the pool.
        .test_on_check_out(false)
        .connection_customizer(Box::new(ConnectionSettings))
        .event_handler(Box::new(PoolEvents))
        .build(manager)?;
    Ok(pool)
}

/// Opens one connection with the backend the URL names, so a failure says why (refused,
/// unknown host, unknown database, authentication, TLS) in one line.
///
/// SQLite's write-ahead log is a property of the file, switched on here once: set on every
/// pooled connection, the switch wants a lock that a long write (a seed, a migration)
/// holds, and the pool's background connects then fail with "database is locked".
fn first_connection(url: &str) -> anyhow::Result<()> {
    let one_line_error =
        |e: &dyn std::fmt::Display| anyhow::anyhow!("{}", one_line(&e.to_string()));
    match Backend::from_url(url) {
        Backend::Postgres => PgConnection::establish(url)
            .map(drop)
            .map_err(|e| one_line_error(&e)),
        Backend::Sqlite => {
            let mut c = SqliteConnection::establish(url).map_err(|e| one_line_error(&e))?;
            // `optimize` gathers the planner's statistics where they are missing or stale
            // (sampling at most 1,000 rows an index, so it stays quick on a large file).
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;",
            )
            .map_err(|e| one_line_error(&e))
        }
    }
}

/// Gathers the query planner's statistics after a bulk load. Without them both planners
/// guess: SQLite scanned every active application to count an assessor's 120 seats
/// (1.7 ms against 0.3 ms) until its next start-up's `optimize`, PostgreSQL until
/// autovacuum came round. On PostgreSQL a vacuum first marks the loaded pages all-visible,
/// so that index-only scans (the task list's) need not visit the table for each row.
/// Outside a transaction (VACUUM refuses to run in one).
pub fn analyze(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("ANALYZE"),
        DbConn::Postgres(c) => c.batch_execute("VACUUM (ANALYZE)"),
    }
}

/// libpq's messages span lines (a hint on the second); a log line is one line.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn backend(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Sqlite(_) => Backend::Sqlite,
        DbConn::Postgres(_) => Backend::Postgres,
    }
}

/// The migration that introduced the report's summaries, which existing applications
/// need filled in once.
const REPORT_SUMMARIES_MIGRATION: &str = "20261204000010";

/// Any number of instances may start together on one database: the first to take the
/// migration lock applies what is pending, the others wait and find nothing left to do.
const MIGRATION_LOCK: i64 = 0x6365_7274_6361_7365; // "certcase"

/// Applies pending migrations under a lock, then fills in the data a new migration's
/// tables derive from existing rows; returns the versions applied now.
///
/// PostgreSQL: a session advisory lock (diesel's own first statement, creating its
/// bookkeeping table, already races without it). SQLite: one `BEGIN IMMEDIATE`
/// transaction around them all (diesel's per-migration transactions nest as savepoints),
/// so a second process waits on the write lock under the busy timeout.
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied: Vec<String> = match conn {
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                .map_err(|e| anyhow::anyhow!("cannot take the migration lock: {e}"))?;
            let outcome = c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>());
            match outcome {
                Ok(v) => {
                    AnsiTransactionManager::commit_transaction(c)?;
                    Ok(v)
                }
                Err(e) => {
                    AnsiTransactionManager::rollback_transaction(c)?;
                    Err(e)
                }
            }
        }
        DbConn::Postgres(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| anyhow::anyhow!("cannot take the migration lock: {e}"))?;
            let outcome = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            outcome
        }
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    if applied.iter().any(|v| v == REPORT_SUMMARIES_MIGRATION) {
        write_tx(conn, models::reports::refresh_all)
            .map_err(|e| anyhow::anyhow!("filling in the report summaries failed: {e}"))?;
    }
    Ok(applied)
}

/// The newest migration applied to this database, if any.
pub fn migration_version(conn: &mut DbConn) -> anyhow::Result<Option<String>> {
    let versions = match conn {
        DbConn::Sqlite(c) => c.applied_migrations(),
        DbConn::Postgres(c) => c.applied_migrations(),
    }
    .map_err(|e| anyhow::anyhow!("cannot read migrations: {e}"))?;
    Ok(versions.iter().map(|v| v.to_string()).max())
}

/// How many times a write transaction runs before a transient failure reaches the caller.
const TX_ATTEMPTS: u32 = 5;

/// Write transactions this process has committed (outermost ones, after their commit).
static COMMITTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many write transactions this process has committed so far: a cache of database
/// reads that sees this number change knows its own process may have changed what it
/// read (`workflow::callers`). Every change made through [`write_tx`] counts, whichever
/// connection, pool or server of the process made it.
pub fn committed_writes() -> u64 {
    COMMITTED.load(std::sync::atomic::Ordering::Acquire)
}

/// An error a write transaction can end with: it must carry diesel's errors, and say
/// which diesel error it is, so a transient one can be retried.
pub trait TxError: From<diesel::result::Error> {
    fn database_error(&self) -> Option<&diesel::result::Error>;
}

impl TxError for diesel::result::Error {
    fn database_error(&self) -> Option<&diesel::result::Error> {
        Some(self)
    }
}

/// Failures that another transaction caused and that running the whole transaction again
/// resolves: PostgreSQL's serialization failures (40001) and deadlocks (40P01), SQLite's
/// busy lock, and unique violations (two requests inserting the same row at once: run
/// again, the later one sees the earlier one's row and answers as the use case says,
/// e.g. "already exists" or "nothing changed").
pub fn is_transient(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(kind, info) => match kind {
            DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::UniqueViolation => true,
            // diesel 2.3 keeps PostgreSQL's SQLSTATE to itself (it maps 40001, not 40P01,
            // to a kind, and its error information type is private), so a deadlock is
            // known by its message: English, since every connection asks for untranslated
            // messages (`ConnectionSettings`, where the role may set `lc_messages`).
            _ => {
                let m = info.message();
                m.contains("deadlock detected") || m.contains("database is locked")
            }
        },
        _ => false,
    }
}

/// Runs `f` in one write transaction, again (up to [`TX_ATTEMPTS`] times, after a short
/// pause) when it fails for a transient reason ([`is_transient`]): `f` must only write
/// through `conn`, so a rolled-back attempt left nothing behind. Nested in another
/// transaction it runs once (the outer one is retried as a whole).
///
/// On SQLite the transaction takes the write lock up front (`BEGIN IMMEDIATE`): a
/// deferred one that reads and then writes can fail with SQLITE_BUSY under concurrency
/// without waiting for the busy timeout.
pub fn write_tx<T, E, F>(conn: &mut DbConn, mut f: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: TxError,
{
    let outermost = transaction_depth(conn)? == 0;
    let mut attempt = 1;
    loop {
        let result = write_tx_once(conn, &mut f);
        match result {
            Err(e)
                if outermost
                    && attempt < TX_ATTEMPTS
                    && e.database_error().is_some_and(is_transient) =>
            {
                tracing::info!(attempt, error = %e.database_error().map(ToString::to_string).unwrap_or_default(), "transaction retried");
                std::thread::sleep(retry_pause(attempt));
                attempt += 1;
            }
            other => {
                if outermost && other.is_ok() {
                    COMMITTED.fetch_add(1, std::sync::atomic::Ordering::Release);
                }
                return other;
            }
        }
    }
}

fn transaction_depth(conn: &mut DbConn) -> Result<u32, diesel::result::Error> {
    let status = match conn {
        DbConn::Postgres(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    Ok(status.transaction_depth()?.map_or(0, |d| d.get()))
}

/// A few milliseconds, growing, with jitter so the requests that collided spread out.
fn retry_pause(attempt: u32) -> Duration {
    use rand::Rng;
    let base = 5u64 << attempt.min(5);
    Duration::from_millis(base + rand::thread_rng().gen_range(0..base))
}

fn write_tx_once<T, E, F>(conn: &mut DbConn, f: &mut F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: TxError,
{
    match conn {
        DbConn::Postgres(_) => conn.transaction(f),
        DbConn::Sqlite(_) => {
            // Nested in another transaction (a use case that joins another's, e.g. a
            // surveillance's outcome taking the certificate decision): a savepoint.
            let nested = transaction_depth(conn)? > 0;
            if let DbConn::Sqlite(c) = conn {
                if nested {
                    AnsiTransactionManager::begin_transaction(c)?;
                } else {
                    AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
                }
            }
            let result = f(conn);
            let DbConn::Sqlite(c) = conn else {
                unreachable!()
            };
            match result {
                Ok(value) => {
                    AnsiTransactionManager::commit_transaction(c)?;
                    Ok(value)
                }
                Err(e) => {
                    AnsiTransactionManager::rollback_transaction(c)?;
                    Err(e)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_loopback_tls_off;

    #[test]
    fn tls_is_turned_off_on_loopback_only_when_nothing_asks_for_a_mode() {
        let off = |url: &str| with_loopback_tls_off(url, false).into_owned();
        for (given, used) in [
            (
                "postgres://postgres@127.0.0.1:5432/db",
                "postgres://postgres@127.0.0.1:5432/db?sslmode=disable",
            ),
            (
                "postgresql://u:p@localhost/db",
                "postgresql://u:p@localhost/db?sslmode=disable",
            ),
            (
                "postgres://u@[::1]:5433/db?connect_timeout=3",
                "postgres://u@[::1]:5433/db?connect_timeout=3&sslmode=disable",
            ),
            (
                "postgres://u@127.0.0.2/db",
                "postgres://u@127.0.0.2/db?sslmode=disable",
            ),
        ] {
            assert_eq!(off(given), used);
        }
        for kept in [
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@db.internal:5432/db",
            "postgres://u@10.0.0.5/db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://u@localhost/db?host=/tmp",
            "/var/lib/certcase/certcase.db",
            "file:certcase.db?mode=rwc",
            "postgres://not a url",
        ] {
            assert_eq!(off(kept), kept);
        }
        let url = "postgres://u@127.0.0.1/db";
        assert_eq!(with_loopback_tls_off(url, true), url, "PGSSLMODE decides");
    }
}
