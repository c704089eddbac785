//! Reads of the model catalog.

pub use crate::db::models::catalog::{VersionDoc, VersionSummary};

use crate::db::models::catalog as store;
use crate::db::DbConn;
use crate::domain::ids::ModelVersionId;
use crate::refusal::Refusal;

/// Every version of every model.
pub fn versions(conn: &mut DbConn) -> Result<Vec<VersionSummary>, Refusal> {
    Ok(store::list_versions(conn)?)
}

/// One version with its model.
pub fn version(conn: &mut DbConn, id: ModelVersionId) -> Result<Option<VersionDoc>, Refusal> {
    Ok(store::get_version(conn, id)?)
}
