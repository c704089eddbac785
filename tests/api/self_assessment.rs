//! An enterprise's self-assessment story: answer the DevSecOps questionnaire area by area,
//! see stages and radars, compare with the previous one, set targets, get a roadmap that
//! refuses leapfrogging, export it; and no other enterprise sees any of it.

use certcase::domain::access::Role;
use serde_json::{json, Value};

use crate::helpers::{credit_code, spawn_app, TestApp, TestUser};

pub struct Member<'a> {
    app: &'a TestApp,
    pub user: TestUser,
    token: String,
}

impl Member<'_> {
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.app
            .call_api(&self.token, Some("en"), method, path, body)
            .await
    }
}

/// An enterprise member whose enterprise is registered.
async fn member<'a>(app: &'a TestApp, name: &str, code_body: &str) -> Member<'a> {
    let user = app.add_user(name, &[Role::Enterprise]).await;
    let token = app.api_token(&user).await;
    let m = Member { app, user, token };
    let (status, body) = m
        .send(
            "POST",
            "/api/v1/enterprises",
            Some(json!({
                "name_zh": format!("{name}科技有限公司"), "name_en": format!("{name} Technology Co., Ltd."),
                "credit_code": credit_code(code_body), "address": "北京市海淀区", "contact_name": "张喆",
                "contact_email": "zz@example.cn", "contact_phone": "010-12345678"
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    m
}

/// Every competency code of the DevSecOps model, by area, in questionnaire order.
async fn competencies(m: &Member<'_>, id: &str) -> Vec<(String, Vec<String>)> {
    let (_, detail) = m
        .send("GET", &format!("/api/v1/self-assessments/{id}"), None)
        .await;
    detail["result"]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap().to_string(),
                a["competencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["code"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// Starts and completes an assessment with every competency at `stage`, except `except`.
async fn assessed(m: &Member<'_>, stage: u8, except: &[(&str, u8)]) -> String {
    let (status, started) = m.send("POST", "/api/v1/self-assessments", None).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    for (_, codes) in competencies(m, &id).await {
        let answers: serde_json::Map<String, Value> = codes
            .iter()
            .map(|c| {
                let s = except
                    .iter()
                    .find(|(code, _)| code == c)
                    .map_or(stage, |e| e.1);
                (c.clone(), json!(s))
            })
            .collect();
        let (status, body) = m
            .send(
                "PUT",
                &format!("/api/v1/self-assessments/{id}/answers"),
                Some(json!({ "answers": answers })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = m
        .send(
            "POST",
            &format!("/api/v1/self-assessments/{id}/complete"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

/// The `<svg …>…</svg>` charts of a page.
fn charts(html: &str) -> Vec<&str> {
    html.split("<svg ")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").unwrap()])
        .collect()
}

#[tokio::test]
async fn answers_become_stages_by_the_lowest_rule_and_radars_show_every_axis() {
    let app = spawn_app().await;
    let m = member(&app, "喆堃", "91110108MA01ABCD1").await;
    let (status, started) = m.send("POST", "/api/v1/self-assessments", None).await;
    assert_eq!(status, 201);
    let id = started["id"].as_str().unwrap().to_string();
    let areas = competencies(&m, &id).await;
    assert_eq!(areas.len(), 6);
    assert_eq!(areas.iter().map(|a| a.1.len()).sum::<usize>(), 30);

    // A bad stage is refused and nothing is saved.
    let (status, problem) = m
        .send(
            "PUT",
            &format!("/api/v1/self-assessments/{id}/answers"),
            Some(json!({ "answers": { areas[0].1[0].clone(): 3, areas[0].1[1].clone(): 5 } })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("1 (Beginner) to 4 (Expert)"));
    let (_, detail) = m
        .send("GET", &format!("/api/v1/self-assessments/{id}"), None)
        .await;
    assert_eq!(detail["answered"], 0);

    // Completing early names what is missing.
    let (status, _) = m
        .send(
            "POST",
            &format!("/api/v1/self-assessments/{id}/complete"),
            None,
        )
        .await;
    assert_eq!(status, 409);

    // The first area through the page form: all Advanced but one Beginner.
    let browser = app.signed_in(&m.user).await;
    let token = app
        .csrf_from(&browser, &format!("/self-assessments/{id}/areas/0"))
        .await;
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), token)];
    for (k, code) in areas[0].1.iter().enumerate() {
        form.push((code.clone(), if k == 0 { "1" } else { "3" }.into()));
    }
    let res = browser
        .post(app.url(&format!("/self-assessments/{id}/areas/0")))
        .headers(app.same_origin())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/self-assessments/{id}/areas/1")
    );
    for (_, codes) in &areas[1..] {
        let answers: serde_json::Map<String, Value> =
            codes.iter().map(|c| (c.clone(), json!(3))).collect();
        let (status, progress) = m
            .send(
                "PUT",
                &format!("/api/v1/self-assessments/{id}/answers"),
                Some(json!({ "answers": answers })),
            )
            .await;
        assert_eq!(status, 200, "{progress}");
    }
    let (_, detail) = m
        .send("GET", &format!("/api/v1/self-assessments/{id}"), None)
        .await;
    assert_eq!(detail["answered"], 30);
    let result = &detail["result"];
    assert_eq!(
        result["areas"][0]["derived"]["stage"], 1,
        "lowest competency"
    );
    assert_eq!(result["areas"][1]["derived"]["stage"], 3);
    assert_eq!(result["overall"]["stage"], 1, "lowest area");
    let n0 = areas[0].1.len() as f64;
    let mean0 = result["areas"][0]["derived"]["mean"].as_f64().unwrap();
    assert!((mean0 - (1.0 + 3.0 * (n0 - 1.0)) / n0).abs() < 1e-9);

    let (status, _) = m
        .send(
            "POST",
            &format!("/api/v1/self-assessments/{id}/complete"),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let html = browser
        .get(app.url(&format!("/self-assessments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let svgs = charts(&html);
    assert_eq!(svgs.len(), 1 + 6, "overall radar and one per area");
    let overall = svgs[0];
    assert_eq!(overall.matches("<line ").count(), 6, "one axis per area");
    assert_eq!(overall.matches("<polygon").count(), 1, "current only");
    let points = overall.split("points=\"").nth(1).unwrap();
    assert_eq!(points[..points.find('"').unwrap()].split(' ').count(), 6);
    for (svg, (_, codes)) in svgs[1..].iter().zip(&areas) {
        assert_eq!(svg.matches("<line ").count(), codes.len());
    }

    // A second self-assessment is compared with the first.
    let second = assessed(&m, 3, &[]).await;
    let html = browser
        .get(app.url(&format!("/self-assessments/{second}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let overall = charts(&html)[0];
    assert_eq!(
        overall.matches("<polygon").count(),
        2,
        "current and previous"
    );
    assert!(overall.contains("class=\"radar-series previous\""));
    let (_, list) = m.send("GET", "/api/v1/self-assessments", None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn targets_plan_lowest_areas_first_and_leapfrogging_is_refused() {
    let app = spawn_app().await;
    let m = member(&app, "路线", "91110108MA01RDAB1").await;
    // Build & Test is the lowest area (one Beginner); People & Culture is Advanced.
    let id = {
        let (status, started) = m.send("POST", "/api/v1/self-assessments", None).await;
        assert_eq!(status, 201);
        started["id"].as_str().unwrap().to_string()
    };
    let areas = competencies(&m, &id).await;
    let low_area = areas.iter().position(|a| a.0 == "DSO-BT").unwrap();
    let low = areas[low_area].1[0].clone();
    let high = areas[0].1[0].clone();
    let mut answers = serde_json::Map::new();
    for (_, codes) in &areas {
        for c in codes {
            answers.insert(c.clone(), json!(2));
        }
    }
    answers.insert(low.clone(), json!(1));
    let (status, _) = m
        .send(
            "PUT",
            &format!("/api/v1/self-assessments/{id}/answers"),
            Some(json!({ "answers": answers })),
        )
        .await;
    assert_eq!(status, 200);
    m.send(
        "POST",
        &format!("/api/v1/self-assessments/{id}/complete"),
        None,
    )
    .await;

    // A two-stage target is planned over two quarters; the lowest area comes first.
    let plan = json!({
        "quarters": 4,
        "targets": { high.clone(): { "stage": 3, "owner": "王芳" }, low.clone(): { "stage": 3 } },
        "area_owners": { "DSO-BT": "李雷" }
    });
    let (status, roadmap) = m
        .send(
            "PUT",
            &format!("/api/v1/self-assessments/{id}/targets"),
            Some(plan),
        )
        .await;
    assert_eq!(status, 200, "{roadmap}");
    let steps = roadmap["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["quarter"], 1);
    assert_eq!(steps[0]["competency"], low.as_str(), "lowest area first");
    let low_steps: Vec<&Value> = steps
        .iter()
        .filter(|s| s["competency"] == low.as_str())
        .collect();
    assert_eq!(low_steps.len(), 2, "Beginner to Advanced takes two steps");
    assert_ne!(low_steps[0]["quarter"], low_steps[1]["quarter"]);

    // Editing the roadmap into one two-stage step is leapfrogging.
    let edited = json!({ "steps": [
        { "quarter": 1, "competency": low, "from": 1, "to": 3 },
        { "quarter": 2, "competency": high, "from": 2, "to": 3 }
    ]});
    let (status, problem) = m
        .send(
            "PUT",
            &format!("/api/v1/self-assessments/{id}/roadmap"),
            Some(edited),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("needs 2 quarters, only 1 planned"),
        "{detail}"
    );
    assert!(detail.contains("no leapfrogging"), "{detail}");
    let (_, after) = m
        .send("GET", &format!("/api/v1/self-assessments/{id}"), None)
        .await;
    assert_eq!(
        after["roadmap"]["steps"].as_array().unwrap().len(),
        3,
        "unchanged"
    );

    // A valid edit moves the other step to the last quarter.
    let moved = json!({ "steps": [
        { "quarter": 1, "competency": low, "from": 1, "to": 2 },
        { "quarter": 2, "competency": low, "from": 2, "to": 3 },
        { "quarter": 4, "competency": high, "from": 2, "to": 3 }
    ]});
    let (status, roadmap) = m
        .send(
            "PUT",
            &format!("/api/v1/self-assessments/{id}/roadmap"),
            Some(moved),
        )
        .await;
    assert_eq!(status, 200, "{roadmap}");

    // Exports: CSV with owners, and a PDF.
    let browser = app.signed_in(&m.user).await;
    let csv = crate::helpers::excel_csv(
        browser
            .get(app.url(&format!("/self-assessments/{id}/roadmap.csv")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains("李雷") && csv.contains("王芳"), "{csv}");
    assert!(csv.lines().nth(3).unwrap().starts_with("Q4,"), "{csv}");
    let pdf = browser
        .get(app.url(&format!("/self-assessments/{id}/roadmap.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));

    // The current-vs-target radar has both series.
    let html = browser
        .get(app.url(&format!("/self-assessments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(charts(&html)
        .iter()
        .any(|svg| svg.contains("radar-series current") && svg.contains("radar-series target")));

    // Changing only an owner keeps the edited steps; changing a target plans anew.
    let targets_url = format!("/api/v1/self-assessments/{id}/targets");
    let owners_only = json!({
        "quarters": 4,
        "targets": { high.clone(): { "stage": 3, "owner": "赵敏" }, low.clone(): { "stage": 3 } },
        "area_owners": { "DSO-BT": "李雷" }
    });
    let (status, kept) = m.send("PUT", &targets_url, Some(owners_only)).await;
    assert_eq!(status, 200, "{kept}");
    let quarters_of = |r: &Value| -> Vec<(String, i64)> {
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["competency"].as_str().unwrap().to_string(),
                    s["quarter"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert!(
        quarters_of(&kept).contains(&(high.clone(), 4)),
        "the step moved to Q4 stays there: {kept}"
    );
    let csv = browser
        .get(app.url(&format!("/self-assessments/{id}/roadmap.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("赵敏") && !csv.contains("王芳"), "{csv}");
    let new_target = json!({
        "quarters": 4,
        "targets": { high.clone(): { "stage": 4, "owner": "赵敏" }, low.clone(): { "stage": 3 } },
    });
    let (status, replanned) = m.send("PUT", &targets_url, Some(new_target)).await;
    assert_eq!(status, 200, "{replanned}");
    assert_eq!(
        quarters_of(&replanned).len(),
        4,
        "two steps each now: {replanned}"
    );
}

#[tokio::test]
async fn another_enterprise_cannot_see_or_change_a_self_assessment() {
    let app = spawn_app().await;
    let owner = member(&app, "甲方", "91110108MA01PQAB1").await;
    let other = member(&app, "乙方", "91110108MA01PQCD1").await;
    let id = assessed(&owner, 2, &[]).await;
    let (status, _) = other
        .send("GET", &format!("/api/v1/self-assessments/{id}"), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .send(
            "PUT",
            &format!("/api/v1/self-assessments/{id}/targets"),
            Some(json!({ "quarters": 4, "targets": {} })),
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = other.send("GET", "/api/v1/self-assessments", None).await;
    assert_eq!(list, json!([]));
    let browser = app.signed_in(&other.user).await;
    for path in [
        format!("/self-assessments/{id}"),
        format!("/self-assessments/{id}/areas/0"),
        format!("/self-assessments/{id}/roadmap.csv"),
    ] {
        let res = browser.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_suggested_part_starts_a_draft_application_in_an_open_round() {
    let app = spawn_app().await;
    let secretariat = app.add_user("秘书处", &[Role::Secretariat]).await;
    let sec_token = app.api_token(&secretariat).await;
    let version = app.caict_version().await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let d = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let round: Value = reqwest::Client::new()
        .post(app.url("/api/v1/rounds"))
        .bearer_auth(&sec_token)
        .json(&json!({
            "model_version_id": version, "name_zh": "第一批", "name_en": "First round",
            "registration_opens": d(-3), "registration_closes": d(3), "assessment_starts": d(10),
            "assessment_ends": d(40), "results_on": d(60), "parts": ["CD", "SEC"]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let round_id = round["id"].as_str().unwrap().to_string();

    let m = member(&app, "建议", "91110108MA01JYAB1").await;
    let id = assessed(&m, 3, &[]).await;
    let (_, detail) = m
        .send("GET", &format!("/api/v1/self-assessments/{id}"), None)
        .await;
    let cd = detail["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["part"] == "CD")
        .unwrap()
        .clone();
    assert_eq!(
        cd["level"], 4,
        "mean stage 3 maps to level round(1 + 2 × 4/3) = 4"
    );

    let browser = app.signed_in(&m.user).await;
    let html = browser
        .get(app.url(&format!("/self-assessments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("value=\"{round_id}\"")),
        "an open round is offered"
    );
    let token = crate::helpers::csrf_in(&html);
    let res = browser
        .post(app.url(&format!("/self-assessments/{id}/apply")))
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", token.as_str()),
            ("round_id", round_id.as_str()),
            ("part", "CD"),
            ("level", "4"),
            ("scope", "核心交易系统"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, apps) = m.send("GET", "/api/v1/applications", None).await;
    let apps = apps.as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["part_code"], "CD");
    assert_eq!(apps[0]["target_level"], 4);
    assert_eq!(apps[0]["status"], "draft");
}
