//! The task list: for each role the person holds, what to do next, counted by the rules
//! of `domain::tasks` (one query per section).

use chrono::NaiveDate;
use serde::Serialize;

use super::surveillances;
use crate::db::models::tasks as store;
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::catalog::Bilingual;
use crate::domain::ids::ApplicationId;
use crate::domain::tasks::{self, Task, ASSIGNED_SHOWN};
use crate::refusal::Refusal;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskLine {
    /// The task's name, e.g. `applications_to_accept`.
    #[schema(value_type = String)]
    pub task: Task,
    pub count: i64,
    /// Whether the count is work waiting for the person rather than something to see.
    pub to_do: bool,
    /// The page where it is done.
    pub link: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignedApplication {
    #[schema(value_type = String)]
    pub application_id: ApplicationId,
    #[schema(value_type = Object)]
    pub enterprise: Bilingual,
    pub part_code: String,
    pub target_level: i32,
    /// The last day of the round's assessment period.
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskSection {
    #[schema(value_type = String)]
    pub role: Role,
    pub tasks: Vec<TaskLine>,
    /// Assessors only: the applications they are seated on, soonest due first (at most
    /// 20; the count of `assigned_applications` says how many there are).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assigned: Vec<AssignedApplication>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskList {
    pub sections: Vec<TaskSection>,
}

fn lines(role: Role, counts: &[i64]) -> Vec<TaskLine> {
    tasks::tasks_of(role)
        .iter()
        .zip(counts)
        .map(|(t, n)| TaskLine {
            task: *t,
            count: *n,
            to_do: t.is_to_do(),
            link: t.link().into(),
        })
        .collect()
}

/// The task list of `who` on `today` (the programme's date, for expiring certificates).
pub fn for_person(
    conn: &mut DbConn,
    who: &Principal,
    today: NaiveDate,
) -> Result<TaskList, Refusal> {
    let mut sections = Vec::new();
    for role in tasks::sections(&who.roles) {
        let mut assigned = Vec::new();
        let counts: Vec<i64> = match role {
            Role::Secretariat => store::secretariat(
                conn,
                &store::SecretariatInput {
                    to_accept: Task::ApplicationsToAccept.statuses(),
                    without_panel: Task::PanelsToForm.statuses(),
                    awaiting_review_panel: Task::ReviewPanelsToForm.statuses(),
                    to_issue: Task::ResultsToIssue.statuses(),
                    alerting: Task::QuorumAlerts.statuses(),
                    expiring_issued: tasks::expiring_issue_window(today),
                    suspensions_end_by: tasks::suspension_warning_until(today),
                    surveillance_due: crate::domain::surveillance::urgency_bounds(today),
                },
            )?
            .into(),
            Role::Enterprise => store::enterprise(
                conn,
                who.user_id,
                &store::EnterpriseInput {
                    drafts: Task::Drafts.statuses(),
                    clarifying: Task::ClarificationsToAnswer.statuses(),
                    results: Task::Results.statuses(),
                },
            )?
            .into_iter()
            .chain([surveillances::of_my_enterprise(conn, who.user_id)?])
            .chain([
                match crate::db::models::enterprises::membership(conn, who.user_id)? {
                    Some(enterprise) => {
                        crate::db::models::renewals::invited_count(conn, enterprise, today)?
                    }
                    None => 0,
                },
            ])
            .collect(),
            Role::Assessor => {
                let active = Task::AssignedApplications.statuses();
                assigned = store::assigned(conn, who.user_id, active, ASSIGNED_SHOWN)?
                    .into_iter()
                    .map(|a| AssignedApplication {
                        application_id: a.application_id,
                        enterprise: Bilingual {
                            en: a.enterprise_en.unwrap_or_else(|| a.enterprise_zh.clone()),
                            zh: a.enterprise_zh,
                        },
                        part_code: a.part_code,
                        target_level: a.target_level,
                        due_on: a.due,
                    })
                    .collect();
                store::assessor(conn, who.user_id, active)?
                    .into_iter()
                    .chain([surveillances::to_score(conn, who.user_id)?])
                    .collect()
            }
            Role::Reviewer => {
                let scopes = crate::workflow::review::review_scopes(conn, who.user_id)?;
                store::reviewer(conn, who.user_id, Task::VotesPending.statuses(), &scopes)?.to_vec()
            }
        };
        sections.push(TaskSection {
            role,
            tasks: lines(role, &counts),
            assigned,
        });
    }
    Ok(TaskList { sections })
}
