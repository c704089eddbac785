//! Editing the quarterly roadmap.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::see_other;
use crate::domain::ids::SelfAssessmentId;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::AppState;
use crate::workflow::self_assessments::{self as flow, StepInput};

/// The roadmap edit form: `quarter.<index>` per step, in the stored order.
pub async fn roadmap_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let quarters: BTreeMap<usize, i64> = form
        .into_inner()
        .into_iter()
        .filter_map(|(k, v)| {
            let i = k.strip_prefix("quarter.")?.parse().ok()?;
            Some(v.parse().map(|q| (i, q)).map_err(|_| v))
        })
        .collect::<Result<_, _>>()
        .map_err(|v| AppError::invalid(Code::SelfAssessmentNotAQuarter.with("value", &v)))?;
    let sid = id;
    state
        .db(move |conn| {
            let loaded = flow::load(conn, &caller.principal, sid)?;
            let roadmap = loaded
                .roadmap
                .ok_or_else(|| AppError::conflict(Code::SelfAssessmentTargetsFirst))?;
            let steps: Vec<StepInput> = roadmap
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| StepInput {
                    quarter: quarters.get(&i).copied().unwrap_or(i64::from(s.quarter)),
                    competency: s.competency.clone(),
                    from: i64::from(s.from.get()),
                    to: i64::from(s.to.get()),
                })
                .collect();
            Ok(flow::edit_roadmap(conn, &caller.principal, sid, &steps)?)
        })
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}#roadmap")))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoadmapBody {
    steps: Vec<StepInput>,
}

#[utoipa::path(put, path = "/api/v1/self-assessments/{id}/roadmap", params(("id" = uuid::Uuid, Path)), request_body = RoadmapBody, responses((status = 200, description = "the roadmap"), (status = 404), (status = 409, description = "no targets set yet"), (status = 422, description = "every problem named, leapfrogging included")), security(("bearer" = [])))]
/// Replaces the roadmap's steps; 422 naming every problem (leapfrogging included).
pub async fn roadmap_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
    body: web::Json<RoadmapBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let steps = body.into_inner().steps;
    let roadmap = state
        .db(move |conn| Ok(flow::edit_roadmap(conn, &caller.principal, id, &steps)?))
        .await?;
    Ok(HttpResponse::Ok().json(roadmap))
}
