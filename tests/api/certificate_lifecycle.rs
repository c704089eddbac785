//! A certificate's life after issuance (lifecycle17): the secretariat suspends, reinstates,
//! narrows the scope of (a successor supersedes it) and withdraws it, each decision logged,
//! audited and mailed; `/verify` tells the state from the issuance log, so editing the
//! certificate rows changes nothing and a broken log is never "valid"; the public
//! directory lists certificates in force of consenting enterprises.

use certcase::workflow::certificates as certs;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::certificates::{
    approved_applications, check, check_file, day, decide, download, issued_number as issue,
};
use crate::helpers::TestApp;
use crate::panels::world;
use crate::surveillance::{kinds, log_ok};

async fn mail_kinds(app: &TestApp) -> Vec<String> {
    app.conn(|c| {
        certcase::db::models::mail::unsent(c, 200)
            .unwrap()
            .into_iter()
            .map(|m| m.message_kind)
            .collect()
    })
    .await
}

#[tokio::test]
async fn issue_suspend_reinstate_reduce_the_scope_and_withdraw_with_the_log_intact() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    assert_eq!(log_ok(&app).await, 1);
    let v = check(&app, &number).await;
    assert_eq!(
        (v["status"].as_str(), kinds(&v)),
        (Some("valid"), vec!["issued".to_string()])
    );

    // Refused suspensions change nothing and say why.
    for (body, status, code) in [
        (
            json!({"reason": "监督发现问题", "until": day(200)}),
            422,
            "certificate.suspension_too_long",
        ),
        (
            json!({"reason": "监督发现问题", "until": day(0)}),
            422,
            "certificate.suspension_ends_too_soon",
        ),
        (
            json!({"reason": "监督发现问题", "until": "next month"}),
            422,
            "certificate.suspension_until_invalid",
        ),
        (
            json!({"reason": "  ", "until": day(30)}),
            422,
            "certificate.decision_reason_missing",
        ),
    ] {
        let (s, p) = decide(&w.sec, &number, "suspend", body).await;
        assert_eq!((s, p["code"].as_str()), (status, Some(code)), "{p}");
    }
    let (s, _) = decide(
        &a.enterprise,
        &number,
        "suspend",
        json!({"reason": "x", "until": day(30)}),
    )
    .await;
    assert_eq!(s, 403, "only the secretariat decides");
    assert_eq!(log_ok(&app).await, 1);

    let until = day(30);
    let (s, c) = decide(
        &w.sec,
        &number,
        "suspend",
        json!({"reason": "监督评估发现重大不符合 / major nonconformity", "until": until}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(
        (c["status"].as_str(), c["suspended_until"].as_str()),
        (Some("suspended"), Some(until.as_str()))
    );
    let v = check(&app, &number).await;
    assert_eq!(v["status"], "suspended", "{v}");
    assert_eq!(v["suspended_until"], until.as_str());
    assert_eq!(
        v["suspension_reason"],
        "监督评估发现重大不符合 / major nonconformity"
    );
    assert_eq!(kinds(&v), ["issued", "suspended"]);
    assert_eq!(v["history"][1]["until"], until.as_str());
    assert_eq!(
        v["history"][1]["index"], 1,
        "entries are addressable by index"
    );
    let (s, p) = decide(
        &w.sec,
        &number,
        "suspend",
        json!({"reason": "again", "until": day(40)}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.not_in_force")),
        "{p}"
    );
    let (s, p) = decide(
        &w.sec,
        &number,
        "reduce-scope",
        json!({"reason": "r", "scope_zh": "交易系统"}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.not_in_force")),
        "{p}"
    );
    assert_eq!(log_ok(&app).await, 2);

    let (s, c) = decide(
        &w.sec,
        &number,
        "reinstate",
        json!({"reason": "整改完成 / corrected"}),
    )
    .await;
    assert_eq!((s, c["status"].as_str()), (200, Some("valid")), "{c}");
    assert!(c["suspended_until"].is_null(), "{c}");
    let (s, p) = decide(&w.sec, &number, "reinstate", json!({"reason": "again"})).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.not_suspended")),
        "{p}"
    );
    assert_eq!(log_ok(&app).await, 3);

    let (s, p) = decide(
        &w.sec,
        &number,
        "reduce-scope",
        json!({"reason": "r", "scope_zh": "核心交易系统"}),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("certificate.scope_unchanged")),
        "{p}"
    );
    let (s, successor) = decide(
        &w.sec,
        &number,
        "reduce-scope",
        json!({"reason": "清算系统移出范围 / clearing left the scope", "scope_zh": "核心交易系统（不含清算）", "scope_en": "Core trading systems, clearing excluded"}),
    )
    .await;
    assert_eq!(s, 201, "{successor}");
    let next = successor["number"].as_str().unwrap().to_string();
    assert_ne!(next, number);
    assert_eq!(successor["supersedes"], number.as_str());
    assert_eq!(successor["status"], "valid");
    assert_eq!(successor["scope_zh"], "核心交易系统（不含清算）");
    assert_eq!(successor["application_id"], a.application.as_str());
    let old = check(&app, &number).await;
    assert_eq!(old["status"], "superseded", "{old}");
    assert_eq!(old["superseded_by"], next.as_str());
    assert_eq!(
        kinds(&old),
        ["issued", "suspended", "reinstated", "superseded"]
    );
    let new = check(&app, &next).await;
    assert_eq!(new["status"], "valid", "{new}");
    assert_eq!(new["payload"]["supersedes"], number.as_str());
    assert_eq!(
        new["payload"]["scope_en"],
        "Core trading systems, clearing excluded"
    );
    assert_eq!(
        new["payload"]["valid_until"], old["payload"]["valid_until"],
        "the successor does not extend the validity"
    );
    assert_eq!(new["history"][0]["related"], number.as_str());
    assert_eq!(log_ok(&app).await, 5);

    // The application's certificate is now the successor; its PDF verifies as itself.
    let (s, pdf) = download(&app, &a.enterprise.login, &next).await;
    assert_eq!(s, 200);
    let (_, v) = check_file(&app, pdf.clone()).await;
    assert_eq!(v["status"], "valid", "{v}");
    let (_, old_pdf) = download(&app, &a.enterprise.login, &number).await;
    let (_, v) = check_file(&app, old_pdf).await;
    assert_eq!(v["status"], "superseded", "the old file: {v}");

    let (s, p) = decide(&w.sec, &number, "withdraw", json!({"reason": "x"})).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.not_in_force")),
        "{p}"
    );
    let (s, c) = decide(
        &w.sec,
        &next,
        "withdraw",
        json!({"reason": "伪造证据 / forged evidence"}),
    )
    .await;
    assert_eq!((s, c["status"].as_str()), (200, Some("revoked")), "{c}");
    let (s, p) = decide(&w.sec, &next, "revoke", json!({"reason": "again"})).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.already_revoked")),
        "{p}"
    );
    let v = check(&app, &next).await;
    assert_eq!(v["status"], "revoked", "{v}");
    assert_eq!(v["revoke_reason"], "伪造证据 / forged evidence");
    assert!(v["revoked_at"].is_string());
    let (_, v) = check_file(&app, pdf).await;
    assert_eq!(v["status"], "revoked");
    assert_eq!(log_ok(&app).await, 6);

    let mails = mail_kinds(&app).await;
    for kind in [
        "certificate_issued",
        "certificate_suspended",
        "certificate_reinstated",
        "certificate_scope_reduced",
        "certificate_revoked",
    ] {
        assert!(mails.iter().any(|k| k == kind), "{kind} in {mails:?}");
    }
    let audited: Vec<String> = app
        .conn(|c| {
            diesel::sql_query(
                "SELECT kind FROM audit_log WHERE kind LIKE 'certificate_%' ORDER BY seq",
            )
            .load::<Kind>(c)
            .unwrap()
            .into_iter()
            .map(|k| k.kind)
            .collect()
        })
        .await;
    assert_eq!(
        audited,
        [
            "certificate_issued",
            "certificate_suspended",
            "certificate_reinstated",
            "certificate_scope_reduced",
            "certificate_revoked"
        ]
    );
}

#[derive(diesel::QueryableByName)]
struct Kind {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
}

/// Runs SQL as someone with database access would, triggers dropped first when `unlock`.
async fn by_hand(app: &TestApp, sql: String) {
    app.conn(move |c| {
        diesel::sql_query(sql).execute(c).unwrap();
    })
    .await;
}

/// Drops the trigger that keeps the issuance log append-only, as someone with database
/// access could.
async fn unlock_issuance_log(app: &TestApp) {
    let drop = app
        .conn(|c| match certcase::db::backend(c) {
            certcase::db::Backend::Sqlite => "DROP TRIGGER issuance_log_no_update",
            certcase::db::Backend::Postgres => {
                "DROP TRIGGER issuance_log_append_only ON issuance_log"
            }
        })
        .await;
    by_hand(app, drop.to_string()).await;
}

#[tokio::test]
async fn editing_rows_by_hand_never_turns_a_decision_into_valid() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let both = approved_applications(&w, 2).await;
    let suspended = issue(&w, &both[0].application).await;
    let withdrawn = issue(&w, &both[1].application).await;
    let (s, _) = decide(
        &w.sec,
        &suspended,
        "suspend",
        json!({"reason": "监督不合格", "until": day(60)}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = decide(
        &w.sec,
        &withdrawn,
        "withdraw",
        json!({"reason": "证据造假"}),
    )
    .await;
    assert_eq!(s, 200);

    // The denormalised columns cleared: the log still says what was decided.
    by_hand(
        &app,
        "UPDATE certificates SET revoked_at = NULL, revoke_reason = NULL, suspended_until = NULL"
            .into(),
    )
    .await;
    let v = check(&app, &suspended).await;
    assert_eq!(
        (v["status"].as_str(), v["suspended_until"].as_str()),
        (Some("suspended"), Some(day(60).as_str())),
        "{v}"
    );
    let v = check(&app, &withdrawn).await;
    assert_eq!(
        (v["status"].as_str(), v["revoke_reason"].as_str()),
        (Some("revoked"), Some("证据造假")),
        "{v}"
    );
    let page = reqwest::get(app.url(&format!("/verify/{withdrawn}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("verdict-revoked"), "{page}");

    // The certificate row edited: its payload is not the one the log recorded.
    by_hand(
        &app,
        format!("UPDATE certificates SET payload = REPLACE(payload, '核心交易系统', '全部系统') WHERE number = '{withdrawn}'"),
    )
    .await;
    let v = check(&app, &withdrawn).await;
    assert_eq!(
        (v["status"].as_str(), v["problem"].as_str()),
        (Some("unverifiable"), Some("payload_mismatch")),
        "{v}"
    );

    // The log edited after its triggers were dropped: broken at that entry, not valid.
    unlock_issuance_log(&app).await;
    let entry = check(&app, &suspended).await["history"][1]["index"]
        .as_u64()
        .unwrap();
    by_hand(&app, format!("UPDATE issuance_log SET kind = 'reinstated', effective_until = NULL WHERE idx = {entry}")).await;
    let v = check(&app, &suspended).await;
    assert_eq!(v["status"], "unverifiable", "{v}");
    assert_eq!(
        (v["problem"].as_str(), v["problem_index"].as_u64()),
        (Some("log_broken"), Some(entry)),
        "{v}"
    );
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("entry {entry}")),
        "{v}"
    );
    let browser = app.signed_in(&w.sec.login).await;
    let page =
        crate::certificates::page_in(&app, &browser, &format!("/verify/{suspended}"), "zh-CN")
            .await;
    assert!(
        page.contains("verdict-unverifiable") && page.contains("无法验证"),
        "{page}"
    );
    assert!(!page.contains("verdict-valid"), "{page}");
    assert_eq!(
        app.conn(|c| certs::verify_log(c).unwrap()).await,
        Err(entry as usize)
    );
}

#[tokio::test]
async fn the_secretariat_decides_on_the_application_page_after_confirming() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    let page = format!("/applications/{}", a.application);
    let sec = app.signed_in(&w.sec.login).await;
    let member = app.signed_in(&a.enterprise.login).await;
    let suspend = format!("/certificates/{number}/suspend");

    let html = crate::certificates::page_in(&app, &sec, &page, "zh-CN").await;
    assert!(
        html.contains(&format!("action=\"{suspend}\"")),
        "the secretariat's form"
    );
    assert!(html.contains(&format!("action=\"/certificates/{number}/reduce-scope\"")));
    assert!(!html.contains("/reinstate\""), "nothing to reinstate");
    let html = crate::certificates::page_in(&app, &member, &page, "zh-CN").await;
    assert!(
        !html.contains(&format!("action=\"{suspend}\"")),
        "not the enterprise's"
    );

    // Refused: the page again, the input kept, the reason beside its field; a date that is
    // no date before the confirmation, a suspension too long after it.
    let refused = app
        .submit_form(
            &sec,
            &page,
            &suspend,
            &[("suspend_until", "明天"), ("suspend_reason", "监督不合格")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("请以日期") && body.contains("监督不合格"),
        "{body}"
    );
    let far = day(400);
    let refused = app
        .submit_form(
            &sec,
            &page,
            &suspend,
            &[
                ("suspend_until", far.as_str()),
                ("suspend_reason", "监督不合格"),
                ("confirmed", "yes"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("暂停期最长 6 个月") && body.contains(&far),
        "{body}"
    );
    assert_eq!(check(&app, &number).await["status"], "valid");

    let secretariat = &w.sec;
    let task_count = move || async move {
        let (_, tasks) = secretariat.send("GET", "/api/v1/tasks", None).await;
        tasks["sections"][0]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == "suspensions_ending")
            .map(|t| t["count"].clone())
    };
    assert_eq!(task_count().await, Some(json!(0)));

    let fields = [
        ("suspend_until", day(10)),
        ("suspend_reason", "监督不合格".to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let asked = app.submit_form(&sec, &page, &suspend, &fields).await;
    assert_eq!(asked.status(), 200);
    let body = asked.text().await.unwrap();
    assert!(
        body.contains("确认暂停证书") && body.contains("监督不合格"),
        "{body}"
    );
    assert_eq!(
        check(&app, &number).await["status"],
        "valid",
        "asking changes nothing"
    );
    let mut confirmed = fields.clone();
    confirmed.push(("confirmed", "yes"));
    let done = app.submit_form(&sec, &page, &suspend, &confirmed).await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        done.headers()["location"],
        format!("/verify/{number}").as_str()
    );

    // The public page: the state in words, colour and icon, the history in Beijing time.
    let zh =
        crate::certificates::page_in(&app, &member, &format!("/verify/{number}"), "zh-CN").await;
    assert!(
        zh.contains("verdict-suspended") && zh.contains("⏸") && zh.contains("已暂停"),
        "{zh}"
    );
    assert!(
        zh.contains("id=\"history\"") && zh.contains("北京时间") && zh.contains("监督不合格"),
        "{zh}"
    );
    assert!(!zh.contains("SUSPENDED"), "{zh}");
    // A visitor without a session reads the language the browser asks for.
    let visitor = reqwest::Client::new();
    let en = crate::certificates::page_in(&app, &visitor, &format!("/verify/{number}"), "en").await;
    assert!(
        en.contains("SUSPENDED") && en.contains("Beijing time"),
        "{en}"
    );

    // The secretariat's task list counts the suspension ending within 14 days.
    assert_eq!(task_count().await, Some(json!(1)));

    let reinstate = format!("/certificates/{number}/reinstate");
    let html = crate::certificates::page_in(&app, &sec, &page, "en").await;
    assert!(html.contains(&format!("action=\"{reinstate}\"")), "{html}");
    let done = app
        .submit_form(
            &sec,
            &page,
            &reinstate,
            &[("reinstate_reason", "整改完成"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(check(&app, &number).await["status"], "valid");
    assert_eq!(task_count().await, Some(json!(0)), "decided in time");

    let reduce = format!("/certificates/{number}/reduce-scope");
    let done = app
        .submit_form(
            &sec,
            &page,
            &reduce,
            &[
                ("scope_zh", "交易系统"),
                ("scope_en", ""),
                ("reduce_reason", "范围缩小"),
                ("confirmed", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let location = done.headers()["location"].to_str().unwrap().to_string();
    let next = location.trim_start_matches("/verify/").to_string();
    assert_ne!(next, number);
    let v = check(&app, &next).await;
    assert_eq!(
        (v["status"].as_str(), v["payload"]["scope_zh"].as_str()),
        (Some("valid"), Some("交易系统")),
        "{v}"
    );
    assert!(v["payload"].get("scope_en").is_none(), "{v}");
    let old =
        crate::certificates::page_in(&app, &member, &format!("/verify/{number}"), "zh-CN").await;
    assert!(
        old.contains("verdict-superseded") && old.contains(&format!("href=\"/verify/{next}\"")),
        "{old}"
    );
    let html = crate::certificates::page_in(&app, &sec, &page, "zh-CN").await;
    assert!(
        html.contains(&format!("证书 {next}")) || html.contains(&next),
        "the successor is the application's certificate"
    );
    log_ok(&app).await;
}

#[tokio::test]
async fn the_directory_lists_certificates_in_force_of_consenting_enterprises() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let both = approved_applications(&w, 2).await;
    let listed = issue(&w, &both[0].application).await;
    let unlisted = issue(&w, &both[1].application).await;
    let id = both[0].application.clone();
    app.conn(move |c| {
        certcase::db::models::applications::set_directory_consent(c, id.parse().unwrap(), true)
            .unwrap();
    })
    .await;
    let numbers = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["number"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |path: String| {
        let url = app.url(&path);
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let all = get("/api/v1/directory".into()).await;
    assert_eq!(numbers(&all), std::slice::from_ref(&listed), "{all}");
    assert!(!numbers(&all).contains(&unlisted));
    assert_eq!(all[0]["scope_zh"], "核心交易系统");
    assert!(
        all[0]["valid_until"].is_string() && all[0]["level"].is_number(),
        "{all}"
    );
    let name = all[0]["enterprise_name_zh"].as_str().unwrap().to_string();
    let part: String = name.chars().skip(2).take(2).collect();
    let found = get(format!("/api/v1/directory?q={}", urlencoding(&part))).await;
    assert_eq!(numbers(&found), std::slice::from_ref(&listed));
    let none = get("/api/v1/directory?q=nobody-has-this".into()).await;
    assert_eq!(numbers(&none), Vec::<String>::new());

    let page = reqwest::get(app.url("/directory"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&name) && page.contains(&format!("href=\"/verify/{listed}\"")),
        "{page}"
    );
    assert!(!page.contains(&unlisted));

    // A suspended certificate is not in force: it leaves the directory; /verify still works
    // for every certificate, listed or not.
    let (s, _) = decide(
        &w.sec,
        &listed,
        "suspend",
        json!({"reason": "监督不合格", "until": day(30)}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        numbers(&get("/api/v1/directory".into()).await),
        Vec::<String>::new()
    );
    assert_eq!(check(&app, &unlisted).await["status"], "valid");
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A scope reduction's successor does not hide the decisions on the certificate it
/// replaced: the enterprise's appeal form still offers the suspension, the reinstatement
/// and the reduction itself.
#[tokio::test]
async fn the_decisions_on_a_replaced_certificate_stay_appealable() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let old = issue(&w, &a.application).await;
    for (action, body, status) in [
        (
            "suspend",
            json!({"reason": "监督发现问题", "until": day(30)}),
            200,
        ),
        ("reinstate", json!({"reason": "已整改"}), 200),
        (
            "reduce-scope",
            json!({"reason": "部分系统停用", "scope_zh": "交易系统"}),
            201,
        ),
    ] {
        let (s, c) = decide(&w.sec, &old, action, body).await;
        assert_eq!(s, status, "{action}: {c}");
    }
    let member = app.signed_in(&a.enterprise.login).await;
    let form = format!("/applications/{}/appeals/new", a.application);
    let html = crate::certificates::page_in(&app, &member, &form, "en").await;
    let offered = format!("value=\"certificate_decision:{old}:");
    assert_eq!(
        html.matches(&offered).count(),
        3,
        "the old certificate's decisions are not all offered:\n{html}"
    );
}

/// Issue #19: a view of a certificate walks the issuance log from its first entry at most
/// once a minute; in between it checks on from where the last walk ended, and still finds
/// at once a certificate's own entry edited, or resealed alone.
#[tokio::test]
async fn views_check_the_log_on_from_the_last_walk_and_still_find_an_edit_at_once() {
    let kept = std::sync::Arc::new(std::sync::Mutex::new(None));
    let keep = kept.clone();
    let app = crate::helpers::spawn_app_with_state(
        |_| {},
        move |s| *keep.lock().unwrap() = Some(s.issuance_log.clone()),
    )
    .await;
    let log = kept.lock().unwrap().take().unwrap();
    let w = world(&app).await;
    let three = approved_applications(&w, 3).await;
    let mut numbers = Vec::new();
    for a in &three {
        numbers.push(issue(&w, &a.application).await);
    }
    for n in &numbers {
        assert_eq!(check(&app, n).await["status"], "valid");
    }
    assert_eq!(
        log.walks(),
        1,
        "the first issuance walked the log, the rest went on"
    );

    // Someone with database access reseals the middle certificate's issuance entry with
    // another reason: it hashes to what it stores, but the next entry no longer names it.
    unlock_issuance_log(&app).await;
    let middle = numbers[1].clone();
    let resealed = app
        .conn(move |c| {
            let mut entry = certcase::db::models::certificates::log_of(c, &middle)
                .unwrap()
                .remove(0);
            entry.reason = Some("改过的记录".into());
            let hash = hex::encode(certcase::domain::certificate::entry_hash(&entry));
            diesel::sql_query(format!(
                "UPDATE issuance_log SET reason = '改过的记录', hash = '{hash}' WHERE idx = {}",
                entry.index
            ))
            .execute(c)
            .unwrap();
            entry.index
        })
        .await;
    let v = check(&app, &numbers[1]).await;
    assert_eq!(
        (v["status"].as_str(), v["problem"].as_str()),
        (Some("unverifiable"), Some("log_broken")),
        "{v}"
    );
    assert_eq!(v["problem_index"].as_u64(), Some(resealed + 1), "{v}");
    assert_eq!(
        log.walks(),
        2,
        "the check from the anchor sent it to a walk"
    );

    // Edited without resealing: the first certificate's own entry no longer hashes to
    // what it stores.
    let first = numbers[0].clone();
    let edited = app
        .conn(move |c| certcase::db::models::certificates::log_of(c, &first).unwrap()[0].index)
        .await;
    by_hand(
        &app,
        format!("UPDATE issuance_log SET reason = '改过' WHERE idx = {edited}"),
    )
    .await;
    let v = check(&app, &numbers[0]).await;
    assert_eq!(
        (v["problem"].as_str(), v["problem_index"].as_u64()),
        (Some("log_broken"), Some(edited)),
        "{v}"
    );
    // The whole log, as `certcase verify-log` walks it, is broken from that entry.
    assert_eq!(
        app.conn(|c| certs::verify_log(c).unwrap()).await,
        Err(edited as usize)
    );
}
