//! Issue #19, every page fast at national scale: a model version's page and document are
//! rendered once and revalidated by ETag, bodies of 1 KiB or more are compressed, and
//! programme reports are built once per change, a change made through any instance being
//! in every instance's next report.

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use certcase::db::models::{applications, reports};
use certcase::domain::access::Role;
use certcase::domain::i18n::Lang;
use certcase::web::cached::ModelDocs;
use certcase::workflow::reports::ReportCache;
use serde_json::Value;

use crate::helpers::{csrf_in, spawn_app_with_state, test_config, TestApp};
use crate::reports::{history_written_directly, ACCEPTED_APPLICATION};

/// The draft application [`history_written_directly`] writes.
const DRAFT_APPLICATION: &str = "01900000-0000-7000-8000-000000000002";

/// A server with a handle on its caches.
async fn app_with_caches() -> (TestApp, Arc<ModelDocs>, Arc<ReportCache>) {
    let caches = Arc::new(Mutex::new(None));
    let keep = caches.clone();
    let app = spawn_app_with_state(
        |_| {},
        move |s| {
            *keep.lock().unwrap() = Some((s.model_docs.clone(), s.reports.clone()));
        },
    )
    .await;
    let (docs, reports) = caches.lock().unwrap().take().unwrap();
    (app, docs, reports)
}

/// A second server on the same database, with caches of its own: another instance.
fn second_instance(app: &TestApp) -> (String, Arc<ReportCache>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = test_config(&app.data_dir, &app.database_url(), port);
    let state = certcase::startup::state(config, app.pool.clone()).unwrap();
    let cache = state.reports.clone();
    tokio::spawn(certcase::startup::run(listener, state, 1).unwrap());
    (format!("http://127.0.0.1:{port}"), cache)
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn a_model_versions_page_is_rendered_once_per_language_and_revalidated_by_its_etag() {
    let (app, docs, _) = app_with_caches().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let browser = app.signed_in(&user).await;
    let version = app.caict_version().await;
    let path = app.url(&format!("/models/{version}"));

    let first = browser.get(&path).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = header(&first, "etag").expect("an ETag");
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(
        header(&first, "cache-control").unwrap(),
        "private, no-cache"
    );
    let zh = first.text().await.unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("<table class=\"criteria\">"));

    // Shown again: the same page, from the rendered content.
    let again = browser.get(&path).send().await.unwrap();
    assert_eq!(header(&again, "etag").unwrap(), tag);
    assert_eq!(again.text().await.unwrap(), zh);
    assert_eq!(docs.pages.len(), 1);

    // A current copy: 304, no body.
    let current = browser
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), 304);
    assert_eq!(header(&current, "etag").unwrap(), tag);
    assert!(current.bytes().await.unwrap().is_empty());

    // In English it is another page with another tag: the old copy is not current.
    let res = browser
        .post(app.url("/lang"))
        .headers(app.same_origin())
        .form(&[("csrf_token", csrf_in(&zh).as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let en = browser
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), 200);
    assert_ne!(header(&en, "etag").unwrap(), tag);
    let en = en.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("DevOps Capability Maturity Model"));
    assert_eq!(docs.pages.len(), 2);

    // Another visitor gets their own header around the same content, under their tag.
    let other = app.add_user("李雷", &[Role::Secretariat]).await;
    let other = app.signed_in(&other).await;
    let res = other
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("李雷") && !page.contains("张喆"));
    assert_eq!(docs.pages.len(), 2, "zh-CN was rendered already");

    // An unknown version is not found, and nothing is kept for it.
    let res = browser
        .get(app.url("/models/01900000-0000-7000-8000-00000000dead"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(docs.pages.len(), 2);
}

#[tokio::test]
async fn a_model_versions_document_is_immutable_and_sent_compressed_once() {
    let (app, docs, _) = app_with_caches().await;
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let token = app.api_token(&user).await;
    let version = app.caict_version().await;
    let url = app.url(&format!("/api/v1/models/{version}"));
    let client = reqwest::Client::new();
    let get = |encoding: Option<&'static str>, tag: Option<String>| {
        let mut req = client.get(&url).bearer_auth(&token);
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        if let Some(t) = tag {
            req = req.header("if-none-match", t);
        }
        req.send()
    };

    let plain = get(None, None).await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(
        header(&plain, "cache-control").unwrap(),
        "private, max-age=31536000, immutable"
    );
    assert_eq!(header(&plain, "vary").unwrap(), "Accept-Encoding");
    let tag = header(&plain, "etag").unwrap();
    let json: Value = plain.json().await.unwrap();
    assert_eq!(json["id"], version.as_str());
    assert_eq!(
        json["model"]["name"]["en"],
        "DevOps Capability Maturity Model"
    );

    let gz = get(Some("gzip"), None).await.unwrap();
    assert_eq!(header(&gz, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(header(&gz, "etag").unwrap(), tag);
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json);

    let br = get(Some("gzip, deflate, br"), None).await.unwrap();
    assert_eq!(header(&br, "content-encoding").as_deref(), Some("br"));
    let compressed = br.bytes().await.unwrap();
    let mut text = String::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json);
    assert!(
        compressed.len() * 2 < text.len(),
        "{} of {}",
        compressed.len(),
        text.len()
    );

    let current = get(Some("br"), Some(tag.clone())).await.unwrap();
    assert_eq!(current.status(), 304);
    assert!(current.bytes().await.unwrap().is_empty());
    assert_eq!(
        docs.api.len(),
        1,
        "made once for every encoding and request"
    );

    // The document still needs a signed-in caller, current copy or not.
    let res = reqwest::Client::new()
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn bodies_of_a_kilobyte_or_more_are_compressed_and_smaller_ones_are_not() {
    let (app, _, _) = app_with_caches().await;
    let client = reqwest::Client::new();
    let small = client
        .get(app.url("/healthz"))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&small, "content-encoding"), None);
    let body = small.bytes().await.unwrap();
    assert!(!body.is_empty() && body.len() < 1024, "{}", body.len());

    // A page in memory is gzipped at once; brotli only for a client that takes nothing else.
    for (accept, expected) in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "gzip"),
    ] {
        let page = client
            .get(app.url("/login"))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(
            header(&page, "content-encoding").as_deref(),
            Some(expected),
            "{accept}"
        );
    }
    let plain = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(header(&plain, "content-encoding"), None);
    assert!(plain.bytes().await.unwrap().len() >= 1024);
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a gzip body");
    text
}

/// A round with an enterprise member's applications written directly, its summaries
/// refreshed; its id.
async fn round_with_history(app: &TestApp) -> String {
    let member = app.add_user("报表企业", &[Role::Enterprise]).await;
    let email = member.email.clone();
    app.conn(move |c| {
        let round = history_written_directly(c, &email);
        reports::refresh(c, ACCEPTED_APPLICATION.parse().unwrap()).unwrap();
        round
    })
    .await
}

/// Submits [`DRAFT_APPLICATION`] as its use case writes it, in one transaction, as the
/// secretariat member `email`.
async fn submit_draft_directly(app: &TestApp, email: String) {
    app.conn(move |c| {
        certcase::db::write_tx(c, |c| {
            let email = certcase::domain::account::Email::parse(&email).unwrap();
            let admin = certcase::db::models::users::find_by_email(c, &email)?
                .unwrap()
                .id;
            applications::set_status(
                c,
                DRAFT_APPLICATION.parse().unwrap(),
                "draft".parse().unwrap(),
                "submitted".parse().unwrap(),
                "submit",
                None,
                admin,
            )
        })
        .unwrap()
    })
    .await;
}

/// A page and its copy gzipped from pieces (the kept part and the visitor's header).
async fn plain_and_gzipped(browser: &reqwest::Client, url: &str) -> (String, String) {
    let plain = browser.get(url).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), None);
    let plain = plain.text().await.unwrap();
    let zipped = browser
        .get(url)
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), 200);
    assert_eq!(header(&zipped, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(header(&zipped, "vary").as_deref(), Some("accept-encoding"));
    let zipped = zipped.bytes().await.unwrap();
    assert!(
        zipped.len() < plain.len() / 3,
        "{} of {}",
        zipped.len(),
        plain.len()
    );
    (plain, gunzip(&zipped))
}

#[tokio::test]
async fn pages_around_a_kept_part_unzip_to_the_page_and_follow_the_report() {
    let (app, _, _) = app_with_caches().await;
    let user = app.add_user("王芳", &[Role::Secretariat]).await;
    let round = round_with_history(&app).await;
    let browser = app.signed_in(&user).await;

    let model = app.url(&format!("/models/{}", app.caict_version().await));
    let (plain, unzipped) = plain_and_gzipped(&browser, &model).await;
    assert_eq!(unzipped, plain);
    assert!(plain.contains("王芳") && plain.contains("<table class=\"criteria\">"));
    assert!(plain.trim_end().ends_with("</html>"));

    let report = app.url(&format!("/reports?round={round}"));
    let (before, unzipped) = plain_and_gzipped(&browser, &report).await;
    assert_eq!(unzipped, before);
    assert!(before.contains("王芳") && before.contains("<section class=\"report\""));

    // A change the report reads is in the next page, plain and gzipped alike.
    submit_draft_directly(&app, user.email.clone()).await;
    let (after, unzipped) = plain_and_gzipped(&browser, &report).await;
    assert_eq!(unzipped, after);
    assert_ne!(after, before, "the report page follows the report");
}

/// The report as the API gives it, from `base` (one instance or the other).
async fn report_from(base: &str, token: &str, scope: &str) -> Value {
    let res = reqwest::Client::new()
        .get(format!("{base}/api/v1/reports{scope}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The report built afresh from the database, as JSON.
async fn rebuilt(app: &TestApp, round: Option<String>) -> Value {
    app.conn(move |c| {
        let round = round.map(|r| certcase::domain::ids::Named::parse(&r));
        let today = chrono::Utc::now().date_naive();
        serde_json::to_value(certcase::workflow::reports::report(c, round, today).unwrap()).unwrap()
    })
    .await
}

#[tokio::test]
async fn a_change_made_through_any_instance_is_in_every_instances_next_report() {
    let (app, _, cache) = app_with_caches().await;
    let (other, other_cache) = second_instance(&app);
    let secretariat = app.add_user("秘书处", &[Role::Secretariat]).await;
    let round = round_with_history(&app).await;
    let token = app.api_token(&secretariat).await;
    let scopes = [
        (format!("?round={round}"), Some(round.clone())),
        (String::new(), None),
    ];

    let mut before = Vec::new();
    for (scope, named) in &scopes {
        let here = report_from(&app.address, &token, scope).await;
        let there = report_from(&other, &token, scope).await;
        assert_eq!(here, there);
        assert_eq!(here, rebuilt(&app, named.clone()).await);
        // Asked again with nothing changed: served as built.
        assert_eq!(report_from(&app.address, &token, scope).await, here);
        before.push(here);
    }
    assert_eq!((cache.builds(), other_cache.builds()), (2, 2));

    // The draft is submitted through the other instance's database work (what its use
    // case writes), in one transaction.
    submit_draft_directly(&app, secretariat.email.clone()).await;
    for ((scope, named), before) in scopes.iter().zip(&before) {
        let after = report_from(&app.address, &token, scope).await;
        assert_ne!(&after, before, "{scope}: the submission is in the report");
        assert_eq!(after, rebuilt(&app, named.clone()).await, "{scope}");
        assert_eq!(report_from(&other, &token, scope).await, after, "{scope}");
    }
    assert_eq!((cache.builds(), other_cache.builds()), (4, 4));
}

#[tokio::test]
async fn the_csv_export_streams_what_the_report_says() {
    let (app, _, _) = app_with_caches().await;
    let secretariat = app.add_user("秘书处", &[Role::Secretariat]).await;
    let round = round_with_history(&app).await;
    let browser = app.signed_in(&secretariat).await;
    for scope in [format!("?round={round}"), String::new()] {
        let res = browser
            .get(app.url(&format!("/reports/export.csv{scope}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "transfer-encoding").as_deref(),
            Some("chunked")
        );
        assert_eq!(header(&res, "content-length"), None);
        assert_eq!(
            header(&res, "content-type").unwrap(),
            "text/csv; charset=utf-8"
        );
        let text = res.text().await.unwrap();
        let named = (!scope.is_empty()).then(|| round.clone());
        let expected = app
            .conn(move |c| {
                let round = named.map(|r| certcase::domain::ids::Named::parse(&r));
                let today = chrono::Utc::now().date_naive();
                let report = certcase::workflow::reports::report(c, round, today).unwrap();
                certcase::domain::report::to_csv(&report, Lang::Zh)
            })
            .await;
        assert_eq!(text, format!("\u{FEFF}{expected}"), "{scope}");
        assert!(text.lines().count() > 10);
    }
}
