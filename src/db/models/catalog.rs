//! Stored model versions. A version is written once and never updated: a round pins it.
//! The whole model is kept as one JSON document because it is always read as a whole.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{catalog_models, model_versions};
use crate::db::sql_types::Json;
use crate::db::DbConn;
use crate::domain::catalog::Model;
use crate::domain::ids::{ModelId, ModelVersionId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = model_versions)]
pub struct VersionSummary {
    pub id: ModelVersionId,
    pub model_id: ModelId,
    pub version: i32,
    pub content_sha256: String,
    pub source_name: String,
    pub name_zh: String,
    pub name_en: String,
    pub usage: String,
    pub loaded_at: NaiveDateTime,
}

#[derive(Clone)]
pub struct VersionDoc {
    pub summary: VersionSummary,
    /// Shared: every reader of a version gets the one parsed copy (`get_version`).
    pub model: Arc<Model>,
}

pub fn find_model_id(conn: &mut DbConn, code: &str) -> QueryResult<Option<ModelId>> {
    catalog_models::table
        .filter(catalog_models::code.eq(code))
        .select(catalog_models::id)
        .first(conn)
        .optional()
}

pub fn insert_model(conn: &mut DbConn, code: &str) -> QueryResult<ModelId> {
    let id = ModelId::new();
    diesel::insert_into(catalog_models::table)
        .values((
            catalog_models::id.eq(id.to_string()),
            catalog_models::code.eq(code),
            catalog_models::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn latest_version(conn: &mut DbConn, model: ModelId) -> QueryResult<Option<VersionSummary>> {
    model_versions::table
        .filter(model_versions::model_id.eq(model.to_string()))
        .order(model_versions::version.desc())
        .select(VersionSummary::as_select())
        .first(conn)
        .optional()
}

pub fn insert_version(
    conn: &mut DbConn,
    model_id: ModelId,
    version: i32,
    source_name: &str,
    model: &Model,
) -> QueryResult<ModelVersionId> {
    let id = ModelVersionId::new();
    diesel::insert_into(model_versions::table)
        .values((
            model_versions::id.eq(id.to_string()),
            model_versions::model_id.eq(model_id.to_string()),
            model_versions::version.eq(version),
            model_versions::content_sha256.eq(model.content_hash()),
            model_versions::source_name.eq(source_name),
            model_versions::name_zh.eq(&model.name.zh),
            model_versions::name_en.eq(&model.name.en),
            model_versions::usage.eq(model.usage.as_str()),
            model_versions::document.eq(Json(model.clone())),
            model_versions::loaded_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Every version of every model, newest version of each model first.
pub fn list_versions(conn: &mut DbConn) -> QueryResult<Vec<VersionSummary>> {
    model_versions::table
        .order((
            model_versions::name_en.asc(),
            model_versions::version.desc(),
        ))
        .select(VersionSummary::as_select())
        .load(conn)
}

/// A version and its model, read once per process. A version is never updated or
/// deleted (a round pins it) and its id is new at each insert, so what was read for an
/// id stays true: list pages ask for their rounds' versions on every request, and
/// reading and parsing the 67 KB document each time was a third of such a page's CPU
/// (issue #19). The parsed model is shared per content hash, so the same model loaded
/// into several databases (tests, instances) is kept once.
pub fn get_version(conn: &mut DbConn, id: ModelVersionId) -> QueryResult<Option<VersionDoc>> {
    static READ: OnceLock<RwLock<HashMap<ModelVersionId, VersionDoc>>> = OnceLock::new();
    static PARSED: OnceLock<RwLock<HashMap<String, Arc<Model>>>> = OnceLock::new();
    let read = READ.get_or_init(Default::default);
    if let Some(doc) = read.read().unwrap_or_else(PoisonError::into_inner).get(&id) {
        return Ok(Some(doc.clone()));
    }
    let parsed = PARSED.get_or_init(Default::default);
    let Some(summary) = model_versions::table
        .find(id.to_string())
        .select(VersionSummary::as_select())
        .first(conn)
        .optional()?
    else {
        // Not kept: the version may yet be inserted under this id by its transaction.
        return Ok(None);
    };
    let kept = parsed
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&summary.content_sha256)
        .cloned();
    let model = match kept {
        Some(model) => model,
        None => {
            let document: Json<Model> = model_versions::table
                .find(id.to_string())
                .select(model_versions::document)
                .first(conn)?;
            parsed
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(summary.content_sha256.clone())
                .or_insert_with(|| Arc::new(document.0))
                .clone()
        }
    };
    let doc = VersionDoc { summary, model };
    read.write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, doc.clone());
    Ok(Some(doc))
}
