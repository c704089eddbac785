//! The model catalog: its versions, one with its model, and what loading a file did.
//! Everyone who may browse the catalog sees all of it.

use std::sync::Arc;

use serde::Serialize;

use crate::db::models::catalog::{VersionDoc, VersionSummary};
use crate::domain::catalog::Model;
use crate::workflow::catalog::Outcome;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelVersionView {
    pub id: String,
    pub version: i32,
    pub name_zh: String,
    pub name_en: String,
    /// "certification" or "self_assessment"
    pub usage: String,
    pub source_name: String,
    pub content_sha256: String,
    pub loaded_at: String,
}

pub fn model_version_view(v: &VersionSummary) -> ModelVersionView {
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelVersionDetail {
    #[serde(flatten)]
    pub version: ModelVersionView,
    /// Parts, capability domains, items and their level criteria, in zh and en.
    #[schema(value_type = Object)]
    pub model: Arc<Model>,
}

pub fn model_version_detail(doc: VersionDoc) -> ModelVersionDetail {
    ModelVersionDetail {
        version: model_version_view(&doc.summary),
        model: doc.model,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoadResult {
    pub code: String,
    pub version: i32,
    /// True when the content differed from the newest version and a new one was made.
    pub created: bool,
    pub id: Option<String>,
}

pub fn load_result(outcome: Outcome) -> LoadResult {
    match outcome {
        Outcome::NewVersion { code, version, id } => LoadResult {
            code,
            version,
            created: true,
            id: Some(id.to_string()),
        },
        Outcome::Unchanged { code, version } => LoadResult {
            code,
            version,
            created: false,
            id: None,
        },
    }
}
