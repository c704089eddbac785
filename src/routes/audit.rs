//! The audit log for the secretariat: a filtered page, a CSV export and the API.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::audit::{csv_cell, one_line, Kind};
use crate::error::AppError;
use crate::web::listing::Links;
use crate::web::render::{base_context, csv_attachment, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries::audit::{self as read, AuditRow, Filter, Query};
use crate::workflow::views::audit::audit_entry_view;
use crate::workflow::views::AuditEntryView;

fn checked(filter: &Filter) -> Result<Query, AppError> {
    filter.check().map_err(AppError::bad_request)
}

/// A row for display: user text on one line (the template escapes markup).
fn shown(r: &AuditRow) -> serde_json::Value {
    serde_json::json!({
        "seq": r.seq,
        "at": r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
        "actor_name": one_line(&r.actor_name),
        "actor_user_id": r.actor_user_id,
        "address": one_line(&r.address),
        "kind": r.kind,
        "object": one_line(&format!("{}:{}", r.object_type, r.object_id)),
        "detail": one_line(&r.detail),
        "hash": &r.hash[..12],
    })
}

pub async fn page_view(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let q = checked(&filter)?;
    let (listed, total) = state.db(move |conn| Ok(read::search(conn, &q)?)).await?;
    let links = Links::of(&listed, &FilterQs::from(&filter).kept());
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert(
        "entries",
        &listed.rows.iter().map(shown).collect::<Vec<_>>(),
    );
    ctx.insert("total", &total);
    ctx.insert("pager_path", "/admin/audit");
    ctx.insert("prev_qs", &links.prev_qs);
    ctx.insert("next_qs", &links.next_qs);
    ctx.insert(
        "csv_qs",
        &serde_urlencoded::to_string(FilterQs::from(&filter).kept()).unwrap_or_default(),
    );
    ctx.insert("f", &FilterQs::from(&filter));
    ctx.insert(
        "kinds",
        &Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    );
    page(&state.templates, "pages/admin/audit.html", &ctx)
}

/// The filter as it goes back into links and the form.
#[derive(serde::Serialize)]
struct FilterQs {
    person: String,
    object: String,
    kind: String,
    from: String,
    until: String,
    limit: String,
}

impl FilterQs {
    /// The filters for the links to other pages and the export (empty ones left out).
    fn kept(&self) -> Vec<(&'static str, String)> {
        [
            ("person", &self.person),
            ("object", &self.object),
            ("kind", &self.kind),
            ("from", &self.from),
            ("until", &self.until),
            ("limit", &self.limit),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect()
    }
}

impl From<&Filter> for FilterQs {
    fn from(f: &Filter) -> FilterQs {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        FilterQs {
            person: s(&f.person),
            object: s(&f.object),
            kind: s(&f.kind),
            from: s(&f.from),
            until: s(&f.until),
            limit: f.limit.map(|l| l.to_string()).unwrap_or_default(),
        }
    }
}

const CSV_HEADER: [&str; 11] = [
    "seq",
    "at_utc",
    "actor_user_id",
    "actor_name",
    "address",
    "kind",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
];

/// Every matching entry as CSV, oldest first: each cell quoted, on one line, and a
/// leading formula character defused.
pub fn to_csv(rows: &[AuditRow]) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            r.seq.to_string(),
            r.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            r.actor_user_id.clone().unwrap_or_default(),
            r.actor_name.clone(),
            r.address.clone(),
            r.kind.clone(),
            r.object_type.clone(),
            r.object_id.clone(),
            r.detail.clone(),
            r.prev_hash.clone(),
            r.hash.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

pub async fn csv_export(
    state: web::Data<AppState>,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let q = checked(&filter.into_inner())?;
    let rows = state.db(move |conn| Ok(read::export(conn, &q)?)).await?;
    Ok(csv_attachment("certcase-audit.csv", &to_csv(&rows)))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    entries: Vec<AuditEntryView>,
    /// The page number asked for (1 when paging by cursor).
    page: i64,
    page_size: i64,
    total: i64,
    /// The cursor for `after=` of the next page (older entries), when there is one.
    next: Option<String>,
    /// The cursor for `before=` of the previous page (newer entries), when there is one.
    previous: Option<String>,
}

/// Audit entries, newest first, filtered by person, object, kind and time (secretariat),
/// a page at a time: `next`/`previous` (and the `Link` header) lead to the neighbours.
#[utoipa::path(get, path = "/api/v1/audit", params(Filter),
    responses((status = 200, body = AuditPage,
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a filter value or cursor cannot be read")),
    security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let q = checked(&filter)?;
    let page_no = q.page.get();
    let page_size = q.window.limit.get();
    let (listed, total) = state.db(move |conn| Ok(read::search(conn, &q)?)).await?;
    let links = Links::of(&listed, &FilterQs::from(&filter).kept());
    Ok(links.json(
        "/api/v1/audit",
        AuditPage {
            next: listed.next,
            previous: listed.previous,
            entries: listed.rows.into_iter().map(audit_entry_view).collect(),
            page: page_no,
            page_size,
            total,
        },
    ))
}
