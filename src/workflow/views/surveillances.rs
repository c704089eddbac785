//! What is shown of a surveillance: to the secretariat and its assessors everything; to
//! the enterprise the plan, the selected items and the outcome, not the assessors' scores
//! or notes (as with the full assessment, the enterprise sees the decision).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::db::models::surveillances::{ItemRow, ScoreRow, SurveillanceRow};
use crate::domain::catalog::{Bilingual, Part};
use crate::domain::ids::{ApplicationId, SurveillanceId, UserId};
use crate::domain::surveillance::{urgency, SurveillanceStatus, Urgency};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveillanceScoreView {
    #[schema(value_type = String)]
    pub assessor_id: UserId,
    pub assessor: String,
    pub level: i32,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveillanceItemView {
    pub item_code: String,
    /// The evidence version the enterprise uploads to for this surveillance.
    pub evidence_version: i32,
    /// Secretariat and assessors only.
    pub scores: Vec<SurveillanceScoreView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveillanceAssessorView {
    #[schema(value_type = String)]
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveillanceView {
    #[schema(value_type = String)]
    pub id: SurveillanceId,
    pub certificate_number: String,
    #[schema(value_type = String)]
    pub application_id: ApplicationId,
    pub part_code: String,
    pub enterprise_name: String,
    /// `scheduled` or `complaint` (short notice).
    pub origin: String,
    pub due_on: NaiveDate,
    /// `planned`, `assigned`, `in_progress` or `concluded`.
    #[schema(value_type = String)]
    pub status: SurveillanceStatus,
    /// For an open surveillance: `upcoming`, `due` or `overdue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub urgency: Option<Urgency>,
    pub items: Vec<SurveillanceItemView>,
    /// Secretariat and assessors only.
    pub assessors: Vec<SurveillanceAssessorView>,
    /// `maintain`, `narrow` or `suspend`, once concluded.
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    /// The issuance-log entry the outcome wrote.
    pub log_index: Option<i64>,
    /// The certificate that superseded this one after a narrowing outcome.
    pub successor_number: Option<String>,
    /// What the reader may do now: `assign`, `score`, `upload`, `conclude`.
    pub actions: Vec<String>,
}

/// Who reads the surveillance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Secretariat,
    /// One of its assessors.
    Assessor,
    /// A member of the certified enterprise.
    Enterprise,
}

/// The facts the view is made of.
pub struct Facts {
    pub row: SurveillanceRow,
    pub part_code: String,
    pub enterprise_name: String,
    pub items: Vec<ItemRow>,
    pub assessors: Vec<(UserId, String)>,
    pub scores: Vec<ScoreRow>,
}

/// The one place that decides what each reader sees of a surveillance on `today`.
pub fn surveillance_view(f: Facts, reader: Reader, today: NaiveDate) -> SurveillanceView {
    let inside = reader != Reader::Enterprise;
    let name_of = |id: UserId| {
        f.assessors
            .iter()
            .find(|(a, _)| *a == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let items = f
        .items
        .iter()
        .map(|i| SurveillanceItemView {
            item_code: i.item_code.clone(),
            evidence_version: i.evidence_version,
            scores: if inside {
                f.scores
                    .iter()
                    .filter(|s| s.item_code == i.item_code)
                    .map(|s| SurveillanceScoreView {
                        assessor_id: s.assessor_id,
                        assessor: name_of(s.assessor_id),
                        level: s.level,
                        note: s.note.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect();
    let status = f.row.status;
    let open = status != SurveillanceStatus::Concluded;
    let actions: Vec<&str> = match reader {
        Reader::Secretariat => {
            let mut a = Vec::new();
            if matches!(
                status,
                SurveillanceStatus::Planned | SurveillanceStatus::Assigned
            ) {
                a.push("assign");
            }
            if status.is_open_for_work() {
                a.push("conclude");
            }
            a
        }
        Reader::Assessor if status.is_open_for_work() => vec!["score"],
        Reader::Enterprise if open => vec!["upload"],
        _ => vec![],
    };
    SurveillanceView {
        id: f.row.id,
        certificate_number: f.row.certificate_number.clone(),
        application_id: f.row.application_id,
        part_code: f.part_code,
        enterprise_name: f.enterprise_name,
        origin: f.row.origin.clone(),
        due_on: f.row.due_on,
        status,
        urgency: open.then(|| urgency(f.row.due_on, today)),
        items,
        assessors: if inside {
            f.assessors
                .iter()
                .map(|(id, name)| SurveillanceAssessorView {
                    id: *id,
                    name: name.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
        outcome: f.row.outcome.clone(),
        outcome_reason: f.row.outcome_reason.clone(),
        log_index: f.row.log_index,
        successor_number: f.row.successor_number.clone(),
        actions: actions.into_iter().map(str::to_string).collect(),
    }
}

/// A capability item the secretariat may select for a surveillance.
#[derive(Debug, Clone, Serialize)]
pub struct ItemChoiceView {
    pub code: String,
    pub name: Bilingual,
}

/// A domain of the certified part and its items.
#[derive(Debug, Clone, Serialize)]
pub struct DomainChoiceView {
    pub name: Bilingual,
    pub items: Vec<ItemChoiceView>,
}

/// A complaint about the certificate that asked for a short-notice surveillance.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintChoiceView {
    pub id: String,
    pub received_at: Option<NaiveDateTime>,
    pub description: String,
}

/// What the secretariat chooses from to plan a surveillance of one certificate (pages).
#[derive(Debug, Clone, Serialize)]
pub struct PlanChoicesView {
    pub certificate_number: String,
    pub enterprise_name: String,
    pub part_code: String,
    pub part_name: Bilingual,
    pub domains: Vec<DomainChoiceView>,
    pub complaints: Vec<ComplaintChoiceView>,
}

/// The plan's choices: every item of the certified part, by domain, and the complaints.
pub fn plan_choices_view(
    certificate_number: &str,
    enterprise_name: String,
    part: &Part,
    complaints: Vec<ComplaintChoiceView>,
) -> PlanChoicesView {
    PlanChoicesView {
        certificate_number: certificate_number.to_string(),
        enterprise_name,
        part_code: part.code.clone(),
        part_name: part.name.clone(),
        domains: part
            .domains
            .iter()
            .map(|d| DomainChoiceView {
                name: d.name.clone(),
                items: d
                    .items
                    .iter()
                    .map(|i| ItemChoiceView {
                        code: i.code.clone(),
                        name: i.name.clone(),
                    })
                    .collect(),
            })
            .collect(),
        complaints,
    }
}
