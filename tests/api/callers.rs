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
