//! Forgotten passwords: asking for a reset link, and the page the link opens.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::account::Password;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::render::{base_context, form_error, notice, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::password_resets;

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
        .db(move |conn| {
            Ok(password_resets::request_reset(
                conn, &email, &base, &address,
            )?)
        })
        .await?;
    notice(&state.templates, &visitor, &req, "mail.reset_sent")
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
            &state.templates,
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
    let result = async {
        if f.password != f.password_again {
            return Err(AppError::invalid(Code::PasswordsDiffer));
        }
        let p = Password::parse(&f.password).map_err(AppError::invalid)?;
        let t = token.clone();
        state
            .db(move |conn| Ok(password_resets::check_reset(conn, &t)?))
            .await?;
        // Hashed between two connections, never while holding one.
        let hash = state.hash_password(p).await?;
        let t = token.clone();
        state
            .db(move |conn| Ok(password_resets::reset(conn, &t, &hash, &address)?))
            .await
    }
    .await;
    match result {
        Ok(_) => notice(&state.templates, &visitor, &req, "mail.reset_done"),
        Err(e) => form_error(
            &state.templates,
            &visitor,
            &req,
            "pages/password/reset.html",
            &[("token", &token)],
            e,
        ),
    }
}
