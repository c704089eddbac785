//! Files attached to an appeal (feature: appeals): the enterprise uploads them (API and the
//! appeal page's form), every party of the appeal downloads them. The upload is streamed
//! into the evidence store under evidence's per-file cap and type check.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::evidence::{classify, display_name, disposition, extension, LimitExceeded};
use crate::domain::ids::AppealId;
use crate::error::AppError;
use crate::refusal::Code;
use crate::routes::evidence::{forget_if_unreferenced, DOWNLOAD_CSP};
use crate::storage::{Key, Storage};
use crate::web::caller::Caller;
use crate::web::upload;
use crate::web::AppState;
use crate::workflow::appeal_attachments::{self as flow, NewAttachment};
use crate::workflow::views::appeals::AttachmentView;

/// Room for the multipart framing around the file.
const FRAMING: u64 = 64 * 1024;

/// Receives one file (multipart field `file`), stores it and records it.
async fn receive(
    state: &AppState,
    caller: Caller,
    id: AppealId,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<AttachmentView, AppError> {
    let Caller {
        principal: who,
        address,
        ..
    } = caller;
    let _slot = state.uploads.admit(&who.user_id.to_string())?;
    let (mut form, watch) = state.uploads.multipart(req.headers(), payload);
    let w = who.clone();
    state
        .db(move |conn| Ok(flow::attachment_target(conn, &w, id)?))
        .await?;
    let limit = state.config.evidence.max_file_bytes;
    let too_large = || AppError::too_large(LimitExceeded::File { max: limit });
    let declared = upload::declared_length(req.headers());
    if declared.is_some_and(|len| len > limit + FRAMING) {
        return Err(too_large());
    }
    let received =
        upload::receive_file(&state.evidence, &mut form, &watch, limit, &[], too_large).await?;
    let Some((staged, raw_name)) = received.file else {
        return Err(AppError::invalid(Code::EvidenceFileMissing));
    };
    let name = display_name(&raw_name);
    let ext = extension(&name);
    let kind = classify(&name, &staged.head).map_err(AppError::invalid)?;
    crate::domain::appeal_attachment::accepted(kind)?;
    let file = NewAttachment {
        media_type: kind.media_type(&ext).to_string(),
        file_name: name,
        kind,
        size: staged.size,
        sha256: staged.key.as_str().to_string(),
    };
    // Durable before its record exists; the guard keeps a removal of the same content
    // (evidence shares the store) from deleting it in between.
    let (_guard, key) = upload::keep(&state.evidence, staged).await?;
    let recorded = state
        .db(move |conn| Ok(flow::record(conn, &who, id, &file, &address)?))
        .await;
    if recorded.is_err() {
        forget_if_unreferenced(state, key).await;
    }
    recorded
}

/// Attaches one file to the enterprise's open appeal (multipart: `file`). The kinds and
/// the size cap are evidence's, except that a bare ZIP archive is refused; at most 10
/// files per appeal.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/attachments", params(("id" = uuid::Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "field: file"),
    responses((status = 201, body = AttachmentView), (status = 404), (status = 403),
        (status = 408, description = "the body was too slow"),
        (status = 409, description = "the appeal is closed, or carries 10 files already"),
        (status = 413, description = "file larger than evidence_max_file_mb"),
        (status = 422, description = "type not accepted, ZIP archive, no file"),
        (status = 429), (status = 503), (status = 507)),
    security(("bearer" = [])))]
pub async fn attach_api(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<AppealId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let view = receive(&state, caller, path.into_inner(), &req, payload).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The appeal page's upload form: attach, then show the appeal again.
pub async fn attach_form(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<AppealId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    receive(&state, caller, id, &req, payload).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/appeals/{id}#attachments")))
        .finish())
}

/// The appeal's files.
#[utoipa::path(get, path = "/api/v1/appeals/{id}/attachments", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = [AttachmentView]), (status = 404)), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AppealId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let views = state
        .db(move |conn| Ok(flow::list(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Downloads one file of the appeal, as an attachment.
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(AppealId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, attachment) = path.into_inner();
    let row = state
        .db(move |conn| {
            Ok(flow::for_download(
                conn,
                &caller.principal,
                id,
                &attachment,
            )?)
        })
        .await?;
    let key = Key::parse(&row.sha256)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad stored key")))?;
    let body = state
        .evidence
        .store
        .open(&key)
        .await
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, row.content_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            disposition(&row.file_name, &row.content_type, false),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOWNLOAD_CSP))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("x-content-sha256", row.sha256.as_str()))
        .no_chunking(row.size_bytes as u64)
        .streaming(body))
}
