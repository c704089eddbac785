//! W3C Verifiable Credentials of certificates (issue 18): a certificate's credential, the
//! status list credentials, and the issuer's controller documents. All public: they say
//! no more than `/verify/{number}` does, and verifiers fetch them without an account.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::routes::certificates::issuer;
use crate::web::AppState;
use crate::workflow::credentials;

/// The VC Data Model 2.0 media type of a credential secured with an embedded proof.
const VC_MEDIA_TYPE: &str = "application/vc";
/// Verifiers may keep a status list this long; a change shows within it.
const STATUS_LIST_CACHE: &str = "public, max-age=300";

/// `/certificates/{number}.json`: the certificate's signed credential.
pub async fn credential(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner();
    let text = state
        .db(move |conn| Ok(credentials::credential_of(conn, &number)?))
        .await?;
    Ok(HttpResponse::Ok().content_type(VC_MEDIA_TYPE).body(text))
}

/// `/credentials/status/{purpose}/{list}`: a signed Bitstring Status List credential,
/// with an entity tag so that verifiers revalidate cheaply.
pub async fn status_list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (purpose, list) = path.into_inner();
    let issuer = issuer(&state);
    let doc = state
        .db(move |conn| Ok(credentials::status_list(conn, &issuer, &purpose, &list)?))
        .await?;
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == doc.etag || t.trim() == "*")
        });
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, doc.etag.clone()))
        .insert_header((header::CACHE_CONTROL, STATUS_LIST_CACHE));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response.content_type(VC_MEDIA_TYPE).body(doc.json))
}

/// `/issuer`: the issuer's controller document, every signing key as a Multikey.
pub async fn controller_document(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let issuer = issuer(&state);
    let doc = state
        .db(move |conn| Ok(credentials::controller_document(conn, &issuer)?))
        .await?;
    Ok(HttpResponse::Ok().json(doc))
}

/// `/.well-known/did.json`: the same keys as the `did:web` document of the base URL.
pub async fn did_document(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let issuer = issuer(&state);
    let doc = state
        .db(move |conn| Ok(credentials::did_document(conn, &issuer)?))
        .await?;
    Ok(HttpResponse::Ok().json(doc))
}
