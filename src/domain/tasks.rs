//! What each role has to do next: the tasks of the home page after sign-in, which
//! application statuses each one counts, and where it leads. The reads only count what
//! these rules name, so a status added to the machine shows up here first.

use chrono::{Duration, NaiveDate};

use crate::domain::access::Role;
use crate::domain::application_status::Status;
use crate::domain::certificate::valid_until;

/// Certificates whose last day of validity falls within this many days are "expiring".
pub const EXPIRY_WARNING_DAYS: i64 = 90;

/// Suspensions whose last day falls within this many days (or has passed without a
/// decision) are on the secretariat's list: it must reinstate or withdraw in time.
pub const SUSPENSION_WARNING_DAYS: i64 = 14;

/// How many of an assessor's assigned applications the task list shows by name.
pub const ASSIGNED_SHOWN: i64 = 20;

/// One line of a task list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    EnterprisesToVerify,
    ApplicationsToAccept,
    PanelsToForm,
    ReviewPanelsToForm,
    ResultsToIssue,
    CertificatesExpiring,
    QuorumAlerts,
    SuspensionsEnding,
    Drafts,
    ClarificationsToAnswer,
    Results,
    Certificates,
    AssignedApplications,
    ScoresNotSubmitted,
    ClarificationsAnswered,
    VotesPending,
    Decisions,
    AppealsAwaitingPanel,
    AppealsAwaitingDecision,
    AppealsToCarryOut,
    ComplaintsToTriage,
    ComplaintsUnderInvestigation,
    SurveillanceRequested,
    SurveillancesDue,
    SurveillancesOverdue,
    SurveillancesToScore,
    SurveillancesOpen,
    CertificatesToRenew,
}

impl Task {
    /// The name in JSON and in the message catalogs (`tasks.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Task::EnterprisesToVerify => "enterprises_to_verify",
            Task::ApplicationsToAccept => "applications_to_accept",
            Task::PanelsToForm => "panels_to_form",
            Task::ReviewPanelsToForm => "review_panels_to_form",
            Task::ResultsToIssue => "results_to_issue",
            Task::CertificatesExpiring => "certificates_expiring",
            Task::QuorumAlerts => "quorum_alerts",
            Task::SuspensionsEnding => "suspensions_ending",
            Task::Drafts => "drafts",
            Task::ClarificationsToAnswer => "clarifications_to_answer",
            Task::Results => "results",
            Task::Certificates => "certificates",
            Task::AssignedApplications => "assigned_applications",
            Task::ScoresNotSubmitted => "scores_not_submitted",
            Task::ClarificationsAnswered => "clarifications_answered",
            Task::VotesPending => "votes_pending",
            Task::Decisions => "decisions",
            Task::AppealsAwaitingPanel => "appeals_awaiting_panel",
            Task::AppealsAwaitingDecision => "appeals_awaiting_decision",
            Task::AppealsToCarryOut => "appeals_to_carry_out",
            Task::ComplaintsToTriage => "complaints_to_triage",
            Task::ComplaintsUnderInvestigation => "complaints_under_investigation",
            Task::SurveillanceRequested => "surveillance_requested",
            Task::SurveillancesDue => "surveillances_due",
            Task::SurveillancesOverdue => "surveillances_overdue",
            Task::SurveillancesToScore => "surveillances_to_score",
            Task::SurveillancesOpen => "surveillances_open",
            Task::CertificatesToRenew => "certificates_to_renew",
        }
    }

    /// The application statuses the task counts (empty: the task is not about
    /// applications in a status, e.g. enterprises to verify).
    pub fn statuses(self) -> &'static [Status] {
        match self {
            Task::ApplicationsToAccept => &[Status::Submitted],
            // An accepted application moves to assessment when its panel is set.
            Task::PanelsToForm => &[Status::Accepted],
            // Scored results wait for the round's review panel before they go to review.
            Task::ReviewPanelsToForm => &[Status::Scored, Status::InReview],
            Task::ResultsToIssue => &[Status::Approved],
            Task::QuorumAlerts | Task::VotesPending => &[Status::InReview],
            Task::Drafts => &[Status::Draft],
            Task::ClarificationsToAnswer
            | Task::AssignedApplications
            | Task::ScoresNotSubmitted
            | Task::ClarificationsAnswered => &[Status::InAssessment],
            Task::Results => &[Status::Approved, Status::Returned, Status::Certified],
            Task::EnterprisesToVerify
            | Task::CertificatesExpiring
            | Task::SuspensionsEnding
            | Task::Certificates
            | Task::Decisions
            | Task::AppealsAwaitingPanel
            | Task::AppealsAwaitingDecision
            | Task::AppealsToCarryOut
            | Task::ComplaintsToTriage
            | Task::ComplaintsUnderInvestigation
            | Task::SurveillanceRequested
            | Task::SurveillancesDue
            | Task::SurveillancesOverdue
            | Task::SurveillancesToScore
            | Task::SurveillancesOpen
            | Task::CertificatesToRenew => &[],
        }
    }

    /// Whether the count is work waiting for the person (shown as "to do"), rather than
    /// something to look at.
    pub fn is_to_do(self) -> bool {
        !matches!(
            self,
            Task::Results | Task::Certificates | Task::AssignedApplications | Task::Decisions
        )
    }

    /// The page where the work is done or seen.
    pub fn link(self) -> &'static str {
        match self {
            Task::EnterprisesToVerify => "/enterprises?verified=false",
            Task::ApplicationsToAccept => "/applications?status=submitted",
            Task::PanelsToForm => "/applications?status=accepted",
            Task::ReviewPanelsToForm => "/rounds",
            Task::ResultsToIssue => "/applications?status=approved",
            Task::CertificatesExpiring => "/applications?status=certified",
            Task::SuspensionsEnding => "/applications?status=certified",
            Task::QuorumAlerts => "/applications?status=in_review",
            Task::Drafts => "/applications?status=draft",
            Task::ClarificationsToAnswer => "/applications?status=in_assessment",
            Task::Results => "/applications",
            Task::Certificates => "/applications?status=certified",
            Task::AssignedApplications
            | Task::ScoresNotSubmitted
            | Task::ClarificationsAnswered => "/assessor/applications",
            Task::VotesPending | Task::Decisions => "/reviewer/applications",
            Task::AppealsAwaitingPanel => "/appeals?status=lodged",
            Task::AppealsAwaitingDecision => "/appeals?status=panel_formed",
            Task::AppealsToCarryOut => "/appeals?status=upheld",
            Task::ComplaintsToTriage => "/complaints?status=received",
            Task::ComplaintsUnderInvestigation => "/complaints?status=accepted",
            Task::SurveillanceRequested => "/complaints?status=accepted",
            Task::SurveillancesDue
            | Task::SurveillancesOverdue
            | Task::SurveillancesToScore
            | Task::SurveillancesOpen => "/surveillances",
            // The enterprise's certificates; each standing one offers the re-assessment.
            Task::CertificatesToRenew => "/applications?status=certified",
        }
    }
}

/// The tasks of one role, in the order they are shown.
pub fn tasks_of(role: Role) -> &'static [Task] {
    match role {
        Role::Secretariat => &[
            Task::EnterprisesToVerify,
            Task::ApplicationsToAccept,
            Task::PanelsToForm,
            Task::ReviewPanelsToForm,
            Task::ResultsToIssue,
            Task::CertificatesExpiring,
            Task::QuorumAlerts,
            Task::AppealsAwaitingPanel,
            Task::AppealsAwaitingDecision,
            Task::AppealsToCarryOut,
            Task::ComplaintsToTriage,
            Task::ComplaintsUnderInvestigation,
            Task::SurveillanceRequested,
            Task::SuspensionsEnding,
            Task::SurveillancesDue,
            Task::SurveillancesOverdue,
        ],
        Role::Enterprise => &[
            Task::Drafts,
            Task::ClarificationsToAnswer,
            Task::Results,
            Task::Certificates,
            Task::SurveillancesOpen,
            Task::CertificatesToRenew,
        ],
        Role::Assessor => &[
            Task::AssignedApplications,
            Task::ScoresNotSubmitted,
            Task::ClarificationsAnswered,
            Task::SurveillancesToScore,
        ],
        Role::Reviewer => &[Task::VotesPending, Task::Decisions],
    }
}

/// The sections a person sees: one per role they hold, in the order of [`Role::ALL`].
pub fn sections<'a>(roles: impl IntoIterator<Item = &'a Role>) -> Vec<Role> {
    let held: Vec<Role> = roles.into_iter().copied().collect();
    Role::ALL.into_iter().filter(|r| held.contains(r)).collect()
}

/// The issue dates of the certificates whose last day of validity lies between `today`
/// and `today` + [`EXPIRY_WARNING_DAYS`], both included, so that a read can select them
/// by issue date.
pub fn expiring_issue_window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last = today + Duration::days(EXPIRY_WARNING_DAYS);
    let back = |d: NaiveDate| d - Duration::days(3 * 366);
    // valid_until never decreases with the issue date: walk to the edges.
    let mut from = back(today);
    while valid_until(from) < today {
        from += Duration::days(1);
    }
    let mut to = back(last);
    while valid_until(to + Duration::days(1)) <= last {
        to += Duration::days(1);
    }
    (from, to)
}

/// The last day of suspension up to which a suspended certificate is on the list.
pub fn suspension_warning_until(today: NaiveDate) -> NaiveDate {
    today + Duration::days(SUSPENSION_WARNING_DAYS)
}

/// Whether a certificate issued on `issued` and not revoked counts as expiring on `today`.
pub fn is_expiring(issued: NaiveDate, today: NaiveDate) -> bool {
    let until = valid_until(issued);
    until >= today && until <= today + Duration::days(EXPIRY_WARNING_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_person_with_several_roles_sees_each_section_in_a_fixed_order() {
        let roles = [Role::Reviewer, Role::Secretariat];
        assert_eq!(sections(&roles), vec![Role::Secretariat, Role::Reviewer]);
        assert!(sections(&[]).is_empty());
    }

    #[test]
    fn every_role_has_tasks_and_every_task_belongs_to_one_role() {
        let mut seen = Vec::new();
        for role in Role::ALL {
            assert!(!tasks_of(role).is_empty(), "{role} has no task");
            seen.extend_from_slice(tasks_of(role));
        }
        let unique: std::collections::HashSet<Task> = seen.iter().copied().collect();
        assert_eq!(seen.len(), unique.len());
        assert_eq!(seen.len(), 28);
    }

    #[test]
    fn the_secretariat_accepts_submitted_and_issues_approved_applications() {
        assert_eq!(Task::ApplicationsToAccept.statuses(), &[Status::Submitted]);
        assert_eq!(Task::ResultsToIssue.statuses(), &[Status::Approved]);
        assert_eq!(Task::PanelsToForm.statuses(), &[Status::Accepted]);
    }

    #[test]
    fn results_include_returned_and_certified_but_not_terminal_refusals() {
        let r = Task::Results.statuses();
        assert!(r.contains(&Status::Returned) && r.contains(&Status::Certified));
        assert!(!r.contains(&Status::Rejected) && !r.contains(&Status::Withdrawn));
    }

    #[test]
    fn no_task_counts_withdrawn_or_rejected_applications() {
        for role in Role::ALL {
            for t in tasks_of(role) {
                assert!(!t
                    .statuses()
                    .iter()
                    .any(|s| matches!(s, Status::Withdrawn | Status::Rejected)));
            }
        }
    }

    #[test]
    fn information_lines_are_not_to_dos() {
        assert!(Task::ApplicationsToAccept.is_to_do());
        assert!(Task::VotesPending.is_to_do());
        assert!(!Task::Certificates.is_to_do());
        assert!(!Task::Decisions.is_to_do());
    }

    #[test]
    fn links_are_local_paths() {
        for role in Role::ALL {
            for t in tasks_of(role) {
                assert!(t.link().starts_with('/') && !t.link().starts_with("//"));
            }
        }
    }

    #[test]
    fn a_certificate_expiring_in_ninety_days_is_expiring_and_in_ninety_one_is_not() {
        let today = d(2026, 12, 6);
        assert!(is_expiring(d(2024, 3, 5), today));
        assert!(is_expiring(d(2023, 12, 6), today));
        assert!(!is_expiring(d(2023, 12, 5), today));
        assert!(!is_expiring(d(2024, 3, 7), today));
        assert_eq!(
            expiring_issue_window(today),
            (d(2023, 12, 6), d(2024, 3, 6))
        );
    }

    #[test]
    fn a_suspension_ending_in_fourteen_days_is_listed_and_in_fifteen_is_not() {
        let today = d(2026, 12, 6);
        let by = suspension_warning_until(today);
        assert!(d(2026, 12, 20) <= by);
        assert!(d(2026, 12, 21) > by);
        assert!(Task::SuspensionsEnding.is_to_do());
        assert!(tasks_of(Role::Secretariat).contains(&Task::SuspensionsEnding));
    }

    proptest! {
        #[test]
        fn the_issue_window_selects_exactly_the_expiring_certificates(
            today_offset in 0i64..20_000,
            issued_back in 0i64..1_400,
        ) {
            let today = d(2000, 1, 1) + Duration::days(today_offset);
            let issued = today - Duration::days(issued_back);
            let (from, to) = expiring_issue_window(today);
            prop_assert_eq!(issued >= from && issued <= to, is_expiring(issued, today));
        }
    }
}
