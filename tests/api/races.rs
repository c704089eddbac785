//! Under load and at the same moment: 50 identical requests at once for each kind of
//! change answer without a server error and leave one consistent result (on SQLite and
//! PostgreSQL alike); sign-ins beyond the password threads' queue are told to come back
//! while pages keep answering; two instances migrate one new database together; and a
//! database that cannot be reached says why, in one line.

use std::time::{Duration, Instant};

use certcase::domain::access::Role;
use certcase::domain::audit::Kind;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::applications::{applicant, declare_all_not_applicable, draft};
use crate::evidence::{pdf, upload};
use crate::groups::kinds_logged;
use crate::helpers::{spawn_app, spawn_app_with, use_postgres, TestDatabase};
use crate::panels::{world, World};
use crate::review::{form, reviewers, scored, vote};
use crate::scoring::{assessed, score};

const AT_ONCE: usize = 50;

/// Every answer is one of `allowed`; none is a server error.
fn only(results: &[(u16, Value)], allowed: &[u16]) {
    assert!(
        results.iter().all(|(s, _)| allowed.contains(s)),
        "expected only {allowed:?}: {results:?}"
    );
}

fn count(results: &[(u16, Value)], status: u16) -> usize {
    results.iter().filter(|(s, _)| *s == status).count()
}

#[tokio::test]
async fn the_same_panel_set_fifty_times_at_once_is_set_once_and_logged_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (enterprise, _) = w.enterprise("并发科技有限公司", &[Role::Enterprise]).await;
    let application = w.accepted(&enterprise, "CD", 3).await;
    let lead = w.assessor("李雷", true, &["CD"], "2099-01-01").await;
    let b = w.assessor("韩梅梅", true, &["CD"], "2099-01-01").await;
    let c = w
        .assessor("Anna Müller", false, &["CD"], "2099-01-01")
        .await;

    let members = [&b, &c];
    let results = join_all((0..AT_ONCE).map(|_| w.set_panel(&application, &lead, &members))).await;
    only(&results, &[204]);
    assert_eq!(w.status(&application).await, "in_assessment");
    let id = application.clone();
    let seats = app
        .conn(move |c| certcase::db::models::panels::seats(c, id.parse().unwrap()).unwrap())
        .await;
    assert_eq!(seats.len(), 3);
    let logged: Vec<_> = kinds_logged(&app, Kind::PanelSet)
        .await
        .into_iter()
        .filter(|e| e.object_id == application)
        .collect();
    assert_eq!(
        logged.len(),
        1,
        "setting the same panel again changes nothing"
    );
    let starts = history_events(&w, &application, "start_assessment").await;
    assert_eq!(starts, 1);

    // Set once more, one at a time: still nothing new.
    assert_eq!(w.set_panel(&application, &lead, &[&b, &c]).await.0, 204);
    assert_eq!(kinds_logged(&app, Kind::PanelSet).await.len(), 1);
}

async fn history_events(w: &World<'_>, application: &str, event: &str) -> usize {
    let (id, event) = (application.to_string(), event.to_string());
    w.app
        .conn(move |c| {
            certcase::db::models::applications::history(c, id.parse().unwrap())
                .unwrap()
                .into_iter()
                .filter(|e| e.event == event)
                .count()
        })
        .await
}

#[tokio::test]
async fn fifty_identical_applications_at_once_make_one_and_refuse_the_rest_with_a_code() {
    let app = spawn_app().await;
    let (_, member, round_id, _) = applicant(&app, "91110108MA01RACE1").await;
    let create = format!("/api/v1/rounds/{round_id}/applications");
    let results =
        join_all((0..AT_ONCE).map(|_| member.send("POST", &create, Some(draft("SEC"))))).await;
    only(&results, &[201, 409]);
    assert_eq!(count(&results, 201), 1, "{results:?}");
    for (_, problem) in results.iter().filter(|(s, _)| *s == 409) {
        assert!(problem["code"].is_string(), "{problem}");
    }
    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    let enterprise: String = mine["id"].as_str().unwrap().into();
    let parts = app
        .conn(move |c| {
            certcase::db::models::applications::for_enterprise(c, enterprise.parse().unwrap())
                .unwrap()
                .into_iter()
                .filter(|a| a.part_code == "SEC")
                .count()
        })
        .await;
    assert_eq!(parts, 1);
}

#[tokio::test]
async fn fifty_identical_submissions_at_once_submit_once() {
    let app = spawn_app().await;
    let (sec, member, _, application) = applicant(&app, "91110108MA01RACE2").await;
    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    let verify = format!(
        "/api/v1/enterprises/{}/verify",
        mine["id"].as_str().unwrap()
    );
    sec.send("POST", &verify, None).await;
    declare_all_not_applicable(&member, &application).await;

    let path = format!("/api/v1/applications/{application}/transitions");
    let results = join_all(
        (0..AT_ONCE).map(|_| member.send("POST", &path, Some(json!({"action": "submit"})))),
    )
    .await;
    only(&results, &[200, 409]);
    assert_eq!(count(&results, 200), 1, "{results:?}");
    let id = application.clone();
    let submits = app
        .conn(move |c| {
            certcase::db::models::applications::history(c, id.parse().unwrap())
                .unwrap()
                .into_iter()
                .filter(|e| e.to_status == certcase::domain::application_status::Status::Submitted)
                .count()
        })
        .await;
    assert_eq!(submits, 1);
}

#[tokio::test]
async fn fifty_identical_score_saves_at_once_keep_one_score() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let item = a.items[0].clone();
    let body = json!({"level": 3, "comment": "证据充分", "submit": false});
    let results =
        join_all((0..AT_ONCE).map(|_| score(&a.lead, &a.application, &item, body.clone()))).await;
    only(&results, &[204]);

    // Submitted at once fifty times: one submission, the rest find it submitted.
    let submit = json!({"level": 3, "comment": "证据充分", "submit": true});
    let results =
        join_all((0..AT_ONCE).map(|_| score(&a.lead, &a.application, &item, submit.clone()))).await;
    only(&results, &[204, 409]);
    assert!(count(&results, 204) >= 1, "{results:?}");
    let (id, lead) = (a.application.clone(), a.lead.id.clone());
    let rows = app
        .conn(move |c| {
            certcase::db::models::scoring::scores_of_application(c, id.parse().unwrap())
                .unwrap()
                .into_iter()
                .filter(|s| s.assessor_id.to_string() == lead)
                .count()
        })
        .await;
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn fifty_identical_votes_at_once_count_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let panel = reviewers(&w, 3).await;
    let members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form(&w, &members, 2).await.0, 201);
    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);

    let voter = &panel[0].0;
    let results = join_all((0..AT_ONCE).map(|_| vote(voter, &a.application, true, &[]))).await;
    only(&results, &[200, 409]);
    assert_eq!(count(&results, 200), 1, "{results:?}");
    let id = a.application.clone();
    let votes = app
        .conn(move |c| certcase::db::models::review::votes(c, id.parse().unwrap(), 1).unwrap())
        .await;
    assert_eq!(votes.len(), 1);
    assert_eq!(w.status(&a.application).await, "in_review");
}

#[tokio::test]
async fn fifty_identical_issue_requests_at_once_make_one_certificate() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = crate::certificates::approved_applications(&w, 1)
        .await
        .remove(0);
    let path = format!("/api/v1/applications/{}/certificate", a.application);
    let results = join_all((0..AT_ONCE).map(|_| w.sec.send("POST", &path, None))).await;
    only(&results, &[200, 201]);
    assert_eq!(count(&results, 201), 1, "{results:?}");
    assert!(results
        .iter()
        .all(|(_, c)| c["number"] == results[0].1["number"]));
    let log = app
        .conn(|c| certcase::db::models::certificates::log(c).unwrap())
        .await;
    assert_eq!(log.len(), 1);
}

#[tokio::test]
async fn fifty_identical_uploads_at_once_are_each_kept_once_or_told_to_wait() {
    let app = spawn_app_with(|c| {
        c.uploads.per_user = AT_ONCE;
        c.uploads.overall = AT_ONCE;
    })
    .await;
    let (_, member, _, application) = applicant(&app, "91110108MA01RACE3").await;
    let file = pdf(20_000);
    let results = join_all((0..AT_ONCE).map(|_| {
        upload(
            &member,
            &application,
            "CD-CM-01",
            "pipeline.pdf",
            file.clone(),
            "流水线截图",
        )
    }))
    .await;
    only(&results, &[201, 409, 429]);
    let stored = count(&results, 201);
    assert!(stored >= 1, "{results:?}");
    let id = application.clone();
    let rows = app
        .conn(move |c| {
            certcase::db::models::evidence::for_application(c, id.parse().unwrap()).unwrap()
        })
        .await;
    assert_eq!(
        rows.len(),
        stored,
        "one row per upload that was answered 201"
    );
    // A draft's item takes several files, all of its first version, one stored content.
    assert!(rows
        .iter()
        .all(|r| r.version == 1 && r.content_sha256 == rows[0].content_sha256));
}

#[tokio::test]
async fn sign_ins_beyond_the_queue_are_told_when_to_come_back_while_pages_keep_answering() {
    let app = spawn_app_with(|c| {
        c.sign_ins.threads = 1;
        c.sign_ins.queue = 2;
    })
    .await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let sign_in = || async {
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .header("accept-language", "en")
            .json(&json!({"email": user.email, "password": user.password}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let body: Value = res.json().await.unwrap();
        (status, retry_after, body)
    };
    let page = || async {
        let started = Instant::now();
        let res = reqwest::get(app.url("/login")).await.unwrap();
        (res.status().as_u16(), started.elapsed())
    };

    let (sign_ins, pages) = tokio::join!(
        join_all((0..40).map(|_| sign_in())),
        join_all((0..20).map(|_| page()))
    );
    let busy: Vec<_> = sign_ins.iter().filter(|(s, _, _)| *s == 503).collect();
    assert!(
        sign_ins.iter().all(|(s, _, _)| *s == 200 || *s == 503),
        "{sign_ins:?}"
    );
    assert!(!busy.is_empty(), "a queue of 2 cannot hold 40 sign-ins");
    assert!(sign_ins.iter().any(|(s, _, _)| *s == 200));
    for (_, retry_after, problem) in &busy {
        assert_eq!(retry_after.as_deref(), Some("2"));
        assert_eq!(problem["code"], "web.sign_ins_busy", "{problem}");
    }
    for (status, took) in &pages {
        assert_eq!(*status, 200);
        assert!(*took < Duration::from_secs(5), "a page waited {took:?}");
    }
    // Once the queue drained, signing in works again.
    assert_eq!(sign_in().await.0, 200);
}

fn certcase_binary(data_dir: &std::path::Path, url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_certcase"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CERTCASE_DATA_DIR", data_dir)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .current_dir(data_dir);
    cmd
}

#[test]
fn two_instances_migrate_a_new_database_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path());
    let children: Vec<_> = (0..2)
        .map(|_| {
            certcase_binary(dir.path(), &db.url)
                .arg("migrate")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let applied: Vec<usize> = outputs
        .iter()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.split_whitespace().next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(applied.iter().any(|n| *n > 0), "{applied:?}");
    assert!(
        applied.contains(&0),
        "the second found nothing left: {applied:?}"
    );
}

/// Runs `migrate` against `url`; its exit status and what it printed on stderr.
fn migrate_against(url: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = certcase_binary(dir.path(), url)
        .arg("migrate")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn a_refused_database_connection_says_so_in_one_line() {
    let (ok, stderr) = migrate_against("postgres://postgres@127.0.0.1:1/certcase");
    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(
        stderr.contains("127.0.0.1:1/certcase"),
        "names the database: {stderr}"
    );
    assert!(!stderr.contains("multiconnection"), "{stderr}");
}

#[test]
fn an_unknown_database_says_so_in_one_line() {
    let (url, cause) = if use_postgres() {
        let admin = std::env::var("CERTCASE_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        (
            format!("{admin}/certcase_no_such_database"),
            "database \"certcase_no_such_database\" does not exist".to_string(),
        )
    } else {
        // A database file under a directory that cannot be created.
        (
            "/dev/null/certcase.db".to_string(),
            "Not a directory".to_string(),
        )
    };
    let (ok, stderr) = migrate_against(&url);
    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&cause), "{stderr}");
    assert!(
        stderr.contains("certcase_no_such_database") || stderr.contains("/dev/null/certcase.db"),
        "names the database: {stderr}"
    );
}
