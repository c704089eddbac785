//! Rows and the queries that read and write them, one file per feature (named as in
//! `workflow`; see the feature table in ARCHITECTURE.md).

pub mod applications;
pub mod calendars;
pub mod catalog;
pub mod enterprises;
pub mod rounds;
pub mod sessions;
pub mod users;
// Evidence
pub mod evidence;
// Panels, scoring and review (feature: panels).
pub mod panels;
pub mod review;
pub mod scoring;
// mail/audit feature
pub mod audit;
pub mod invitations;
pub mod mail;
pub mod password_resets;
// Self-assessment and programme reports.
pub mod reports;
pub mod self_assessments;
// Certificates (feature: certs).
pub mod certificates;
// Enterprise groups.
pub mod enterprise_groups;
// The task list of the home page.
pub mod tasks;
// Appeals and complaints.
pub mod appeals;
pub mod complaints;

/// Current UTC time without zone, as stored.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
