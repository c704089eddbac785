//! The web inbox (everyone's own notifications) and the outbox view (secretariat), both
//! a page at a time.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::listing::{parse_search, Window};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::listing::{self, kept, Links};
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries;
use crate::workflow::queries::mail::{OutboxFilter, OutboxStatus};
use crate::workflow::views::notifications::notification_view;
use crate::workflow::views::NotificationView;

/// The parameters of the inbox, the same for the page and the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Notifications per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

impl InboxQuery {
    fn window(&self) -> Result<Window, AppError> {
        listing::window(
            queries::mail::INBOX_LIST,
            queries::mail::INBOX_KEY_PARTS,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )
    }

    fn kept(&self) -> Vec<(&'static str, String)> {
        vec![("limit", kept(&self.limit))]
    }
}

pub async fn inbox_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let window = query.window()?;
    let listed = state
        .db(move |conn| {
            Ok(queries::mail::inbox_with_certificates(
                conn,
                caller.principal.user_id,
                &window,
            )?)
        })
        .await?;
    let links = Links::of(&listed, &query.kept());
    let shown: Vec<_> = listed
        .rows
        .iter()
        .map(|(n, certificate)| {
            serde_json::json!({
                "at": n.created_at.format("%Y-%m-%d %H:%M").to_string(),
                "subject": n.subject, "text": n.body_text,
                "certificate": certificate,
            })
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("notifications", &shown);
    ctx.insert("pager_path", "/inbox");
    ctx.insert("next_qs", &links.next_qs);
    ctx.insert("prev_qs", &links.prev_qs);
    page(&state.templates, "pages/inbox.html", &ctx)
}

/// The caller's own notifications, newest first (the same messages as their e-mail;
/// links with secrets are left out), a page at a time: the `Link` header names the next
/// and previous pages.
#[utoipa::path(get, path = "/api/v1/notifications", params(InboxQuery),
    responses((status = 200, body = [NotificationView],
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor or limit that cannot be used")),
    security(("bearer" = [])))]
pub async fn notifications_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let window = query.window()?;
    let listed = state
        .db(move |conn| {
            let page = queries::mail::inbox_page(conn, caller.principal.user_id, &window)?;
            Ok(page.map(notification_view))
        })
        .await?;
    let links = Links::of(&listed, &query.kept());
    Ok(links.json("/api/v1/notifications", listed.rows))
}

/// The parameters of the outbox page.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct OutboxQuery {
    pub after: Option<String>,
    pub before: Option<String>,
    pub limit: Option<i64>,
    /// Part of the recipient's address, or a message kind.
    pub q: Option<String>,
    /// pending, failed or sent; none: every message not sent yet.
    pub status: Option<String>,
}

pub async fn outbox_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(
            s.parse::<OutboxStatus>()
                .map_err(|_| AppError::bad_request(Code::FilterInvalid.with("value", s)))?,
        ),
    };
    let filter = OutboxFilter {
        status,
        search: parse_search(query.q.as_deref()).map_err(AppError::bad_request)?,
    };
    let window = listing::window(
        queries::mail::OUTBOX_LIST,
        queries::mail::OUTBOX_KEY_PARTS,
        query.after.as_deref(),
        query.before.as_deref(),
        query.limit,
    )?;
    let listed = state
        .db(move |conn| Ok(queries::mail::outbox_page(conn, &filter, &window)?))
        .await?;
    let links = Links::of(
        &listed,
        &[
            ("q", kept(&query.q)),
            ("status", kept(&query.status)),
            ("limit", kept(&query.limit)),
        ],
    );
    let shown: Vec<_> = listed
        .rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "created": r.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "to": r.recipient_address, "kind": r.message_kind, "status": r.status.as_str(),
                "attempts": r.attempts,
                "next": r.next_attempt_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "error": r.last_error.as_deref().map(crate::domain::audit::one_line),
            })
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("messages", &shown);
    ctx.insert("f", &query);
    ctx.insert("statuses", &["pending", "failed", "sent"]);
    ctx.insert("pager_path", "/admin/outbox");
    ctx.insert("next_qs", &links.next_qs);
    ctx.insert("prev_qs", &links.prev_qs);
    page(&state.templates, "pages/admin/outbox.html", &ctx)
}
