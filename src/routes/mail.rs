//! The web inbox (everyone's own notifications) and the outbox view (secretariat).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries;
use crate::workflow::views::notifications::notification_view;
use crate::workflow::views::NotificationView;

const INBOX_SIZE: i64 = 100;

pub async fn inbox_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(move |conn| {
            Ok(queries::mail::inbox_with_certificates(
                conn,
                caller.principal.user_id,
                INBOX_SIZE,
            )?)
        })
        .await?;
    let shown: Vec<_> = rows
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
    page(&state.templates, "pages/inbox.html", &ctx)
}

/// The caller's own notifications, newest first (the same messages as their e-mail;
/// links with secrets are left out).
#[utoipa::path(get, path = "/api/v1/notifications",
    responses((status = 200, body = [NotificationView])), security(("bearer" = [])))]
pub async fn notifications_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let views: Vec<NotificationView> = state
        .db(move |conn| {
            let rows = queries::mail::inbox(conn, caller.principal.user_id, INBOX_SIZE)?;
            Ok(rows.into_iter().map(notification_view).collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

pub async fn outbox_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(|conn| Ok(queries::mail::unsent(conn, 200)?))
        .await?;
    let shown: Vec<_> = rows
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
    page(&state.templates, "pages/admin/outbox.html", &ctx)
}
