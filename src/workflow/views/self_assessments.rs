//! Self-assessments, read by the members of their enterprise.

use crate::domain::ids::{EnterpriseId, ModelVersionId, SelfAssessmentId, UserId};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::self_assessments::AssessmentRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelfAssessmentView {
    pub id: SelfAssessmentId,
    pub enterprise_id: EnterpriseId,
    pub model_version_id: ModelVersionId,
    pub started_by: UserId,
    #[schema(value_type = String)]
    pub started_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub completed_at: Option<NaiveDateTime>,
    pub roadmap_quarters: Option<i32>,
}

pub fn self_assessment_view(row: AssessmentRow) -> SelfAssessmentView {
    SelfAssessmentView {
        id: row.id,
        enterprise_id: row.enterprise_id,
        model_version_id: row.model_version_id,
        started_by: row.started_by,
        started_at: row.started_at,
        updated_at: row.updated_at,
        completed_at: row.completed_at,
        roadmap_quarters: row.roadmap_quarters,
    }
}
