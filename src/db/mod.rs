//! The database: one connection type over SQLite and PostgreSQL, picked from the URL.
//!
//! Backend-specific SQL stays in this module (pragmas, transaction start); everything else
//! is written once against [`DbConn`].

pub mod models;
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

/// Per-connection settings SQLite needs on every connection, not once per file.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
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

pub fn connect_pool(url: &str, max_size: u32) -> anyhow::Result<DbPool> {
    init_tls();
    // A new SQLite database is created owner-only; its -wal and -shm files take its mode.
    if Backend::from_url(url) == Backend::Sqlite && !url.starts_with("file:") && url != ":memory:" {
        crate::private_files::ensure_file(std::path::Path::new(url))?;
    }
    let manager = ConnectionManager::<DbConn>::new(url);
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(5))
        .connection_customizer(Box::new(SqlitePragmas))
        .event_handler(Box::new(PoolEvents))
        .build(manager)?;
    Ok(pool)
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

/// Applies pending migrations, then fills in the data a new migration's tables derive
/// from existing rows; returns the versions applied now.
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied: Vec<String> = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
    .iter()
    .map(|v| v.to_string())
    .collect();
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

/// Runs `f` in one write transaction. On SQLite the transaction takes the write lock up
/// front (`BEGIN IMMEDIATE`): a deferred one that reads and then writes can fail with
/// SQLITE_BUSY under concurrency without waiting for the busy timeout.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Postgres(_) => conn.transaction(f),
        DbConn::Sqlite(_) => {
            if let DbConn::Sqlite(c) = conn {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
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
