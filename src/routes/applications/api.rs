//! Applications for parts of a round (API).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::application_status::Status;
use crate::domain::ids::{ApplicationId, RoundId};
use crate::domain::listing::{parse_search, Window};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::listing::{self, kept, Links};
use crate::web::AppState;
use crate::workflow::applications::{self, Draft};
use crate::workflow::queries::applications::{self as read, ApplicationFilter};
use crate::workflow::views::applications::{application_detail, application_view};
use crate::workflow::views::{ApplicationDetail, ApplicationView};

/// Starts a draft application for one part of a round (enterprise members).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/applications", params(("id" = uuid::Uuid, Path, description = "round id")), request_body = Draft,
    responses((status = 201, description = "draft created"), (status = 409, description = "already applied for this part"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RoundId>,
    body: web::Json<Draft>,
) -> Result<HttpResponse, AppError> {
    let round_id = path.into_inner();
    let draft = body.into_inner();
    let id = state
        .db(move |conn| {
            Ok(applications::create(
                conn,
                &caller.principal,
                round_id,
                &draft,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id, "status": "draft" })))
}

/// The parameters of the applications list, the same for the page and the API.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListQuery {
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Rows per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Part of the enterprise's name (Chinese or English) or the start of its credit code.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only this round (its id; empty or absent: every round).
    #[param(
        pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    pub round: Option<String>,
    /// Only this part (its code).
    #[param(max_length = 100)]
    pub part: Option<String>,
    /// Only this status (empty or absent: every status).
    #[param(
        pattern = "^(draft|submitted|accepted|in_assessment|scored|in_review|approved|returned|certified|withdrawn|rejected)?$"
    )]
    pub status: Option<String>,
}

fn given(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ApplicationListQuery {
    /// The filter and the window, or a coded 400 naming what could not be used.
    pub fn check(&self) -> Result<(ApplicationFilter, Window), AppError> {
        let bad = |value: &str| AppError::bad_request(Code::FilterInvalid.with("value", value));
        let round = match given(&self.round) {
            Some(r) => Some(r.parse::<RoundId>().map_err(|_| bad(r))?),
            None => None,
        };
        let status = match given(&self.status) {
            Some(s) => Some(s.parse::<Status>().map_err(|_| bad(s))?),
            None => None,
        };
        let part = match given(&self.part) {
            Some(p) if p.chars().count() > 100 => return Err(bad(p)),
            p => p.map(String::from),
        };
        let search = parse_search(self.q.as_deref()).map_err(AppError::bad_request)?;
        let window = listing::window(
            read::LIST,
            read::KEY_PARTS,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )?;
        let filter = ApplicationFilter {
            enterprise: None,
            round,
            part,
            status,
            search,
            reviewer: None,
            seated: None,
        };
        Ok((filter, window))
    }

    /// The filters as they go back into the links to the neighbouring pages.
    pub fn kept(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", kept(&self.q)),
            ("round", kept(&self.round)),
            ("part", kept(&self.part)),
            ("status", kept(&self.status)),
            ("limit", kept(&self.limit)),
        ]
    }
}

/// Applications the caller may see (their enterprise's, or all for the secretariat),
/// newest first, a page at a time: the `Link` header names the next and previous pages.
#[utoipa::path(get, path = "/api/v1/applications", params(ApplicationListQuery),
    responses((status = 200, description = "one page of applications", body = [ApplicationView],
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor, limit or filter that cannot be used")),
    security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ApplicationListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (filter, window) = query.check()?;
    let page = state
        .db(move |conn| {
            let page = read::page(conn, &caller.principal, filter, &window)?;
            Ok(page.map(application_view))
        })
        .await?;
    let links = Links::of(&page, &query.kept());
    Ok(links.json("/api/v1/applications", page.rows))
}

/// One application with its history; another enterprise's id answers 404.
#[utoipa::path(get, path = "/api/v1/applications/{id}", params(("id" = uuid::Uuid, Path)), responses((status = 200, description = "the application", body = ApplicationDetail), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let detail: ApplicationDetail = state
        .db(move |conn| {
            let application = applications::visible(conn, &caller.principal, id)?;
            let missing_items = applications::missing_items(conn, &application)?;
            Ok(application_detail(
                application,
                read::history(conn, id)?,
                read::exemptions(conn, id)?,
                missing_items,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    /// submit, withdraw (enterprise); accept, reject, start_assessment, certify (secretariat)
    #[schema(
        pattern = "^(submit|accept|reject|start_assessment|withdraw|certify|complete_scoring|send_to_review|approve|return)$"
    )]
    action: String,
    /// Needed to reject, withdraw or return.
    reason: Option<String>,
}

/// Changes an application's status; refused with 409 and the reason when the rules do
/// not allow it now.
#[utoipa::path(post, path = "/api/v1/applications/{id}/transitions", params(("id" = uuid::Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, description = "the new status"), (status = 403), (status = 404), (status = 409, description = "not allowed in this state, window closed, evidence missing"), (status = 422, description = "an unknown action")),
    security(("bearer" = [])))]
pub async fn transition_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ApplicationId>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let event = applications::parse_event(&b.action, b.reason.as_deref())?;
    let calendars = state.calendars.clone();
    let status = state
        .db(move |conn| {
            Ok(applications::transition(
                conn,
                &caller.principal,
                id,
                &event,
                &calendars,
                chrono::Utc::now(),
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": status.as_str() })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NotApplicableRequest {
    reason: String,
}

/// Declares a capability item not applicable, with the reason (draft applications).
#[utoipa::path(put, path = "/api/v1/applications/{id}/items/{item}/not-applicable", params(("id" = uuid::Uuid, Path), ("item" = String, Path)),
    request_body = NotApplicableRequest, responses((status = 204), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn not_applicable_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(ApplicationId, String)>,
    body: web::Json<NotApplicableRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let reason = body.into_inner().reason;
    state
        .db(move |conn| {
            Ok(applications::declare_not_applicable(
                conn,
                &caller.principal,
                id,
                &item,
                &reason,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
