//! Self-assessments, their answers, targets, owners and roadmap steps. Every child row is
//! read and written through its assessment id, which the workflow has already scoped to
//! the person's enterprise.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    self_assessment_answers as answers, self_assessment_area_owners as area_owners,
    self_assessment_roadmap_steps as steps, self_assessment_targets as targets, self_assessments,
};
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseId, ModelVersionId, SelfAssessmentId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = self_assessments)]
pub struct AssessmentRow {
    pub id: SelfAssessmentId,
    pub enterprise_id: EnterpriseId,
    pub model_version_id: ModelVersionId,
    pub started_by: UserId,
    pub started_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub roadmap_quarters: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = self_assessments)]
pub struct NewAssessment {
    pub id: SelfAssessmentId,
    pub enterprise_id: EnterpriseId,
    pub model_version_id: ModelVersionId,
    pub started_by: UserId,
    pub started_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, a: &NewAssessment) -> QueryResult<()> {
    diesel::insert_into(self_assessments::table)
        .values(a)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConn, id: SelfAssessmentId) -> QueryResult<Option<AssessmentRow>> {
    self_assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()
}

/// An enterprise's self-assessments, newest first.
pub fn for_enterprise(
    conn: &mut DbConn,
    enterprise: EnterpriseId,
) -> QueryResult<Vec<AssessmentRow>> {
    self_assessments::table
        .filter(self_assessments::enterprise_id.eq(enterprise))
        .order((
            self_assessments::started_at.desc(),
            self_assessments::id.desc(),
        ))
        .select(AssessmentRow::as_select())
        .load(conn)
}

/// The enterprise's newest completed self-assessment completed before `before`.
pub fn previous_completed(
    conn: &mut DbConn,
    enterprise: EnterpriseId,
    before: NaiveDateTime,
    except: SelfAssessmentId,
) -> QueryResult<Option<AssessmentRow>> {
    self_assessments::table
        .filter(self_assessments::enterprise_id.eq(enterprise))
        .filter(self_assessments::completed_at.lt(before))
        .filter(self_assessments::id.ne(except))
        .order(self_assessments::completed_at.desc())
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConn, id: SelfAssessmentId, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(self_assessments::table.find(id))
        .set(self_assessments::updated_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// Marks the assessment complete; false if it already was.
pub fn complete(conn: &mut DbConn, id: SelfAssessmentId, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(self_assessments::table.find(id))
        .filter(self_assessments::completed_at.is_null())
        .set((
            self_assessments::completed_at.eq(Some(at)),
            self_assessments::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn answers(conn: &mut DbConn, id: SelfAssessmentId) -> QueryResult<Vec<(String, i32)>> {
    answers::table
        .filter(answers::assessment_id.eq(id))
        .select((answers::competency_code, answers::stage))
        .load(conn)
}

/// Records one answer, replacing an earlier one.
pub fn set_answer(
    conn: &mut DbConn,
    id: SelfAssessmentId,
    code: &str,
    stage: i32,
    by: UserId,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        answers::table
            .filter(answers::assessment_id.eq(id))
            .filter(answers::competency_code.eq(code)),
    )
    .execute(conn)?;
    diesel::insert_into(answers::table)
        .values((
            answers::assessment_id.eq(id),
            answers::competency_code.eq(code),
            answers::stage.eq(stage),
            answers::answered_by.eq(by),
            answers::answered_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = targets)]
pub struct TargetRow {
    pub assessment_id: SelfAssessmentId,
    pub competency_code: String,
    pub target_stage: i32,
    pub owner: Option<String>,
}

pub fn targets(conn: &mut DbConn, id: SelfAssessmentId) -> QueryResult<Vec<TargetRow>> {
    targets::table
        .filter(targets::assessment_id.eq(id))
        .select(TargetRow::as_select())
        .load(conn)
}

pub fn area_owners(conn: &mut DbConn, id: SelfAssessmentId) -> QueryResult<Vec<(String, String)>> {
    area_owners::table
        .filter(area_owners::assessment_id.eq(id))
        .select((area_owners::area_code, area_owners::owner))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steps)]
pub struct StepRow {
    pub id: String,
    pub assessment_id: SelfAssessmentId,
    pub position: i32,
    pub quarter: i32,
    pub competency_code: String,
    pub from_stage: i32,
    pub to_stage: i32,
    pub owner: Option<String>,
}

pub fn steps(conn: &mut DbConn, id: SelfAssessmentId) -> QueryResult<Vec<StepRow>> {
    steps::table
        .filter(steps::assessment_id.eq(id))
        .order(steps::position.asc())
        .select(StepRow::as_select())
        .load(conn)
}

/// One roadmap step to store: quarter, competency, from, to, owner.
pub type NewStep<'a> = (i32, &'a str, i32, i32, Option<&'a str>);

/// Replaces the targets, area owners and roadmap of an assessment as a whole.
pub fn replace_plan(
    conn: &mut DbConn,
    id: SelfAssessmentId,
    quarters: i32,
    new_targets: &[(&str, i32, Option<&str>)],
    new_area_owners: &[(&str, &str)],
    new_steps: &[NewStep<'_>],
) -> QueryResult<()> {
    diesel::delete(targets::table.filter(targets::assessment_id.eq(id))).execute(conn)?;
    diesel::delete(area_owners::table.filter(area_owners::assessment_id.eq(id))).execute(conn)?;
    for (code, stage, owner) in new_targets {
        diesel::insert_into(targets::table)
            .values((
                targets::assessment_id.eq(id),
                targets::competency_code.eq(*code),
                targets::target_stage.eq(*stage),
                targets::owner.eq(*owner),
            ))
            .execute(conn)?;
    }
    for (area, owner) in new_area_owners {
        diesel::insert_into(area_owners::table)
            .values((
                area_owners::assessment_id.eq(id),
                area_owners::area_code.eq(*area),
                area_owners::owner.eq(*owner),
            ))
            .execute(conn)?;
    }
    diesel::update(self_assessments::table.find(id))
        .set(self_assessments::roadmap_quarters.eq(Some(quarters)))
        .execute(conn)?;
    replace_steps(conn, id, new_steps)
}

/// Replaces the roadmap steps, keeping their order.
pub fn replace_steps(
    conn: &mut DbConn,
    id: SelfAssessmentId,
    new_steps: &[NewStep<'_>],
) -> QueryResult<()> {
    diesel::delete(steps::table.filter(steps::assessment_id.eq(id))).execute(conn)?;
    for (position, (quarter, code, from, to, owner)) in new_steps.iter().enumerate() {
        diesel::insert_into(steps::table)
            .values((
                steps::id.eq(uuid::Uuid::now_v7().to_string()),
                steps::assessment_id.eq(id),
                steps::position.eq(position as i32),
                steps::quarter.eq(*quarter),
                steps::competency_code.eq(*code),
                steps::from_stage.eq(*from),
                steps::to_stage.eq(*to),
                steps::owner.eq(*owner),
            ))
            .execute(conn)?;
    }
    Ok(())
}
