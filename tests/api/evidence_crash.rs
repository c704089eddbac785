//! The server is killed (SIGKILL) in the middle of an upload and started again: no
//! evidence record without its file, no partial file under a final name, and the
//! temporary file swept at start-up.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use certcase::domain::access::Role;
use certcase::domain::account::{DisplayName, Email, Password};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::evidence::pdf;
use crate::helpers::credit_code;
use crate::helpers::{test_config, TestDatabase};

fn serve(data_dir: &Path, db: &TestDatabase, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_certcase"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CERTCASE_DATA_DIR", data_dir)
        .env("DATABASE_URL", &db.url)
        .env("CERTCASE_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .current_dir(data_dir)
        .args(["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_until_healthy(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start");
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn call(base: &str, token: &str, method: &str, path: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "{method} {path}: {}",
        res.status()
    );
    res.json().await.unwrap_or(Value::Null)
}

async fn token(base: &str, email: &str, password: &str) -> String {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_killed_upload_leaves_no_record_without_its_file_and_is_swept_at_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let db = TestDatabase::new(&data_dir);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = test_config(&data_dir, &db.url, port);
    let pool = tokio::task::spawn_blocking(move || certcase::startup::prepare(&config))
        .await
        .unwrap()
        .unwrap();
    let password = "a long enough password 口令";
    let add = |email: &'static str, role: Role| {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || {
            certcase::workflow::users::add_user(
                &mut pool.get().unwrap(),
                &Email::parse(email).unwrap(),
                &DisplayName::parse("O'Brien 王堃").unwrap(),
                &Password::parse(password).unwrap(),
                &[role],
            )
            .unwrap()
        })
    };
    add("sec@example.test", Role::Secretariat).await.unwrap();
    add("ent@example.test", Role::Enterprise).await.unwrap();

    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(&data_dir, &db, port);
    wait_until_healthy(&base).await;
    let sec = token(&base, "sec@example.test", password).await;
    let ent = token(&base, "ent@example.test", password).await;
    let version: String = {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || {
            let c = &mut pool.get().unwrap();
            let id = certcase::db::models::catalog::find_model_id(c, "caict-devops")
                .unwrap()
                .unwrap();
            certcase::db::models::catalog::latest_version(c, id)
                .unwrap()
                .unwrap()
                .id
                .to_string()
        })
        .await
        .unwrap()
    };
    let today = chrono::Utc::now().date_naive();
    let d = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let round = call(
        &base,
        &sec,
        "POST",
        "/api/v1/rounds",
        json!({
            "model_version_id": version, "name_zh": "故障测试", "name_en": "Fault test",
            "registration_opens": d(-3), "registration_closes": d(3), "assessment_starts": d(10),
            "assessment_ends": d(40), "results_on": d(60), "parts": ["CD"]
        }),
    )
    .await;
    call(&base, &ent, "POST", "/api/v1/enterprises", json!({
        "name_zh": "张喆科技", "credit_code": credit_code("91110108MA01ABF11"), "address": "北京",
        "contact_name": "张喆", "contact_email": "zz@example.cn", "contact_phone": "010-1"
    })).await;
    let application = call(&base, &ent, "POST", &format!("/api/v1/rounds/{}/applications", round["id"].as_str().unwrap()), json!({
        "part_code": "CD", "target_level": 3, "scope": "核心系统", "contact_name": "张喆", "contact_email": "zz@example.cn"
    })).await;
    let upload_url = format!(
        "{base}/api/v1/applications/{}/items/CD-CM-01/evidence",
        application["id"].as_str().unwrap()
    );

    // A slow 64 MB upload, killed once part of it is on disk.
    let chunk = pdf(1 << 20);
    let body = futures_util::stream::unfold(0usize, move |n| {
        let chunk = chunk.clone();
        async move {
            if n == 64 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
            Some((Ok::<_, std::io::Error>(chunk), n + 1))
        }
    });
    let form = reqwest::multipart::Form::new()
        .text("description", "大文件")
        .part(
            "file",
            reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body)).file_name("big.pdf"),
        );
    let (u, t) = (upload_url.clone(), ent.clone());
    let upload = tokio::spawn(async move {
        reqwest::Client::new()
            .post(u)
            .bearer_auth(t)
            .multipart(form)
            .send()
            .await
    });
    let tmp = data_dir.join("evidence/tmp");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let partial: u64 = files_under(&tmp)
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        if partial >= 4 << 20 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the upload never reached the disk"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    assert!(upload.await.unwrap().is_err(), "the upload was cut off");

    let rows = |pool: certcase::db::DbPool| {
        tokio::task::spawn_blocking(move || {
            use certcase::db::schema::evidence_files::dsl::*;
            evidence_files
                .count()
                .get_result::<i64>(&mut pool.get().unwrap())
                .unwrap()
        })
    };
    assert_eq!(
        rows(pool.clone()).await.unwrap(),
        0,
        "no record without its file"
    );
    assert_eq!(
        files_under(&tmp).len(),
        1,
        "the partial file is only a temporary one"
    );
    assert!(
        files_under(&data_dir.join("evidence/sha256")).is_empty(),
        "nothing under a final name"
    );

    // Restarted: the temporary file is swept, and uploads work again.
    let mut server = serve(&data_dir, &db, port);
    wait_until_healthy(&base).await;
    assert!(files_under(&tmp).is_empty(), "swept at start-up");
    let res = reqwest::Client::new()
        .post(&upload_url)
        .bearer_auth(&ent)
        .multipart(
            reqwest::multipart::Form::new()
                .text("description", "重新上传")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf(2 << 20)).file_name("again.pdf"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let file: Value = res.json().await.unwrap();
    let sha = file["sha256"].as_str().unwrap();
    let stored = files_under(&data_dir.join("evidence/sha256"));
    assert_eq!(stored.len(), 1);
    assert!(stored[0].ends_with(format!("{}/{}/{sha}", &sha[..2], &sha[2..4])));
    assert_eq!(rows(pool.clone()).await.unwrap(), 1);
    server.kill().unwrap();
    server.wait().unwrap();
}
