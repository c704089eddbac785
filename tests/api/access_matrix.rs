//! Every route × every role. The table below is the expected policy, written out by
//! hand: a route added to the app without a row here fails `every_route_is_in_the_matrix`.

use std::collections::BTreeSet;

use certcase::domain::access::Role;

use crate::helpers::{browser, spawn_app, TestApp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Allow,
    Deny,
}
use Expect::{Allow as A, Deny as D};

/// (method, path, [anonymous, secretariat, enterprise, assessor, reviewer])
/// Destructive rows (sign-out, token revocation) come last so the others run signed in.
const MATRIX: &[(&str, &str, [Expect; 5])] = &[
    ("GET", "/", [A, A, A, A, A]),
    ("GET", "/healthz", [A, A, A, A, A]),
    // From this machine with no metrics token configured, as the tests run; a proxied
    // request or another host is refused (tests/api/operations.rs).
    ("GET", "/metrics", [A, A, A, A, A]),
    ("GET", "/assets/app.css", [A, A, A, A, A]),
    ("GET", "/login", [A, A, A, A, A]),
    ("POST", "/login", [A, A, A, A, A]),
    ("POST", "/lang", [A, A, A, A, A]),
    ("GET", "/models", [D, A, A, A, A]),
    ("GET", "/models/{id}", [D, A, A, A, A]),
    ("GET", "/admin/sign-ins", [D, A, D, D, D]),
    ("POST", "/api/v1/auth/login", [A, A, A, A, A]),
    ("GET", "/api/v1/me", [D, A, A, A, A]),
    ("GET", "/api/v1/tasks", [D, A, A, A, A]),
    ("GET", "/api/v1/models", [D, A, A, A, A]),
    ("GET", "/api/v1/models/{id}", [D, A, A, A, A]),
    ("POST", "/api/v1/models", [D, A, D, D, D]),
    ("GET", "/api/v1/openapi.json", [A, A, A, A, A]),
    ("GET", "/rounds", [D, A, A, A, A]),
    ("GET", "/rounds/{id}", [D, A, A, A, A]),
    ("GET", "/api/v1/rounds", [D, A, A, A, A]),
    ("POST", "/api/v1/rounds", [D, A, D, D, D]),
    ("GET", "/api/v1/rounds/{id}", [D, A, A, A, A]),
    // Round forms and publication; holiday calendars (features: rounds, calendars).
    ("GET", "/rounds/new", [D, A, D, D, D]),
    ("POST", "/rounds/new", [D, A, D, D, D]),
    ("GET", "/rounds/{id}/edit", [D, A, D, D, D]),
    ("POST", "/rounds/{id}/edit", [D, A, D, D, D]),
    ("POST", "/rounds/{id}/publish", [D, A, D, D, D]),
    ("PUT", "/api/v1/rounds/{id}", [D, A, D, D, D]),
    ("POST", "/api/v1/rounds/{id}/publish", [D, A, D, D, D]),
    ("GET", "/calendars", [D, A, A, A, A]),
    ("GET", "/calendars/{year}", [D, A, A, A, A]),
    ("POST", "/calendars/{year}", [D, A, D, D, D]),
    ("GET", "/api/v1/calendars", [D, A, A, A, A]),
    ("GET", "/api/v1/calendars/{year}", [D, A, A, A, A]),
    ("PUT", "/api/v1/calendars/{year}", [D, A, D, D, D]),
    ("POST", "/api/v1/enterprises", [D, D, A, D, D]),
    ("GET", "/api/v1/enterprises", [D, A, D, D, D]),
    ("GET", "/api/v1/enterprises/mine", [D, D, A, D, D]),
    ("POST", "/api/v1/enterprises/{id}/verify", [D, A, D, D, D]),
    ("POST", "/api/v1/rounds/{id}/applications", [D, D, A, D, D]),
    ("GET", "/api/v1/applications", [D, A, A, D, D]),
    ("GET", "/api/v1/applications/{id}", [D, A, A, D, D]),
    (
        "POST",
        "/api/v1/applications/{id}/transitions",
        [D, A, A, D, D],
    ),
    (
        "PUT",
        "/api/v1/applications/{id}/items/{item}/not-applicable",
        [D, D, A, D, D],
    ),
    // Panels, scoring and review (feature: panels).
    ("GET", "/assessors", [D, A, D, D, D]),
    ("POST", "/assessors", [D, A, D, D, D]),
    ("POST", "/assessors/organisations", [D, A, D, D, D]),
    ("POST", "/assessors/conflicts", [D, A, D, D, D]),
    ("GET", "/rounds/{id}/assignment", [D, A, D, D, D]),
    ("GET", "/assessor/applications", [D, D, D, A, D]),
    ("GET", "/applications/{id}/assessment", [D, A, A, A, A]),
    ("POST", "/rounds/{id}/assignment", [D, A, D, D, D]),
    ("POST", "/applications/{id}/scores/{item}", [D, D, D, A, D]),
    ("POST", "/applications/{id}/consolidation", [D, D, D, A, D]),
    ("POST", "/applications/{id}/send-to-review", [D, D, D, A, D]),
    ("POST", "/applications/{id}/votes", [D, D, D, D, A]),
    ("GET", "/applications/{id}/review", [D, A, D, D, A]),
    ("GET", "/reviewer/applications", [D, D, D, D, A]),
    ("POST", "/applications/{id}/clarifications", [D, D, D, A, D]),
    (
        "POST",
        "/applications/{id}/clarification-answers",
        [D, D, A, D, D],
    ),
    ("GET", "/api/v1/organisations", [D, A, D, D, D]),
    ("POST", "/api/v1/organisations", [D, A, D, D, D]),
    ("GET", "/api/v1/assessors", [D, A, D, D, D]),
    ("POST", "/api/v1/assessors", [D, A, D, D, D]),
    ("POST", "/api/v1/assessors/{id}/conflicts", [D, A, D, D, D]),
    ("POST", "/api/v1/assessors/{id}/employment", [D, A, D, D, D]),
    (
        "PUT",
        "/api/v1/applications/{id}/preference",
        [D, D, D, A, D],
    ),
    ("PUT", "/api/v1/applications/{id}/panel", [D, A, D, D, D]),
    (
        "POST",
        "/api/v1/rounds/{id}/panel-proposal",
        [D, A, D, D, D],
    ),
    ("POST", "/api/v1/rounds/{id}/panels", [D, A, D, D, D]),
    ("GET", "/api/v1/assessor/applications", [D, D, D, A, D]),
    ("GET", "/api/v1/applications/{id}/scores", [D, A, A, A, A]),
    (
        "PUT",
        "/api/v1/applications/{id}/scores/{item}",
        [D, D, D, A, D],
    ),
    (
        "POST",
        "/api/v1/applications/{id}/scores/{item}/reopen",
        [D, D, D, A, D],
    ),
    (
        "GET",
        "/api/v1/applications/{id}/clarifications",
        [D, A, A, A, A],
    ),
    (
        "POST",
        "/api/v1/applications/{id}/clarifications",
        [D, D, D, A, D],
    ),
    (
        "POST",
        "/api/v1/applications/{id}/clarification-answers",
        [D, D, A, D, D],
    ),
    (
        "POST",
        "/api/v1/applications/{id}/consolidation",
        [D, D, D, A, D],
    ),
    (
        "POST",
        "/api/v1/applications/{id}/send-to-review",
        [D, D, D, A, D],
    ),
    ("POST", "/api/v1/rounds/{id}/review-panel", [D, A, D, D, D]),
    ("POST", "/api/v1/applications/{id}/votes", [D, D, D, D, A]),
    // mail/audit feature
    ("GET", "/admin/audit", [D, A, D, D, D]),
    ("GET", "/admin/audit.csv", [D, A, D, D, D]),
    ("GET", "/api/v1/audit", [D, A, D, D, D]),
    ("GET", "/admin/outbox", [D, A, D, D, D]),
    ("GET", "/api/v1/outbox", [D, A, D, D, D]),
    ("GET", "/inbox", [D, A, A, A, A]),
    ("GET", "/api/v1/notifications", [D, A, A, A, A]),
    ("GET", "/password/forgot", [A, A, A, A, A]),
    ("POST", "/password/forgot", [A, A, A, A, A]),
    ("GET", "/password/reset/{token}", [A, A, A, A, A]),
    ("POST", "/password/reset/{token}", [A, A, A, A, A]),
    (
        "POST",
        "/api/v1/enterprises/mine/invitations",
        [D, D, A, D, D],
    ),
    ("GET", "/enterprise/invitations", [D, D, A, D, D]),
    ("POST", "/enterprise/invitations", [D, D, A, D, D]),
    ("GET", "/invitations/{token}", [A, A, A, A, A]),
    ("POST", "/invitations/{token}", [A, A, A, A, A]),
    // Self-assessment and programme reports.
    ("GET", "/self-assessments", [D, D, A, D, D]),
    ("POST", "/self-assessments", [D, D, A, D, D]),
    ("GET", "/self-assessments/{id}", [D, D, A, D, D]),
    (
        "GET",
        "/self-assessments/{id}/areas/{area}",
        [D, D, A, D, D],
    ),
    (
        "POST",
        "/self-assessments/{id}/areas/{area}",
        [D, D, A, D, D],
    ),
    ("POST", "/self-assessments/{id}/complete", [D, D, A, D, D]),
    ("POST", "/self-assessments/{id}/targets", [D, D, A, D, D]),
    ("POST", "/self-assessments/{id}/roadmap", [D, D, A, D, D]),
    ("GET", "/self-assessments/{id}/roadmap.csv", [D, D, A, D, D]),
    ("GET", "/self-assessments/{id}/roadmap.pdf", [D, D, A, D, D]),
    ("POST", "/self-assessments/{id}/apply", [D, D, A, D, D]),
    ("GET", "/api/v1/self-assessments", [D, D, A, D, D]),
    ("POST", "/api/v1/self-assessments", [D, D, A, D, D]),
    ("GET", "/api/v1/self-assessments/{id}", [D, D, A, D, D]),
    (
        "PUT",
        "/api/v1/self-assessments/{id}/answers",
        [D, D, A, D, D],
    ),
    (
        "POST",
        "/api/v1/self-assessments/{id}/complete",
        [D, D, A, D, D],
    ),
    (
        "PUT",
        "/api/v1/self-assessments/{id}/targets",
        [D, D, A, D, D],
    ),
    (
        "PUT",
        "/api/v1/self-assessments/{id}/roadmap",
        [D, D, A, D, D],
    ),
    ("GET", "/reports", [D, A, D, D, D]),
    ("GET", "/reports/export.csv", [D, A, D, D, D]),
    ("GET", "/reports/export.xlsx", [D, A, D, D, D]),
    ("GET", "/api/v1/reports", [D, A, D, D, D]),
    // Evidence, enterprise and application pages
    (
        "POST",
        "/api/v1/applications/{id}/items/{item}/evidence",
        [D, D, A, D, D],
    ),
    ("GET", "/api/v1/applications/{id}/evidence", [D, A, A, A, A]),
    (
        "GET",
        "/api/v1/applications/{id}/evidence/{file}",
        [D, A, A, A, A],
    ),
    (
        "DELETE",
        "/api/v1/applications/{id}/evidence/{file}",
        [D, D, A, D, D],
    ),
    ("GET", "/enterprise", [D, D, A, D, D]),
    ("POST", "/enterprise", [D, D, A, D, D]),
    ("GET", "/applications", [D, A, A, D, D]),
    ("POST", "/rounds/{id}/applications", [D, D, A, D, D]),
    ("GET", "/applications/{id}", [D, A, A, D, D]),
    (
        "POST",
        "/applications/{id}/items/{item}/evidence",
        [D, D, A, D, D],
    ),
    (
        "POST",
        "/applications/{id}/items/{item}/not-applicable",
        [D, D, A, D, D],
    ),
    ("POST", "/applications/{id}/submit", [D, D, A, D, D]),
    // The secretariat's queues and the application's actions in the browser.
    ("GET", "/enterprises", [D, A, D, D, D]),
    ("POST", "/enterprises/{id}/verify", [D, A, D, D, D]),
    ("POST", "/applications/{id}/accept", [D, A, D, D, D]),
    ("POST", "/applications/{id}/reject", [D, A, D, D, D]),
    ("GET", "/applications/{id}/panel", [D, A, D, D, D]),
    ("POST", "/applications/{id}/panel", [D, A, D, D, D]),
    ("POST", "/applications/{id}/certificate", [D, A, D, D, D]),
    ("POST", "/assessors/employment", [D, A, D, D, D]),
    ("GET", "/applications/{id}/evidence/{file}", [D, A, A, A, A]),
    (
        "POST",
        "/applications/{id}/evidence/{file}/delete",
        [D, D, A, D, D],
    ),
    // Certificates (feature: certs).
    (
        "POST",
        "/api/v1/applications/{id}/certificate",
        [D, A, D, D, D],
    ),
    ("POST", "/api/v1/rounds/{id}/certificates", [D, A, D, D, D]),
    ("POST", "/rounds/{id}/certificates", [D, A, D, D, D]),
    (
        "POST",
        "/api/v1/certificates/{number}/revoke",
        [D, A, D, D, D],
    ),
    // Certificate decisions (lifecycle17).
    (
        "POST",
        "/api/v1/certificates/{number}/withdraw",
        [D, A, D, D, D],
    ),
    (
        "POST",
        "/api/v1/certificates/{number}/suspend",
        [D, A, D, D, D],
    ),
    (
        "POST",
        "/api/v1/certificates/{number}/reinstate",
        [D, A, D, D, D],
    ),
    (
        "POST",
        "/api/v1/certificates/{number}/reduce-scope",
        [D, A, D, D, D],
    ),
    // withdraw (or revoke), suspend, reinstate, reduce-scope: one handler.
    ("POST", "/certificates/{number}/{decision}", [D, A, D, D, D]),
    ("GET", "/certificates/{number}.pdf", [D, A, A, D, D]),
    ("GET", "/.well-known/certcase-keys.json", [A, A, A, A, A]),
    // W3C Verifiable Credentials: public, like /verify (an unknown number is a 404,
    // which the matrix counts as allowed).
    ("GET", "/certificates/{number}.json", [A, A, A, A, A]),
    (
        "GET",
        "/credentials/status/{purpose}/{list}",
        [A, A, A, A, A],
    ),
    ("GET", "/issuer", [A, A, A, A, A]),
    ("GET", "/.well-known/did.json", [A, A, A, A, A]),
    ("GET", "/directory", [A, A, A, A, A]),
    ("GET", "/api/v1/directory", [A, A, A, A, A]),
    ("GET", "/verify", [A, A, A, A, A]),
    ("POST", "/verify", [A, A, A, A, A]),
    ("GET", "/verify/{number}", [A, A, A, A, A]),
    ("GET", "/api/v1/verify/{number}", [A, A, A, A, A]),
    ("POST", "/api/v1/verify", [A, A, A, A, A]),
    // Enterprise groups; the review panel's form on the round page.
    ("GET", "/api/v1/enterprise-groups", [D, A, D, D, D]),
    ("POST", "/api/v1/enterprise-groups", [D, A, D, D, D]),
    ("PUT", "/api/v1/enterprises/{id}/group", [D, A, D, D, D]),
    ("DELETE", "/api/v1/enterprises/{id}/group", [D, A, D, D, D]),
    ("POST", "/assessors/groups", [D, A, D, D, D]),
    ("POST", "/assessors/groups/members", [D, A, D, D, D]),
    (
        "POST",
        "/assessors/groups/members/{id}/remove",
        [D, A, D, D, D],
    ),
    ("POST", "/rounds/{id}/review-panel", [D, A, D, D, D]),
    // Appeals: parties see what is theirs (the use case decides); panels are drawn from
    // assessors and review members.
    ("POST", "/api/v1/applications/{id}/appeals", [D, D, A, D, D]),
    ("GET", "/api/v1/appeals", [D, A, A, A, A]),
    ("GET", "/api/v1/appeals/{id}", [D, A, A, A, A]),
    ("GET", "/api/v1/appeals/{id}/candidates", [D, A, D, D, D]),
    ("PUT", "/api/v1/appeals/{id}/panel", [D, A, D, D, D]),
    ("POST", "/api/v1/appeals/{id}/decision", [D, D, D, A, A]),
    ("POST", "/api/v1/appeals/{id}/withdrawal", [D, D, A, D, D]),
    ("POST", "/api/v1/appeals/{id}/follow-up", [D, A, D, D, D]),
    ("GET", "/appeals", [D, A, A, A, A]),
    ("GET", "/appeals/{id}", [D, A, A, A, A]),
    ("GET", "/applications/{id}/appeals/new", [D, D, A, D, D]),
    ("POST", "/applications/{id}/appeals", [D, D, A, D, D]),
    ("POST", "/appeals/{id}/panel", [D, A, D, D, D]),
    ("POST", "/appeals/{id}/decision", [D, D, D, A, A]),
    ("POST", "/appeals/{id}/withdrawal", [D, D, A, D, D]),
    ("POST", "/appeals/{id}/follow-up", [D, A, D, D, D]),
    // Appeal attachments: the enterprise attaches; every party downloads.
    ("POST", "/api/v1/appeals/{id}/attachments", [D, D, A, D, D]),
    ("GET", "/api/v1/appeals/{id}/attachments", [D, A, A, A, A]),
    ("POST", "/appeals/{id}/attachments", [D, D, A, D, D]),
    (
        "GET",
        "/appeals/{id}/attachments/{attachment}",
        [D, A, A, A, A],
    ),
    // Complaints: filed and followed by anyone; handled by the secretariat.
    ("POST", "/api/v1/complaints", [A, A, A, A, A]),
    ("POST", "/api/v1/complaints/confirmation", [A, A, A, A, A]),
    ("GET", "/api/v1/complaints/track/{token}", [A, A, A, A, A]),
    ("GET", "/api/v1/complaints", [D, A, D, D, D]),
    ("GET", "/api/v1/complaints/{id}", [D, A, D, D, D]),
    ("POST", "/api/v1/complaints/{id}/triage", [D, A, D, D, D]),
    ("POST", "/api/v1/complaints/{id}/notes", [D, A, D, D, D]),
    (
        "POST",
        "/api/v1/complaints/{id}/surveillance",
        [D, A, D, D, D],
    ),
    ("POST", "/api/v1/complaints/{id}/answer", [D, A, D, D, D]),
    ("GET", "/complaints/new", [A, A, A, A, A]),
    ("POST", "/complaints/new", [A, A, A, A, A]),
    ("GET", "/complaints/confirm/{token}", [A, A, A, A, A]),
    ("POST", "/complaints/confirm/{token}", [A, A, A, A, A]),
    ("GET", "/complaints/track/{token}", [A, A, A, A, A]),
    ("GET", "/complaints", [D, A, D, D, D]),
    ("GET", "/complaints/{id}", [D, A, D, D, D]),
    ("POST", "/complaints/{id}", [D, A, D, D, D]),
    // Surveillance of certificates in force.
    (
        "POST",
        "/api/v1/certificates/{number}/surveillances",
        [D, A, D, D, D],
    ),
    ("GET", "/api/v1/surveillances", [D, A, A, A, D]),
    ("GET", "/api/v1/surveillances/{id}", [D, A, A, A, D]),
    (
        "PUT",
        "/api/v1/surveillances/{id}/assessors",
        [D, A, D, D, D],
    ),
    (
        "PUT",
        "/api/v1/surveillances/{id}/scores/{item}",
        [D, D, D, A, D],
    ),
    (
        "POST",
        "/api/v1/surveillances/{id}/conclusion",
        [D, A, D, D, D],
    ),
    ("GET", "/surveillances", [D, A, A, A, D]),
    ("POST", "/surveillances", [D, A, D, D, D]),
    ("GET", "/surveillances/new", [D, A, D, D, D]),
    ("GET", "/surveillances/{id}", [D, A, A, A, D]),
    ("POST", "/surveillances/{id}", [D, A, D, A, D]),
    ("DELETE", "/api/v1/auth/token", [D, A, A, A, A]),
    ("POST", "/logout", [D, A, A, A, A]),
];

#[test]
fn every_route_is_in_the_matrix() {
    let app_routes: BTreeSet<(String, String)> = certcase::routes::endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    let matrix: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = app_routes.difference(&matrix).collect();
    let stale: Vec<_> = matrix.difference(&app_routes).collect();
    assert!(
        missing.is_empty(),
        "routes without an expected access row: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );
}

struct Caller {
    label: &'static str,
    browser: reqwest::Client,
    token: Option<String>,
}

async fn caller(app: &TestApp, label: &'static str, role: Option<Role>) -> Caller {
    match role {
        None => Caller {
            label,
            browser: browser(),
            token: None,
        },
        Some(role) => {
            let user = app.add_user(label, &[role]).await;
            Caller {
                label,
                browser: app.signed_in(&user).await,
                token: Some(app.api_token(&user).await),
            }
        }
    }
}

async fn call(app: &TestApp, who: &Caller, method: &str, path: &str) -> reqwest::StatusCode {
    let api = path.starts_with("/api/");
    let client = if api {
        reqwest::Client::new()
    } else {
        who.browser.clone()
    };
    let mut req = client.request(method.parse().unwrap(), app.url(path));
    if api {
        if let Some(t) = &who.token {
            req = req.bearer_auth(t);
        }
        if method == "POST" || method == "PUT" {
            req = req.header("content-type", "application/json").body("{}");
        }
    } else if method == "POST" {
        let token = app.csrf_from(&who.browser, "/").await;
        req = req
            .headers(app.same_origin())
            .form(&[("csrf_token", token.as_str()), ("lang", "en")]);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn each_role_reaches_exactly_the_routes_the_policy_grants() {
    let app = spawn_app().await;
    let callers = [
        caller(&app, "anonymous", None).await,
        caller(&app, "secretariat", Some(Role::Secretariat)).await,
        caller(&app, "enterprise", Some(Role::Enterprise)).await,
        caller(&app, "assessor", Some(Role::Assessor)).await,
        caller(&app, "reviewer", Some(Role::Reviewer)).await,
    ];
    let version_id: String = app
        .conn(|c| {
            certcase::db::models::catalog::list_versions(c).unwrap()[0]
                .id
                .to_string()
        })
        .await;
    let round_id: String = app
        .conn(|c| {
            certcase::workflow::demo::seed(c).unwrap();
            certcase::db::models::rounds::list(c).unwrap()[0]
                .id
                .to_string()
        })
        .await;

    let mut wrong = Vec::new();
    for (method, pattern, expected) in MATRIX {
        // Ids that exist where the route needs one: rounds and applications come from the
        // demo round; others use the model version id (a 404 still counts as allowed).
        let id = if pattern.contains("/rounds/{id}") {
            &round_id
        } else {
            &version_id
        };
        let path = pattern
            .replace("{id}", id)
            .replace("{year}", "2026")
            .replace("{item}", "CD-CM-01")
            .replace("{area}", "0")
            .replace("{file}", &version_id)
            // Certificates (feature: certs).
            .replace("{number}", "2026-CD-000001");
        for (who, expect) in callers.iter().zip(expected) {
            let status = call(&app, who, method, &path).await;
            let denied = status == 401
                || status == 403
                || (status == 303
                    && who.token.is_none()
                    && !path.starts_with("/api/")
                    && *expect == D);
            let got = if denied { D } else { A };
            if got != *expect || status.is_server_error() {
                wrong.push(format!(
                    "{method} {path} as {}: expected {expect:?}, got {status}",
                    who.label
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "access matrix mismatches:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn a_signed_in_denial_is_403_and_anonymous_is_401_or_a_redirect_to_login() {
    let app = spawn_app().await;
    let enterprise = caller(&app, "enterprise", Some(Role::Enterprise)).await;
    assert_eq!(call(&app, &enterprise, "GET", "/admin/sign-ins").await, 403);
    assert_eq!(call(&app, &enterprise, "POST", "/api/v1/models").await, 403);
    let anonymous = caller(&app, "anonymous", None).await;
    assert_eq!(call(&app, &anonymous, "GET", "/api/v1/models").await, 401);
    let res = anonymous
        .browser
        .get(app.url("/admin/sign-ins"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fadmin%2Fsign-ins");
}

#[tokio::test]
async fn a_session_cookie_does_not_authorise_the_api_nor_a_token_the_pages() {
    let app = spawn_app().await;
    let user = app.add_user("秘书处", &[Role::Secretariat]).await;
    let browser = app.signed_in(&user).await;
    assert_eq!(
        browser
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let token = app.api_token(&user).await;
    let page = crate::helpers::browser()
        .get(app.url("/models"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
}
