//! The round's review panel and its members' votes.

use actix_web::{web, HttpResponse};

use super::{back_to, field, FormFields};
use crate::domain::ids::{ApplicationId, RoundId};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::AppState;
use crate::workflow::review::{self, ReviewPanelRequest, VoteRequest};

/// Forms the round's review panel from experts of evaluated enterprises (secretariat).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/review-panel", params(("id" = uuid::Uuid, Path)), request_body = ReviewPanelRequest, responses((status = 201), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn review_panel_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    body: web::Json<ReviewPanelRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let pid = state
        .db(move |conn| {
            Ok(review::form_panel(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": pid })))
}

/// A review member votes approve or return (with reasons); the vote that completes the
/// quorum decides, once.
#[utoipa::path(post, path = "/api/v1/applications/{id}/votes", params(("id" = uuid::Uuid, Path)), request_body = VoteRequest, responses((status = 200), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn vote_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<VoteRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let outcome = state
        .db(move |conn| {
            Ok(review::vote(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "decision": outcome })))
}

/// A review member's vote from the decision view.
pub async fn vote_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let req = VoteRequest {
        approve: field(&f, "vote") == Some("approve"),
        reasons: field(&f, "reasons")
            .unwrap_or("")
            .lines()
            .map(String::from)
            .collect(),
    };
    let back = format!("/applications/{id}/assessment");
    state
        .db(move |conn| {
            Ok(review::vote(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}
