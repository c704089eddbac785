//! Small contract gaps an attack pass found: page numbers out of range, bodies over
//! their limit, `Retry-After` on 429, `Allow` on 405, sizes in binary units, and forms
//! that are not UTF-8. Each is refused with a coded reason and changes nothing.

use std::time::Duration;

use certcase::domain::access::Role;
use serde_json::{json, Value};

use crate::applications::applicant;
use crate::evidence::upload;
use crate::helpers::{csrf_in, spawn_app, spawn_app_with, TestApp};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn page_numbers_out_of_range_are_refused_instead_of_wrapping() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let (status, first) = sec.send("GET", "/api/v1/audit?page=1", None).await;
    assert_eq!(status, 200, "{first}");
    for page in ["9223372036854775807", "1000001", "0", "-1"] {
        let (status, problem) = sec
            .send("GET", &format!("/api/v1/audit?page={page}"), None)
            .await;
        assert_eq!(status, 400, "page {page}: {problem}");
        assert_eq!(problem["code"], "web.page_out_of_range", "{problem}");
        assert_eq!(problem["args"]["max"], 1_000_000);
    }
    let (status, last) = sec.send("GET", "/api/v1/audit?page=1000000", None).await;
    assert_eq!(status, 200, "{last}");
    assert_eq!(last["page"], 1_000_000);
    assert_eq!(last["entries"], json!([]));
    // The page and the export read the same parameter.
    let user = app.add_user("秘书处二", &[Role::Secretariat]).await;
    let browser = app.signed_in(&user).await;
    for path in ["/admin/audit", "/admin/audit.csv"] {
        let res = browser
            .get(app.url(&format!("{path}?page=9223372036854775807")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{path}");
    }
}

#[tokio::test]
async fn bodies_over_their_limit_answer_413_naming_the_limit() {
    let app = spawn_app().await;
    let big = "x".repeat(2 * MIB);
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("accept-language", "en")
        .json(&json!({"email": "a@example.org", "password": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "web.body_too_large", "{problem}");
    assert_eq!(problem["args"]["max"], "1 MiB");
    assert!(problem["detail"].as_str().unwrap().contains("1 MiB"));

    // A page form over its limit, its token in the header: 413 as well.
    let browser = crate::helpers::browser();
    let token = app.csrf_from(&browser, "/login").await;
    let res = browser
        .post(app.url("/login"))
        .headers(app.same_origin())
        .header("x-csrf-token", token)
        .form(&[
            ("email", "a@example.org"),
            ("password", &"x".repeat(300 * 1024)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn a_429_says_when_to_come_back() {
    let app = spawn_app().await;
    let get = |path: String| {
        let url = app.url(&path);
        async move {
            reqwest::Client::new()
                .get(url)
                .header("accept-language", "en")
                .send()
                .await
                .unwrap()
        }
    };
    for i in 0..certcase::routes::certificates::VERIFY_LIMIT {
        let res = get(format!("/api/v1/verify/2026-CD-{i:06}")).await;
        assert_eq!(res.status(), 200);
    }
    let res = get("/api/v1/verify/2026-CD-000001".into()).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "certificate.verify_too_often", "{problem}");
    assert_eq!(problem["args"]["seconds"], retry);
    // The page says it too.
    let res = get("/verify/2026-CD-000001".into()).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

async fn trace(app: &TestApp, path: &str) -> (u16, Option<String>, String) {
    let res = reqwest::Client::new()
        .request(reqwest::Method::TRACE, app.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let allow = res
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string());
    (res.status().as_u16(), allow, res.text().await.unwrap())
}

#[tokio::test]
async fn a_method_the_path_lacks_answers_405_with_allow() {
    let app = spawn_app().await;
    let (status, allow, body) = trace(&app, "/api/v1/verify/2026-CD-000001").await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(allow.as_deref(), Some("GET"));
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["title"], "Method not allowed");
    assert_eq!(problem["code"], "web.method_not_allowed");
    assert_eq!(problem["args"]["allowed"], "GET");

    let (status, allow, page) = trace(&app, "/login").await;
    assert_eq!(status, 405);
    let allow = allow.unwrap();
    let mut methods: Vec<&str> = allow.split(", ").collect();
    methods.sort_unstable();
    assert_eq!(methods, ["GET", "POST"]);
    assert!(page.contains("405"), "the error page");
    let res = reqwest::Client::new()
        .delete(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET");
}

#[tokio::test]
async fn archive_limits_are_shown_in_the_binary_units_they_are_set_in() {
    let app = spawn_app_with(|c| c.evidence.zip_max_uncompressed_bytes = MIB as u64).await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01UNT01").await;
    let zip = {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("a.txt", options).unwrap();
        w.write_all(&vec![b'a'; 3 * MIB / 2]).unwrap();
        w.finish().unwrap().into_inner()
    };
    let (status, problem) = upload(&member, &app_id, "CD-CM-01", "a.zip", zip, "压缩包").await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "evidence.zip_too_large");
    assert_eq!(problem["args"]["max"], "1 MiB");
    assert_eq!(problem["args"]["size"], "1.5 MiB");
}

#[tokio::test]
async fn a_page_form_that_is_not_utf8_is_refused_before_anything_is_stored() {
    let app = spawn_app().await;
    let user = app.add_user("秘书处", &[Role::Secretariat]).await;
    let browser = app.signed_in(&user).await;
    let organisations = || {
        app.conn(|c| {
            use certcase::db::schema::organisations::dsl::*;
            use diesel::prelude::*;
            organisations.select(name).load::<String>(c).unwrap()
        })
    };
    let before = organisations().await;
    let post = |body: String| {
        let browser = browser.clone();
        let url = app.url("/assessors/organisations");
        let origin = app.same_origin();
        async move {
            browser
                .post(url)
                .headers(origin)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let html = browser
        .get(app.url("/assessors"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&html);
    for name in ["%E6%B5%8B%FF%E8%AF%95", "%E6%B5"] {
        let res = post(format!("csrf_token={token}&name={name}&kind=external")).await;
        assert_eq!(res.status(), 400, "{name}");
    }
    let mut raw = format!("csrf_token={token}&kind=external&name=").into_bytes();
    raw.extend_from_slice(&[0xE6, 0xB5, 0xFF]);
    let res = browser
        .post(app.url("/assessors/organisations"))
        .headers(app.same_origin())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(raw)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(organisations().await, before, "nothing was stored");

    // The same form in UTF-8 is stored as sent.
    let res = post(format!(
        "csrf_token={token}&name=%E6%B5%8B%E8%AF%95%E6%9C%BA%E6%9E%84&kind=external"
    ))
    .await;
    assert_eq!(res.status(), 303);
    assert!(organisations().await.contains(&"测试机构".to_string()));
}
