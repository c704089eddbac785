//! The enterprise's pages: register the enterprise, apply, upload evidence through the
//! multipart form (CSRF token in the query string), declare an item not applicable; names
//! in any script shown as written, markup shown literally.

use certcase::domain::access::Role;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::evidence::pdf;
use crate::helpers::credit_code;
use crate::helpers::{csrf_in, spawn_app};

#[tokio::test]
async fn an_enterprise_registers_applies_and_uploads_through_its_pages() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let user = app.add_user("Łukasz O'Brien", &[Role::Enterprise]).await;
    let browser = app.signed_in(&user).await;

    // Registration: a wrong check character is refused on the form itself.
    let page = browser
        .get(app.url("/enterprise"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"credit_code\""));
    let token = csrf_in(&page);
    let mut form = vec![
        ("csrf_token", token.clone()),
        (
            "name_zh",
            "<script>alert(1)</script>{{7*7}} 张喆王堃科技".to_string(),
        ),
        ("name_en", "O'Brien & Łukasz Ltd.".to_string()),
        ("credit_code", "91110108MA01ABCD0".to_string() + "X"),
        ("address", "北京市".to_string()),
        ("contact_name", "王堃".to_string()),
        ("contact_email", "wk@example.cn".to_string()),
        ("contact_phone", "010-1".to_string()),
    ];
    let res = browser
        .post(app.url("/enterprise"))
        .headers(app.same_origin())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains("统一社会信用代码：校验码是"),
        "the reason is shown, in the visitor's language"
    );
    assert!(
        refused.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;{{7*7}}"),
        "values are kept, escaped"
    );
    form[3].1 = credit_code("91110108MA01ABF12");
    let res = browser
        .post(app.url("/enterprise"))
        .headers(app.same_origin())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mine = browser
        .get(app.url("/enterprise"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;{{7*7}} 张喆王堃科技"));
    assert!(mine.contains("O&#x27;Brien &amp; Łukasz Ltd."));
    assert!(!mine.contains("<script>alert") && !mine.contains("49 张喆"));

    // Apply for a part of an open round from the applications page.
    let version: String = app.caict_version().await;
    let today = chrono::Utc::now().date_naive();
    let d = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let (status, round) = sec
        .send("POST", "/api/v1/rounds", Some(json!({
            "model_version_id": version, "name_zh": "第一批评估", "name_en": "First round",
            "registration_opens": d(-3), "registration_closes": d(3), "assessment_starts": d(10),
            "assessment_ends": d(40), "results_on": d(60), "parts": ["CD"]
        })))
        .await;
    assert_eq!(status, 201);
    let list = app.page_text(&browser, "/applications").await;
    assert!(list.contains("第一批评估"));
    // The round's form offers the parts the round assesses, and only those.
    let form = &list[list
        .find(&format!("id=\"apply-{}\"", round["id"].as_str().unwrap()))
        .expect("a form to apply in the open round")..];
    let parts = &form[form.find("name=\"part_code\"").unwrap()..];
    let parts = &parts[..parts.find("</select>").unwrap()];
    assert_eq!(parts.matches("<option").count(), 1, "{parts}");
    assert!(parts.contains("<option value=\"CD\""), "{parts}");
    // The secretariat's list has no form to apply.
    let secretariat = app.add_user("秘书处甲", &[Role::Secretariat]).await;
    let theirs = app
        .page_text(&app.signed_in(&secretariat).await, "/applications")
        .await;
    assert!(theirs.contains("第一批评估") && !theirs.contains("id=\"apply-"));
    let res = browser
        .post(app.url(&format!(
            "/rounds/{}/applications",
            round["id"].as_str().unwrap()
        )))
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", csrf_in(&list).as_str()),
            ("part_code", "CD"),
            ("target_level", "3"),
            ("scope", "核心系统 <b>"),
            ("contact_name", "王堃"),
            ("contact_email", "wk@example.cn"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let detail_url = res.headers()["location"].to_str().unwrap().to_string();
    let app_id = detail_url.rsplit('/').next().unwrap().to_string();
    let detail = browser
        .get(app.url(&detail_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("核心系统 &lt;b&gt;"));
    assert!(detail.contains("enctype=\"multipart/form-data\""));
    let token = csrf_in(&detail);

    // The multipart form carries its CSRF token in the query string; without it, refused.
    let upload = |query: String| {
        let form = Form::new()
            .text("description", "Łukasz 的 {{7*7}} 记录")
            .part(
                "file",
                Part::bytes(pdf(5000)).file_name("张喆 <b>O'Brien.pdf"),
            );
        browser
            .post(app.url(&format!(
                "/applications/{app_id}/items/CD-CM-01/evidence{query}"
            )))
            .headers(app.same_origin())
            .multipart(form)
            .send()
    };
    assert_eq!(upload(String::new()).await.unwrap().status(), 403);
    let res = upload(format!("?csrf_token={token}")).await.unwrap();
    assert_eq!(res.status(), 303);
    let detail = browser
        .get(app.url(&detail_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("张喆 &lt;b&gt;O&#x27;Brien.pdf"),
        "the file name is shown escaped"
    );
    assert!(detail.contains("Łukasz 的 {{7*7}} 记录"));
    let marker = format!("/applications/{app_id}/evidence/");
    let start = detail.find(&marker).unwrap() + marker.len();
    let file_id = &detail[start..start + 36];
    let res = browser
        .get(app.url(&format!("{marker}{file_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));

    // Not applicable from the page, then submitting (refused: not verified yet).
    let res = browser
        .post(app.url(&format!(
            "/applications/{app_id}/items/CD-CM-02/not-applicable"
        )))
        .headers(app.same_origin())
        .form(&[("csrf_token", token.as_str()), ("reason", "不涉及 O'Brien")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let detail = browser
        .get(app.url(&detail_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("不涉及 O&#x27;Brien"));
    let submit = |fields: Vec<(&'static str, String)>| {
        browser
            .post(app.url(&format!("/applications/{app_id}/submit")))
            .headers(app.same_origin())
            .form(&fields)
            .send()
    };
    let asked = submit(vec![("csrf_token", token.clone())]).await.unwrap();
    assert_eq!(
        asked.status(),
        200,
        "submission asks for confirmation first"
    );
    let res = submit(vec![
        ("csrf_token", token.clone()),
        ("confirmed", "yes".to_string()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 409);
}
