//! Browsing the model catalog (pages and API) and loading a model file (secretariat).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::i18n::Lang;
use crate::domain::ids::ModelVersionId;
use crate::error::AppError;
use crate::refusal::{Code, Reason};
use crate::web::cached::{self, Compressed, RenderedPage};
use crate::web::caller::Caller;
use crate::web::compress::KeptPart;
use crate::web::render::{base_context, page, page_around, with};
use crate::web::upload;
use crate::web::visitor::Visitor;
use crate::web::AppState;
use crate::workflow::catalog::{self as loader, LoadError, Outcome};
use crate::workflow::queries::catalog::{self as read, VersionDoc};
use crate::workflow::views::catalog::{
    load_result, model_version_detail, model_version_view, LoadResult, ModelVersionDetail,
    ModelVersionView,
};

/// Largest model file accepted (the built-in ones are a few KiB).
const MODEL_FILE_LIMIT: usize = 4 << 20;

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
    let views: Vec<ModelVersionView> = versions.iter().map(model_version_view).collect();
    page(
        &state.templates,
        "pages/models/list.html",
        &with(base_context(&visitor, req.path()), "versions", &views),
    )
}

/// A version's page. Its content below the site header is rendered once per version and
/// language; the page is revalidated on each view (the header is the visitor's) and a
/// current copy is answered 304 without reading or rendering anything.
pub async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    path: web::Path<ModelVersionId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let lang = visitor.lang;
    // What the page is made of: the version, the language, and the visitor's header.
    let roles: Vec<&str> = visitor
        .principal
        .iter()
        .flat_map(|p| p.roles.iter().map(|r| r.as_str()))
        .collect();
    let user_name = visitor.principal.as_ref().map(|p| p.display_name.as_str());
    let tag = cached::etag(&[
        "model-page",
        &id.to_string(),
        lang.code(),
        req.path(),
        &visitor.csrf_token,
        user_name.unwrap_or_default(),
        &roles.join(","),
    ]);
    if cached::not_modified(&req, &tag) {
        return Ok(cached::not_modified_response(tag, cached::REVALIDATE));
    }
    let rendered = match state.model_docs.pages.get(&(id, lang)) {
        Some(rendered) => rendered,
        None => {
            let doc = fetch(&state, id).await?;
            let mut ctx = tera::Context::new();
            ctx.insert("lang", lang.code());
            ctx.insert("l", if lang == Lang::Zh { "zh" } else { "en" });
            ctx.insert("version", &model_version_view(&doc.summary));
            ctx.insert("model", &doc.model);
            let content = state
                .templates
                .render("pages/models/content.html", &ctx)
                .map_err(|e| AppError::internal(anyhow::anyhow!("model page: {e:?}")))?;
            let title = doc.model.name.get(lang).to_string();
            let content = KeptPart::new(content);
            state
                .model_docs
                .pages
                .keep((id, lang), RenderedPage { title, content })
        }
    };
    let ctx = with(base_context(&visitor, req.path()), "title", &rendered.title);
    let mut res = page_around(
        &state.templates,
        "pages/models/detail.html",
        ctx,
        &rendered.content,
        &req,
    )?;
    res.headers_mut().insert(
        header::ETAG,
        header::HeaderValue::from_str(&tag.to_string()).map_err(AppError::internal)?,
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cached::REVALIDATE),
    );
    Ok(res)
}

/// Every version of every model in the catalog.
#[utoipa::path(get, path = "/api/v1/models", responses((status = 200, body = [ModelVersionView])), security(("bearer" = [])))]
pub async fn list_api(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let versions = state.db(|conn| Ok(read::versions(conn)?)).await?;
    Ok(HttpResponse::Ok().json(versions.iter().map(model_version_view).collect::<Vec<_>>()))
}

/// One model version with its parts, domains, items and level criteria.
#[utoipa::path(get, path = "/api/v1/models/{id}", params(("id" = uuid::Uuid, Path, description = "model version id")),
    responses((status = 200, body = ModelVersionDetail, description = "gzip or brotli when accepted; ETag, immutable"),
        (status = 304, description = "the copy named in If-None-Match is current"), (status = 404)), security(("bearer" = [])))]
pub async fn detail_api(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ModelVersionId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // A version never changes: its document is the same for everyone, for good.
    let tag = cached::etag(&["model-api", &id.to_string()]);
    if cached::not_modified(&req, &tag) {
        return Ok(cached::not_modified_response(tag, cached::IMMUTABLE));
    }
    let doc = match state.model_docs.api.get(&id) {
        Some(doc) => doc,
        None => {
            let version = fetch(&state, id).await?;
            // Compressing at the best levels takes a few milliseconds: off the workers.
            let doc = web::block(move || {
                let json = serde_json::to_vec(&model_version_detail(version))?;
                anyhow::Ok(Compressed::new(json)?)
            })
            .await?
            .map_err(AppError::internal)?;
            state.model_docs.api.keep(id, doc)
        }
    };
    Ok(doc.respond(&req, "application/json", tag, cached::IMMUTABLE))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LoadQuery {
    /// The file name, used in messages and kept as the version's source.
    name: String,
}

/// Loads one model file (TOML, the body). A changed model becomes a new version; a file
/// with an error is refused with its line and nothing is stored.
#[utoipa::path(post, path = "/api/v1/models", params(LoadQuery), request_body(content = String, content_type = "application/toml"),
    responses((status = 200, body = LoadResult), (status = 201, body = LoadResult), (status = 408, description = "the body was too slow"),
        (status = 413, description = "larger than 4 MiB"), (status = 422, description = "the file is refused: file, line and reason"),
        (status = 429, description = "uploads_max_per_user uploads in progress"), (status = 503, description = "uploads_max_total uploads in progress")),
    security(("bearer" = [])))]
pub async fn load_api(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<LoadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let slot = state.uploads.admit(&caller.principal.user_id.to_string())?;
    let (body, watch) = state.uploads.timed(payload);
    let bytes = upload::read_all(body, &watch, MODEL_FILE_LIMIT).await?;
    drop(slot);
    let body = String::from_utf8(bytes.to_vec())
        .map_err(|_| AppError::bad_request(Code::ModelFileNotUtf8))?;
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
    let created = matches!(outcome, Outcome::NewVersion { .. });
    let result = load_result(outcome);
    Ok(if created {
        HttpResponse::Created().json(result)
    } else {
        HttpResponse::Ok().json(result)
    })
}
