//! The catalog page rendered from the database (session lookup, query, JSON decode, tera)
//! against a bare actix handler returning the same bytes, in the same run. Prints the
//! ratio of their mean times.

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

use actix_web::{test, web, App, HttpResponse};
use criterion::{criterion_group, Criterion};

use certcase::config::{Config, Sources};
use certcase::domain::access::Role;
use certcase::domain::account::{DisplayName, Email, Password};
use certcase::startup;
use certcase::workflow::{sessions, users};

const GROUP: &str = "catalog_page";

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let env = move |k: &str| match k {
        "CERTCASE_DATA_DIR" => Some(data.clone()),
        _ => None,
    };
    let mut config = Config::from_sources(Sources {
        file: None,
        env: &env,
    })
    .unwrap();
    config.ensure_data_dir().unwrap();
    let pool = startup::prepare(&config).unwrap();
    let (session, version_id) = {
        let mut conn = pool.get().unwrap();
        let user = users::add_user(
            &mut conn,
            &Email::parse("bench@example.test").unwrap(),
            &DisplayName::parse("张喆").unwrap(),
            &Password::parse("a long benchmark password").unwrap(),
            &[Role::Enterprise],
        )
        .unwrap();
        let session = sessions::start_session(&mut conn, user, "zh-CN", 1).unwrap();
        let versions = certcase::db::models::catalog::list_versions(&mut conn).unwrap();
        let caict = versions
            .iter()
            .find(|v| v.name_en.starts_with("DevOps"))
            .unwrap()
            .id;
        (session.token, caict)
    };
    let state = startup::state(config, pool).unwrap();
    let system = actix_web::rt::System::new();
    let cookie = format!("certcase_session={session}");
    let path = format!("/models/{version_id}");

    let app = system.block_on(test::init_service(startup::build_app(web::Data::new(
        state,
    ))));
    let page = system.block_on(async {
        let req = test::TestRequest::get()
            .uri(&path)
            .insert_header(("cookie", cookie.as_str()))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), 200);
        test::read_body(res).await
    });
    let bare_body = page.clone();
    let bare = system.block_on(test::init_service(App::new().route(
        "/bare",
        web::get().to(move || {
            let body = bare_body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(body)
            }
        }),
    )));

    let mut group = c.benchmark_group(GROUP);
    group.bench_function("bare_handler", |b| {
        b.iter(|| {
            system.block_on(async {
                let res =
                    test::call_service(&bare, test::TestRequest::get().uri("/bare").to_request())
                        .await;
                test::read_body(res).await.len()
            })
        })
    });
    group.bench_function("catalog_page_from_db", |b| {
        b.iter(|| {
            system.block_on(async {
                let req = test::TestRequest::get()
                    .uri(&path)
                    .insert_header(("cookie", cookie.as_str()))
                    .to_request();
                let res = test::call_service(&app, req).await;
                test::read_body(res).await.len()
            })
        })
    });
    group.finish();
    println!(
        "catalog page: {} bytes, {} capability items",
        page.len(),
        page.windows(9).filter(|w| w == b"scope=\"ro").count()
    );
}

fn mean_ns(id: &str) -> Option<f64> {
    let path = format!("target/criterion/{GROUP}/{id}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if let (Some(page), Some(bare)) = (mean_ns("catalog_page_from_db"), mean_ns("bare_handler")) {
        println!(
            "RATIO catalog page / bare handler = {:.1}x ({:.1} µs vs {:.1} µs per request)",
            page / bare,
            page / 1000.0,
            bare / 1000.0
        );
    }
}
