//! The audit log: every decision chained in its own transaction, browsable by the
//! secretariat, exportable, and tamper-evident (`certcase audit verify`).

use certcase::db::models::audit;
use certcase::domain::access::Role;
use diesel::RunQueryDsl;
use serde_json::Value;

use crate::helpers::{browser, spawn_app, TestApp};

async fn kinds(app: &TestApp) -> Vec<String> {
    app.conn(|c| {
        audit::export(c, &audit::Query::default())
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect()
    })
    .await
}

async fn get_api(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/audit{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn sign_ins_and_decisions_are_chained_and_the_chain_verifies() {
    let app = spawn_app().await;
    let admin = app.add_user("秘书处", &[Role::Secretariat]).await;
    let token = app.api_token(&admin).await;
    let res = app
        .login_form(&browser(), &admin.email, "wrong password!")
        .await;
    assert_eq!(res.status(), 422);

    let all = kinds(&app).await;
    assert_eq!(all[0], "catalog_loaded");
    assert!(all.contains(&"user_added".to_string()));
    assert!(all.contains(&"login_succeeded".to_string()));
    assert!(all.contains(&"login_failed".to_string()));

    let (status, body) = get_api(&app, &token, "?kind=login_failed").await;
    assert_eq!(status, 200);
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor_name"], admin.email);
    assert_eq!(entries[0]["address"], "127.0.0.1");

    let (status, body) = get_api(&app, &token, "?person=秘书处").await;
    assert_eq!(status, 200);
    assert!(body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_name"] == "秘书处"));
    assert!(body["total"].as_i64().unwrap() >= 1);

    let (status, problem) = get_api(&app, &token, "?kind=nonsense").await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().contains("nonsense"));
    let (status, _) = get_api(&app, &token, "?from=yesterday").await;
    assert_eq!(status, 400);

    let (status, body) = get_api(&app, &token, "?from=2000-01-01&until=2000-01-02").await;
    assert_eq!((status, body["total"].as_i64()), (200, Some(0)));

    let ok = app.conn(|c| audit::verify(c).unwrap()).await;
    assert_eq!(ok.unwrap() as usize, kinds(&app).await.len());
}

#[tokio::test]
async fn an_edited_row_is_named_by_verify_and_by_the_command() {
    let app = spawn_app().await;
    for name in ["张喆", "王堃", "Łukasz"] {
        app.add_user(name, &[Role::Enterprise]).await;
    }
    app.conn(|c| {
        diesel::sql_query("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 3")
            .execute(c)
            .unwrap()
    })
    .await;
    let broken = app.conn(|c| audit::verify(c).unwrap()).await.unwrap_err();
    assert_eq!((broken.index, broken.seq), (2, 3));

    let out = app.binary().args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("BROKEN at index 2 (entry #3)"), "{text}");

    // Deleting the last entry is noticed too.
    app.conn(|c| {
        diesel::sql_query("UPDATE audit_log SET actor_name = 'command line' WHERE seq = 3")
            .execute(c)
            .unwrap();
        diesel::sql_query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
            .execute(c)
            .unwrap();
    })
    .await;
    let broken = app.conn(|c| audit::verify(c).unwrap()).await.unwrap_err();
    assert_eq!(broken.reason, "entries after this point were removed");
}

#[tokio::test]
async fn an_intact_log_verifies_on_the_command_line() {
    let app = spawn_app().await;
    app.add_user("O'Brien", &[Role::Reviewer]).await;
    let out = app.binary().args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("OK"));
}

#[tokio::test]
async fn injected_lines_and_formulas_stay_inert_in_the_page_and_the_csv() {
    let app = spawn_app().await;
    let admin = app.add_user("秘书处", &[Role::Secretariat]).await;
    let forged = "eve\n[AUDIT] login_succeeded <script>alert(1)</script>";
    app.login_form(&browser(), forged, "whatever password")
        .await;
    app.login_form(&browser(), "=HYPERLINK(\"http://x\")", "whatever password")
        .await;

    let sec = app.signed_in(&admin).await;
    let page = sec
        .get(app.url("/admin/audit?kind=login_failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("eve\\n[audit] login_succeeded &lt;script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"));
    assert!(!html.lines().any(|l| l.trim_start().starts_with("[audit]")));

    let res = sec
        .get(app.url("/admin/audit.csv?kind=login_failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = crate::helpers::excel_csv(res).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("seq,at_utc,"));
    assert!(lines[1].contains("\"eve\\n[audit] login_succeeded <script>alert(1)</script>\""));
    assert!(
        lines[2].contains("\"'=hyperlink(\"\"http://x\"\")\""),
        "{csv}"
    );
}

#[tokio::test]
async fn the_page_filters_and_pages() {
    let app = spawn_app().await;
    let admin = app.add_user("秘书处", &[Role::Secretariat]).await;
    // Signed in first: the failures below lock this address out.
    let sec = app.signed_in(&admin).await;
    for _ in 0..55 {
        app.login_form(&browser(), "nobody@example.test", "wrong password")
            .await;
    }
    let first = sec
        .get(app.url("/admin/audit?person=nobody%40example.test"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // 55 failures: a full first page and a link to the rest, the filter kept.
    let marker = "rel=\"next\" href=\"/admin/audit?";
    let start = first.find(marker).expect("a next link") + marker.len();
    let next_qs = &first[start..start + first[start..].find('"').unwrap()];
    let next_qs = next_qs.replace("&amp;", "&");
    assert!(
        next_qs.contains("person=nobody%40example.test"),
        "{next_qs}"
    );
    assert!(
        !first.contains("rel=\"prev\""),
        "the first page has no previous"
    );
    let second = sec
        .get(app.url(&format!("/admin/audit?{next_qs}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(second.contains("rel=\"prev\""), "{second}");
    assert!(!second.contains("rel=\"next\""), "{second}");
    assert_eq!(first.matches("<tr><td>").count(), 50);
    assert!(second.matches("<tr><td>").count() >= 1, "{second}");
    let bad = sec
        .get(app.url("/admin/audit?page=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn concurrent_appends_never_fork_the_chain() {
    let app = spawn_app().await;
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let pool = app.pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                for i in 0..10 {
                    certcase::db::write_tx(&mut conn, |c| -> diesel::QueryResult<()> {
                        audit::append(
                            c,
                            &certcase::domain::audit::Actor::console("test"),
                            certcase::domain::audit::Kind::RoundCreated,
                            ("round", &format!("{t}-{i}")),
                            serde_json::json!({}),
                        )?;
                        Ok(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let n = app.conn(|c| audit::verify(c).unwrap()).await.unwrap();
    assert!(n >= 60);
}
