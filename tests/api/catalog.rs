use certcase::db::models::{catalog as store, rounds};
use certcase::domain::access::Role;
use certcase::domain::catalog::Bilingual;
use certcase::workflow::catalog::BUILT_IN;

use crate::helpers::{spawn_app, TestApp};

async fn secretariat_token(app: &TestApp) -> String {
    let user = app.add_user("秘书处", &[Role::Secretariat]).await;
    app.api_token(&user).await
}

async fn load(app: &TestApp, token: &str, name: &str, body: String) -> reqwest::Response {
    // Most refusals below are read in English; the default is Chinese.
    load_in(app, token, name, body, "en").await
}

async fn load_in(
    app: &TestApp,
    token: &str,
    name: &str,
    body: String,
    language: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/api/v1/models?name={name}")))
        .bearer_auth(token)
        .header("content-type", "application/toml")
        .header("accept-language", language)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn version_count(app: &TestApp) -> usize {
    app.conn(|c| store::list_versions(c).unwrap().len()).await
}

#[tokio::test]
async fn the_built_in_catalog_is_loaded_at_start_and_browsable() {
    let app = spawn_app().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let token = app.api_token(&user).await;
    let list: Vec<serde_json::Value> = reqwest::Client::new()
        .get(app.url("/api/v1/models"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    let caict = list
        .iter()
        .find(|v| v["name_en"] == "DevOps Capability Maturity Model")
        .unwrap();
    let (_, detail) = app
        .call_api(
            &token,
            None,
            "GET",
            &format!("/api/v1/models/{}", caict["id"].as_str().unwrap()),
            None,
        )
        .await;
    let parts: Vec<_> = detail["model"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["CD", "TO", "SEC", "TOOL"]);
    assert_eq!(
        detail["model"]["parts"][0]["domains"]
            .as_array()
            .unwrap()
            .len(),
        7
    );

    let page = app
        .signed_in(&user)
        .await
        .get(app.url(&format!("/models/{}", caict["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("配置管理"), "zh domain names by default");
    assert!(html.contains("示意内容"), "illustrative notice shown");
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_file_line_and_reason_and_loads_nothing() {
    let app = spawn_app().await;
    let token = secretariat_token(&app).await;
    let before = version_count(&app).await;
    let broken = BUILT_IN[0]
        .1
        .replacen("code = \"CD-CM-02\"", "code = \"CD-CM-01\"", 1);
    let res = load(&app, &token, "caict-devops.toml", broken).await;
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.starts_with("caict-devops.toml, line "), "{detail}");
    assert!(detail.contains("code “CD-CM-01” is used twice"), "{detail}");
    assert_eq!(version_count(&app).await, before);

    let res = load(&app, &token, "x.toml", "[model]\ncode = ".into()).await;
    assert_eq!(res.status(), 422);
    assert_eq!(version_count(&app).await, before);
}

#[tokio::test]
async fn a_chinese_reader_is_told_what_is_wrong_with_a_model_file_in_chinese() {
    let app = spawn_app().await;
    let token = secretariat_token(&app).await;
    let before = version_count(&app).await;
    let broken = BUILT_IN[0]
        .1
        .replacen("code = \"CD-CM-02\"", "code = \"CD-CM-01\"", 1);
    let needle = "code = \"CD-CM-01\"";
    let first = broken.find(needle).unwrap();
    let second = first + 1 + broken[first + 1..].find(needle).unwrap();
    let line = broken[..second].matches('\n').count() + 1;
    let res = load_in(&app, &token, "caict-devops.toml", broken, "zh-CN").await;
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        problem["code"], "catalog.model_file_invalid_at_line",
        "{problem}"
    );
    assert_eq!(problem["args"]["file"], "caict-devops.toml");
    assert_eq!(problem["args"]["line"], line);
    assert_eq!(
        problem["args"]["reason"],
        serde_json::json!([{"code": "catalog.code_used_twice", "args": {"code": "CD-CM-01"}}])
    );
    assert_eq!(
        problem["detail"],
        format!("caict-devops.toml 第 {line} 行：编码“CD-CM-01”重复使用")
    );

    // The parser's own English message is not passed on: only where it stopped.
    let res = load_in(
        &app,
        &token,
        "x.toml",
        "[model]\ncolour = 1\n".into(),
        "zh-CN",
    )
    .await;
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["args"]["line"], 2, "{problem}");
    let reason = &problem["args"]["reason"][0];
    assert_eq!(reason["code"], "catalog.toml_syntax", "{problem}");
    assert_eq!(reason["args"]["near"], "colour");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("不是有效的 TOML"), "{detail}");
    assert!(!detail.contains("unknown field"), "{detail}");
    assert_eq!(version_count(&app).await, before);
}

#[tokio::test]
async fn a_changed_file_makes_a_new_version_and_never_alters_a_pinned_one() {
    let app = spawn_app().await;
    let token = secretariat_token(&app).await;
    let v1 = app
        .conn(|c| {
            let id = store::find_model_id(c, "caict-devops").unwrap().unwrap();
            store::latest_version(c, id).unwrap().unwrap()
        })
        .await;
    assert_eq!(v1.version, 1);
    let v1_id = v1.id;
    let round_id = app
        .conn(move |c| {
            let d = chrono::NaiveDate::from_ymd_opt(2021, 2, 1).unwrap();
            let parts = vec!["CD".to_string()];
            let name = Bilingual {
                zh: "2021年评估".into(),
                en: "2021 assessment".into(),
            };
            rounds::insert(
                c,
                &rounds::NewRound {
                    name: &name,
                    model_version: v1_id,
                    registration: (d, d),
                    assessment: (d, d),
                    results_on: d,
                    parts: &parts,
                },
            )
            .unwrap()
        })
        .await;
    let original = app
        .conn(move |c| store::get_version(c, v1_id).unwrap().unwrap().model)
        .await;

    // Same content again (only a comment added): nothing new.
    let same = load(
        &app,
        &token,
        "caict-devops.toml",
        format!("# reformatted\n{}", BUILT_IN[0].1),
    )
    .await;
    assert_eq!(same.status(), 200);
    assert_eq!(
        same.json::<serde_json::Value>().await.unwrap()["created"],
        false
    );

    let changed = BUILT_IN[0].1.replacen("配置管理", "配置与制品管理", 1);
    let res = load(&app, &token, "caict-devops.toml", changed).await;
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["version"], 2);

    let (pinned, after) = app
        .conn(move |c| {
            (
                rounds::pinned_version(c, round_id).unwrap().unwrap(),
                store::get_version(c, v1_id).unwrap().unwrap().model,
            )
        })
        .await;
    assert_eq!(pinned, v1_id, "the round still pins version 1");
    assert_eq!(after, original, "version 1 is unchanged");
    assert!(after.parts[0].domains[0].name.zh == "配置管理");
}
