//! The last step of every response: error bodies (problem+json for the API, a page
//! otherwise), the request id header, and security headers.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};

use super::render::{base_context, catalog, page};
use super::visitor::Visitor;
use super::AppState;
use crate::domain::i18n::Lang;
use crate::domain::size;
use crate::error::AppError;
use crate::refusal::{Code, Reason};

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Two years, this host only: certcase does not speak for the domain's other hosts.
pub const HSTS: &str = "max-age=63072000";

pub async fn finish(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    // Served as https (production): browsers are told to never use plain http here.
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.secure_cookies());
    let res = next.call(req).await?.map_into_boxed_body();
    // Handlers that answer an error status with their own body (the login form's
    // refusal, healthz's 503) keep it; bare error statuses get the standard body.
    let failed = res.status().is_client_error() || res.status().is_server_error();
    let bare = res.response().error().is_some()
        || matches!(
            res.response().body().size(),
            BodySize::None | BodySize::Sized(0)
        );
    let mut res = if failed && bare {
        render_error(res, &request_id)
    } else {
        res
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(header::HeaderName::from_static("x-request-id"), v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Only the evidence preview (a sandboxed file shown in the scoring page's frame)
    // answers SAMEORIGIN itself; everything else may not be framed.
    if !headers.contains_key(header::X_FRAME_OPTIONS) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    Ok(res)
}

/// Status codes that actix itself produces (no route, wrong method, bad payload) are
/// described like our own errors.
fn fallback(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::too_large(Code::RequestTooLarge),
        StatusCode::UNAUTHORIZED => AppError::SignInRequired,
        StatusCode::FORBIDDEN => AppError::forbidden(Code::NotAllowed),
        s if s.is_client_error() => AppError::bad_request(Code::RequestNotUnderstood),
        _ => AppError::internal(anyhow::anyhow!("unhandled status {status}")),
    }
}

/// What an error body says, before it is put into the reader's language.
enum Said {
    /// A coded refusal: its words from the catalog, its code and arguments for the API.
    Refusal(Reason),
    /// The catalog's words for the status alone (`error.detail.<status>`).
    Generic,
}

impl Said {
    fn of(app: &AppError, request_id: &str) -> Said {
        match app {
            AppError::Refused { reason, .. } | AppError::Later { reason, .. } => {
                Said::Refusal(reason.clone())
            }
            AppError::Internal(cause) => {
                tracing::error!(request_id, error = ?cause, "internal error");
                Said::Generic
            }
            AppError::NotFound | AppError::SignInRequired | AppError::Unavailable => Said::Generic,
        }
    }

    fn detail(&self, status: StatusCode, lang: Lang) -> String {
        let catalog = catalog(lang);
        match self {
            Said::Refusal(reason) => reason.render(lang, catalog),
            Said::Generic => catalog
                .get(&format!("error.detail.{}", status.as_u16()))
                .or_else(|| catalog.get("error.detail.500"))
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// The status's name in `lang` (RFC 9457 `title`).
fn title(status: StatusCode, lang: Lang) -> String {
    catalog(lang)
        .get(&format!("error.status.{}", status.as_u16()))
        .cloned()
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned())
}

/// Headers of an error response that say what to do next; the standard body keeps them.
const KEPT_HEADERS: [header::HeaderName; 2] = [header::ALLOW, header::RETRY_AFTER];

fn render_error(res: ServiceResponse<BoxBody>, request_id: &str) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let kept: Vec<(header::HeaderName, HeaderValue)> = KEPT_HEADERS
        .iter()
        .filter_map(|name| Some((name.clone(), res.headers().get(name)?.clone())))
        .collect();
    let said = match res.response().error() {
        Some(err) => match err.as_error::<AppError>() {
            Some(app) => Said::of(app, request_id),
            // actix's own errors explain the input, never our internals.
            None if status.is_client_error() => {
                tracing::info!(error = %err, "request unreadable");
                Said::Refusal(Code::RequestUnreadable.into())
            }
            None => Said::of(&fallback(status), request_id),
        },
        None => Said::of(&fallback(status), request_id),
    };
    let (req, _) = res.into_parts();

    let mut response = if Visitor::is_api(&req) {
        // The API speaks the language the client asks for, as pages do for visitors.
        let lang = Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        );
        let mut body = serde_json::json!({
            "type": "about:blank",
            "title": title(status, lang),
            "status": status.as_u16(),
            "detail": said.detail(status, lang),
            "instance": req.path(),
            "request_id": request_id,
        });
        // A coded refusal adds its `code` and `args` for programs to act on.
        if let (Said::Refusal(reason), Some(problem)) = (&said, body.as_object_mut()) {
            if let Ok(serde_json::Value::Object(coded)) = serde_json::to_value(reason) {
                problem.extend(coded);
            }
        }
        HttpResponse::build(status)
            .content_type("application/problem+json")
            .body(body.to_string())
    } else if status == StatusCode::UNAUTHORIZED {
        let next = serde_urlencoded::to_string([("next", req.path())]).unwrap_or_default();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?{next}")))
            .finish()
    } else {
        html_error(&req, status, &said, request_id)
    };
    for (name, value) in kept {
        response.headers_mut().insert(name, value);
    }
    ServiceResponse::new(req, response)
}

fn html_error(
    req: &actix_web::HttpRequest,
    status: StatusCode,
    said: &Said,
    request_id: &str,
) -> HttpResponse {
    let state = req.app_data::<web::Data<AppState>>();
    let visitor = req.extensions().get::<Visitor>().cloned();
    let lang = visitor.as_ref().map_or(Lang::Zh, |v| v.lang);
    let detail = said.detail(status, lang);
    let rendered = match (state, visitor) {
        (Some(state), Some(visitor)) => {
            let mut ctx = base_context(&visitor, req.path());
            ctx.insert("status", &status.as_u16());
            ctx.insert("detail", &detail);
            ctx.insert("request_id", request_id);
            page(&state.templates, "pages/error.html", &ctx).ok()
        }
        _ => None,
    };
    match rendered {
        Some(mut r) => {
            *r.status_mut() = status;
            r
        }
        None => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(format!(
                "{} {}\n{detail}\nrequest id: {request_id}\n",
                status.as_u16(),
                title(status, lang),
            )),
    }
}

/// A method the path does not have: 405, naming the ones it has (in `Allow` and in the
/// refusal).
pub fn method_not_allowed(allowed: &[Method]) -> HttpResponse {
    let names: Vec<String> = allowed.iter().map(|m| m.to_string()).collect();
    let mut res = HttpResponse::from_error(AppError::refused(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::MethodNotAllowed.with("allowed", names.join(", ")),
    ));
    if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// Used as the app's default service: every unknown path is a plain 404.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Turns extractor failures (bad JSON, form or query) into coded 400s (413 above a limit).
pub fn bad_input(err: impl Into<super::input::Unreadable>) -> actix_web::Error {
    err.into().refusal().into()
}

/// A body over the limit of its extractor (413, naming the limit).
fn body_too_large(limit: usize) -> actix_web::Error {
    AppError::too_large(Code::BodyTooLarge.with("max", size::binary(limit as u64))).into()
}

/// A JSON or form body that cannot be used: 413 when it is over the extractor's `limit`
/// (as actix classes it), else 400.
pub fn body_input<E: ResponseError + Into<super::input::Unreadable>>(
    err: E,
    limit: usize,
) -> actix_web::Error {
    if err.status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        body_too_large(limit)
    } else {
        bad_input(err)
    }
}
