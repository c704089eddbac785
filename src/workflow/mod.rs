//! Use cases: each reads, decides with the domain rules, and writes in one transaction.
//!
//! Every public use case has its own tracing span (`#[tracing::instrument(skip_all)]`: no
//! arguments, so no password or document reaches the log), nested in the request's span
//! (`AppState::db` enters it on the blocking thread); a refusal is logged there at info
//! level with its code, so one log line ties it to its request id.

pub mod applications;
pub mod calendars;
// Who holds a credential, remembered between requests.
pub mod callers;
pub mod catalog;
pub mod demo;
// The national-scale programme of `seed --scale` (feature: demo).
pub mod enterprises;
pub mod kept;
pub mod national;
pub mod queries;
pub mod recent;
pub mod rounds;
pub mod sessions;
pub mod users;
pub mod views;
// Evidence
pub mod evidence;
// Panels, scoring and review (feature: panels).
pub mod panels;
pub mod review;
pub mod scoring;
// mail/audit feature
pub mod invitations;
pub mod password_resets;
// Self-assessment and programme reports.
pub mod reports;
pub mod self_assessments;
// Audit entries and mail of panels, scoring and review (feature: wiring).
pub mod panel_notices;
pub mod panel_proposals;
// Certificates (feature: certs).
pub mod certificate_log;
pub mod certificates;
pub mod credentials;
// Enterprise groups.
pub mod enterprise_groups;
// Appeals and complaints.
pub mod appeal_attachments;
pub mod appeals;
pub mod complaints;
// Surveillance of certificates in force.
pub mod surveillances;
// Renewals and certificate reminders.
pub mod renewals;

/// A use case's transaction is run again when its database error is a transient one.
impl crate::db::TxError for crate::refusal::Refusal {
    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            crate::refusal::Refusal::Database(e) => Some(e),
            _ => None,
        }
    }
}
