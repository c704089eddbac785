//! The secretariat's queues and the application's actions through the pages only: the
//! enterprise verification queue, accepting and rejecting, one application's panel,
//! employment records, certificates from the application, the round and the inbox, and
//! the enterprise's application form and submission. Irreversible steps ask first; a
//! refused form comes back with what was typed and why.

use certcase::domain::access::Role;
use certcase::domain::application_status::Status;

use crate::helpers::{csrf_in, TestApp};
use crate::panels::{person, world, Client, World};

async fn get(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, String) {
    let r = browser.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Posts a form of `page` (its CSRF token) to `action`.
async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let r = app.submit_form(browser, page, action, fields).await;
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

fn asks_to_confirm(html: &str) -> bool {
    html.contains("name=\"confirmed\" value=\"yes\"")
}

/// Secretariat allowed; enterprise, assessor and reviewer refused; anonymous sent to
/// sign in.
async fn only_the_secretariat_sees(app: &TestApp, path: &str) {
    for role in [Role::Enterprise, Role::Assessor, Role::Reviewer] {
        let user = app.add_user("旁人", &[role]).await;
        let (status, _) = get(app, &app.signed_in(&user).await, path).await;
        assert_eq!(status, 403, "{role:?} on {path}");
    }
    let r = crate::helpers::browser()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
}

/// An application of the enterprise in `status`, for a part of the demo round.
async fn application_in(w: &World<'_>, enterprise: &str, part: &str, status: Status) -> String {
    let (round, e, p) = (w.round.clone(), enterprise.to_string(), part.to_string());
    let id = uuid::Uuid::now_v7().to_string();
    let aid = id.clone();
    w.app
        .conn(move |c| {
            let t = certcase::db::models::now();
            certcase::db::models::applications::insert(
                c,
                &certcase::db::models::applications::NewApplication {
                    id: aid.parse().unwrap(),
                    round_id: round.parse().unwrap(),
                    enterprise_id: e.parse().unwrap(),
                    part_code: &p,
                    target_level: 3,
                    scope: "核心交易系统",
                    scope_en: None,
                    contact_name: "张喆",
                    contact_email: "zz@example.cn",
                    status,
                    created_at: t,
                    updated_at: t,
                },
            )
            .unwrap();
        })
        .await;
    id
}

async fn verified(app: &TestApp, enterprise: &str) -> bool {
    let id = enterprise.to_string();
    app.conn(move |c| {
        certcase::db::models::enterprises::get(c, id.parse().unwrap())
            .unwrap()
            .unwrap()
            .verified_at
            .is_some()
    })
    .await
}

async fn sec_browser(w: &World<'_>) -> reqwest::Client {
    w.app.signed_in(&w.sec.login).await
}

#[tokio::test]
async fn the_secretariat_verifies_an_enterprise_from_its_queue_after_confirming() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (enterprise, _) = w
        .enterprise("北京喆堃科技有限公司", &[Role::Enterprise])
        .await;
    let sec = sec_browser(&w).await;
    only_the_secretariat_sees(&app, "/enterprises").await;

    let (status, page) = get(&app, &sec, "/enterprises").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/enterprises\""),
        "the nav links to it"
    );
    let waiting =
        &page[page.find("id=\"waiting\"").unwrap()..page.find("id=\"verified\"").unwrap()];
    assert!(waiting.contains("北京喆堃科技有限公司"), "{waiting}");
    assert!(waiting.contains("<td>1</td>"), "one member");
    let action = format!("/enterprises/{enterprise}/verify");
    assert!(waiting.contains(&format!("action=\"{action}\"")));

    let (status, _, asked) = post(&app, &sec, "/enterprises", &action, &[]).await;
    assert_eq!(status, 200);
    assert!(asks_to_confirm(&asked) && asked.contains("北京喆堃科技有限公司"));
    assert!(
        !verified(&app, &enterprise).await,
        "nothing happens before confirming"
    );

    let confirmed = [("confirmed", "yes")];
    let (status, location, _) = post(&app, &sec, "/enterprises", &action, &confirmed).await;
    assert_eq!((status, location.as_str()), (303, "/enterprises"));
    assert!(verified(&app, &enterprise).await);
    let (_, page) = get(&app, &sec, "/enterprises").await;
    let listed = &page[page.find("id=\"verified\"").unwrap()..];
    assert!(listed.contains("北京喆堃科技有限公司"));

    // Twice: refused on the queue page itself.
    let (status, _, again) = post(&app, &sec, "/enterprises", &action, &confirmed).await;
    assert_eq!(status, 409);
    assert!(again.contains("role=\"alert\""), "{again}");
}

#[tokio::test]
async fn the_secretariat_accepts_after_confirming_and_rejects_only_with_a_reason() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (enterprise, _) = w.enterprise("上海某银行", &[Role::Enterprise]).await;
    let first = application_in(&w, &enterprise, "CD", Status::Submitted).await;
    let second = application_in(&w, &enterprise, "SEC", Status::Submitted).await;
    let sec = sec_browser(&w).await;

    // The list: enterprise, the part's name and the status in words.
    let (_, list) = get(&app, &sec, "/applications").await;
    assert!(list.contains("上海某银行") && list.contains("持续交付"));
    assert!(list.contains("已提交") && !list.contains(">submitted<"));

    let page = format!("/applications/{first}");
    let (_, detail) = get(&app, &sec, &page).await;
    assert!(detail.contains("持续交付") && detail.contains("已提交"));
    assert!(detail.contains(&format!("action=\"/applications/{first}/accept\"")));
    assert!(detail.contains(&format!("action=\"/applications/{first}/reject\"")));

    let accept = format!("/applications/{first}/accept");
    let (status, _, asked) = post(&app, &sec, &page, &accept, &[]).await;
    assert_eq!(status, 200);
    assert!(asks_to_confirm(&asked) && asked.contains("持续交付"));
    assert_eq!(w.status(&first).await, "submitted");
    let (status, location, _) = post(&app, &sec, &page, &accept, &[("confirmed", "yes")]).await;
    assert_eq!((status, location), (303, page.clone()));
    assert_eq!(w.status(&first).await, "accepted");
    let (_, detail) = get(&app, &sec, &page).await;
    assert!(detail.contains(&format!("href=\"/applications/{first}/panel\"")));

    let page = format!("/applications/{second}");
    let reject = format!("/applications/{second}/reject");
    let (status, _, refused) = post(&app, &sec, &page, &reject, &[("reject_reason", "  ")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("role=\"alert\""));
    assert_eq!(w.status(&second).await, "submitted");
    let why = "范围与所申请部分不符 <b>";
    let (status, _, _) = post(&app, &sec, &page, &reject, &[("reject_reason", why)]).await;
    assert_eq!(status, 303);
    assert_eq!(w.status(&second).await, "rejected");
    let (_, detail) = get(&app, &sec, &page).await;
    assert!(
        detail.contains("范围与所申请部分不符 &lt;b&gt;"),
        "the reason is kept"
    );
    assert!(detail.contains("未受理"));
}

#[tokio::test]
async fn pages_that_act_refuse_everyone_but_the_secretariat() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (enterprise, member) = w.enterprise("广州某公司", &[Role::Enterprise]).await;
    let id = application_in(&w, &enterprise, "CD", Status::Submitted).await;
    only_the_secretariat_sees(&app, &format!("/applications/{id}/panel")).await;
    // The enterprise's own page has none of the secretariat's forms.
    let own = app.signed_in(&member.login).await;
    let (status, page) = get(&app, &own, &format!("/applications/{id}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("/accept\"") && !page.contains("/reject\""));
    let fields = [
        ("csrf_token", csrf_in(&page)),
        ("confirmed", "yes".to_string()),
    ];
    let r = own
        .post(app.url(&format!("/applications/{id}/accept")))
        .headers(app.same_origin())
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(w.status(&id).await, "submitted");
}

/// Three CAICT CD assessors, one external one qualified for SEC only, and one employed
/// by the applicant (recorded through the registry page).
async fn registry<'a>(w: &World<'a>, sec: &reqwest::Client, applicant: &str) -> Vec<Client<'a>> {
    let mut pool = Vec::new();
    for name in ["李雷", "韩梅梅", "王堃"] {
        pool.push(w.assessor(name, true, &["CD"], "2099-01-01").await);
    }
    pool.push(
        w.assessor("Anna Müller", false, &["SEC"], "2099-01-01")
            .await,
    );
    let insider = w.assessor("陈默", true, &["CD"], "2099-01-01").await;
    let app = w.app;

    // Employment through the registry page: a bad date comes back with what was typed.
    let typed = [
        ("user_id", insider.id.as_str()),
        ("enterprise", applicant),
        ("from", "2024-13-01"),
        ("until", ""),
    ];
    let (status, _, refused) = post(app, sec, "/assessors", "/assessors/employment", &typed).await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("value=\"2024-13-01\""),
        "the date typed is kept"
    );
    assert!(
        refused.contains("2024-06-30"),
        "the reason says how to write it"
    );
    assert!(refused.contains(&format!("value=\"{}\" selected", insider.id)));
    let typed = [
        ("user_id", insider.id.as_str()),
        ("enterprise", applicant),
        ("from", "2023-02-01"),
        ("until", ""),
    ];
    let (status, location, _) = post(app, sec, "/assessors", "/assessors/employment", &typed).await;
    assert_eq!((status, location.as_str()), (303, "/assessors#employment"));
    let (_, page) = get(app, sec, "/assessors").await;
    let employment = &page[page.find("class=\"employment\"").unwrap()..];
    assert!(page.contains("2023年2月1日"), "{employment}");
    pool.push(insider);
    pool
}

#[tokio::test]
async fn a_panel_is_chosen_among_the_eligible_and_saved_after_confirming() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (enterprise, _) = w.enterprise("深圳某科技", &[Role::Enterprise]).await;
    let id = w.accepted(&enterprise, "CD", 3).await;
    let sec = sec_browser(&w).await;
    let pool = registry(&w, &sec, &enterprise).await;
    let (lei, han, wang, anna, chen) = (&pool[0], &pool[1], &pool[2], &pool[3], &pool[4]);

    let page = format!("/applications/{id}/panel");
    let (status, html) = get(&app, &sec, &page).await;
    assert_eq!(status, 200);
    for a in [lei, han, wang] {
        assert!(html.contains(&format!("name=\"member\" value=\"{}\"", a.id)));
    }
    for (a, why) in [
        (anna, "Anna Müller不具备 CD 部分的评估资质"),
        (chen, "陈默任职于该企业或其所属集团"),
    ] {
        assert!(!html.contains(&format!("name=\"member\" value=\"{}\"", a.id)));
        assert!(html.contains(why), "{why}");
    }

    // Two members: refused with the rule, the two still ticked and the lead chosen.
    let two = [
        ("member", lei.id.as_str()),
        ("member", han.id.as_str()),
        ("lead", lei.id.as_str()),
        ("confirmed", "yes"),
    ];
    let (status, _, refused) = post(&app, &sec, &page, &page, &two).await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("2 名评估员：评估组需要 3 至 5 名"),
        "{refused}"
    );
    assert!(refused.contains(&format!(
        "value=\"{}\" id=\"member-{}\" checked",
        han.id, han.id
    )));
    assert!(refused.contains(&format!("name=\"lead\" value=\"{}\"", lei.id)));
    assert!(!refused.contains(&format!(
        "value=\"{}\" id=\"member-{}\" checked",
        wang.id, wang.id
    )));
    assert_eq!(w.status(&id).await, "accepted");

    let three = [
        ("member", lei.id.as_str()),
        ("member", han.id.as_str()),
        ("member", wang.id.as_str()),
        ("lead", lei.id.as_str()),
    ];
    let (status, _, asked) = post(&app, &sec, &page, &page, &three).await;
    assert_eq!(status, 200);
    assert!(asks_to_confirm(&asked) && asked.contains("深圳某科技"));
    assert_eq!(w.status(&id).await, "accepted", "nothing before confirming");
    let mut confirmed = three.to_vec();
    confirmed.push(("confirmed", "yes"));
    let (status, location, _) = post(&app, &sec, &page, &page, &confirmed).await;
    assert_eq!((status, location), (303, format!("/applications/{id}")));
    assert_eq!(w.status(&id).await, "in_assessment");
    let (_, html) = get(&app, &sec, &page).await;
    let current = &html[html.find("id=\"current-panel\"").unwrap()..];
    assert!(current.contains("李雷 (组长)") && current.contains("王堃"));
}

#[tokio::test]
async fn certificates_are_issued_from_the_application_and_found_from_round_and_inbox() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let approved = crate::certificates::approved_applications(&w, 1)
        .await
        .remove(0);
    let id = approved.application.clone();
    let sec = sec_browser(&w).await;
    let page = format!("/applications/{id}");
    let issue = format!("/applications/{id}/certificate");
    let (_, html) = get(&app, &sec, &page).await;
    assert!(html.contains(&format!("action=\"{issue}\"")));

    let (status, _, asked) = post(&app, &sec, &page, &issue, &[]).await;
    assert_eq!(status, 200);
    assert!(asks_to_confirm(&asked));
    assert_eq!(w.status(&id).await, "approved");
    let (status, location, _) = post(&app, &sec, &page, &issue, &[("confirmed", "yes")]).await;
    assert_eq!((status, location), (303, format!("{page}#certificate")));
    assert_eq!(w.status(&id).await, "certified");

    let (_, html) = get(&app, &sec, &page).await;
    let number = {
        let at = html.find("href=\"/verify/").unwrap() + "href=\"/verify/".len();
        html[at..at + html[at..].find('"').unwrap()].to_string()
    };
    let pdf = format!("href=\"/certificates/{number}.pdf\"");
    assert!(html.contains(&pdf), "the PDF from the application");
    assert!(
        !html.contains(&format!("action=\"{issue}\"")),
        "issued once"
    );
    let (status, round) = get(&app, &sec, &format!("/rounds/{}", w.round)).await;
    assert_eq!(status, 200);
    let listed = &round[round.find("id=\"round-certificates\"").unwrap()..];
    assert!(listed.contains(&pdf) && listed.contains(&format!("href=\"/verify/{number}\"")));
    let r = sec
        .get(app.url(&format!("/certificates/{number}.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");

    // The enterprise's inbox links to both.
    let member = app.signed_in(&approved.enterprise.login).await;
    let (_, inbox) = get(&app, &member, "/inbox").await;
    assert!(inbox.contains(&pdf) && inbox.contains(&format!("href=\"/verify/{number}\"")));

    // Revocation from the application page: a missing reason first, then it asks.
    let revoke = format!("/certificates/{number}/revoke");
    let (status, _, refused) = post(&app, &sec, &page, &revoke, &[("reason", " ")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("请说明撤销证书的原因"));
    let why = ("reason", "证据造假");
    let (status, _, asked) = post(&app, &sec, &page, &revoke, &[why]).await;
    assert_eq!(status, 200);
    assert!(asks_to_confirm(&asked) && asked.contains("证据造假"));
    let (_, html) = get(&app, &sec, &page).await;
    assert!(
        html.contains(&format!("action=\"{revoke}\"")),
        "still valid"
    );
    let (status, location, _) =
        post(&app, &sec, &page, &revoke, &[why, ("confirmed", "yes")]).await;
    assert_eq!((status, location), (303, format!("/verify/{number}")));
    let (_, html) = get(&app, &member, &page).await;
    assert!(html.contains("verdict-revoked") && html.contains("证据造假"));
}

#[tokio::test]
async fn the_enterprise_keeps_its_application_form_on_refusal_and_confirms_submission() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let member = person(&app, "赵敏", &[Role::Enterprise]).await;
    let browser = app.signed_in(&member.login).await;
    let (status, _, _) = post(
        &app,
        &browser,
        "/enterprise",
        "/enterprise",
        &[
            ("name_zh", "杭州某软件"),
            (
                "credit_code",
                &crate::helpers::credit_code("91330100MA27ABC12"),
            ),
            ("address", "杭州"),
            ("contact_name", "赵敏"),
            ("contact_email", "zm@example.cn"),
            ("contact_phone", "0571-1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let create = format!("/rounds/{}/applications", w.round);
    let (_, list) = get(&app, &browser, "/applications").await;
    assert!(
        list.contains(&format!("action=\"{create}\"")),
        "the demo round is open"
    );
    assert!(
        list.contains("<option value=\"\">—</option>"),
        "no level chosen for them"
    );

    let long = "很".repeat(2001);
    let typed = [
        ("part_code", "CD"),
        ("target_level", "4"),
        ("scope", long.as_str()),
        ("scope_en", "Core <systems>"),
        ("contact_name", "赵敏"),
        ("contact_email", "zm@example.cn"),
    ];
    let (status, _, refused) = post(&app, &browser, "/applications", &create, &typed).await;
    assert_eq!(status, 422);
    assert!(
        refused.contains(&format!("value=\"{long}\"")),
        "the scope typed is kept"
    );
    assert!(refused.contains("value=\"Core &lt;systems&gt;\""));
    assert!(refused.contains("<option value=\"4\" selected>"));
    assert!(refused.contains("role=\"alert\""));

    let mut fixed = typed.to_vec();
    fixed[2] = ("scope", "核心系统");
    let (status, location, _) = post(&app, &browser, "/applications", &create, &fixed).await;
    assert_eq!(status, 303);
    let submit = format!("{location}/submit");
    let (status, _, asked) = post(&app, &browser, &location, &submit, &[]).await;
    assert_eq!(status, 200);
    assert!(asks_to_confirm(&asked) && asked.contains("持续交付"));
    let id = location.trim_start_matches("/applications/").to_string();
    assert_eq!(w.status(&id).await, "draft");
    // Confirmed, it is refused for the missing evidence and the page says so.
    let (status, _, refused) =
        post(&app, &browser, &location, &submit, &[("confirmed", "yes")]).await;
    assert!(matches!(status, 409), "{status}");
    assert!(refused.contains("role=\"alert\""));
    assert_eq!(w.status(&id).await, "draft");
}
