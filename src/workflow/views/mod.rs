//! Response views: what the API (and the pages that share them) show of each resource.
//! One module per resource; each has one `<resource>_view` function that builds the view
//! from the row and, where roles see different things, from the caller. Rows never
//! derive `Serialize`, so nothing reaches a response without passing through here.
//! Whether the caller may read the resource at all is decided before, by the workflow
//! (`visible`, role guards); a view decides only which fields of it they see.

pub mod appeals;
pub mod applications;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod clarifications;
pub mod complaints;
pub mod enterprises;
pub mod notifications;
pub mod panels;
pub mod rounds;
pub mod self_assessments;
pub mod surveillances;

pub use applications::{
    ApplicationDetail, ApplicationEventView, ApplicationView, AssignedApplicationView,
};
pub use audit::AuditEntryView;
pub use clarifications::ClarificationView;
pub use enterprises::EnterpriseView;
pub use notifications::{NotificationView, OutboxMessageView};
pub use panels::{ConflictView, EmploymentView, OrganisationView, RegistryEntry, SeatView};
pub use self_assessments::SelfAssessmentView;
