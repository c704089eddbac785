//! A malformed id in a path names nothing: it answers exactly as an unknown id does (a 404
//! problem for the API, the 404 page otherwise), never a 400 or a 500.

use certcase::domain::access::Role;
use serde_json::Value;

use crate::helpers::spawn_app;

/// The parts of a problem that do not depend on the request (its id and path differ).
fn shape(body: &Value) -> Value {
    let mut keys: Vec<&String> = body.as_object().expect("a problem object").keys().collect();
    keys.sort();
    serde_json::json!({
        "keys": keys,
        "type": body["type"],
        "title": body["title"],
        "status": body["status"],
        "detail": body["detail"],
        "code": body["code"],
    })
}

#[tokio::test]
async fn api_answers_a_malformed_id_as_an_unknown_one() {
    let app = spawn_app().await;
    let secretariat = app.api_for("秘书处", Role::Secretariat).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    for template in [
        "/api/v1/applications/{}",
        "/api/v1/applications/{}/evidence",
        "/api/v1/applications/{}/scores",
        "/api/v1/applications/{}/clarifications",
        "/api/v1/rounds/{}",
    ] {
        let (status, body) = secretariat
            .send("GET", &template.replace("{}", &unknown), None)
            .await;
        assert_eq!(status, 404, "{template} with an unknown id");
        for malformed in ["not-a-uuid", "1", "00000000-0000-0000-0000"] {
            let path = template.replace("{}", malformed);
            let (m_status, m_body) = secretariat.send("GET", &path, None).await;
            assert_eq!(m_status, 404, "{path}");
            assert_eq!(shape(&m_body), shape(&body), "{path}");
        }
    }
}

#[tokio::test]
async fn nested_paths_and_writes_answer_a_malformed_id_as_an_unknown_one() {
    let app = spawn_app().await;
    let secretariat = app.api_for("秘书处", Role::Secretariat).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    let (status, body) = secretariat
        .send(
            "GET",
            &format!("/api/v1/applications/{unknown}/evidence/{unknown}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    for path in [
        format!("/api/v1/applications/not-a-uuid/evidence/{unknown}"),
        format!("/api/v1/applications/{unknown}/evidence/not-a-uuid"),
    ] {
        let (m_status, m_body) = secretariat.send("GET", &path, None).await;
        assert_eq!(m_status, 404, "{path}");
        assert_eq!(shape(&m_body), shape(&body), "{path}");
    }

    let conflict = serde_json::json!({ "with_id": unknown, "reason": "曾任顾问" });
    let (status, body) = secretariat
        .send(
            "POST",
            &format!("/api/v1/assessors/{unknown}/conflicts"),
            Some(conflict.clone()),
        )
        .await;
    assert_eq!(status, 404);
    let (m_status, m_body) = secretariat
        .send(
            "POST",
            "/api/v1/assessors/not-a-uuid/conflicts",
            Some(conflict),
        )
        .await;
    assert_eq!(m_status, 404);
    assert_eq!(shape(&m_body), shape(&body));

    let transition = serde_json::json!({ "action": "accept" });
    let (status, body) = secretariat
        .send(
            "POST",
            &format!("/api/v1/applications/{unknown}/transitions"),
            Some(transition.clone()),
        )
        .await;
    assert_eq!(status, 404);
    let (m_status, m_body) = secretariat
        .send(
            "POST",
            "/api/v1/applications/not-a-uuid/transitions",
            Some(transition),
        )
        .await;
    assert_eq!(m_status, 404);
    assert_eq!(shape(&m_body), shape(&body));
}

/// The page's title and heading, which name the error (the rest carries the request).
fn error_title(html: &str) -> &str {
    let start = html.find("<title>").expect("a title") + "<title>".len();
    let end = html[start..].find("</title>").expect("a closed title") + start;
    &html[start..end]
}

#[tokio::test]
async fn pages_answer_a_malformed_id_with_the_not_found_page() {
    let app = spawn_app().await;
    let user = app.add_user("秘书处", &[Role::Secretariat]).await;
    let browser = app.signed_in(&user).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    for template in [
        "/applications/{}",
        "/applications/{}/evidence/{}",
        "/rounds/{}",
    ] {
        let res = browser
            .get(app.url(&template.replace("{}", &unknown)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{template} with an unknown id");
        let unknown_page = res.text().await.unwrap();

        let path = template.replace("{}", "not-a-uuid");
        let res = browser.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        assert_eq!(
            error_title(&res.text().await.unwrap()),
            error_title(&unknown_page),
            "{path}"
        );
    }
}

#[tokio::test]
async fn self_assessments_answer_a_malformed_id_as_an_unknown_one() {
    let app = spawn_app().await;
    let enterprise = app.api_for("企业用户", Role::Enterprise).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    let (status, body) = enterprise
        .send("GET", &format!("/api/v1/self-assessments/{unknown}"), None)
        .await;
    assert_eq!(status, 404);
    let (m_status, m_body) = enterprise
        .send("GET", "/api/v1/self-assessments/not-a-uuid", None)
        .await;
    assert_eq!(m_status, 404);
    assert_eq!(shape(&m_body), shape(&body));
}

#[tokio::test]
async fn an_assessor_profile_for_a_malformed_user_id_is_refused_as_for_an_unknown_one() {
    let app = spawn_app().await;
    let secretariat = app.api_for("秘书处", Role::Secretariat).await;
    let profile = |user_id: &str| {
        serde_json::json!({
            "user_id": user_id,
            "organisation_id": uuid::Uuid::now_v7().to_string(),
            "certification_number": "A-1",
            "certification_expires_on": "2030-06-30",
            "parts": ["CD"],
            "languages": ["zh-CN"],
        })
    };

    let unknown = uuid::Uuid::now_v7().to_string();
    let (status, body) = secretariat
        .send("POST", "/api/v1/assessors", Some(profile(&unknown)))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "registry.person_unknown", "{body}");
    for malformed in ["not-a-uuid", "", "00000000-0000-0000-0000"] {
        let (m_status, m_body) = secretariat
            .send("POST", "/api/v1/assessors", Some(profile(malformed)))
            .await;
        assert_eq!(m_status, status, "{malformed:?}: {m_body}");
        assert_eq!(shape(&m_body), shape(&body), "{malformed:?}");
    }
}

#[tokio::test]
async fn a_report_of_a_malformed_round_answers_as_one_of_an_unknown_round() {
    let app = spawn_app().await;
    let secretariat = app.api_for("秘书处", Role::Secretariat).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    let (status, body) = secretariat
        .send("GET", &format!("/api/v1/reports?round={unknown}"), None)
        .await;
    assert_eq!(status, 404, "{body}");
    let (m_status, m_body) = secretariat
        .send("GET", "/api/v1/reports?round=not-a-uuid", None)
        .await;
    assert_eq!(m_status, 404);
    assert_eq!(shape(&m_body), shape(&body));
}
