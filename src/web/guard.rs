//! The per-route gate: the route's [`Access`] rule, then for page forms that change
//! state, the Origin/Referer check and the CSRF token. Wrapped around every route by
//! `startup`, so no route can skip it.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use futures_util::StreamExt;

use super::visitor::{Credential, Visitor};
use super::AppState;
use crate::auth::same_secret;
use crate::domain::access::{decide, Access, Decision};
use crate::error::AppError;
use crate::refusal::Code;

/// Page forms are small; uploads carry their token in the query string instead.
const FORM_LIMIT: usize = 256 * 1024;

pub async fn check(
    access: Access,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let visitor = req
        .extensions()
        .get::<Visitor>()
        .cloned()
        .expect("identify runs first");
    match decide(access, visitor.principal.as_ref()) {
        Decision::Allow => {}
        Decision::SignInRequired => {
            return Ok(req
                .error_response(AppError::SignInRequired)
                .map_into_right_body())
        }
        Decision::Forbidden => {
            return Ok(req
                .error_response(AppError::forbidden(Code::RoleNotAllowed))
                .map_into_right_body())
        }
    }

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let api = Visitor::is_api(req.request());
    if unsafe_method && !api {
        if let Err(e) = check_origin(&req) {
            return Ok(req.error_response(e).map_into_right_body());
        }
        match form_token(&mut req).await {
            Ok(Some(token)) if same_secret(&token, &visitor.csrf_token) => {}
            Ok(_) => {
                return Ok(req
                    .error_response(AppError::forbidden(Code::FormExpired))
                    .map_into_right_body())
            }
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        }
    }
    // A bearer token on a page route, or a session cookie on an API route, never gets
    // here as a credential: `identify` only accepts each where it belongs.
    debug_assert!(!matches!(
        (&visitor.credential, api),
        (Some(Credential::Session { .. }), true) | (Some(Credential::Bearer { .. }), false)
    ));
    Ok(next.call(req).await?.map_into_left_body())
}

/// The request must come from our own pages: its Origin (or, lacking one, Referer) must
/// be the configured base URL.
fn check_origin(req: &ServiceRequest) -> Result<(), AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("state is registered");
    let base = state.config.base_url.as_str();
    let header_value = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let same_origin = match (header_value(header::ORIGIN), header_value(header::REFERER)) {
        (Some(origin), _) => origin == base,
        (None, Some(referer)) => referer == base || referer.starts_with(&format!("{base}/")),
        (None, None) => false,
    };
    if same_origin {
        Ok(())
    } else {
        Err(AppError::forbidden(Code::CrossSiteForm))
    }
}

/// The CSRF token from the `X-CSRF-Token` header, the query string, or an urlencoded form
/// body (read and put back for the handler).
async fn form_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Ok(Some(v.to_string()));
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if let Some((_, v)) = query.into_iter().find(|(k, _)| k == "csrf_token") {
        return Ok(Some(v));
    }
    if req.content_type() != "application/x-www-form-urlencoded" {
        return Ok(None);
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::bad_request(Code::FormUnreadable))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::too_large(Code::FormTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    req.set_payload(Payload::from(body));
    Ok(fields
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v))
}
