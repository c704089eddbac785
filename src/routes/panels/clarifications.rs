//! Clarification requests of the panel's lead and the enterprise's answers.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::no_content;
use crate::domain::ids::{ApplicationId, ClarificationId, Named};
use crate::error::AppError;
use crate::web::caller::Caller;
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
