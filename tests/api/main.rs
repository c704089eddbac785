//! Integration tests through HTTP. Run on SQLite by default; set
//! CERTCASE_TEST_DATABASE=postgres to run the same tests on PostgreSQL.

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

mod helpers;

mod access_matrix;
mod applications;
mod catalog;
mod cli;
mod health_and_errors;
mod pages;
mod production;
mod refusals;
// Round forms and publication; holiday calendars (features: rounds, calendars).
mod rounds;
mod sign_in;
// Remembered callers (issue #19).
mod callers;
// Evidence
mod evidence;
mod evidence_crash;
mod evidence_pages;
// Owner-only files under the data dir.
mod file_modes;
// Panels, scoring and review (feature: panels).
mod panels;
mod review;
mod scoring;
// The assessor's and the reviewer's pages, the clarification loop through pages.
mod panel_pages;
// mail/audit feature
mod audit;
mod invitations;
mod mail;
// Self-assessment and programme reports.
mod reports;
mod self_assessment;
// Audit entries and mail of panels, scoring and review (feature: wiring).
mod panel_notifications;
// Certificates (feature: certs).
mod certificates;
// A certificate's decisions, verification from the log, the directory (lifecycle17).
mod certificate_lifecycle;
// The PDF carries its credential; only the PDF issued verifies as the issued document.
mod certificate_documents;
// W3C Verifiable Credentials of certificates.
mod credentials;
// Enterprise groups and the review panel's page.
mod groups;
// Typed ids: a malformed one is an unknown one.
mod malformed_ids;
// Outsiders cannot tell an existing application from a missing one.
mod outsiders;
// Typed values in text columns.
mod stored_values;
// What each role sees of one resource.
mod views;
// Hardening: slow uploads and small contract gaps.
mod contract_limits;
// The task list of the home page.
mod tasks;
// The demo programme of `serve --demo`.
mod demo;
mod slow_uploads;
// The secretariat's queues and the application's actions in the browser.
mod secretariat_pages;
// Operations: disk full, healthz storage, metrics, evidence check, backup/restore, shutdown.
mod operations;
// Appeals and complaints.
mod appeals;
mod complaints;
// Concurrency: identical requests at once, sign-ins under load, migrations together,
// database connection errors.
mod races;
// `seed --scale`: the national programme in bulk.
mod national;
// Surveillance of certificates in force, and issue #17's walk of one certificate.
mod certificate_life;
mod surveillance;
// Every list a page at a time: keyset pages, filters, search (issue #19).
mod lists;
// Renewal, reminders before a date, appeals that reinstate (renew17); appeal attachments.
mod appeal_attachments;
mod renewal;
// Issue #19: pages rendered once, compression, cached reports.
mod fast_pages;
