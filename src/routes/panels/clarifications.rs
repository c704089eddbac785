//! Clarification requests of the panel's lead and the enterprise's answers.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use tera::Context;

use super::scoring::Refused;
use super::{back_to, field, no_content, FormFields};
use crate::domain::access::{Principal, Role};
use crate::domain::ids::{ApplicationId, ClarificationId, Named};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page_with_form, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries;
use crate::workflow::scoring::{self, ClarificationRequest};
use crate::workflow::views::ClarificationView;

/// Clarification requests of an application (panel, secretariat, the enterprise).
#[utoipa::path(get, path = "/api/v1/applications/{id}/clarifications", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = [ClarificationView]), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn clarifications_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let rows = state
        .db(move |conn| {
            Ok(queries::scoring::clarifications(
                conn,
                &caller.principal,
                id,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// The lead asks for more evidence on named items by a deadline (reopens them).
#[utoipa::path(post, path = "/api/v1/applications/{id}/clarifications", params(("id" = uuid::Uuid, Path)), request_body = ClarificationRequest, responses((status = 201), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn request_clarification_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<ClarificationRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let cid = state
        .db(move |conn| {
            Ok(scoring::request_clarification(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": cid })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerRequest {
    /// An id that is not one is refused as an unknown one (409, no open request).
    #[schema(value_type = String, format = Uuid)]
    clarification_id: Named<ClarificationId>,
    answer: String,
}

/// The enterprise answers a clarification request.
#[utoipa::path(post, path = "/api/v1/applications/{id}/clarification-answers", params(("id" = uuid::Uuid, Path)), request_body = AnswerRequest, responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn answer_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<AnswerRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, a) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(scoring::answer_clarification(
                conn,
                &caller.principal,
                id,
                a.clarification_id,
                &a.answer,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// The last minute of `day` in Beijing, the programme's time, as UTC: a deadline typed as
/// a date on a page.
fn end_of_beijing_day(day: chrono::NaiveDate) -> Option<chrono::NaiveDateTime> {
    use chrono::TimeZone;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&day.and_hms_opt(23, 59, 0)?)
        .single()
        .map(|t| t.naive_utc())
}

/// The lead's clarification form on the assessment page: `items` (ticked, repeated),
/// `message` and `deadline` (a date, Beijing time). A refusal shows the page again with
/// what was typed and ticked.
pub async fn request_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let items: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "items")
        .map(|(_, v)| v.clone())
        .collect();
    let deadline = field(&f, "deadline")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .and_then(end_of_beijing_day)
        .ok_or_else(|| AppError::invalid(Code::ClarificationDeadlineNotADate));
    let result = match deadline {
        Ok(deadline) => {
            let request = ClarificationRequest {
                items: items.clone(),
                message: field(&f, "message").unwrap_or("").to_string(),
                deadline,
            };
            let (who, address) = (caller.principal.clone(), caller.address.clone());
            state
                .db(move |conn| {
                    Ok(scoring::request_clarification(
                        conn, &who, id, &request, &address,
                    )?)
                })
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back_to(&format!(
            "/applications/{id}/assessment#clarifications"
        ))),
        Err(e) => {
            let form = FormState::refused(&f, e, visitor.lang, None)?;
            super::scoring::render(
                &state,
                caller,
                &visitor,
                &req,
                id,
                (&form, Some(Refused::Clarification), &items),
            )
            .await
        }
    }
}

/// The clarification requests of an application for its page (the enterprise answers
/// there; the secretariat reads them): `clarifications` in the context.
pub async fn with_clarifications(
    state: &AppState,
    who: Principal,
    id: ApplicationId,
    ctx: Context,
) -> Result<Context, AppError> {
    let editor = who.has(Role::Enterprise);
    let rows = state
        .db(move |conn| Ok(queries::scoring::clarifications(conn, &who, id)?))
        .await?;
    let mut ctx = with(ctx, "clarifications", &rows);
    ctx.insert("application_id", &id);
    ctx.insert("editor", &editor);
    if !ctx.contains_key("form") {
        ctx.insert("form", &FormState::default());
    }
    Ok(ctx)
}

/// The enterprise's answer form (`clarification_id`, `answer`). A refusal shows the
/// requests again with the answer typed and the message beside it.
pub async fn answer_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let clarification: Named<ClarificationId> =
        Named::parse(field(&f, "clarification_id").unwrap_or(""));
    let answer = field(&f, "answer").unwrap_or("").to_string();
    let (who, address) = (caller.principal.clone(), caller.address.clone());
    let result = state
        .db(move |conn| {
            Ok(scoring::answer_clarification(
                conn,
                &who,
                id,
                clarification,
                &answer,
                &address,
            )?)
        })
        .await;
    match result {
        Ok(()) => Ok(back_to(&format!("/applications/{id}#clarifications"))),
        Err(e) => {
            let form = FormState::refused(&f, e, visitor.lang, field(&f, "clarification_id"))?;
            let ctx = base_context(&visitor, req.path());
            let ctx = with_clarifications(&state, caller.principal, id, ctx).await?;
            page_with_form(&state.templates, "pages/panels/answer.html", ctx, &form)
        }
    }
}
