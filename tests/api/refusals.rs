//! A refusal reaches each reader in their language: problem+json follows
//! `Accept-Language` (Chinese when it names neither language) and carries the stable code
//! and its arguments; a page follows the visitor's language.

use certcase::domain::access::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn create_group(app: &TestApp, token: &str, language: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url("/api/v1/enterprise-groups"))
        .bearer_auth(token)
        .json(&json!({"name_zh": "甲集团", "name_en": "Jia Group"}));
    if let Some(language) = language {
        req = req.header("accept-language", language);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn an_api_refusal_has_a_code_and_speaks_the_callers_language() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let (status, _) = create_group(&app, &sec.token, None).await;
    assert_eq!(status, 201);

    for language in [None, Some("zh-CN,zh;q=0.9"), Some("fr, zh-TW;q=0.5")] {
        let (status, problem) = create_group(&app, &sec.token, language).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["code"], "group.exists");
        assert_eq!(problem["args"], json!({"name": "甲集团"}));
        assert_eq!(problem["title"], "冲突", "{problem}");
        assert_eq!(problem["detail"], "名为 甲集团 的集团已存在", "{problem}");
        assert_eq!(problem["instance"], "/api/v1/enterprise-groups");
    }

    let (_, problem) = create_group(&app, &sec.token, Some("en-GB")).await;
    assert_eq!(problem["code"], "group.exists");
    assert_eq!(problem["title"], "Conflict");
    assert_eq!(problem["detail"], "a group named 甲集团 already exists");
}

#[tokio::test]
async fn a_routes_own_refusal_is_coded_too() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let path = "/api/v1/audit?from=yesterday";

    let (status, problem) = app.call_api(&sec.token, None, "GET", path, None).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "audit.not_a_date");
    assert_eq!(
        problem["args"],
        json!({"field": "from", "value": "yesterday"})
    );
    assert_eq!(
        problem["detail"],
        "from：“yesterday”不是日期（格式如 2026-11-26）"
    );

    let (_, problem) = app
        .call_api(&sec.token, Some("en"), "GET", path, None)
        .await;
    assert_eq!(
        problem["detail"],
        "from: 'yesterday' is not a date such as 2026-11-26"
    );
}

/// Registers an enterprise with a credit code that is too short; the form comes back.
async fn register_short_code(app: &TestApp, browser: &reqwest::Client) -> String {
    let res = app
        .submit_form(
            browser,
            "/enterprise",
            "/enterprise",
            &[
                ("name_zh", "张喆科技"),
                ("credit_code", "91110108MA01ABF1"),
                ("address", "北京市"),
                ("contact_name", "王堃"),
                ("contact_email", "wk@example.cn"),
                ("contact_phone", "010-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_refusal_on_a_page_is_in_the_visitors_language() {
    let app = spawn_app().await;
    let user = app.add_user("王堃", &[Role::Enterprise]).await;
    let zh = register_short_code(&app, &app.signed_in(&user).await).await;
    assert!(
        zh.contains("统一社会信用代码：“91110108MA01ABF1”有 16 个字符；统一社会信用代码应为 18 位"),
        "{zh}"
    );

    let user = app.add_user("Anna Müller", &[Role::Enterprise]).await;
    let mut english = reqwest::header::HeaderMap::new();
    english.insert("accept-language", "en".parse().unwrap());
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(english)
        .build()
        .unwrap();
    let res = app.login_form(&browser, &user.email, &user.password).await;
    assert_eq!(res.status(), 303);
    let en = register_short_code(&app, &browser).await;
    assert!(
        en.contains(
            "credit code: &#x27;91110108MA01ABF1&#x27; has 16 characters; a credit code has 18"
        ),
        "{en}"
    );
}

#[tokio::test]
async fn the_error_page_says_why_in_the_visitors_language() {
    let app = spawn_app().await;
    let browser = reqwest::Client::new();
    // A form from another site is refused by the CSRF guard before any handler runs.
    let res = browser
        .post(app.url("/login"))
        .form(&[("email", "a@example.test"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("403 · 无权访问"), "{html}");
    assert!(html.contains("表单来自其他网站"), "{html}");
}

/// Posts a raw body to the sign-in API, which reads `{"email", "password"}`.
async fn post_raw(app: &TestApp, body: Vec<u8>, language: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .header("accept-language", language)
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn an_unreadable_json_body_is_explained_in_the_callers_language_with_its_position() {
    let app = spawn_app().await;

    let (status, problem) = post_raw(&app, br#"{"email": }"#.to_vec(), "zh-CN").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "web.json_syntax");
    assert_eq!(problem["args"], json!({"line": 1, "column": 11}));
    assert_eq!(
        problem["detail"],
        "请求体不是有效的 JSON（第 1 行第 11 列）。"
    );
    let (_, problem) = post_raw(&app, br#"{"email": }"#.to_vec(), "en").await;
    assert_eq!(
        problem["detail"],
        "The body is not valid JSON (line 1, column 11)."
    );

    let (status, problem) = post_raw(&app, br#"{"email": "a@b.test"}"#.to_vec(), "en").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "web.json_field_missing");
    assert_eq!(
        problem["detail"],
        "The field 'password' is missing from the JSON body."
    );

    let (status, problem) =
        post_raw(&app, br#"{"email": 7, "password": "x"}"#.to_vec(), "en").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["code"], "web.json_value_invalid");
    assert_eq!(problem["args"], json!({"line": 1, "column": 11}));
}
