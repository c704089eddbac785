//! An application's existence is not disclosed to people who are no party to it: an
//! assessor not on its panel (or a reviewer not on the round's review panel) gets, on
//! every application-scoped route they can reach, the same 404 as for an id that names
//! nothing, as another enterprise does.

use certcase::domain::access::Role;
use serde_json::json;

use crate::helpers::TestApp;
use crate::panels::{person, world, Client};
use crate::scoring::assessed;

/// Status and body of an API call, with the parts that differ between any two requests
/// (the request id, the id in the path) replaced.
async fn api_answer(
    app: &TestApp,
    who: &Client<'_>,
    method: &str,
    path: &str,
    id: &str,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), app.url(&path.replace("{id}", id)))
        .bearer_auth(&who.token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    normalised(req.send().await.unwrap(), id).await
}

async fn normalised(res: reqwest::Response, id: &str) -> (u16, String) {
    let status = res.status().as_u16();
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let body = res.text().await.unwrap();
    (
        status,
        body.replace(&request_id, "{request_id}")
            .replace(id, "{id}"),
    )
}

#[tokio::test]
async fn outsiders_get_the_same_404_for_an_existing_application_as_for_none() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let item = a.items[0].clone();
    let file = uuid::Uuid::new_v4().to_string();
    let outsider = w.assessor("局外人", true, &["CD"], "2099-01-01").await;
    let reviewer = person(&app, "评审局外人", &[Role::Reviewer]).await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(7))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();

    let api = [
        (
            &outsider,
            "GET",
            "/api/v1/applications/{id}/scores".to_string(),
            None,
        ),
        (
            &outsider,
            "PUT",
            format!("/api/v1/applications/{{id}}/scores/{item}"),
            Some(json!({"level": 1})),
        ),
        (
            &outsider,
            "POST",
            format!("/api/v1/applications/{{id}}/scores/{item}/reopen"),
            Some(json!({"assessor_id": a.b.id})),
        ),
        (
            &outsider,
            "GET",
            "/api/v1/applications/{id}/clarifications".into(),
            None,
        ),
        (
            &outsider,
            "POST",
            "/api/v1/applications/{id}/clarifications".into(),
            Some(json!({"items": [item], "message": "请补充", "deadline": deadline})),
        ),
        (
            &outsider,
            "POST",
            "/api/v1/applications/{id}/consolidation".into(),
            Some(json!({"items": []})),
        ),
        (
            &outsider,
            "POST",
            "/api/v1/applications/{id}/send-to-review".into(),
            None,
        ),
        (
            &outsider,
            "GET",
            "/api/v1/applications/{id}/evidence".into(),
            None,
        ),
        (
            &outsider,
            "GET",
            format!("/api/v1/applications/{{id}}/evidence/{file}"),
            None,
        ),
        (
            &reviewer,
            "POST",
            "/api/v1/applications/{id}/votes".into(),
            Some(json!({"approve": true})),
        ),
    ];
    for (who, method, path, body) in api {
        let existing = api_answer(&app, who, method, &path, &a.application, body.clone()).await;
        let missing = api_answer(&app, who, method, &path, &unknown, body).await;
        assert_eq!(existing.0, 404, "{method} {path}: {}", existing.1);
        assert_eq!(existing, missing, "{method} {path}");
    }

    // The pages and their forms, signed in.
    let outsider_browser = app.signed_in(&outsider.login).await;
    let reviewer_browser = app.signed_in(&reviewer.login).await;
    for (browser, path) in [
        (
            &outsider_browser,
            "/applications/{id}/assessment".to_string(),
        ),
        (
            &outsider_browser,
            format!("/applications/{{id}}/evidence/{file}"),
        ),
    ] {
        let mut answers = Vec::new();
        for id in [&a.application, &unknown] {
            let res = browser
                .get(app.url(&path.replace("{id}", id)))
                .send()
                .await
                .unwrap();
            answers.push(normalised(res, id).await);
        }
        assert_eq!(answers[0].0, 404, "GET {path}");
        assert_eq!(answers[0], answers[1], "GET {path}");
    }
    for (browser, path, fields) in [
        (
            &outsider_browser,
            format!("/applications/{{id}}/scores/{item}"),
            vec![("level", "1"), ("action", "submit")],
        ),
        (
            &outsider_browser,
            "/applications/{id}/consolidation".to_string(),
            vec![],
        ),
        (
            &outsider_browser,
            "/applications/{id}/send-to-review".to_string(),
            vec![],
        ),
        (
            &reviewer_browser,
            "/applications/{id}/votes".to_string(),
            vec![("vote", "approve")],
        ),
    ] {
        let mut answers = Vec::new();
        for id in [&a.application, &unknown] {
            let res = app
                .submit_form(browser, "/", &path.replace("{id}", id), &fields)
                .await;
            answers.push(normalised(res, id).await);
        }
        assert_eq!(answers[0].0, 404, "POST {path}: {}", answers[0].1);
        assert_eq!(answers[0], answers[1], "POST {path}");
    }
}
