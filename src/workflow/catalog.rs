//! Loading model files into the catalog.

use crate::db::models::{audit, catalog as store};
use crate::db::{write_tx, DbConn};
use crate::domain::audit::{Actor, Kind};
use crate::domain::catalog::{parse_model, CatalogError, Model};
use crate::domain::ids::ModelVersionId;

/// The built-in catalog, embedded so that a fresh binary can seed itself.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "caict-devops.toml",
        include_str!("../../fixtures/models/caict-devops.toml"),
    ),
    (
        "devsecops-maturity.toml",
        include_str!("../../fixtures/models/devsecops-maturity.toml"),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// First version of a new model, or a changed file: a new version.
    NewVersion {
        code: String,
        version: i32,
        id: ModelVersionId,
    },
    Unchanged {
        code: String,
        version: i32,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Invalid(#[from] CatalogError),
    #[error("two files define model '{0}'")]
    DuplicateModel(String),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

impl crate::db::TxError for LoadError {
    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            LoadError::Database(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads every `*.toml` in a directory, sorted by name.
pub fn read_dir(dir: &std::path::Path) -> std::io::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.display().to_string();
            files.push((name, std::fs::read_to_string(&path)?));
        }
    }
    files.sort();
    Ok(files)
}

/// Loads at start-up or from the command line; see [`load_as`].
#[tracing::instrument(skip_all)]
pub fn load(conn: &mut DbConn, files: &[(String, String)]) -> Result<Vec<Outcome>, LoadError> {
    load_as(conn, files, &Actor::console("start-up"))
}

/// Checks every file first, then stores what changed in one transaction: a bad file
/// loads nothing at all. A new version is audited.
#[tracing::instrument(skip_all)]
pub fn load_as(
    conn: &mut DbConn,
    files: &[(String, String)],
    actor: &Actor,
) -> Result<Vec<Outcome>, LoadError> {
    let mut models: Vec<(&str, Model)> = Vec::new();
    for (name, text) in files {
        let model = parse_model(name, text)?;
        if models.iter().any(|(_, m)| m.code == model.code) {
            return Err(LoadError::DuplicateModel(model.code));
        }
        models.push((name, model));
    }
    write_tx(conn, |conn| {
        let mut outcomes = Vec::new();
        for (name, model) in &models {
            let model_id = match store::find_model_id(conn, &model.code)? {
                Some(id) => id,
                None => store::insert_model(conn, &model.code)?,
            };
            let latest = store::latest_version(conn, model_id)?;
            match latest {
                Some(v) if v.content_sha256 == model.content_hash() => {
                    outcomes.push(Outcome::Unchanged {
                        code: model.code.clone(),
                        version: v.version,
                    })
                }
                _ => {
                    let version = latest.map_or(1, |v| v.version + 1);
                    let source = std::path::Path::new(name)
                        .file_name()
                        .map_or(name.to_string(), |f| f.to_string_lossy().into_owned());
                    let id = store::insert_version(conn, model_id, version, &source, model)?;
                    audit::append(
                        conn,
                        actor,
                        Kind::CatalogLoaded,
                        ("model_version", &id.to_string()),
                        serde_json::json!({
                            "model": model.code, "version": version, "source": source,
                            "sha256": model.content_hash(),
                        }),
                    )?;
                    outcomes.push(Outcome::NewVersion {
                        code: model.code.clone(),
                        version,
                        id,
                    });
                }
            }
        }
        Ok(outcomes)
    })
}

pub fn built_in_files() -> Vec<(String, String)> {
    BUILT_IN
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_is_valid() {
        for (name, text) in BUILT_IN {
            let model = parse_model(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(model.item_count() > 0);
        }
        let caict = parse_model("c", BUILT_IN[0].1).unwrap();
        let parts: Vec<_> = caict.parts.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(parts, ["CD", "TO", "SEC", "TOOL"]);
        assert_eq!(caict.part("CD").unwrap().domains.len(), 7);
        assert_eq!(caict.levels.len(), 5);
        let dso = parse_model("d", BUILT_IN[1].1).unwrap();
        assert_eq!(dso.levels.len(), 4);
        assert_eq!(dso.parts[0].domains.len(), 6);
        assert_eq!(dso.item_count(), 30);
    }
}
