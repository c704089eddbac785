//! Panels: assessors' preferences, one application's panel (API and page), and the
//! round's proposed and confirmed panels (the assignment board).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{back_to, field, no_content, today, FormFields};
use crate::domain::ids::{ApplicationId, RoundId};
use crate::error::AppError;
use crate::web::caller::Caller;
use crate::web::confirm::{self, Confirmation};
use crate::web::listing::{self, Links};
use crate::web::render::{base_context, page, page_with_form, refusal_text, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::panels::{self, ConfirmRequest, Proposal, ProposalRequest, SeatInput};
use crate::workflow::queries;
use crate::workflow::views::AssignedApplicationView;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PreferenceRequest {
    #[schema(pattern = "^(prefer|avoid|neutral)$")]
    preference: String,
}

/// An assessor marks an accepted application as preferred or to avoid.
#[utoipa::path(put, path = "/api/v1/applications/{id}/preference", params(("id" = uuid::Uuid, Path)), request_body = PreferenceRequest, responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn preference_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<PreferenceRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, p) = (path.into_inner(), body.into_inner().preference);
    state
        .db(move |conn| Ok(panels::set_preference(conn, &caller.principal, id, &p)?))
        .await?;
    Ok(no_content())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PanelRequest {
    seats: Vec<SeatInput>,
}

/// Sets one application's panel of 3–5 assessors with one CAICT lead; the application
/// moves from accepted to in assessment. Violations answer 422 naming rule and person.
#[utoipa::path(put, path = "/api/v1/applications/{id}/panel", params(("id" = uuid::Uuid, Path)), request_body = PanelRequest, responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn set_panel_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<PanelRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, seats) = (path.into_inner(), body.into_inner().seats);
    state
        .db(move |conn| {
            Ok(panels::set_panel(
                conn,
                &caller.principal,
                id,
                &seats,
                today(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// Proposes panels for every accepted application of the round (min-cost flow), with
/// warnings, or explanations when no assignment exists. Nothing is saved.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/panel-proposal", params(("id" = uuid::Uuid, Path)), request_body = ProposalRequest, responses((status = 200, body = panels::ProposalView), (status = 404), (status = 422, description = "seats out of range")), security(("bearer" = [])))]
pub async fn proposal_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<RoundId>,
    body: web::Json<ProposalRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req, lang) = (path.into_inner(), body.into_inner(), visitor.lang);
    let proposals = state.proposals.clone();
    let p = state
        .db(move |conn| Ok(proposals.propose(conn, id, &req, today())?))
        .await?;
    Ok(HttpResponse::Ok().json(Proposal::clone(&p).view(|r| refusal_text(r, lang))))
}

/// Confirms the (edited) proposal: every panel of the round in one transaction.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/panels", params(("id" = uuid::Uuid, Path)), request_body = ConfirmRequest, responses((status = 200), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn confirm_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    body: web::Json<ConfirmRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, req) = (path.into_inner(), body.into_inner());
    let n = state
        .db(move |conn| {
            Ok(panels::confirm_round(
                conn,
                &caller.principal,
                id,
                &req,
                today(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "confirmed": n })))
}

/// The applications on whose panel the caller sits.
#[utoipa::path(get, path = "/api/v1/assessor/applications", responses((status = 200, description = "applications", body = [AssignedApplicationView])), security(("bearer" = [])))]
pub async fn my_applications_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(move |conn| Ok(queries::panels::my_applications(conn, &caller.principal)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Where a page of the assignment board starts (pages, not the API: the API's proposal
/// is the whole round).
#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    after: Option<String>,
    before: Option<String>,
    limit: Option<i64>,
}

/// The round's proposed panels, a page at a time (by application, in the order of their
/// labels), each confirmed with the page's form or set by hand from its panel page. The
/// proposal is the whole round's (one optimal assignment); a page shows part of it.
/// Each seat is shown by name, not as a choice among every assessor: at 1,200 accepted
/// applications and 300 assessors that choice made the board 180 MB of HTML.
pub async fn board_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, lang) = (path.into_inner(), visitor.lang);
    let q = query.into_inner();
    let window = listing::window(
        panels::BOARD_LIST,
        panels::BOARD_KEY_PARTS,
        q.after.as_deref(),
        q.before.as_deref(),
        q.limit,
    )?;
    let proposals = state.proposals.clone();
    let proposal = state
        .db(move |conn| Ok(proposals.propose(conn, id, &ProposalRequest::default(), today())?))
        .await?;
    let mut proposal = Proposal::clone(&proposal).view(|r| refusal_text(r, lang));
    let total = proposal.panels.len();
    let shown = panels::board_page(std::mem::take(&mut proposal.panels), &window);
    let links = Links::of(&shown, &[]);
    let ctx = with(base_context(&visitor, req.path()), "proposal", &proposal);
    let ctx = with(ctx, "panels", &shown.rows);
    let ctx = with(ctx, "total", &total);
    let ctx = with(ctx, "pager_path", &format!("/rounds/{id}/assignment"));
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    page(
        &state.templates,
        "pages/panels/board.html",
        &with(ctx, "round_id", &id),
    )
}

/// Which of an assessor's applications their list shows, and where a page starts.
#[derive(Debug, Default, Deserialize)]
pub struct MyApplicationsQuery {
    /// `all`: every panel they sit on; otherwise those being assessed or consolidated.
    show: Option<String>,
    after: Option<String>,
    before: Option<String>,
    limit: Option<i64>,
}

/// An assessor's applications: first those in assessment or awaiting consolidation,
/// `?show=all` every panel they sit on, 50 a page.
pub async fn my_applications_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<MyApplicationsQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let all = listing::show_all(q.show.as_deref(), "open")?;
    let window = listing::window(
        crate::workflow::scoring::ASSESSOR_LIST,
        2,
        q.after.as_deref(),
        q.before.as_deref(),
        q.limit,
    )?;
    let rows = state
        .db(move |conn| {
            Ok(crate::workflow::scoring::assessor_applications(
                conn,
                &caller.principal,
                !all,
                &window,
            )?)
        })
        .await?;
    let links = Links::of(&rows, &[("show", if all { "all" } else { "" }.to_string())]);
    let ctx = with(
        base_context(&visitor, req.path()),
        "applications",
        &rows.rows,
    );
    let ctx = with(ctx, "show_all", &all);
    let ctx = with(ctx, "pager_path", "/assessor/applications");
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    page(&state.templates, "pages/panels/mine.html", &ctx)
}

/// Confirms the panels of a page of the assignment board: `seat_<application>` (repeated)
/// and `lead_<application>` per application.
pub async fn confirm_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
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
                &caller.principal,
                id,
                &ConfirmRequest { panels: panels_in },
                today(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to(&back))
}

#[derive(serde::Serialize)]
struct Candidate {
    id: String,
    name: String,
    caict: bool,
    load: u32,
    max_load: i32,
    /// Why not, in the visitor's language; empty when they may sit on the panel.
    unfit: Vec<String>,
    chosen: bool,
    lead: bool,
    /// On the panel as saved now, and whether as its lead.
    seated: bool,
    seated_lead: bool,
}

/// `/applications/{id}/panel`: the current panel and the form to set it; `chosen` and
/// `lead` are the form as posted when it was refused.
async fn render_panel(
    state: &AppState,
    caller: Caller,
    visitor: &Visitor,
    req: &HttpRequest,
    id: ApplicationId,
    posted: Option<(&[(String, String)], FormState)>,
) -> Result<HttpResponse, AppError> {
    let who = caller.principal.clone();
    let (candidates, app) = state
        .db(move |conn| {
            let app = crate::workflow::applications::visible(conn, &who, id)?;
            Ok((panels::candidates(conn, id, today())?, app))
        })
        .await?;
    let (enterprise, part) =
        crate::routes::applications::pages::what_it_is(state, &caller, visitor, id).await?;
    let lang = visitor.lang;
    let (fields, form) = match posted {
        Some((f, form)) => (Some(f), form),
        None => (None, FormState::default()),
    };
    let shown: Vec<Candidate> = candidates
        .into_iter()
        .map(|c| {
            let id = c.id.to_string();
            let (chosen, lead) = match fields {
                Some(f) => (
                    f.iter().any(|(k, v)| k == "member" && *v == id),
                    field(f, "lead") == Some(id.as_str()),
                ),
                None => (c.seated, c.lead),
            };
            Candidate {
                name: c.name,
                caict: c.organisation_kind == crate::domain::panel::OrganisationKind::Caict,
                load: c.load,
                max_load: c.max_load,
                unfit: c.unfit.iter().map(|r| refusal_text(r, lang)).collect(),
                chosen,
                lead,
                seated: c.seated,
                seated_lead: c.lead,
                id,
            }
        })
        .collect();
    let ctx = with(base_context(visitor, req.path()), "candidates", &shown);
    let ctx = with(
        ctx,
        "application",
        &crate::workflow::views::applications::application_view(app),
    );
    let ctx = with(ctx, "enterprise_name", &enterprise);
    let ctx = with(ctx, "part_name", &part);
    page_with_form(
        &state.templates,
        "pages/panels/application_panel.html",
        ctx,
        &form,
    )
}

pub async fn panel_page(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    render_panel(&state, caller, &visitor, &req, path.into_inner(), None).await
}

/// Sets the application's panel from the page: `member` (repeated) and `lead`; asks for
/// confirmation, and a refusal shows the form again as chosen with every broken rule.
pub async fn panel_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ApplicationId>,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let (id, fields) = (path.into_inner(), form.into_inner());
    let lead = field(&fields, "lead").unwrap_or("").to_string();
    let mut seats: Vec<SeatInput> = fields
        .iter()
        .filter(|(k, _)| k == "member")
        .map(|(_, v)| SeatInput {
            assessor_id: v.clone(),
            lead: *v == lead,
        })
        .collect();
    if !lead.is_empty() && !seats.iter().any(|s| s.lead) {
        // The lead sits on the panel whether or not their box was ticked too.
        seats.push(SeatInput {
            assessor_id: lead.clone(),
            lead: true,
        });
    }
    if !confirm::is_confirmed(&fields) {
        let (enterprise, part) =
            crate::routes::applications::pages::what_it_is(&state, &caller, &visitor, id).await?;
        return confirm::page(
            &state.templates,
            &visitor,
            &req,
            Confirmation {
                title_key: "confirm.panel_set.title",
                question_key: "confirm.panel_set.question",
                args: vec![
                    ("enterprise", enterprise),
                    ("part", part),
                    ("members", seats.len().to_string()),
                ],
                fields: &fields,
                back: &format!("/applications/{id}/panel"),
            },
        );
    }
    let who = caller.clone();
    let outcome = state
        .db(move |conn| {
            Ok(panels::set_panel(
                conn,
                &who.principal,
                id,
                &seats,
                today(),
                &who.address,
            ))
        })
        .await?;
    match outcome {
        Ok(()) => Ok(back_to(&format!("/applications/{id}"))),
        Err(refusal) => {
            let form = FormState::refused(&fields, refusal.into(), visitor.lang, None)?;
            render_panel(&state, caller, &visitor, &req, id, Some((&fields, form))).await
        }
    }
}
