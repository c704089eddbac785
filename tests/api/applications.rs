//! An enterprise's story: register, get verified, apply for a part, submit; and every
//! refusal on the way.

use certcase::domain::access::Role;
use serde_json::{json, Value};

use crate::helpers::{credit_code, spawn_app, Api, TestApp};

fn round_body(
    version: &str,
    opens: &str,
    closes: &str,
    starts: &str,
    ends: &str,
    results: &str,
) -> Value {
    json!({
        "model_version_id": version, "name_zh": "研发运营一体化能力成熟度评估", "name_en": "DevOps maturity assessment",
        "registration_opens": opens, "registration_closes": closes, "assessment_starts": starts,
        "assessment_ends": ends, "results_on": results, "parts": ["CD", "SEC"]
    })
}

fn registration(code: &str) -> Value {
    json!({
        "name_zh": "北京喆堃科技有限公司", "name_en": "Zhekun Technology Co., Ltd.", "credit_code": code,
        "address": "北京市海淀区", "contact_name": "张喆", "contact_email": "zz@example.cn", "contact_phone": "010-12345678"
    })
}

pub(crate) fn draft(part: &str) -> Value {
    json!({ "part_code": part, "target_level": 3, "scope": "核心交易系统", "contact_name": "张喆", "contact_email": "zz@example.cn" })
}

#[tokio::test]
async fn rounds_are_checked_when_the_secretariat_opens_them() {
    let app = spawn_app().await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let v = app.caict_version().await;

    let (status, round) = sec
        .send(
            "POST",
            "/api/v1/rounds",
            Some(round_body(
                &v,
                "2021-01-18",
                "2021-02-10",
                "2021-02-25",
                "2021-04-15",
                "2021-05-20",
            )),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    assert_eq!(
        round["registration_closes_at"], "2021-02-10T15:59:59+00:00",
        "23:59:59 Beijing time"
    );
    assert_eq!(round["registration"], "closed");
    assert_eq!(round["parts"], json!(["CD", "SEC"]));

    let (status, problem) = sec
        .send(
            "POST",
            "/api/v1/rounds",
            Some(round_body(
                &v,
                "2030-01-10",
                "2030-02-10",
                "2030-02-25",
                "2030-04-15",
                "2030-05-20",
            )),
        )
        .await;
    // No 2030 calendar: the round is opened on weekends only, and says so.
    assert_eq!(status, 201, "{problem}");
    assert_eq!(problem["calendar_missing_years"], json!([2030]));
    assert!(
        problem["calendar_warning"]
            .as_str()
            .unwrap()
            .contains("2030"),
        "{problem}"
    );

    let (status, problem) = sec
        .send(
            "POST",
            "/api/v1/rounds",
            Some(round_body(
                &v,
                "2021-01-18",
                "2021-02-10",
                "2021-02-01",
                "2021-04-15",
                "2021-05-20",
            )),
        )
        .await;
    assert_eq!(status, 422);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("after registration closes"));

    let enterprise = app.api_for("张喆", Role::Enterprise).await;
    let (status, _) = enterprise
        .send(
            "POST",
            "/api/v1/rounds",
            Some(round_body(
                &v,
                "2021-01-18",
                "2021-02-10",
                "2021-02-25",
                "2021-04-15",
                "2021-05-20",
            )),
        )
        .await;
    assert_eq!(status, 403);
    let (status, list) = enterprise.send("GET", "/api/v1/rounds", None).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn enterprise_registration_checks_the_credit_code() {
    let app = spawn_app().await;
    let member = app.api_for("张喆", Role::Enterprise).await;
    let good = credit_code("91110108MA01ABCD1");
    let mut wrong = good.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });

    let (status, problem) = member
        .send("POST", "/api/v1/enterprises", Some(registration(&wrong)))
        .await;
    assert_eq!(status, 422);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("check character") && detail.contains(last),
        "says which: {detail}"
    );

    let (status, _) = member
        .send("POST", "/api/v1/enterprises", Some(registration(&good)))
        .await;
    assert_eq!(status, 201);
    let other = app.api_for("王堃", Role::Enterprise).await;
    let (status, problem) = other
        .send("POST", "/api/v1/enterprises", Some(registration(&good)))
        .await;
    assert_eq!(status, 409, "one enterprise per credit code: {problem}");

    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    assert_eq!(mine["name_zh"], "北京喆堃科技有限公司");
    assert_eq!(mine["verified_at"], Value::Null);
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let id = mine["id"].as_str().unwrap();
    assert_eq!(
        sec.send("POST", &format!("/api/v1/enterprises/{id}/verify"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        sec.send("POST", &format!("/api/v1/enterprises/{id}/verify"), None)
            .await
            .0,
        409
    );
    assert_eq!(
        member
            .send("POST", &format!("/api/v1/enterprises/{id}/verify"), None)
            .await
            .0,
        403
    );
}

/// A verified enterprise with a draft application in a round whose registration is open
/// today (the 2026 calendar covers it).
pub(crate) async fn applicant<'a>(
    app: &'a TestApp,
    body: &str,
) -> (Api<'a>, Api<'a>, String, String) {
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let v = app.caict_version().await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let d = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let (status, round) = sec
        .send(
            "POST",
            "/api/v1/rounds",
            Some(round_body(&v, &d(-3), &d(3), &d(10), &d(40), &d(60))),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    let round_id = round["id"].as_str().unwrap().to_string();

    let member = app.api_for("张喆", Role::Enterprise).await;
    let (status, e) = member
        .send(
            "POST",
            "/api/v1/enterprises",
            Some(registration(&credit_code(body))),
        )
        .await;
    assert_eq!(status, 201);
    let (status, a) = member
        .send(
            "POST",
            &format!("/api/v1/rounds/{round_id}/applications"),
            Some(draft("CD")),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let enterprise_id = e["id"].as_str().unwrap().to_string();
    let _ = enterprise_id;
    (sec, member, round_id, a["id"].as_str().unwrap().to_string())
}

pub(crate) async fn declare_all_not_applicable(member: &Api<'_>, app_id: &str) {
    let (_, detail) = member
        .send("GET", &format!("/api/v1/applications/{app_id}"), None)
        .await;
    for item in detail["missing_items"].as_array().unwrap() {
        let path = format!(
            "/api/v1/applications/{app_id}/items/{}/not-applicable",
            item.as_str().unwrap()
        );
        assert_eq!(
            member
                .send(
                    "PUT",
                    &path,
                    Some(json!({"reason": "不涉及该系统 / not in scope"}))
                )
                .await
                .0,
            204
        );
    }
}

#[tokio::test]
async fn an_application_may_carry_its_scope_in_english_too() {
    let app = spawn_app().await;
    let (_, member, round_id, without) = applicant(&app, "91110108MA01ABCD2").await;
    let create = format!("/api/v1/rounds/{round_id}/applications");
    let mut body = draft("SEC");
    body["scope_en"] = json!("e".repeat(2001));
    let (status, problem) = member.send("POST", &create, Some(body.clone())).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["code"], "application.scope_en_too_long",
        "{problem}"
    );

    body["scope_en"] = json!("  Core trading systems ");
    let (status, with) = member.send("POST", &create, Some(body)).await;
    assert_eq!(status, 201, "{with}");
    let (_, detail) = member
        .send(
            "GET",
            &format!("/api/v1/applications/{}", with["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(detail["scope_en"], "Core trading systems", "{detail}");
    let (_, detail) = member
        .send("GET", &format!("/api/v1/applications/{without}"), None)
        .await;
    assert_eq!(detail["scope_en"], Value::Null, "{detail}");
    assert_eq!(detail["scope"], "核心交易系统", "{detail}");
}

#[tokio::test]
async fn an_application_goes_from_draft_to_accepted_and_every_refusal_says_why() {
    let app = spawn_app().await;
    let (sec, member, round_id, app_id) = applicant(&app, "91110108MA01ABCD2").await;
    let transition = |action: &str| json!({ "action": action });
    let path = format!("/api/v1/applications/{app_id}/transitions");

    // A second application for the same part is refused.
    let (status, problem) = member
        .send(
            "POST",
            &format!("/api/v1/rounds/{round_id}/applications"),
            Some(draft("CD")),
        )
        .await;
    assert_eq!(status, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("already applied for part CD"));
    let (status, _) = member
        .send(
            "POST",
            &format!("/api/v1/rounds/{round_id}/applications"),
            Some(draft("TO")),
        )
        .await;
    assert_eq!(status, 422, "TO is not open in this round");

    // Not yet verified, and no evidence.
    let (status, problem) = member.send("POST", &path, Some(transition("submit"))).await;
    assert_eq!(status, 409);
    assert!(
        problem["detail"].as_str().unwrap().contains("not verified"),
        "{problem}"
    );
    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    sec.send(
        "POST",
        &format!(
            "/api/v1/enterprises/{}/verify",
            mine["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    let (status, problem) = member.send("POST", &path, Some(transition("submit"))).await;
    assert_eq!(status, 409);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("evidence is missing for 21 capability item(s)")
            && detail.contains("CD-CM-01"),
        "{detail}"
    );

    let (status, _) = member
        .send(
            "PUT",
            &format!("/api/v1/applications/{app_id}/items/CD-CM-01/not-applicable"),
            Some(json!({"reason": "  "})),
        )
        .await;
    assert_eq!(status, 422, "a reason is needed");
    let (status, _) = member
        .send(
            "PUT",
            &format!("/api/v1/applications/{app_id}/items/TO-MON-01/not-applicable"),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(status, 422, "an item of another part");
    declare_all_not_applicable(&member, &app_id).await;

    // The secretariat cannot submit for the enterprise; the enterprise can.
    assert_eq!(
        sec.send("POST", &path, Some(transition("submit"))).await.0,
        403
    );
    let (status, body) = member.send("POST", &path, Some(transition("submit"))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("submitted")));

    // Locked after submission; submitting twice is a conflict that names the states.
    let (status, _) = member
        .send(
            "PUT",
            &format!("/api/v1/applications/{app_id}/items/CD-CM-01/not-applicable"),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, problem) = member.send("POST", &path, Some(transition("submit"))).await;
    assert_eq!(status, 409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("cannot submit an application that is submitted"),
        "{problem}"
    );

    assert_eq!(
        member
            .send("POST", &path, Some(transition("accept")))
            .await
            .0,
        403,
        "enterprises do not accept"
    );
    let (status, _) = sec
        .send("POST", &path, Some(json!({"action": "reject"})))
        .await;
    assert_eq!(status, 422, "a rejection needs a reason");
    let (status, body) = sec.send("POST", &path, Some(transition("accept"))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("accepted")));

    let (_, detail) = member
        .send("GET", &format!("/api/v1/applications/{app_id}"), None)
        .await;
    let history: Vec<_> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["submitted", "accepted"]);

    // mail/audit feature: the enterprise's member is told of both steps, by e-mail (outbox)
    // and in the inbox; each step is in the audit log.
    let (kinds, transitions) = app
        .conn(|c| {
            let kinds: Vec<String> = certcase::db::models::mail::all(c)
                .unwrap()
                .into_iter()
                .map(|r| r.message_kind)
                .collect();
            let q = certcase::db::models::audit::Filter {
                kind: Some("application_transition".into()),
                ..Default::default()
            };
            let n = certcase::db::models::audit::export(c, &q.check().unwrap())
                .unwrap()
                .len();
            (kinds, n)
        })
        .await;
    assert!(
        kinds.contains(&"application_submitted".to_string()),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"application_accepted".to_string()),
        "{kinds:?}"
    );
    assert_eq!(transitions, 2);
    let (status, inbox) = member.send("GET", "/api/v1/notifications", None).await;
    assert_eq!(status, 200);
    // Verified, submitted, accepted.
    assert_eq!(inbox.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn another_enterprises_application_answers_like_a_missing_one() {
    let app = spawn_app().await;
    let (_sec, _member, _round, app_id) = applicant(&app, "91110108MA01ABCD3").await;
    let stranger = app.api_for("王堃", Role::Enterprise).await;
    let missing = uuid::Uuid::now_v7().to_string();
    for id in [app_id.as_str(), missing.as_str()] {
        let (status, problem) = stranger
            .send("GET", &format!("/api/v1/applications/{id}"), None)
            .await;
        assert_eq!(status, 404);
        assert_eq!(
            problem["detail"],
            "There is nothing here, or you are not allowed to see it."
        );
        assert_eq!(
            stranger
                .send(
                    "POST",
                    &format!("/api/v1/applications/{id}/transitions"),
                    Some(json!({"action": "withdraw", "reason": "x"}))
                )
                .await
                .0,
            404
        );
        let na = format!("/api/v1/applications/{id}/items/CD-CM-01/not-applicable");
        assert_eq!(
            stranger
                .send("PUT", &na, Some(json!({"reason": "x"})))
                .await
                .0,
            404
        );
    }
    let (_, list) = stranger.send("GET", "/api/v1/applications", None).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn submission_outside_the_registration_window_is_refused() {
    let app = spawn_app().await;
    let (sec, member, _round, _app_id) = applicant(&app, "91110108MA01ABCD4").await;
    let v = app.caict_version().await;
    let (_, old) = sec
        .send(
            "POST",
            "/api/v1/rounds",
            Some(round_body(
                &v,
                "2021-01-18",
                "2021-02-10",
                "2021-02-25",
                "2021-04-15",
                "2021-05-20",
            )),
        )
        .await;
    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    sec.send(
        "POST",
        &format!(
            "/api/v1/enterprises/{}/verify",
            mine["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    let (status, a) = member
        .send(
            "POST",
            &format!(
                "/api/v1/rounds/{}/applications",
                old["id"].as_str().unwrap()
            ),
            Some(draft("SEC")),
        )
        .await;
    assert_eq!(status, 201);
    let id = a["id"].as_str().unwrap();
    declare_all_not_applicable(&member, id).await;
    let (status, problem) = member
        .send(
            "POST",
            &format!("/api/v1/applications/{id}/transitions"),
            Some(json!({"action": "submit"})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "registration.closed", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("2021-02-10"),
        "{problem}"
    );
}

#[tokio::test]
async fn an_application_consents_to_the_directory_only_when_it_says_so() {
    let app = spawn_app().await;
    let (_, member, round_id, without) = applicant(&app, "91110108MA01ABCD2").await;
    let create = format!("/api/v1/rounds/{round_id}/applications");
    let mut body = draft("SEC");
    body["directory_consent"] = json!(true);
    let (status, with) = member.send("POST", &create, Some(body)).await;
    assert_eq!(status, 201, "{with}");
    let (_, consenting) = member
        .send(
            "GET",
            &format!("/api/v1/applications/{}", with["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(consenting["directory_consent"], true, "{consenting}");
    let (_, silent) = member
        .send("GET", &format!("/api/v1/applications/{without}"), None)
        .await;
    assert_eq!(silent["directory_consent"], false, "the default: {silent}");
}
