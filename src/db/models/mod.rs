//! Rows and the queries that read and write them, one file per table family.

pub mod application;
pub mod auth;
pub mod catalog;
pub mod enterprise;
pub mod round;
pub mod user;
// Evidence
pub mod evidence;
// Panels, scoring and review (feature: panels).
pub mod panels;
// mail/audit feature
pub mod audit;
pub mod mail;
pub mod tokens;
// Self-assessment and programme reports.
pub mod report;
pub mod self_assessment;
// Certificates (feature: certs).
pub mod certificates;
// Enterprise groups.
pub mod enterprise_group;

/// Current UTC time without zone, as stored.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
