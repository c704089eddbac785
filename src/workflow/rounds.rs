//! Assessment rounds: opening one (a draft, or published at once), changing it while the
//! domain allows, publishing it.

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::models::{audit, catalog, rounds};
use crate::db::{write_tx, DbConn};
use crate::domain::audit::{Actor, Kind};
use crate::domain::calendar::RegistrationWindow;
use crate::domain::ids::{ModelVersionId, RoundId};
use crate::domain::round::{
    check_edit, editable, plan_round, publish as publish_rule, Editable, RoundInput, RoundPlan,
    RoundRefusal,
};
use crate::refusal::{Code, Refusal};

/// Creates a round pinned to a model version; `publish` makes it visible to everyone at
/// once, otherwise it is a draft only the secretariat sees.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn create(
    conn: &mut DbConn,
    version: ModelVersionId,
    input: RoundInput,
    publish: bool,
    actor: &Actor,
) -> Result<RoundId, Refusal> {
    write_tx(conn, |conn| {
        let doc = catalog::get_version(conn, version)?.ok_or_else(|| {
            Refusal::Invalid(Code::ModelVersionUnknown.with("version", version.to_string()))
        })?;
        let plan = plan_round(input.clone(), &doc.model).map_err(|r| Refusal::Invalid(r.into()))?;
        let new = new_round(&plan, version);
        let id = if publish {
            rounds::insert(conn, &new)?
        } else {
            rounds::insert_draft(conn, &new)?
        };
        audit::append(
            conn,
            actor,
            Kind::RoundCreated,
            ("round", &id.to_string()),
            serde_json::json!({
                "name_zh": plan.name.zh, "name_en": plan.name.en,
                "model_version_id": version.to_string(), "parts": plan.parts,
                "published": publish,
            }),
        )?;
        Ok(id)
    })
}

fn new_round(plan: &RoundPlan, version: ModelVersionId) -> rounds::NewRound<'_> {
    rounds::NewRound {
        name: &plan.name,
        model_version: version,
        registration: (plan.registration.opens(), plan.registration.closes()),
        assessment: plan.assessment,
        results_on: plan.results_on,
        parts: &plan.parts,
    }
}

/// What of the round may change on `today` (Beijing date).
pub fn what_may_change(
    conn: &mut DbConn,
    id: RoundId,
    today: NaiveDate,
) -> Result<Editable, Refusal> {
    let r = rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let applications = rounds::application_count(conn, id)?;
    Ok(editable(
        r.published_at.is_some(),
        r.registration_opens,
        today,
        applications,
    ))
}

/// Changes a round's names, dates and parts as far as the domain allows (see
/// `domain::round`); `today` is the Beijing date.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn update(
    conn: &mut DbConn,
    id: RoundId,
    input: RoundInput,
    today: NaiveDate,
    actor: &Actor,
) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let r = rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
        let doc = catalog::get_version(conn, r.model_version_id)?.ok_or(Refusal::NotFound)?;
        let current = RoundPlan {
            name: crate::domain::catalog::Bilingual {
                zh: r.name_zh.clone(),
                en: r.name_en.clone(),
            },
            registration: RegistrationWindow::new(r.registration_opens, r.registration_closes)
                .map_err(|w| Refusal::Invalid(RoundRefusal::from(w).into()))?,
            assessment: (r.assessment_starts, r.assessment_ends),
            results_on: r.results_on,
            parts: rounds::parts(conn, id)?,
        };
        let next = plan_round(input.clone(), &doc.model).map_err(|e| Refusal::Invalid(e.into()))?;
        let may = editable(
            r.published_at.is_some(),
            r.registration_opens,
            today,
            rounds::application_count(conn, id)?,
        );
        check_edit(may, &current, &next).map_err(|e| Refusal::Conflict(e.into()))?;
        rounds::update(conn, id, &new_round(&next, r.model_version_id))?;
        audit::append(
            conn,
            actor,
            Kind::RoundUpdated,
            ("round", &id.to_string()),
            serde_json::json!({
                "name_zh": next.name.zh, "name_en": next.name.en, "parts": next.parts,
                "registration": [next.registration.opens(), next.registration.closes()],
                "assessment": [next.assessment.0, next.assessment.1],
                "results_on": next.results_on,
            }),
        )?;
        Ok(())
    })
}

/// Publishes a draft: enterprises see it from now on.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn publish(conn: &mut DbConn, id: RoundId, actor: &Actor) -> Result<(), Refusal> {
    write_tx(conn, |conn| {
        let r = rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
        publish_rule(r.published_at.is_some()).map_err(|e| Refusal::Conflict(e.into()))?;
        rounds::publish(conn, id)?;
        audit::append(
            conn,
            actor,
            Kind::RoundPublished,
            ("round", &id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// A part a round may open, named in both languages.
#[derive(Debug, Serialize)]
pub struct PartChoice {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A certification model version a new round may pin, with its parts.
#[derive(Debug, Serialize)]
pub struct ModelChoice {
    pub id: ModelVersionId,
    pub name_zh: String,
    pub name_en: String,
    pub version: i32,
    pub parts: Vec<PartChoice>,
}

/// The latest version of each certification model, for the round form.
pub fn model_choices(conn: &mut DbConn) -> Result<Vec<ModelChoice>, Refusal> {
    let mut out: Vec<ModelChoice> = Vec::new();
    let mut seen = Vec::new();
    for v in catalog::list_versions(conn)? {
        if v.usage != "certification" || seen.contains(&v.model_id) {
            continue;
        }
        seen.push(v.model_id);
        let Some(doc) = catalog::get_version(conn, v.id)? else {
            continue;
        };
        out.push(ModelChoice {
            id: v.id,
            name_zh: v.name_zh,
            name_en: v.name_en,
            version: v.version,
            parts: doc
                .model
                .parts
                .iter()
                .map(|p| PartChoice {
                    code: p.code.clone(),
                    name_zh: p.name.zh.clone(),
                    name_en: p.name.en.clone(),
                })
                .collect(),
        });
    }
    Ok(out)
}

/// The parts of the model version a round pins, for the edit form.
pub fn part_choices(conn: &mut DbConn, id: RoundId) -> Result<Vec<PartChoice>, Refusal> {
    let r = rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let doc = catalog::get_version(conn, r.model_version_id)?.ok_or(Refusal::NotFound)?;
    Ok(doc
        .model
        .parts
        .iter()
        .map(|p| PartChoice {
            code: p.code.clone(),
            name_zh: p.name.zh.clone(),
            name_en: p.name.en.clone(),
        })
        .collect())
}
