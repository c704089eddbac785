use certcase::domain::access::Role;

use crate::helpers::{browser, spawn_app};

#[tokio::test]
async fn the_language_follows_accept_language_and_the_switch_sticks() {
    let app = spawn_app().await;
    let client = browser();
    let en = client
        .get(app.url("/"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("DevOps Capability Maturity Assessment"));
    let zh = browser()
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("能力成熟度评估"));

    let token = crate::helpers::csrf_in(&en);
    let res = client
        .post(app.url("/lang"))
        .headers(app.same_origin())
        .form(&[("csrf_token", token.as_str()), ("lang", "zh-CN")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let after = client
        .get(app.url("/"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        after.contains("<html lang=\"zh-CN\">"),
        "the chosen language wins over the header"
    );
}

#[tokio::test]
async fn a_signed_in_persons_language_is_kept_in_the_session() {
    let app = spawn_app().await;
    let user = app.add_user("Łukasz", &[Role::Reviewer]).await;
    let client = app.signed_in(&user).await;
    let token = app.csrf_from(&client, "/").await;
    client
        .post(app.url("/lang"))
        .headers(app.same_origin())
        .form(&[("csrf_token", token.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    let page = client
        .get(app.url("/models"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Model catalog"));
    assert!(page.contains("Review panel member"));
}

#[tokio::test]
async fn names_in_any_script_and_markup_render_literally() {
    let app = spawn_app().await;
    for name in [
        "张喆",
        "王堃",
        "Łukasz",
        "O'Brien",
        "<script>alert(1)</script>",
        "{{7*7}}",
    ] {
        let user = app.add_user(name, &[Role::Enterprise]).await;
        let html = app
            .signed_in(&user)
            .await
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let escaped = name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\'', "&#x27;")
            .replace('/', "&#x2F;");
        assert!(
            html.contains(&format!("<strong>{escaped}</strong>")),
            "{name} shown as text"
        );
        assert!(!html.contains("<script>alert"), "markup is not interpreted");
        assert!(
            !html.contains("<strong>49</strong>"),
            "template syntax is not evaluated"
        );
    }
}

#[tokio::test]
async fn the_secretariat_sees_sign_in_records_for_an_account() {
    let app = spawn_app().await;
    let admin = app.add_user("秘书处", &[Role::Secretariat]).await;
    let someone = app.add_user("张喆", &[Role::Enterprise]).await;
    app.login_form(&browser(), &someone.email, "definitely wrong")
        .await;
    let client = app.signed_in(&admin).await;
    let html = client
        .get(app.url(&format!("/admin/sign-ins?email={}", someone.email)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("登录失败"), "the failure is listed");
    assert!(html.contains("127.0.0.1"));
}

#[tokio::test]
async fn login_redirects_only_to_local_paths() {
    let app = spawn_app().await;
    let user = app.add_user("王堃", &[Role::Assessor]).await;
    for (next, expected) in [
        ("/models", "/models"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
    ] {
        let client = browser();
        let token = app.csrf_from(&client, "/login").await;
        let res = client
            .post(app.url("/login"))
            .headers(app.same_origin())
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", &user.email),
                ("password", &user.password),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], expected);
    }
}

#[tokio::test]
async fn the_signed_out_landing_page_links_to_certificate_verification() {
    let app = spawn_app().await;
    for (lang, words) in [("zh-CN", "查验证书"), ("en", "Verify a certificate")] {
        let home = browser()
            .get(app.url("/"))
            .header("accept-language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains(&format!(
                "<a class=\"button\" href=\"/verify\" id=\"verify-link\">{words}</a>"
            )),
            "{lang}: {home}"
        );
    }
}
