//! Production mode: an https base URL makes cookies `Secure` with the `__Host-` prefix
//! and sends HSTS; plain http on loopback (development) does neither.

use certcase::domain::access::Role;

use crate::helpers::{csrf_in, spawn_app, spawn_app_with, TestApp};

/// The Set-Cookie lines of a response.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The value of cookie `name` among Set-Cookie lines.
fn cookie_value(lines: &[String], name: &str) -> String {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {lines:?}"));
    line[name.len() + 1..]
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// Signs in by hand (a cookie jar would not send `Secure` cookies over the test's plain
/// http); returns the login page's and the sign-in's Set-Cookie lines and the sign-in
/// response's HSTS header.
async fn sign_in_by_hand(
    app: &TestApp,
    origin: &str,
    prefix: &str,
) -> (Vec<String>, Vec<String>, Option<String>) {
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = raw.get(app.url("/login")).send().await.unwrap();
    let page_cookies = set_cookies(&page);
    let csrf_name = format!("{prefix}certcase_csrf");
    let csrf = cookie_value(&page_cookies, &csrf_name);
    assert_eq!(csrf_in(&page.text().await.unwrap()), csrf);
    let res = raw
        .post(app.url("/login"))
        .header("cookie", format!("{csrf_name}={csrf}"))
        .header("origin", origin)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let hsts = res
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_string());
    (page_cookies, set_cookies(&res), hsts)
}

#[tokio::test]
async fn an_https_base_url_gets_host_prefixed_secure_cookies_and_hsts() {
    let public = "https://certs.example.org";
    let app = spawn_app_with(|c| c.base_url = public.into()).await;
    let (page, signed_in, hsts) = sign_in_by_hand(&app, public, "__Host-").await;
    for (lines, name) in [
        (&page, "__Host-certcase_csrf"),
        (&signed_in, "__Host-certcase_session"),
    ] {
        let line = lines.iter().find(|l| l.starts_with(name)).unwrap();
        assert!(line.contains("; Secure"), "{line}");
        assert!(line.contains("Path=/"), "{line}");
        assert!(!line.to_ascii_lowercase().contains("domain="), "{line}");
    }
    assert_eq!(hsts.as_deref(), Some("max-age=63072000"));
    // Every answer carries it, errors and the API included.
    for path in ["/", "/no-such-page", "/api/v1/me"] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=63072000",
            "{path}"
        );
    }
}

#[tokio::test]
async fn plain_http_on_loopback_gets_neither() {
    let app = spawn_app().await;
    let (page, signed_in, hsts) = sign_in_by_hand(&app, &app.address, "").await;
    for line in page.iter().chain(&signed_in) {
        assert!(!line.contains("Secure"), "{line}");
        assert!(!line.starts_with("__Host-"), "{line}");
    }
    assert!(signed_in.iter().any(|l| l.starts_with("certcase_session=")));
    assert_eq!(hsts, None);
    let res = reqwest::get(app.url("/")).await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
}
