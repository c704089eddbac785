//! Builds the application: pool, migrations, catalog, templates, and the route table.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::Server;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::routes::{endpoints, Endpoint};
use crate::telemetry::{self, RequestSpan};
use crate::web::{compress, finish, guard, render, visitor, AppState};
use crate::workflow::catalog;

/// Opens the database with `size` connections; a failure names the database (its
/// password hidden) and the cause, in one line.
pub fn connect(config: &Config, size: u32) -> anyhow::Result<DbPool> {
    db::connect_pool(&config.database_url, size).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database {}: {e}",
            crate::config::redact_url(&config.database_url)
        )
    })
}

/// Opens the database, applies migrations, loads the catalog and signs the credentials of
/// certificates that lack one.
pub fn prepare(config: &Config) -> anyhow::Result<DbPool> {
    let pool = connect(config, config.pool_size)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    // Evidence: uploads a crash interrupted leave temporary files only; sweep them.
    let swept = crate::storage::sweep_temp(&config.data_dir)?;
    if swept > 0 {
        tracing::info!(files = swept, "evidence: removed unfinished uploads");
    }
    let seeded = crate::workflow::calendars::seed_missing(&mut conn)?;
    if !seeded.is_empty() {
        tracing::info!(years = ?seeded, "calendars: added the shipped public holidays");
    }
    let files = match &config.catalog_dir {
        Some(dir) => catalog::read_dir(dir)?,
        None => catalog::built_in_files(),
    };
    for outcome in catalog::load(&mut conn, &files)? {
        if let catalog::Outcome::NewVersion { code, version, .. } = outcome {
            tracing::info!(model = %code, version, "catalog: loaded a new model version");
        }
    }
    // Credentials: certificates issued before they existed get theirs once, here, so that
    // reading one never writes. A no-op (one query) once done.
    let issuer = crate::workflow::certificates::Issuer {
        data_dir: config.data_dir.clone(),
        base_url: config.base_url.clone(),
    };
    let made = crate::workflow::credentials::backfill(&mut conn, &issuer)
        .map_err(|e| anyhow::anyhow!("credentials: the backfill failed: {e}"))?;
    if made > 0 {
        tracing::info!(certificates = made, "credentials: signed the missing ones");
    }
    Ok(pool)
}

pub fn state(config: Config, pool: DbPool) -> anyhow::Result<AppState> {
    // Evidence: the configured storage.
    let evidence = Arc::new(crate::storage::Evidence::new(
        &config.data_dir,
        &config.evidence,
    )?);
    let templates = Arc::new(render::templates(config.display_timezone)?);
    let passwords = Arc::new(crate::auth::PasswordPool::new(
        config.sign_ins.threads,
        config.sign_ins.queue,
    ));
    let callers = Arc::new(crate::workflow::callers::CallerCache::new(
        config.operations.caller_recheck,
    ));
    let rounds = Arc::new(crate::workflow::recent::Recent::new(
        config.operations.caller_recheck,
    ));
    Ok(AppState {
        callers,
        rounds,
        passwords,
        evidence,
        uploads: Arc::new(crate::web::upload::Uploads::new(config.uploads.clone())),
        pool,
        backend: config.backend(),
        config: Arc::new(config),
        templates,
        calendars: Arc::new(crate::workflow::calendars::Store),
        model_docs: Arc::default(),
        report_pages: Arc::default(),
        reports: Arc::default(),
        proposals: Arc::default(),
        issuance_log: Arc::default(),
    })
}

/// Registers every endpoint with its access guard, grouping methods that share a path;
/// another method on that path answers 405 with the path's methods in `Allow`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut by_path: BTreeMap<&'static str, Vec<Endpoint>> = BTreeMap::new();
    for e in endpoints() {
        by_path.entry(e.path).or_default().push(e);
    }
    for (path, group) in by_path {
        let allowed: Vec<Method> = group.iter().map(|e| e.method.clone()).collect();
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allowed = allowed.clone();
            async move { finish::method_not_allowed(&allowed) }
        }));
        for e in group {
            let access = e.access;
            resource = resource
                .route((e.route)().wrap(from_fn(move |req, next| guard::check(access, req, next))));
        }
        cfg.service(resource);
    }
}

/// Largest JSON body an API call may send.
const JSON_LIMIT: usize = 1 << 20;

/// The application with its middleware, for the server and for in-process tests/benches.
pub fn build_app(
    data: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(data)
        .app_data(
            web::JsonConfig::default()
                .limit(JSON_LIMIT)
                .error_handler(|e, _| finish::body_input(e, JSON_LIMIT)),
        )
        .app_data(
            web::FormConfig::default()
                .limit(guard::FORM_LIMIT)
                .error_handler(|e, _| finish::body_input(e, guard::FORM_LIMIT)),
        )
        .app_data(web::QueryConfig::default().error_handler(|e, _| finish::bad_input(e)))
        // A path segment that does not parse (a malformed id) names nothing: it answers as an
        // unknown id does.
        .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .app_data(web::PayloadConfig::default().limit(4 << 20))
        .configure(configure)
        .default_service(web::to(finish::not_found))
        .wrap(from_fn(visitor::identify))
        .wrap(from_fn(telemetry::record_error))
        .wrap(from_fn(finish::finish))
        .wrap(from_fn(compress::compress))
        .wrap(Compress::default())
        .wrap(from_fn(compress::unmark))
        .wrap(TracingLogger::<RequestSpan>::new())
}

/// Blocking threads per worker beyond the pool's connections: database work waits for a
/// connection anyway, so more threads than connections only add memory; the few extra
/// are for work that needs no connection (PDF and spreadsheet rendering, file checks).
/// Passwords are hashed on their own threads (`auth::PasswordPool`), never here.
const EXTRA_BLOCKING_THREADS: usize = 4;

/// Sends each write at once. A compressed page goes out in several writes (head, then the
/// body's chunks); with Nagle's algorithm on, the last small write waits for the client's
/// delayed ACK, and every such page on a kept-alive connection took 40 ms more.
fn no_delay(connection: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set: {e}");
        }
    }
}

/// The server. On SIGTERM or SIGINT it stops accepting connections and lets requests in
/// flight finish for up to `shutdown_timeout_seconds` before it closes what is left.
///
/// Blocking threads per worker: see `EXTRA_BLOCKING_THREADS`.
pub fn run(listener: TcpListener, state: AppState, workers: usize) -> anyhow::Result<Server> {
    let shutdown_timeout = state.config.operations.shutdown_timeout.as_secs();
    let blocking = state.config.pool_size as usize + EXTRA_BLOCKING_THREADS;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || build_app(data.clone()))
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .on_connect(no_delay)
        .shutdown_timeout(shutdown_timeout)
        .listen(listener)?
        .run();
    Ok(server)
}
