//! Scoring: the assessment page, scores, reopening, consolidation and sending to review.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{back_to, field, no_content, FormFields};
use crate::domain::application_status::Status;
use crate::domain::ids::{ApplicationId, Named, UserId};
use crate::domain::visibility::{ScoringView, Viewer};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, refusal_text, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::panels;
use crate::workflow::queries;
use crate::workflow::review;
use crate::workflow::scoring::{self, ConsolidationRequest, ScoreRequest};
use crate::workflow::views::panels::seat_view;

#[derive(Serialize)]
struct ScoresResponse {
    application_id: String,
    status: Status,
    #[serde(flatten)]
    view: ScoringView,
}

/// What the caller may see of the application's scores (one serializer decides).
#[utoipa::path(get, path = "/api/v1/applications/{id}/scores", params(("id" = uuid::Uuid, Path)), responses((status = 200), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn scores_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (app, _, view) = state
        .db(move |conn| Ok(scoring::view(conn, &caller.principal, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(ScoresResponse {
        application_id: app.id.to_string(),
        status: app.status,
        view,
    }))
}

/// Records the caller's draft or submitted score of one item.
#[utoipa::path(put, path = "/api/v1/applications/{id}/scores/{item}", params(("id" = uuid::Uuid, Path), ("item" = String, Path)), request_body = ScoreRequest, responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn score_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    body: web::Json<ScoreRequest>,
) -> Result<HttpResponse, AppError> {
    let ((id, item), req) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(scoring::record_score(
                conn,
                &caller.principal,
                id,
                &item,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReopenRequest {
    /// An id that is not one is refused as an unknown one (409, no score to reopen).
    #[schema(value_type = String, format = Uuid)]
    assessor_id: Named<UserId>,
}

/// The lead reopens a member's submitted score of one item.
#[utoipa::path(post, path = "/api/v1/applications/{id}/scores/{item}/reopen", params(("id" = uuid::Uuid, Path), ("item" = String, Path)), request_body = ReopenRequest, responses((status = 204), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn reopen_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    body: web::Json<ReopenRequest>,
) -> Result<HttpResponse, AppError> {
    let ((id, item), assessor) = (path.into_inner(), body.into_inner().assessor_id);
    state
        .db(move |conn| {
            Ok(scoring::reopen(
                conn,
                &caller.principal,
                id,
                assessor,
                &item,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// The lead consolidates: level and rationale per item; the part level is derived and
/// the application becomes scored.
#[utoipa::path(post, path = "/api/v1/applications/{id}/consolidation", params(("id" = uuid::Uuid, Path)), request_body = ConsolidationRequest, responses((status = 200), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn consolidate_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<ConsolidationRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let r = state
        .db(move |conn| {
            Ok(scoring::consolidate(
                conn,
                &caller.principal,
                id,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(r))
}

/// The lead sends the scored application to the round's review panel.
#[utoipa::path(post, path = "/api/v1/applications/{id}/send-to-review", params(("id" = uuid::Uuid, Path)), responses((status = 204), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn send_to_review_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(scoring::send_to_review(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

#[derive(Serialize)]
struct ItemRow {
    code: String,
    name: String,
    domain: String,
    flagged: bool,
}

/// One page for every viewer of an application's assessment: the scoring form with the
/// evidence beside it (panel), the consolidation with flags (lead), the review decision
/// view (review members) and the result (enterprise); what it shows comes from the
/// visibility serializer.
pub async fn assessment_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let lang = caller.lang;
    let (app, viewer, view, items, evidence, members, waiting) = state
        .db(move |conn| {
            let (app, viewer, view) = scoring::view(conn, &caller.principal, id)?;
            let part = panels::part_of(conn, &app)?;
            let flagged: Vec<String> = match viewer {
                Viewer::PanelMember { lead: true, .. } => {
                    scoring::flags(&scoring::facts(conn, &app)?)
                        .into_keys()
                        .collect()
                }
                _ => vec![],
            };
            let items: Vec<ItemRow> = part
                .domains
                .iter()
                .flat_map(|d| d.items.iter().map(move |i| (d, i)))
                .map(|(d, i)| ItemRow {
                    code: i.code.clone(),
                    name: i.name.get(lang).to_string(),
                    domain: d.name.get(lang).to_string(),
                    flagged: flagged.contains(&i.code),
                })
                .collect();
            let evidence = match viewer {
                Viewer::PanelMember { .. } | Viewer::Secretariat => {
                    scoring::evidence_list(conn, app.id)?
                }
                _ => vec![],
            };
            let members = match viewer {
                Viewer::PanelMember { lead: true, .. } | Viewer::Secretariat => {
                    queries::panels::seats(conn, app.id)?
                        .into_iter()
                        .map(seat_view)
                        .collect()
                }
                _ => vec![],
            };
            // Why the review decision waits, for everyone but the enterprise (recusals
            // are the programme's business).
            let waiting = match viewer {
                Viewer::Enterprise => None,
                _ => review::waiting_for_members(conn, &app)?,
            };
            Ok((app, viewer, view, items, evidence, members, waiting))
        })
        .await?;
    let role = match viewer {
        Viewer::Enterprise => "enterprise",
        Viewer::PanelMember { lead: true, .. } => "lead",
        Viewer::PanelMember { .. } => "member",
        Viewer::Reviewer => "reviewer",
        Viewer::RecusedReviewer => "recused",
        Viewer::Secretariat => "secretariat",
    };
    let ctx = with(
        base_context(&visitor, req.path()),
        "application",
        &serde_json::json!({
        "id": app.id, "part_code": app.part_code, "target_level": app.target_level, "status": app.status }),
    );
    let ctx = with(ctx, "viewer", role);
    let ctx = with(ctx, "view", &view);
    let ctx = with(ctx, "items", &items);
    let ctx = with(ctx, "evidence", &evidence);
    let can_consolidate = role == "lead"
        && app.status == Status::InAssessment
        && view
            .progress
            .as_ref()
            .is_some_and(|p| p.iter().all(|m| m.submitted_items == m.total_items));
    let levels: Vec<i32> = (0..=app.target_level).collect();
    let ctx = with(ctx, "members", &members);
    let ctx = with(
        ctx,
        "review_waiting",
        &waiting.map(|reason| refusal_text(&reason, lang)),
    );
    let ctx = with(ctx, "can_consolidate", &can_consolidate);
    let ctx = with(ctx, "levels", &levels);
    page(&state.templates, "pages/panels/assessment.html", &ctx)
}

/// A level field of a form: a number, or "na" for not applicable.
fn level_field(value: Option<&str>) -> Result<Option<i64>, AppError> {
    match value.map(str::trim) {
        None | Some("") | Some("na") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(Code::ScoreNotALevel.with("value", v))),
    }
}

/// The scoring form of one item (draft or submit).
pub async fn score_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let f = form.into_inner();
    let req = ScoreRequest {
        score: crate::domain::assessment::ScoreInput {
            level: level_field(field(&f, "level"))?,
            not_applicable_reason: field(&f, "not_applicable_reason")
                .filter(|r| !r.trim().is_empty())
                .map(String::from),
            comment: field(&f, "comment").unwrap_or("").to_string(),
            evidence_ids: f
                .iter()
                .filter(|(k, _)| k == "evidence")
                .map(|(_, v)| v.clone())
                .collect(),
        },
        submit: field(&f, "action") == Some("submit"),
    };
    let back = format!("/applications/{id}/assessment");
    state
        .db(move |conn| {
            Ok(scoring::record_score(
                conn,
                &caller.principal,
                id,
                &item,
                &req,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}

/// The lead's consolidation form: `level_<item>` and `rationale_<item>` per item.
pub async fn consolidate_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let mut items = Vec::new();
    for (k, v) in &f {
        if let Some(item) = k.strip_prefix("level_") {
            let level = level_field(Some(v))?;
            items.push(crate::workflow::scoring::ConsolidatedInput {
                item: item.to_string(),
                level,
                not_applicable_reason: level.is_none().then(|| {
                    field(&f, &format!("rationale_{item}"))
                        .unwrap_or("")
                        .to_string()
                }),
                rationale: field(&f, &format!("rationale_{item}"))
                    .unwrap_or("")
                    .to_string(),
            });
        }
    }
    let back = format!("/applications/{id}/assessment");
    state
        .db(move |conn| {
            Ok(scoring::consolidate(
                conn,
                &caller.principal,
                id,
                &ConsolidationRequest { items },
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}

pub async fn send_to_review_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let back = format!("/applications/{id}/assessment");
    state
        .db(move |conn| {
            Ok(scoring::send_to_review(
                conn,
                &caller.principal,
                id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}
