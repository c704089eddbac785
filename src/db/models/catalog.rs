//! Stored model versions. A version is written once and never updated: a round pins it.
//! The whole model is kept as one JSON document because it is always read as a whole.

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

pub struct VersionDoc {
    pub summary: VersionSummary,
    pub model: Model,
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

pub fn get_version(conn: &mut DbConn, id: ModelVersionId) -> QueryResult<Option<VersionDoc>> {
    let row: Option<(VersionSummary, Json<Model>)> = model_versions::table
        .find(id.to_string())
        .select((VersionSummary::as_select(), model_versions::document))
        .first(conn)
        .optional()?;
    Ok(row.map(|(summary, document)| VersionDoc {
        summary,
        model: document.0,
    }))
}
