//! The last step of every response: error bodies (problem+json for the API, a page
//! otherwise), the request id header, and security headers.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};

use super::render::{base_context, page};
use super::visitor::Visitor;
use super::AppState;
use crate::error::AppError;

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn finish(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
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
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
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
        StatusCode::METHOD_NOT_ALLOWED => {
            AppError::BadRequest("This method is not allowed here.".into())
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge("The request is too large.".into())
        }
        StatusCode::UNAUTHORIZED => AppError::SignInRequired,
        StatusCode::FORBIDDEN => AppError::Forbidden("Not allowed.".into()),
        s if s.is_client_error() => {
            AppError::BadRequest("The request could not be understood.".into())
        }
        _ => AppError::internal(anyhow::anyhow!("unhandled status {status}")),
    }
}

fn render_error(res: ServiceResponse<BoxBody>, request_id: &str) -> ServiceResponse<BoxBody> {
    let status = res.status();
    // A generic error is described by the page's message catalog; a specific refusal
    // carries its own message.
    let mut generic = true;
    let (title, detail) = match res.response().error() {
        Some(err) => match err.as_error::<AppError>() {
            Some(app) => {
                if let AppError::Internal(cause) = app {
                    tracing::error!(request_id, error = ?cause, "internal error");
                }
                generic = matches!(
                    app,
                    AppError::NotFound
                        | AppError::SignInRequired
                        | AppError::Internal(_)
                        | AppError::Unavailable
                        | AppError::TooManyRequests
                );
                (app.title(), app.public_detail())
            }
            None => {
                // actix's own errors (bad JSON, bad path) explain the input, never our internals.
                let fb = fallback(status);
                let detail = if status.is_client_error() {
                    err.to_string()
                } else {
                    fb.public_detail()
                };
                (fb.title(), detail)
            }
        },
        None => {
            let fb = fallback(status);
            (fb.title(), fb.public_detail())
        }
    };
    let generic = generic && matches!(status.as_u16(), 401 | 404 | 429 | 500 | 503);
    let (req, _) = res.into_parts();

    let response = if Visitor::is_api(&req) {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
            "instance": req.path(),
            "request_id": request_id,
        });
        HttpResponse::build(status)
            .content_type("application/problem+json")
            .body(body.to_string())
    } else if status == StatusCode::UNAUTHORIZED {
        let next = serde_urlencoded::to_string([("next", req.path())]).unwrap_or_default();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?{next}")))
            .finish()
    } else {
        html_error(
            &req,
            status,
            title,
            (!generic).then_some(detail.as_str()),
            request_id,
        )
    };
    ServiceResponse::new(req, response)
}

fn html_error(
    req: &actix_web::HttpRequest,
    status: StatusCode,
    title: &str,
    detail: Option<&str>,
    request_id: &str,
) -> HttpResponse {
    let state = req.app_data::<web::Data<AppState>>();
    let visitor = req.extensions().get::<Visitor>().cloned();
    let rendered = match (state, visitor) {
        (Some(state), Some(visitor)) => {
            let mut ctx = base_context(&visitor, req.path());
            ctx.insert("status", &status.as_u16());
            ctx.insert("title", title);
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
                "{} {title}\n{}\nrequest id: {request_id}\n",
                status.as_u16(),
                detail.unwrap_or("")
            )),
    }
}

/// Used as the app's default service: every unknown path is a plain 404.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Turns extractor failures (bad JSON, bad path segment) into readable 400s.
pub fn bad_input(err: impl std::fmt::Display) -> actix_web::Error {
    AppError::BadRequest(format!("The request could not be read: {err}")).into()
}
