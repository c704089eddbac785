//! `serve --demo`: a programme a newcomer can click through, seeded once, whose audit
//! chain and issuance log verify, and whose printed accounts see their tasks.

use certcase::workflow::certificates::{self as certs, Issuer};
use certcase::workflow::demo::{self, Programme};

use crate::helpers::{spawn_app, TestApp, TestUser};

async fn seed(app: &TestApp) -> Programme {
    let issuer = Issuer {
        data_dir: app.data_dir.clone(),
        base_url: app.address.clone(),
    };
    app.conn(move |c| demo::seed_programme(c, &issuer).unwrap())
        .await
}

async fn tasks_of(app: &TestApp, email: &str, password: &str) -> serde_json::Value {
    let user = TestUser {
        email: email.into(),
        password: password.into(),
    };
    let token = app.api_token(&user).await;
    let (s, v) = app
        .call_api(&token, Some("en"), "GET", "/api/v1/tasks", None)
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// The issuance log's verdict, the number of rounds and of enterprises.
async fn state(app: &TestApp) -> (Result<usize, usize>, i64, usize) {
    app.conn(|c| {
        (
            certs::verify_log(c).unwrap(),
            certcase::db::models::rounds::count(c).unwrap(),
            certcase::db::models::enterprises::list(c).unwrap().len(),
        )
    })
    .await
}

fn count(v: &serde_json::Value, role: &str, task: &str) -> i64 {
    let section = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == role)
        .unwrap_or_else(|| panic!("no {role} section: {v}"));
    section["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task)
        .unwrap_or_else(|| panic!("no {task}: {v}"))["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_demo_programme_is_seeded_once_verifies_and_shows_every_role_its_tasks() {
    let app = spawn_app().await;
    let first = seed(&app).await;
    let password = first.password.clone().expect("a password for new accounts");
    let (log, rounds, enterprises) = state(&app).await;
    assert_eq!(
        log,
        Ok(3),
        "two issued, one revoked, and the chain verifies"
    );
    assert_eq!((rounds, enterprises), (2, 8));

    let again = seed(&app).await;
    assert!(again.password.is_none());
    assert!(again.accounts.iter().all(|a| a.password.is_none()));
    assert_eq!(again.accounts.len(), first.accounts.len());
    assert_eq!(state(&app).await, (Ok(3), 2, 8), "nothing changed");

    let email = |local: &str| format!("{local}@demo.certcase.test");
    let sec = tasks_of(&app, &email("secretariat2"), &password).await;
    assert_eq!(count(&sec, "secretariat", "enterprises_to_verify"), 1);
    assert_eq!(count(&sec, "secretariat", "applications_to_accept"), 1);
    assert_eq!(count(&sec, "secretariat", "panels_to_form"), 1);
    assert_eq!(count(&sec, "secretariat", "review_panels_to_form"), 0);
    assert_eq!(count(&sec, "secretariat", "results_to_issue"), 1);

    let member = tasks_of(&app, &email("chen.gang"), &password).await;
    assert_eq!(count(&member, "assessor", "assigned_applications"), 1);
    assert_eq!(count(&member, "assessor", "scores_not_submitted"), 1);
    assert_eq!(
        member["sections"][0]["assigned"][0]["enterprise"]["zh"],
        "北京云栈科技有限公司"
    );

    let reviewer = tasks_of(&app, &email("huang.lei"), &password).await;
    assert_eq!(count(&reviewer, "reviewer", "votes_pending"), 1);
    assert_eq!(count(&reviewer, "reviewer", "decisions"), 3);
    // 吴静's enterprise is the one in review: she is recused, so nothing waits for her.
    let recused = tasks_of(&app, &email("wu.jing"), &password).await;
    assert_eq!(count(&recused, "reviewer", "votes_pending"), 0);

    let (s, list) = app
        .call_api(
            &app.api_token(&TestUser {
                email: email("liu.yang"),
                password: password.clone(),
            })
            .await,
            Some("en"),
            "GET",
            "/api/v1/self-assessments",
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    assert!(list.to_string().contains("completed_at\":\"2"), "{list}");

    let drafting = tasks_of(&app, &email("lin.hai"), &password).await;
    assert_eq!(count(&drafting, "enterprise", "drafts"), 1);
    let certified = tasks_of(&app, &email("he.fang"), &password).await;
    assert_eq!(count(&certified, "enterprise", "certificates"), 1);
    assert_eq!(count(&certified, "enterprise", "results"), 1);
    let revoked = tasks_of(&app, &email("guo.qiang"), &password).await;
    assert_eq!(count(&revoked, "enterprise", "certificates"), 0);
}
