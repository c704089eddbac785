//! The secretariat opens, changes and publishes rounds through pages and the API, and
//! keeps the public-holiday calendars the registration window is judged by.

use certcase::domain::access::Role;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn beijing_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn round_json(version: &str, opens: NaiveDate, closes: NaiveDate) -> Value {
    json!({
        "model_version_id": version, "name_zh": "测试轮次", "name_en": "Test round",
        "registration_opens": opens, "registration_closes": closes,
        "assessment_starts": closes + Duration::days(10),
        "assessment_ends": closes + Duration::days(40),
        "results_on": closes + Duration::days(60),
        "parts": ["CD"]
    })
}

/// The 2027 round of the story, as typed into the form.
fn form_2027(version: &str) -> Vec<(&'static str, String)> {
    vec![
        ("model_version_id", version.to_string()),
        ("name_zh", "2027年研发运营一体化评估".into()),
        ("name_en", "DevOps assessment 2027".into()),
        ("registration_opens", "2027-03-01".into()),
        ("registration_closes", "2027-04-30".into()),
        ("assessment_starts", "2027-05-10".into()),
        ("assessment_ends", "2027-06-30".into()),
        ("results_on", "2027-07-20".into()),
        ("part", "CD".into()),
        ("part", "SEC".into()),
    ]
}

async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.submit_form(browser, page, action, &fields).await
}

async fn html(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = browser.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn a_2027_round_made_on_the_page_is_a_draft_that_warns_and_is_published_after_asking() {
    let app = spawn_app().await;
    let sec_user = app.add_user("秘书处", &[Role::Secretariat]).await;
    let sec = app.signed_in(&sec_user).await;
    let version = app.caict_version().await;

    let (status, list) = html(&sec, &app, "/rounds").await;
    assert_eq!(status, 200);
    assert!(list.contains("href=\"/rounds/new\""), "{list}");
    let (status, form) = html(&sec, &app, "/rounds/new").await;
    assert_eq!(status, 200);
    assert!(form.contains("持续交付"), "parts are named: {form}");

    let res = post_form(
        &app,
        &sec,
        "/rounds/new",
        "/rounds/new",
        &form_2027(&version),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = res.headers()["location"].to_str().unwrap().to_string();
    let id = page.trim_start_matches("/rounds/").to_string();

    let (status, detail) = html(&sec, &app, &page).await;
    assert_eq!(status, 200);
    assert!(detail.contains("缺少 2027 年的法定节假日安排"), "{detail}");
    assert!(detail.contains("草稿"), "{detail}");
    assert!(detail.contains("registration-calendar"), "{detail}");
    assert!(
        detail.contains("✓ 可报名"),
        "open days are marked in words: {detail}"
    );

    // Enterprises do not see a draft, on pages or through the API.
    let ent_user = app.add_user("张喆", &[Role::Enterprise]).await;
    let ent = app.signed_in(&ent_user).await;
    assert_eq!(html(&ent, &app, &page).await.0, 404);
    let ent_api = app.api_for("李雷", Role::Enterprise).await;
    let (_, rounds) = ent_api.send("GET", "/api/v1/rounds", None).await;
    assert!(rounds
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != id.as_str()));
    let (status, _) = ent_api
        .send("GET", &format!("/api/v1/rounds/{id}"), None)
        .await;
    assert_eq!(status, 404);

    let (status, e) = ent_api
        .send(
            "POST",
            "/api/v1/enterprises",
            Some(json!({
                "name_zh": "北京喆堃科技有限公司", "name_en": "Zhekun Technology Co., Ltd.",
                "credit_code": crate::helpers::credit_code("91110108MA01ABCD1"),
                "address": "北京市海淀区", "contact_name": "李雷", "contact_email": "ll@example.cn",
                "contact_phone": "010-12345678"
            })),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let apply = format!("/api/v1/rounds/{id}/applications");
    let draft = json!({ "part_code": "CD", "target_level": 3, "scope": "核心交易系统",
        "contact_name": "李雷", "contact_email": "ll@example.cn" });
    let (status, _) = ent_api.send("POST", &apply, Some(draft.clone())).await;
    assert_eq!(status, 404, "a draft round takes no applications");

    // Publishing asks first; the question page posts the form again, confirmed.
    let publish = format!("/rounds/{id}/publish");
    let res = post_form(&app, &sec, &page, &publish, &[]).await;
    assert_eq!(res.status(), 200);
    let question = res.text().await.unwrap();
    assert!(
        question.contains("name=\"confirmed\" value=\"yes\""),
        "{question}"
    );
    assert_eq!(html(&ent, &app, &page).await.0, 404, "not yet published");
    let res = post_form(&app, &sec, &page, &publish, &[("confirmed", "yes".into())]).await;
    assert_eq!(res.status(), 303);

    let (status, seen) = html(&ent, &app, &page).await;
    assert_eq!(status, 200);
    assert!(seen.contains("缺少 2027 年的法定节假日安排"), "{seen}");
    let (status, round) = ent_api
        .send("GET", &format!("/api/v1/rounds/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(round["published"], true);
    assert_eq!(round["calendar_missing_years"], json!([2027]));
    assert!(round["calendar_warning"].as_str().unwrap().contains("2027"));

    let (status, application) = ent_api.send("POST", &apply, Some(draft)).await;
    assert_eq!(status, 201, "{application}");

    let sec_api = app.api_for("秘书处二", Role::Secretariat).await;
    let (status, problem) = sec_api
        .send("POST", &format!("/api/v1/rounds/{id}/publish"), None)
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "round.already_published", "{problem}");
    let (status, _) = ent_api
        .send("POST", &format!("/api/v1/rounds/{id}/publish"), None)
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_refused_round_form_comes_back_with_what_was_typed_and_the_message_beside_the_field() {
    let app = spawn_app().await;
    let sec_user = app.add_user("秘书处", &[Role::Secretariat]).await;
    let sec = app.signed_in(&sec_user).await;
    let version = app.caict_version().await;

    let mut fields = form_2027(&version);
    fields[5].1 = "2027-04-01".into();
    let res = post_form(&app, &sec, "/rounds/new", "/rounds/new", &fields).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("value=\"2027年研发运营一体化评估\""),
        "{body}"
    );
    assert!(body.contains("value=\"2027-04-01\""), "{body}");
    assert!(
        body.contains("id=\"assessment_starts\" name=\"assessment_starts\" value=\"2027-04-01\" required aria-invalid=\"true\""),
        "{body}"
    );
    assert!(body.contains("id=\"assessment_starts-error\""), "{body}");

    let mut fields = form_2027(&version);
    fields[3].1 = "2027-02-30".into();
    let res = post_form(&app, &sec, "/rounds/new", "/rounds/new", &fields).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("“2027-02-30”不是日期"), "{body}");
    assert!(body.contains("id=\"registration_opens-error\""), "{body}");

    let fields: Vec<_> = form_2027(&version)
        .into_iter()
        .filter(|(k, _)| *k != "part")
        .collect();
    let res = post_form(&app, &sec, "/rounds/new", "/rounds/new", &fields).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("value=\"DevOps assessment 2027\""), "{body}");

    let ent_user = app.add_user("张喆", &[Role::Enterprise]).await;
    let ent = app.signed_in(&ent_user).await;
    assert_eq!(html(&ent, &app, "/rounds/new").await.0, 403);
    assert_eq!(
        html(&crate::helpers::browser(), &app, "/rounds/new")
            .await
            .0,
        303
    );
}

#[tokio::test]
async fn dates_lock_once_registration_of_a_published_round_opens_and_names_never_do() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let version = app.caict_version().await;
    let today = beijing_today();

    // Published (the API's default) and registration already open.
    let body = round_json(
        &version,
        today - Duration::days(3),
        today + Duration::days(20),
    );
    let (status, round) = sec.send("POST", "/api/v1/rounds", Some(body.clone())).await;
    assert_eq!(status, 201, "{round}");
    assert_eq!(round["published"], true);
    let path = format!("/api/v1/rounds/{}", round["id"].as_str().unwrap());
    let mut moved = body.clone();
    moved["results_on"] = json!(today + Duration::days(90));
    let (status, problem) = sec.send("PUT", &path, Some(moved)).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "round.dates_locked");
    let mut renamed = body.clone();
    renamed["name_en"] = json!("Renamed round");
    let (status, round) = sec.send("PUT", &path, Some(renamed)).await;
    assert_eq!(status, 200, "{round}");
    assert_eq!(round["name_en"], "Renamed round");

    // A draft changes in every respect.
    let mut draft = body.clone();
    draft["publish"] = json!(false);
    let (status, round) = sec.send("POST", "/api/v1/rounds", Some(draft)).await;
    assert_eq!(status, 201);
    assert_eq!(round["published"], false);
    let path = format!("/api/v1/rounds/{}", round["id"].as_str().unwrap());
    let mut moved = body.clone();
    moved["results_on"] = json!(today + Duration::days(90));
    moved["parts"] = json!(["CD", "SEC"]);
    let (status, round) = sec.send("PUT", &path, Some(moved)).await;
    assert_eq!(status, 200, "{round}");
    assert_eq!(round["parts"], json!(["CD", "SEC"]));
    let mut backwards = body.clone();
    backwards["assessment_starts"] = json!(today);
    let (status, problem) = sec.send("PUT", &path, Some(backwards)).await;
    assert_eq!(status, 422, "{problem}");

    // The edit page says only the names may change now and keeps the dates.
    let sec_user = app.add_user("秘书处二", &[Role::Secretariat]).await;
    let browser = app.signed_in(&sec_user).await;
    let published: Vec<Value> = sec
        .send("GET", "/api/v1/rounds", None)
        .await
        .1
        .as_array()
        .unwrap()
        .clone();
    let open = published.iter().find(|r| r["published"] == true).unwrap();
    let (status, page) = html(
        &browser,
        &app,
        &format!("/rounds/{}/edit", open["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("现在只能修改名称"), "{page}");
    let enterprise = app.api_for("张喆", Role::Enterprise).await;
    let (status, _) = enterprise.send("PUT", &path, Some(body)).await;
    assert_eq!(status, 403);

    let (_, audit) = sec.send("GET", "/api/v1/audit", None).await;
    let text = audit.to_string();
    assert!(text.contains("round_updated"), "{text}");
}

#[tokio::test]
async fn the_secretariat_keeps_calendars_and_a_change_reaches_the_rounds_registration() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let version = app.caict_version().await;
    let today = beijing_today();

    let (status, all) = sec.send("GET", "/api/v1/calendars", None).await;
    assert_eq!(status, 200);
    let years: Vec<i64> = all["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2021, 2022, 2023, 2024, 2025, 2026], "seeded once");
    assert_eq!(all["missing"], json!([]));

    // A round open today; the secretariat marks today a public holiday on the year page.
    let body = round_json(
        &version,
        today - Duration::days(3),
        today + Duration::days(20),
    );
    let (status, round) = sec.send("POST", "/api/v1/rounds", Some(body)).await;
    assert_eq!(status, 201, "{round}");
    let round_path = format!("/api/v1/rounds/{}", round["id"].as_str().unwrap());
    let sec_user = app.add_user("秘书处二", &[Role::Secretariat]).await;
    let browser = app.signed_in(&sec_user).await;
    let year = today.format("%Y").to_string();
    let year_page = format!("/calendars/{year}");
    let date = today.to_string();
    let res = post_form(
        &app,
        &browser,
        &year_page,
        &year_page,
        &[
            ("date", date.clone()),
            ("kind", "closed".into()),
            ("name_zh", "测试假日".into()),
            ("name_en", "Test holiday".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, round) = sec.send("GET", &round_path, None).await;
    assert_eq!(round["registration"], "holiday", "{round}");
    assert!(round["registration_note"]
        .as_str()
        .unwrap()
        .contains("Test holiday"));
    let (_, page) = html(&browser, &app, &year_page).await;
    assert!(page.contains("✕ 测试假日"), "{page}");

    let res = post_form(
        &app,
        &browser,
        &year_page,
        &year_page,
        &[("date", date.clone()), ("kind", "remove".into())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, round) = sec.send("GET", &round_path, None).await;
    assert_eq!(round["registration"], "open", "{round}");

    // A refused day comes back with what was typed.
    let res = post_form(
        &app,
        &browser,
        &year_page,
        &year_page,
        &[
            ("date", "2026-02-30".into()),
            ("kind", "closed".into()),
            ("name_zh", "错日".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("value=\"2026-02-30\""), "{body}");
    assert!(body.contains("value=\"错日\""), "{body}");
    assert!(body.contains("id=\"date-error\""), "{body}");

    // 2027: a round there makes the list warn; a PUT of its days settles it.
    let opens = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    let body = round_json(&version, opens, opens + Duration::days(40));
    let (_, round) = sec.send("POST", "/api/v1/rounds", Some(body)).await;
    assert_eq!(round["calendar_missing_years"], json!([2027]));
    let (_, all) = sec.send("GET", "/api/v1/calendars", None).await;
    assert_eq!(all["missing"], json!([2027]));
    let (_, list_page) = html(&browser, &app, "/calendars").await;
    assert!(list_page.contains("⚠ 2027"), "{list_page}");
    let (_, empty) = sec.send("GET", "/api/v1/calendars/2027", None).await;
    assert_eq!(empty["kept"], false);

    let monday = json!({ "source": "国务院办公厅通知", "days": [{ "date": "2027-01-04", "kind": "workday" }] });
    let (status, problem) = sec
        .send("PUT", "/api/v1/calendars/2027", Some(monday))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "calendar.makeup_not_weekend", "{problem}");
    let days = json!({ "source": "国务院办公厅通知", "days": [
        { "date": "2027-01-01", "kind": "closed", "name_zh": "元旦", "name_en": "New Year's Day" },
        { "date": "2027-01-02", "kind": "closed", "name_zh": "元旦", "name_en": "New Year's Day" },
        { "date": "2027-01-03", "kind": "closed", "name_zh": "元旦", "name_en": "New Year's Day" },
        { "date": "2027-01-09", "kind": "workday" }
    ]});
    let ent = app.api_for("张喆", Role::Enterprise).await;
    let (status, _) = ent
        .send("PUT", "/api/v1/calendars/2027", Some(days.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, year) = sec.send("PUT", "/api/v1/calendars/2027", Some(days)).await;
    assert_eq!(status, 200, "{year}");
    assert_eq!(year["kept"], true);
    assert_eq!(year["days"].as_array().unwrap().len(), 4);
    let (_, round) = sec
        .send(
            "GET",
            &format!("/api/v1/rounds/{}", round["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(round["calendar_missing_years"], json!([]));
    assert_eq!(round["calendar_warning"], Value::Null);
    let (status, seen) = ent.send("GET", "/api/v1/calendars/2027", None).await;
    assert_eq!((status, seen["kept"].clone()), (200, json!(true)));

    let (status, _) = app
        .call_api("not-a-token", None, "GET", "/api/v1/calendars", None)
        .await;
    assert_eq!(status, 401);
    let (_, audit) = sec.send("GET", "/api/v1/audit", None).await;
    assert!(audit.to_string().contains("calendar_changed"));
}
