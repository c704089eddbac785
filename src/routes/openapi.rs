//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use serde_json::json;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, Schema};
use utoipa::{Modify, OpenApi};

use crate::domain::access::Access;

// Evidence
use super::applications::api as applications;
use super::enterprises::api as enterprises;
use super::evidence;
use super::{calendars, catalog, health, home, panels, rounds, sessions};

// mail/audit feature
use super::{audit, invitations, mail};
// Certificates (feature: certs).
use super::certificates;
// Enterprise groups.
use super::enterprise_groups;
// Appeals and complaints.
use super::{appeal_attachments, appeals, complaints};
// Surveillance of certificates in force.
use super::surveillances;

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

/// The media type of every error body (RFC 9457), written by `web::finish`.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem responses, by status: the name of their component and what they mean.
/// The first eight are added wherever they apply; 409 and 422 stand in where a handler
/// names them without words.
const SHARED: [(u16, &str, &str); 10] = [
    (400, "BadRequest", "the request cannot be read: malformed JSON, a missing or mistyped field, a query value that cannot be parsed"),
    (401, "SignInRequired", "no valid bearer token"),
    (403, "Forbidden", "the caller's roles do not allow this, or it is not theirs to do"),
    (404, "NotFound", "nothing with this id that the caller may see (an id that is not a UUID included)"),
    (408, "RequestTimeout", "the upload arrived too slowly (idle timeout or deadline)"),
    (413, "TooLarge", "the body is above its limit"),
    (429, "TooManyRequests", "too many requests or uploads at once; Retry-After says when to try again"),
    (503, "Unavailable", "the server is at its limit of uploads, or its database is unavailable; Retry-After says when to try again"),
    (409, "Conflict", "the state of things does not allow it now"),
    (422, "Unprocessable", "the input breaks a rule; `code` and `args` say which"),
];

/// Adds what every operation shares, from the route table and the operation's shape, so
/// that no handler repeats it and the document cannot drift from the server:
/// - the bearer requirement and 401 where the route is not public, 403 where it needs a
///   role (`Access::AnyOf`);
/// - 404 where the path names something (a path id that is not a UUID is also a 404);
/// - 400 where a body or a query string is read, 413 where a body is read, and for
///   uploads 408 (too slow), 429 and 503 (the per-person and overall upload caps);
/// - the problem+json body on every 4xx/5xx a handler documents without one.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert("Problem".into(), RefOr::T(problem_schema()));
        for (_, name, description) in SHARED {
            let response: Response = serde_json::from_value(json!({
                "description": description,
                "content": { PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } },
            }))
            .expect("a response object");
            components.responses.insert(name.into(), RefOr::T(response));
        }

        for schema in components.schemas.values_mut() {
            let mut value = serde_json::to_value(&*schema).expect("a schema serializes");
            plain_tuples(&mut value);
            *schema = serde_json::from_value(value).expect("still a schema");
        }

        let access: BTreeMap<(String, &str), Access> = super::endpoints()
            .into_iter()
            .map(|e| ((e.method.as_str().to_ascii_lowercase(), e.path), e.access))
            .collect();
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in operations_mut(item) {
                let Some(access) = access.get(&(method.to_string(), path.as_str())) else {
                    continue; // `every_operation_is_a_route` fails for it
                };
                shared_responses(operation, path, *access);
            }
        }
    }
}

/// utoipa writes a Rust tuple as `prefixItems` with `items: false`, which validators made
/// for OpenAPI 3.0 refuse; each becomes an array of exactly its length whose items are any
/// of its element schemas (the one schema when they are all alike).
fn plain_tuples(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(elements)) = map.remove("prefixItems") {
                let n = elements.len();
                let mut distinct: Vec<serde_json::Value> = Vec::new();
                for element in elements {
                    if !distinct.contains(&element) {
                        distinct.push(element);
                    }
                }
                let items = match distinct.len() {
                    1 => distinct.remove(0),
                    _ => json!({ "anyOf": distinct }),
                };
                map.insert("items".into(), items);
                map.insert("minItems".into(), n.into());
                map.insert("maxItems".into(), n.into());
            }
            map.values_mut().for_each(plain_tuples);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(plain_tuples),
        _ => {}
    }
}

fn problem_schema() -> Schema {
    serde_json::from_value(json!({
        "type": "object",
        "description": "An RFC 9457 problem. A refusal by a rule adds `code` (stable, for programs) and `args` (its values); `detail` is in the language of Accept-Language (zh-CN by default).",
        "required": ["type", "title", "status", "detail", "instance", "request_id"],
        "properties": {
            "type": { "type": "string", "examples": ["about:blank"] },
            "title": { "type": "string", "description": "the status's name" },
            "status": { "type": "integer", "minimum": 400, "maximum": 599 },
            "detail": { "type": "string" },
            "instance": { "type": "string", "description": "the request's path" },
            "request_id": { "type": "string", "description": "also in the X-Request-Id header and the server's log" },
            "code": { "type": "string", "examples": ["application.window_closed"] },
            "args": { "type": "object", "description": "the refusal's values by name" },
        },
    }))
    .expect("a schema object")
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("head", item.head.as_mut()),
        ("options", item.options.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
}

fn shared_responses(operation: &mut Operation, path: &str, access: Access) {
    let reads_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let body = operation.request_body.as_ref();
    let upload = body.is_some_and(|b| b.content.contains_key("multipart/form-data"));
    let applies = |status: u16| match status {
        400 => reads_query || body.is_some(),
        401 => access != Access::Public,
        403 => matches!(access, Access::AnyOf(_)),
        404 => path.contains('{'),
        413 => body.is_some(),
        408 | 429 | 503 => upload,
        _ => false,
    };
    let wanted: Vec<(u16, &str)> = SHARED
        .iter()
        .filter(|(status, ..)| applies(*status))
        .map(|(status, name, _)| (*status, *name))
        .collect();

    operation.security = match access {
        Access::Public | Access::Scraper => None,
        Access::SignedIn | Access::AnyOf(_) => Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]),
    };
    let responses = &mut operation.responses.responses;
    for (status, name) in wanted {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
    // A status a handler names without words or body gets the shared one; one it
    // explains keeps its words and gets the problem body.
    for (status, response) in responses.iter_mut() {
        let RefOr::T(documented) = response else {
            continue;
        };
        if !(status.starts_with('4') || status.starts_with('5')) || !documented.content.is_empty() {
            continue;
        }
        let shared = SHARED.iter().find(|(code, ..)| code.to_string() == *status);
        match shared {
            Some((_, name, _)) if documented.description.is_empty() => {
                *response = RefOr::Ref(Ref::from_response_name(*name));
            }
            _ => {
                documented.content.insert(
                    PROBLEM_JSON.into(),
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                );
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "certcase API", description = "Maturity-model certification programme: catalog, accounts and more."),
    paths(
        health::healthz,
        sessions::api::login, sessions::api::revoke, sessions::api::me,
        home::tasks_api,
        catalog::list_api, catalog::detail_api, catalog::load_api,
        rounds::list_api, rounds::detail_api, rounds::create_api,
        rounds::update_api, rounds::publish_api,
        calendars::list_api, calendars::year_api, calendars::replace_api,
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
        audit::list_api, mail::notifications_api, mail::outbox_api, invitations::invite_api,
        // Certificates (feature: certs).
        certificates::issue_api, certificates::issue_round_api, certificates::revoke_api,
        certificates::withdraw_api, certificates::suspend_api, certificates::reinstate_api,
        certificates::reduce_scope_api, certificates::directory_api,
        certificates::verify_api, certificates::verify_upload_api,
        // Enterprise groups.
        enterprise_groups::list_api, enterprise_groups::create_api, enterprise_groups::join_api,
        enterprise_groups::leave_api,
        // Appeals and complaints.
        appeals::lodge_api, appeals::list_api, appeals::detail_api, appeals::candidates_api,
        appeals::panel_api, appeals::decision_api, appeals::withdrawal_api,
        appeals::follow_up_api, appeal_attachments::attach_api, appeal_attachments::list_api,
        complaints::file_api, complaints::confirm_api, complaints::track_api,
        complaints::list_api, complaints::detail_api, complaints::triage_api,
        complaints::note_api, complaints::surveillance_api, complaints::answer_api,
        // Surveillance of certificates in force.
        surveillances::plan_api, surveillances::list_api, surveillances::detail_api,
        surveillances::assessors_api, surveillances::score_api, surveillances::conclusion_api,
    ),
    modifiers(&BearerAuth, &ProblemResponses)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::ToSchema;

    use super::*;
    use crate::workflow::views::{
        ApplicationDetail, ApplicationEventView, ApplicationView, AssignedApplicationView,
        AuditEntryView, ClarificationView, ConflictView, EmploymentView, EnterpriseView,
        NotificationView, OrganisationView, OutboxMessageView, RegistryEntry, SelfAssessmentView,
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
            OutboxMessageView::name(),
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

    fn document() -> serde_json::Value {
        serde_json::to_value(ApiDoc::openapi()).expect("the document serializes")
    }

    fn operations(doc: &serde_json::Value) -> Vec<(String, String, &serde_json::Value)> {
        let paths = doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                let item = item.as_object().expect("a path item");
                item.iter()
                    .filter(|(method, _)| {
                        ["get", "put", "post", "delete", "patch"].contains(&method.as_str())
                    })
                    .map(move |(method, op)| (method.to_uppercase(), path.clone(), op))
            })
            .collect()
    }

    #[test]
    fn the_document_and_the_route_table_name_the_same_api_operations() {
        let doc = document();
        let documented: BTreeSet<(String, String)> = operations(&doc)
            .into_iter()
            .map(|(method, path, _)| (method, path))
            .collect();
        let routed: BTreeSet<(String, String)> = crate::routes::endpoints()
            .into_iter()
            .filter(|e| e.path.starts_with("/api/"))
            .map(|e| (e.method.to_string(), e.path.to_string()))
            .collect();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented
            .difference(&routed)
            .filter(|(_, path)| path.starts_with("/api/"))
            .collect();
        assert!(
            undocumented.is_empty(),
            "routes without a document entry: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "documented but not routed: {unrouted:?}"
        );
    }

    #[test]
    fn every_operation_documents_the_refusals_its_route_can_answer() {
        let doc = document();
        let access: BTreeMap<(String, String), Access> = crate::routes::endpoints()
            .into_iter()
            .map(|e| ((e.method.to_string(), e.path.to_string()), e.access))
            .collect();
        for (method, path, op) in operations(&doc) {
            let Some(access) = access.get(&(method.clone(), path.clone())) else {
                continue;
            };
            let responses = op["responses"].as_object().expect("responses");
            let has = |status: &str| responses.contains_key(status);
            let name = format!("{method} {path}");
            match access {
                Access::Public | Access::Scraper => {
                    assert!(op.get("security").is_none(), "{name} needs no token")
                }
                Access::SignedIn | Access::AnyOf(_) => {
                    assert_eq!(op["security"], json!([{ "bearer": [] }]), "{name}");
                    assert!(has("401"), "{name} does not document 401");
                }
            }
            if matches!(access, Access::AnyOf(_)) {
                assert!(has("403"), "{name} does not document 403");
            }
            if path.contains('{') {
                assert!(has("404"), "{name} does not document 404");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413"] {
                    assert!(has(status), "{name} does not document {status}");
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') {
                    let problem = match response.get("$ref").and_then(|r| r.as_str()) {
                        Some(r) => doc.pointer(&r.replacen('#', "", 1)).expect("resolves"),
                        None => response,
                    };
                    assert_eq!(
                        problem["content"][PROBLEM_JSON]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{name}: {status} is not a problem"
                    );
                }
            }
        }
    }

    #[test]
    fn tuples_are_arrays_of_their_length() {
        let doc = document();
        let refused = &doc["components"]["schemas"]["BulkOutcome"]["properties"]["refused"];
        assert_eq!(
            refused["items"],
            json!({ "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2 })
        );
        assert!(!doc.to_string().contains("prefixItems"));
    }

    #[test]
    fn every_reference_points_at_a_component() {
        fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                        out.push(r);
                    }
                    map.values().for_each(|v| refs(v, out));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc = document();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 50, "the document uses its components");
        for r in found {
            let pointer = r.strip_prefix('#').expect("a local reference");
            assert!(doc.pointer(pointer).is_some(), "{r} points nowhere");
        }
    }
}
