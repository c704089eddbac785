//! The rules of the programme, free of I/O: parsed input types, the model catalog,
//! roles and access, login throttling, the registration calendar, the application
//! status machine, the self-assessment and its charts.

pub mod access;
pub mod account;
// Appeals and complaints.
pub mod appeal;
pub mod application;
pub mod application_status;
pub mod assign;
pub mod calendar;
pub mod catalog;
pub mod certificate;
pub mod client_address;
pub mod complaint;
pub mod credit_code;
pub mod evidence;
pub mod i18n;
pub mod ids;
pub mod panel;
pub mod radar;
pub mod redirect;
pub mod round;
pub mod scoring;
pub mod self_assessment;
pub mod surveillance;
// The task list of the home page.
pub mod tasks;
pub mod throttle;
// Panels, scoring and review (feature: panels).
pub mod assessment;
pub mod visibility;
// mail/audit feature
pub mod audit;
pub mod invitation;
pub mod message;
// Programme reports.
pub mod report;
// Certificates (feature: certs).
pub mod certificate_lint;
pub mod certificate_status;
// W3C Verifiable Credentials of certificates: Data Integrity proofs, status lists.
pub mod credential;
pub mod data_integrity;
// Appeal attachments: what may be attached, how many.
pub mod appeal_attachment;
// Limits as they are shown and checked: sizes in binary units, page numbers, list pages.
pub mod listing;
pub mod paging;
pub mod renewal;
pub mod size;
