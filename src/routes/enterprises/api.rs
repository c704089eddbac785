//! Enterprise registration (enterprise members) and verification (secretariat).

use actix_web::{web, HttpResponse};

use crate::domain::ids::EnterpriseId;
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::AppState;
use crate::workflow::enterprises::{self, Registration};
use crate::workflow::queries::enterprises as read;
use crate::workflow::views::enterprises::enterprise_view;
use crate::workflow::views::EnterpriseView;

/// Registers the caller's enterprise; the caller becomes its administrator.
#[utoipa::path(post, path = "/api/v1/enterprises", request_body = Registration,
    responses((status = 201, description = "registered; awaiting verification"), (status = 409), (status = 422, description = "e.g. a wrong credit-code check character")),
    security(("bearer" = [])))]
pub async fn register_api(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Registration>,
) -> Result<HttpResponse, AppError> {
    let r = body.into_inner();
    let id = state
        .db(move |conn| {
            Ok(enterprises::register(
                conn,
                caller.principal.user_id,
                &r,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id, "verified": false })))
}

/// The caller's enterprise.
#[utoipa::path(get, path = "/api/v1/enterprises/mine", responses((status = 200, description = "the enterprise", body = EnterpriseView), (status = 404)), security(("bearer" = [])))]
pub async fn mine_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let view = state
        .db(move |conn| {
            let row = read::mine(conn, caller.principal.user_id)?.ok_or(AppError::NotFound)?;
            Ok(enterprise_view(row, &caller.principal))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Every registered enterprise (secretariat).
#[utoipa::path(get, path = "/api/v1/enterprises", responses((status = 200, description = "enterprises, newest first", body = [EnterpriseView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let views: Vec<EnterpriseView> = state
        .db(move |conn| {
            let rows = read::all(conn)?;
            Ok(rows
                .into_iter()
                .map(|row| enterprise_view(row, &caller.principal))
                .collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Verifies an enterprise so that it can submit applications (secretariat).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/verify", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "already verified")), security(("bearer" = [])))]
pub async fn verify_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<EnterpriseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(enterprises::verify(
                conn,
                id,
                caller.principal.user_id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
