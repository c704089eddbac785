//! The questionnaire: starting a self-assessment, answering it area by area, completing it.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{load, see_other};
use crate::domain::ids::SelfAssessmentId;
use crate::domain::self_assessment::Stage;
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::self_assessments as flow;
use crate::workflow::views::self_assessments::self_assessment_view;
use crate::workflow::views::SelfAssessmentView;

#[derive(Serialize)]
struct ListItem {
    id: SelfAssessmentId,
    started_at: String,
    completed_at: Option<String>,
}

pub async fn list_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(move |conn| Ok(flow::list(conn, &caller.principal)?))
        .await?;
    let items: Vec<ListItem> = rows
        .into_iter()
        .map(|r| ListItem {
            id: r.id,
            started_at: r.started_at.format("%Y-%m-%d %H:%M").to_string(),
            completed_at: r
                .completed_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("assessments", &items);
    page(&state.templates, "pages/self_assessment/list.html", &ctx)
}

pub async fn start_page(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let id = state
        .db(move |conn| Ok(flow::start(conn, &caller.principal)?))
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}/areas/0")))
}

#[derive(Serialize)]
struct Choice {
    stage: u8,
    name: String,
    criterion: String,
}

#[derive(Serialize)]
struct Question {
    code: String,
    name: String,
    answer: Option<u8>,
    choices: Vec<Choice>,
}

#[derive(Serialize)]
struct AreaTab {
    index: usize,
    name: String,
    answered: usize,
    total: usize,
}

pub async fn area_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<(SelfAssessmentId, usize)>,
) -> Result<HttpResponse, AppError> {
    let (id, index) = path.into_inner();
    let loaded = load(&state, caller.principal, id).await?;
    let lang = caller.lang;
    let domains: Vec<_> = loaded.model.parts.iter().flat_map(|p| &p.domains).collect();
    let area = domains.get(index).ok_or(AppError::NotFound)?;
    let tabs: Vec<AreaTab> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| AreaTab {
            index: i,
            name: d.name.get(lang).to_string(),
            answered: d
                .items
                .iter()
                .filter(|it| loaded.answers.get(&it.code).is_some())
                .count(),
            total: d.items.len(),
        })
        .collect();
    let questions: Vec<Question> = area
        .items
        .iter()
        .map(|item| Question {
            code: item.code.clone(),
            name: item.name.get(lang).to_string(),
            answer: loaded.answers.get(&item.code).map(Stage::get),
            choices: item
                .criteria
                .iter()
                .enumerate()
                .map(|(k, c)| Choice {
                    stage: (k + 1) as u8,
                    name: loaded
                        .model
                        .levels
                        .get(k)
                        .map(|l| l.name.get(lang).to_string())
                        .unwrap_or_default(),
                    criterion: c.get(lang).to_string(),
                })
                .collect(),
        })
        .collect();
    let mut ctx = base_context(&visitor, req.path());
    ctx.insert("id", &id);
    ctx.insert("index", &index);
    ctx.insert("area_name", area.name.get(lang));
    ctx.insert("tabs", &tabs);
    ctx.insert("questions", &questions);
    ctx.insert("is_last", &(index + 1 == domains.len()));
    ctx.insert("completed", &loaded.row.completed_at.is_some());
    page(&state.templates, "pages/self_assessment/area.html", &ctx)
}

/// Saves one area's answers (fields named by competency code, value 1..4) and goes on to
/// the next area, or to the results after the last.
pub async fn save_area_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(SelfAssessmentId, usize)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, index) = path.into_inner();
    let mut given = Vec::new();
    for (k, v) in form.into_inner() {
        if k == "csrf_token" || k == "lang" || v.is_empty() {
            continue;
        }
        let stage = v.parse::<i64>().map_err(|_| {
            AppError::invalid(
                Code::SelfAssessmentNotAStage
                    .with("competency", &k)
                    .with("value", &v),
            )
        })?;
        given.push((k, stage));
    }
    let sid = id;
    let areas = state
        .db(move |conn| {
            flow::save_answers(conn, &caller.principal, sid, &given)?;
            Ok(flow::load(conn, &caller.principal, sid)?.result.areas.len())
        })
        .await?;
    Ok(if index + 1 < areas {
        see_other(&format!("/self-assessments/{id}/areas/{}", index + 1))
    } else {
        see_other(&format!("/self-assessments/{id}"))
    })
}

pub async fn complete_page(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let sid = id;
    state
        .db(move |conn| Ok(flow::complete(conn, &caller.principal, sid)?))
        .await?;
    Ok(see_other(&format!("/self-assessments/{id}")))
}

#[utoipa::path(post, path = "/api/v1/self-assessments", responses((status = 201, description = "started"), (status = 422, description = "no registered enterprise")), security(("bearer" = [])))]
/// Starts a self-assessment of the caller's enterprise.
pub async fn start_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let id = state
        .db(move |conn| Ok(flow::start(conn, &caller.principal)?))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

#[utoipa::path(get, path = "/api/v1/self-assessments", responses((status = 200, description = "the enterprise's self-assessments, newest first", body = [SelfAssessmentView])), security(("bearer" = [])))]
/// The caller's enterprise's self-assessments, newest first.
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let views: Vec<SelfAssessmentView> = state
        .db(move |conn| {
            let rows = flow::list(conn, &caller.principal)?;
            Ok(rows.into_iter().map(self_assessment_view).collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswersBody {
    /// Competency code → stage 1..4.
    answers: BTreeMap<String, i64>,
}

#[utoipa::path(put, path = "/api/v1/self-assessments/{id}/answers", params(("id" = uuid::Uuid, Path)), request_body = AnswersBody, responses((status = 200, description = "progress"), (status = 404), (status = 409, description = "completed"), (status = 422)), security(("bearer" = [])))]
/// Saves answers as the user goes.
pub async fn answers_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
    body: web::Json<AnswersBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let given: Vec<(String, i64)> = body.into_inner().answers.into_iter().collect();
    let (answered, total) = state
        .db(move |conn| Ok(flow::save_answers(conn, &caller.principal, id, &given)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "answered": answered, "total": total })))
}

#[utoipa::path(post, path = "/api/v1/self-assessments/{id}/complete", params(("id" = uuid::Uuid, Path)), responses((status = 200, description = "completed"), (status = 404), (status = 409, description = "unanswered competencies")), security(("bearer" = [])))]
pub async fn complete_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SelfAssessmentId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let at = state
        .db(move |conn| Ok(flow::complete(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "completed_at": at.and_utc().to_rfc3339() })))
}
