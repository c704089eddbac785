//! Every list a page at a time (issue #19): keyset pages that see each row once while
//! rows are inserted between them, the filters and the search, the `Link` header and
//! the page's links, and coded 400s for cursors, limits and filters that cannot be used.

use std::collections::BTreeSet;

use certcase::domain::access::Role;
use certcase::domain::application_status::Status;
use diesel::RunQueryDsl;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::panels::{person, world, World};

/// GET with a bearer token: (status, the `Link` header, the JSON body).
async fn get_json(app: &TestApp, token: &str, path: &str) -> (u16, Option<String>, Value) {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, link, body)
}

/// The path of the `rel` link of a `Link` header.
fn link_to(link: &Option<String>, rel: &str) -> Option<String> {
    link.as_ref()?.split(", ").find_map(|part| {
        let (target, params) = part.split_once("; ")?;
        (params == format!("rel=\"{rel}\""))
            .then(|| target.trim_matches(|c| c == '<' || c == '>').to_string())
    })
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// An application of `enterprise` for `part` in `status`, created at `at` (now when
/// none), so that several can share one creation time.
async fn application(
    w: &World<'_>,
    enterprise: &str,
    part: &str,
    status: Status,
    at: Option<chrono::NaiveDateTime>,
) -> String {
    let (round, e, p) = (w.round.clone(), enterprise.to_string(), part.to_string());
    let id = uuid::Uuid::now_v7().to_string();
    let aid = id.clone();
    w.app
        .conn(move |c| {
            let t = at.unwrap_or_else(certcase::db::models::now);
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

async fn credit_code_of(app: &TestApp, enterprise: &str) -> String {
    let id = enterprise.to_string();
    app.conn(move |c| {
        certcase::db::models::enterprises::get(c, id.parse().unwrap())
            .unwrap()
            .unwrap()
            .credit_code
    })
    .await
}

/// One page of a JSON list: its ids and the path of the next page.
async fn page_of(app: &TestApp, token: &str, path: &str) -> (Vec<String>, Option<String>) {
    let (status, link, body) = get_json(app, token, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    (ids(&body), link_to(&link, "next"))
}

/// The text of a page as `browser` sees it.
async fn page(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Queues one message of `kind` to each address, newest last, with `text` as its body.
async fn queue_mail(app: &TestApp, addresses: &[&str], kind: &str, text: &str) {
    let (addresses, kind, text): (Vec<String>, String, String) = (
        addresses.iter().map(|a| a.to_string()).collect(),
        kind.to_string(),
        text.to_string(),
    );
    app.conn(move |c| {
        for email in addresses {
            certcase::db::models::mail::insert_outbox(
                c,
                &certcase::domain::message::Recipient {
                    user_id: None,
                    email,
                    name: "收件人".into(),
                    lang: certcase::domain::i18n::Lang::Zh,
                },
                &kind,
                &certcase::domain::message::Rendered {
                    subject: "邀请".into(),
                    text: text.clone(),
                    html: format!("<p>{text}</p>"),
                },
            )
            .unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn walking_the_applications_sees_every_row_once_while_rows_are_inserted() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, _) = w.enterprise("甲科技有限公司", &[Role::Enterprise]).await;
    let (b, _) = w.enterprise("乙银行", &[Role::Enterprise]).await;
    // Four share one creation time: the id breaks the tie.
    let same = certcase::db::models::now();
    let mut before = BTreeSet::new();
    for i in 0..11 {
        let e = if i % 2 == 0 { &a } else { &b };
        let at = (i < 4).then_some(same);
        let part = format!("P{i}");
        before.insert(application(&w, e, &part, Status::Submitted, at).await);
    }

    let mut inserted = Vec::new();
    let mut pages = Vec::new();
    let mut next = Some("/api/v1/applications?limit=3".to_string());
    while let Some(path) = next {
        let (page, after) = page_of(&app, &w.sec.token, &path).await;
        pages.push(page);
        let part = format!("N{}", pages.len());
        inserted.push(application(&w, &a, &part, Status::Draft, None).await);
        next = after;
        assert!(pages.len() < 20, "the walk ends");
    }
    assert!(pages.iter().all(|p| p.len() <= 3));
    let seen: Vec<String> = pages.concat();
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice: {pages:?}");
    assert!(before.is_subset(&unique), "every row there at the start");
    assert!(
        inserted.iter().all(|id| !unique.contains(id)),
        "rows inserted at the top while walking on are not mixed in"
    );

    // The previous page of the second page is the first page.
    let (_, link, _) = get_json(&app, &w.sec.token, "/api/v1/applications?limit=3").await;
    let second = link_to(&link, "next").unwrap();
    let (_, link2, body2) = get_json(&app, &w.sec.token, &second).await;
    assert_eq!(ids(&body2).len(), 3);
    let back = link_to(&link2, "prev").expect("a previous page");
    let (_, _, first_again) = get_json(&app, &w.sec.token, &back).await;
    let (_, _, first) = get_json(&app, &w.sec.token, "/api/v1/applications?limit=3").await;
    assert_eq!(ids(&first_again), ids(&first));

    // 50 by default.
    for i in 0..45 {
        application(&w, &b, &format!("D{i}"), Status::Draft, None).await;
    }
    let (_, link, body) = get_json(&app, &w.sec.token, "/api/v1/applications").await;
    assert_eq!(ids(&body).len(), 50);
    assert!(link_to(&link, "next").is_some());
}

#[tokio::test]
async fn applications_are_filtered_and_searched_within_what_the_caller_may_see() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, member_a) = w
        .enterprise("北京喆堃科技有限公司", &[Role::Enterprise])
        .await;
    let (b, _) = w.enterprise("上海某银行", &[Role::Enterprise]).await;
    let a_cd = application(&w, &a, "CD", Status::Submitted, None).await;
    let a_sec = application(&w, &a, "SEC", Status::Draft, None).await;
    let b_cd = application(&w, &b, "CD", Status::Submitted, None).await;
    let sec = &w.sec.token;
    let set = |v: Vec<String>| v.into_iter().collect::<BTreeSet<_>>();
    let of = |xs: &[&String]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();

    let q = |s: &str| format!("/api/v1/applications?{s}");
    let (_, _, body) = get_json(&app, sec, &q("status=submitted")).await;
    assert_eq!(set(ids(&body)), of(&[&a_cd, &b_cd]));
    let (_, _, body) = get_json(&app, sec, &q("part=SEC")).await;
    assert_eq!(set(ids(&body)), of(&[&a_sec]));
    let (_, _, body) = get_json(&app, sec, &q(&format!("round={}", w.round))).await;
    assert_eq!(set(ids(&body)), of(&[&a_cd, &a_sec, &b_cd]));
    let (_, _, body) = get_json(&app, sec, &q("round=&status=&part=&q=")).await;
    assert_eq!(ids(&body).len(), 3, "empty filters are no filters");
    // Chinese name, in part; credit code by its start, any case.
    let (_, _, body) = get_json(&app, sec, &q("q=%E5%96%86%E5%A0%83")).await; // 喆堃
    assert_eq!(set(ids(&body)), of(&[&a_cd, &a_sec]));
    let code = credit_code_of(&app, &b).await;
    let (_, _, body) = get_json(&app, sec, &q(&format!("q={}", code[..6].to_lowercase()))).await;
    assert_eq!(set(ids(&body)), of(&[&b_cd]));
    let (_, _, body) = get_json(&app, sec, &q("q=%25")).await;
    assert_eq!(
        ids(&body),
        Vec::<String>::new(),
        "% is a character, not a wildcard"
    );
    let (_, _, body) = get_json(&app, sec, &q("status=submitted&q=%E9%93%B6%E8%A1%8C")).await; // 银行
    assert_eq!(set(ids(&body)), of(&[&b_cd]));

    // A member sees only their enterprise's, whatever they search for.
    let (_, _, body) = get_json(&app, &member_a.token, &q("")).await;
    assert_eq!(set(ids(&body)), of(&[&a_cd, &a_sec]));
    let (_, _, body) = get_json(&app, &member_a.token, &q(&format!("q={code}"))).await;
    assert_eq!(ids(&body), Vec::<String>::new());
    // Nor does a cursor made from another enterprise's row show it.
    let (_, link, _) = get_json(&app, sec, &q("limit=1")).await;
    let next = link_to(&link, "next").unwrap();
    let (status, _, body) = get_json(&app, &member_a.token, &next).await;
    assert_eq!(status, 200);
    assert!(!ids(&body).contains(&b_cd));

    // The page: the filter form, the search kept in the next link, bilingual.
    let browser = app.signed_in(&w.sec.login).await;
    let html = browser
        .get(app.url("/applications?limit=1&status=submitted"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"list-filter\""), "{html}");
    assert!(html.contains("name=\"q\""));
    let next = html.find("rel=\"next\"").expect("a next link");
    let anchor = &html[next..next + html[next..].find('>').unwrap()];
    assert!(anchor.contains("status=submitted"), "{anchor}");
    assert!(anchor.contains("after="), "{anchor}");
    assert!(html.contains("下一页"), "{html}");

    // Each row names its enterprise from the application's own row (a copy the database
    // keeps, migration 000413): written with the application, and following a new name.
    let html = page(&app, &browser, "/applications").await;
    assert_eq!(html.matches("北京喆堃科技有限公司").count(), 2, "{html}");
    assert_eq!(html.matches("上海某银行").count(), 1, "{html}");
    let renamed = b.clone();
    app.conn(move |c| {
        diesel::sql_query(format!(
            "UPDATE enterprises SET name_zh = '上海浦江某银行' WHERE id = '{renamed}'"
        ))
        .execute(c)
        .unwrap()
    })
    .await;
    let html = page(&app, &browser, "/applications").await;
    assert!(
        html.contains("上海浦江某银行") && !html.contains("上海某银行"),
        "{html}"
    );
    assert_eq!(html.matches("北京喆堃科技有限公司").count(), 2, "{html}");
    let b_sec = application(&w, &b, "SEC", Status::Draft, None).await;
    let html = page(&app, &browser, "/applications").await;
    assert_eq!(html.matches("上海浦江某银行").count(), 2, "{b_sec}: {html}");
}

#[tokio::test]
async fn cursors_limits_and_filters_that_cannot_be_used_are_coded_400s() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let (a, member) = w.enterprise("甲科技有限公司", &[Role::Enterprise]).await;
    application(&w, &a, "CD", Status::Submitted, None).await;
    application(&w, &a, "SEC", Status::Submitted, None).await;
    let sec = &w.sec.token;
    // A real cursor of the applications list.
    let (_, link, _) = get_json(&app, sec, "/api/v1/applications?limit=1").await;
    let next = link_to(&link, "next").unwrap();
    let cursor = next.split("after=").nth(1).unwrap().to_string();
    let mut edited = cursor.clone().into_bytes();
    edited[2] = if edited[2] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();

    let lists = [
        "/api/v1/applications",
        "/api/v1/enterprises",
        "/api/v1/assessors",
        "/api/v1/audit",
        "/api/v1/notifications",
        "/api/v1/outbox",
        "/api/v1/directory",
    ];
    for list in lists {
        for (query, code) in [
            ("after=not-a-cursor".to_string(), "web.cursor_invalid"),
            ("before=%00%FF".to_string(), "web.cursor_invalid"),
            (format!("after={edited}"), "web.cursor_invalid"),
            (
                format!("after={cursor}&before={cursor}"),
                "web.cursor_invalid",
            ),
            ("limit=0".to_string(), "web.limit_out_of_range"),
            ("limit=201".to_string(), "web.limit_out_of_range"),
            (format!("q={}", "x".repeat(101)), "web.search_too_long"),
        ] {
            // The audit log searches by person (below).
            if list == "/api/v1/audit" && query.starts_with("q=") {
                continue;
            }
            let path = format!("{list}?{query}");
            let (status, _, problem) = get_json(&app, sec, &path).await;
            assert_eq!(status, 400, "{path}: {problem}");
            assert_eq!(problem["code"], code, "{path}: {problem}");
        }
        if list != "/api/v1/applications" {
            let path = format!("{list}?after={cursor}");
            let (status, _, problem) = get_json(&app, sec, &path).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (400, Some("web.cursor_invalid")),
                "another list's cursor on {path}"
            );
        }
    }
    for path in [
        "/api/v1/applications?status=nonsense",
        "/api/v1/applications?round=not-a-round",
        "/api/v1/enterprises?verified=maybe",
        "/api/v1/assessors?organisation=nobody",
        "/api/v1/outbox?status=lost",
    ] {
        let (status, _, problem) = get_json(&app, sec, path).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["code"], "web.filter_invalid", "{path}");
    }
    let path = format!("/api/v1/audit?person={}", "x".repeat(101));
    let (status, _, problem) = get_json(&app, sec, &path).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("web.search_too_long")),
        "{problem}"
    );
    let path = format!("/api/v1/directory?part={}", "x".repeat(101));
    let (status, _, problem) = get_json(&app, sec, &path).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("web.filter_invalid")),
        "{problem}"
    );
    // An enterprise member's own list refuses the same way.
    let (status, _, _) = get_json(&app, &member.token, "/api/v1/applications?after=x").await;
    assert_eq!(status, 400);

    // Pages answer a coded error page, never a 500.
    let browser = app.signed_in(&w.sec.login).await;
    for path in [
        "/applications?after=garbage",
        "/enterprises?before=garbage",
        "/assessors?limit=0",
        "/admin/audit?after=garbage",
        "/admin/outbox?after=garbage",
        "/admin/outbox?status=lost",
        "/inbox?after=garbage",
        "/directory?after=garbage",
    ] {
        let res = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 400, "{path}");
    }
}

#[tokio::test]
async fn enterprises_are_paged_searched_and_filtered_by_verification() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let mut all = BTreeSet::new();
    for i in 0..7 {
        let (id, _) = w
            .enterprise(&format!("企业{i}号有限公司"), &[Role::Enterprise])
            .await;
        all.insert(id);
    }
    let (zh, _) = w
        .enterprise("北京喆堃科技有限公司", &[Role::Enterprise])
        .await;
    all.insert(zh.clone());
    let (s, _) = w
        .sec
        .send("POST", &format!("/api/v1/enterprises/{zh}/verify"), None)
        .await;
    assert_eq!(s, 204);

    let mut added = 0;
    let mut pages = Vec::new();
    let mut next = Some("/api/v1/enterprises?limit=3".to_string());
    while let Some(path) = next {
        let (page, after) = page_of(&app, &w.sec.token, &path).await;
        pages.push(page);
        w.enterprise(&format!("新企业{added}"), &[Role::Enterprise])
            .await;
        added += 1;
        next = after;
        assert!(pages.len() < 20, "the walk ends");
    }
    let seen: Vec<String> = pages.concat();
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "{pages:?}");
    assert!(all.is_subset(&unique));

    let sec = &w.sec.token;
    let (_, _, body) = get_json(&app, sec, "/api/v1/enterprises?q=%E5%96%86%E5%A0%83").await;
    assert_eq!(ids(&body), vec![zh.clone()]);
    let (_, _, body) = get_json(&app, sec, "/api/v1/enterprises?verified=yes").await;
    assert_eq!(ids(&body), vec![zh.clone()]);
    let (_, _, body) = get_json(&app, sec, "/api/v1/enterprises?verified=no&limit=200").await;
    assert!(!ids(&body).contains(&zh));
    assert_eq!(ids(&body).len(), all.len() - 1 + added);

    // The queue page searches both tables.
    let browser = app.signed_in(&w.sec.login).await;
    let html = page(&app, &browser, "/enterprises?q=%E5%96%86%E5%A0%83").await;
    let verified = &html[html.find("id=\"verified\"").unwrap()..];
    assert!(verified.contains("北京喆堃科技有限公司"));
    let waiting =
        &html[html.find("id=\"waiting\"").unwrap()..html.find("id=\"verified\"").unwrap()];
    assert!(!waiting.contains("企业1号"), "{waiting}");
}

#[tokio::test]
async fn the_audit_log_is_walked_by_cursor_with_its_filters() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    for i in 0..5 {
        w.enterprise(&format!("审计企业{i}"), &[Role::Enterprise])
            .await;
    }
    let sec = &w.sec.token;
    let (status, _, first) = get_json(&app, sec, "/api/v1/audit?limit=2").await;
    assert_eq!(status, 200, "{first}");
    let total = first["total"].as_i64().unwrap();
    assert!(total >= 2, "{first}");
    let mut seqs = Vec::new();
    let mut body = first;
    loop {
        seqs.extend(
            body["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        // New entries between pages (an organisation each) stay out of the walk.
        w.sec
            .send(
                "POST",
                "/api/v1/organisations",
                Some(
                    serde_json::json!({"name": format!("机构{}", seqs.len()), "kind": "external"}),
                ),
            )
            .await;
        match body["next"].as_str() {
            Some(next) => {
                let (status, _, b) =
                    get_json(&app, sec, &format!("/api/v1/audit?limit=2&after={next}")).await;
                assert_eq!(status, 200, "{b}");
                body = b;
            }
            None => break,
        }
    }
    assert_eq!(seqs.len() as i64, total, "{seqs:?}");
    assert!(
        seqs.windows(2).all(|p| p[0] > p[1]),
        "newest first, once each"
    );

    // The filters stay in force along the walk.
    let (_, _, kinds) = get_json(&app, sec, "/api/v1/audit?kind=organisation_added&limit=1").await;
    let next = kinds["next"].as_str().unwrap();
    let (_, _, more) = get_json(
        &app,
        sec,
        &format!("/api/v1/audit?kind=organisation_added&limit=1&after={next}"),
    )
    .await;
    assert_eq!(more["entries"][0]["kind"], "organisation_added", "{more}");
}

#[tokio::test]
async fn the_inbox_the_outbox_and_the_registry_are_paged() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let reader = person(&app, "收件人", &[Role::Enterprise]).await;
    let uid = reader.id.clone();
    app.conn(move |c| {
        for i in 0..5 {
            certcase::db::models::mail::insert_notification(
                c,
                uid.parse().unwrap(),
                "invitation",
                &format!("通知{i}"),
                "正文",
            )
            .unwrap();
        }
    })
    .await;
    let mut pages = Vec::new();
    let mut next = Some("/api/v1/notifications?limit=2".to_string());
    while let Some(path) = next {
        let (page, after) = page_of(&app, &reader.token, &path).await;
        pages.push(page);
        next = after;
        assert!(pages.len() < 20, "the walk ends");
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    let unique: BTreeSet<String> = pages.concat().into_iter().collect();
    assert_eq!(unique.len(), 5);

    // Someone else's inbox stays theirs.
    let (_, _, other) = get_json(&app, &w.sec.token, "/api/v1/notifications").await;
    assert!(ids(&other).iter().all(|id| !unique.contains(id)));

    // The outbox page: the filter form and the pages.
    let browser = app.signed_in(&w.sec.login).await;
    queue_mail(
        &app,
        &["r0@example.test", "r1@example.test", "r2@example.test"],
        "invitation",
        "正文",
    )
    .await;
    let html = page(&app, &browser, "/admin/outbox?q=r1%40example&limit=1").await;
    assert!(html.contains("r1@example.test"), "{html}");
    assert!(!html.contains("r2@example.test"));
    let html = page(&app, &browser, "/admin/outbox?limit=1").await;
    assert!(html.contains("rel=\"next\""), "{html}");

    // The registry: three assessors, two a page, searched by name.
    for name in ["赵评估", "钱评估", "孙评估"] {
        w.assessor(name, true, &["CD"], "2030-01-01").await;
    }
    // (The demo programme has assessors of its own: the search keeps to these three.)
    let (status, link, body) = get_json(
        &app,
        &w.sec.token,
        "/api/v1/assessors?limit=2&q=%E8%AF%84%E4%BC%B0", // 评估
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 2);
    let next = link_to(&link, "next").unwrap();
    let (_, link, rest) = get_json(&app, &w.sec.token, &next).await;
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert!(link_to(&link, "next").is_none());
    let names: BTreeSet<String> = body
        .as_array()
        .unwrap()
        .iter()
        .chain(rest.as_array().unwrap())
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 3);
    let (_, _, found) = get_json(&app, &w.sec.token, "/api/v1/assessors?q=%E9%92%B1").await; // 钱
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["name"], "钱评估");
}

#[tokio::test]
async fn the_inbox_is_searched_by_subject_or_text_in_page_and_api() {
    let app = crate::helpers::spawn_app().await;
    let reader = person(&app, "收件人", &[Role::Enterprise]).await;
    let uid = reader.id.clone();
    app.conn(move |c| {
        for (i, (subject, text)) in [
            ("Renewal invitation", "证书即将到期"),
            ("证书已颁发", "Your certificate was issued"),
            ("续期提醒", "RENEWAL is due"),
            ("澄清请求", "请补充证据"),
        ]
        .into_iter()
        .enumerate()
        {
            let kind = format!("kind{i}");
            certcase::db::models::mail::insert_notification(
                c,
                uid.parse().unwrap(),
                &kind,
                subject,
                text,
            )
            .unwrap();
        }
    })
    .await;
    let subjects = |body: &Value| -> BTreeSet<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|n| n["subject"].as_str().unwrap().to_string())
            .collect()
    };
    // Any case, in the subject or the text; the search is kept in the next page's link.
    let (status, link, first) = get_json(
        &app,
        &reader.token,
        "/api/v1/notifications?q=renewal&limit=1",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let next = link_to(&link, "next").expect("a second match");
    assert!(next.contains("q=renewal"), "{next}");
    let (_, link, second) = get_json(&app, &reader.token, &next).await;
    assert!(link_to(&link, "next").is_none(), "two matches only");
    let found: BTreeSet<String> = subjects(&first)
        .union(&subjects(&second))
        .cloned()
        .collect();
    assert_eq!(
        found,
        BTreeSet::from(["Renewal invitation".to_string(), "续期提醒".to_string()])
    );
    // Chinese, in the text.
    let (_, _, found) = get_json(
        &app,
        &reader.token,
        "/api/v1/notifications?q=%E8%AF%81%E6%8D%AE",
    )
    .await; // 证据
    assert_eq!(subjects(&found), BTreeSet::from(["澄清请求".to_string()]));
    // `%` is a character, not a wildcard.
    let (_, _, none) = get_json(&app, &reader.token, "/api/v1/notifications?q=%25").await;
    assert_eq!(none.as_array().unwrap().len(), 0, "{none}");

    // The page: the form keeps the search, shows the matches, and says when none match.
    let browser = app.signed_in(&reader.login).await;
    let html = page(&app, &browser, "/inbox?q=RENEWAL").await;
    assert!(html.contains("value=\"RENEWAL\""), "{html}");
    assert!(
        html.contains("Renewal invitation") && html.contains("续期提醒"),
        "{html}"
    );
    assert!(!html.contains("澄清请求"), "{html}");
    let html = page(&app, &browser, "/inbox?q=nothing-like-this").await;
    assert!(html.contains("没有包含该内容的消息。"), "{html}");
}

#[tokio::test]
async fn the_outbox_api_pages_and_filters_as_its_page_does_without_bodies() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    queue_mail(
        &app,
        &[
            "Box0@Example.test",
            "Box1@Example.test",
            "Box2@Example.test",
        ],
        "outbox_check",
        "secret-link-text",
    )
    .await;
    // By kind, newest first, a page at a time with the filters kept.
    let (status, link, first) =
        get_json(&app, &w.sec.token, "/api/v1/outbox?q=outbox_check&limit=2").await;
    assert_eq!(status, 200, "{first}");
    let addresses = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|m| m["recipient_address"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        addresses(&first),
        ["Box2@Example.test", "Box1@Example.test"]
    );
    assert_eq!(first[0]["status"], "pending");
    assert!(!first.to_string().contains("secret-link-text"), "{first}");
    let next = link_to(&link, "next").unwrap();
    assert!(next.starts_with("/api/v1/outbox?") && next.contains("q=outbox_check"));
    let (_, link, rest) = get_json(&app, &w.sec.token, &next).await;
    assert_eq!(addresses(&rest), ["Box0@Example.test"]);
    let back = link_to(&link, "prev").unwrap();
    let (_, _, again) = get_json(&app, &w.sec.token, &back).await;
    assert_eq!(addresses(&again), addresses(&first));
    // Part of the address, any case; and a status.
    let (_, _, one) = get_json(&app, &w.sec.token, "/api/v1/outbox?q=box1%40example").await;
    assert_eq!(addresses(&one), ["Box1@Example.test"]);
    let (_, _, sent) = get_json(
        &app,
        &w.sec.token,
        "/api/v1/outbox?status=sent&q=outbox_check",
    )
    .await;
    assert_eq!(sent.as_array().unwrap().len(), 0, "{sent}");
    // The page shows the same messages.
    let browser = app.signed_in(&w.sec.login).await;
    let html = page(&app, &browser, "/admin/outbox?q=BOX1").await;
    assert!(
        html.contains("Box1@Example.test") && !html.contains("Box2@Example.test"),
        "{html}"
    );
}

#[tokio::test]
async fn the_directory_is_paged_and_narrowed_to_a_part_and_leaves_expired_certificates_out() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let both = crate::certificates::approved_applications(&w, 2).await;
    let mut numbers = Vec::new();
    for a in &both {
        numbers.push(crate::certificates::issued_number(&w, &a.application).await);
        let id = a.application.clone();
        app.conn(move |c| {
            certcase::db::models::applications::set_directory_consent(c, id.parse().unwrap(), true)
                .unwrap();
        })
        .await;
    }
    numbers.sort();
    let listed = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap_or_else(|| panic!("a list: {body}"))
            .iter()
            .map(|e| e["number"].as_str().unwrap().to_string())
            .collect()
    };
    // A part's certificates by number, a page at a time, the part kept in the links.
    let (status, link, first) =
        get_json(&app, &w.sec.token, "/api/v1/directory?part=CD&limit=1").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(listed(&first), [numbers[0].clone()]);
    let next = link_to(&link, "next").unwrap();
    assert!(next.contains("part=CD"), "{next}");
    let (_, link, second) = get_json(&app, &w.sec.token, &next).await;
    assert_eq!(listed(&second), [numbers[1].clone()]);
    assert!(link_to(&link, "next").is_none());
    let (_, _, other) = get_json(&app, &w.sec.token, "/api/v1/directory?part=SEC").await;
    assert_eq!(listed(&other), Vec::<String>::new());

    // The page offers the parts it lists and keeps the one chosen.
    let visitor = reqwest::Client::new();
    let html = page(&app, &visitor, "/directory?part=CD").await;
    assert!(html.contains("<option value=\"CD\" selected>"), "{html}");
    assert!(
        html.contains(&numbers[0]) && html.contains(&numbers[1]),
        "{html}"
    );
    let html = page(&app, &visitor, "/directory?part=SEC").await;
    assert!(!html.contains(&numbers[0]), "{html}");

    // A certificate past its last day (the column the lookups read) is not in force.
    let expired = numbers[0].clone();
    app.conn(move |c| {
        diesel::sql_query(format!(
            "UPDATE certificates SET valid_until = '2020-01-01' WHERE number = '{expired}'"
        ))
        .execute(c)
        .unwrap();
    })
    .await;
    let (_, _, left) = get_json(&app, &w.sec.token, "/api/v1/directory?part=CD").await;
    assert_eq!(listed(&left), [numbers[1].clone()]);
}
