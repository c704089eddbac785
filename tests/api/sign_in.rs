use certcase::domain::access::Role;
use certcase::domain::account::Email;
use certcase::workflow::demo;

use crate::helpers::{browser, spawn_app, spawn_app_with};

#[tokio::test]
async fn every_demo_account_can_sign_in_with_the_printed_password() {
    let app = spawn_app().await;
    let accounts = app.conn(|c| demo::seed(c).unwrap()).await;
    assert_eq!(accounts.len(), 4);
    let again = app.conn(|c| demo::seed(c).unwrap()).await;
    assert!(
        again.iter().all(|a| a.password.is_none()),
        "a second seed changes no password"
    );

    for account in accounts {
        let client = browser();
        let res = app
            .login_form(
                &client,
                &account.email,
                account.password.as_deref().unwrap(),
            )
            .await;
        assert_eq!(res.status(), 303, "{}", account.email);
        let home = client
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains(&account.name.replace('\'', "&#x27;")),
            "home page names {}",
            account.name
        );

        let token = app
            .api_token(&crate::helpers::TestUser {
                email: account.email.clone(),
                password: account.password.clone().unwrap(),
            })
            .await;
        let (_, me) = app.call_api(&token, None, "GET", "/api/v1/me", None).await;
        assert_eq!(me["roles"], serde_json::json!([account.role.as_str()]));
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_recorded() {
    let app = spawn_app().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let client = browser();
    let res = app
        .login_form(&client, &user.email, "not the password at all")
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("邮箱或密码不正确"),
        "the refusal is explained"
    );
    assert!(
        client
            .get(app.url("/models"))
            .send()
            .await
            .unwrap()
            .status()
            == 303,
        "still signed out"
    );
    assert_eq!(app.auth_event_kinds(&user.email).await, ["login_failed"]);

    let api = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": user.email, "password": "wrong password!!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 422);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
}

/// Behind a trusted load balancer, sign-ins are recorded (and locked out, and limited)
/// under the address the balancer passed on; a client that talks to the server directly
/// cannot choose its address by sending the header itself.
#[tokio::test]
async fn the_client_address_is_taken_from_a_trusted_balancer_only() {
    for (trusted, expected) in [(true, "203.0.113.7"), (false, "127.0.0.1")] {
        let app = spawn_app_with(|c| {
            if trusted {
                c.operations.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
            }
        })
        .await;
        let user = app.add_user("张喆", &[Role::Enterprise]).await;
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            // The left entry is the client's own claim; the balancer appended the right one.
            .header("X-Forwarded-For", "198.51.100.1, 203.0.113.7")
            .json(&serde_json::json!({"email": user.email, "password": "wrong password!!"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let email = user.email.clone();
        let addresses: Vec<String> = app
            .conn(move |c| {
                certcase::db::models::sessions::events_for(c, &email)
                    .unwrap()
                    .into_iter()
                    .map(|e| e.address)
                    .collect()
            })
            .await;
        assert_eq!(addresses, [expected], "trusted: {trusted}");
    }
}

#[tokio::test]
async fn five_failures_lock_the_account_and_unknown_accounts_look_the_same() {
    let app = spawn_app().await;
    let user = app.add_user("王堃", &[Role::Assessor]).await;
    let login = |email: String, password: String| {
        let url = app.url("/api/v1/auth/login");
        async move {
            let res = reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap();
            let status = res.status();
            let body: serde_json::Value = res.json().await.unwrap();
            (
                status,
                body["detail"].as_str().unwrap_or_default().to_string(),
            )
        }
    };
    let mut refusals = Vec::new();
    for _ in 0..5 {
        refusals.push(login(user.email.clone(), "guess guess guess".into()).await);
    }
    // The right password no longer helps while the lock lasts.
    let locked = login(user.email.clone(), user.password.clone()).await;
    assert_eq!(locked.0, 422);
    assert_eq!(
        locked, refusals[0],
        "a lock answers exactly like a wrong password"
    );

    let unknown = login("nobody@example.test".into(), "guess guess guess".into()).await;
    assert_eq!(
        unknown, refusals[0],
        "an unknown account answers the same way"
    );

    let kinds = app.auth_event_kinds(&user.email).await;
    assert_eq!(kinds.iter().filter(|k| *k == "login_failed").count(), 5);
    assert_eq!(kinds.iter().filter(|k| *k == "lockout").count(), 1);
    assert_eq!(kinds.last().unwrap(), "login_refused_locked");

    // Another account from the same address is not locked by these five failures.
    let other = app.add_user("Łukasz", &[Role::Reviewer]).await;
    assert_eq!(
        login(other.email.clone(), other.password.clone()).await.0,
        200
    );
}

#[tokio::test]
async fn logout_ends_the_session_even_for_a_copied_cookie() {
    let app = spawn_app().await;
    let user = app.add_user("O'Brien", &[Role::Secretariat]).await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (session_cookie, _) = raw_login(&app, &raw, &user, None).await;
    let cookie = format!("certcase_session={session_cookie}");
    let page = raw
        .get(app.url("/models"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let token = crate::helpers::csrf_in(&page.text().await.unwrap());

    let res = raw
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .headers(app.same_origin())
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = replay
        .get(app.url("/models"))
        .header("cookie", format!("certcase_session={session_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "the old session id is dead on the server"
    );
    assert_eq!(
        app.auth_event_kinds(&user.email).await.last().unwrap(),
        "logout"
    );
}

#[tokio::test]
async fn sign_in_sets_a_fresh_session_id_with_safe_cookie_attributes() {
    let app = spawn_app().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = raw_login(&app, &raw, &user, None).await;
    let cookie = first.0.clone();
    assert!(first.1.contains("HttpOnly"));
    assert!(first.1.contains("SameSite=Lax"));
    assert!(first.1.contains("Path=/"));
    assert!(
        !first.1.contains("Secure"),
        "plain http on loopback cannot use Secure cookies"
    );

    // Signing in again while holding a session replaces it: the old id stops working.
    let second = raw_login(&app, &raw, &user, Some(&cookie)).await;
    assert_ne!(second.0, cookie);
    let old = raw
        .get(app.url("/models"))
        .header("cookie", format!("certcase_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303);
    let new = raw
        .get(app.url("/models"))
        .header("cookie", format!("certcase_session={}", second.0))
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 200);
}

/// Signs in without a cookie jar; returns the new session id and its Set-Cookie line.
async fn raw_login(
    app: &crate::helpers::TestApp,
    raw: &reqwest::Client,
    user: &crate::helpers::TestUser,
    session: Option<&str>,
) -> (String, String) {
    let page = raw.get(app.url("/login")).send().await.unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("certcase_csrf="))
        .unwrap();
    let csrf_value = csrf_cookie
        .trim_start_matches("certcase_csrf=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut cookies = format!("certcase_csrf={csrf_value}");
    let token = match session {
        Some(s) => {
            cookies.push_str(&format!("; certcase_session={s}"));
            let html = raw
                .get(app.url("/"))
                .header("cookie", &cookies)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            crate::helpers::csrf_in(&html)
        }
        None => csrf_value,
    };
    let res = raw
        .post(app.url("/login"))
        .header("cookie", cookies)
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", &user.email),
            ("password", &user.password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let line = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("certcase_session="))
        .unwrap();
    (
        line.trim_start_matches("certcase_session=")
            .split(';')
            .next()
            .unwrap()
            .to_string(),
        line,
    )
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once_on_pages_and_api() {
    let app = spawn_app().await;
    let user = app.add_user("王堃", &[Role::Assessor]).await;
    let client = app.signed_in(&user).await;
    let token = app.api_token(&user).await;
    assert_eq!(
        client
            .get(app.url("/models"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let email = user.email.clone();
    assert!(
        app.conn(
            move |c| certcase::db::models::users::disable(c, &Email::parse(&email).unwrap())
                .unwrap()
        )
        .await
    );

    assert_eq!(
        client
            .get(app.url("/models"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let again = app
        .login_form(&browser(), &user.email, &user.password)
        .await;
    assert_eq!(again.status(), 422, "a disabled account cannot sign in");
}

#[tokio::test]
async fn a_revoked_api_token_stops_working() {
    let app = spawn_app().await;
    let user = app.add_user("Łukasz", &[Role::Reviewer]).await;
    let token = app.api_token(&user).await;
    let api = reqwest::Client::new();
    assert_eq!(
        api.get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        api.delete(app.url("/api/v1/auth/token"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        api.get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_or_from_another_origin_change_nothing() {
    let app = spawn_app().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;

    // Sign-in without the token: refused before the password is even checked.
    let client = browser();
    let _ = app.csrf_from(&client, "/login").await;
    let res = client
        .post(app.url("/login"))
        .headers(app.same_origin())
        .form(&[
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        app.auth_event_kinds(&user.email).await.is_empty(),
        "nothing recorded"
    );

    let client = app.signed_in(&user).await;
    let token = app.csrf_from(&client, "/").await;

    // Logout with a foreign token, with no token, and from another site: all refused.
    for (origin, form_token) in [
        (
            app.address.clone(),
            Some("forged-token-forged-token-forged-token-12"),
        ),
        (app.address.clone(), None),
        ("https://evil.example".to_string(), Some(token.as_str())),
    ] {
        let mut req = client.post(app.url("/logout")).header("origin", origin);
        if let Some(t) = form_token {
            req = req.form(&[("csrf_token", t)]);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("403"));
        assert_eq!(
            client
                .get(app.url("/models"))
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "still signed in"
        );
    }

    // Without Origin, a same-site Referer is accepted; no header at all is not.
    let res = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(app.url("/logout"))
        .header("referer", app.url("/models"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

/// Posts the login form with `next`; returns the response.
async fn login_with_next(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    user: &crate::helpers::TestUser,
    password: &str,
    next: &str,
) -> reqwest::Response {
    let token = app.csrf_from(client, "/login").await;
    client
        .post(app.url("/login"))
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", user.email.as_str()),
            ("password", password),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

async fn session_count(app: &crate::helpers::TestApp) -> i64 {
    use diesel::prelude::*;
    app.conn(|c| {
        certcase::db::schema::sessions::table
            .count()
            .get_result::<i64>(c)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn a_next_that_would_leave_the_site_goes_home_after_sign_in() {
    let app = spawn_app().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    for next in [
        "/\t/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
    ] {
        let res = login_with_next(&app, &browser(), &user, &user.password, next).await;
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(res.headers()["location"], "/", "{next:?}");
    }
    let res = login_with_next(&app, &browser(), &user, &user.password, "/models?x=1").await;
    assert_eq!(res.headers()["location"], "/models?x=1");

    // The login page does not carry it over either.
    let page = browser()
        .get(app.url("/login"))
        .query(&[("next", "/\t/evil.example")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Home, as the page escapes it.
    assert!(page.contains(r#"name="next" value="&#x2F;""#), "{page}");
    assert!(!page.contains("evil.example"), "{page}");
}

#[tokio::test]
async fn a_next_with_a_line_break_is_ignored_before_anything_is_written() {
    let app = spawn_app().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let next = "/models\r\nSet-Cookie: planted=1";

    // Refused (wrong password): no session, only the failure is recorded.
    let res = login_with_next(&app, &browser(), &user, "not the password", next).await;
    assert_eq!(res.status(), 422);
    assert_eq!(session_count(&app).await, 0);
    assert_eq!(app.auth_event_kinds(&user.email).await, ["login_failed"]);

    // Accepted: one session, its cookie sent, and home instead of the broken header.
    let client = browser();
    let res = login_with_next(&app, &client, &user, &user.password, next).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookies: Vec<_> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("certcase_session=")),
        "{cookies:?}"
    );
    assert!(
        !cookies.iter().any(|c| c.contains("planted")),
        "{cookies:?}"
    );
    assert_eq!(session_count(&app).await, 1);
    assert_eq!(
        app.auth_event_kinds(&user.email).await,
        ["login_failed", "login_succeeded"]
    );
    let signed_in = client.get(app.url("/models")).send().await.unwrap();
    assert_eq!(signed_in.status(), 200);
}

/// The caller (credential, user and roles) is read in one query per request, with no
/// cache: a role granted while signed in counts from the next request, on pages and API,
/// and every role of a person with several is seen (one joined row per role).
#[tokio::test]
async fn a_role_granted_while_signed_in_counts_from_the_next_request() {
    let app = spawn_app().await;
    let user = app
        .add_user("刘思", &[Role::Assessor, Role::Enterprise])
        .await;
    let token = app.api_token(&user).await;
    let client = app.signed_in(&user).await;
    let me = |token: String| {
        let url = app.url("/api/v1/me");
        async move {
            let res = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let body: serde_json::Value = res.json().await.unwrap();
            let mut roles: Vec<String> = body["roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            roles.sort();
            roles
        }
    };
    assert_eq!(me(token.clone()).await, ["assessor", "enterprise"]);
    // A secretariat-only page is refused before the grant.
    let sign_in_log = || client.get(app.url("/admin/sign-ins")).send();
    assert_eq!(sign_in_log().await.unwrap().status(), 403);

    // Granted in a transaction of this process, as a use case grants it: the remembered
    // caller is read again at once (a change made elsewhere counts within
    // `caller_recheck_ms`, see tests/api/callers.rs).
    let email = user.email.clone();
    app.conn(move |c| {
        let row = certcase::db::models::users::find_by_email(c, &Email::parse(&email).unwrap())
            .unwrap()
            .unwrap();
        certcase::db::write_tx(c, |c| {
            certcase::db::models::users::add_role(c, row.id, Role::Secretariat)
        })
        .unwrap();
    })
    .await;

    assert_eq!(me(token).await, ["assessor", "enterprise", "secretariat"]);
    assert_eq!(sign_in_log().await.unwrap().status(), 200);
}

/// A person whose last role was taken away is still the caller, with no role (the roles
/// are outer-joined): the one query finds them, and the route table refuses by role.
#[tokio::test]
async fn a_person_without_roles_is_still_signed_in() {
    let app = spawn_app().await;
    let user = app.add_user("赵无", &[Role::Assessor]).await;
    let token = app.api_token(&user).await;
    let email = user.email.clone();
    app.conn(move |c| {
        use diesel::RunQueryDsl;
        let row = certcase::db::models::users::find_by_email(c, &Email::parse(&email).unwrap())
            .unwrap()
            .unwrap();
        // No use case takes a person's last role; the table may still hold such a person.
        diesel::sql_query(format!(
            "DELETE FROM user_roles WHERE user_id = '{}'",
            row.id
        ))
        .execute(c)
        .unwrap();
    })
    .await;
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["display_name"], "赵无");
    assert_eq!(body["roles"], serde_json::json!([]));
}
