//! Stories that run through e-mail links: a forgotten password, a colleague invited to an
//! enterprise; and the inbox that shows each person their own notifications.

use certcase::db::models::mail as store;
use certcase::domain::access::Role;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::{browser, spawn_app, TestApp, TestUser};
use crate::mail::register_enterprise;

/// The path of the single-use link (on our base URL) in the newest outbox message to
/// `email`.
async fn link_sent_to(app: &TestApp, email: &str, path: &str) -> String {
    let path = format!("{}{path}", app.address);
    let email = email.to_string();
    let rows = app.conn(|c| store::all(c).unwrap()).await;
    let row = rows
        .iter()
        .rev()
        .find(|r| r.recipient_address == email)
        .expect("a message was queued");
    let start = row.body_text.find(&path).expect("the message has the link");
    let rest = &row.body_text[start + app.address.len()..];
    rest[..rest.find(char::is_whitespace).unwrap()].to_string()
}

async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.submit_form(client, path, path, fields).await
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_through_the_mailed_link() {
    let app = spawn_app().await;
    let user = app.add_user("Łukasz O'Brien", &[Role::Reviewer]).await;
    let old_session = app.signed_in(&user).await;

    let anon = browser();
    let known = post_form(&app, &anon, "/password/forgot", &[("email", &user.email)]).await;
    assert_eq!(known.status(), 200);
    let known = known.text().await.unwrap();
    let unknown = post_form(
        &app,
        &anon,
        "/password/forgot",
        &[("email", "nobody@example.test")],
    )
    .await
    .text()
    .await
    .unwrap();
    // Same answer whether the account exists.
    let message = |html: &str| html[html.find("<main>").unwrap()..].to_string();
    assert_eq!(message(&known), message(&unknown));
    assert_eq!(app.conn(|c| store::all(c).unwrap()).await.len(), 1);

    let link = link_sent_to(&app, &user.email, "/password/reset/").await;
    let path = link.clone();
    // The token is stored hashed only.
    let token = path.rsplit('/').next().unwrap().to_string();
    let stored: i64 = app
        .conn(move |c| {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM password_resets WHERE token_hash = '{token}'"
            ))
            .get_result::<N>(c)
            .unwrap()
            .n
        })
        .await;
    assert_eq!(stored, 0);

    let weak = post_form(
        &app,
        &anon,
        &path,
        &[("password", "short"), ("password_again", "short")],
    )
    .await;
    assert_eq!(weak.status(), 422);

    let new_password = "a brand new passphrase 张喆";
    let done = post_form(
        &app,
        &anon,
        &path,
        &[("password", new_password), ("password_again", new_password)],
    )
    .await;
    assert_eq!(done.status(), 200);

    // Every old session has ended; the new password works, the old one does not.
    let res = old_session.get(app.url("/inbox")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let res = app
        .login_form(&browser(), &user.email, &user.password)
        .await;
    assert_eq!(res.status(), 422);
    let res = app.login_form(&browser(), &user.email, new_password).await;
    assert_eq!(res.status(), 303);

    // The link works once.
    let again = anon.get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = spawn_app().await;
    let user = app.add_user("王堃", &[Role::Assessor]).await;
    let anon = browser();
    post_form(&app, &anon, "/password/forgot", &[("email", &user.email)]).await;
    let link = link_sent_to(&app, &user.email, "/password/reset/").await;
    let path = link.clone();
    app.conn(|c| {
        diesel::sql_query("UPDATE password_resets SET expires_at = created_at")
            .execute(c)
            .unwrap()
    })
    .await;
    let res = anon.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("该链接已过期"));

    // Asking again works, but not without limit: three links an hour.
    for _ in 0..4 {
        let res = post_form(&app, &anon, "/password/forgot", &[("email", &user.email)]).await;
        assert_eq!(res.status(), 200);
    }
    let sent = app.conn(|c| store::all(c).unwrap()).await.len();
    assert_eq!(sent, 3);
    let unknown = anon
        .get(app.url("/password/reset/not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

async fn invite(app: &TestApp, who: &TestUser, email: &str) -> (u16, Value) {
    let token = app.api_token(who).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/enterprises/mine/invitations"))
        .bearer_auth(token)
        .header("accept-language", "en")
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_administrator_invites_a_colleague_who_joins_with_a_new_account() {
    let app = spawn_app().await;
    let admin = app.add_user("张喆", &[Role::Enterprise]).await;
    let enterprise_id = register_enterprise(&app, &admin).await;

    let (status, problem) = invite(&app, &admin, "not an address").await;
    assert_eq!(status, 422, "{problem}");
    let (status, _) = invite(&app, &admin, "Colleague@Example.test").await;
    assert_eq!(status, 201);
    let link = link_sent_to(&app, "colleague@example.test", "/invitations/").await;
    let path = link.clone();

    let anon = browser();
    let page = anon.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("colleague@example.test"));
    let joined = post_form(
        &app,
        &anon,
        &path,
        &[
            ("name", "O'Brien <script>"),
            ("password", "colleague passphrase"),
        ],
    )
    .await;
    assert_eq!(joined.status(), 200);

    let colleague = TestUser {
        email: "colleague@example.test".into(),
        password: "colleague passphrase".into(),
    };
    let token = app.api_token(&colleague).await;
    let (_, mine) = app
        .call_api(&token, None, "GET", "/api/v1/enterprises/mine", None)
        .await;
    assert_eq!(mine["id"], enterprise_id);

    // Used once; a member is not an administrator; a member cannot be invited again.
    let again = anon.get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), 409);
    let (status, _) = invite(&app, &colleague, "third@example.test").await;
    assert_eq!(status, 403);
    let (status, problem) = invite(&app, &admin, "colleague@example.test").await;
    assert_eq!(status, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("already belongs"));

    // Both steps are in the audit log.
    let kinds: Vec<String> = app
        .conn(|c| {
            certcase::db::models::audit::export(c, &Default::default())
                .unwrap()
                .into_iter()
                .map(|r| r.kind)
                .collect()
        })
        .await;
    assert!(kinds.contains(&"invitation_sent".to_string()));
    assert!(kinds.contains(&"invitation_accepted".to_string()));
}

#[tokio::test]
async fn a_signed_in_person_accepts_with_their_account_and_expired_links_are_refused() {
    let app = spawn_app().await;
    let admin = app.add_user("张喆", &[Role::Enterprise]).await;
    register_enterprise(&app, &admin).await;
    let assessor = app.add_user("王堃", &[Role::Assessor]).await;
    let (status, _) = invite(&app, &admin, &assessor.email).await;
    assert_eq!(status, 201);
    let link = link_sent_to(&app, &assessor.email, "/invitations/").await;
    let path = link.clone();

    // Someone else's account cannot take it.
    let other = app.add_user("Łukasz", &[Role::Reviewer]).await;
    let other_browser = app.signed_in(&other).await;
    let res = post_form(&app, &other_browser, &path, &[]).await;
    assert_eq!(res.status(), 403);

    let browser = app.signed_in(&assessor).await;
    let res = post_form(&app, &browser, &path, &[]).await;
    assert_eq!(res.status(), 303);
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(app.api_token(&assessor).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let roles = me["roles"].to_string();
    assert!(
        roles.contains("enterprise") && roles.contains("assessor"),
        "{me}"
    );

    let late = app.add_user("Late", &[Role::Reviewer]).await;
    invite(&app, &admin, &late.email).await;
    let link = link_sent_to(&app, &late.email, "/invitations/").await;
    let path = link.clone();
    app.conn(|c| {
        diesel::sql_query("UPDATE invitations SET expires_at = created_at")
            .execute(c)
            .unwrap()
    })
    .await;
    let res = crate::helpers::browser()
        .get(app.url(&path))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("该链接已过期"));
}

#[tokio::test]
async fn each_person_sees_only_their_own_notifications() {
    let app = spawn_app().await;
    let member = app.add_user("张喆", &[Role::Enterprise]).await;
    let sec = app.add_user("秘书处", &[Role::Secretariat]).await;
    let id = register_enterprise(&app, &member).await;
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/enterprises/{id}/verify")))
        .bearer_auth(app.api_token(&sec).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let page = app
        .signed_in(&member)
        .await
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("喆堃科技有限公司 已通过核验"), "{page}");
    let mine: Value = reqwest::Client::new()
        .get(app.url("/api/v1/notifications"))
        .bearer_auth(app.api_token(&member).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["message_kind"], "enterprise_verified");
    let theirs: Value = reqwest::Client::new()
        .get(app.url("/api/v1/notifications"))
        .bearer_auth(app.api_token(&sec).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs, json!([]));
}
