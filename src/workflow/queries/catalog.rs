//! Reads of the model catalog.

pub use crate::db::models::catalog::{VersionDoc, VersionSummary};

use crate::db::models::catalog as store;
use crate::db::DbConn;
use crate::domain::catalog::Bilingual;
use crate::domain::ids::{ModelVersionId, RoundId};
use crate::refusal::Refusal;

/// Every version of every model.
pub fn versions(conn: &mut DbConn) -> Result<Vec<VersionSummary>, Refusal> {
    Ok(store::list_versions(conn)?)
}

/// One version with its model.
pub fn version(conn: &mut DbConn, id: ModelVersionId) -> Result<Option<VersionDoc>, Refusal> {
    Ok(store::get_version(conn, id)?)
}

/// Part names by round for a page of rows across rounds: each round's model is looked up
/// once (and a model version is parsed once per process, `db::models::catalog`).
#[derive(Default)]
pub struct PartNames(std::collections::HashMap<RoundId, Vec<(String, Bilingual)>>);

impl PartNames {
    /// The name of `code` in the model of `round`; the code itself when it has none.
    pub fn of(
        &mut self,
        conn: &mut DbConn,
        round: RoundId,
        code: &str,
    ) -> Result<Bilingual, Refusal> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.0.entry(round) {
            let names = match crate::db::models::rounds::get(conn, round)? {
                Some(r) => store::get_version(conn, r.model_version_id)?
                    .map(|v| {
                        v.model
                            .parts
                            .iter()
                            .map(|p| (p.code.clone(), p.name.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
                None => vec![],
            };
            e.insert(names);
        }
        Ok(self.0[&round]
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| Bilingual {
                zh: code.to_string(),
                en: code.to_string(),
            }))
    }
}
