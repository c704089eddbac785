//! "My enterprise": the registration form, or the enterprise and its verification.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::refusal::Refusal;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, refusal_text, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::enterprises::{self, Registration};
use crate::workflow::queries;
use crate::workflow::views::enterprises::enterprise_view;

#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct RegistrationForm {
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    form: &RegistrationForm,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let who = caller.principal.clone();
    let enterprise = state
        .db(move |conn| {
            let row = queries::enterprises::mine(conn, who.user_id)?;
            Ok(row.map(|row| enterprise_view(row, &who)))
        })
        .await?;
    let ctx = with(base_context(visitor, req.path()), "enterprise", &enterprise);
    let ctx = with(ctx, "form", form);
    let ctx = with(ctx, "error", &error);
    let mut res = page(&state.templates, "pages/enterprises/mine.html", &ctx)?;
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn mine_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        &caller,
        &visitor,
        &req,
        &RegistrationForm::default(),
        None,
    )
    .await
}

/// Registers the caller's enterprise from the page form; a refusal shows the form
/// again with the values and the reason.
pub async fn register_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    form: web::Form<RegistrationForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let registration = Registration {
        name_zh: form.name_zh.clone(),
        name_en: Some(form.name_en.clone()),
        credit_code: form.credit_code.clone(),
        address: form.address.clone(),
        contact_name: form.contact_name.clone(),
        contact_email: form.contact_email.clone(),
        contact_phone: form.contact_phone.clone(),
    };
    let (user, address) = (caller.principal.user_id, caller.address.clone());
    let outcome = state
        .db(move |conn| Ok(enterprises::register(conn, user, &registration, &address)))
        .await?;
    match outcome {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/enterprise"))
            .finish()),
        Err(Refusal::Invalid(reason) | Refusal::Conflict(reason)) => {
            let m = refusal_text(&reason, visitor.lang);
            render(&state, &caller, &visitor, &req, &form, Some(m)).await
        }
        Err(other) => Err(other.into()),
    }
}
