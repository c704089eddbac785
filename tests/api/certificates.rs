//! Certificates (feature: certs): an approved application is issued its certificate once,
//! anyone can verify it by number or by file, any changed byte is caught, revocation and
//! expiry show, and the issuance log finds an altered row.

use certcase::domain::audit::Actor;
use certcase::workflow::certificates::{self as certs, Issuer};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::panels::{world, Client, World};
use crate::review::{form, reviewers, scored, vote};
use crate::scoring::Assessed;

/// An application driven through scoring and the review panel's approval.
pub(crate) async fn approved<'a>(w: &World<'a>) -> Assessed<'a> {
    approved_applications(w, 1).await.remove(0)
}

/// `n` applications of the round, each scored by its panel and approved by the round's
/// one-member review panel.
pub(crate) async fn approved_applications<'a>(w: &World<'a>, n: usize) -> Vec<Assessed<'a>> {
    let mut scored_ones = Vec::new();
    for _ in 0..n {
        scored_ones.push(scored(w).await);
    }
    approve(w, &scored_ones).await;
    scored_ones
}

/// Forms the round's review panel (one member) and has it approve the scored applications.
async fn approve(w: &World<'_>, scored_ones: &[Assessed<'_>]) {
    let panel = reviewers(w, 1).await;
    assert_eq!(
        form(w, &[(panel[0].0.id.clone(), panel[0].1.clone())], 1)
            .await
            .0,
        201
    );
    for a in scored_ones {
        let send = format!("/api/v1/applications/{}/send-to-review", a.application);
        assert_eq!(a.lead.send("POST", &send, None).await.0, 204);
        let (s, d) = vote(&panel[0].0, &a.application, true, &[]).await;
        assert_eq!(s, 200, "{d}");
        assert_eq!(w.status(&a.application).await, "approved");
    }
}

pub(crate) async fn issue(w: &World<'_>, application: &str) -> (u16, Value) {
    w.sec
        .send(
            "POST",
            &format!("/api/v1/applications/{application}/certificate"),
            None,
        )
        .await
}

/// Issues the approved application's certificate and answers its number.
pub(crate) async fn issued_number(w: &World<'_>, application: &str) -> String {
    let (s, c) = issue(w, application).await;
    assert_eq!(s, 201, "{c}");
    c["number"].as_str().unwrap().to_string()
}

/// A secretariat decision on certificate `number` (`suspend`, `reinstate`, `withdraw`,
/// `reduce-scope`) by `who`, with its status.
pub(crate) async fn decide(
    who: &Client<'_>,
    number: &str,
    action: &str,
    body: Value,
) -> (u16, Value) {
    who.send(
        "POST",
        &format!("/api/v1/certificates/{number}/{action}"),
        Some(body),
    )
    .await
}

/// [`decide`], which must succeed: the answer.
pub(crate) async fn decided(who: &Client<'_>, number: &str, action: &str, body: Value) -> Value {
    let (s, c) = decide(who, number, action, body).await;
    assert!(s == 200 || s == 201, "{action}: {s} {c}");
    c
}

/// The date `days` from today, as the API takes it.
pub(crate) fn day(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

pub(crate) async fn check(app: &TestApp, number: &str) -> Value {
    reqwest::get(app.url(&format!("/api/v1/verify/{number}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub(crate) async fn check_file(app: &TestApp, pdf: Vec<u8>) -> (u16, Value) {
    let boundary = "certcase-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"c.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&pdf);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/verify"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn download(
    app: &TestApp,
    who: &crate::helpers::TestUser,
    number: &str,
) -> (u16, Vec<u8>) {
    let browser = app.signed_in(who).await;
    let r = browser
        .get(app.url(&format!("/certificates/{number}.pdf")))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

/// The PDF with its embedded signed certificate (the associated file `certificate.json`)
/// replaced by `signed`, saved again by lopdf.
pub(crate) fn reembed(pdf: &[u8], signed: &Value) -> Vec<u8> {
    replace_attachment(
        pdf,
        "certificate.json",
        &serde_json::to_vec(signed).unwrap(),
    )
}

/// The PDF with the bytes of its associated file `name` replaced, saved again by lopdf.
pub(crate) fn replace_attachment(pdf: &[u8], name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(pdf).unwrap();
    let specs: Vec<_> = doc
        .catalog()
        .unwrap()
        .get(b"AF")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_reference().unwrap())
        .collect();
    let file = specs
        .into_iter()
        .find_map(|id| {
            let spec = doc.get_dictionary(id).unwrap();
            (spec.get(b"UF").unwrap().as_str().unwrap() == name.as_bytes()).then(|| {
                spec.get(b"EF")
                    .unwrap()
                    .as_dict()
                    .unwrap()
                    .get(b"F")
                    .unwrap()
                    .as_reference()
                    .unwrap()
            })
        })
        .unwrap_or_else(|| panic!("the PDF carries no {name}"));
    let stream = doc.get_object_mut(file).unwrap().as_stream_mut().unwrap();
    stream.dict.remove(b"Filter");
    stream.set_content(bytes.to_vec());
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn issuer(app: &TestApp) -> Issuer {
    Issuer {
        data_dir: app.data_dir.clone(),
        base_url: app.address.clone(),
    }
}

#[tokio::test]
async fn issued_once_verified_by_anyone_tampering_is_caught_and_revocation_shows() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;

    let (s, enterprise_try) = a
        .enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{}/certificate", a.application),
            None,
        )
        .await;
    assert_eq!(s, 403, "{enterprise_try}");
    let (s, c) = issue(&w, &a.application).await;
    assert_eq!(s, 201, "{c}");
    let number = c["number"].as_str().unwrap().to_string();
    assert!(number.ends_with("-CD-000001"), "{number}");
    let (s, again) = issue(&w, &a.application).await;
    assert_eq!(s, 200);
    assert_eq!(again["number"], c["number"]);
    assert_eq!(w.status(&a.application).await, "certified");

    let v = check(&app, &number).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["payload"]["level"], 3);
    assert_eq!(v["payload"]["enterprise_name_zh"], "北京喆堃科技有限公司");
    let unknown = check(&app, "2026-CD-999999").await;
    assert_eq!(unknown, json!({"status": "unknown"}));
    assert_eq!(check(&app, "no%20such%20thing").await, unknown);

    let keys: Value = reqwest::get(app.url("/.well-known/certcase-keys.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"][0]["id"], c["key_id"], "{keys}");
    let key_file = app
        .data_dir
        .join("keys")
        .join(format!("{}.key", c["key_id"].as_str().unwrap()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The enterprise downloads the PDF; an enterprise member elsewhere cannot.
    let (s, pdf) = download(&app, &a.enterprise.login, &number).await;
    assert_eq!(s, 200);
    assert!(pdf.starts_with(b"%PDF"));
    let (_, outsider) = w
        .enterprise("别的企业", &[certcase::domain::access::Role::Enterprise])
        .await;
    assert_eq!(download(&app, &outsider.login, &number).await.0, 404);
    let (s, v) = check_file(&app, pdf.clone()).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("valid")), "{v}");

    let signed =
        serde_json::to_value(certcase::pdf::extract_signed_payload(&pdf).unwrap()).unwrap();
    let fields: Vec<String> = signed["payload"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for field in &fields {
        let mut t = signed.clone();
        let value = &mut t["payload"][field];
        *value = match value {
            Value::Number(n) => json!(n.as_u64().unwrap() + 1),
            Value::String(s) if field.contains("date") || field == "valid_until" => {
                json!(if s.as_str() == "2020-01-01" {
                    "2020-01-02"
                } else {
                    "2020-01-01"
                })
            }
            Value::String(s) if field == "certificate_id" => {
                json!(uuid::Uuid::now_v7().to_string())
            }
            Value::String(s) => json!(format!("{s}X")),
            other => panic!("unexpected payload value {other}"),
        };
        let (s, v) = check_file(&app, reembed(&pdf, &t)).await;
        assert_eq!(s, 200);
        assert_eq!(v["status"], "invalid", "changed {field}: {v}");
        assert!(v["reason"].is_string(), "{v}");
    }
    let mut t = signed.clone();
    let sig = t["signature_b64"].as_str().unwrap().to_string();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    t["signature_b64"] = json!(format!("{flipped}{}", &sig[1..]));
    let (_, v) = check_file(&app, reembed(&pdf, &t)).await;
    assert_eq!(v["status"], "invalid", "{v}");
    assert_eq!(v["reason"], "the signature does not match the payload");
    let mut t = signed.clone();
    t["key_id"] = json!("0000000000000000");
    let (_, v) = check_file(&app, reembed(&pdf, &t)).await;
    assert_eq!(v["status"], "invalid", "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("no published key"),
        "{v}"
    );
    let (s, v) = check_file(&app, b"%PDF-1.7 nothing here".to_vec()).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("invalid")));

    let revoke = format!("/api/v1/certificates/{number}/revoke");
    assert_eq!(
        w.sec
            .send("POST", &revoke, Some(json!({"reason": "  "})))
            .await
            .0,
        422
    );
    let (s, r) = w
        .sec
        .send(
            "POST",
            &revoke,
            Some(json!({"reason": "证据造假 / forged evidence"})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        w.sec
            .send("POST", &revoke, Some(json!({"reason": "again"})))
            .await
            .0,
        409
    );
    let v = check(&app, &number).await;
    assert_eq!(v["status"], "revoked", "{v}");
    assert_eq!(v["revoke_reason"], "证据造假 / forged evidence");
    assert!(v["revoked_at"].is_string());
    let (_, v) = check_file(&app, pdf).await;
    assert_eq!(v["status"], "revoked");

    let log = app
        .conn(|c| certcase::db::models::certificates::log(c).unwrap())
        .await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].reason.as_deref(), Some("证据造假 / forged evidence"));
    let kinds: Vec<String> = app
        .conn(|c| {
            certcase::db::models::mail::unsent(c, 100)
                .unwrap()
                .into_iter()
                .map(|m| m.message_kind)
                .collect()
        })
        .await;
    assert!(kinds.iter().any(|k| k == "certificate_issued"), "{kinds:?}");
    assert!(
        kinds.iter().any(|k| k == "certificate_revoked"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn twenty_simultaneous_issue_requests_make_one_certificate() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let results = futures_util::future::join_all((0..20).map(|_| issue(&w, &a.application))).await;
    assert!(
        results.iter().all(|(s, _)| *s == 200 || *s == 201),
        "{results:?}"
    );
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .all(|(_, c)| c["number"] == results[0].1["number"]));
    let log = app
        .conn(|c| certcase::db::models::certificates::log(c).unwrap())
        .await;
    assert_eq!(log.len(), 1);
}

#[tokio::test]
async fn expiry_unprintable_names_key_rotation_and_an_altered_log_row() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let (id, issuer) = (a.application.clone(), issuer(&app));
    let sec: certcase::domain::ids::UserId = w.sec.id.parse().unwrap();

    // A character no font has refuses the certificate and changes nothing.
    let set_names = |zh: &'static str, en: &'static str| {
        let id = id.clone();
        app.conn(move |c| {
            let e = certcase::db::models::applications::get(c, id.parse().unwrap())
                .unwrap()
                .unwrap()
                .enterprise_id;
            diesel::sql_query(format!(
                "UPDATE enterprises SET name_zh = '{zh}', name_en = '{en}' WHERE id = '{e}'"
            ))
            .execute(c)
            .unwrap();
        })
    };
    set_names("张喆与王堃科技\u{13000}", "Łukasz").await;
    let (s, p) = issue(&w, &a.application).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["code"], "pdf.missing_glyph", "{p}");
    assert_eq!(p["args"]["codepoint"], "U+13000", "{p}");
    assert_eq!(w.status(&a.application).await, "approved");

    set_names(
        "张喆与王堃科技有限公司",
        "Łukasz & O''Brien <script>alert(1)</script> Ltd.",
    )
    .await;
    let (row, created) = {
        let (id, issuer) = (id.clone(), issuer.clone());
        app.conn(move |c| {
            let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 15).unwrap();
            certs::issue_on(
                c,
                &issuer,
                &Actor::console("test"),
                sec,
                id.parse().unwrap(),
                day,
            )
            .unwrap()
        })
        .await
    };
    assert!(created);
    let v = check(&app, &row.number).await;
    assert_eq!(v["status"], "expired", "{v}");
    assert_eq!(v["payload"]["valid_until"], "2023-01-15");
    let (s, pdf) = download(&app, &w.sec.login, &row.number).await;
    assert_eq!(s, 200);
    let embedded = certcase::pdf::extract_signed_payload(&pdf).unwrap();
    assert_eq!(
        embedded.payload.enterprise_name_en,
        "Łukasz & O'Brien <script>alert(1)</script> Ltd."
    );
    let page = reqwest::get(app.url(&format!("/verify/{}", row.number)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;script&gt;") && !page.contains("<script>alert"),
        "escaped"
    );

    // A new key signs from now on; the old one stays published and valid for its own.
    let rotated = {
        let issuer = issuer.clone();
        app.conn(move |c| certs::rotate(c, &issuer, &Actor::console("test")).unwrap())
            .await
    };
    assert_ne!(rotated.id, row.key_id);
    let (_, v) = check_file(&app, pdf).await;
    assert_eq!(v["status"], "expired", "still genuine after rotation: {v}");
    let keys = app.conn(|c| certs::published_keys(c).unwrap()).await;
    assert_eq!(keys.len(), 2);

    let number = row.number.clone();
    app.conn(move |c| {
        certs::revoke(c, &Actor::console("test"), &number, "withdrawn").unwrap();
    })
    .await;
    assert_eq!(app.conn(|c| certs::verify_log(c).unwrap()).await, Ok(2));
    let refused = app
        .conn(|c| {
            diesel::sql_query("UPDATE issuance_log SET reason = 'x' WHERE idx = 1").execute(c)
        })
        .await;
    assert!(refused.is_err(), "the log refuses updates");
    app.conn(|c| {
        let drop = match certcase::db::backend(c) {
            certcase::db::Backend::Sqlite => "DROP TRIGGER issuance_log_no_update",
            certcase::db::Backend::Postgres => {
                "DROP TRIGGER issuance_log_append_only ON issuance_log"
            }
        };
        diesel::sql_query(drop).execute(c).unwrap();
        diesel::sql_query("UPDATE issuance_log SET reason = 'tidied up' WHERE idx = 1")
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(app.conn(|c| certs::verify_log(c).unwrap()).await, Err(1));
}

/// A page as a browser gets it: status and body.
async fn get_page(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, String) {
    let r = browser.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Posts a page form from our own site with the browser's CSRF token.
async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.submit_form(browser, "/verify", path, fields).await
}

#[tokio::test]
async fn the_secretariat_issues_from_the_round_page_and_revokes_from_the_verify_page() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let round_page = format!("/rounds/{}", w.round);
    let issue_action = format!("action=\"/rounds/{}/certificates\"", w.round);

    // Only the secretariat sees the button, and only the secretariat may press it.
    let member = app.signed_in(&a.enterprise.login).await;
    let (s, page) = get_page(&app, &member, &round_page).await;
    assert_eq!(s, 200);
    assert!(
        !page.contains(&issue_action),
        "no issue button for the enterprise"
    );
    let pressed = post_form(&app, &member, &format!("{round_page}/certificates"), &[]).await;
    assert_eq!(pressed.status(), 403);
    assert_eq!(w.status(&a.application).await, "approved");

    let sec = app.signed_in(&w.sec.login).await;
    let (_, page) = get_page(&app, &sec, &round_page).await;
    assert!(
        page.contains(&issue_action),
        "the secretariat has the button"
    );
    let res = post_form(&app, &sec, &format!("{round_page}/certificates"), &[]).await;
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        back,
        format!("{round_page}?issued=1&existing=0&refused=0#certificates")
    );
    assert_eq!(w.status(&a.application).await, "certified");
    let id = a.application.clone();
    let row = app
        .conn(move |c| {
            certcase::db::models::certificates::by_application(c, id.parse().unwrap())
                .unwrap()
                .expect("the button issued the certificate")
        })
        .await;
    let (_, page) = get_page(&app, &sec, &back).await;
    assert!(
        page.contains("1 新颁发 · 0 此前已颁发 · 0 被拒绝")
            || page.contains("1 newly issued · 0 already issued before · 0 refused"),
        "the outcome is shown on the round page"
    );
    let again = post_form(&app, &sec, &format!("{round_page}/certificates"), &[]).await;
    assert_eq!(
        again.headers()["location"].to_str().unwrap(),
        format!("{round_page}?issued=0&existing=1&refused=0#certificates"),
        "pressing twice issues nothing new"
    );

    // The revoke form: on the verification page, for the secretariat only.
    let verify_page = format!("/verify/{}", row.number);
    let revoke_path = format!("/certificates/{}/revoke", row.number);
    let revoke_action = format!("action=\"{revoke_path}\"");
    let (_, page) = get_page(&app, &crate::helpers::browser(), &verify_page).await;
    assert!(
        !page.contains(&revoke_action),
        "nothing to revoke for visitors"
    );
    let (_, page) = get_page(&app, &member, &verify_page).await;
    assert!(!page.contains(&revoke_action), "nor for the enterprise");
    assert_eq!(
        post_form(&app, &member, &revoke_path, &[("reason", "mine")])
            .await
            .status(),
        403
    );
    let (_, page) = get_page(&app, &sec, &verify_page).await;
    assert!(
        page.contains(&revoke_action),
        "the secretariat has the form"
    );
    assert!(page.contains("name=\"reason\""));

    let refused = post_form(&app, &sec, &revoke_path, &[("reason", "   ")]).await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("请说明撤销证书的原因"),
        "the refusal says why"
    );
    assert_eq!(check(&app, &row.number).await["status"], "valid");

    let reason = ("reason", "证据造假（forged evidence）");
    let asked = post_form(&app, &sec, &revoke_path, &[reason]).await;
    assert_eq!(asked.status(), 200, "revocation asks first");
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("确认撤销证书？") && asked.contains("name=\"confirmed\" value=\"yes\""));
    assert_eq!(check(&app, &row.number).await["status"], "valid");
    let res = post_form(&app, &sec, &revoke_path, &[reason, ("confirmed", "yes")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"].to_str().unwrap(), verify_page);
    let (_, page) = get_page(&app, &crate::helpers::browser(), &verify_page).await;
    assert!(page.contains("status-revoked"), "the public page shows it");
    assert!(page.contains("证据造假（forged evidence）"));
    let (_, page) = get_page(&app, &sec, &verify_page).await;
    assert!(
        !page.contains(&revoke_action),
        "a revoked certificate has no revoke form"
    );
    assert_eq!(check(&app, &row.number).await["status"], "revoked");
}

/// GET `path` as an anonymous client; status, content type and body.
async fn anonymous(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = reqwest::get(app.url(path)).await.unwrap();
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    (r.status().as_u16(), kind, r.text().await.unwrap())
}

#[tokio::test]
async fn verification_is_limited_per_address_and_says_so_as_problem_details() {
    let app = crate::helpers::spawn_app().await;
    for i in 0..certcase::routes::certificates::VERIFY_LIMIT {
        let (s, _, _) = anonymous(&app, &format!("/api/v1/verify/2026-CD-{i:06}")).await;
        assert_eq!(s, 200, "request {i} is within the limit");
    }
    let (s, kind, body) = anonymous(&app, "/api/v1/verify/2026-CD-000001").await;
    assert_eq!(s, 429);
    assert_eq!(kind, "application/problem+json");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 429);
    assert_eq!(problem["title"], "请求过于频繁");
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(problem["instance"], "/api/v1/verify/2026-CD-000001");

    // The page and the upload share the limit.
    let (s, kind, page) = anonymous(&app, "/verify/2026-CD-000001").await;
    assert_eq!(s, 429);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(page.contains("429"));
    let (s, v) = check_file(&app, b"%PDF-1.7".to_vec()).await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(v["status"], 429);
    // The form without a number is no verification and stays available.
    assert_eq!(anonymous(&app, "/verify").await.0, 200);
}

#[tokio::test]
async fn unknown_and_malformed_numbers_answer_alike() {
    let app = crate::helpers::spawn_app().await;
    let unknown = anonymous(&app, "/api/v1/verify/2026-CD-999999").await;
    assert_eq!(unknown.0, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&unknown.2).unwrap(),
        json!({"status": "unknown"})
    );
    for malformed in [
        "not-a-number",
        "2026-CD-1",
        "2026-cd-000001",
        "%E5%96%86%E5%A0%83",
        "2026-CD-000001%20OR%201=1",
    ] {
        let answer = anonymous(&app, &format!("/api/v1/verify/{malformed}")).await;
        assert_eq!(answer, unknown, "{malformed}");
    }
    // The pages too, byte for byte, for one browser (same CSRF cookie).
    let browser = crate::helpers::browser();
    let (s, page) = get_page(&app, &browser, "/verify/2026-CD-999999").await;
    assert_eq!(s, 200);
    assert!(page.contains("status-unknown"));
    for path in [
        "/verify/not-a-number",
        "/verify/2026-CD-1",
        "/verify?number=2026-CD-999999",
        "/verify?number=%3Cscript%3E",
    ] {
        assert_eq!(
            get_page(&app, &browser, path).await,
            (s, page.clone()),
            "{path}"
        );
    }
}

/// Posts `pdf` through the `/verify` page's upload form.
async fn upload_page(app: &TestApp, browser: &reqwest::Client, pdf: Vec<u8>) -> (u16, String) {
    let (_, form_page) = get_page(app, browser, "/verify").await;
    let marker = "action=\"/verify?csrf_token=";
    let start = form_page.find(marker).expect("the upload form") + "action=\"".len();
    let action = &form_page[start..start + form_page[start..].find('"').unwrap()];
    let form = reqwest::multipart::Form::new().part(
        "pdf",
        reqwest::multipart::Part::bytes(pdf)
            .file_name("certificate.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = browser
        .post(app.url(action))
        .headers(app.same_origin())
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_upload_page_and_api_check_a_file_and_refuse_one_over_5_mb() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let number = issued_number(&w, &a.application).await;
    let (_, pdf) = download(&app, &a.enterprise.login, &number).await;

    let browser = crate::helpers::browser();
    let (s, page) = get_page(&app, &browser, "/verify").await;
    assert_eq!(s, 200);
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("type=\"file\" name=\"pdf\""));
    assert!(
        !page.contains("id=\"verification\""),
        "no answer before a question"
    );

    let (s, page) = upload_page(&app, &browser, pdf.clone()).await;
    assert_eq!(s, 200);
    assert!(page.contains("status-valid"), "VALID");
    assert!(page.contains(&number));
    assert!(page.contains("北京喆堃科技有限公司"));

    let mut signed =
        serde_json::to_value(certcase::pdf::extract_signed_payload(&pdf).unwrap()).unwrap();
    signed["payload"]["level"] = json!(5);
    let (s, page) = upload_page(&app, &browser, reembed(&pdf, &signed)).await;
    assert_eq!(s, 200);
    assert!(page.contains("status-invalid"), "INVALID");
    assert!(
        page.contains("the signature does not match the payload"),
        "with the reason"
    );
    let (_, page) = upload_page(&app, &browser, b"%PDF-1.7 nothing".to_vec()).await;
    assert!(page.contains("status-invalid"));
    assert!(page.contains("no readable signed certificate payload"));

    // Over 5 MiB: refused as problem details, and nothing changes.
    let counts = || {
        app.conn(|c| {
            (
                certcase::db::models::certificates::log(c).unwrap().len(),
                certs::published_keys(c).unwrap().len(),
                certcase::db::models::mail::unsent(c, 1000).unwrap().len(),
            )
        })
    };
    let before = counts().await;
    let mut big = pdf.clone();
    big.resize(certcase::routes::certificates::UPLOAD_LIMIT + 1, b' ');
    let (s, problem) = check_file(&app, big).await;
    assert_eq!(s, 413, "{problem}");
    assert_eq!(problem["status"], 413);
    assert!(
        problem["detail"].as_str().unwrap().contains("5 MiB"),
        "{problem}"
    );
    assert_eq!(counts().await, before);
    assert_eq!(check(&app, &number).await["status"], "valid");
    // Exactly at the limit is still read: the genuine payload is found, but the padded
    // file is not the PDF issued.
    let mut at_limit = pdf;
    at_limit.resize(certcase::routes::certificates::UPLOAD_LIMIT, b' ');
    let (s, v) = check_file(&app, at_limit).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (200, Some("not_issued_document")),
        "{v}"
    );
}

/// The text of a PDF by pdftotext (poppler-utils, which CI installs); `None` outside CI
/// when it is missing.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext failed");
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext is needed in CI (apt-get install poppler-utils)"
            );
            eprintln!("note: pdftotext is not installed (apt-get install poppler-utils)");
            None
        }
    }
}

#[tokio::test]
async fn the_certificate_prints_the_english_scope_only_when_the_application_has_one() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let both = approved_applications(&w, 2).await;
    let (english, chinese_only) = (&both[0], &both[1]);
    let id = english.application.clone();
    app.conn(move |c| {
        diesel::sql_query(format!(
            "UPDATE applications SET scope_en = 'Core trading systems' WHERE id = '{id}'"
        ))
        .execute(c)
        .unwrap();
    })
    .await;

    let mut numbers = Vec::new();
    for a in [english, chinese_only] {
        let (s, c) = issue(&w, &a.application).await;
        assert_eq!(s, 201, "{c}");
        numbers.push(c["number"].as_str().unwrap().to_string());
    }
    let with = check(&app, &numbers[0]).await;
    assert_eq!(with["status"], "valid", "{with}");
    assert_eq!(with["payload"]["scope_zh"], "核心交易系统");
    assert_eq!(with["payload"]["scope_en"], "Core trading systems");
    let without = check(&app, &numbers[1]).await;
    assert_eq!(without["status"], "valid", "{without}");
    assert_eq!(without["payload"]["scope_zh"], "核心交易系统");
    assert!(
        without["payload"].get("scope_en").is_none(),
        "no English scope is signed: {without}"
    );

    // In English the verify page shows the English scope, or the Chinese one if none.
    for (number, scope) in [
        (&numbers[0], "Core trading systems"),
        (&numbers[1], "核心交易系统"),
    ] {
        let page = reqwest::Client::new()
            .get(app.url(&format!("/verify/{number}")))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains(&format!("<dd>{scope}</dd>")), "{page}");
    }

    let (s, pdf_with) = download(&app, &english.enterprise.login, &numbers[0]).await;
    assert_eq!(s, 200);
    let (s, pdf_without) = download(&app, &chinese_only.enterprise.login, &numbers[1]).await;
    assert_eq!(s, 200);
    let (s, v) = check_file(&app, pdf_without.clone()).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("valid")), "{v}");
    let (Some(text_with), Some(text_without)) = (pdf_text(&pdf_with), pdf_text(&pdf_without))
    else {
        return;
    };
    assert!(text_with.contains("评估范围：核心交易系统"), "{text_with}");
    assert!(
        text_with.contains("Scope: Core trading systems"),
        "{text_with}"
    );
    assert!(
        text_without.contains("评估范围：核心交易系统"),
        "{text_without}"
    );
    assert!(!text_without.contains("Scope:"), "{text_without}");
    assert_eq!(
        text_without.matches("核心交易系统").count(),
        1,
        "the Chinese scope is printed once: {text_without}"
    );
}

#[tokio::test]
async fn a_certificate_that_would_not_print_is_never_signed() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    // A scope of 2,000 characters is a valid application but does not fit on the page.
    let id = a.application.clone();
    app.conn(move |c| {
        diesel::sql_query(format!(
            "UPDATE applications SET scope = '{}' WHERE id = '{id}'",
            "核心交易系统、".repeat(285)
        ))
        .execute(c)
        .unwrap();
    })
    .await;
    let (s, p) = issue(&w, &a.application).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["code"], "pdf.text_too_long", "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("does not fit"),
        "{p}"
    );
    assert_eq!(w.status(&a.application).await, "approved");
    let log = app
        .conn(|c| certcase::db::models::certificates::log(c).unwrap())
        .await;
    assert!(log.is_empty(), "nothing was logged");
}

/// The sample in `fixtures/samples`, made from the demo round (`workflow::demo::seed`)
/// through the real path: panel scores, consolidation, review approval, issuance by the
/// secretariat, download by the enterprise. `CERTCASE_WRITE_SAMPLE=1 cargo test --test api
/// sample_certificate` writes `sample-certificate.pdf` and, with pdftoppm (poppler-utils),
/// `sample-certificate.png`; without the variable the test only checks the certificate.
#[tokio::test]
async fn sample_certificate_of_the_demo_round() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = crate::scoring::assessed_for(&w, 5).await;
    // Domains at different levels, so that the radar has a shape.
    let level = |item: &str| match item.rsplit_once('-').map_or(item, |(domain, _)| domain) {
        "CD-DRM" => 5,
        "CD-CM" | "CD-BCI" | "CD-MF" => 4,
        _ => 3,
    };
    for member in [&a.lead, &a.b, &a.c] {
        crate::scoring::submit_all(member, &a, level).await;
    }
    let (s, p) = crate::scoring::consolidate(&a, level).await;
    assert_eq!(s, 200, "{p}");
    let id = a.application.clone();
    let code = crate::helpers::credit_code("91110108MA01HK3Q5");
    app.conn(move |c| {
        let e = certcase::db::models::applications::get(c, id.parse().unwrap())
            .unwrap()
            .unwrap()
            .enterprise_id;
        diesel::sql_query(format!(
            "UPDATE enterprises SET name_en = 'Beijing Zhekun Technology Co., Ltd.', \
             credit_code = '{code}' WHERE id = '{e}'"
        ))
        .execute(c)
        .unwrap();
        diesel::sql_query(format!(
            "UPDATE applications SET scope = '核心交易系统及其持续交付平台' WHERE id = '{id}'"
        ))
        .execute(c)
        .unwrap();
    })
    .await;
    approve(&w, std::slice::from_ref(&a)).await;

    let number = issued_number(&w, &a.application).await;
    let (s, downloaded) = download(&app, &a.enterprise.login, &number).await;
    assert_eq!(s, 200);
    // The same renderer as the download, with the QR code pointing at a public host
    // instead of the test server.
    let public = Issuer {
        data_dir: app.data_dir.clone(),
        base_url: "https://certcase.example.cn".into(),
    };
    let n = number.clone();
    let pdf = app
        .conn(move |c| certs::pdf_of(c, &public, &certs::Reader::Secretariat, &n).unwrap())
        .await;
    assert_eq!(
        certcase::pdf::extract_signed_payload(&pdf),
        certcase::pdf::extract_signed_payload(&downloaded)
    );
    // The sample's QR code names another host than the issued PDF's: same payload, but
    // not the document issued, which only the download is.
    let (_, v) = check_file(&app, pdf.clone()).await;
    assert_eq!(v["status"], "not_issued_document", "{v}");
    let (_, v) = check_file(&app, downloaded).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(
        v["payload"]["enterprise_name_en"],
        "Beijing Zhekun Technology Co., Ltd."
    );
    assert_eq!(v["payload"]["level"], 3);
    assert!(
        v["payload"]["round_name_zh"]
            .as_str()
            .unwrap()
            .ends_with("（演示）"),
        "the demo round: {v}"
    );

    let out = tempfile::tempdir().unwrap();
    let pdf_path = out.path().join("sample-certificate.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let rasterised = std::process::Command::new("pdftoppm")
        .args(["-r", "100", "-png", "-singlefile"])
        .arg(&pdf_path)
        .arg(out.path().join("sample-certificate"))
        .status();
    let png = out.path().join("sample-certificate.png");
    let write = std::env::var_os("CERTCASE_WRITE_SAMPLE").is_some();
    match rasterised {
        Ok(status) => {
            assert!(status.success(), "pdftoppm failed");
            let bytes = std::fs::read(&png).unwrap();
            assert!(bytes.starts_with(b"\x89PNG"));
            // A blank A4 page at 100 dpi compresses to a few kilobytes.
            assert!(
                bytes.len() > 50_000,
                "the page is not blank: {} bytes",
                bytes.len()
            );
        }
        Err(_) => assert!(
            !write && std::env::var_os("CI").is_none(),
            "pdftoppm is needed (apt-get install poppler-utils)"
        ),
    }
    if write {
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples");
        std::fs::write(samples.join("sample-certificate.pdf"), &pdf).unwrap();
        std::fs::copy(&png, samples.join("sample-certificate.png")).unwrap();
    }
}

/// A page in `lang` (by Accept-Language, as a first visit would choose it).
pub(crate) async fn page_in(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    lang: &str,
) -> String {
    let r = browser
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

/// The verdict box of a `/verify` page: from its opening tag to the end of the section.
fn verdict(page: &str) -> &str {
    let start = page
        .find("<section class=\"card verdict")
        .expect("a verdict");
    let end = start + page[start..].find("</section>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn the_verify_page_tells_valid_revoked_expired_and_invalid_apart_in_both_languages() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let both = approved_applications(&w, 2).await;
    let (s, c) = issue(&w, &both[0].application).await;
    assert_eq!(s, 201, "{c}");
    let good = c["number"].as_str().unwrap().to_string();
    let (_, pdf) = download(&app, &both[0].enterprise.login, &good).await;
    let old = {
        let (id, issuer) = (both[1].application.clone(), issuer(&app));
        let sec: certcase::domain::ids::UserId = w.sec.id.parse().unwrap();
        app.conn(move |c| {
            let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 15).unwrap();
            certs::issue_on(
                c,
                &issuer,
                &Actor::console("test"),
                sec,
                id.parse().unwrap(),
                day,
            )
            .unwrap()
            .0
        })
        .await
    };
    let browser = crate::helpers::browser();
    let zh = |path: String| {
        let browser = browser.clone();
        let app = &app;
        async move { page_in(app, &browser, &path, "zh-CN").await }
    };
    let en = |path: String| {
        let browser = browser.clone();
        let app = &app;
        async move { page_in(app, &browser, &path, "en").await }
    };

    let v = zh(format!("/verify/{good}")).await;
    let b = verdict(&v);
    assert!(b.contains("verdict-valid") && b.contains("✔"), "{b}");
    assert!(
        b.contains("<strong class=\"verdict-word\">有效</strong>"),
        "{b}"
    );
    let v = en(format!("/verify/{good}")).await;
    let b = verdict(&v);
    assert!(b.contains("verdict-valid"), "{b}");
    assert!(
        b.contains("<strong class=\"verdict-word\">VALID</strong>"),
        "{b}"
    );

    // Expired: issued on 15 January 2020 for three years, dates written the local way.
    let v = zh(format!("/verify/{}", old.number)).await;
    assert!(verdict(&v).contains("verdict-expired") && verdict(&v).contains("⌛"));
    assert!(verdict(&v).contains("<strong class=\"verdict-word\">已过期</strong>"));
    assert!(v.contains("2020年1月15日 – 2023年1月15日"), "{v}");
    let v = en(format!("/verify/{}", old.number)).await;
    assert!(verdict(&v).contains("<strong class=\"verdict-word\">EXPIRED</strong>"));
    assert!(v.contains("15 Jan 2020 – 15 Jan 2023"), "{v}");

    // Invalid: an unknown number, and a file whose signature does not match.
    for path in ["/verify/2026-CD-999999", "/verify?number=nonsense"] {
        let v = zh(path.to_string()).await;
        assert!(verdict(&v).contains("verdict-invalid") && verdict(&v).contains("✖"));
        assert!(verdict(&v).contains("<strong class=\"verdict-word\">无效</strong>"));
        let v = en(path.to_string()).await;
        assert!(verdict(&v).contains("<strong class=\"verdict-word\">INVALID</strong>"));
    }
    let mut signed =
        serde_json::to_value(certcase::pdf::extract_signed_payload(&pdf).unwrap()).unwrap();
    signed["payload"]["level"] = json!(5);
    let (_, v) = upload_page(&app, &browser, reembed(&pdf, &signed)).await;
    assert!(verdict(&v).contains("verdict-invalid"), "{v}");
    assert!(verdict(&v).contains("<strong class=\"verdict-word\">无效</strong>"));

    // Revoked: the date (Beijing) and the reason, on the public page and the application's.
    let revoked = {
        let good = good.clone();
        app.conn(move |c| {
            certs::revoke(
                c,
                &Actor::console("test"),
                &good,
                "证据造假 forged evidence",
            )
            .unwrap()
        })
        .await
    };
    let day = revoked.revoked_at.unwrap().and_utc();
    let day = day.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let (zh_day, en_day) = (
        certcase::domain::i18n::Lang::Zh.date(day),
        certcase::domain::i18n::Lang::En.date(day),
    );
    let v = zh(format!("/verify/{good}")).await;
    let b = verdict(&v);
    assert!(b.contains("verdict-revoked") && b.contains("⛔"), "{b}");
    assert!(
        b.contains("<strong class=\"verdict-word\">已撤销</strong>"),
        "{b}"
    );
    assert!(b.contains(&format!("撤销日期: {zh_day}")), "{b}");
    assert!(b.contains("撤销原因: 证据造假 forged evidence"), "{b}");
    let v = en(format!("/verify/{good}")).await;
    let b = verdict(&v);
    assert!(
        b.contains("<strong class=\"verdict-word\">REVOKED</strong>"),
        "{b}"
    );
    assert!(b.contains(&format!("Revoked on: {en_day}")), "{b}");
    let (_, v) = upload_page(&app, &browser, pdf).await;
    assert!(
        verdict(&v).contains("verdict-revoked"),
        "the genuine file of a revoked one"
    );

    let member = app.signed_in(&both[0].enterprise.login).await;
    let application_page = format!("/applications/{}", both[0].application);
    for (lang, words, date) in [
        ("zh-CN", "已撤销，撤销日期", &zh_day),
        ("en", "REVOKED on", &en_day),
    ] {
        // A signed-in person reads the language chosen for the session.
        let chosen = app
            .submit_form(&member, "/", "/lang", &[("lang", lang)])
            .await;
        assert_eq!(chosen.status(), 303);
        let p = page_in(&app, &member, &application_page, lang).await;
        let start = p
            .find("id=\"certificate\"")
            .expect("the certificate section");
        let section = &p[start..start + p[start..].find("</section>").unwrap()];
        assert!(section.contains("verdict-revoked"), "{section}");
        assert!(
            section.contains(&format!("{words} {date}")),
            "{lang}: {section}"
        );
        assert!(section.contains("证据造假 forged evidence"), "{section}");
        assert!(
            section.contains(&format!("href=\"/verify/{good}\"")),
            "{section}"
        );
    }
    let other = app.signed_in(&both[1].enterprise.login).await;
    let chosen = app
        .submit_form(&other, "/", "/lang", &[("lang", "en")])
        .await;
    assert_eq!(chosen.status(), 303);
    let p = page_in(
        &app,
        &other,
        &format!("/applications/{}", both[1].application),
        "en",
    )
    .await;
    let start = p
        .find("id=\"certificate\"")
        .expect("the certificate section");
    let section = &p[start..start + p[start..].find("</section>").unwrap()];
    assert!(
        !section.contains("REVOKED") && !section.contains("verdict-revoked"),
        "{section}"
    );
    assert!(section.contains(&format!("href=\"/verify/{}\"", old.number)));
}

/// Issue #19: the round page lists the round's certificates a page at a time (a past
/// national round has 3,000), with how many there are.
#[tokio::test]
async fn the_round_page_lists_its_certificates_a_page_at_a_time() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let mut numbers = Vec::new();
    for a in approved_applications(&w, 3).await {
        numbers.push(issued_number(&w, &a.application).await);
    }
    numbers.sort();
    let sec = app.signed_in(&w.sec.login).await;
    let round = format!("/rounds/{}", w.round);
    let listed = |html: &str| -> Vec<String> {
        numbers
            .iter()
            .filter(|n| html.contains(&format!("href=\"/certificates/{n}.pdf\"")))
            .cloned()
            .collect()
    };
    let (status, first) = get_page(&app, &sec, &format!("{round}?limit=2")).await;
    assert_eq!(status, 200);
    let section = &first[first.find("id=\"round-certificates\"").unwrap()..];
    assert!(
        section.contains("(3)"),
        "the count of the round's certificates"
    );
    assert_eq!(listed(section), numbers[..2], "the first two by number");
    let next = section
        .split("rel=\"next\" href=\"")
        .nth(1)
        .map(|r| r[..r.find('"').unwrap()].replace("&amp;", "&"))
        .expect("a link to the next page");
    assert!(
        next.starts_with(&round) && next.contains("limit=2"),
        "{next}"
    );
    let (_, second) = get_page(&app, &sec, &next).await;
    let section = &second[second.find("id=\"round-certificates\"").unwrap()..];
    assert_eq!(listed(section), numbers[2..]);
    assert!(section.contains("rel=\"prev\""));

    // A cursor that is not one is refused, not ignored.
    let (status, _) = get_page(&app, &sec, &format!("{round}?after=nonsense")).await;
    assert_eq!(status, 400);
    // Only the secretariat sees the list.
    let (_, member) = w
        .enterprise("某企业", &[certcase::domain::access::Role::Enterprise])
        .await;
    let member = app.signed_in(&member.login).await;
    let (_, page) = get_page(&app, &member, &round).await;
    assert!(!page.contains("id=\"round-certificates\""));
}
