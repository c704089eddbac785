use certcase::domain::access::Role;

use crate::helpers::{spawn_app, test_config, use_postgres};

#[tokio::test]
async fn healthz_reports_the_database_kind_and_migration() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(
        body["database"],
        if use_postgres() { "postgres" } else { "sqlite" }
    );
    assert_eq!(body["migration"], newest_migration().as_str());
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_unreachable() {
    let app = spawn_app().await;
    // The same server code, with a pool whose database has gone away.
    let dead_url = if use_postgres() {
        "postgres://postgres@127.0.0.1:1/gone".to_string()
    } else {
        "/nonexistent-dir/sub/certcase.db".to_string()
    };
    let manager = diesel::r2d2::ConnectionManager::<certcase::db::DbConn>::new(dead_url.clone());
    let pool = diesel::r2d2::Pool::builder()
        .connection_timeout(std::time::Duration::from_millis(500))
        .build_unchecked(manager);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = test_config(&app.data_dir, &dead_url, port);
    let state = certcase::startup::state(config, pool).unwrap();
    tokio::spawn(certcase::startup::run(listener, state, 1).unwrap());

    let res = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["migration"], serde_json::Value::Null);
}

#[tokio::test]
async fn api_errors_are_problem_json_with_the_request_id_and_no_internals() {
    let app = spawn_app().await;
    let user = app.add_user("王堃", &[Role::Assessor]).await;
    let token = app.api_token(&user).await;
    let client = reqwest::Client::new();

    for (res, status) in [
        (
            client
                .get(app.url("/api/v1/models/not-a-uuid"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
            404,
        ),
        (
            client
                .get(app.url(&format!("/api/v1/models/{}", uuid::Uuid::now_v7())))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
            404,
        ),
        (
            client
                .get(app.url("/api/v1/nothing-here"))
                .send()
                .await
                .unwrap(),
            404,
        ),
        (
            client
                .post(app.url("/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
            400,
        ),
        (
            client.get(app.url("/api/v1/models")).send().await.unwrap(),
            401,
        ),
    ] {
        assert_eq!(res.status(), status);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let header_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let body: serde_json::Value = res.json().await.unwrap();
        for key in [
            "type",
            "title",
            "status",
            "detail",
            "instance",
            "request_id",
        ] {
            assert!(body.get(key).is_some(), "problem lacks {key}: {body}");
        }
        assert_eq!(body["status"], status);
        assert_eq!(body["request_id"], header_id.as_str());
        let text = body.to_string().to_lowercase();
        for leak in ["select ", "diesel", "sqlite", "panicked", "src/"] {
            assert!(!text.contains(leak), "{leak} leaked: {text}");
        }
    }
}

#[tokio::test]
async fn page_errors_are_friendly_pages_with_the_request_id() {
    let app = spawn_app().await;
    let res = reqwest::Client::new()
        .get(app.url("/no/such/page"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let html = res.text().await.unwrap();
    assert!(html.contains("404 · Not found"));
    assert!(html.contains(&id));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/")).await.unwrap();
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_covers_every_api_route() {
    let app = spawn_app().await;
    let doc: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["info"]["title"].is_string());
    for e in certcase::routes::endpoints()
        .iter()
        .filter(|e| e.path.starts_with("/api/"))
    {
        let op = &doc["paths"][e.path][e.method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is missing from the OpenAPI document",
            e.method,
            e.path
        );
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{} {} has no responses",
            e.method,
            e.path
        );
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

#[tokio::test]
async fn refusals_the_api_sends_are_the_problems_its_document_describes() {
    let app = spawn_app().await;
    let doc: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let problem = &doc["components"]["schemas"]["Problem"];
    let properties = problem["properties"]
        .as_object()
        .expect("Problem properties");
    let enterprise = app.api_for("Wu Fang", Role::Enterprise).await;
    let unknown_round = format!("/api/v1/rounds/{}", uuid::Uuid::now_v7());

    // Signed out, a role that may not, an id that does not exist.
    for (token, method, path, status) in [
        ("", "GET", "/api/v1/me", 401),
        (enterprise.token.as_str(), "GET", "/api/v1/enterprises", 403),
        (
            enterprise.token.as_str(),
            "GET",
            unknown_round.as_str(),
            404,
        ),
    ] {
        let res = reqwest::Client::new()
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{method} {path}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        let body: serde_json::Value = res.json().await.unwrap();

        let template = if path == unknown_round {
            "/api/v1/rounds/{id}"
        } else {
            path
        };
        let documented =
            &doc["paths"][template][method.to_lowercase()]["responses"][status.to_string()];
        let documented = match documented["$ref"].as_str() {
            Some(r) => doc.pointer(&r.replacen('#', "", 1)).unwrap(),
            None => documented,
        };
        assert!(
            documented["content"][&content_type].is_object(),
            "{method} {path}: {status} as {content_type} is not documented"
        );
        let fields = body.as_object().unwrap();
        for required in problem["required"].as_array().unwrap() {
            assert!(
                fields.contains_key(required.as_str().unwrap()),
                "{required} missing: {body}"
            );
        }
        for (name, value) in fields {
            let declared = properties
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in the Problem schema"));
            let fits = match declared["type"].as_str().unwrap() {
                "string" => value.is_string(),
                "integer" => value.is_i64(),
                "object" => value.is_object(),
                other => panic!("unexpected type {other}"),
            };
            assert!(fits, "{name} = {value} is not a {}", declared["type"]);
        }
        assert_eq!(body["status"], status);
    }
}

/// The version diesel records for the newest migration folder: its date and number.
fn newest_migration() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    let newest = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .max()
        .unwrap();
    newest.split('_').next().unwrap().replace('-', "")
}
