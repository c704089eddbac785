//! The assessor registry: organisations, assessor profiles, declared conflicts and
//! employment (secretariat).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::{back_to, field, no_content, today, FormFields};
use crate::domain::ids::{EnterpriseId, Named, OrganisationId, UserId};
use crate::domain::listing::{parse_search, Window};
use crate::error::AppError;
use crate::refusal::Code;
use crate::web::caller::Caller;
use crate::web::listing::{self, kept, Links};
use crate::web::render::{base_context, page_with_form, with, FormState};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::enterprise_groups;
use crate::workflow::panels::{
    self, ConflictInput, EmploymentInput, OrganisationInput, ProfileInput,
};
use crate::workflow::queries;
use crate::workflow::queries::panels::AssessorFilter;
use crate::workflow::views::panels::organisation_view;
use crate::workflow::views::{OrganisationView, RegistryEntry};

/// Assessor organisations (secretariat).
#[utoipa::path(get, path = "/api/v1/organisations", responses((status = 200, description = "organisations", body = [OrganisationView])), security(("bearer" = [])))]
pub async fn organisations_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let views: Vec<OrganisationView> = state
        .db(|conn| {
            let rows = queries::panels::organisations(conn)?;
            Ok(rows.into_iter().map(organisation_view).collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Registers CAICT or an external certified-assessor organisation (secretariat).
#[utoipa::path(post, path = "/api/v1/organisations", request_body = OrganisationInput, responses((status = 201), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn add_organisation_api(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OrganisationInput>,
) -> Result<HttpResponse, AppError> {
    let o = body.into_inner();
    let id = state
        .db(move |conn| {
            Ok(panels::add_organisation(
                conn,
                &caller.principal,
                &o,
                &caller.address,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

/// The parameters of the assessor registry, the same for the page and the API.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessorListQuery {
    /// Where the page starts: the cursor of the `rel="next"` link of the page before.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Where the page ends: the cursor of the `rel="prev"` link of the page after.
    #[param(max_length = 512)]
    pub before: Option<String>,
    /// Assessors per page (50 when not given).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Part of the assessor's name (any case) or certification number.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only assessors of this organisation (its id; empty or absent: every organisation).
    #[param(
        pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    pub organisation: Option<String>,
}

impl AssessorListQuery {
    fn check(&self) -> Result<(AssessorFilter, Window), AppError> {
        let organisation = match self.organisation.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(o) => Some(
                o.parse::<OrganisationId>()
                    .map_err(|_| AppError::bad_request(Code::FilterInvalid.with("value", o)))?,
            ),
        };
        let search = parse_search(self.q.as_deref()).map_err(AppError::bad_request)?;
        let window = listing::window(
            panels::REGISTRY_LIST,
            panels::REGISTRY_KEY_PARTS,
            self.after.as_deref(),
            self.before.as_deref(),
            self.limit,
        )?;
        Ok((
            AssessorFilter {
                search,
                organisation,
            },
            window,
        ))
    }

    fn kept(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", kept(&self.q)),
            ("organisation", kept(&self.organisation)),
            ("limit", kept(&self.limit)),
        ]
    }
}

/// The assessor registry by name, a page at a time (secretariat): the `Link` header
/// names the next and previous pages.
#[utoipa::path(get, path = "/api/v1/assessors", params(AssessorListQuery),
    responses((status = 200, description = "one page of the registry", body = [RegistryEntry],
        headers(("Link" = String, description = "the next (rel=\"next\") and previous (rel=\"prev\") pages"))),
        (status = 400, description = "a cursor, limit or filter that cannot be used")),
    security(("bearer" = [])))]
pub async fn registry_api(
    state: web::Data<AppState>,
    query: web::Query<AssessorListQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, window) = query.check()?;
    let page = state
        .db(move |conn| Ok(panels::registry_page(conn, today(), &filter, &window)?))
        .await?;
    let links = Links::of(&page, &query.kept());
    Ok(links.json("/api/v1/assessors", page.rows))
}

/// Registers or updates an assessor: organisation, certification, parts, languages.
#[utoipa::path(post, path = "/api/v1/assessors", request_body = ProfileInput, responses((status = 204), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn save_profile_api(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ProfileInput>,
) -> Result<HttpResponse, AppError> {
    let p = body.into_inner();
    state
        .db(move |conn| {
            Ok(panels::save_profile(
                conn,
                &caller.principal,
                &p,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// Records a declared conflict of an assessor or reviewer with an enterprise or
/// organisation (secretariat).
#[utoipa::path(post, path = "/api/v1/assessors/{id}/conflicts", params(("id" = uuid::Uuid, Path, description = "user id")), request_body = ConflictInput, responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn conflict_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<UserId>,
    body: web::Json<ConflictInput>,
) -> Result<HttpResponse, AppError> {
    let (id, c) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(panels::declare_conflict(
                conn,
                &caller.principal,
                id,
                &c,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

/// Records an assessor's employment with an enterprise (secretariat).
#[utoipa::path(post, path = "/api/v1/assessors/{id}/employment", params(("id" = uuid::Uuid, Path, description = "user id")), request_body = EmploymentInput, responses((status = 204), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn employment_api(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<UserId>,
    body: web::Json<EmploymentInput>,
) -> Result<HttpResponse, AppError> {
    let (id, e) = (path.into_inner(), body.into_inner());
    state
        .db(move |conn| {
            Ok(panels::add_employment(
                conn,
                &caller.principal,
                id,
                &e,
                &caller.address,
            )?)
        })
        .await?;
    Ok(no_content())
}

pub async fn registry_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    query: web::Query<AssessorListQuery>,
) -> Result<HttpResponse, AppError> {
    render_registry(
        &state,
        &visitor,
        &req,
        query.into_inner(),
        &FormState::default(),
    )
    .await
}

/// The registry page, with `form` for a refused form of it shown again.
async fn render_registry(
    state: &AppState,
    visitor: &Visitor,
    req: &HttpRequest,
    query: AssessorListQuery,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    let (filter, window) = query.check()?;
    let (registry, organisations, people, employers, groups) = state
        .db(move |conn| {
            let people = queries::panels::assessors_and_reviewers(conn)?;
            let registry = panels::registry_page(conn, today(), &filter, &window)?;
            // The names of the page's employers only: a choice among every enterprise
            // (5,000 in a national programme, three times) made this page a megabyte.
            let employed: Vec<EnterpriseId> = registry
                .rows
                .iter()
                .flat_map(|a| a.employment.iter().map(|j| j.enterprise_id))
                .collect();
            Ok((
                registry,
                queries::panels::organisations(conn)?
                    .into_iter()
                    .map(organisation_view)
                    .collect::<Vec<_>>(),
                people,
                queries::enterprises::names(conn, &employed)?,
                enterprise_groups::groups(conn)?,
            ))
        })
        .await?;
    let links = Links::of(&registry, &query.kept());
    let ctx = with(
        base_context(visitor, req.path()),
        "assessors",
        &registry.rows,
    );
    let ctx = with(ctx, "f", &query);
    let ctx = with(ctx, "pager_path", "/assessors");
    let ctx = with(ctx, "next_qs", &links.next_qs);
    let ctx = with(ctx, "prev_qs", &links.prev_qs);
    let ctx = with(ctx, "people", &people);
    let ctx = with(ctx, "employers", &employers);
    let ctx = with(ctx, "groups", &groups);
    page_with_form(
        &state.templates,
        "pages/panels/registry.html",
        with(ctx, "organisations", &organisations),
        form,
    )
}

/// An employment record from the registry page: `user_id`, `enterprise_id`, `from` and
/// optionally `until`; a refusal shows the page again with the form as typed.
pub async fn employment_form(
    state: web::Data<AppState>,
    caller: Caller,
    visitor: Visitor,
    req: HttpRequest,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    // A malformed user id names nobody, as an unknown one does.
    let person: UserId = field(&f, "user_id")
        .unwrap_or("")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let date = |name: &str| -> Result<Option<NaiveDate>, AppError> {
        match field(&f, name).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(Code::EmploymentDateInvalid)),
        }
    };
    let parsed = date("from").and_then(|from| {
        Ok(EmploymentInput {
            enterprise_id: field(&f, "enterprise").unwrap_or("").to_string(),
            from: from.ok_or_else(|| AppError::invalid(Code::EmploymentDateInvalid))?,
            until: date("until")?,
        })
    });
    let outcome = match parsed {
        Ok(mut e) => state
            .db(move |conn| {
                e.enterprise_id = queries::enterprises::id_named(conn, &e.enterprise_id)?;
                Ok(panels::add_employment(
                    conn,
                    &caller.principal,
                    person,
                    &e,
                    &caller.address,
                ))
            })
            .await?
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(back_to("/assessors#employment")),
        Err(err) => {
            let form = FormState::refused(&f, err, visitor.lang, Some("employment"))?;
            render_registry(&state, &visitor, &req, AssessorListQuery::default(), &form).await
        }
    }
}

/// Registry forms on `/assessors`: an organisation, an assessor profile, a conflict.
pub async fn add_organisation_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let o = OrganisationInput {
        name: field(&f, "name").unwrap_or("").to_string(),
        kind: field(&f, "kind").unwrap_or("").to_string(),
    };
    state
        .db(move |conn| {
            Ok(panels::add_organisation(
                conn,
                &caller.principal,
                &o,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to("/assessors"))
}

pub async fn save_profile_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
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
        .map_err(|_| AppError::invalid(Code::AssessorExpiryInvalid))?;
    let max_load = field(&f, "max_load")
        .unwrap_or("6")
        .parse()
        .map_err(|_| AppError::invalid(Code::AssessorMaxLoadNotANumber))?;
    let p = ProfileInput {
        user_id: Named::parse(field(&f, "user_id").unwrap_or("")),
        organisation_id: Named::parse(field(&f, "organisation_id").unwrap_or("")),
        certification_number: field(&f, "certification_number").unwrap_or("").to_string(),
        certification_expires_on: expires,
        parts: list("parts"),
        languages: list("languages"),
        max_load,
    };
    state
        .db(move |conn| {
            Ok(panels::save_profile(
                conn,
                &caller.principal,
                &p,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to("/assessors"))
}

pub async fn conflict_form(
    state: web::Data<AppState>,
    caller: Caller,
    form: FormFields,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    // A malformed user id names nobody, as an unknown one does.
    let person: UserId = field(&f, "user_id")
        .unwrap_or("")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    // With an enterprise (by credit code) or with a group or organisation (chosen).
    let enterprise = field(&f, "enterprise").unwrap_or("").trim().to_string();
    let chosen = field(&f, "with_id").unwrap_or("").to_string();
    let reason = field(&f, "reason").unwrap_or("").to_string();
    state
        .db(move |conn| {
            let with = if enterprise.is_empty() {
                chosen
            } else {
                queries::enterprises::id_named(conn, &enterprise)?
            };
            let c = ConflictInput {
                with_id: Named::parse(&with),
                reason,
            };
            Ok(panels::declare_conflict(
                conn,
                &caller.principal,
                person,
                &c,
                &caller.address,
            )?)
        })
        .await?;
    Ok(back_to("/assessors"))
}
