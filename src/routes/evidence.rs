//! Evidence files: upload (streamed), list, download, removal; API and page forms.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::config::EvidenceConfig;
use crate::domain::evidence::{
    check_zip_entries, classify, display_name, disposition, extension, limit_exceeded, previewable,
    upload_limit, FileRefused, ZipEntry,
};
use crate::domain::ids::{ApplicationId, EvidenceId};
use crate::error::AppError;
use crate::refusal::Code;
use crate::storage::{Key, Storage};
use crate::web::caller::Caller;
use crate::web::upload::{self, TextField};
use crate::web::AppState;
use crate::workflow::evidence::{self as flow, EvidenceView, StoredFile};
use crate::workflow::queries;

/// Room for the multipart framing and the description around the file itself.
const FRAMING: u64 = 64 * 1024;
const DESCRIPTION_MAX_CHARS: usize = 1000;
/// What downloads may do in a browser: nothing.
pub(crate) const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox";
/// A file shown in the scoring page's preview frame: still nothing, but it may be framed
/// by this site's pages (and only by them).
const PREVIEW_CSP: &str =
    "default-src 'none'; img-src 'self'; object-src 'self'; sandbox; frame-ancestors 'self'";

fn description_too_long() -> AppError {
    AppError::invalid(Code::EvidenceDescriptionTooLong.with("max", DESCRIPTION_MAX_CHARS))
}

/// The limit an upload of (at least) `size` bytes breaks, as a 413.
fn too_large(size: u64, limits: &EvidenceConfig, used: u64) -> AppError {
    match limit_exceeded(size, limits.max_file_bytes, limits.quota_bytes, used) {
        Some(exceeded) => AppError::too_large(exceeded),
        None => AppError::too_large(Code::EvidenceUploadTooLarge),
    }
}

/// Lists a ZIP container's entries from its central directory, extracting nothing.
fn zip_entries(path: &std::path::Path) -> Result<Vec<ZipEntry>, AppError> {
    let file = std::fs::File::open(path).map_err(AppError::internal)?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|_| AppError::invalid(FileRefused::ZipUnreadable))?;
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let e = archive
            .by_index_raw(i)
            .map_err(|_| AppError::invalid(FileRefused::ZipDamaged))?;
        entries.push(ZipEntry {
            name: String::from_utf8_lossy(e.name_raw()).into_owned(),
            size: e.size(),
        });
    }
    Ok(entries)
}

/// Receives one upload: takes an upload slot, checks what can be checked before reading
/// (the application, the item, the lock, Content-Length against the limits), streams the
/// file into staging under the limit and the body timeouts, checks its type, stores it,
/// then records it.
async fn receive(
    state: &AppState,
    caller: Caller,
    id: ApplicationId,
    item: String,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<EvidenceView, AppError> {
    let Caller {
        principal: who,
        address,
        ..
    } = caller;
    let _slot = state.uploads.admit(&who.user_id.to_string())?;
    let (mut form, watch) = state.uploads.multipart(req.headers(), payload);
    let limits = state.config.evidence.clone();
    let (w, a) = (who.clone(), item.clone());
    let target = state
        .db(move |conn| Ok(flow::upload_target(conn, &w, id, &a)?))
        .await?;
    let used = target.used_bytes;
    let limit = upload_limit(limits.max_file_bytes, limits.quota_bytes, used);
    let declared = upload::declared_length(req.headers());
    if let Some(len) = declared {
        if len > limit + FRAMING {
            return Err(too_large(len.saturating_sub(FRAMING), &limits, used));
        }
    }

    let description = TextField {
        name: "description",
        max_bytes: DESCRIPTION_MAX_CHARS * 4,
        too_long: description_too_long,
    };
    let received = upload::receive_file(
        &state.evidence,
        &mut form,
        &watch,
        limit,
        &[description],
        || too_large(limit + 1, &limits, used),
    )
    .await?;
    let description = received
        .text("description")
        .unwrap_or_default()
        .trim()
        .to_string();
    let Some((staged, raw_name)) = received.file else {
        return Err(AppError::invalid(Code::EvidenceFileMissing));
    };
    if description.is_empty() {
        return Err(AppError::invalid(Code::EvidenceDescriptionMissing));
    }
    if description.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(description_too_long());
    }
    let name = display_name(&raw_name);
    let ext = extension(&name);
    let kind = classify(&name, &staged.head).map_err(AppError::invalid)?;
    let entries = if kind.is_zip_container(&ext) {
        let path = staged.path().to_path_buf();
        let max = limits.zip_max_uncompressed_bytes;
        let entries = web::block(move || {
            let entries = zip_entries(&path)?;
            check_zip_entries(&entries, max).map_err(AppError::invalid)?;
            Ok::<_, AppError>(entries)
        })
        .await??;
        Some(entries)
    } else {
        None
    };
    let file = StoredFile {
        display_name: name,
        description,
        media_type: kind.media_type(&ext).to_string(),
        size: staged.size,
        sha256: staged.key.as_str().to_string(),
        zip_entries: match (kind, entries) {
            (crate::domain::evidence::Kind::Zip, Some(e)) => Some(e),
            _ => None,
        },
    };

    // The file is durable before its record exists; the guard keeps a concurrent removal
    // of the same content from deleting it in between.
    let (_guard, key) = upload::keep(&state.evidence, staged).await?;
    let (w, i, a) = (who.clone(), id, item.clone());
    let recorded = state
        .db(move |conn| {
            Ok(flow::record_upload(
                conn, &w, i, &a, &file, &limits, &address,
            )?)
        })
        .await;
    if let Err(e) = recorded {
        forget_if_unreferenced(state, key).await;
        return Err(e);
    }
    let (w, i) = (who, id);
    let views = state.db(move |conn| Ok(flow::list(conn, &w, i)?)).await?;
    let row = recorded.expect("checked above");
    views
        .into_iter()
        .find(|v| v.id == row.id)
        .ok_or(AppError::NotFound)
}

/// Deletes stored content no record refers to (the caller holds the references lock).
pub(crate) async fn forget_if_unreferenced(state: &AppState, key: Key) {
    let k = key.as_str().to_string();
    let unreferenced = state
        .db(move |conn| Ok(queries::evidence::unreferenced(conn, &k)?))
        .await;
    if let Ok(true) = unreferenced {
        if let Err(e) = state.evidence.store.delete_unreferenced(&key).await {
            tracing::warn!(error = %e, "evidence: could not delete an unreferenced file");
        }
    }
}

/// Uploads one evidence file for a capability item (multipart: `file` and
/// `description`). In a draft any number of files per item; after submission only for
/// items a clarification request reopened, as a new version.
#[utoipa::path(post, path = "/api/v1/applications/{id}/items/{item}/evidence",
    params(("id" = uuid::Uuid, Path), ("item" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "fields: file, description"),
    responses((status = 201, body = EvidenceView), (status = 404), (status = 408, description = "the body was too slow (upload_idle_seconds, upload_total_seconds)"),
        (status = 409, description = "evidence locked"),
        (status = 429, description = "this person's uploads_max_per_user uploads are in progress (Retry-After)"),
        (status = 503, description = "uploads_max_total uploads are in progress (Retry-After)"),
        (status = 413, description = "file larger than evidence_max_file_mb, or the application's quota exceeded"),
        (status = 422, description = "type not accepted (content and extension must agree), unsafe ZIP, no description"),
        (status = 507, description = "the server's disk or quota is full (evidence.storage_full); nothing was kept")),
    security(("bearer" = [])))]
pub async fn upload_api(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(ApplicationId, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let view = receive(&state, caller, id, item, &req, payload).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every evidence file of an application, all versions (`current` marks the latest of
/// each item).
#[utoipa::path(get, path = "/api/v1/applications/{id}/evidence", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = [EvidenceView]), (status = 404)), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let views = state
        .db(move |conn| Ok(flow::list(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

async fn download(
    state: &AppState,
    caller: Caller,
    id: ApplicationId,
    file: EvidenceId,
    inline: bool,
) -> Result<HttpResponse, AppError> {
    let Caller {
        principal: who,
        address,
        ..
    } = caller;
    let row = state
        .db(move |conn| Ok(flow::for_download(conn, &who, id, file, &address)?))
        .await?;
    let key = Key::parse(&row.content_sha256)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad stored key")))?;
    let body = state
        .evidence
        .store
        .open(&key)
        .await
        .map_err(AppError::internal)?;
    let preview = inline && previewable(&row.media_type);
    let mut res = HttpResponse::Ok();
    if preview {
        res.insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"));
    }
    Ok(res
        .insert_header((header::CONTENT_TYPE, row.media_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            disposition(&row.display_name, &row.media_type, preview),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            if preview { PREVIEW_CSP } else { DOWNLOAD_CSP },
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        // Already compressed or not worth it; and keeps Content-Length exact.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("x-content-sha256", row.content_sha256.as_str()))
        .no_chunking(row.size_bytes as u64)
        .streaming(body))
}

/// Downloads one file, as an attachment, with the type recognised at upload.
#[utoipa::path(get, path = "/api/v1/applications/{id}/evidence/{file}", params(("id" = uuid::Uuid, Path), ("file" = uuid::Uuid, Path)),
    responses((status = 200, description = "the file (Content-Disposition: attachment)"), (status = 404)), security(("bearer" = [])))]
pub async fn download_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, EvidenceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, file) = path.into_inner();
    download(&state, caller, id, file, false).await
}

async fn remove(
    state: &AppState,
    caller: Caller,
    id: ApplicationId,
    file: EvidenceId,
) -> Result<(), AppError> {
    let Caller {
        principal: who,
        address,
        ..
    } = caller;
    let _guard = state.evidence.references.lock().await;
    let unreferenced = state
        .db(move |conn| Ok(flow::remove(conn, &who, id, file, &address)?))
        .await?;
    if let Some(key) = unreferenced.as_deref().and_then(Key::parse) {
        if let Err(e) = state.evidence.store.delete_unreferenced(&key).await {
            tracing::warn!(error = %e, "evidence: could not delete an unreferenced file");
        }
    }
    Ok(())
}

/// Removes a file while its item can still change (a draft, or a reopened item's new
/// version).
#[utoipa::path(delete, path = "/api/v1/applications/{id}/evidence/{file}", params(("id" = uuid::Uuid, Path), ("file" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "evidence locked")), security(("bearer" = [])))]
pub async fn delete_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, EvidenceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, file) = path.into_inner();
    remove(&state, caller, id, file).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn back_to(id: ApplicationId, item: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/applications/{id}#item-{item}")))
        .finish()
}

/// The page form's upload (multipart; the CSRF token travels in the query string).
pub async fn upload_page(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(ApplicationId, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    receive(&state, caller, id, item.clone(), &req, payload).await?;
    Ok(back_to(id, &item))
}

#[derive(serde::Deserialize)]
pub struct DownloadQuery {
    /// `?inline=1`: shown in the scoring page's sandboxed preview frame (PDF and images
    /// only; other types still download as attachments).
    #[serde(default)]
    inline: Option<String>,
}

pub async fn download_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, EvidenceId)>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, file) = path.into_inner();
    let inline = query.inline.as_deref() == Some("1");
    download(&state, caller, id, file, inline).await
}

pub async fn delete_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, EvidenceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, file) = path.into_inner();
    remove(&state, caller, id, file).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/applications/{id}")))
        .finish())
}
