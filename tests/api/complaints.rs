//! The complaint's story: filed without an account, registered only once confirmed by the
//! mailed link, triaged, investigated and answered by the secretariat, read by the
//! complainant through their private link; and too many complaints from one address.

use certcase::db::models::mail as store;
use certcase::domain::access::Role;
use certcase::domain::audit::Kind;
use serde_json::{json, Value};

use crate::groups::kinds_logged;
use crate::helpers::{browser, spawn_app, TestApp};
use crate::panels::person;

const COMPLAINANT: &str = "wang.fang@example.cn";

async fn file(app: &TestApp, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/complaints"))
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn complaint() -> Value {
    json!({
        "name": "王芳", "email": COMPLAINANT, "about": "enterprise",
        "certificate_number": "CAICT-DCMM-2026-CD-0001",
        "description": "该企业宣传的认证范围超出了证书所列范围",
    })
}

/// The token at the end of the newest link under `path` mailed to `email`.
async fn token_mailed(app: &TestApp, email: &str, path: &str) -> String {
    let prefix = format!("{}{path}", app.address);
    let email = email.to_string();
    let rows = app.conn(|c| store::all(c).unwrap()).await;
    let row = rows
        .iter()
        .rev()
        .find(|r| r.recipient_address == email && r.body_text.contains(&prefix))
        .expect("a message with the link was queued");
    let start = row.body_text.find(&prefix).unwrap() + prefix.len();
    let rest = &row.body_text[start..];
    rest[..rest.find(char::is_whitespace).unwrap()].to_string()
}

async fn public_get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_complaint_is_confirmed_by_mail_handled_by_the_secretariat_and_followed_privately() {
    let app = spawn_app().await;
    let sec = person(&app, "秘书处", &[Role::Secretariat]).await;

    let res = file(
        &app,
        json!({"email": COMPLAINANT, "about": "enterprise", "description": "x"}),
    )
    .await;
    assert_eq!(
        res.status(),
        422,
        "an enterprise complaint names the enterprise"
    );
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "complaint.enterprise_not_named");
    let res = file(&app, complaint()).await;
    assert_eq!(res.status(), 202);

    // Not registered until confirmed.
    let (_, list) = sec.send("GET", "/api/v1/complaints", None).await;
    assert_eq!(list, json!([]));
    let token = token_mailed(&app, COMPLAINANT, "/complaints/confirm/").await;
    assert_eq!(
        public_get(&app, &format!("/api/v1/complaints/track/{token}"))
            .await
            .0,
        404
    );
    let stored = app
        .conn(|c| {
            certcase::db::models::complaints::list(c, false)
                .unwrap()
                .len()
        })
        .await;
    assert_eq!(stored, 0);
    let t = token.clone();
    let hashed = app
        .conn(move |c| {
            certcase::db::models::complaints::by_token(c, &t)
                .unwrap()
                .is_none()
                && certcase::db::models::complaints::by_token(c, &certcase::auth::token_hash(&t))
                    .unwrap()
                    .is_some()
        })
        .await;
    assert!(hashed, "the token is kept as its hash only");

    // The mailed link opens a page whose button confirms.
    let visitor = browser();
    let confirm_page = format!("/complaints/confirm/{token}");
    let res = app
        .submit_form(&visitor, &confirm_page, &confirm_page, &[])
        .await;
    assert_eq!(res.status(), 303);
    let track = format!("/complaints/track/{token}");
    assert_eq!(res.headers()["location"], track.as_str());
    let follow = token_mailed(&app, COMPLAINANT, "/complaints/track/").await;
    assert_eq!(follow, token);
    assert_eq!(kinds_logged(&app, Kind::ComplaintConfirmed).await.len(), 1);

    let (_, list) = sec.send("GET", "/api/v1/complaints", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["status"], "received");
    assert_eq!(list[0]["complainant_email"], COMPLAINANT);
    let id = list[0]["id"].as_str().unwrap().to_string();
    let (_, tasks) = sec.send("GET", "/api/v1/tasks", None).await;
    let task = |name: &str| {
        tasks["sections"][0]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == name)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(task("complaints_to_triage"), 1);

    let act = |path: &str, body: Option<Value>| {
        let path = format!("/api/v1/complaints/{id}/{path}");
        let sec = &sec;
        async move { sec.send("POST", &path, body).await }
    };
    assert_eq!(
        act("answer", Some(json!({"answer": "x"}))).await.0,
        409,
        "triage first"
    );
    assert_eq!(act("triage", Some(json!({"accept": true}))).await.0, 204);
    let (s, p) = act("notes", Some(json!({"body": "已联系企业，索取宣传材料"}))).await;
    assert_eq!(s, 204, "{p}");
    assert_eq!(act("surveillance", None).await.0, 204);
    let (_, tasks) = sec.send("GET", "/api/v1/tasks", None).await;
    let requested = tasks["sections"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "surveillance_requested")
        .unwrap()["count"]
        .clone();
    assert_eq!(requested, 1);
    let (s, p) = act(
        "answer",
        Some(json!({"answer": "经核实，已要求企业更正宣传内容，并安排短期通知监督审核。"})),
    )
    .await;
    assert_eq!(s, 204, "{p}");
    let (_, seen) = sec
        .send("GET", &format!("/api/v1/complaints/{id}"), None)
        .await;
    assert_eq!(seen["status"], "answered");
    assert_eq!(seen["notes"][0]["body"], "已联系企业，索取宣传材料");
    assert!(seen["surveillance_requested_at"].is_string(), "{seen}");

    // The complainant reads the answer through the private link: no notes, no flags.
    let (s, mine) = public_get(&app, &format!("/api/v1/complaints/track/{token}")).await;
    assert_eq!(s, 200);
    assert_eq!(mine["status"], "answered");
    assert!(mine["answer"].as_str().unwrap().contains("已要求企业更正"));
    assert_eq!(mine["notes"], json!([]));
    assert!(
        mine.get("complainant_email").is_none() && mine.get("surveillance_requested_at").is_none()
    );
    let html = visitor
        .get(app.url(&track))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("已答复") && html.contains("已要求企业更正"),
        "{html}"
    );
    assert!(!html.contains("索取宣传材料"));
    assert_eq!(
        public_get(&app, "/api/v1/complaints/track/guessed").await.0,
        404
    );

    let updates = app
        .conn(|c| store::all(c).unwrap())
        .await
        .into_iter()
        .filter(|r| r.message_kind == "complaint_updated" && r.recipient_address == COMPLAINANT)
        .count();
    assert_eq!(updates, 2, "told when accepted and when answered");
    for kind in [
        Kind::ComplaintTriaged,
        Kind::ComplaintNoted,
        Kind::SurveillanceRequested,
        Kind::ComplaintAnswered,
    ] {
        assert_eq!(kinds_logged(&app, kind).await.len(), 1, "{kind:?}");
    }
}

#[tokio::test]
async fn one_address_files_three_complaints_an_hour() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(file(&app, complaint()).await.status(), 202);
    }
    let res = file(&app, complaint()).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 3500 && wait <= 3600, "{wait}");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "complaint.too_often");

    // The public form is there for anyone; nothing more was mailed.
    let page = browser()
        .get(app.url("/complaints/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("action=\"/complaints/new\""));
    let confirmations = app
        .conn(|c| store::all(c).unwrap())
        .await
        .into_iter()
        .filter(|r| r.message_kind == "complaint_confirm")
        .count();
    assert_eq!(confirmations, 3);
}

/// The public form, sent once too often, is shown again with what was typed and why it
/// must wait, under 429 and its `Retry-After`: nothing typed is lost.
#[tokio::test]
async fn the_form_sent_too_often_keeps_what_was_typed() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(file(&app, complaint()).await.status(), 202);
    }
    let visitor = browser();
    let description = "该企业宣传的认证范围超出了证书所列范围，第四次反映";
    let res = app
        .submit_form(
            &visitor,
            "/complaints/new",
            "/complaints/new",
            &[
                ("name", "王芳"),
                ("email", COMPLAINANT),
                ("about", "enterprise"),
                ("certificate_number", "CAICT-DCMM-2026-CD-0001"),
                ("enterprise_name", "北京喆堃科技有限公司"),
                ("description", description),
            ],
        )
        .await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 3500 && wait <= 3600, "{wait}");
    let page = res.text().await.unwrap();
    assert!(page.contains("action=\"/complaints/new\""), "{page}");
    for typed in [
        description,
        COMPLAINANT,
        "北京喆堃科技有限公司",
        "CAICT-DCMM-2026-CD-0001",
    ] {
        assert!(page.contains(typed), "the form lost {typed}:\n{page}");
    }
    assert!(
        page.contains("分钟后再试") || page.contains("try again in about"),
        "no reason to wait: {page}"
    );
}
