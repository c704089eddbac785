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
use crate::domain::listing::{parse_search, Page, Window};
use crate::domain::size;
use crate::error::AppError;
use crate::refusal::Code;
use crate::routes::applications::pages::{render_detail, what_it_is};
use crate::routes::rounds::IssuedCounts;
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::listing::{self, kept, Links};
use crate::web::render::{base_context, page, with, FormState};
use crate::web::upload::Watch;
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::certificates::{self as certs, BulkOutcome, Issuer, Reader, Verification};
use crate::workflow::queries;
use crate::workflow::queries::certificates::DirectoryFilter;
use crate::workflow::views::certificates::{CertificateSummary, DirectoryEntry};

/// Largest certificate PDF accepted for verification.
pub const UPLOAD_LIMIT: usize = 5 << 20;
/// Verifications per client address per minute.
pub const VERIFY_LIMIT: usize = 60;
const WINDOW: Duration = Duration::from_secs(60);

/// Whole seconds, rounded up: a client that waits this long finds room.
fn seconds_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

pub(crate) fn issuer(state: &AppState) -> Issuer {
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

/// Issues the certificate of an approved application; issuing again answers the same one.
#[utoipa::path(post, path = "/api/v1/applications/{id}/certificate", params(("id" = uuid::Uuid, Path)), responses((status = 201, body = CertificateSummary), (status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn issue_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let (id, issuer) = (path.into_inner(), issuer(&state));
    let log = state.issuance_log.clone();
    let body = state
        .db(move |conn| {
            let (row, created) = certs::issue(conn, &issuer, &actor, caller.principal.user_id, id)?;
            Ok(queries::certificates::summary(
                conn, &log, &issuer, row, created,
            )?)
        })
        .await?;
    let created = body.created;
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SuspendRequest {
    pub reason: String,
    /// The suspension's last day, `YYYY-MM-DD`; at most the configured period (6 months
    /// by default) from today.
    pub until: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReduceScopeRequest {
    pub reason: String,
    /// The narrower scope in Chinese.
    pub scope_zh: String,
    /// The narrower scope in English, if the certificate is to state one.
    #[serde(default)]
    pub scope_en: Option<String>,
}

/// A secretariat decision on a certificate, as a request or form gives it.
enum Decision {
    Withdraw {
        reason: String,
    },
    Suspend {
        until: String,
        reason: String,
    },
    Reinstate {
        reason: String,
    },
    ReduceScope {
        scope_zh: String,
        scope_en: Option<String>,
        reason: String,
    },
}

impl Decision {
    /// What is wrong with the input before any state is read, and the form field it is
    /// about; the page asks for confirmation only when this passes.
    fn check(&self) -> Result<(), (AppError, &'static str)> {
        let reason = |r: Result<&str, crate::refusal::Refusal>, field| {
            r.map(|_| ()).map_err(|e| (AppError::from(e), field))
        };
        match self {
            Decision::Withdraw { reason: r } => reason(certs::revocation_reason(r), "reason"),
            Decision::Suspend { until, reason: r } => {
                reason(certs::decision_reason(r), "suspend_reason")?;
                certs::suspension_until(until)
                    .map(|_| ())
                    .map_err(|e| (e.into(), "suspend_until"))
            }
            Decision::Reinstate { reason: r } => {
                reason(certs::decision_reason(r), "reinstate_reason")
            }
            Decision::ReduceScope {
                scope_zh,
                scope_en,
                reason: r,
            } => {
                reason(certs::decision_reason(r), "reduce_reason")?;
                certs::reduced_scope(scope_zh, scope_en.as_deref())
                    .map(|_| ())
                    .map_err(|e| (e.into(), "scope_zh"))
            }
        }
    }

    fn from_form(kind: &str, fields: &[(String, String)]) -> Decision {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        match kind {
            "suspend" => Decision::Suspend {
                until: field("suspend_until"),
                reason: field("suspend_reason"),
            },
            "reinstate" => Decision::Reinstate {
                reason: field("reinstate_reason"),
            },
            "reduce-scope" => Decision::ReduceScope {
                scope_zh: field("scope_zh"),
                scope_en: Some(field("scope_en")),
                reason: field("reduce_reason"),
            },
            _ => Decision::Withdraw {
                reason: field("reason"),
            },
        }
    }

    /// The confirmation's message keys and what its question names.
    fn confirmation(
        &self,
        number: &str,
    ) -> (&'static str, &'static str, Vec<(&'static str, String)>) {
        let n = ("number", number.to_string());
        match self {
            Decision::Withdraw { reason } => (
                "confirm.certificate_revoke.title",
                "confirm.certificate_revoke.question",
                vec![n, ("reason", reason.trim().to_string())],
            ),
            Decision::Suspend { until, reason } => (
                "confirm.certificate_suspend.title",
                "confirm.certificate_suspend.question",
                vec![
                    n,
                    ("until", until.trim().to_string()),
                    ("reason", reason.trim().to_string()),
                ],
            ),
            Decision::Reinstate { reason } => (
                "confirm.certificate_reinstate.title",
                "confirm.certificate_reinstate.question",
                vec![n, ("reason", reason.trim().to_string())],
            ),
            Decision::ReduceScope {
                scope_zh, reason, ..
            } => (
                "confirm.certificate_reduce_scope.title",
                "confirm.certificate_reduce_scope.question",
                vec![
                    n,
                    ("scope", scope_zh.trim().to_string()),
                    ("reason", reason.trim().to_string()),
                ],
            ),
        }
    }

    /// The form field a refusal of the decision itself is shown beside.
    fn field(&self) -> Option<&'static str> {
        match self {
            Decision::Withdraw { .. } => Some("reason"),
            Decision::Suspend { .. } => Some("suspend_until"),
            Decision::Reinstate { .. } => Some("reinstate_reason"),
            Decision::ReduceScope { .. } => Some("scope_zh"),
        }
    }
}

/// Takes the decision in one transaction and answers the certificate it leaves in force
/// or the successor of a scope reduction.
async fn decide(
    state: &AppState,
    caller: Caller,
    number: String,
    decision: Decision,
) -> Result<CertificateSummary, AppError> {
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let issuer = issuer(state);
    let months = chrono::Months::new(state.config.max_suspension_months);
    let log = state.issuance_log.clone();
    state
        .db(move |conn| {
            let (row, created) = match decision {
                Decision::Withdraw { reason } => {
                    (certs::revoke(conn, &actor, &number, &reason)?, false)
                }
                Decision::Suspend { until, reason } => {
                    let until = certs::suspension_until(&until)?;
                    let row =
                        certs::suspend(conn, &issuer, &actor, &number, until, &reason, months)?;
                    (row, false)
                }
                Decision::Reinstate { reason } => (
                    certs::reinstate(conn, &issuer, &actor, &number, &reason)?,
                    false,
                ),
                Decision::ReduceScope {
                    scope_zh,
                    scope_en,
                    reason,
                } => {
                    let scope = (scope_zh.as_str(), scope_en.as_deref());
                    let row = certs::reduce_scope(conn, &issuer, &actor, &number, scope, &reason)?;
                    (row, true)
                }
            };
            Ok(queries::certificates::summary(
                conn, &log, &issuer, row, created,
            )?)
        })
        .await
}

/// Withdraws (revokes) a certificate; it stays verifiable, as revoked.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", params(("number" = String, Path)), request_body = RevokeRequest, responses((status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn revoke_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, AppError> {
    let reason = body.into_inner().reason;
    let summary = decide(
        &state,
        caller,
        path.into_inner(),
        Decision::Withdraw { reason },
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Withdraws a certificate (the same decision as revoke): in force, suspended or expired.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/withdraw", params(("number" = String, Path)), request_body = RevokeRequest, responses((status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn withdraw_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, AppError> {
    let reason = body.into_inner().reason;
    let summary = decide(
        &state,
        caller,
        path.into_inner(),
        Decision::Withdraw { reason },
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Suspends a certificate in force until a date; `/verify` shows it as suspended.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/suspend", params(("number" = String, Path)), request_body = SuspendRequest, responses((status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn suspend_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<SuspendRequest>,
) -> Result<HttpResponse, AppError> {
    let SuspendRequest { reason, until } = body.into_inner();
    let summary = decide(
        &state,
        caller,
        path.into_inner(),
        Decision::Suspend { until, reason },
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Lifts a suspension: the certificate is in force again.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/reinstate", params(("number" = String, Path)), request_body = RevokeRequest, responses((status = 200, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn reinstate_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, AppError> {
    let reason = body.into_inner().reason;
    let summary = decide(
        &state,
        caller,
        path.into_inner(),
        Decision::Reinstate { reason },
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Narrows the scope: a successor certificate supersedes this one. Answers the successor.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/reduce-scope", params(("number" = String, Path)), request_body = ReduceScopeRequest, responses((status = 201, body = CertificateSummary), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn reduce_scope_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ReduceScopeRequest>,
) -> Result<HttpResponse, AppError> {
    let ReduceScopeRequest {
        reason,
        scope_zh,
        scope_en,
    } = body.into_inner();
    let decision = Decision::ReduceScope {
        scope_zh,
        scope_en,
        reason,
    };
    let summary = decide(&state, caller, path.into_inner(), decision).await?;
    Ok(HttpResponse::Created().json(summary))
}

/// A decision from the application page (withdrawal also from `/verify`): checked, then
/// confirmed, then taken; the certificate's verification page shows the result. A refused
/// one shows the application page again with the input.
async fn decision_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    number: String,
    kind: &str,
    fields: Vec<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let n = number.clone();
    let application = state
        .db(move |conn| {
            Ok(queries::certificates::by_number(conn, &n)?
                .ok_or(AppError::NotFound)?
                .application_id)
        })
        .await?;
    let decision = Decision::from_form(kind, &fields);
    let outcome = match decision.check() {
        Err((err, field)) => Err((err, Some(field))),
        Ok(()) if !confirm::is_confirmed(&fields) => {
            let (title_key, question_key, args) = decision.confirmation(&number);
            return confirm::page(
                &state.templates,
                &visitor,
                &req,
                Confirmation {
                    title_key,
                    question_key,
                    args,
                    fields: &fields,
                    back: &format!("/applications/{application}#certificate"),
                },
            );
        }
        Ok(()) => {
            let field = decision.field();
            decide(&state, caller.clone(), number.clone(), decision)
                .await
                .map_err(|e| (e, field))
        }
    };
    match outcome {
        // The successor of a scope reduction, or the certificate decided on.
        Ok(summary) => Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/verify/{}", summary.number)))
            .finish()),
        Err((err, field)) => {
            let form = FormState::refused(&fields, err, visitor.lang, field)?;
            render_detail(&state, caller, &visitor, &req, application, &form).await
        }
    }
}

/// The decision a page form's URL names: `/certificates/{number}/{decision}`. Any other
/// word names no route (404).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormDecision {
    /// The same decision as `withdraw`, under its older name.
    Revoke,
    Withdraw,
    Suspend,
    Reinstate,
    ReduceScope,
}

/// `POST /certificates/{number}/{decision}`: withdraw (or revoke), suspend, reinstate or
/// reduce the scope, after confirming.
pub async fn decision_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<(String, FormDecision)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let ((number, decision), fields) = (path.into_inner(), form.into_inner());
    let kind = match decision {
        FormDecision::Revoke | FormDecision::Withdraw => "withdraw",
        FormDecision::Suspend => "suspend",
        FormDecision::Reinstate => "reinstate",
        FormDecision::ReduceScope => "reduce-scope",
    };
    decision_form(state, caller, visitor, req, number, kind, fields).await
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
    window: Window,
) -> Result<
    (
        Page<crate::workflow::views::certificates::CertificateListing>,
        i64,
    ),
    AppError,
> {
    state
        .db(move |conn| Ok(queries::certificates::of_round(conn, round, &window)?))
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
    let log = state.issuance_log.clone();
    state
        .db(move |conn| Ok(certs::verify_number(conn, &log, &number, today)?))
        .await
}

/// Valid, revoked, expired or unknown, with the payload, and the bits of the
/// certificate's Verifiable Credential in the status lists. Malformed numbers are unknown.
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
    let issuer = issuer(state);
    let today = Utc::now().date_naive();
    let log = state.issuance_log.clone();
    state
        .db(move |conn| Ok(certs::verify_pdf(conn, &log, &issuer, &bytes, today)?))
        .await
}

/// Largest Verifiable Credential accepted for verification (a certcase one is ~4 KiB).
pub const CREDENTIAL_LIMIT: usize = 256 << 10;

/// Whether a request body is JSON (`application/json`, `application/vc`, `…+json`).
fn is_json(req: &HttpRequest) -> bool {
    let Some(kind) = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or_default().trim();
    kind == "application/json" || kind == "application/vc" || kind.ends_with("+json")
}

/// Verifies a presented Verifiable Credential (a JSON body of at most
/// [`CREDENTIAL_LIMIT`]).
async fn by_credential(
    state: &AppState,
    visitor: &Visitor,
    mut payload: web::Payload,
) -> Result<Verification, AppError> {
    throttle(state, visitor)?;
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::bad_request(Code::UploadUnreadable))?;
        if bytes.len() + chunk.len() > CREDENTIAL_LIMIT {
            return Err(AppError::too_large(
                Code::CredentialTooLarge.with("max", size::binary(CREDENTIAL_LIMIT as u64)),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    let issuer = issuer(state);
    let today = Utc::now().date_naive();
    let log = state.issuance_log.clone();
    state
        .db(move |conn| {
            Ok(certs::verify_credential(
                conn, &log, &issuer, &bytes, today,
            )?)
        })
        .await
}

/// A certificate PDF (multipart field `pdf`, at most 5 MiB): its embedded signed payload
/// against the published keys and the issuance log, its embedded credential (as below),
/// and the file against the one issued. Or a W3C Verifiable Credential (a
/// JSON body, `application/vc` or `application/json`, at most 256 KiB): its
/// `eddsa-jcs-2022` proof, that it is the credential issued for its certificate, and its
/// bits in the status lists (`credential_status`).
#[utoipa::path(post, path = "/api/v1/verify", request_body(content(("multipart/form-data"), ("application/json"))), responses((status = 200, body = Verification), (status = 400), (status = 408), (status = 413), (status = 429), (status = 503)))]
pub async fn verify_upload_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let v = if is_json(&req) {
        by_credential(&state, &visitor, payload).await?
    } else {
        by_file(&state, &visitor, &req, payload).await?
    };
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

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Part of an enterprise's Chinese or English name (any case), or the start of its
    /// credit code.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only certificates of this part (its code).
    #[param(max_length = 100)]
    pub part: Option<String>,
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Certificates per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

impl DirectoryQuery {
    fn kept(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", kept(&self.q)),
            ("part", kept(&self.part)),
            ("limit", kept(&self.limit)),
        ]
    }
}

async fn directory_of(
    state: &AppState,
    query: &DirectoryQuery,
) -> Result<(Vec<DirectoryEntry>, Links), AppError> {
    let issuer = issuer(state);
    let today = Utc::now().date_naive();
    let part = match query.part.as_deref().map(str::trim) {
        Some(p) if p.chars().count() > 100 => {
            return Err(AppError::bad_request(Code::FilterInvalid.with("value", p)))
        }
        Some(p) if !p.is_empty() => Some(p.to_string()),
        _ => None,
    };
    let filter = DirectoryFilter {
        search: parse_search(query.q.as_deref()).map_err(AppError::bad_request)?,
        part,
    };
    let window = listing::window(
        queries::certificates::DIRECTORY_LIST,
        1,
        query.after.as_deref(),
        query.before.as_deref(),
        query.limit,
    )?;
    let page = state
        .db(move |conn| {
            Ok(queries::certificates::directory(
                conn, &issuer, &filter, &window, today,
            )?)
        })
        .await?;
    let links = Links::of(&page, &query.kept());
    Ok((page.rows, links))
}

/// The public directory: certificates in force of enterprises that consented to it, by
/// number, a page at a time (the `Link` header names the next and previous pages).
#[utoipa::path(get, path = "/api/v1/directory", params(DirectoryQuery),
    responses((status = 200, body = Vec<DirectoryEntry>,
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor, limit or filter that cannot be used")))]
pub async fn directory_api(
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    let (entries, links) = directory_of(&state, &query).await?;
    Ok(links.json("/api/v1/directory", entries))
}

/// `/directory`: the same, searchable by enterprise name or credit code and narrowed to
/// a part.
pub async fn directory_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (entries, links) = directory_of(&state, &query).await?;
    let today = Utc::now().date_naive();
    let parts = state
        .db(move |conn| Ok(queries::certificates::directory_parts(conn, today)?))
        .await?;
    let ctx = base_context(&visitor, "/directory");
    let ctx = with(ctx, "entries", &entries);
    let ctx = with(ctx, "q", &query.q.clone().unwrap_or_default());
    let ctx = with(ctx, "part", &query.part.clone().unwrap_or_default());
    let ctx = with(ctx, "part_options", &parts);
    let ctx = with(ctx, "pager_path", "/directory");
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    page(&state.templates, "pages/certificates/directory.html", &ctx)
}
