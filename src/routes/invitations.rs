//! Enterprise invitations: the administrator invites a colleague by e-mail, the colleague
//! accepts with a new account or the one they are signed in with.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::ids::InvitationId;
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::render::{base_context, form_error, notice, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::invitations::{self, Acceptance};
use crate::workflow::queries;

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
            &state.templates,
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
    let result = async {
        let t = token.clone();
        state
            .db(move |conn| Ok(invitations::pending(conn, &t)?))
            .await?;
        let how = match principal {
            Some(p) => Acceptance::Existing(p),
            None => {
                let (name, password) = invitations::new_account(
                    f.name.as_deref().unwrap_or(""),
                    f.password.as_deref().unwrap_or(""),
                )?;
                // Hashed between two connections, never while holding one.
                let password_hash = state.hash_password(password).await?;
                Acceptance::NewAccount {
                    name,
                    password_hash,
                }
            }
        };
        let t = token.clone();
        state
            .db(move |conn| Ok(invitations::accept(conn, &t, &how, &address)?))
            .await
    }
    .await;
    match result {
        Ok(_) if visitor.principal.is_some() => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/inbox"))
            .finish()),
        Ok(_) => notice(&state.templates, &visitor, &req, "invite.accepted"),
        Err(e) => form_error(
            &state.templates,
            &visitor,
            &req,
            "pages/invitations/accept.html",
            &[("token", &token)],
            e,
        ),
    }
}
