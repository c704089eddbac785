//! Assessment rounds: list and detail (pages and API), creation, change and publication
//! by the secretariat (API here, the forms in `forms`). Drafts are seen by the secretariat
//! only.

pub mod forms;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::domain::access::Role;
use crate::domain::audit::Actor;
use crate::domain::calendar::{month_grids, Calendars, RegistrationWindow};
use crate::domain::ids::{ModelVersionId, RoundId, UserId};
use crate::domain::round::RoundInput;
use crate::error::AppError;
use crate::refusal::{Code, Refusal};
use crate::web::caller::Caller;
use crate::web::listing::{self, Links};
use crate::web::render::{base_context, page, refusal_text, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::queries::{self, rounds::RoundRow};
use crate::workflow::review::{self, MemberInput, ReviewPanelRequest, ReviewPanelView};
use crate::workflow::rounds;
use crate::workflow::views::rounds::{round_view, RoundView};

fn view(calendars: &Calendars, r: RoundRow, parts: Vec<String>, visitor: &Visitor) -> RoundView {
    round_view(r, parts, calendars, Utc::now(), |reason| {
        refusal_text(reason, visitor.lang)
    })
}

fn is_secretariat(visitor: &Visitor) -> bool {
    visitor
        .principal
        .as_ref()
        .is_some_and(|p| p.has(Role::Secretariat))
}

async fn all(state: &AppState, visitor: &Visitor) -> Result<Vec<RoundView>, AppError> {
    let drafts = is_secretariat(visitor);
    let (rows, calendars) = state
        .db(move |conn| {
            let rows = if drafts {
                queries::rounds::all_with_parts(conn)?
            } else {
                queries::rounds::published_with_parts(conn)?
            };
            Ok((rows, queries::rounds::calendars(conn)?))
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(r, p)| view(&calendars, r, p, visitor))
        .collect())
}

/// One round with the calendars it was judged by; a draft is not found but by the
/// secretariat.
async fn one_with_calendars(
    state: &AppState,
    visitor: &Visitor,
    id: RoundId,
) -> Result<(RoundView, Calendars), AppError> {
    let drafts = is_secretariat(visitor);
    let (r, parts, calendars) = state
        .db(move |conn| {
            let (r, parts) = queries::rounds::with_parts(conn, id)?.ok_or(AppError::NotFound)?;
            if r.published_at.is_none() && !drafts {
                return Err(AppError::NotFound);
            }
            Ok((r, parts, queries::rounds::calendars(conn)?))
        })
        .await?;
    Ok((view(&calendars, r, parts, visitor), calendars))
}

async fn one(state: &AppState, visitor: &Visitor, id: RoundId) -> Result<RoundView, AppError> {
    Ok(one_with_calendars(state, visitor, id).await?.0)
}

pub async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let rounds = all(&state, &visitor).await?;
    page(
        &state.templates,
        "pages/rounds/list.html",
        &with(base_context(&visitor, req.path()), "rounds", &rounds),
    )
}

/// What the round page's certificate button did, as counts in the query string of the
/// redirect back to the page (see `certificates::issue_round_form`).
#[derive(Debug, Deserialize, Serialize)]
pub struct IssuedCounts {
    pub issued: usize,
    pub existing: usize,
    pub refused: usize,
}

pub async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    render_detail(&state, &visitor, &req, path.into_inner(), None).await
}

/// The round page; the secretariat also gets the review panel section, showing the form
/// as submitted and why it was refused when `refused` is given.
async fn render_detail(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    id: RoundId,
    refused: Option<(SubmittedPanel, String)>,
) -> Result<HttpResponse, AppError> {
    let (round, calendars) = one_with_calendars(state, visitor, id).await?;
    let months = RegistrationWindow::new(
        round.registration_opens.parse().unwrap_or_default(),
        round.registration_closes.parse().unwrap_or_default(),
    )
    .map(|w| month_grids(&calendars, w.opens(), w.closes(), Some(w), WINDOW_MONTHS))
    .unwrap_or_default();
    let days_left = chrono::DateTime::parse_from_rfc3339(&round.registration_closes_at)
        .map(|t| (t.with_timezone(&Utc) - Utc::now()).num_days())
        .unwrap_or(0);
    let secretariat = is_secretariat(visitor);
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let review = if secretariat {
        Some(
            state
                .db(move |conn| review_section(conn, id, refused))
                .await?,
        )
    } else {
        None
    };
    let certificates = web::Query::<IssuedCounts>::from_query(req.query_string())
        .ok()
        .map(web::Query::into_inner);
    let ctx = with(base_context(visitor, req.path()), "round", &round);
    let ctx = with(ctx, "review", &review);
    let ctx = with(ctx, "certificates", &certificates);
    let ctx = with(ctx, "months", &months);
    let ctx = if secretariat {
        // The round's certificates, 50 a page by number (`after` / `before`).
        let at = web::Query::<CertificatesAt>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .unwrap_or_default();
        let window = listing::window(
            queries::certificates::ROUND_CERTIFICATES_LIST,
            1,
            at.after.as_deref(),
            at.before.as_deref(),
            at.limit,
        )?;
        let (issued, total) = super::certificates::of_round(state, id, window).await?;
        let limit = at.limit.map(|l| l.to_string()).unwrap_or_default();
        let links = Links::of(&issued, &[("limit", limit)]);
        let ctx = with(ctx, "round_certificates", &issued.rows);
        let ctx = with(ctx, "round_certificates_total", &total);
        let ctx = with(ctx, "pager_path", &format!("/rounds/{id}"));
        let ctx = with(ctx, "next_qs", &links.next_qs);
        with(ctx, "prev_qs", &links.prev_qs)
    } else {
        with(ctx, "round_certificates", &None::<()>)
    };
    let mut res = page(
        &state.templates,
        "pages/rounds/detail.html",
        &with(ctx, "days_left", &days_left),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// Where the round page's list of certificates starts.
#[derive(Debug, Default, Deserialize)]
struct CertificatesAt {
    after: Option<String>,
    before: Option<String>,
    limit: Option<i64>,
}

/// Months of the registration window drawn on the round page; a longer window shows its
/// first months and the dates say the rest.
const WINDOW_MONTHS: usize = 6;

/// The review panel form as the secretariat filled it in.
struct SubmittedPanel {
    members: Vec<MemberInput>,
    quorum: String,
    majority: String,
}

#[derive(Serialize)]
struct Candidate {
    user_id: UserId,
    name: String,
    chosen: bool,
    /// The enterprise the expert sits for, as its credit code (or as typed when the form
    /// was refused), and its name when the text names one. A national programme has
    /// thousands of evaluated enterprises: a choice among all of them for each expert
    /// made the round page hundreds of kilobytes.
    enterprise: String,
    enterprise_name: Option<String>,
}

#[derive(Serialize)]
struct ReviewSection {
    panel: Option<ReviewPanelView>,
    candidates: Vec<Candidate>,
    quorum: String,
    majority: String,
    majorities: Vec<String>,
    error: Option<String>,
}

/// The current review panel and the form prefilled with it (or with what was submitted);
/// a reviewer not on it is offered with their own enterprise.
fn review_section(
    conn: &mut DbConn,
    round_id: RoundId,
    refused: Option<(SubmittedPanel, String)>,
) -> Result<ReviewSection, AppError> {
    let panel = review::panel_view(conn, round_id)?;
    let reviewers = review::candidates(conn)?;
    let refused_form = refused.is_some();
    let (chosen, quorum, majority, error): (Vec<(String, String)>, String, String, _) =
        match (refused, &panel) {
            (Some((s, error)), _) => (
                s.members
                    .into_iter()
                    .map(|m| (m.user_id, m.enterprise_id))
                    .collect(),
                s.quorum,
                s.majority,
                Some(error),
            ),
            (None, Some(p)) => (
                p.members
                    .iter()
                    .map(|m| (m.user_id.to_string(), m.enterprise_id.to_string()))
                    .collect(),
                p.quorum.to_string(),
                format!("{}/{}", p.majority.0, p.majority.1),
                None,
            ),
            (None, None) => (vec![], "1".into(), "1/2".into(), None),
        };
    // Each expert's own enterprise in one query: one by one, a national programme's
    // experts were a hundred round trips on every view of the round page.
    let ids: Vec<_> = reviewers.iter().map(|(u, _)| *u).collect();
    let mut own = queries::enterprises::of_members(conn, &ids)?;
    let mut candidates = Vec::new();
    for (user_id, name) in reviewers {
        let on_panel = chosen.iter().find(|(u, _)| *u == user_id.to_string());
        let named = match on_panel {
            Some((_, e)) => queries::enterprises::named(conn, e)?,
            None => own.remove(&user_id),
        };
        let (enterprise, enterprise_name) = match (on_panel, named) {
            // What was typed stays as typed.
            (Some((_, typed)), e) if refused_form => (typed.clone(), e.map(|e| e.name_zh)),
            (_, Some(e)) => (e.credit_code, Some(e.name_zh)),
            (_, None) => (String::new(), None),
        };
        candidates.push(Candidate {
            chosen: on_panel.is_some(),
            user_id,
            name,
            enterprise,
            enterprise_name,
        });
    }
    let mut majorities: Vec<String> = ["1/2", "2/3", "3/4"].map(String::from).to_vec();
    if !majorities.contains(&majority) {
        majorities.push(majority.clone());
    }
    Ok(ReviewSection {
        panel,
        candidates,
        quorum,
        majority,
        majorities,
        error,
    })
}

/// A majority field: "2/3".
fn fraction(text: &str) -> Option<(u32, u32)> {
    let (n, d) = text.trim().split_once('/')?;
    Some((n.trim().parse().ok()?, d.trim().parse().ok()?))
}

/// Forms or re-forms the round's review panel from the round page (secretariat): the
/// checked `member`s, each with `enterprise_<user id>`, a `quorum` and a `majority`. A
/// refusal shows the page again with the form as filled in and the reason.
pub async fn review_panel_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<RoundId>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let field = |name: &str| {
        f.iter()
            .find(|(k, _)| k == name)
            .map_or_else(String::new, |(_, v)| v.trim().to_string())
    };
    let submitted = SubmittedPanel {
        members: f
            .iter()
            .filter(|(k, _)| k == "member")
            .map(|(_, u)| MemberInput {
                user_id: u.clone(),
                enterprise_id: field(&format!("enterprise_{u}")),
            })
            .collect(),
        quorum: field("quorum"),
        majority: field("majority"),
    };
    let request = match (submitted.quorum.parse(), fraction(&submitted.majority)) {
        (Ok(quorum), Some(majority)) => ReviewPanelRequest {
            members: submitted.members.clone(),
            quorum,
            majority,
        },
        (Err(_), _) => {
            let error = format!(
                "the quorum is a number of votes, not '{}'",
                submitted.quorum
            );
            return render_detail(&state, &visitor, &req, id, Some((submitted, error))).await;
        }
        (_, None) => {
            let error = format!(
                "the majority is a fraction such as 2/3, not '{}'",
                submitted.majority
            );
            return render_detail(&state, &visitor, &req, id, Some((submitted, error))).await;
        }
    };
    let rid = id;
    let outcome = state
        .db(move |conn| {
            // The page names each expert's enterprise by credit code (or id); the use
            // case takes ids and refuses text that names none.
            let mut request = request;
            for m in &mut request.members {
                m.enterprise_id = queries::enterprises::id_named(conn, &m.enterprise_id)?;
            }
            Ok(review::form_panel(
                conn,
                &caller.principal,
                rid,
                &request,
                &caller.address,
            ))
        })
        .await?;
    match outcome {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/rounds/{id}#review-panel")))
            .finish()),
        Err(Refusal::Invalid(reason) | Refusal::Conflict(reason)) => {
            let m = refusal_text(&reason, visitor.lang);
            render_detail(&state, &visitor, &req, id, Some((submitted, m))).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Every assessment round, newest first, with whether registration is open now.
#[utoipa::path(get, path = "/api/v1/rounds", responses((status = 200, body = [RoundView])), security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(all(&state, &visitor).await?))
}

#[utoipa::path(get, path = "/api/v1/rounds/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = RoundView), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(one(&state, &visitor, path.into_inner()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewRoundRequest {
    #[schema(format = Uuid)]
    model_version_id: String,
    #[serde(flatten)]
    round: RoundRequest,
    /// Published at once (the default), or a draft only the secretariat sees.
    #[serde(default = "published_by_default")]
    publish: bool,
}

fn published_by_default() -> bool {
    true
}

/// A round's names, dates (Beijing dates) and parts.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoundRequest {
    name_zh: String,
    name_en: String,
    #[schema(value_type = String, format = Date)]
    registration_opens: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    registration_closes: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    assessment_starts: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    assessment_ends: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    results_on: chrono::NaiveDate,
    parts: Vec<String>,
}

impl From<RoundRequest> for RoundInput {
    fn from(b: RoundRequest) -> RoundInput {
        RoundInput {
            name_zh: b.name_zh,
            name_en: b.name_en,
            registration_opens: b.registration_opens,
            registration_closes: b.registration_closes,
            assessment_starts: b.assessment_starts,
            assessment_ends: b.assessment_ends,
            results_on: b.results_on,
            parts: b.parts,
        }
    }
}

/// Opens a round pinned to a model version (secretariat). Dates are Beijing dates. A year
/// without a public-holiday calendar is accepted and falls back to weekends only: the
/// response's `calendar_warning` says so.
#[utoipa::path(post, path = "/api/v1/rounds", request_body = NewRoundRequest,
    responses((status = 201, body = RoundView), (status = 422, description = "the dates or parts do not allow this round")),
    security(("bearer" = [])))]
pub async fn create_api(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    body: web::Json<NewRoundRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let version: ModelVersionId = b
        .model_version_id
        .parse()
        .map_err(|_| AppError::invalid(Code::RoundModelVersionIdInvalid))?;
    let input = RoundInput::from(b.round);
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    let publish = b.publish;
    let id = state
        .db(move |conn| Ok(rounds::create(conn, version, input, publish, &actor)?))
        .await?;
    Ok(HttpResponse::Created().json(one(&state, &visitor, id).await?))
}

/// Today in Beijing, the programme's calendar.
pub(crate) fn beijing_today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// Changes a round (secretariat): a draft in every respect; a published round's dates and
/// parts only before registration opens and while nobody has applied, its names always.
#[utoipa::path(put, path = "/api/v1/rounds/{id}", params(("id" = uuid::Uuid, Path)), request_body = RoundRequest,
    responses((status = 200, body = RoundView), (status = 404), (status = 409, description = "only the names may change now"), (status = 422, description = "the dates or parts do not allow this round")),
    security(("bearer" = [])))]
pub async fn update_api(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    path: web::Path<RoundId>,
    body: web::Json<RoundRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = RoundInput::from(body.into_inner());
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    state
        .db(move |conn| Ok(rounds::update(conn, id, input, beijing_today(), &actor)?))
        .await?;
    Ok(HttpResponse::Ok().json(one(&state, &visitor, id).await?))
}

/// Publishes a draft round (secretariat): enterprises see it from now on.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/publish", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = RoundView), (status = 404), (status = 409, description = "already published")),
    security(("bearer" = [])))]
pub async fn publish_api(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    path: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = Actor::user(caller.principal.user_id, &caller.address);
    state
        .db(move |conn| Ok(rounds::publish(conn, id, &actor)?))
        .await?;
    Ok(HttpResponse::Ok().json(one(&state, &visitor, id).await?))
}
