//! Enterprise groups (secretariat): the API, and the forms of the groups section on the
//! assessor registry page (`/assessors`), where conflicts are kept.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::ids::{EnterpriseGroupId, EnterpriseId, Named};
use crate::error::AppError;
use crate::refusal::Refusal;
use crate::web::caller::Caller;
use crate::web::AppState;
use crate::workflow::enterprise_groups::{self, GroupInput, GroupView};
use crate::workflow::queries;

fn back_to_registry() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/assessors"))
        .finish()
}

/// Every enterprise group with its enterprises (secretariat).
#[utoipa::path(get, path = "/api/v1/enterprise-groups", responses((status = 200, body = [GroupView])), security(("bearer" = [])))]
pub async fn list_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(|conn| Ok(enterprise_groups::groups(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Creates an enterprise group (secretariat).
#[utoipa::path(post, path = "/api/v1/enterprise-groups", request_body = GroupInput,
    responses((status = 201, description = "created"), (status = 409, description = "the name is taken"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_api(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<GroupInput>,
) -> Result<HttpResponse, AppError> {
    let g = body.into_inner();
    let id = state
        .db(move |conn| {
            Ok(enterprise_groups::create(
                conn,
                &caller.principal,
                &g,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MembershipRequest {
    /// An id that is not one is refused as an unknown group (422).
    #[schema(value_type = String, format = Uuid)]
    group_id: Named<EnterpriseGroupId>,
}

/// Puts an enterprise into a group (secretariat); from then on a tie to any enterprise of
/// the group, or a conflict declared with the group, keeps an assessor off its panels.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/group", params(("id" = uuid::Uuid, Path)), request_body = MembershipRequest,
    responses((status = 204), (status = 404), (status = 409, description = "already in a group"), (status = 422)),
    security(("bearer" = [])))]
pub async fn join_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<EnterpriseId>,
    body: web::Json<MembershipRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, group) = (path.into_inner(), body.into_inner().group_id);
    state
        .db(move |conn| {
            Ok(enterprise_groups::join(
                conn,
                &caller.principal,
                id,
                group,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes an enterprise out of its group (secretariat).
#[utoipa::path(delete, path = "/api/v1/enterprises/{id}/group", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "in no group")),
    security(("bearer" = [])))]
pub async fn leave_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<EnterpriseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(enterprise_groups::leave(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
}

pub async fn create_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let g = GroupInput {
        name_zh: f.name_zh,
        name_en: Some(f.name_en),
    };
    state
        .db(move |conn| {
            Ok(enterprise_groups::create(
                conn,
                &caller.principal,
                &g,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to_registry())
}

#[derive(Deserialize)]
pub struct MembershipForm {
    /// The enterprise's unified social credit code (or its id).
    #[serde(default)]
    enterprise: String,
    #[serde(default)]
    group_id: Named<EnterpriseGroupId>,
}

pub async fn join_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: web::Form<MembershipForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    state
        .db(move |conn| {
            // Text that names no enterprise is refused as an unknown enterprise is.
            let enterprise_id: EnterpriseId = queries::enterprises::id_named(conn, &f.enterprise)?
                .parse()
                .map_err(|_| Refusal::NotFound)?;
            Ok(enterprise_groups::join(
                conn,
                &caller.principal,
                enterprise_id,
                f.group_id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to_registry())
}

pub async fn leave_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<EnterpriseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(enterprise_groups::leave(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to_registry())
}
