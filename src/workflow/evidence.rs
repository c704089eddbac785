//! Evidence of an application: where an upload may go, recording it once its file is
//! durable, listing, removing, and reopening items for a clarification request.
//!
//! Every file is looked up through its application, and the application through the
//! caller's enterprise: another enterprise's ids answer exactly like missing ones.

use crate::config::EvidenceConfig;
use crate::db::models::audit;
use crate::domain::audit::{Actor, Kind};
use crate::domain::visibility::Viewer;
use chrono::NaiveDateTime;

use super::applications::visible;
use crate::db::models::applications::{self as app_store, ApplicationRow};
use crate::db::models::evidence::{self as store, EvidenceRow};
use crate::db::models::surveillances::{self as surveillance_store, SurveillanceRow};
use crate::db::models::{catalog, enterprises, now, rounds};
use crate::db::sql_types::Json;
use crate::db::{write_tx, DbConn};
use crate::domain::access::Principal;
use crate::domain::application::may_edit;
use crate::domain::application_status::Status;
use crate::domain::catalog::Part;
use crate::domain::evidence::{
    edit_window, limit_exceeded, may_read_evidence, may_reopen, EditWindow, EvidenceFacts, ZipEntry,
};
use crate::domain::ids::{ApplicationId, EvidenceId};
use crate::domain::surveillance::evidence_window as surveillance_window;
use crate::refusal::{Code, Refusal};

/// Where an upload goes and how much room is left.
#[derive(Debug, Clone)]
pub struct UploadTarget {
    pub application: ApplicationRow,
    pub window: EditWindow,
    pub used_bytes: u64,
    /// The open surveillance of a certified application that selected the item: the
    /// upload is its evidence.
    pub surveillance: Option<SurveillanceRow>,
}

/// The model part an application is for.
pub fn part_of(conn: &mut DbConn, app: &ApplicationRow) -> Result<Part, Refusal> {
    let r = rounds::get(conn, app.round_id)?.ok_or(Refusal::NotFound)?;
    let version = r.model_version_id;
    let model = catalog::get_version(conn, version)?
        .ok_or(Refusal::NotFound)?
        .model;
    model.part(&app.part_code).cloned().ok_or(Refusal::NotFound)
}

/// The capability item codes of the application's part.
fn part_items(conn: &mut DbConn, app: &ApplicationRow) -> Result<Vec<String>, Refusal> {
    Ok(part_of(conn, app)?
        .domains
        .iter()
        .flat_map(|d| &d.items)
        .map(|i| i.code.clone())
        .collect())
}

/// The application the caller's enterprise may change the evidence of.
fn editable(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
) -> Result<ApplicationRow, Refusal> {
    let app = visible(conn, who, id)?;
    let member_of = enterprises::membership(conn, who.user_id)?;
    if !may_edit(who, app.enterprise_id, member_of) {
        return Err(Refusal::Forbidden(Code::EvidenceChangeForbidden.into()));
    }
    Ok(app)
}

/// Checks an upload before any byte is received: the application is the caller's, the
/// item is one of its part, and its evidence may change now.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn upload_target(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
    item: &str,
) -> Result<UploadTarget, Refusal> {
    let application = editable(conn, who, id)?;
    if !part_items(conn, &application)?.iter().any(|c| c == item) {
        return Err(Refusal::Invalid(
            Code::UnknownCapabilityItem
                .with("part", &application.part_code)
                .with("item", item),
        ));
    }
    let open_surveillance = if application.status == Status::Certified {
        surveillance_store::open_for_item(conn, id, item)?
    } else {
        None
    };
    let (window, surveillance) = match open_surveillance {
        Some((row, version)) => (surveillance_window(version, row.due_on, now()), Some(row)),
        None => {
            let reopening = store::latest_reopening(conn, id, item)?;
            let window = edit_window(application.status, reopening, now())
                .map_err(|l| Refusal::Conflict(l.into()))?;
            (window, None)
        }
    };
    let used_bytes = store::bytes_used(conn, id)?.max(0) as u64;
    Ok(UploadTarget {
        application,
        window,
        used_bytes,
        surveillance,
    })
}

/// A received file whose content is durable in storage.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub display_name: String,
    pub description: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub zip_entries: Option<Vec<ZipEntry>>,
}

/// Records an upload whose file is already durable. Everything checked before the
/// upload is checked again in the transaction (the status or quota may have changed).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn record_upload(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
    item: &str,
    file: &StoredFile,
    limits: &EvidenceConfig,
    address: &str,
) -> Result<EvidenceRow, Refusal> {
    write_tx(conn, |conn| {
        let target = upload_target(conn, who, id, item)?;
        if let Some(limit) = limit_exceeded(
            file.size,
            limits.max_file_bytes,
            limits.quota_bytes,
            target.used_bytes,
        ) {
            return Err(Refusal::Conflict(limit.into()));
        }
        let row = EvidenceRow {
            id: EvidenceId::new(),
            application_id: id,
            item_code: item.to_string(),
            version: target.window.version(),
            description: file.description.clone(),
            display_name: file.display_name.clone(),
            media_type: file.media_type.clone(),
            size_bytes: file.size as i64,
            content_sha256: file.sha256.clone(),
            uploaded_by: who.user_id,
            uploaded_at: now(),
            zip_entries: file.zip_entries.clone().map(Json),
        };
        store::insert(conn, &row)?;
        if let Some(s) = &target.surveillance {
            crate::workflow::surveillances::evidence_arrived(conn, s)?;
        }
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::EvidenceUploaded,
            ("application", &id),
            serde_json::json!({
                "file": row.id,
                "item": row.item_code,
                "version": row.version,
                "name": row.display_name,
                "sha256": row.content_sha256,
                "size": row.size_bytes,
                "surveillance": target.surveillance.as_ref().map(|s| s.id),
            }),
        )?;
        Ok(row)
    })
}

/// The facts [`may_read_evidence`] decides on, for this caller and application.
fn readable(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
) -> Result<ApplicationRow, Refusal> {
    let app = app_store::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let member_of = enterprises::membership(conn, who.user_id)?;
    // The scoring view already decides panel seats and review recusal; an assessor who
    // is not on the panel is simply not entitled here.
    let viewer = crate::workflow::scoring::viewer_for(conn, who, &app).ok();
    let facts = EvidenceFacts {
        application_enterprise: app.enterprise_id,
        viewer_enterprise: member_of,
        // A surveillance's assessors read the evidence of the application they assess.
        viewer_on_panel: matches!(viewer, Some(Viewer::PanelMember { .. }))
            || surveillance_store::assesses_application(conn, who.user_id, app.id)?,
        viewer_reviews: matches!(viewer, Some(Viewer::Reviewer)),
    };
    if may_read_evidence(who, &facts) {
        Ok(app)
    } else {
        Err(Refusal::NotFound)
    }
}

/// One file as listed: its record, whether it is the item's current version, and
/// whether the caller may remove it now.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: EvidenceId,
    pub item_code: String,
    pub version: i32,
    /// Files of the item's latest version; earlier versions are kept for the panel.
    pub current: bool,
    pub description: String,
    pub display_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[schema(value_type = String)]
    pub uploaded_at: NaiveDateTime,
    /// For ZIP archives: the entries (name, size), listed, never extracted.
    #[schema(value_type = Option<Vec<Object>>)]
    pub zip_entries: Option<Vec<ZipEntry>>,
    pub removable: bool,
}

/// Every file of an application the caller may read, all versions.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn list(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
) -> Result<Vec<EvidenceView>, Refusal> {
    let app = readable(conn, who, id)?;
    let rows = store::for_application(conn, id)?;
    let member_of = enterprises::membership(conn, who.user_id)?;
    let editor = may_edit(who, app.enterprise_id, member_of);
    let mut latest: std::collections::BTreeMap<&str, i32> = Default::default();
    for r in &rows {
        let v = latest.entry(&r.item_code).or_insert(r.version);
        *v = (*v).max(r.version);
    }
    let mut windows: std::collections::BTreeMap<String, Option<EditWindow>> = Default::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let window = match windows.get(&r.item_code) {
            Some(w) => *w,
            None => {
                let reopening = store::latest_reopening(conn, id, &r.item_code)?;
                let w = edit_window(app.status, reopening, now()).ok();
                windows.insert(r.item_code.clone(), w);
                w
            }
        };
        out.push(EvidenceView {
            id: r.id,
            item_code: r.item_code.clone(),
            version: r.version,
            current: latest.get(r.item_code.as_str()) == Some(&r.version),
            description: r.description.clone(),
            display_name: r.display_name.clone(),
            media_type: r.media_type.clone(),
            size_bytes: r.size_bytes,
            sha256: r.content_sha256.clone(),
            uploaded_at: r.uploaded_at,
            zip_entries: r.zip_entries.as_ref().map(|z| z.0.clone()),
            removable: editor && window.is_some_and(|w| w.may_remove(r.version)),
        });
    }
    Ok(out)
}

/// One file for download, if the caller may read the application's evidence. Every
/// download is recorded in the audit log (who read which file, from where).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn for_download(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
    file: EvidenceId,
    address: &str,
) -> Result<EvidenceRow, Refusal> {
    write_tx(conn, |conn| {
        readable(conn, who, id)?;
        let row = store::get(conn, id, file)?.ok_or(Refusal::NotFound)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::EvidenceDownloaded,
            ("application", &id),
            serde_json::json!({"file": row.id, "item": row.item_code, "version": row.version}),
        )?;
        Ok(row)
    })
}

/// Removes a file while its item may change; returns its content hash when no record
/// refers to that content any more (the caller then deletes the stored file).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn remove(
    conn: &mut DbConn,
    who: &Principal,
    id: ApplicationId,
    file: EvidenceId,
    address: &str,
) -> Result<Option<String>, Refusal> {
    write_tx(conn, |conn| {
        let app = editable(conn, who, id)?;
        let row = store::get(conn, id, file)?.ok_or(Refusal::NotFound)?;
        let reopening = store::latest_reopening(conn, id, &row.item_code)?;
        let window =
            edit_window(app.status, reopening, now()).map_err(|l| Refusal::Conflict(l.into()))?;
        if !window.may_remove(row.version) {
            return Err(Refusal::Conflict(
                Code::EvidenceVersionKept
                    .with("version", row.version)
                    .with("item", &row.item_code),
            ));
        }
        store::delete(conn, row.id)?;
        audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::EvidenceDeleted,
            ("application", &id),
            serde_json::json!({"file": row.id, "item": row.item_code, "version": row.version}),
        )?;
        let unreferenced = store::references(conn, &row.content_sha256)? == 0;
        Ok(unreferenced.then_some(row.content_sha256))
    })
}

/// Reopens capability items of a submitted application until `until` (UTC), for a
/// clarification request of the panel: uploads to them become a new version, earlier
/// versions are kept. Returns each item with the version its new uploads get. One
/// transaction; inside a caller's transaction use [`reopen_items_in`].
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn reopen_items(
    conn: &mut DbConn,
    application: ApplicationId,
    items: &[String],
    until: NaiveDateTime,
) -> Result<Vec<(String, i32)>, Refusal> {
    write_tx(conn, |conn| {
        reopen_items_in(conn, application, items, until)
    })
}

/// [`reopen_items`] within the caller's transaction (a clarification request recorded
/// together with the reopening).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn reopen_items_in(
    conn: &mut DbConn,
    application: ApplicationId,
    items: &[String],
    until: NaiveDateTime,
) -> Result<Vec<(String, i32)>, Refusal> {
    let app = app_store::get(conn, application)?.ok_or(Refusal::NotFound)?;
    if !may_reopen(app.status) {
        return Err(Refusal::Conflict(
            Code::EvidenceCannotReopen.with("status", app.status),
        ));
    }
    if items.is_empty() {
        return Err(Refusal::Invalid(Code::EvidenceReopenItemsMissing.into()));
    }
    if until <= now() {
        return Err(Refusal::Invalid(Code::EvidenceReopenInPast.into()));
    }
    let known = part_items(conn, &app)?;
    let mut out: Vec<(String, i32)> = Vec::new();
    for item in items {
        if !known.contains(item) {
            return Err(Refusal::Invalid(
                Code::UnknownCapabilityItem
                    .with("part", &app.part_code)
                    .with("item", item),
            ));
        }
        if out.iter().any(|(i, _)| i == item) {
            continue;
        }
        let version = match store::latest_reopening(conn, application, item)? {
            Some(r) => r.version + 1,
            None => 2,
        };
        store::insert_reopening(conn, application, item, version, until)?;
        out.push((item.clone(), version));
    }
    Ok(out)
}
