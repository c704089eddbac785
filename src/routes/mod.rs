//! The one route table: every route with its access rule. `startup` registers exactly
//! these, each wrapped in the access guard, so a route cannot exist without a rule.

pub mod applications;
pub mod assets;
pub mod calendars;
pub mod catalog;
pub mod enterprises;
pub mod health;
// Operations: Prometheus metrics.
pub mod home;
pub mod metrics;
pub mod openapi;
// Panels, scoring and review (feature: panels).
pub mod panels;
pub mod rounds;
pub mod sessions;
// Evidence
pub mod evidence;
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
// W3C Verifiable Credentials of certificates.
pub mod credentials;
// Enterprise groups.
pub mod enterprise_groups;
// Appeals and complaints.
pub mod appeal_attachments;
pub mod appeals;
pub mod complaints;
// Surveillance of certificates in force.
pub mod surveillances;

use actix_web::http::Method;
use actix_web::{web, Route};

use crate::domain::access::{Access, Role};

pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub route: fn() -> Route,
}

const SECRETARIAT: Access = Access::AnyOf(&[Role::Secretariat]);
const ENTERPRISE: Access = Access::AnyOf(&[Role::Enterprise]);
/// Object-level rules (own enterprise only) are applied by the use case.
const ENTERPRISE_OR_SECRETARIAT: Access = Access::AnyOf(&[Role::Enterprise, Role::Secretariat]);
/// Everyone who may be entitled to an application's evidence; the use case decides for
/// the application (its enterprise, its panel, the round's review panel, the secretariat).
const APPLICATION_PARTIES: Access = Access::AnyOf(&[
    Role::Enterprise,
    Role::Secretariat,
    Role::Assessor,
    Role::Reviewer,
]);

macro_rules! endpoint {
    ($method:ident $path:literal, $access:expr, $handler:path) => {
        Endpoint {
            method: Method::$method,
            path: $path,
            access: $access,
            route: || web::method(Method::$method).to($handler),
        }
    };
}

pub fn endpoints() -> Vec<Endpoint> {
    use Access::{Public, SignedIn};
    vec![
        endpoint!(GET "/", Public, home::landing),
        endpoint!(GET "/healthz", Public, health::healthz),
        endpoint!(GET "/metrics", Access::Scraper, metrics::scrape),
        endpoint!(GET "/assets/app.css", Public, assets::stylesheet),
        endpoint!(GET "/login", Public, sessions::pages::login_form),
        endpoint!(POST "/login", Public, sessions::pages::login),
        endpoint!(POST "/logout", SignedIn, sessions::pages::logout),
        endpoint!(POST "/lang", Public, sessions::pages::switch_language),
        endpoint!(GET "/models", SignedIn, catalog::list_page),
        endpoint!(GET "/models/{id}", SignedIn, catalog::detail_page),
        endpoint!(GET "/admin/sign-ins", SECRETARIAT, sessions::pages::sign_in_log_page),
        endpoint!(POST "/api/v1/auth/login", Public, sessions::api::login),
        endpoint!(DELETE "/api/v1/auth/token", SignedIn, sessions::api::revoke),
        endpoint!(GET "/api/v1/me", SignedIn, sessions::api::me),
        endpoint!(GET "/api/v1/tasks", SignedIn, home::tasks_api),
        endpoint!(GET "/api/v1/models", SignedIn, catalog::list_api),
        endpoint!(GET "/api/v1/models/{id}", SignedIn, catalog::detail_api),
        endpoint!(POST "/api/v1/models", SECRETARIAT, catalog::load_api),
        endpoint!(GET "/api/v1/openapi.json", Public, openapi::document),
        endpoint!(GET "/rounds", SignedIn, rounds::list_page),
        endpoint!(GET "/rounds/new", SECRETARIAT, rounds::forms::new_page),
        endpoint!(POST "/rounds/new", SECRETARIAT, rounds::forms::create_form),
        endpoint!(GET "/rounds/{id}", SignedIn, rounds::detail_page),
        endpoint!(GET "/rounds/{id}/edit", SECRETARIAT, rounds::forms::edit_page),
        endpoint!(POST "/rounds/{id}/edit", SECRETARIAT, rounds::forms::update_form),
        endpoint!(POST "/rounds/{id}/publish", SECRETARIAT, rounds::forms::publish_form),
        endpoint!(GET "/api/v1/rounds", SignedIn, rounds::list_api),
        endpoint!(POST "/api/v1/rounds", SECRETARIAT, rounds::create_api),
        endpoint!(GET "/api/v1/rounds/{id}", SignedIn, rounds::detail_api),
        endpoint!(PUT "/api/v1/rounds/{id}", SECRETARIAT, rounds::update_api),
        endpoint!(POST "/api/v1/rounds/{id}/publish", SECRETARIAT, rounds::publish_api),
        // Public-holiday calendars (feature: calendars).
        endpoint!(GET "/calendars", SignedIn, calendars::list_page),
        endpoint!(GET "/calendars/{year}", SignedIn, calendars::year_page),
        endpoint!(POST "/calendars/{year}", SECRETARIAT, calendars::day_form),
        endpoint!(GET "/api/v1/calendars", SignedIn, calendars::list_api),
        endpoint!(GET "/api/v1/calendars/{year}", SignedIn, calendars::year_api),
        endpoint!(PUT "/api/v1/calendars/{year}", SECRETARIAT, calendars::replace_api),
        endpoint!(POST "/api/v1/enterprises", ENTERPRISE, enterprises::api::register_api),
        endpoint!(GET "/api/v1/enterprises", SECRETARIAT, enterprises::api::list_api),
        endpoint!(GET "/api/v1/enterprises/mine", ENTERPRISE, enterprises::api::mine_api),
        endpoint!(POST "/api/v1/enterprises/{id}/verify", SECRETARIAT, enterprises::api::verify_api),
        endpoint!(POST "/api/v1/rounds/{id}/applications", ENTERPRISE, applications::api::create_api),
        endpoint!(GET "/api/v1/applications", ENTERPRISE_OR_SECRETARIAT, applications::api::list_api),
        endpoint!(GET "/api/v1/applications/{id}", ENTERPRISE_OR_SECRETARIAT, applications::api::detail_api),
        endpoint!(POST "/api/v1/applications/{id}/transitions", ENTERPRISE_OR_SECRETARIAT, applications::api::transition_api),
        endpoint!(PUT "/api/v1/applications/{id}/items/{item}/not-applicable", ENTERPRISE, applications::api::not_applicable_api),
        // Evidence, enterprise and application pages
        endpoint!(POST "/api/v1/applications/{id}/items/{item}/evidence", ENTERPRISE, evidence::upload_api),
        endpoint!(GET "/api/v1/applications/{id}/evidence", APPLICATION_PARTIES, evidence::list_api),
        endpoint!(GET "/api/v1/applications/{id}/evidence/{file}", APPLICATION_PARTIES, evidence::download_api),
        endpoint!(DELETE "/api/v1/applications/{id}/evidence/{file}", ENTERPRISE, evidence::delete_api),
        endpoint!(GET "/enterprise", ENTERPRISE, enterprises::pages::mine_page),
        endpoint!(POST "/enterprise", ENTERPRISE, enterprises::pages::register_page),
        endpoint!(GET "/applications", ENTERPRISE_OR_SECRETARIAT, applications::pages::list_page),
        endpoint!(POST "/rounds/{id}/applications", ENTERPRISE, applications::pages::create_page),
        endpoint!(GET "/applications/{id}", ENTERPRISE_OR_SECRETARIAT, applications::pages::detail_page),
        endpoint!(POST "/applications/{id}/items/{item}/evidence", ENTERPRISE, evidence::upload_page),
        endpoint!(POST "/applications/{id}/items/{item}/not-applicable", ENTERPRISE, applications::pages::not_applicable_page),
        endpoint!(POST "/applications/{id}/submit", ENTERPRISE, applications::pages::submit_page),
        // The secretariat's queues and the application's actions in the browser.
        endpoint!(GET "/enterprises", SECRETARIAT, enterprises::pages::queue_page),
        endpoint!(POST "/enterprises/{id}/verify", SECRETARIAT, enterprises::pages::verify_page),
        endpoint!(POST "/applications/{id}/accept", SECRETARIAT, applications::pages::accept_page),
        endpoint!(POST "/applications/{id}/reject", SECRETARIAT, applications::pages::reject_page),
        endpoint!(GET "/applications/{id}/panel", SECRETARIAT, panels::assignment::panel_page),
        endpoint!(POST "/applications/{id}/panel", SECRETARIAT, panels::assignment::panel_form),
        endpoint!(POST "/applications/{id}/certificate", SECRETARIAT, certificates::issue_form),
        endpoint!(POST "/assessors/employment", SECRETARIAT, panels::registry::employment_form),
        endpoint!(GET "/applications/{id}/evidence/{file}", APPLICATION_PARTIES, evidence::download_page),
        endpoint!(POST "/applications/{id}/evidence/{file}/delete", ENTERPRISE, evidence::delete_page),
        // Panels, scoring and review (feature: panels).
        endpoint!(GET "/assessors", SECRETARIAT, panels::registry::registry_page),
        endpoint!(POST "/assessors", SECRETARIAT, panels::registry::save_profile_form),
        endpoint!(POST "/assessors/organisations", SECRETARIAT, panels::registry::add_organisation_form),
        endpoint!(POST "/assessors/conflicts", SECRETARIAT, panels::registry::conflict_form),
        endpoint!(GET "/rounds/{id}/assignment", SECRETARIAT, panels::assignment::board_page),
        endpoint!(GET "/assessor/applications", panels::ASSESSOR, panels::assignment::my_applications_page),
        endpoint!(GET "/applications/{id}/assessment", SignedIn, panels::scoring::assessment_page),
        endpoint!(POST "/rounds/{id}/assignment", SECRETARIAT, panels::assignment::confirm_form),
        endpoint!(POST "/applications/{id}/scores/{item}", panels::ASSESSOR, panels::scoring::score_form),
        endpoint!(POST "/applications/{id}/consolidation", panels::ASSESSOR, panels::scoring::consolidate_form),
        endpoint!(POST "/applications/{id}/send-to-review", panels::ASSESSOR, panels::scoring::send_to_review_form),
        endpoint!(POST "/applications/{id}/votes", panels::REVIEWER, panels::review::vote_form),
        endpoint!(GET "/applications/{id}/review", panels::REVIEWER_OR_SECRETARIAT, panels::review::review_page),
        endpoint!(GET "/reviewer/applications", panels::REVIEWER, panels::review::my_reviews_page),
        endpoint!(POST "/applications/{id}/clarifications", panels::ASSESSOR, panels::clarifications::request_form),
        endpoint!(POST "/applications/{id}/clarification-answers", ENTERPRISE, panels::clarifications::answer_form),
        endpoint!(GET "/api/v1/organisations", SECRETARIAT, panels::registry::organisations_api),
        endpoint!(POST "/api/v1/organisations", SECRETARIAT, panels::registry::add_organisation_api),
        endpoint!(GET "/api/v1/assessors", SECRETARIAT, panels::registry::registry_api),
        endpoint!(POST "/api/v1/assessors", SECRETARIAT, panels::registry::save_profile_api),
        endpoint!(POST "/api/v1/assessors/{id}/conflicts", SECRETARIAT, panels::registry::conflict_api),
        endpoint!(POST "/api/v1/assessors/{id}/employment", SECRETARIAT, panels::registry::employment_api),
        endpoint!(PUT "/api/v1/applications/{id}/preference", panels::ASSESSOR, panels::assignment::preference_api),
        endpoint!(PUT "/api/v1/applications/{id}/panel", SECRETARIAT, panels::assignment::set_panel_api),
        endpoint!(POST "/api/v1/rounds/{id}/panel-proposal", SECRETARIAT, panels::assignment::proposal_api),
        endpoint!(POST "/api/v1/rounds/{id}/panels", SECRETARIAT, panels::assignment::confirm_api),
        endpoint!(GET "/api/v1/assessor/applications", panels::ASSESSOR, panels::assignment::my_applications_api),
        endpoint!(GET "/api/v1/applications/{id}/scores", SignedIn, panels::scoring::scores_api),
        endpoint!(PUT "/api/v1/applications/{id}/scores/{item}", panels::ASSESSOR, panels::scoring::score_api),
        endpoint!(POST "/api/v1/applications/{id}/scores/{item}/reopen", panels::ASSESSOR, panels::scoring::reopen_api),
        endpoint!(GET "/api/v1/applications/{id}/clarifications", SignedIn, panels::clarifications::clarifications_api),
        endpoint!(POST "/api/v1/applications/{id}/clarifications", panels::ASSESSOR, panels::clarifications::request_clarification_api),
        endpoint!(POST "/api/v1/applications/{id}/clarification-answers", ENTERPRISE, panels::clarifications::answer_api),
        endpoint!(POST "/api/v1/applications/{id}/consolidation", panels::ASSESSOR, panels::scoring::consolidate_api),
        endpoint!(POST "/api/v1/applications/{id}/send-to-review", panels::ASSESSOR, panels::scoring::send_to_review_api),
        endpoint!(POST "/api/v1/rounds/{id}/review-panel", SECRETARIAT, panels::review::review_panel_api),
        endpoint!(POST "/api/v1/applications/{id}/votes", panels::REVIEWER, panels::review::vote_api),
        // mail/audit feature
        endpoint!(GET "/admin/audit", SECRETARIAT, audit::page_view),
        endpoint!(GET "/admin/audit.csv", SECRETARIAT, audit::csv_export),
        endpoint!(GET "/api/v1/audit", SECRETARIAT, audit::list_api),
        endpoint!(GET "/admin/outbox", SECRETARIAT, mail::outbox_page),
        endpoint!(GET "/api/v1/outbox", SECRETARIAT, mail::outbox_api),
        endpoint!(GET "/inbox", SignedIn, mail::inbox_page),
        endpoint!(GET "/api/v1/notifications", SignedIn, mail::notifications_api),
        endpoint!(GET "/password/forgot", Public, password_resets::forgot_form),
        endpoint!(POST "/password/forgot", Public, password_resets::forgot),
        endpoint!(GET "/password/reset/{token}", Public, password_resets::reset_form),
        endpoint!(POST "/password/reset/{token}", Public, password_resets::reset),
        endpoint!(POST "/api/v1/enterprises/mine/invitations", ENTERPRISE, invitations::invite_api),
        endpoint!(GET "/enterprise/invitations", ENTERPRISE, invitations::invitations_page),
        endpoint!(POST "/enterprise/invitations", ENTERPRISE, invitations::invite_form),
        endpoint!(GET "/invitations/{token}", Public, invitations::accept_form),
        endpoint!(POST "/invitations/{token}", Public, invitations::accept),
        // Self-assessment (own enterprise only, checked by the use case) and programme reports.
        endpoint!(GET "/self-assessments", ENTERPRISE, self_assessments::questionnaire::list_page),
        endpoint!(POST "/self-assessments", ENTERPRISE, self_assessments::questionnaire::start_page),
        endpoint!(GET "/self-assessments/{id}", ENTERPRISE, self_assessments::results::result_page),
        endpoint!(GET "/self-assessments/{id}/areas/{area}", ENTERPRISE, self_assessments::questionnaire::area_page),
        endpoint!(POST "/self-assessments/{id}/areas/{area}", ENTERPRISE, self_assessments::questionnaire::save_area_page),
        endpoint!(POST "/self-assessments/{id}/complete", ENTERPRISE, self_assessments::questionnaire::complete_page),
        endpoint!(POST "/self-assessments/{id}/targets", ENTERPRISE, self_assessments::targets::targets_page),
        endpoint!(POST "/self-assessments/{id}/roadmap", ENTERPRISE, self_assessments::roadmap::roadmap_page),
        endpoint!(GET "/self-assessments/{id}/roadmap.csv", ENTERPRISE, self_assessments::exports::roadmap_csv_export),
        endpoint!(GET "/self-assessments/{id}/roadmap.pdf", ENTERPRISE, self_assessments::exports::roadmap_pdf_export),
        endpoint!(POST "/self-assessments/{id}/apply", ENTERPRISE, self_assessments::results::apply_page),
        endpoint!(GET "/api/v1/self-assessments", ENTERPRISE, self_assessments::questionnaire::list_api),
        endpoint!(POST "/api/v1/self-assessments", ENTERPRISE, self_assessments::questionnaire::start_api),
        endpoint!(GET "/api/v1/self-assessments/{id}", ENTERPRISE, self_assessments::results::detail_api),
        endpoint!(PUT "/api/v1/self-assessments/{id}/answers", ENTERPRISE, self_assessments::questionnaire::answers_api),
        endpoint!(POST "/api/v1/self-assessments/{id}/complete", ENTERPRISE, self_assessments::questionnaire::complete_api),
        endpoint!(PUT "/api/v1/self-assessments/{id}/targets", ENTERPRISE, self_assessments::targets::targets_api),
        endpoint!(PUT "/api/v1/self-assessments/{id}/roadmap", ENTERPRISE, self_assessments::roadmap::roadmap_api),
        endpoint!(GET "/reports", SECRETARIAT, reports::page_view),
        endpoint!(GET "/reports/export.csv", SECRETARIAT, reports::csv_export),
        endpoint!(GET "/reports/export.xlsx", SECRETARIAT, reports::xlsx_export),
        endpoint!(GET "/api/v1/reports", SECRETARIAT, reports::api),
        // Certificates (feature: certs).
        endpoint!(POST "/api/v1/applications/{id}/certificate", SECRETARIAT, certificates::issue_api),
        endpoint!(POST "/api/v1/rounds/{id}/certificates", SECRETARIAT, certificates::issue_round_api),
        endpoint!(POST "/rounds/{id}/certificates", SECRETARIAT, certificates::issue_round_form),
        endpoint!(POST "/api/v1/certificates/{number}/revoke", SECRETARIAT, certificates::revoke_api),
        endpoint!(POST "/api/v1/certificates/{number}/withdraw", SECRETARIAT, certificates::withdraw_api),
        endpoint!(POST "/api/v1/certificates/{number}/suspend", SECRETARIAT, certificates::suspend_api),
        endpoint!(POST "/api/v1/certificates/{number}/reinstate", SECRETARIAT, certificates::reinstate_api),
        endpoint!(POST "/api/v1/certificates/{number}/reduce-scope", SECRETARIAT, certificates::reduce_scope_api),
        // withdraw (or revoke), suspend, reinstate, reduce-scope: one handler, typed.
        endpoint!(POST "/certificates/{number}/{decision}", SECRETARIAT, certificates::decision_page),
        endpoint!(GET "/certificates/{number}.pdf", ENTERPRISE_OR_SECRETARIAT, certificates::download),
        endpoint!(GET "/.well-known/certcase-keys.json", Public, certificates::keys),
        endpoint!(GET "/certificates/{number}.json", Public, credentials::credential),
        endpoint!(GET "/credentials/status/{purpose}/{list}", Public, credentials::status_list),
        endpoint!(GET "/issuer", Public, credentials::controller_document),
        endpoint!(GET "/.well-known/did.json", Public, credentials::did_document),
        endpoint!(GET "/directory", Public, certificates::directory_page),
        endpoint!(GET "/api/v1/directory", Public, certificates::directory_api),
        endpoint!(GET "/verify", Public, certificates::verify_page),
        endpoint!(POST "/verify", Public, certificates::verify_upload_page),
        endpoint!(GET "/verify/{number}", Public, certificates::verify_number_page),
        endpoint!(GET "/api/v1/verify/{number}", Public, certificates::verify_api),
        endpoint!(POST "/api/v1/verify", Public, certificates::verify_upload_api),
        // Enterprise groups; the review panel's form on the round page.
        endpoint!(GET "/api/v1/enterprise-groups", SECRETARIAT, enterprise_groups::list_api),
        endpoint!(POST "/api/v1/enterprise-groups", SECRETARIAT, enterprise_groups::create_api),
        endpoint!(PUT "/api/v1/enterprises/{id}/group", SECRETARIAT, enterprise_groups::join_api),
        endpoint!(DELETE "/api/v1/enterprises/{id}/group", SECRETARIAT, enterprise_groups::leave_api),
        endpoint!(POST "/assessors/groups", SECRETARIAT, enterprise_groups::create_form),
        endpoint!(POST "/assessors/groups/members", SECRETARIAT, enterprise_groups::join_form),
        endpoint!(POST "/assessors/groups/members/{id}/remove", SECRETARIAT, enterprise_groups::leave_form),
        endpoint!(POST "/rounds/{id}/review-panel", SECRETARIAT, rounds::review_panel_form),
        // Appeals (the use cases decide: the enterprise its own, the panel its appeal).
        endpoint!(POST "/api/v1/applications/{id}/appeals", ENTERPRISE, appeals::lodge_api),
        endpoint!(GET "/api/v1/appeals", APPLICATION_PARTIES, appeals::list_api),
        endpoint!(GET "/api/v1/appeals/{id}", APPLICATION_PARTIES, appeals::detail_api),
        endpoint!(GET "/api/v1/appeals/{id}/candidates", SECRETARIAT, appeals::candidates_api),
        endpoint!(PUT "/api/v1/appeals/{id}/panel", SECRETARIAT, appeals::panel_api),
        endpoint!(POST "/api/v1/appeals/{id}/decision", appeals::PANEL_MEMBER, appeals::decision_api),
        endpoint!(POST "/api/v1/appeals/{id}/withdrawal", ENTERPRISE, appeals::withdrawal_api),
        endpoint!(POST "/api/v1/appeals/{id}/follow-up", SECRETARIAT, appeals::follow_up_api),
        endpoint!(POST "/api/v1/appeals/{id}/attachments", ENTERPRISE, appeal_attachments::attach_api),
        endpoint!(GET "/api/v1/appeals/{id}/attachments", APPLICATION_PARTIES, appeal_attachments::list_api),
        endpoint!(POST "/appeals/{id}/attachments", ENTERPRISE, appeal_attachments::attach_form),
        endpoint!(GET "/appeals/{id}/attachments/{attachment}", APPLICATION_PARTIES, appeal_attachments::download),
        endpoint!(GET "/appeals", APPLICATION_PARTIES, appeals::list_page),
        endpoint!(GET "/appeals/{id}", APPLICATION_PARTIES, appeals::detail_page),
        endpoint!(GET "/applications/{id}/appeals/new", ENTERPRISE, appeals::new_page),
        endpoint!(POST "/applications/{id}/appeals", ENTERPRISE, appeals::lodge_form),
        endpoint!(POST "/appeals/{id}/panel", SECRETARIAT, appeals::panel_form),
        endpoint!(POST "/appeals/{id}/decision", appeals::PANEL_MEMBER, appeals::decision_form),
        endpoint!(POST "/appeals/{id}/withdrawal", ENTERPRISE, appeals::withdrawal_form),
        endpoint!(POST "/appeals/{id}/follow-up", SECRETARIAT, appeals::follow_up_form),
        // Complaints: filed and followed by anyone through mailed links; the secretariat
        // handles them.
        endpoint!(POST "/api/v1/complaints", Public, complaints::file_api),
        endpoint!(POST "/api/v1/complaints/confirmation", Public, complaints::confirm_api),
        endpoint!(GET "/api/v1/complaints/track/{token}", Public, complaints::track_api),
        endpoint!(GET "/api/v1/complaints", SECRETARIAT, complaints::list_api),
        endpoint!(GET "/api/v1/complaints/{id}", SECRETARIAT, complaints::detail_api),
        endpoint!(POST "/api/v1/complaints/{id}/triage", SECRETARIAT, complaints::triage_api),
        endpoint!(POST "/api/v1/complaints/{id}/notes", SECRETARIAT, complaints::note_api),
        endpoint!(POST "/api/v1/complaints/{id}/surveillance", SECRETARIAT, complaints::surveillance_api),
        endpoint!(POST "/api/v1/complaints/{id}/answer", SECRETARIAT, complaints::answer_api),
        endpoint!(GET "/complaints/new", Public, complaints::new_page),
        endpoint!(POST "/complaints/new", Public, complaints::new_submit),
        endpoint!(GET "/complaints/confirm/{token}", Public, complaints::confirm_page),
        endpoint!(POST "/complaints/confirm/{token}", Public, complaints::confirm_submit),
        endpoint!(GET "/complaints/track/{token}", Public, complaints::track_page),
        endpoint!(GET "/complaints", SECRETARIAT, complaints::list_page),
        endpoint!(GET "/complaints/{id}", SECRETARIAT, complaints::detail_page),
        endpoint!(POST "/complaints/{id}", SECRETARIAT, complaints::action_form),
        // Surveillance of certificates in force (the reads and use cases decide per
        // surveillance: the secretariat, its assessors, the certified enterprise).
        endpoint!(POST "/api/v1/certificates/{number}/surveillances", SECRETARIAT, surveillances::plan_api),
        endpoint!(GET "/api/v1/surveillances", surveillances::PARTIES, surveillances::list_api),
        endpoint!(GET "/api/v1/surveillances/{id}", surveillances::PARTIES, surveillances::detail_api),
        endpoint!(PUT "/api/v1/surveillances/{id}/assessors", SECRETARIAT, surveillances::assessors_api),
        endpoint!(PUT "/api/v1/surveillances/{id}/scores/{item}", panels::ASSESSOR, surveillances::score_api),
        endpoint!(POST "/api/v1/surveillances/{id}/conclusion", SECRETARIAT, surveillances::conclusion_api),
        endpoint!(GET "/surveillances", surveillances::PARTIES, surveillances::list_page),
        endpoint!(POST "/surveillances", SECRETARIAT, surveillances::plan_form),
        endpoint!(GET "/surveillances/new", SECRETARIAT, surveillances::new_page),
        endpoint!(GET "/surveillances/{id}", surveillances::PARTIES, surveillances::detail_page),
        endpoint!(POST "/surveillances/{id}", surveillances::STAFF, surveillances::action_form),
    ]
}
