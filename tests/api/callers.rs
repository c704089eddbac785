//! Remembered callers (`workflow::callers`, issue #19): read once, used while the
//! database's caller counter is unchanged, and dropped by any change that counter sees.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use certcase::db::models::sessions::caller_version;
use certcase::db::schema::{sessions, users};
use certcase::domain::access::Role;
use certcase::workflow::callers::CallerCache;
use diesel::prelude::*;

use crate::helpers::{spawn_app_with_state, TestApp};

/// A server with `recheck_ms`, and its caller cache.
async fn app_with_recheck(recheck_ms: u64) -> (TestApp, Arc<CallerCache>) {
    let cache = Arc::new(Mutex::new(None));
    let kept = cache.clone();
    let app = spawn_app_with_state(
        |c| c.operations.caller_recheck = Duration::from_millis(recheck_ms),
        move |state| *kept.lock().unwrap() = Some(state.callers.clone()),
    )
    .await;
    let cache = cache.lock().unwrap().take().unwrap();
    (app, cache)
}

async fn status(client: &reqwest::Client, app: &TestApp, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_signed_in_visitor_is_read_once_then_remembered() {
    let (app, cache) = app_with_recheck(100).await;
    let user = app.add_user("周敏", &[Role::Assessor]).await;
    let client = app.signed_in(&user).await;
    let before = cache.reads();
    for _ in 0..5 {
        assert_eq!(status(&client, &app, "/models").await, 200);
    }
    assert_eq!(cache.reads() - before, 1, "one read for five pages");
}

#[tokio::test]
async fn with_no_recheck_time_every_request_reads_its_caller() {
    let (app, cache) = app_with_recheck(0).await;
    let user = app.add_user("周敏", &[Role::Assessor]).await;
    let client = app.signed_in(&user).await;
    let before = cache.reads();
    for _ in 0..3 {
        assert_eq!(status(&client, &app, "/models").await, 200);
    }
    assert_eq!(cache.reads() - before, 3);
}

#[tokio::test]
async fn a_session_ended_behind_this_instances_back_stops_within_the_recheck_time() {
    // Another instance (or the command line) ends the session: this process commits
    // nothing, so only the recheck notices.
    let (app, _) = app_with_recheck(50).await;
    let user = app.add_user("周敏", &[Role::Assessor]).await;
    let client = app.signed_in(&user).await;
    assert_eq!(status(&client, &app, "/models").await, 200);
    app.conn(|c| diesel::delete(sessions::table).execute(c).unwrap())
        .await;
    let ended = Instant::now();
    loop {
        match status(&client, &app, "/models").await {
            303 => break,
            200 => assert!(
                ended.elapsed() < Duration::from_secs(2),
                "still signed in {:?} after the session ended",
                ended.elapsed()
            ),
            other => panic!("unexpected {other}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_counter_moves_with_every_change_to_a_caller_and_not_with_a_new_session() {
    let (app, _) = app_with_recheck(100).await;
    let user = app.add_user("周敏", &[Role::Assessor]).await;
    let version = || app.conn(|c| caller_version(c).unwrap());
    let email = user.email.clone();
    let user_id: String = app
        .conn(move |c| {
            users::table
                .filter(users::email.eq(email))
                .select(users::id)
                .first(c)
                .unwrap()
        })
        .await;

    let start = version().await;
    let _client = app.signed_in(&user).await;
    app.api_token(&user).await;
    assert_eq!(version().await, start, "new credentials change no caller");

    let mut last = start;
    let changes: Vec<(&str, String)> = vec![
        (
            "renamed",
            format!("UPDATE users SET display_name = '周敏敏' WHERE id = '{user_id}'"),
        ),
        (
            "role given",
            format!("INSERT INTO user_roles (user_id, role) VALUES ('{user_id}', 'reviewer')"),
        ),
        (
            "role taken",
            format!("DELETE FROM user_roles WHERE user_id = '{user_id}' AND role = 'reviewer'"),
        ),
        (
            "token revoked",
            format!(
                "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = '{user_id}'"
            ),
        ),
        (
            "session ended",
            format!("DELETE FROM sessions WHERE user_id = '{user_id}'"),
        ),
        (
            "disabled",
            format!("UPDATE users SET disabled_at = CURRENT_TIMESTAMP WHERE id = '{user_id}'"),
        ),
    ];
    for (what, sql) in changes {
        app.conn(move |c| diesel::sql_query(sql).execute(c).unwrap())
            .await;
        let now = version().await;
        assert!(now > last, "{what}: the counter stayed at {now}");
        last = now;
    }
    let unchanged = format!("UPDATE users SET lang = 'en' WHERE id = '{user_id}'");
    app.conn(move |c| diesel::sql_query(unchanged).execute(c).unwrap())
        .await;
    assert_eq!(
        version().await,
        last,
        "a user's own language is not the caller's"
    );
}

/// The secretariat's applications list, as a page.
async fn applications_page(client: &reqwest::Client, app: &TestApp) -> String {
    let res = client.get(app.url("/applications")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test]
async fn the_rounds_of_the_applications_list_are_kept_until_a_commit_here() {
    // An hour's recheck: only this process's commits make the list read its rounds again.
    let (app, _) = app_with_recheck(3_600_000).await;
    let sec = app.add_user("秘书处", &[Role::Secretariat]).await;
    let client = app.signed_in(&sec).await;
    // Written behind the process's back (no use case, no commit counted): the kept rounds
    // are still used, so the filter does not offer it yet. The count of commits is the
    // whole test process's: when another test commits meanwhile, this list rightly reads
    // its rounds again, and the step is tried once more with another round.
    let version: certcase::domain::ids::ModelVersionId = app.caict_version().await.parse().unwrap();
    let mut kept = false;
    for attempt in 0..20 {
        let commits = certcase::db::committed_writes();
        let name = format!("直接写入的轮次{attempt}");
        // The list reads the rounds (again, after any commit) and keeps them.
        applications_page(&client, &app).await;
        let zh = name.clone();
        app.conn(move |c| {
            let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
            certcase::db::models::rounds::insert(
                c,
                &certcase::db::models::rounds::NewRound {
                    name: &certcase::domain::catalog::Bilingual {
                        zh,
                        en: "Round written directly".into(),
                    },
                    model_version: version,
                    registration: (day("2031-03-03"), day("2031-03-31")),
                    assessment: (day("2031-04-14"), day("2031-06-30")),
                    results_on: day("2031-07-31"),
                    parts: &["CD".to_string()],
                },
            )
            .unwrap();
        })
        .await;
        let page = applications_page(&client, &app).await;
        if certcase::db::committed_writes() == commits {
            assert!(!page.contains(&name), "the rounds read before are kept");
            kept = true;
            break;
        }
    }
    assert!(kept, "another test committed during each of 20 attempts");

    // A round opened through the API commits here: the next page reads the rounds again
    // and offers both.
    let token = app.api_token(&sec).await;
    let (status, round) = app
        .call_api(
            &token,
            None,
            "POST",
            "/api/v1/rounds",
            Some(serde_json::json!({
                "model_version_id": version.to_string(), "name_zh": "通过接口开设的轮次",
                "name_en": "Round opened through the API",
                "registration_opens": "2031-09-01", "registration_closes": "2031-09-30",
                "assessment_starts": "2031-10-13", "assessment_ends": "2031-12-19",
                "results_on": "2032-01-16", "parts": ["CD"]
            })),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    let page = applications_page(&client, &app).await;
    assert!(page.contains("通过接口开设的轮次"), "{page}");
    assert!(page.contains("直接写入的轮次0"));
}
