//! Logging: `RUST_LOG` filters, and one line per request when it ends, inside the request
//! span: request id, method, path, route (the matched pattern), user id, status, latency
//! and, for a refusal or error, its message. Lines logged while the request runs carry the
//! same span, so every line can be tied to its request.
//!
//! Metrics for `/metrics` (Prometheus text format) are kept here too: requests by route
//! pattern and status, their latency, database pool waits and state, the outbox depth and
//! the sign-in queue. Set from the request span, the pool's event handler (`db`), the
//! scrape itself and the sign-in pool ([`set_signin_queue`]).

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// The request span, with room for the user id once the visitor is known
/// (`web::visitor`) and for the route, status, latency and error once it ends. Only the
/// path is logged, never the query string or bodies, which may hold tokens or passwords.
pub struct RequestSpan;

/// When the request started, kept in its extensions for the latency.
struct Started(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Started(Instant::now()));
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            request_id = %request_id,
            route = tracing::field::Empty,
            user_id = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            error = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(res) => {
                let request = res.request();
                let route = request.match_pattern();
                if let Some(route) = &route {
                    span.record("route", tracing::field::display(route));
                }
                let elapsed = request
                    .extensions()
                    .get::<Started>()
                    .map(|Started(at)| at.elapsed());
                if let Some(elapsed) = elapsed {
                    span.record("latency_ms", elapsed.as_millis() as u64);
                }
                span.record("status", res.status().as_u16());
                observe_request(
                    request.method().as_str(),
                    route.as_deref(),
                    res.status().as_u16(),
                    elapsed.unwrap_or_default(),
                );
            }
            Err(e) => {
                span.record("error", tracing::field::display(e));
            }
        }
        span.in_scope(|| tracing::info!("request finished"));
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Notes a handler's refusal or error in the request span before the response finisher
/// (`web::finish`) replaces it with a page or problem+json body, which no longer carries it.
pub async fn record_error(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let res = next.call(req).await?;
    if let Some(e) = res.response().error() {
        Span::current().record("error", tracing::field::display(e));
    }
    Ok(res)
}

/// The process's metrics, registered once.
struct Metrics {
    registry: prometheus::Registry,
    requests: prometheus::IntCounterVec,
    latency: prometheus::HistogramVec,
    pool_wait: prometheus::Histogram,
    pool_timeouts: prometheus::IntCounter,
    pool_connections: prometheus::IntGaugeVec,
    outbox: prometheus::IntGauge,
    signin_queue: prometheus::IntGauge,
}

/// Request latency buckets, in seconds: pages should answer in well under 50 ms.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Route label of a request that matched no route: unknown paths must not each make a
/// new series.
const UNMATCHED: &str = "(unmatched)";

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    use prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec};
    use prometheus::{IntGauge, IntGaugeVec, Opts, Registry};
    let registry =
        Registry::new_custom(Some("certcase".into()), None).expect("a valid metric prefix");
    let requests = IntCounterVec::new(
        Opts::new(
            "http_requests_total",
            "Requests answered, by route pattern and status.",
        ),
        &["method", "route", "status"],
    )
    .expect("valid metric");
    let latency = HistogramVec::new(
        HistogramOpts::new(
            "http_request_duration_seconds",
            "Time from a request's start to its response, by route pattern.",
        )
        .buckets(LATENCY_BUCKETS.to_vec()),
        &["method", "route"],
    )
    .expect("valid metric");
    let pool_wait = Histogram::with_opts(
        HistogramOpts::new(
            "db_pool_wait_seconds",
            "Time spent waiting for a database connection from the pool.",
        )
        .buckets(LATENCY_BUCKETS.to_vec()),
    )
    .expect("valid metric");
    let pool_timeouts = IntCounter::new(
        "db_pool_timeouts_total",
        "Waits for a database connection that gave up.",
    )
    .expect("valid metric");
    let pool_connections = IntGaugeVec::new(
        Opts::new(
            "db_pool_connections",
            "Database pool connections: idle, in_use and max (at the last scrape).",
        ),
        &["state"],
    )
    .expect("valid metric");
    let outbox = IntGauge::new(
        "outbox_depth",
        "E-mail messages waiting in the outbox (at the last scrape).",
    )
    .expect("valid metric");
    let signin_queue = IntGauge::new(
        "signin_queue_depth",
        "Sign-ins waiting for a password check.",
    )
    .expect("valid metric");
    for c in [
        Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
        Box::new(latency.clone()),
        Box::new(pool_wait.clone()),
        Box::new(pool_timeouts.clone()),
        Box::new(pool_connections.clone()),
        Box::new(outbox.clone()),
        Box::new(signin_queue.clone()),
    ] {
        registry
            .register(c)
            .expect("each metric is registered once");
    }
    Metrics {
        registry,
        requests,
        latency,
        pool_wait,
        pool_timeouts,
        pool_connections,
        outbox,
        signin_queue,
    }
});

/// Counts one answered request under its route pattern (never its raw path).
pub fn observe_request(method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
    let route = route.unwrap_or(UNMATCHED);
    let m = &*METRICS;
    let status = status.to_string();
    m.requests
        .with_label_values(&[method, route, status.as_str()])
        .inc();
    m.latency
        .with_label_values(&[method, route])
        .observe(elapsed.as_secs_f64());
}

/// A connection was handed out after waiting `waited`.
pub fn observe_pool_wait(waited: Duration) {
    METRICS.pool_wait.observe(waited.as_secs_f64());
}

/// A wait for a connection gave up.
pub fn count_pool_timeout() {
    METRICS.pool_timeouts.inc();
}

/// The pool's state, set when metrics are scraped.
pub fn set_pool_state(connections: u32, idle: u32, max: u32) {
    let g = &METRICS.pool_connections;
    g.with_label_values(&["idle"]).set(i64::from(idle));
    g.with_label_values(&["in_use"])
        .set(i64::from(connections.saturating_sub(idle)));
    g.with_label_values(&["max"]).set(i64::from(max));
}

/// Messages waiting in the outbox, set when metrics are scraped.
pub fn set_outbox_depth(n: i64) {
    METRICS.outbox.set(n);
}

/// Sign-ins waiting for a password check; the sign-in pool sets it as its queue changes.
pub fn set_signin_queue(n: usize) {
    METRICS
        .signin_queue
        .set(i64::try_from(n).unwrap_or(i64::MAX));
}

/// Every metric in the Prometheus text exposition format.
pub fn render_metrics() -> String {
    use prometheus::Encoder as _;
    let mut out = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&METRICS.registry.gather(), &mut out)
        .expect("text encoding into memory cannot fail");
    String::from_utf8(out).expect("the text format is UTF-8")
}
