//! Browsing the model catalog (pages and API) and loading a model file (secretariat).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::catalog::Model;
use crate::domain::ids::ModelVersionId;
use crate::error::AppError;
use crate::refusal::{Code, Reason};
use crate::web::caller::Caller;
use crate::web::render::{base_context, page, with};
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::catalog::{self as loader, LoadError, Outcome};
use crate::workflow::queries::catalog::{self as read, VersionDoc, VersionSummary};

#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelVersionView {
    id: String,
    version: i32,
    name_zh: String,
    name_en: String,
    /// "certification" or "self_assessment"
    usage: String,
    source_name: String,
    content_sha256: String,
    loaded_at: String,
}

impl From<&VersionSummary> for ModelVersionView {
    fn from(v: &VersionSummary) -> Self {
        ModelVersionView {
            id: v.id.to_string(),
            version: v.version,
            name_zh: v.name_zh.clone(),
            name_en: v.name_en.clone(),
            usage: v.usage.clone(),
            source_name: v.source_name.clone(),
            content_sha256: v.content_sha256.clone(),
            loaded_at: v.loaded_at.and_utc().to_rfc3339(),
        }
    }
}

async fn fetch(state: &AppState, id: ModelVersionId) -> Result<VersionDoc, AppError> {
    state
        .db(move |conn| read::version(conn, id)?.ok_or(AppError::NotFound))
        .await
}

pub async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let versions = state.db(|conn| Ok(read::versions(conn)?)).await?;
    let views: Vec<ModelVersionView> = versions.iter().map(Into::into).collect();
    page(
        &state.templates,
        "pages/models/list.html",
        &with(base_context(&visitor, req.path()), "versions", &views),
    )
}

pub async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ModelVersionId>,
) -> Result<HttpResponse, AppError> {
    let doc = fetch(&state, path.into_inner()).await?;
    let ctx = with(
        base_context(&visitor, req.path()),
        "version",
        &ModelVersionView::from(&doc.summary),
    );
    page(
        &state.templates,
        "pages/models/detail.html",
        &with(ctx, "model", &doc.model),
    )
}

/// Every version of every model in the catalog.
#[utoipa::path(get, path = "/api/v1/models", responses((status = 200, body = [ModelVersionView])), security(("bearer" = [])))]
pub async fn list_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let versions = state.db(|conn| Ok(read::versions(conn)?)).await?;
    Ok(HttpResponse::Ok().json(
        versions
            .iter()
            .map(ModelVersionView::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelVersionDetail {
    #[serde(flatten)]
    version: ModelVersionView,
    /// Parts, capability domains, items and their level criteria, in zh and en.
    #[schema(value_type = Object)]
    model: Model,
}

/// One model version with its parts, domains, items and level criteria.
#[utoipa::path(get, path = "/api/v1/models/{id}", params(("id" = String, Path, description = "model version id")),
    responses((status = 200, body = ModelVersionDetail), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    path: web::Path<ModelVersionId>,
) -> Result<HttpResponse, AppError> {
    let doc = fetch(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ModelVersionDetail {
        version: (&doc.summary).into(),
        model: doc.model,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LoadQuery {
    /// The file name, used in messages and kept as the version's source.
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoadResult {
    code: String,
    version: i32,
    /// True when the content differed from the newest version and a new one was made.
    created: bool,
    id: Option<String>,
}

/// Loads one model file (TOML, the body). A changed model becomes a new version; a file
/// with an error is refused with its line and nothing is stored.
#[utoipa::path(post, path = "/api/v1/models", params(LoadQuery), request_body(content = String, content_type = "application/toml"),
    responses((status = 200, body = LoadResult), (status = 201, body = LoadResult), (status = 422, description = "the file is refused: file, line and reason")),
    security(("bearer" = [])))]
pub async fn load_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<LoadQuery>,
    body: String,
) -> Result<HttpResponse, AppError> {
    let files = vec![(query.into_inner().name, body)];
    let actor = crate::domain::audit::Actor::user(caller.principal.user_id, &caller.address);
    let outcome = state
        .db(move |conn| match loader::load_as(conn, &files, &actor) {
            Ok(mut o) => Ok(o.remove(0)),
            Err(LoadError::Database(e)) => Err(AppError::internal(e)),
            Err(LoadError::Invalid(e)) => Err(AppError::invalid(Reason::from(e))),
            Err(LoadError::DuplicateModel(model)) => Err(AppError::invalid(
                Code::ModelDefinedTwice.with("model", model),
            )),
        })
        .await?;
    Ok(match outcome {
        Outcome::NewVersion { code, version, id } => HttpResponse::Created().json(LoadResult {
            code,
            version,
            created: true,
            id: Some(id.to_string()),
        }),
        Outcome::Unchanged { code, version } => HttpResponse::Ok().json(LoadResult {
            code,
            version,
            created: false,
            id: None,
        }),
    })
}
