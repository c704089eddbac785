//! Enterprise registration (enterprise members) and verification (secretariat).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::ids::EnterpriseId;
use crate::domain::listing::{parse_search, Window};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::listing::{self, kept, Links};
use crate::web::AppState;
use crate::workflow::enterprises::{self, Registration};
use crate::workflow::queries::enterprises::{self as read, EnterpriseFilter};
use crate::workflow::views::enterprises::enterprise_view;
use crate::workflow::views::EnterpriseView;

/// Registers the caller's enterprise; the caller becomes its administrator.
#[utoipa::path(post, path = "/api/v1/enterprises", request_body = Registration,
    responses((status = 201, description = "registered; awaiting verification"), (status = 409), (status = 422, description = "e.g. a wrong credit-code check character")),
    security(("bearer" = [])))]
pub async fn register_api(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<Registration>,
) -> Result<HttpResponse, AppError> {
    let r = body.into_inner();
    let id = state
        .db(move |conn| {
            Ok(enterprises::register(
                conn,
                caller.principal.user_id,
                &r,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id, "verified": false })))
}

/// The caller's enterprise.
#[utoipa::path(get, path = "/api/v1/enterprises/mine", responses((status = 200, description = "the enterprise", body = EnterpriseView), (status = 404)), security(("bearer" = [])))]
pub async fn mine_api(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let view = state
        .db(move |conn| {
            let row = read::mine(conn, caller.principal.user_id)?.ok_or(AppError::NotFound)?;
            Ok(enterprise_view(row, &caller.principal))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The parameters of the enterprises list, the same for the page and the API.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseListQuery {
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Rows per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Part of the name (Chinese or English) or the start of the credit code.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `yes`: only verified enterprises; `no`: only those awaiting verification; empty or
    /// absent: both.
    #[param(pattern = "^(yes|no)?$")]
    pub verified: Option<String>,
}

impl EnterpriseListQuery {
    /// The filter and the window, or a coded 400.
    pub fn check(&self) -> Result<(EnterpriseFilter, Window), AppError> {
        let verified = match self.verified.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(other) => {
                return Err(AppError::bad_request(
                    Code::FilterInvalid.with("value", other),
                ))
            }
        };
        let search = parse_search(self.q.as_deref()).map_err(AppError::bad_request)?;
        let window = listing::window(
            read::LIST,
            read::KEY_PARTS,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )?;
        Ok((EnterpriseFilter { search, verified }, window))
    }

    /// The filters as they go back into the links to the neighbouring pages.
    pub fn kept(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", kept(&self.q)),
            ("verified", kept(&self.verified)),
            ("limit", kept(&self.limit)),
        ]
    }
}

/// Registered enterprises, newest first, a page at a time (secretariat): the `Link`
/// header names the next and previous pages.
#[utoipa::path(get, path = "/api/v1/enterprises", params(EnterpriseListQuery),
    responses((status = 200, description = "one page of enterprises, newest first", body = [EnterpriseView],
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor, limit or filter that cannot be used")),
    security(("bearer" = [])))]
pub async fn list_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<EnterpriseListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (filter, window) = query.check()?;
    let page = state
        .db(move |conn| {
            let page = read::page(conn, &filter, &window)?;
            Ok(page.map(|(row, _)| enterprise_view(row, &caller.principal)))
        })
        .await?;
    let links = Links::of(&page, &query.kept());
    Ok(links.json("/api/v1/enterprises", page.rows))
}

/// Verifies an enterprise so that it can submit applications (secretariat).
#[utoipa::path(post, path = "/api/v1/enterprises/{id}/verify", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "already verified")), security(("bearer" = [])))]
pub async fn verify_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<EnterpriseId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| {
            Ok(enterprises::verify(
                conn,
                id,
                caller.principal.user_id,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
