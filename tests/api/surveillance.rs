//! Surveillance of a certificate in force (issue #17): the secretariat plans the yearly
//! surveillance (or one at short notice after a complaint), assigns one or two assessors
//! by the panel rules, the enterprise uploads evidence for the selected items, the
//! assessors score them and the outcome maintains, narrows or suspends the certificate,
//! logged in the issuance log with the chain intact. Tasks and reports count them.

use certcase::workflow::certificates as certs;
use chrono::{Duration, Months, NaiveDate, Utc};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::certificates::{approved_applications, check};
use crate::evidence::{pdf, upload};
use crate::helpers::{Api, TestApp};
use crate::panels::{world, Client, World};
use crate::scoring::Assessed;

pub(crate) async fn issue(w: &World<'_>, application: &str) -> String {
    let (s, c) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/applications/{application}/certificate"),
            None,
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["number"].as_str().unwrap().to_string()
}

pub(crate) async fn log_ok(app: &TestApp) -> usize {
    app.conn(|c| certs::verify_log(c).unwrap())
        .await
        .expect("the issuance log is intact")
}

pub(crate) fn kinds(v: &Value) -> Vec<String> {
    v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) async fn plan(sec: &Client<'_>, number: &str, body: Value) -> (u16, Value) {
    sec.send(
        "POST",
        &format!("/api/v1/certificates/{number}/surveillances"),
        Some(body),
    )
    .await
}

pub(crate) async fn assign(sec: &Client<'_>, id: &str, assessors: &[&str]) -> (u16, Value) {
    sec.send(
        "PUT",
        &format!("/api/v1/surveillances/{id}/assessors"),
        Some(json!({ "assessors": assessors })),
    )
    .await
}

pub(crate) async fn score(who: &Client<'_>, id: &str, item: &str, level: i64) -> (u16, Value) {
    who.send(
        "PUT",
        &format!("/api/v1/surveillances/{id}/scores/{item}"),
        Some(json!({ "level": level, "note": "抽查记录齐全 / records complete" })),
    )
    .await
}

pub(crate) async fn conclude(sec: &Client<'_>, id: &str, body: Value) -> (u16, Value) {
    sec.send(
        "POST",
        &format!("/api/v1/surveillances/{id}/conclusion"),
        Some(body),
    )
    .await
}

/// Concludes a scored surveillance with "maintain"; its view.
async fn maintained(sec: &Client<'_>, id: &str) -> Value {
    let (s, p) = conclude(
        sec,
        id,
        json!({"outcome": "maintain", "reason": "抽查项符合要求 / sampled items conform"}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    p
}

fn api<'a>(c: &Client<'a>) -> Api<'a> {
    Api {
        app: c.app,
        token: c.token.clone(),
    }
}

async fn mail_kinds(app: &TestApp) -> Vec<String> {
    app.conn(|c| {
        certcase::db::models::mail::all(c)
            .unwrap()
            .into_iter()
            .map(|m| m.message_kind)
            .collect()
    })
    .await
}

async fn task_count(who: &Client<'_>, section: &str, task: &str) -> i64 {
    let (s, t) = who.send("GET", "/api/v1/tasks", None).await;
    assert_eq!(s, 200, "{t}");
    t["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == section)
        .and_then(|s| {
            s["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["task"] == task)
        })
        .map(|l| l["count"].as_i64().unwrap())
        .unwrap_or_else(|| panic!("no {task} in {t}"))
}

/// A certified application and its certificate; the selected items are its first two.
pub(crate) async fn certified<'a>(w: &World<'a>) -> (Assessed<'a>, String) {
    let a = approved_applications(w, 1).await.remove(0);
    let number = issue(w, &a.application).await;
    (a, number)
}

/// Plans, assigns (the panel's lead and second member), and has both score every
/// selected item: the surveillance is ready to conclude. Answers its id.
pub(crate) async fn surveilled(w: &World<'_>, a: &Assessed<'_>, number: &str) -> String {
    let items = &a.items[..2];
    let (s, p) = plan(&w.sec, number, json!({ "items": items })).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_str().unwrap().to_string();
    let (s, p) = assign(&w.sec, &id, &[&a.lead.id, &a.b.id]).await;
    assert_eq!(s, 200, "{p}");
    for who in [&a.lead, &a.b] {
        for item in items {
            let (s, p) = score(who, &id, item, 3).await;
            assert_eq!(s, 200, "{p}");
        }
    }
    id
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

#[tokio::test]
async fn a_yearly_surveillance_is_planned_assigned_evidenced_scored_and_maintains_the_certificate()
{
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, number) = certified(&w).await;
    let items: Vec<String> = a.items[..2].to_vec();

    // Refused plans change nothing and say why.
    for (body, status, code) in [
        (json!({"items": []}), 422, "surveillance.no_items"),
        (json!({"items": ["XX-99"]}), 422, "application.unknown_item"),
        (
            json!({"items": items, "complaint_id": uuid::Uuid::now_v7().to_string(), "due_on": today().to_string()}),
            404,
            "",
        ),
    ] {
        let (s, p) = plan(&w.sec, &number, body).await;
        assert_eq!(s, status, "{p}");
        if !code.is_empty() {
            assert_eq!(p["code"], code, "{p}");
        }
    }
    let (s, _) = plan(&a.enterprise, &number, json!({"items": items})).await;
    assert_eq!(s, 403, "only the secretariat plans");
    let (s, _) = plan(&w.sec, "CAICT-DCMM-2026-CD-9999", json!({"items": items})).await;
    assert_eq!(s, 404);

    let (s, p) = plan(&w.sec, &number, json!({"items": items})).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_str().unwrap().to_string();
    let issued = today();
    let first_due = issued.checked_add_months(Months::new(12)).unwrap();
    assert_eq!(
        p["due_on"],
        first_due.to_string(),
        "within 12 months of the decision"
    );
    assert_eq!(
        (
            p["status"].as_str(),
            p["origin"].as_str(),
            p["urgency"].as_str()
        ),
        (Some("planned"), Some("scheduled"), Some("upcoming"))
    );
    assert_eq!(p["actions"], json!(["assign"]));
    assert!(mail_kinds(&app)
        .await
        .contains(&"surveillance_planned".to_string()));
    let (s, p) = plan(&w.sec, &number, json!({"items": items})).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("surveillance.already_open")),
        "{p}"
    );

    // The assessors: one or two, qualified and without a conflict of interest.
    let unqualified = w.assessor("赵不符", true, &["SEC"], "2099-01-01").await;
    let (s, p) = assign(&w.sec, &id, &[&a.lead.id, &a.b.id, &a.c.id]).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["code"], "surveillance.assessor_problems");
    assert_eq!(p["args"]["problems"][0]["code"], "surveillance.size", "{p}");
    let (s, p) = assign(&w.sec, &id, &[&unqualified.id]).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(
        p["args"]["problems"][0]["code"], "panel.not_qualified",
        "the panel rules decide: {p}"
    );
    let (s, p) = assign(&w.sec, &id, &[&a.lead.id, &a.b.id]).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "assigned");
    assert_eq!(p["assessors"].as_array().unwrap().len(), 2);
    assert_eq!(
        mail_kinds(&app)
            .await
            .iter()
            .filter(|k| *k == "surveillance_assigned")
            .count(),
        2
    );
    assert_eq!(
        task_count(&a.lead, "assessor", "surveillances_to_score").await,
        1
    );
    assert_eq!(
        task_count(&a.enterprise, "enterprise", "surveillances_open").await,
        1
    );

    // The enterprise uploads evidence for a selected item of its certified application,
    // as a new version; another item stays locked.
    let (s, file) = upload(
        &api(&a.enterprise),
        &a.application,
        &items[0],
        "监督证据.pdf",
        pdf(2000),
        "年度监督评估的证据 / surveillance evidence",
    )
    .await;
    assert_eq!(s, 201, "{file}");
    assert!(file["version"].as_i64().unwrap() >= 2, "{file}");
    let other = a.items.iter().find(|i| !items.contains(i)).unwrap();
    let (s, p) = upload(
        &api(&a.enterprise),
        &a.application,
        other,
        "x.pdf",
        pdf(2000),
        "not selected",
    )
    .await;
    assert_eq!(s, 409, "{p}");
    let (s, p) = w
        .sec
        .send("GET", &format!("/api/v1/surveillances/{id}"), None)
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("in_progress")), "{p}");

    // Scores: only its assessors, only its items, levels 0 to 5; all before the end.
    let (s, p) = conclude(
        &w.sec,
        &id,
        json!({"outcome": "maintain", "reason": "良好"}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("surveillance.scores_missing")),
        "{p}"
    );
    let (s, p) = score(&a.c, &id, &items[0], 3).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (403, Some("surveillance.not_assessor")),
        "{p}"
    );
    let (s, p) = score(&a.lead, &id, &items[0], 7).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("surveillance.level_out_of_range")),
        "{p}"
    );
    let (s, p) = score(&a.lead, &id, other, 3).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("surveillance.not_selected")),
        "{p}"
    );
    for who in [&a.lead, &a.b] {
        for item in &items {
            let (s, p) = score(who, &id, item, 3).await;
            assert_eq!(s, 200, "{p}");
        }
    }
    assert_eq!(
        task_count(&a.lead, "assessor", "surveillances_to_score").await,
        0
    );

    // The enterprise sees its surveillance without the assessors' scores; another does not.
    let (s, mine) = a
        .enterprise
        .send("GET", &format!("/api/v1/surveillances/{id}"), None)
        .await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["items"][0]["scores"], json!([]));
    assert_eq!(mine["assessors"], json!([]));
    let (_, stranger) = w
        .enterprise("别家企业", &[certcase::domain::access::Role::Enterprise])
        .await;
    let (s, _) = stranger
        .send("GET", &format!("/api/v1/surveillances/{id}"), None)
        .await;
    assert_eq!(s, 404);
    let (s, listed) = stranger.send("GET", "/api/v1/surveillances", None).await;
    assert_eq!((s, listed), (200, json!([])));

    assert_eq!(log_ok(&app).await, 1);
    let p = maintained(&w.sec, &id).await;
    assert_eq!(
        (
            p["status"].as_str(),
            p["outcome"].as_str(),
            p["log_index"].as_i64()
        ),
        (Some("concluded"), Some("maintain"), Some(1))
    );
    let v = check(&app, &number).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(kinds(&v), ["issued", "surveillance_maintained"]);
    assert_eq!(log_ok(&app).await, 2);
    assert!(mail_kinds(&app)
        .await
        .contains(&"surveillance_concluded".to_string()));
    let (s, p) = conclude(
        &w.sec,
        &id,
        json!({"outcome": "maintain", "reason": "again"}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("surveillance.wrong_state")),
        "{p}"
    );
    let audited: i64 = app
        .conn(|c| {
            use certcase::db::schema::audit_log::dsl::*;
            use diesel::prelude::*;
            audit_log
                .filter(kind.like("surveillance_%"))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    assert!(
        audited >= 7,
        "planned (1), assigned (1), scored (4), concluded (1): {audited}"
    );

    // The next one of the yearly plan, due a year after the first.
    let (s, next) = plan(&w.sec, &number, json!({"items": [items[1]]})).await;
    assert_eq!(s, 201, "{next}");
    assert_eq!(
        next["due_on"],
        issued
            .checked_add_months(Months::new(24))
            .unwrap()
            .to_string()
    );

    // The programme report counts them: one upcoming, one concluded.
    let (s, report) = w.sec.send("GET", "/api/v1/reports", None).await;
    assert_eq!(s, 200, "{report}");
    let table = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "surveillances")
        .unwrap();
    assert_eq!(
        table["rows"][0]["values"],
        json!([1.0, 0.0, 0.0, 1.0]),
        "{table}"
    );
}

#[tokio::test]
async fn a_short_notice_surveillance_after_a_complaint_is_due_soon_and_suspends_the_certificate() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, number) = certified(&w).await;
    let complaint = uuid::Uuid::now_v7().to_string();
    let (cid, n) = (complaint.clone(), number.clone());
    app.conn(move |c| {
        use certcase::db::schema::complaints::dsl::*;
        use diesel::ExpressionMethods;
        let now = certcase::db::models::now();
        diesel::insert_into(complaints)
            .values((
                id.eq(cid),
                token_hash.eq(uuid::Uuid::now_v7().to_string()),
                complainant_name.eq("王芳"),
                complainant_email.eq("wang.fang@example.cn"),
                lang.eq("zh-CN"),
                about.eq("enterprise"),
                certificate_number.eq(Some(n)),
                description.eq("宣传范围超出证书"),
                status.eq("accepted"),
                address.eq("127.0.0.1"),
                created_at.eq(now),
                confirmed_at.eq(Some(now)),
                updated_at.eq(now),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
    let items = &a.items[..1];
    let body = |due: NaiveDate| json!({"items": items, "complaint_id": complaint, "due_on": due.to_string()});
    let (s, p) = plan(&w.sec, &number, body(today() + Duration::days(7))).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("surveillance.complaint_not_requested")),
        "only a complaint that asked for one: {p}"
    );
    let c = complaint.clone();
    app.conn(move |conn| {
        use certcase::db::schema::complaints::dsl::*;
        use diesel::prelude::*;
        diesel::update(complaints.filter(id.eq(c)))
            .set(surveillance_requested_at.eq(Some(certcase::db::models::now())))
            .execute(conn)
            .unwrap();
    })
    .await;
    let (s, p) = plan(&w.sec, &number, body(today() - Duration::days(1))).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("surveillance.due_out_of_range")),
        "{p}"
    );
    let (s, p) = plan(&w.sec, &number, body(today() + Duration::days(7))).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        (p["origin"].as_str(), p["urgency"].as_str()),
        (Some("complaint"), Some("due"))
    );
    let id = p["id"].as_str().unwrap().to_string();
    assert_eq!(
        task_count(&w.sec, "secretariat", "surveillances_due").await,
        1
    );
    assert_eq!(
        task_count(&w.sec, "secretariat", "surveillances_overdue").await,
        0
    );

    let (s, p) = assign(&w.sec, &id, &[&a.lead.id]).await;
    assert_eq!(s, 200, "one assessor is enough: {p}");
    let (s, p) = score(&a.lead, &id, &items[0], 1).await;
    assert_eq!(s, 200, "{p}");
    let (s, p) = assign(&w.sec, &id, &[&a.b.id]).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("surveillance.wrong_state")),
        "no new assessors once scoring began: {p}"
    );
    for (body, status, code) in [
        (
            json!({"outcome": "close", "reason": "x"}),
            422,
            "surveillance.outcome_unknown",
        ),
        (
            json!({"outcome": "suspend", "reason": "x"}),
            422,
            "certificate.suspension_until_invalid",
        ),
        (
            json!({"outcome": "suspend", "reason": "x", "until": (today() + Duration::days(400)).to_string()}),
            422,
            "certificate.suspension_too_long",
        ),
        (
            json!({"outcome": "maintain", "reason": " "}),
            422,
            "certificate.decision_reason_missing",
        ),
    ] {
        let (s, p) = conclude(&w.sec, &id, body).await;
        assert_eq!((s, p["code"].as_str()), (status, Some(code)), "{p}");
    }
    assert_eq!(log_ok(&app).await, 1, "refused outcomes write nothing");
    let until = today() + Duration::days(60);
    let (s, p) = conclude(
        &w.sec,
        &id,
        json!({"outcome": "suspend", "reason": "投诉属实 / complaint founded", "until": until.to_string()}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (p["outcome"].as_str(), p["log_index"].as_i64()),
        (Some("suspend"), Some(1))
    );
    let v = check(&app, &number).await;
    assert_eq!(v["status"], "suspended", "{v}");
    assert_eq!(v["suspended_until"], until.to_string());
    assert_eq!(kinds(&v), ["issued", "suspended"]);
    assert_eq!(log_ok(&app).await, 2);
    let (s, p) = plan(&w.sec, &number, json!({"items": items})).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.not_in_force")),
        "a suspended certificate is not surveilled: {p}"
    );
}

#[tokio::test]
async fn a_narrowing_outcome_is_the_scope_reduction_and_the_successor_is_surveilled_next() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, number) = certified(&w).await;
    let id = surveilled(&w, &a, &number).await;
    let (s, p) = conclude(
        &w.sec,
        &id,
        json!({"outcome": "narrow", "reason": "清算系统不再符合 / clearing no longer conforms", "scope_zh": "核心交易系统（不含清算）"}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    let successor = p["successor_number"].as_str().unwrap().to_string();
    assert_ne!(successor, number);
    assert_eq!(p["outcome"], "narrow");
    let old = check(&app, &number).await;
    assert_eq!(old["status"], "superseded", "{old}");
    assert_eq!(old["superseded_by"], successor.as_str());
    assert_eq!(p["log_index"].as_i64(), old["history"][1]["index"].as_i64());
    let new = check(&app, &successor).await;
    assert_eq!(new["status"], "valid", "{new}");
    assert_eq!(new["payload"]["scope_zh"], "核心交易系统（不含清算）");
    assert_eq!(log_ok(&app).await, 3);
    let (s, p) = plan(&w.sec, &successor, json!({"items": [a.items[0]]})).await;
    assert_eq!(s, 201, "the successor has a plan of its own: {p}");
    assert_eq!(p["certificate_number"], successor.as_str());
}

/// One run of the background job's overdue reminders on `today`: how many it sent.
async fn remind_overdue(app: &TestApp, today: NaiveDate) -> usize {
    app.conn(move |c| {
        certcase::workflow::surveillances::remind_overdue(c, "https://cert.test", today).unwrap()
    })
    .await
}

/// The `surveillance_overdue` mails in the outbox: (recipient user id, text).
async fn overdue_mails(app: &TestApp) -> Vec<(String, String)> {
    app.conn(|c| {
        certcase::db::models::mail::all(c)
            .unwrap()
            .into_iter()
            .filter(|m| m.message_kind == "surveillance_overdue")
            .map(|m| {
                let to = m
                    .recipient_user_id
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                (to, m.body_text)
            })
            .collect()
    })
    .await
}

#[tokio::test]
async fn an_overdue_surveillance_is_reminded_of_once_to_the_secretariat_and_the_enterprise() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, number) = certified(&w).await;
    let (s, p) = plan(&w.sec, &number, json!({"items": [a.items[0]]})).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_str().unwrap().to_string();
    let due: NaiveDate = p["due_on"].as_str().unwrap().parse().unwrap();

    assert_eq!(
        remind_overdue(&app, due).await,
        0,
        "on its due day it is not overdue"
    );
    assert_eq!(remind_overdue(&app, due + Duration::days(1)).await, 1);
    // Again, and by two instances at once: nothing more.
    let (x, y) = tokio::join!(
        remind_overdue(&app, due + Duration::days(1)),
        remind_overdue(&app, due + Duration::days(8))
    );
    assert_eq!(x + y, 0, "an overdue surveillance is reminded of once");

    let mails = overdue_mails(&app).await;
    let to: Vec<&str> = mails.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(
        (
            to.iter().filter(|t| **t == w.sec.id).count(),
            to.iter().filter(|t| **t == a.enterprise.id).count()
        ),
        (1, 1),
        "one to the secretariat, one to the enterprise: {to:?}"
    );
    for (_, text) in &mails {
        assert!(
            text.contains(&number)
                && text.contains(&due.to_string())
                && text.contains(&format!("https://cert.test/surveillances/{id}"))
                && text.contains("监督评估")
                && text.contains("was due by"),
            "the reminder names the certificate, the day and the page in both languages: {text}"
        );
    }

    // A concluded surveillance is not reminded of, however late the run.
    let (s, p) = assign(&w.sec, &id, &[&a.lead.id]).await;
    assert_eq!(s, 200, "{p}");
    let (s, p) = score(&a.lead, &id, &a.items[0], 3).await;
    assert_eq!(s, 200, "{p}");
    maintained(&w.sec, &id).await;
    let (s, next) = plan(&w.sec, &number, json!({"items": [a.items[1]]})).await;
    assert_eq!(s, 201, "{next}");
    let next_due: NaiveDate = next["due_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        remind_overdue(&app, next_due + Duration::days(1)).await,
        1,
        "the next one of the plan is reminded of in its turn, the concluded one is not"
    );
    assert_eq!(overdue_mails(&app).await.len(), 2 * mails.len());
}

#[tokio::test]
async fn the_pages_show_the_plan_and_the_forms_in_both_languages() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, number) = certified(&w).await;
    let id = surveilled(&w, &a, &number).await;
    for (who, form) in [
        (&w.sec.login, "action\" value=\"conclude\""),
        (&a.lead.login, "action\" value=\"score\""),
        (&a.enterprise.login, "/applications/"),
    ] {
        let browser = app.signed_in(who).await;
        for lang in ["zh-CN", "en"] {
            for path in ["/surveillances".to_string(), format!("/surveillances/{id}")] {
                let r = browser
                    .get(app.url(&path))
                    .header("accept-language", lang)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{path}");
                let html = r.text().await.unwrap();
                assert!(html.contains(&number), "{path}");
                if path.contains(&id) {
                    assert!(html.contains(form), "{path}: {html}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_secretariat_plans_by_ticking_items_and_assigns_from_the_fit_assessors_on_the_pages() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, number) = certified(&w).await;
    let unqualified = w.assessor("赵不符", true, &["SEC"], "2099-01-01").await;
    let browser = app.signed_in(&w.sec.login).await;
    let get = |path: String| {
        let browser = browser.clone();
        let url = app.url(&path);
        async move {
            let r = browser.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    // The list's form asks for the number; an unknown one is said so beside it.
    let (s, html) = get("/surveillances/new?certificate_number=2026-CD-999999".into()).await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("2026-CD-999999") && html.contains("role=\"alert\""),
        "{html}"
    );
    // The plan form of the certificate: every item of its part to tick, with its name.
    let new = format!("/surveillances/new?certificate_number={number}");
    let (s, html) = get(new.clone()).await;
    assert_eq!(s, 200, "{html}");
    for item in &a.items {
        assert!(
            html.contains(&format!("name=\"items\" value=\"{item}\"")),
            "no box for {item}: {html}"
        );
    }
    assert!(
        !html.contains("name=\"complaint_id\""),
        "no complaint asked for one"
    );

    // Nothing ticked: the form again, with the refusal; two ticked: planned.
    let r = app
        .submit_form(
            &browser,
            &new,
            "/surveillances",
            &[("certificate_number", &number)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"") && html.contains("name=\"items\""),
        "{html}"
    );
    let r = app
        .submit_form(
            &browser,
            &new,
            "/surveillances",
            &[
                ("certificate_number", &number),
                ("items", &a.items[0]),
                ("items", &a.items[1]),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let path = r.headers()["location"].to_str().unwrap().to_string();
    let id = path.trim_start_matches("/surveillances/").to_string();
    let (s, p) = w
        .sec
        .send("GET", &format!("/api/v1/surveillances/{id}"), None)
        .await;
    assert_eq!(s, 200, "{p}");
    let planned: Vec<&str> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item_code"].as_str().unwrap())
        .collect();
    assert_eq!(planned, [a.items[0].as_str(), a.items[1].as_str()]);
    // A second plan while this one is open: the list's form says why.
    let (s, html) = get(new.clone()).await;
    assert_eq!(s, 409, "{html}");

    // The assignment offers the fit assessors only, by name.
    let (s, html) = get(path.clone()).await;
    assert_eq!(s, 200, "{html}");
    for fit in [&a.lead, &a.b] {
        assert!(
            html.contains(&format!("<option value=\"{}\"", fit.id)),
            "{} is not offered: {html}",
            fit.name
        );
    }
    assert!(
        !html.contains(&unqualified.id),
        "an assessor not qualified for the part is offered"
    );
    let r = app
        .submit_form(
            &browser,
            &path,
            &path,
            &[
                ("action", "assign"),
                ("assessor", &a.lead.id),
                ("assessor", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, p) = w
        .sec
        .send("GET", &format!("/api/v1/surveillances/{id}"), None)
        .await;
    assert_eq!(
        (p["status"].as_str(), p["assessors"][0]["id"].as_str()),
        (Some("assigned"), Some(a.lead.id.as_str())),
        "{p}"
    );

    // Concluding asks first; refused, the form comes back with what was typed.
    let conclude = [
        ("action", "conclude"),
        ("outcome", "maintain"),
        ("reason", "抽查项符合要求"),
    ];
    let r = app.submit_form(&browser, &path, &path, &conclude).await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("name=\"confirmed\" value=\"yes\""));
    let mut confirmed = conclude.to_vec();
    confirmed.push(("confirmed", "yes"));
    let r = app.submit_form(&browser, &path, &path, &confirmed).await;
    assert_eq!(r.status(), 409, "the scores are missing");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\"") && html.contains("抽查项符合要求"),
        "{html}"
    );
}
