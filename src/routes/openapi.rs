//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{api_auth, applications, enterprises, health, models, rounds};
// Self-assessment and programme reports.
use super::{reports, self_assessment};

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
        // Self-assessment and programme reports.
        self_assessment::start_api, self_assessment::list_api, self_assessment::detail_api,
        self_assessment::answers_api, self_assessment::complete_api, self_assessment::targets_api,
        self_assessment::roadmap_api, reports::api,
        document,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
