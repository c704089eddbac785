//! The web inbox (everyone's own notifications), the outbox view (secretariat), password
//! reset pages and enterprise invitations.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::ids::InvitationId;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, refusal_text};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::invitations::{self, Acceptance};
use crate::workflow::views::notifications::notification_view;
use crate::workflow::views::NotificationView;
use crate::workflow::{password_resets, queries};

const INBOX_SIZE: i64 = 100;

pub async fn inbox_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(move |conn| {
            Ok(queries::mail::inbox(
                conn,
                caller.principal.user_id,
                INBOX_SIZE,
            )?)
        })
        .await?;
    let shown: Vec<_> = rows
        .iter()
        .map(|n| {
            serde_json::json!({
                "at": n.created_at.format("%Y-%m-%d %H:%M").to_string(),
                "subject": n.subject, "text": n.body_text,
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

fn notice(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    key: &str,
) -> Result<HttpResponse, AppError> {
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("notice_key", key);
    page(&state.templates, "pages/notice.html", &ctx)
}

/// A refusal shown on the form it came from, with status 409/422.
fn form_error(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    template: &str,
    extra: &[(&str, &str)],
    err: AppError,
) -> Result<HttpResponse, AppError> {
    let (status, message) = match err {
        AppError::Refused { status, reason } if matches!(status.as_u16(), 409 | 422) => {
            (status, refusal_text(&reason, visitor.lang))
        }
        other => return Err(other),
    };
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("error", &message);
    for (k, v) in extra {
        ctx.insert(*k, v);
    }
    let mut res = page(&state.templates, template, &ctx)?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn forgot_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    page(
        &state.templates,
        "pages/password/forgot.html",
        &base_context(&visitor, req.path()),
    )
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

pub async fn forgot(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.into_inner().email;
    let base = state.config.base_url.clone();
    let address = visitor.address.clone();
    state
        .db(move |conn| Ok(password_resets::request_reset(conn, &email, &base, &address)?))
        .await?;
    notice(&state, &visitor, &req, "mail.reset_sent")
}

pub async fn reset_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let check = token.clone();
    let result = state
        .db(move |conn| Ok(password_resets::check_reset(conn, &check)?))
        .await;
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("token", &token);
    match result {
        Ok(()) => page(&state.templates, "pages/password/reset.html", &ctx),
        Err(e) => form_error(
            &state,
            &visitor,
            &req,
            "pages/password/reset.html",
            &[("token", &token), ("dead", "1")],
            e,
        ),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    password_again: String,
}

pub async fn reset(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.into_inner();
    let address = visitor.address.clone();
    let t = token.clone();
    let result = state
        .db(move |conn| {
            if f.password != f.password_again {
                return Err(AppError::invalid(Code::PasswordsDiffer));
            }
            let p =
                crate::domain::account::Password::parse(&f.password).map_err(AppError::invalid)?;
            Ok(password_resets::reset(conn, &t, &p, &address)?)
        })
        .await;
    match result {
        Ok(_) => notice(&state, &visitor, &req, "mail.reset_done"),
        Err(e) => form_error(
            &state,
            &visitor,
            &req,
            "pages/password/reset.html",
            &[("token", &token)],
            e,
        ),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct InvitationRequest {
    email: String,
}

async fn send_invitation(
    state: &AppState,
    caller: Caller,
    email: String,
) -> Result<InvitationId, AppError> {
    let base = state.config.base_url.clone();
    state
        .db(move |conn| {
            Ok(invitations::invite(
                conn,
                &caller.principal,
                &email,
                caller.lang,
                &base,
                &caller.address,
            )?)
        })
        .await
}

/// Invites a colleague by e-mail to the caller's enterprise (its administrator only).
/// The single-use link, valid 7 days, goes only into the e-mail.
#[utoipa::path(post, path = "/api/v1/enterprises/mine/invitations", request_body = InvitationRequest,
    responses((status = 201, description = "invitation sent"), (status = 403, description = "not the enterprise's administrator"),
        (status = 409, description = "already a member of an enterprise"), (status = 422, description = "not an e-mail address")),
    security(("bearer" = [])))]
pub async fn invite_api(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<InvitationRequest>,
) -> Result<HttpResponse, AppError> {
    let id = send_invitation(&state, caller, body.into_inner().email).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

pub async fn invitations_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (admin, rows) = state
        .db(move |conn| {
            Ok(queries::invitations::of_my_enterprise(
                conn,
                caller.principal.user_id,
            )?)
        })
        .await?;
    let shown: Vec<_> = rows
        .iter()
        .map(|i| {
            serde_json::json!({
                "email": i.email,
                "sent": i.created_at.format("%Y-%m-%d %H:%M").to_string(),
                "expires": i.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                "accepted": i.accepted_at.is_some(),
            })
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("is_admin", &admin);
    ctx.insert("invitations", &shown);
    page(&state.templates, "pages/invitations/list.html", &ctx)
}

pub async fn invite_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: web::Form<InvitationRequest>,
) -> Result<HttpResponse, AppError> {
    send_invitation(&state, caller, form.into_inner().email).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/enterprise/invitations"))
        .finish())
}

pub async fn accept_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let t = token.clone();
    let result = state
        .db(move |conn| Ok(invitations::pending(conn, &t)?))
        .await;
    match result {
        Ok(p) => {
            let mut ctx = base_context(&visitor, req.path());
            ctx.insert("token", &token);
            ctx.insert("email", &p.email);
            ctx.insert("enterprise_name", &p.enterprise_name);
            ctx.insert("signed_in", &visitor.principal.is_some());
            page(&state.templates, "pages/invitations/accept.html", &ctx)
        }
        Err(e) => form_error(
            &state,
            &visitor,
            &req,
            "pages/invitations/accept.html",
            &[("token", &token)],
            e,
        ),
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    name: Option<String>,
    password: Option<String>,
}

pub async fn accept(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let f = form.into_inner();
    let principal = visitor.principal.clone();
    let address = visitor.address.clone();
    let t = token.clone();
    let result = state
        .db(move |conn| {
            let how = match &principal {
                Some(p) => Acceptance::Existing(p),
                None => Acceptance::NewAccount {
                    name: f.name.as_deref().unwrap_or(""),
                    password: f.password.as_deref().unwrap_or(""),
                },
            };
            Ok(invitations::accept(conn, &t, how, &address)?)
        })
        .await;
    match result {
        Ok(_) if visitor.principal.is_some() => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/inbox"))
            .finish()),
        Ok(_) => notice(&state, &visitor, &req, "invite.accepted"),
        Err(e) => form_error(
            &state,
            &visitor,
            &req,
            "pages/invitations/accept.html",
            &[("token", &token)],
            e,
        ),
    }
}
