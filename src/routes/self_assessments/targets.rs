//! Targets and owners per competency; the roadmap is planned from them.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};

use super::see_other;
use crate::domain::ids::SelfAssessmentId;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::AppState;
use crate::workflow::self_assessments::{self as flow, PlanInput, TargetInput};

/// The targets form: `quarters`, `target.<code>`, `owner.<code>`, `area_owner.<area>`.
pub async fn targets_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut input = PlanInput {
        quarters: 4,
        targets: BTreeMap::new(),
        area_owners: BTreeMap::new(),
    };
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form.into_inner() {
        if k == "quarters" {
            input.quarters = v.parse().map_err(|_| {
                AppError::invalid(Code::SelfAssessmentNotAQuarterCount.with("value", &v))
            })?;
        } else if let Some(code) = k.strip_prefix("target.") {
            if v.is_empty() {
                continue;
            }
            let stage = v.parse().map_err(|_| {
                AppError::invalid(
                    Code::SelfAssessmentNotAStage
                        .with("competency", code)
                        .with("value", &v),
                )
            })?;
            input
                .targets
                .insert(code.to_string(), TargetInput { stage, owner: None });
        } else if let Some(code) = k.strip_prefix("owner.") {
            owners.insert(code.to_string(), v);
        } else if let Some(area) = k.strip_prefix("area_owner.") {
            if !v.trim().is_empty() {
                input.area_owners.insert(area.to_string(), v);
            }
        }
    }
    for (code, owner) in owners {
        if let Some(t) = input.targets.get_mut(&code) {
            t.owner = Some(owner);
        }
    }
    let sid = id;
    state
        .db(move |conn| Ok(flow::set_targets(conn, &caller.principal, sid, &input)?))
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}#roadmap")))
}

#[utoipa::path(put, path = "/api/v1/self-assessments/{id}/targets", params(("id" = uuid::Uuid, Path)), request_body = PlanInput, responses((status = 200, description = "the planned roadmap"), (status = 404), (status = 409, description = "not every competency answered yet"), (status = 422)), security(("bearer" = [])))]
/// Sets targets and owners; answers the planned roadmap.
pub async fn targets_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
    body: web::Json<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = body.into_inner();
    let roadmap = state
        .db(move |conn| Ok(flow::set_targets(conn, &caller.principal, id, &input)?))
        .await?;
    Ok(HttpResponse::Ok().json(roadmap))
}
