//! Issue #17's walk: one certificate from issuance through a surveillance that maintains
//! it, a suspension, its reinstatement, a scope reduction (superseded by a successor), an
//! upheld appeal against that decision and a complaint handled end to end (with the
//! short-notice surveillance it asked for), then the renewal of the successor through a
//! re-assessment. After every step `/api/v1/verify` tells the
//! expected state and the issuance log verifies.

use serde_json::{json, Value};

use crate::appeals::judged;
use crate::certificates::{check, day, decided as decide};
use crate::helpers::TestApp;
use crate::panels::world;
use crate::surveillance::{certified, conclude, kinds, log_ok, plan, surveilled};

/// The token at the end of the newest link under `path` mailed to `email`.
async fn token_mailed(app: &TestApp, email: &str, path: &str) -> String {
    let prefix = format!("{}{path}", app.address);
    let email = email.to_string();
    let rows = app
        .conn(|c| certcase::db::models::mail::all(c).unwrap())
        .await;
    let row = rows
        .iter()
        .rev()
        .find(|r| r.recipient_address == email && r.body_text.contains(&prefix))
        .expect("a message with the link was queued");
    let start = row.body_text.find(&prefix).unwrap() + prefix.len();
    let rest = &row.body_text[start..];
    rest[..rest.find(char::is_whitespace).unwrap()].to_string()
}

async fn public(app: &TestApp, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
    let mut r = reqwest::Client::new()
        .request(method, app.url(path))
        .header("accept-language", "en");
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn one_certificate_walks_through_surveillance_suspension_reduction_appeal_complaint_and_renewal(
) {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;

    // Issue.
    let (a, number) = certified(&w).await;
    assert_eq!(check(&app, &number).await["status"], "valid");
    assert_eq!(log_ok(&app).await, 1);

    // Surveillance: maintained.
    let id = surveilled(&w, &a, &number).await;
    let (s, p) = conclude(
        &w.sec,
        &id,
        json!({"outcome": "maintain", "reason": "抽查项符合 / sampled items conform"}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    let v = check(&app, &number).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(kinds(&v), ["issued", "surveillance_maintained"]);
    assert_eq!(log_ok(&app).await, 2);

    // Suspension.
    decide(
        &w.sec,
        &number,
        "suspend",
        json!({"reason": "整改期 / corrective period", "until": day(30)}),
    )
    .await;
    assert_eq!(check(&app, &number).await["status"], "suspended");
    assert_eq!(log_ok(&app).await, 3);

    // Reinstatement.
    decide(
        &w.sec,
        &number,
        "reinstate",
        json!({"reason": "整改完成 / corrected"}),
    )
    .await;
    assert_eq!(check(&app, &number).await["status"], "valid");
    assert_eq!(log_ok(&app).await, 4);

    // Scope reduction: the certificate is superseded by its successor.
    let successor = decide(
        &w.sec,
        &number,
        "reduce-scope",
        json!({"reason": "清算移出范围 / clearing left the scope", "scope_zh": "核心交易系统（不含清算）"}),
    )
    .await["number"]
        .as_str()
        .unwrap()
        .to_string();
    let old = check(&app, &number).await;
    assert_eq!(old["status"], "superseded", "{old}");
    assert_eq!(old["superseded_by"], successor.as_str());
    assert_eq!(
        kinds(&old),
        [
            "issued",
            "surveillance_maintained",
            "suspended",
            "reinstated",
            "superseded"
        ]
    );
    assert_eq!(check(&app, &successor).await["status"], "valid");
    assert_eq!(log_ok(&app).await, 6);

    // One appeal, against the scope reduction: upheld, and carried out by the secretariat.
    let reduction_index = old["history"][4]["index"].as_u64().unwrap();
    let (s, appeal) = a
        .enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{}/appeals", a.application),
            Some(json!({
                "subject": "certificate_decision",
                "certificate_number": number,
                "log_index": reduction_index,
                "reasons": "清算系统的证据已在监督评估中提交 / the clearing evidence was submitted",
            })),
        )
        .await;
    assert_eq!(s, 201, "{appeal}");
    let appeal_id = appeal["id"].as_str().unwrap().to_string();
    let independent = w.assessor("王独立", true, &["CD"], "2099-01-01").await;
    judged(
        &w,
        &appeal_id,
        &independent,
        true,
        "证据充分 / the evidence suffices",
    )
    .await;
    let (s, p) = w
        .sec
        .send("GET", &format!("/api/v1/appeals/{appeal_id}"), None)
        .await;
    assert_eq!((s, p["status"].as_str()), (200, Some("upheld")), "{p}");
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/appeals/{appeal_id}/follow-up"),
            None,
        )
        .await;
    assert_eq!(s, 204, "{p}");
    assert_eq!(check(&app, &successor).await["status"], "valid");
    assert_eq!(log_ok(&app).await, 6, "an appeal writes no log entry");

    // One complaint, end to end: filed, confirmed by the mailed link, accepted, a
    // short-notice surveillance of the successor planned from it, answered.
    let email = "wang.fang@example.cn";
    let status = public(
        &app,
        reqwest::Method::POST,
        "/api/v1/complaints",
        Some(json!({
            "name": "王芳", "email": email, "about": "enterprise",
            "certificate_number": successor,
            "description": "宣传的认证范围仍包含清算系统",
        })),
    )
    .await;
    assert_eq!(status, 202);
    let token = token_mailed(&app, email, "/complaints/confirm/").await;
    let status = public(
        &app,
        reqwest::Method::POST,
        "/api/v1/complaints/confirmation",
        Some(json!({ "token": token })),
    )
    .await;
    assert!(status < 300, "confirmed: {status}");
    let (_, list) = w.sec.send("GET", "/api/v1/complaints", None).await;
    let complaint = list[0]["id"].as_str().unwrap().to_string();
    for (path, body) in [
        ("triage", Some(json!({"accept": true}))),
        ("surveillance", None),
    ] {
        let (s, p) = w
            .sec
            .send(
                "POST",
                &format!("/api/v1/complaints/{complaint}/{path}"),
                body,
            )
            .await;
        assert_eq!(s, 204, "{path}: {p}");
    }
    let (s, p) = plan(
        &w.sec,
        &successor,
        json!({"items": [a.items[0]], "complaint_id": complaint, "due_on": day(14)}),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["origin"], "complaint");
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/complaints/{complaint}/answer"),
            Some(json!({"answer": "已安排临时监督评估 / a short-notice surveillance is planned"})),
        )
        .await;
    assert_eq!(s, 204, "{p}");
    assert_eq!(
        public(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/complaints/track/{token}"),
            None
        )
        .await,
        200
    );
    assert_eq!(check(&app, &successor).await["status"], "valid");
    assert_eq!(log_ok(&app).await, 6);

    // Renewal: a re-assessment of the same part issues a successor that renews it.
    let (_renewal, renewed) = crate::renewal::renew_end_to_end(&w, &successor).await;
    let v = check(&app, &successor).await;
    assert_eq!(v["status"], "superseded", "{v}");
    assert_eq!(v["renewed_by"], renewed.as_str(), "{v}");
    let v = check(&app, &renewed).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["payload"]["renews"], successor.as_str(), "{v}");
    assert!(log_ok(&app).await >= 8);
}
