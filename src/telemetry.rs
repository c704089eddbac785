//! Logging: `RUST_LOG` filters, and one line per request when it ends, inside the request
//! span: request id, method, path, route (the matched pattern), user id, status, latency
//! and, for a refusal or error, its message. Lines logged while the request runs carry the
//! same span, so every line can be tied to its request.

use std::time::Instant;

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
                if let Some(route) = request.match_pattern() {
                    span.record("route", tracing::field::display(route));
                }
                if let Some(Started(at)) = request.extensions().get::<Started>() {
                    span.record("latency_ms", at.elapsed().as_millis() as u64);
                }
                span.record("status", res.status().as_u16());
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
