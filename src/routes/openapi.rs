//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

// Evidence
use super::applications::api as applications;
use super::enterprises::api as enterprises;
use super::evidence;
use super::sessions::api as api_auth;
use super::{catalog as models, health, panels, rounds};

// mail/audit feature
use super::{audit, invitations, mail};
// Certificates (feature: certs).
use super::certificates;
// Enterprise groups.
use super::enterprise_groups;

// Self-assessment and programme reports.
use super::{reports, self_assessments as self_assessment};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "certcase API", description = "Maturity-model certification programme: catalog, accounts and more."),
    paths(
        health::healthz,
        api_auth::login, api_auth::revoke, api_auth::me,
        models::list_api, models::detail_api, models::load_api,
        rounds::list_api, rounds::detail_api, rounds::create_api,
        enterprises::register_api, enterprises::mine_api, enterprises::list_api, enterprises::verify_api,
        applications::create_api, applications::list_api, applications::detail_api,
        applications::transition_api, applications::not_applicable_api,
        // Evidence
        evidence::upload_api, evidence::list_api, evidence::download_api, evidence::delete_api,
        // Self-assessment and programme reports.
        self_assessment::questionnaire::start_api, self_assessment::questionnaire::list_api,
        self_assessment::results::detail_api, self_assessment::questionnaire::answers_api,
        self_assessment::questionnaire::complete_api, self_assessment::targets::targets_api,
        self_assessment::roadmap::roadmap_api, reports::api,
        document,
        // Panels, scoring and review (feature: panels).
        panels::registry::organisations_api, panels::registry::add_organisation_api,
        panels::registry::registry_api, panels::registry::save_profile_api,
        panels::registry::conflict_api, panels::registry::employment_api,
        panels::assignment::preference_api, panels::assignment::set_panel_api,
        panels::assignment::proposal_api, panels::assignment::confirm_api,
        panels::assignment::my_applications_api,
        panels::scoring::scores_api, panels::scoring::score_api, panels::scoring::reopen_api,
        panels::clarifications::clarifications_api, panels::clarifications::request_clarification_api,
        panels::clarifications::answer_api,
        panels::scoring::consolidate_api, panels::scoring::send_to_review_api,
        panels::review::review_panel_api, panels::review::vote_api,
        // mail/audit feature
        audit::list_api, mail::notifications_api, invitations::invite_api,
        // Certificates (feature: certs).
        certificates::issue_api, certificates::issue_round_api, certificates::revoke_api,
        certificates::verify_api, certificates::verify_upload_api,
        // Enterprise groups.
        enterprise_groups::list_api, enterprise_groups::create_api, enterprise_groups::join_api,
        enterprise_groups::leave_api,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use utoipa::ToSchema;

    use super::*;
    use crate::workflow::views::{
        ApplicationDetail, ApplicationEventView, ApplicationView, AssignedApplicationView,
        AuditEntryView, ClarificationView, ConflictView, EmploymentView, EnterpriseView,
        NotificationView, OrganisationView, RegistryEntry, SelfAssessmentView,
    };

    #[test]
    fn every_response_view_is_a_documented_schema() {
        let doc = ApiDoc::openapi();
        let schemas = doc.components.expect("components").schemas;
        for name in [
            ApplicationView::name(),
            ApplicationDetail::name(),
            ApplicationEventView::name(),
            AssignedApplicationView::name(),
            ClarificationView::name(),
            AuditEntryView::name(),
            EnterpriseView::name(),
            NotificationView::name(),
            OrganisationView::name(),
            RegistryEntry::name(),
            ConflictView::name(),
            EmploymentView::name(),
            SelfAssessmentView::name(),
        ] {
            assert!(
                schemas.contains_key(name.as_ref()),
                "{name} is not in the OpenAPI components"
            );
        }
    }
}
