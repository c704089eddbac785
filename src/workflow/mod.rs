//! Use cases: each reads, decides with the domain rules, and writes in one transaction.

pub mod accounts;
pub mod applications;
pub mod calendars;
pub mod catalog;
pub mod demo;
pub mod enterprises;
pub mod queries;
pub mod rounds;
pub mod sessions;
pub mod views;
// Evidence
pub mod evidence;
// Panels, scoring and review (feature: panels).
pub mod panels;
pub mod review;
pub mod scoring;
// mail/audit feature
pub mod invitations;
pub mod passwords;
// Self-assessment and programme reports.
pub mod reports;
pub mod self_assessment;
// Audit entries and mail of panels, scoring and review (feature: wiring).
pub mod panel_notices;
// Certificates (feature: certs).
pub mod certificates;
// Enterprise groups.
pub mod enterprise_groups;
