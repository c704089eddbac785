//! Surveillance of certificates in force: the secretariat plans, assigns and concludes,
//! the assessors score the selected items, the enterprise follows it (and uploads its
//! evidence through the application's evidence upload). API and pages.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::access::{Access, Role};
use crate::domain::ids::SurveillanceId;
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries::surveillances as read;
use crate::workflow::surveillances::{
    self as flow, today, AssessorsRequest, ConclusionRequest, PlanRequest, ScoreRequest, Settings,
};
use crate::workflow::views::surveillances::SurveillanceView;

/// Everyone a surveillance may concern; the reads decide per surveillance.
pub const PARTIES: Access = Access::AnyOf(&[Role::Secretariat, Role::Assessor, Role::Enterprise]);
/// The page forms: the secretariat's (assign, conclude) and the assessors' (score).
pub const STAFF: Access = Access::AnyOf(&[Role::Secretariat, Role::Assessor]);

fn settings(state: &AppState) -> Settings {
    Settings {
        base_url: state.config.base_url.clone(),
        interval: chrono::Months::new(state.config.surveillance_interval_months),
        max_suspension: chrono::Months::new(state.config.max_suspension_months),
    }
}

async fn detail_of(
    state: &AppState,
    caller: Caller,
    id: SurveillanceId,
) -> Result<SurveillanceView, AppError> {
    let day = today();
    state
        .db(move |conn| Ok(read::detail(conn, &caller.principal, id, day)?))
        .await
}

// ---- API ------------------------------------------------------------------------------

/// Plans a surveillance of a certificate in force: the next of its yearly plan, or at
/// short notice (`complaint_id` and `due_on`) after a complaint asked for one.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/surveillances", params(("number" = String, Path)), request_body = PlanRequest, responses((status = 201, body = SurveillanceView), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn plan_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<PlanRequest>,
) -> Result<HttpResponse, AppError> {
    let (number, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let who = caller.clone();
    let id = state
        .db(move |conn| {
            Ok(flow::plan(
                conn,
                &who.principal,
                &number,
                &req,
                &s,
                today(),
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(detail_of(&state, caller, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only surveillances not yet concluded.
    #[serde(default)]
    open: bool,
}

/// The surveillances the caller may see, soonest due first: all (secretariat), those
/// they assess, their enterprise's.
#[utoipa::path(get, path = "/api/v1/surveillances", params(ListQuery), responses((status = 200, body = [SurveillanceView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let open = query.open;
    let rows = state
        .db(move |conn| Ok(read::list(conn, &caller.principal, open, today())?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(get, path = "/api/v1/surveillances/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = SurveillanceView), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, path.into_inner()).await?))
}

/// Sets the one or two assessors, checked by the panel rules (qualification,
/// certification, conflicts of interest with the enterprise and its group).
#[utoipa::path(put, path = "/api/v1/surveillances/{id}/assessors", params(("id" = uuid::Uuid, Path)), request_body = AssessorsRequest, responses((status = 200, body = SurveillanceView), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn assessors_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
    body: web::Json<AssessorsRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let who = caller.clone();
    state
        .db(move |conn| {
            Ok(flow::assign(
                conn,
                &who.principal,
                id,
                &req,
                &s,
                today(),
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, id).await?))
}

/// An assessor of the surveillance scores one of its selected items (0 to 5).
#[utoipa::path(put, path = "/api/v1/surveillances/{id}/scores/{item}", params(("id" = uuid::Uuid, Path), ("item" = String, Path)), request_body = ScoreRequest, responses((status = 200, body = SurveillanceView), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn score_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SurveillanceId, String)>,
    body: web::Json<ScoreRequest>,
) -> Result<HttpResponse, AppError> {
    let ((id, item), req) = (path.into_inner(), body.into_inner());
    let who = caller.clone();
    state
        .db(move |conn| {
            Ok(flow::score(
                conn,
                &who.principal,
                id,
                &item,
                &req,
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, id).await?))
}

/// Concludes the surveillance with its outcome, which is the certificate's decision:
/// maintain, narrow (scope reduction) or suspend.
#[utoipa::path(post, path = "/api/v1/surveillances/{id}/conclusion", params(("id" = uuid::Uuid, Path)), request_body = ConclusionRequest, responses((status = 200, body = SurveillanceView), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn conclusion_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
    body: web::Json<ConclusionRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let s = settings(&state);
    let data_dir = state.config.data_dir.clone();
    let who = caller.clone();
    state
        .db(move |conn| {
            Ok(flow::conclude(
                conn,
                &who.principal,
                id,
                &req,
                &s,
                data_dir.clone(),
                &who.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail_of(&state, caller, id).await?))
}

// ---- pages ----------------------------------------------------------------------------

type FormFields = web::Form<Vec<(String, String)>>;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, path.to_string()))
        .finish()
}

/// The list: the secretariat's plan with due and overdue ones marked, an assessor's
/// surveillances, an enterprise's.
pub async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let who = caller.principal.clone();
    let rows = state
        .db(move |conn| Ok(read::list(conn, &who, false, today())?))
        .await?;
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("surveillances", &rows);
    ctx.insert("is_secretariat", &caller.principal.has(Role::Secretariat));
    page(&state.templates, "pages/surveillances/list.html", &ctx)
}

pub async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<SurveillanceId>,
) -> Result<HttpResponse, AppError> {
    let view = detail_of(&state, caller, path.into_inner()).await?;
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("s", &view);
    page(&state.templates, "pages/surveillances/detail.html", &ctx)
}

/// The secretariat plans the next surveillance of a certificate from the list page.
pub async fn plan_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let number = field(&form, "certificate_number").trim().to_string();
    let req = PlanRequest {
        items: field(&form, "items")
            .split([',', ' ', '\n'])
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .collect(),
        complaint_id: Some(field(&form, "complaint_id").to_string()),
        due_on: Some(field(&form, "due_on").to_string()),
    };
    let s = settings(&state);
    let id = state
        .db(move |conn| {
            Ok(flow::plan(
                conn,
                &caller.principal,
                &number,
                &req,
                &s,
                today(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(see_other(&format!("/surveillances/{id}")))
}

/// The detail page's forms: assign (secretariat), score (assessor), conclude
/// (secretariat), told apart by the `action` field.
pub async fn action_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SurveillanceId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let s = settings(&state);
    let data_dir = state.config.data_dir.clone();
    let fields = form.into_inner();
    state
        .db(move |conn| {
            let who = &caller.principal;
            let address = caller.address.as_str();
            match field(&fields, "action") {
                "assign" => {
                    let req = AssessorsRequest {
                        assessors: fields
                            .iter()
                            .filter(|(k, v)| k == "assessor" && !v.trim().is_empty())
                            .map(|(_, v)| v.clone())
                            .collect(),
                    };
                    flow::assign(conn, who, id, &req, &s, today(), address)?
                }
                "score" => {
                    let level = field(&fields, "level").trim().parse::<i64>().unwrap_or(-1);
                    let req = ScoreRequest {
                        level,
                        note: field(&fields, "note").to_string(),
                    };
                    flow::score(conn, who, id, field(&fields, "item"), &req, address)?
                }
                _ => {
                    let req = ConclusionRequest {
                        outcome: field(&fields, "outcome").to_string(),
                        reason: field(&fields, "reason").to_string(),
                        scope_zh: Some(field(&fields, "scope_zh").to_string()),
                        scope_en: Some(field(&fields, "scope_en").to_string()),
                        until: Some(field(&fields, "until").to_string()),
                    };
                    flow::conclude(conn, who, id, &req, &s, data_dir.clone(), address)?
                }
            }
            Ok(())
        })
        .await?;
    Ok(see_other(&format!("/surveillances/{id}")))
}
