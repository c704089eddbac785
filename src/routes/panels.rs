//! Assessor registry, panels, scoring, consolidation and review: API and pages
//! (feature: panels). Thin: parse, call the use case, render what it returns.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::db::models::application as apps;
use crate::db::models::panels as store;
use crate::domain::access::{Access, Principal, Role};
use crate::domain::application_status::Status;
use crate::domain::visibility::{ScoringView, Viewer};
use crate::error::AppError;
use crate::web::render::{base_context, page, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::enterprise_groups;
use crate::workflow::panels::{
    self, ConfirmRequest, ConflictInput, EmploymentInput, OrganisationInput, ProfileInput,
    ProposalRequest, SeatInput,
};
use crate::workflow::review::{self, ReviewPanelRequest, VoteRequest};
use crate::workflow::scoring::{self, ClarificationRequest, ConsolidationRequest, ScoreRequest};

pub const ASSESSOR: Access = Access::AnyOf(&[Role::Assessor]);
pub const REVIEWER: Access = Access::AnyOf(&[Role::Reviewer]);

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

// ---- registry ----------------------------------------------------------------------

/// Assessor organisations (secretariat).
#[utoipa::path(get, path = "/api/v1/organisations", responses((status = 200, description = "organisations")), security(("bearer" = [])))]
pub async fn organisations_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = state.db(|conn| Ok(store::organisations(conn)?)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Registers CAICT or an external certified-assessor organisation (secretariat).
#[utoipa::path(post, path = "/api/v1/organisations", request_body = OrganisationInput, responses((status = 201), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn add_organisation_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    body: web::Json<OrganisationInput>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let o = body.into_inner();
    let id = state
        .db(move |conn| Ok(panels::add_organisation(conn, &who, &o, &address)?))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

/// The assessor registry (secretariat).
#[utoipa::path(get, path = "/api/v1/assessors", responses((status = 200, description = "registry")), security(("bearer" = [])))]
pub async fn registry_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(|conn| Ok(panels::registry(conn, today())?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Registers or updates an assessor: organisation, certification, parts, languages.
#[utoipa::path(post, path = "/api/v1/assessors", request_body = ProfileInput, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn save_profile_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    body: web::Json<ProfileInput>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let p = body.into_inner();
    state
        .db(move |conn| Ok(panels::save_profile(conn, &who, &p, &address)?))
        .await?;
    Ok(no_content())
}

/// Records a declared conflict of an assessor or reviewer with an enterprise or
/// organisation (secretariat).
#[utoipa::path(post, path = "/api/v1/assessors/{id}/conflicts", params(("id" = String, Path, description = "user id")), request_body = ConflictInput, responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn conflict_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<ConflictInput>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, c) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| Ok(panels::declare_conflict(conn, &who, &id, &c, &address)?))
        .await?;
    Ok(no_content())
}

/// Records an assessor's employment with an enterprise (secretariat).
#[utoipa::path(post, path = "/api/v1/assessors/{id}/employment", params(("id" = String, Path, description = "user id")), request_body = EmploymentInput, responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn employment_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<EmploymentInput>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, e) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| Ok(panels::add_employment(conn, &who, &id, &e, &address)?))
        .await?;
    Ok(no_content())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PreferenceRequest {
    /// prefer, avoid or neutral
    preference: String,
}

/// An assessor marks an accepted application as preferred or to avoid.
#[utoipa::path(put, path = "/api/v1/applications/{id}/preference", params(("id" = String, Path)), request_body = PreferenceRequest, responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn preference_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<PreferenceRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let (id, p) = (path.into_inner(), body.into_inner().preference);
    state
        .db(move |conn| Ok(panels::set_preference(conn, &who, &id, &p)?))
        .await?;
    Ok(no_content())
}

// ---- panels --------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PanelRequest {
    seats: Vec<SeatInput>,
}

/// Sets one application's panel of 3–5 assessors with one CAICT lead; the application
/// moves from accepted to in assessment. Violations answer 422 naming rule and person.
#[utoipa::path(put, path = "/api/v1/applications/{id}/panel", params(("id" = String, Path)), request_body = PanelRequest, responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn set_panel_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<PanelRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, seats, lang) = (path.into_inner(), body.into_inner().seats, visitor.lang);
    state
        .db(move |conn| {
            Ok(panels::set_panel(
                conn,
                &who,
                &id,
                &seats,
                today(),
                lang,
                &address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// Proposes panels for every accepted application of the round (min-cost flow), with
/// warnings, or explanations when no assignment exists. Nothing is saved.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/panel-proposal", params(("id" = String, Path)), request_body = ProposalRequest, responses((status = 200, body = panels::ProposalView), (status = 404)), security(("bearer" = [])))]
pub async fn proposal_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<ProposalRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req, lang) = (path.into_inner(), body.into_inner(), visitor.lang);
    let p = state
        .db(move |conn| Ok(panels::propose(conn, &id, &req, today(), lang)?))
        .await?;
    Ok(HttpResponse::Ok().json(p))
}

/// Confirms the (edited) proposal: every panel of the round in one transaction.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/panels", params(("id" = String, Path)), request_body = ConfirmRequest, responses((status = 200), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn confirm_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<ConfirmRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, req, lang) = (path.into_inner(), body.into_inner(), visitor.lang);
    let n = state
        .db(move |conn| {
            Ok(panels::confirm_round(
                conn,
                &who,
                &id,
                &req,
                today(),
                lang,
                &address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "confirmed": n })))
}

#[derive(Serialize)]
struct MyApplication {
    id: String,
    part_code: String,
    target_level: i32,
    status: Status,
    lead: bool,
}

fn my_applications(
    conn: &mut crate::db::DbConn,
    who: &Principal,
) -> Result<Vec<MyApplication>, AppError> {
    let mut out = Vec::new();
    for (app_id, lead) in store::seats_of(conn, &who.user_id.to_string())? {
        if let Some(a) = apps::get(conn, &app_id)? {
            out.push(MyApplication {
                id: a.id,
                part_code: a.part_code,
                target_level: a.target_level,
                status: a.status,
                lead,
            });
        }
    }
    Ok(out)
}

/// The applications on whose panel the caller sits.
#[utoipa::path(get, path = "/api/v1/assessor/applications", responses((status = 200, description = "applications")), security(("bearer" = [])))]
pub async fn my_applications_api(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let rows = state.db(move |conn| my_applications(conn, &who)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

// ---- scoring -------------------------------------------------------------------------

#[derive(Serialize)]
struct ScoresResponse {
    application_id: String,
    status: Status,
    #[serde(flatten)]
    view: ScoringView,
}

/// What the caller may see of the application's scores (one serializer decides).
#[utoipa::path(get, path = "/api/v1/applications/{id}/scores", params(("id" = String, Path)), responses((status = 200), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn scores_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let (app, _, view) = state
        .db(move |conn| Ok(scoring::view(conn, &who, &id)?))
        .await?;
    Ok(HttpResponse::Ok().json(ScoresResponse {
        application_id: app.id,
        status: app.status,
        view,
    }))
}

/// Records the caller's draft or submitted score of one item.
#[utoipa::path(put, path = "/api/v1/applications/{id}/scores/{item}", params(("id" = String, Path), ("item" = String, Path)), request_body = ScoreRequest, responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn score_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    body: web::Json<ScoreRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let ((id, item), req) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(scoring::record_score(
                conn, &who, &id, &item, &req, &address,
            )?)
        })
        .await?;
    Ok(no_content())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReopenRequest {
    assessor_id: String,
}

/// The lead reopens a member's submitted score of one item.
#[utoipa::path(post, path = "/api/v1/applications/{id}/scores/{item}/reopen", params(("id" = String, Path), ("item" = String, Path)), request_body = ReopenRequest, responses((status = 204), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn reopen_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    body: web::Json<ReopenRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let ((id, item), assessor) = (path.into_inner(), body.into_inner().assessor_id);
    state
        .db(move |conn| {
            Ok(scoring::reopen(
                conn, &who, &id, &assessor, &item, &address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// Clarification requests of an application (panel, secretariat, the enterprise).
#[utoipa::path(get, path = "/api/v1/applications/{id}/clarifications", params(("id" = String, Path)), responses((status = 200), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn clarifications_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let rows = state
        .db(move |conn| {
            let app = apps::get(conn, &id)?.ok_or(AppError::NotFound)?;
            match scoring::viewer_for(conn, &who, &app)? {
                Viewer::Reviewer | Viewer::RecusedReviewer => return Err(AppError::NotFound),
                _ => {}
            }
            let rows = store::clarifications_of(conn, &id)?;
            let now = crate::db::models::now();
            let facts = scoring::clarification_facts(&rows);
            Ok(rows
                .into_iter()
                .map(|c| {
                    let items = c.items.0;
                    let reopened: Vec<&String> = items.iter().filter(|i| crate::domain::assessment::item_reopened(&facts, i, now)).collect();
                    serde_json::json!({ "id": c.id, "items": items, "message": c.message, "deadline": c.deadline,
                        "requested_at": c.requested_at, "answer": c.answer, "answered_at": c.answered_at, "reopened_items": reopened })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// The lead asks for more evidence on named items by a deadline (reopens them).
#[utoipa::path(post, path = "/api/v1/applications/{id}/clarifications", params(("id" = String, Path)), request_body = ClarificationRequest, responses((status = 201), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn request_clarification_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<ClarificationRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, req) = (path.into_inner(), body.into_inner());
    let cid = state
        .db(move |conn| {
            Ok(scoring::request_clarification(
                conn, &who, &id, &req, &address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": cid })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerRequest {
    clarification_id: String,
    answer: String,
}

/// The enterprise answers a clarification request.
#[utoipa::path(post, path = "/api/v1/applications/{id}/clarification-answers", params(("id" = String, Path)), request_body = AnswerRequest, responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn answer_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<AnswerRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, a) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(scoring::answer_clarification(
                conn,
                &who,
                &id,
                &a.clarification_id,
                &a.answer,
                &address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// The lead consolidates: level and rationale per item; the part level is derived and
/// the application becomes scored.
#[utoipa::path(post, path = "/api/v1/applications/{id}/consolidation", params(("id" = String, Path)), request_body = ConsolidationRequest, responses((status = 200), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn consolidate_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<ConsolidationRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, req) = (path.into_inner(), body.into_inner());
    let r = state
        .db(move |conn| Ok(scoring::consolidate(conn, &who, &id, &req, &address)?))
        .await?;
    Ok(HttpResponse::Ok().json(r))
}

/// The lead sends the scored application to the round's review panel.
#[utoipa::path(post, path = "/api/v1/applications/{id}/send-to-review", params(("id" = String, Path)), responses((status = 204), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn send_to_review_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let id = path.into_inner();
    state
        .db(move |conn| Ok(scoring::send_to_review(conn, &who, &id, &address)?))
        .await?;
    Ok(no_content())
}

// ---- review --------------------------------------------------------------------------

/// Forms the round's review panel from experts of evaluated enterprises (secretariat).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/review-panel", params(("id" = String, Path)), request_body = ReviewPanelRequest, responses((status = 201), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn review_panel_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<ReviewPanelRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, req) = (path.into_inner(), body.into_inner());
    let pid = state
        .db(move |conn| Ok(review::form_panel(conn, &who, &id, &req, &address)?))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": pid })))
}

/// A review member votes approve or return (with reasons); the vote that completes the
/// quorum decides, once.
#[utoipa::path(post, path = "/api/v1/applications/{id}/votes", params(("id" = String, Path)), request_body = VoteRequest, responses((status = 200), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn vote_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    body: web::Json<VoteRequest>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, req) = (path.into_inner(), body.into_inner());
    let outcome = state
        .db(move |conn| Ok(review::vote(conn, &who, &id, &req, &address)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "decision": outcome })))
}

// ---- pages ---------------------------------------------------------------------------

pub async fn registry_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (registry, organisations, people, enterprises, groups) = state
        .db(|conn| {
            let mut people = store::people_with_role(conn, Role::Assessor)?;
            people.extend(store::people_with_role(conn, Role::Reviewer)?);
            people.sort();
            people.dedup();
            let enterprises: Vec<(String, String, bool)> =
                crate::db::models::enterprise::list(conn)?
                    .into_iter()
                    .map(|e| (e.id, e.name_zh, e.group_id.is_some()))
                    .collect();
            Ok((
                panels::registry(conn, today())?,
                store::organisations(conn)?,
                people,
                enterprises,
                enterprise_groups::groups(conn)?,
            ))
        })
        .await?;
    let ctx = with(base_context(&visitor, req.path()), "assessors", &registry);
    let ctx = with(ctx, "people", &people);
    let ctx = with(ctx, "enterprises", &enterprises);
    let ctx = with(ctx, "groups", &groups);
    page(
        &state.templates,
        "pages/panels/registry.html",
        &with(ctx, "organisations", &organisations),
    )
}

pub async fn board_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, lang) = (path.into_inner(), visitor.lang);
    let rid = id.clone();
    let (proposal, registry) = state
        .db(move |conn| {
            let p = panels::propose(conn, &rid, &ProposalRequest::default(), today(), lang)?;
            let r: Vec<panels::RegistryEntry> = panels::registry(conn, today())?
                .into_iter()
                .filter(|a| !a.expired)
                .collect();
            Ok((p, r))
        })
        .await?;
    let ctx = with(base_context(&visitor, req.path()), "proposal", &proposal);
    let ctx = with(ctx, "assessors", &registry);
    page(
        &state.templates,
        "pages/panels/board.html",
        &with(ctx, "round_id", &id),
    )
}

pub async fn my_applications_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let rows = state.db(move |conn| my_applications(conn, &who)).await?;
    page(
        &state.templates,
        "pages/panels/mine.html",
        &with(base_context(&visitor, req.path()), "applications", &rows),
    )
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
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let id = path.into_inner();
    let lang = visitor.lang;
    let (app, viewer, view, items, evidence, members) = state
        .db(move |conn| {
            let (app, viewer, view) = scoring::view(conn, &who, &id)?;
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
                    scoring::evidence_list(conn, &app.id)?
                }
                _ => vec![],
            };
            let members = match viewer {
                Viewer::PanelMember { lead: true, .. } | Viewer::Secretariat => {
                    store::seats(conn, &app.id)?
                }
                _ => vec![],
            };
            Ok((app, viewer, view, items, evidence, members))
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
    let ctx = with(ctx, "can_consolidate", &can_consolidate);
    let ctx = with(ctx, "levels", &levels);
    page(&state.templates, "pages/panels/assessment.html", &ctx)
}

// ---- page forms ----------------------------------------------------------------------

type FormFields = web::Form<Vec<(String, String)>>;

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn back_to(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, path.to_string()))
        .finish()
}

/// A level field of a form: a number, or "na" for not applicable.
fn level_field(value: Option<&str>) -> Result<Option<i64>, AppError> {
    match value.map(str::trim) {
        None | Some("") | Some("na") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::Unprocessable(format!("'{v}' is not a level"))),
    }
}

/// The scoring form of one item (draft or submit).
pub async fn score_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
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
                conn, &who, &id, &item, &req, &address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}

/// The lead's consolidation form: `level_<item>` and `rationale_<item>` per item.
pub async fn consolidate_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
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
                &who,
                &id,
                &ConsolidationRequest { items },
                &address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}

pub async fn send_to_review_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let id = path.into_inner();
    let back = format!("/applications/{id}/assessment");
    state
        .db(move |conn| Ok(scoring::send_to_review(conn, &who, &id, &address)?))
        .await?;
    Ok(back_to(&back))
}

/// A review member's vote from the decision view.
pub async fn vote_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
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
        .db(move |conn| Ok(review::vote(conn, &who, &id, &req, &address)?))
        .await?;
    Ok(back_to(&back))
}

/// Confirms the assignment board as edited: `seat_<application>` (repeated) and
/// `lead_<application>` per application.
pub async fn confirm_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let (id, lang) = (path.into_inner(), visitor.lang);
    let f = form.into_inner();
    let mut panels_in: Vec<panels::PanelInput> = Vec::new();
    for (k, v) in &f {
        let Some(app_id) = k.strip_prefix("seat_") else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let lead = field(&f, &format!("lead_{app_id}")) == Some(v.as_str());
        let seat = SeatInput {
            assessor_id: v.clone(),
            lead,
        };
        match panels_in.iter_mut().find(|p| p.application_id == app_id) {
            Some(p) => p.seats.push(seat),
            None => panels_in.push(panels::PanelInput {
                application_id: app_id.to_string(),
                seats: vec![seat],
            }),
        }
    }
    let back = format!("/rounds/{id}");
    state
        .db(move |conn| {
            Ok(panels::confirm_round(
                conn,
                &who,
                &id,
                &ConfirmRequest { panels: panels_in },
                today(),
                lang,
                &address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}

/// Registry forms on `/assessors`: an organisation, an assessor profile, a conflict.
pub async fn add_organisation_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let f = form.into_inner();
    let o = OrganisationInput {
        name: field(&f, "name").unwrap_or("").to_string(),
        kind: field(&f, "kind").unwrap_or("").to_string(),
    };
    state
        .db(move |conn| Ok(panels::add_organisation(conn, &who, &o, &address)?))
        .await?;
    Ok(back_to("/assessors"))
}

pub async fn save_profile_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let f = form.into_inner();
    let list = |name: &str| -> Vec<String> {
        field(&f, name)
            .unwrap_or("")
            .split([',', '，', ' '])
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let expires = field(&f, "certification_expires_on")
        .unwrap_or("")
        .parse()
        .map_err(|_| AppError::Unprocessable("give the certification's expiry as a date".into()))?;
    let max_load = field(&f, "max_load")
        .unwrap_or("6")
        .parse()
        .map_err(|_| AppError::Unprocessable("the maximum load is a number".into()))?;
    let p = ProfileInput {
        user_id: field(&f, "user_id").unwrap_or("").to_string(),
        organisation_id: field(&f, "organisation_id").unwrap_or("").to_string(),
        certification_number: field(&f, "certification_number").unwrap_or("").to_string(),
        certification_expires_on: expires,
        parts: list("parts"),
        languages: list("languages"),
        max_load,
    };
    state
        .db(move |conn| Ok(panels::save_profile(conn, &who, &p, &address)?))
        .await?;
    Ok(back_to("/assessors"))
}

pub async fn conflict_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let who = visitor.signed_in()?;
    let address = visitor.address.clone();
    let f = form.into_inner();
    let person = field(&f, "user_id").unwrap_or("").to_string();
    let c = ConflictInput {
        with_id: field(&f, "with_id").unwrap_or("").to_string(),
        reason: field(&f, "reason").unwrap_or("").to_string(),
    };
    state
        .db(move |conn| Ok(panels::declare_conflict(conn, &who, &person, &c, &address)?))
        .await?;
    Ok(back_to("/assessors"))
}
