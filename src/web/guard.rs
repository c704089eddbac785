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
pub const FORM_LIMIT: usize = 256 * 1024;

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
    if access == Access::Scraper {
        if !scraper_allowed(&req) {
            return Ok(req
                .error_response(AppError::forbidden(Code::MetricsNotAllowed))
                .map_into_right_body());
        }
        return Ok(next.call(req).await?.map_into_left_body());
    }
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
        let body = match form_body(&mut req).await {
            Ok(body) => body,
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        };
        match form_token(&req, body.as_deref()) {
            Some(token) if same_secret(&token, &visitor.csrf_token) => {}
            _ => {
                return Ok(req
                    .error_response(AppError::forbidden(Code::FormExpired))
                    .map_into_right_body())
            }
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

/// Who may scrape `/metrics`: with a configured metrics token, whoever sends it as
/// `Authorization: Bearer …` (and nobody else, wherever from); without one, a loopback
/// peer whose request carries no proxy header (a reverse proxy on the same host would
/// otherwise make every outside request look local).
fn scraper_allowed(req: &ServiceRequest) -> bool {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("state is registered");
    match &state.config.operations.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| same_secret(sent.trim(), token)),
        None => {
            let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|h| req.headers().contains_key(*h));
            let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
            loopback && !proxied
        }
    }
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

/// An urlencoded form body, read (up to [`FORM_LIMIT`], under the upload timeouts),
/// checked to be UTF-8 text throughout and put back for the handler; `None` for other
/// bodies.
async fn form_body(req: &mut ServiceRequest) -> Result<Option<web::Bytes>, AppError> {
    if req.content_type() != "application/x-www-form-urlencoded" {
        return Ok(None);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("state is registered")
        .clone();
    // Under the upload timeouts: a form trickled in byte by byte holds nothing for long.
    let (mut payload, watch) = state.uploads.timed(req.take_payload());
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| watch.or(AppError::bad_request(Code::FormUnreadable)))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::too_large(Code::FormTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    // Decoding would otherwise put replacement characters where the bytes were.
    if !form_is_utf8(&body) {
        return Err(AppError::bad_request(Code::FormNotUtf8));
    }
    let body = body.freeze();
    req.set_payload(Payload::from(body.clone()));
    Ok(Some(body))
}

/// Whether every name and value of an urlencoded body decodes (`+` and `%XX`) to UTF-8.
/// Decoding the body whole is the same test: the separators are ASCII, which never
/// stands inside a multi-byte character.
fn form_is_utf8(body: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let escaped = match body.get(i + 1..i + 3) {
            Some(&[h, l]) if body[i] == b'%' => hex(h).zip(hex(l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, body[i]) {
            (Some(byte), _) => {
                decoded.push(byte);
                i += 3;
            }
            (None, b'+') => {
                decoded.push(b' ');
                i += 1;
            }
            (None, other) => {
                decoded.push(other);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// The CSRF token from the `X-CSRF-Token` header, the query string, or the urlencoded
/// form body.
fn form_token(req: &ServiceRequest, body: Option<&[u8]>) -> Option<String> {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.to_string());
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if let Some((_, v)) = query.into_iter().find(|(k, _)| k == "csrf_token") {
        return Some(v);
    }
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body?).unwrap_or_default();
    fields
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::form_is_utf8;

    #[test]
    fn a_form_is_text_only_when_every_decoded_byte_is_utf8() {
        assert!(form_is_utf8(b"name=%E5%BC%A0%E4%B8%89&note=a+b%26c"));
        assert!(form_is_utf8("name=张三".as_bytes()));
        assert!(
            form_is_utf8(b"odd=%zz&tail=%4"),
            "a stray % is kept as it is"
        );
        assert!(form_is_utf8(b""));
        assert!(!form_is_utf8(b"name=%FF"), "an escaped invalid byte");
        assert!(!form_is_utf8(b"name=%E5%BC"), "a character cut short");
        assert!(!form_is_utf8(&[b'n', b'=', 0xC3]), "a raw invalid byte");
        assert!(!form_is_utf8(b"a=%E5&b=%BC%A0"), "split by a separator");
    }
}
