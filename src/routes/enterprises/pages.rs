//! "My enterprise": the registration form, or the enterprise and its verification; and
//! the secretariat's verification queue.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::ids::EnterpriseId;
use crate::error::AppError;
use crate::refusal::Refusal;
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::render::{base_context, page, page_with_form, refusal_text, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::enterprises::{self, Registration};
use crate::workflow::queries;
use crate::workflow::views::enterprises::enterprise_view;

use super::api::EnterpriseListQuery;
use crate::web::listing::Links;

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

#[derive(serde::Serialize)]
struct Queued {
    enterprise: crate::workflow::views::EnterpriseView,
    members: i64,
}

/// The secretariat's verification queue: waiting enterprises first (earliest
/// registration first), then the verified ones a page at a time (newest first); `q`
/// searches both by name or credit code.
pub async fn queue_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<EnterpriseListQuery>,
) -> Result<HttpResponse, AppError> {
    render_queue(
        &state,
        caller,
        &visitor,
        &req,
        query.into_inner(),
        &FormState::default(),
    )
    .await
}

async fn render_queue(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    query: EnterpriseListQuery,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let (mut filter, window) = query.check()?;
    filter.verified = Some(true);
    let (waiting, verified) = state
        .db(move |conn| {
            let queued = |(row, members)| Queued {
                enterprise: enterprise_view(row, &caller.principal),
                members,
            };
            let waiting: Vec<Queued> = queries::enterprises::waiting(conn, filter.search.clone())?
                .into_iter()
                .map(queued)
                .collect();
            let verified = queries::enterprises::page(conn, &filter, &window)?.map(queued);
            Ok((waiting, verified))
        })
        .await?;
    let links = Links::of(&verified, &query.kept());
    let ctx = with(base_context(visitor, req.path()), "waiting", &waiting);
    let ctx = with(ctx, "verified", &verified.rows);
    let ctx = with(ctx, "f", &query);
    let ctx = with(ctx, "pager_path", "/enterprises");
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    page_with_form(&state.templates, "pages/enterprises/queue.html", ctx, form)
}

/// Verifies an enterprise from the queue, after confirming; a refusal (already
/// verified meanwhile) shows the queue again with the reason.
pub async fn verify_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<EnterpriseId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    if !confirm::is_confirmed(&fields) {
        let e = state
            .db(move |conn| queries::enterprises::get(conn, id)?.ok_or(AppError::NotFound))
            .await?;
        return confirm::page(
            &state.templates,
            &visitor,
            &req,
            Confirmation {
                title_key: "confirm.enterprise_verify.title",
                question_key: "confirm.enterprise_verify.question",
                args: vec![("enterprise", e.name_zh), ("credit_code", e.credit_code)],
                fields: &fields,
                back: "/enterprises",
            },
        );
    }
    let (by, address) = (caller.principal.user_id, caller.address.clone());
    let outcome = state
        .db(move |conn| Ok(enterprises::verify(conn, id, by, &address)))
        .await?;
    match outcome {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/enterprises"))
            .finish()),
        Err(refusal) => {
            let form = FormState::refused(&fields, refusal.into(), visitor.lang, None)?;
            render_queue(
                &state,
                caller,
                &visitor,
                &req,
                EnterpriseListQuery::default(),
                &form,
            )
            .await
        }
    }
}
