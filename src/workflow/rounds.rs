//! Opening an assessment round.

use crate::db::models::{audit, catalog, rounds};
use crate::db::{write_tx, DbConn};
use crate::domain::audit::{Actor, Kind};
use crate::domain::calendar::Calendars;
use crate::domain::ids::{ModelVersionId, RoundId};
use crate::domain::round::{plan_round, RoundInput};
use crate::refusal::{Code, Refusal};

/// Creates a round pinned to a model version.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn create(
    conn: &mut DbConn,
    calendars: &Calendars,
    version: ModelVersionId,
    input: RoundInput,
    actor: &Actor,
) -> Result<RoundId, Refusal> {
    write_tx(conn, |conn| {
        let doc = catalog::get_version(conn, version)?.ok_or_else(|| {
            Refusal::Invalid(Code::ModelVersionUnknown.with("version", version.to_string()))
        })?;
        let plan =
            plan_round(input, &doc.model, calendars).map_err(|r| Refusal::Invalid(r.into()))?;
        let id = rounds::insert(
            conn,
            &rounds::NewRound {
                name: &plan.name,
                model_version: version,
                registration: (plan.registration.opens(), plan.registration.closes()),
                assessment: plan.assessment,
                results_on: plan.results_on,
                parts: &plan.parts,
            },
        )?;
        audit::append(
            conn,
            actor,
            Kind::RoundCreated,
            ("round", &id.to_string()),
            serde_json::json!({
                "name_zh": plan.name.zh, "name_en": plan.name.en,
                "model_version_id": version.to_string(), "parts": plan.parts,
            }),
        )?;
        Ok(id)
    })
}
