//! Certificates: issuing, download, public verification, revocation and the published
//! keys (feature: certs). Thin: parse, call the use case, render what it returns.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::Utc;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::domain::access::Role;
use crate::domain::audit::Actor;
use crate::domain::ids::{ApplicationId, RoundId};
use crate::domain::size;
use crate::error::AppError;
use crate::refusal::Code;
use crate::routes::applications::pages::{render_detail, what_it_is};
use crate::routes::rounds::IssuedCounts;
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::render::{base_context, page, with, FormState};
use crate::web::upload::Watch;
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::certificates::{self as certs, BulkOutcome, Issuer, Reader, Verification};
use crate::workflow::queries::{self, certificates::CertificateRow};

/// Largest certificate PDF accepted for verification.
pub const UPLOAD_LIMIT: usize = 5 << 20;
/// Verifications per client address per minute.
pub const VERIFY_LIMIT: usize = 60;
const WINDOW: Duration = Duration::from_secs(60);

/// Whole seconds, rounded up: a client that waits this long finds room.
fn seconds_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn issuer(state: &AppState) -> Issuer {
    Issuer {
        data_dir: state.config.data_dir.clone(),
        base_url: state.config.base_url.clone(),
    }
}

/// A sliding-window limit per (server, address): the server's base URL keeps the test
/// servers of one process apart.
fn throttle(state: &AppState, visitor: &Visitor) -> Result<(), AppError> {
    static SEEN: Mutex<Option<HashMap<String, VecDeque<Instant>>>> = Mutex::new(None);
    let now = Instant::now();
    let mut guard = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = guard.get_or_insert_with(HashMap::new);
    if seen.len() > 10_000 {
        seen.retain(|_, q| q.back().is_some_and(|t| now - *t < WINDOW));
    }
    let key = format!("{} {}", state.config.base_url, visitor.address);
    let q = seen.entry(key).or_default();
    while q.front().is_some_and(|t| now - *t >= WINDOW) {
        q.pop_front();
    }
    if q.len() >= VERIFY_LIMIT {
        // The window frees when its oldest verification leaves it.
        let frees_in = q
            .front()
            .map_or(WINDOW, |oldest| WINDOW.saturating_sub(now - *oldest));
        return Err(AppError::too_many(
            Code::VerifyTooOften
                .with("max", VERIFY_LIMIT)
                .with("seconds", seconds_up(frees_in)),
            seconds_up(frees_in),
        ));
    }
    q.push_back(now);
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateSummary {
    pub id: String,
    pub number: String,
    pub application_id: String,
    pub key_id: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoke_reason: Option<String>,
    pub pdf_url: String,
    pub verify_url: String,
    /// False when the application already had this certificate.
    pub created: bool,
}

fn summary(state: &AppState, row: CertificateRow, created: bool) -> CertificateSummary {
    let issuer = issuer(state);
    CertificateSummary {
        verify_url: issuer.verify_url(&row.number),
        pdf_url: format!("/certificates/{}.pdf", row.number),
        id: row.id,
        number: row.number,
        application_id: row.application_id.to_string(),
        key_id: row.key_id,
        // Stored as UTC without an offset; the API states it (RFC 3339 `date-time`).
        issued_at: row.issued_at.and_utc(),
        revoked_at: row.revoked_at.map(|t| t.and_utc()),
        revoke_reason: row.revoke_reason,
        created,
    }
}

/// Issues the certificate of an approved application; issuing again answers the same one.
#[utoipa::path(post, path = "/api/v1/applications/{id}/certificate", params(("id" = uuid::Uuid, Path)), responses((status = 201, body = CertificateSummary), (status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn issue_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let (id, issuer) = (path.into_inner(), issuer(&state));
    let (row, created) = state
        .db(move |conn| {
            Ok(certs::issue(
                conn,
                &issuer,
                &actor,
                caller.principal.user_id,
                id,
            )?)
        })
        .await?;
    let body = summary(&state, row, created);
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// Issues every approved application of a round (one transaction each).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/certificates", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = BulkOutcome), (status = 404)), security(("bearer" = [])))]
pub async fn issue_round_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let outcome = issue_round(&state, caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

async fn issue_round(
    state: &AppState,
    caller: Caller,
    round: RoundId,
) -> Result<BulkOutcome, AppError> {
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let issuer = issuer(state);
    state
        .db(move |conn| {
            Ok(certs::issue_round(
                conn,
                &issuer,
                &actor,
                caller.principal.user_id,
                round,
                |_, _| {},
            )?)
        })
        .await
}

/// The secretariat's page action on a round: issue, then show what happened on the round
/// page.
pub async fn issue_round_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let round = path.into_inner();
    let outcome = issue_round(&state, caller, round).await?;
    let counts = serde_urlencoded::to_string(IssuedCounts {
        issued: outcome.issued.len(),
        existing: outcome.existing.len(),
        refused: outcome.refused.len(),
    })
    .map_err(AppError::internal)?;
    // `round` names a stored round (an unknown one was refused above): a UUID, safe as is.
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/rounds/{round}?{counts}#certificates")))
        .finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevokeRequest {
    pub reason: String,
}

/// Revokes a certificate; it stays verifiable, as revoked.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", params(("number" = String, Path)), request_body = RevokeRequest, responses((status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn revoke_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, AppError> {
    let row = revoke(&state, caller, path.into_inner(), body.into_inner().reason).await?;
    Ok(HttpResponse::Ok().json(summary(&state, row, false)))
}

async fn revoke(
    state: &AppState,
    caller: Caller,
    number: String,
    reason: String,
) -> Result<CertificateRow, AppError> {
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    state
        .db(move |conn| Ok(certs::revoke(conn, &actor, &number, &reason)?))
        .await
}

/// The page form: revoke after confirming, then show the certificate's public
/// verification. A refused reason shows the application page again with it.
pub async fn revoke_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (number, fields) = (path.into_inner(), form.into_inner());
    let reason = fields
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let n = number.clone();
    let application = state
        .db(move |conn| {
            Ok(queries::certificates::by_number(conn, &n)?
                .ok_or(AppError::NotFound)?
                .application_id)
        })
        .await?;
    let checked = certs::revocation_reason(&reason).map(str::to_string);
    let outcome = match checked {
        Err(refusal) => Err(refusal.into()),
        Ok(reason) if !confirm::is_confirmed(&fields) => {
            return confirm::page(
                &state.templates,
                &visitor,
                &req,
                Confirmation {
                    title_key: "confirm.certificate_revoke.title",
                    question_key: "confirm.certificate_revoke.question",
                    args: vec![("number", number.clone()), ("reason", reason)],
                    fields: &fields,
                    back: &format!("/applications/{application}#certificate"),
                },
            );
        }
        Ok(reason) => revoke(&state, caller.clone(), number.clone(), reason).await,
    };
    match outcome {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/verify/{number}")))
            .finish()),
        Err(err) => {
            let form = FormState::refused(&fields, err, visitor.lang, Some("reason"))?;
            render_detail(&state, caller, &visitor, &req, application, &form).await
        }
    }
}

/// The application page's button: issue its certificate after confirming, then show it
/// on the page.
pub async fn issue_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    if !confirm::is_confirmed(&fields) {
        let (enterprise, part) = what_it_is(&state, &caller, &visitor, id).await?;
        return confirm::page(
            &state.templates,
            &visitor,
            &req,
            Confirmation {
                title_key: "confirm.certificate_issue.title",
                question_key: "confirm.certificate_issue.question",
                args: vec![("enterprise", enterprise), ("part", part)],
                fields: &fields,
                back: &format!("/applications/{id}"),
            },
        );
    }
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let (issuer, by) = (issuer(&state), caller.principal.user_id);
    let outcome = state
        .db(move |conn| Ok(certs::issue(conn, &issuer, &actor, by, id)))
        .await?;
    match outcome {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/applications/{id}#certificate")))
            .finish()),
        Err(refusal) => {
            let form = FormState::refused(&fields, refusal.into(), visitor.lang, None)?;
            render_detail(&state, caller, &visitor, &req, id, &form).await
        }
    }
}

/// The round's certificates for its page (secretariat), each with its PDF and its
/// verification page.
pub async fn of_round(
    state: &AppState,
    round: RoundId,
) -> Result<Vec<crate::workflow::views::certificates::CertificateListing>, AppError> {
    state
        .db(move |conn| Ok(queries::certificates::of_round(conn, round)?))
        .await
}

/// `/certificates/{number}.pdf`: for the enterprise's members and the secretariat.
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let reader = if caller.has(Role::Secretariat) {
        Reader::Secretariat
    } else {
        Reader::Enterprise(caller.principal.user_id)
    };
    let number = path.into_inner();
    let issuer = issuer(&state);
    let name = number.clone();
    let bytes = state
        .db(move |conn| Ok(certs::pdf_of(conn, &issuer, &reader, &number)?))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}.pdf\""),
        ))
        .body(bytes))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishedKey {
    pub id: String,
    /// Standard base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeySet {
    pub algorithm: &'static str,
    /// Oldest first; the last one signs new certificates.
    pub keys: Vec<PublishedKey>,
}

/// Every public key that has signed or signs certificates.
pub async fn keys(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(|conn| Ok(queries::certificates::keys(conn)?))
        .await?;
    let keys = rows
        .into_iter()
        .map(|k| {
            let fingerprint = BASE64
                .decode(&k.public_key)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
                .map(|v| crate::domain::certificate::key_fingerprint(&v))
                .unwrap_or_default();
            PublishedKey {
                id: k.id,
                public_key: k.public_key,
                fingerprint,
                created_at: k.created_at,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(KeySet {
        algorithm: "Ed25519",
        keys,
    }))
}

async fn by_number(
    state: &AppState,
    visitor: &Visitor,
    number: String,
) -> Result<Verification, AppError> {
    throttle(state, visitor)?;
    let today = Utc::now().date_naive();
    state
        .db(move |conn| Ok(certs::verify_number(conn, &number, today)?))
        .await
}

/// Valid, revoked, expired or unknown, with the payload. Malformed numbers are unknown.
#[utoipa::path(get, path = "/api/v1/verify/{number}", params(("number" = String, Path)), responses((status = 200, body = Verification), (status = 429)))]
pub async fn verify_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = by_number(&state, &visitor, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Reads the `pdf` part of a multipart upload, refusing more than [`UPLOAD_LIMIT`].
async fn uploaded_pdf(mut form: Multipart, watch: &Watch) -> Result<Vec<u8>, AppError> {
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| watch.unreadable(e))?;
        if field.name() != Some("pdf") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| watch.unreadable(e))?;
            if bytes.len() + chunk.len() > UPLOAD_LIMIT {
                return Err(AppError::too_large(
                    Code::CertificatePdfTooLarge.with("max", size::binary(UPLOAD_LIMIT as u64)),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(AppError::bad_request(Code::CertificatePdfMissing))
}

/// Verifies an uploaded PDF, received in an upload slot (per person, or per address when
/// signed out) under the body timeouts.
async fn by_file(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Verification, AppError> {
    throttle(state, visitor)?;
    let sender = match &visitor.principal {
        Some(p) => p.user_id.to_string(),
        None => format!("address {}", visitor.address),
    };
    let slot = state.uploads.admit(&sender)?;
    let (form, watch) = state.uploads.multipart(req.headers(), payload);
    let bytes = uploaded_pdf(form, &watch).await?;
    drop(slot);
    let today = Utc::now().date_naive();
    state
        .db(move |conn| Ok(certs::verify_pdf(conn, &bytes, today)?))
        .await
}

/// A certificate PDF (multipart field `pdf`, at most 5 MiB): its embedded signed payload
/// against the published keys and the issuance log.
#[utoipa::path(post, path = "/api/v1/verify", request_body(content_type = "multipart/form-data"), responses((status = 200, body = Verification), (status = 400), (status = 408), (status = 413), (status = 429), (status = 503)))]
pub async fn verify_upload_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let v = by_file(&state, &visitor, &req, payload).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize)]
pub struct NumberQuery {
    pub number: Option<String>,
}

fn verify_page_with(
    state: &AppState,
    visitor: &Visitor,
    result: Option<&Verification>,
) -> Result<HttpResponse, AppError> {
    let ctx = base_context(visitor, "/verify");
    let ctx = with(ctx, "result", &result);
    page(&state.templates, "pages/certificates/verify.html", &ctx)
}

/// `/verify`: the forms, and the answer for `?number=`.
pub async fn verify_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NumberQuery>,
) -> Result<HttpResponse, AppError> {
    let result = match query.into_inner().number {
        Some(n) if !n.trim().is_empty() => {
            Some(by_number(&state, &visitor, n.trim().to_string()).await?)
        }
        _ => None,
    };
    verify_page_with(&state, &visitor, result.as_ref())
}

/// `/verify/{number}`: where the QR code points.
pub async fn verify_number_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = by_number(&state, &visitor, path.into_inner()).await?;
    verify_page_with(&state, &visitor, Some(&v))
}

/// The upload form of `/verify`.
pub async fn verify_upload_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let v = by_file(&state, &visitor, &req, payload).await?;
    verify_page_with(&state, &visitor, Some(&v))
}
