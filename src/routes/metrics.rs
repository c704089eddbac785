//! `/metrics`: the Prometheus text format, for the monitoring system only (see
//! `Access::Scraper`). The pool's state and the outbox depth are read at each scrape;
//! requests, waits and the sign-in queue are counted as they happen (`telemetry`).

use std::time::Duration;

use actix_web::{web, HttpResponse};

use crate::web::AppState;
use crate::workflow::queries;

/// How long a scrape waits for a connection to count the outbox; a busy pool must not
/// hold the scrape (the rest is still worth reporting).
const OUTBOX_WAIT: Duration = Duration::from_millis(500);

pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let pool_state = pool.state();
    crate::telemetry::set_pool_state(
        pool_state.connections,
        pool_state.idle_connections,
        pool.max_size(),
    );
    let depth = web::block(move || -> anyhow::Result<i64> {
        let mut conn = pool.get_timeout(OUTBOX_WAIT)?;
        Ok(queries::mail::outbox_depth(&mut conn)?)
    })
    .await;
    match depth {
        Ok(Ok(n)) => crate::telemetry::set_outbox_depth(n),
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: cannot count the outbox"),
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count the outbox"),
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry::render_metrics())
}
