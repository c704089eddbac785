//! Compression where it pays (issue #19): HTML, JSON and CSV bodies of 1 KiB or more are
//! sent gzip- or brotli-compressed (actix's `Compress`, wrapped around the app); smaller
//! ones would gain a few bytes for the work of an encoder, so they go as they are.
//!
//! `Compress` leaves alone a response that already has a `Content-Encoding`: `skip_small`
//! (inside it) marks a small body `identity`, and `unmark` (outside it) takes the mark
//! off again, since `identity` is not meant to be sent.

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Bodies smaller than this are not compressed.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

pub async fn skip_small(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let small =
        matches!(res.response().body().size(), BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES);
    if small && !res.headers().contains_key(header::CONTENT_ENCODING) {
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    Ok(res)
}

pub async fn unmark(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if res
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v == "identity")
    {
        res.headers_mut().remove(header::CONTENT_ENCODING);
    }
    Ok(res)
}
