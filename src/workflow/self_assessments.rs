//! DevSecOps self-assessments: start, answer area by area, complete, set targets and
//! owners (which plans the quarterly roadmap), edit the roadmap. Each change is one
//! transaction; another enterprise's assessment answers `NotFound`.

use std::sync::Arc;

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::db::models::self_assessments::{self as store, AssessmentRow, NewStep};
use crate::db::models::{catalog, enterprises, now};
use crate::db::{write_tx, DbConn};
use crate::domain::access::{Principal, Role};
use crate::domain::catalog::Model;
use crate::domain::ids::{EnterpriseId, SelfAssessmentId};
use crate::domain::self_assessment::{
    assess, check_roadmap, plan_roadmap, Answers, Capacity, Owners, PlannedArea, PlannedCompetency,
    Roadmap, SelfResult, Stage, Step, Targets,
};
use crate::pdf::report::RoadmapReport;
use crate::refusal::{Code, Reason, Refusal};

/// The model every self-assessment uses.
pub const MODEL_CODE: &str = "devsecops-maturity";

/// An assessment with everything its pages need.
pub struct Loaded {
    pub row: AssessmentRow,
    pub model: Arc<Model>,
    pub answers: Answers,
    pub result: SelfResult,
    /// The stored roadmap, if targets were set.
    pub roadmap: Option<Roadmap>,
}

impl Loaded {
    /// What the roadmap PDF shows of this assessment.
    pub fn report(&self) -> RoadmapReport<'_> {
        RoadmapReport {
            id: self.row.id,
            started_at: self.row.started_at,
            completed_at: self.row.completed_at,
            result: &self.result,
            roadmap: self.roadmap.as_ref(),
        }
    }
}

fn own_enterprise(conn: &mut DbConn, who: &Principal) -> Result<EnterpriseId, Refusal> {
    enterprises::membership(conn, who.user_id)?
        .filter(|_| who.has(Role::Enterprise))
        .ok_or_else(|| Refusal::Invalid(Code::SelfAssessmentNoEnterprise.into()))
}

/// Starts a self-assessment of the person's enterprise on the newest model version.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn start(conn: &mut DbConn, who: &Principal) -> Result<SelfAssessmentId, Refusal> {
    write_tx(conn, |conn| {
        let enterprise_id = own_enterprise(conn, who)?;
        let model_id = catalog::find_model_id(conn, MODEL_CODE)?
            .ok_or_else(|| Refusal::Conflict(Code::SelfAssessmentModelMissing.into()))?;
        let version = catalog::latest_version(conn, model_id)?
            .ok_or_else(|| Refusal::Conflict(Code::SelfAssessmentModelNoVersion.into()))?;
        let id = SelfAssessmentId::new();
        let t = now();
        store::insert(
            conn,
            &store::NewAssessment {
                id,
                enterprise_id,
                model_version_id: version.id,
                started_by: who.user_id,
                started_at: t,
                updated_at: t,
            },
        )?;
        Ok(id)
    })
}

/// The person's enterprise's self-assessments, newest first; none without an enterprise.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn list(conn: &mut DbConn, who: &Principal) -> Result<Vec<AssessmentRow>, Refusal> {
    match enterprises::membership(conn, who.user_id)? {
        Some(e) if who.has(Role::Enterprise) => Ok(store::for_enterprise(conn, e)?),
        _ => Ok(Vec::new()),
    }
}

/// The assessment if it belongs to the person's enterprise; `NotFound` otherwise, exactly
/// as for an id that does not exist.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn visible(
    conn: &mut DbConn,
    who: &Principal,
    id: SelfAssessmentId,
) -> Result<AssessmentRow, Refusal> {
    let row = store::get(conn, id)?.ok_or(Refusal::NotFound)?;
    let member_of = enterprises::membership(conn, who.user_id)?;
    if who.has(Role::Enterprise) && member_of == Some(row.enterprise_id) {
        Ok(row)
    } else {
        Err(Refusal::NotFound)
    }
}

fn model_of(conn: &mut DbConn, row: &AssessmentRow) -> Result<Arc<Model>, Refusal> {
    Ok(catalog::get_version(conn, row.model_version_id)?
        .ok_or(Refusal::NotFound)?
        .model)
}

fn stored_answers(
    conn: &mut DbConn,
    model: &Model,
    id: SelfAssessmentId,
) -> Result<Answers, Refusal> {
    let mut answers = Answers::new();
    for (code, stage) in store::answers(conn, id)? {
        let stage = u8::try_from(stage)
            .ok()
            .and_then(|s| Stage::new(s).ok())
            .ok_or_else(|| {
                Refusal::Conflict(Code::SelfAssessmentStoredStageInvalid.with("stage", stage))
            })?;
        // A competency the pinned model no longer has cannot occur: the version is fixed.
        let _ = answers.answer(model, &code, stage);
    }
    Ok(answers)
}

fn stage_of(n: i32) -> Result<Stage, Refusal> {
    u8::try_from(n)
        .ok()
        .and_then(|s| Stage::new(s).ok())
        .ok_or_else(|| Refusal::Invalid(Code::SelfAssessmentStageOutOfRange.with("stage", n)))
}

fn stored_roadmap(
    conn: &mut DbConn,
    row: &AssessmentRow,
    result: &SelfResult,
) -> Result<Option<Roadmap>, Refusal> {
    let Some(quarters) = row.roadmap_quarters else {
        return Ok(None);
    };
    let targets = store::targets(conn, row.id)?;
    let owners: BTreeMap<String, String> = store::area_owners(conn, row.id)?.into_iter().collect();
    let mut areas = Vec::new();
    for a in &result.areas {
        let mut competencies = Vec::new();
        for c in &a.competencies {
            if let Some(t) = targets.iter().find(|t| t.competency_code == c.code) {
                competencies.push(PlannedCompetency {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    target: stage_of(t.target_stage)?,
                    owner: t.owner.clone(),
                });
            }
        }
        areas.push(PlannedArea {
            code: a.code.clone(),
            name: a.name.clone(),
            owner: owners.get(&a.code).cloned(),
            competencies,
        });
    }
    let mut steps = Vec::new();
    for s in store::steps(conn, row.id)? {
        steps.push(Step {
            quarter: u8::try_from(s.quarter).unwrap_or(0),
            competency: s.competency_code,
            from: stage_of(s.from_stage)?,
            to: stage_of(s.to_stage)?,
        });
    }
    Ok(Some(Roadmap {
        quarters: u8::try_from(quarters).unwrap_or(0),
        areas,
        steps,
    }))
}

/// Reads an assessment the person may see, with its result and roadmap.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn load(conn: &mut DbConn, who: &Principal, id: SelfAssessmentId) -> Result<Loaded, Refusal> {
    let row = visible(conn, who, id)?;
    let model = model_of(conn, &row)?;
    let answers = stored_answers(conn, &model, id)?;
    let result = assess(&model, &answers);
    let roadmap = stored_roadmap(conn, &row, &result)?;
    Ok(Loaded {
        row,
        model,
        answers,
        result,
        roadmap,
    })
}

/// The result of the enterprise's previous completed self-assessment, for comparison:
/// completed before this one was (or, while this one is open, before now).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn previous(
    conn: &mut DbConn,
    loaded: &Loaded,
) -> Result<Option<(AssessmentRow, SelfResult)>, Refusal> {
    let before = loaded.row.completed_at.unwrap_or_else(now);
    let Some(prev) =
        store::previous_completed(conn, loaded.row.enterprise_id, before, loaded.row.id)?
    else {
        return Ok(None);
    };
    let model = model_of(conn, &prev)?;
    let answers = stored_answers(conn, &model, prev.id)?;
    let result = assess(&model, &answers);
    Ok(Some((prev, result)))
}

/// Saves answers (competency code → stage 1..4), as the user goes. All are checked before
/// any is written. A completed assessment is kept as it was: start a new one.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn save_answers(
    conn: &mut DbConn,
    who: &Principal,
    id: SelfAssessmentId,
    given: &[(String, i64)],
) -> Result<(usize, usize), Refusal> {
    write_tx(conn, |conn| {
        let row = visible(conn, who, id)?;
        if row.completed_at.is_some() {
            return Err(Refusal::Conflict(Code::SelfAssessmentCompleted.into()));
        }
        let model = model_of(conn, &row)?;
        let mut answers = stored_answers(conn, &model, id)?;
        for (code, stage) in given {
            let stage = u8::try_from(*stage)
                .ok()
                .and_then(|s| Stage::new(s).ok())
                .ok_or_else(|| {
                    Refusal::Invalid(
                        Code::SelfAssessmentAnswerStage
                            .with("competency", code)
                            .with("stage", *stage),
                    )
                })?;
            answers
                .answer(&model, code, stage)
                .map_err(|e| Refusal::Invalid(e.into()))?;
        }
        let t = now();
        for (code, stage) in given {
            store::set_answer(conn, id, code, *stage as i32, who.user_id, t)?;
        }
        store::touch(conn, id, t)?;
        Ok(crate::domain::self_assessment::progress(&model, &answers))
    })
}

/// Completes the assessment once every competency is answered.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn complete(
    conn: &mut DbConn,
    who: &Principal,
    id: SelfAssessmentId,
) -> Result<NaiveDateTime, Refusal> {
    write_tx(conn, |conn| {
        let row = visible(conn, who, id)?;
        if let Some(at) = row.completed_at {
            return Ok(at);
        }
        let model = model_of(conn, &row)?;
        let result = assess(&model, &stored_answers(conn, &model, id)?);
        if !result.is_complete() {
            return Err(Refusal::Conflict(
                Code::SelfAssessmentUnanswered
                    .with("count", result.missing.len())
                    .with("competencies", result.missing.clone()),
            ));
        }
        let t = now();
        store::complete(conn, id, t)?;
        Ok(t)
    })
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    /// 1 Beginner .. 4 Expert.
    pub stage: i64,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// 4 to 6 quarters (12 to 18 months).
    pub quarters: i64,
    /// Competency code → target.
    pub targets: BTreeMap<String, TargetInput>,
    /// Area code → owner.
    #[serde(default)]
    pub area_owners: BTreeMap<String, String>,
}

/// Competency code → target stage of a roadmap.
fn targets_of(roadmap: &Roadmap) -> BTreeMap<&str, Stage> {
    roadmap
        .areas
        .iter()
        .flat_map(|a| &a.competencies)
        .map(|c| (c.code.as_str(), c.target))
        .collect()
}

fn owner_text(text: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > 120 || t.chars().any(char::is_control) {
        return Err(Refusal::Invalid(Code::SelfAssessmentOwnerInvalid.into()));
    }
    Ok(Some(t.to_string()))
}

fn step_rows(roadmap: &Roadmap) -> Vec<(i32, String, i32, i32, Option<String>)> {
    roadmap
        .steps
        .iter()
        .map(|s| {
            let owner = roadmap.areas.iter().find_map(|a| {
                a.competencies
                    .iter()
                    .find(|c| c.code == s.competency)
                    .map(|c| c.owner.clone().or_else(|| a.owner.clone()))
            });
            (
                i32::from(s.quarter),
                s.competency.clone(),
                i32::from(s.from.get()),
                i32::from(s.to.get()),
                owner.flatten(),
            )
        })
        .collect()
}

fn store_steps(conn: &mut DbConn, id: SelfAssessmentId, roadmap: &Roadmap) -> Result<(), Refusal> {
    let rows = step_rows(roadmap);
    let steps: Vec<NewStep<'_>> = rows
        .iter()
        .map(|(q, c, f, t, o)| (*q, c.as_str(), *f, *t, o.as_deref()))
        .collect();
    store::replace_steps(conn, id, &steps)?;
    Ok(())
}

/// Sets targets and owners and plans the roadmap (lowest areas first, one stage per
/// competency per quarter). Replaces any earlier targets and roadmap, except that when
/// only owners change (same quarters, same targets) the edited steps are kept.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn set_targets(
    conn: &mut DbConn,
    who: &Principal,
    id: SelfAssessmentId,
    input: &PlanInput,
) -> Result<Roadmap, Refusal> {
    write_tx(conn, |conn| {
        let loaded = load(conn, who, id)?;
        if !loaded.result.is_complete() {
            return Err(Refusal::Conflict(Code::SelfAssessmentAnswerFirst.into()));
        }
        let quarters = u8::try_from(input.quarters).unwrap_or(0);
        let mut targets = Targets::new();
        let mut owners = Owners::default();
        let mut target_rows = Vec::new();
        for (code, t) in &input.targets {
            let stage = u8::try_from(t.stage)
                .ok()
                .and_then(|s| Stage::new(s).ok())
                .ok_or_else(|| {
                    Refusal::Invalid(
                        Code::SelfAssessmentTargetStage
                            .with("competency", code)
                            .with("stage", t.stage),
                    )
                })?;
            targets.set(code, stage);
            let owner = owner_text(t.owner.as_deref())?;
            if let Some(o) = &owner {
                owners.competencies.insert(code.clone(), o.clone());
            }
            target_rows.push((code.clone(), i32::from(stage.get()), owner));
        }
        for (area, owner) in &input.area_owners {
            if !loaded.result.areas.iter().any(|a| &a.code == area) {
                return Err(Refusal::Invalid(
                    Code::SelfAssessmentUnknownArea.with("area", area),
                ));
            }
            if let Some(o) = owner_text(Some(owner))? {
                owners.areas.insert(area.clone(), o);
            }
        }
        let roadmap = plan_roadmap(
            &loaded.result,
            &targets,
            quarters,
            &owners,
            Capacity::default(),
        )
        .map_err(|e| Refusal::Invalid(e.into()))?;
        let mut roadmap = roadmap;
        if let Some(previous) = loaded
            .roadmap
            .as_ref()
            .filter(|p| p.quarters == roadmap.quarters && targets_of(p) == targets_of(&roadmap))
        {
            roadmap.steps = previous.steps.clone();
        }
        let target_refs: Vec<(&str, i32, Option<&str>)> = target_rows
            .iter()
            .map(|(c, s, o)| (c.as_str(), *s, o.as_deref()))
            .collect();
        let area_refs: Vec<(&str, &str)> = owners
            .areas
            .iter()
            .map(|(a, o)| (a.as_str(), o.as_str()))
            .collect();
        store::replace_plan(conn, id, i32::from(quarters), &target_refs, &area_refs, &[])?;
        store_steps(conn, id, &roadmap)?;
        store::touch(conn, id, now())?;
        Ok(roadmap)
    })
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    pub quarter: i64,
    pub competency: String,
    pub from: i64,
    pub to: i64,
}

/// Replaces the roadmap's steps with an edited list, refused with every problem named
/// (a step of two stages is leapfrogging) when it does not take each competency to its
/// target one stage per quarter.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn edit_roadmap(
    conn: &mut DbConn,
    who: &Principal,
    id: SelfAssessmentId,
    steps: &[StepInput],
) -> Result<Roadmap, Refusal> {
    write_tx(conn, |conn| {
        let loaded = load(conn, who, id)?;
        let Some(mut roadmap) = loaded.roadmap else {
            return Err(Refusal::Conflict(Code::SelfAssessmentTargetsFirst.into()));
        };
        let mut new_steps = Vec::new();
        for s in steps {
            let quarter = u8::try_from(s.quarter).map_err(|_| {
                Refusal::Invalid(
                    Code::SelfAssessmentQuarterInvalid
                        .with("competency", &s.competency)
                        .with("quarter", s.quarter),
                )
            })?;
            new_steps.push(Step {
                quarter,
                competency: s.competency.clone(),
                from: stage_of(i32::try_from(s.from).unwrap_or(0))?,
                to: stage_of(i32::try_from(s.to).unwrap_or(0))?,
            });
        }
        new_steps.sort_by_key(|s| s.quarter);
        roadmap.steps = new_steps;
        check_roadmap(&loaded.result, &roadmap).map_err(|errors| {
            let problems: Vec<Reason> = errors.into_iter().map(Reason::from).collect();
            Refusal::Invalid(Code::RoadmapProblems.with("problems", problems))
        })?;
        store_steps(conn, id, &roadmap)?;
        store::touch(conn, id, now())?;
        Ok(roadmap)
    })
}
