//! Applications for parts of a round (API).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::ids::{ApplicationId, RoundId};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::AppState;
use crate::workflow::applications::{self, Draft};
use crate::workflow::queries::applications as read;
use crate::workflow::views::applications::{application_detail, application_view};
use crate::workflow::views::{ApplicationDetail, ApplicationView};

/// Starts a draft application for one part of a round (enterprise members).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/applications", params(("id" = uuid::Uuid, Path, description = "round id")), request_body = Draft,
    responses((status = 201, description = "draft created"), (status = 409, description = "already applied for this part"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    body: web::Json<Draft>,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let draft = body.into_inner();
    let id = state
        .db(move |conn| {
            Ok(applications::create(
                conn,
                &caller.principal,
                round_id,
                &draft,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id, "status": "draft" })))
}

/// Applications the caller may see: their enterprise's, or all for the secretariat.
#[utoipa::path(get, path = "/api/v1/applications", responses((status = 200, description = "applications", body = [ApplicationView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let views: Vec<ApplicationView> = state
        .db(move |conn| {
            let rows = read::visible_to(conn, &caller.principal)?;
            Ok(rows.into_iter().map(application_view).collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// One application with its history; another enterprise's id answers 404.
#[utoipa::path(get, path = "/api/v1/applications/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, description = "the application", body = ApplicationDetail), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let detail: ApplicationDetail = state
        .db(move |conn| {
            let application = applications::visible(conn, &caller.principal, id)?;
            let missing_items = applications::missing_items(conn, &application)?;
            Ok(application_detail(
                application,
                read::history(conn, id)?,
                read::exemptions(conn, id)?,
                missing_items,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    /// submit, withdraw (enterprise); accept, reject, start_assessment, certify (secretariat)
    #[schema(
        pattern = "^(submit|accept|reject|start_assessment|withdraw|certify|complete_scoring|send_to_review|approve|return)$"
    )]
    action: String,
    /// Needed to reject, withdraw or return.
    reason: Option<String>,
}

/// Changes an application's status; refused with 409 and the reason when the rules do
/// not allow it now.
#[utoipa::path(post, path = "/api/v1/applications/{id}/transitions", params(("id" = uuid::Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, description = "the new status"), (status = 403), (status = 404), (status = 409, description = "not allowed in this state, window closed, evidence missing"), (status = 422, description = "an unknown action")),
    security(("bearer" = [])))]
pub async fn transition_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let event = applications::parse_event(&b.action, b.reason.as_deref())?;
    let calendars = state.calendars.clone();
    let status = state
        .db(move |conn| {
            Ok(applications::transition(
                conn,
                &caller.principal,
                id,
                &event,
                &calendars,
                chrono::Utc::now(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": status.as_str() })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NotApplicableRequest {
    reason: String,
}

/// Declares a capability item not applicable, with the reason (draft applications).
#[utoipa::path(put, path = "/api/v1/applications/{id}/items/{item}/not-applicable", params(("id" = uuid::Uuid, Path), ("item" = String, Path)),
    request_body = NotApplicableRequest, responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn not_applicable_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    body: web::Json<NotApplicableRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let reason = body.into_inner().reason;
    state
        .db(move |conn| {
            Ok(applications::declare_not_applicable(
                conn,
                &caller.principal,
                id,
                &item,
                &reason,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
