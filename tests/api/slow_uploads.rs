//! Slow and stalled uploads: a body that stops arriving is cut off after the idle
//! timeout with a 408, a dropped connection leaves no temporary file, and uploads at once
//! are capped per person (429) and overall (503), both with `Retry-After`.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::applications::applicant;
use crate::evidence::pdf;
use crate::helpers::{spawn_app_with, Api, TestApp};
use certcase::domain::access::Role;

const ITEM: &str = "CD-CM-01";
const BOUNDARY: &str = "slow-upload-boundary";

fn temp_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir.join("evidence/tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool, within: Duration) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An upload whose client sends the headers, the description and the start of the file
/// (promising far more), then sends nothing; the server has begun staging the file.
async fn stalled_upload(member: &Api<'_>, app_id: &str) -> TcpStream {
    let app = member.app;
    let host = app.address.trim_start_matches("http://");
    let mut start = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n慢速上传\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    start.extend(pdf(64 * 1024));
    let head = format!(
        "POST /api/v1/applications/{app_id}/items/{ITEM}/evidence HTTP/1.1\r\n\
         Host: {host}\r\nAuthorization: Bearer {}\r\nAccept-Language: en\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n",
        member.token,
        start.len() + 1024 * 1024,
    );
    let before = temp_files(app);
    let mut stream = TcpStream::connect(host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&start).await.unwrap();
    stream.flush().await.unwrap();
    wait_for(
        "the server to stage the file",
        || temp_files(app) > before,
        Duration::from_secs(10),
    )
    .await;
    stream
}

/// A request whose client sends the headers (promising `promised` body bytes) and the
/// first bytes of the body, then nothing.
async fn stalled_request(app: &TestApp, head: &str, start: &[u8], promised: usize) -> TcpStream {
    let host = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.unwrap();
    let head = format!("{head}Host: {host}\r\nContent-Length: {promised}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(start).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// Everything the server sends until it closes the connection or a whole response (by
/// its Content-Length) has arrived.
async fn response(stream: &mut TcpStream, within: Duration) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, stream.read(&mut buf))
            .await
            .expect("the server answers in time")
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if length.is_some_and(|l| body.len() >= l) {
                break;
            }
        }
    }
    String::from_utf8(got).unwrap()
}

/// A whole upload sent at once; status, headers and body.
async fn upload(member: &Api<'_>, app_id: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let form = Form::new()
        .text("description", "正常上传")
        .part("file", Part::bytes(pdf(10_000)).file_name("ok.pdf"));
    let res = reqwest::Client::new()
        .post(member.app.url(&format!(
            "/api/v1/applications/{app_id}/items/{ITEM}/evidence"
        )))
        .bearer_auth(&member.token)
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

async fn evidence_rows(app: &TestApp) -> i64 {
    app.conn(|c| {
        use certcase::db::schema::evidence_files::dsl::*;
        use diesel::prelude::*;
        evidence_files.count().get_result::<i64>(c).unwrap()
    })
    .await
}

fn no_temporary_file(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

#[tokio::test]
async fn a_stalled_upload_is_answered_408_after_the_idle_timeout_and_leaves_nothing() {
    let app = spawn_app_with(|c| {
        c.uploads.idle_timeout = Duration::from_secs(1);
        c.uploads.total_timeout = Duration::from_secs(120);
    })
    .await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01DLW01").await;

    let mut stalled = stalled_upload(&member, &app_id).await;
    let stalled_at = Instant::now();
    let answer = response(&mut stalled, Duration::from_secs(10)).await;
    assert!(
        stalled_at.elapsed() < Duration::from_secs(5),
        "cut off after about the idle timeout, not left open"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body: Value = serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(body["code"], "web.body_too_slow", "{body}");
    assert_eq!(body["title"], "Request timeout");
    assert!(no_temporary_file(&app.data_dir.join("evidence/tmp")));
    assert_eq!(evidence_rows(&app).await, 0);

    // The slot came back: the next upload goes through.
    let (status, _, file) = upload(&member, &app_id).await;
    assert_eq!(status, 201, "{file}");
}

#[tokio::test]
async fn uploads_at_once_are_capped_per_person_and_a_dropped_connection_leaves_nothing() {
    let app = spawn_app_with(|c| {
        c.uploads.per_user = 2;
        c.uploads.overall = 10;
    })
    .await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01DLW02").await;

    let first = stalled_upload(&member, &app_id).await;
    let second = stalled_upload(&member, &app_id).await;
    let (status, headers, problem) = upload(&member, &app_id).await;
    assert_eq!(status, 429, "{problem}");
    assert_eq!(problem["code"], "web.uploads_per_user");
    assert_eq!(problem["args"]["max"], 2);
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(temp_files(&app), 2, "the refused upload staged nothing");

    // The clients go away mid-upload: well before any timeout, the files are gone.
    drop(first);
    drop(second);
    wait_for(
        "the temporary files of dropped uploads to be removed",
        || temp_files(&app) == 0,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(evidence_rows(&app).await, 0);
    let (status, _, file) = upload(&member, &app_id).await;
    assert_eq!(status, 201, "the slots came back: {file}");
}

#[tokio::test]
async fn uploads_beyond_the_server_cap_are_answered_503_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.uploads.per_user = 1;
        c.uploads.overall = 1;
    })
    .await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01DLW03").await;
    let _stalled = stalled_upload(&member, &app_id).await;

    // Someone else, signed out, verifying a certificate PDF: no room on the server.
    let form = Form::new().part("pdf", Part::bytes(b"%PDF-1.7".to_vec()).file_name("c.pdf"));
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/verify"))
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse::<u64>()
        .is_ok_and(|s| s >= 1));
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "web.uploads_busy", "{problem}");
}

#[tokio::test]
async fn a_stalled_page_form_or_model_file_is_answered_408_after_the_idle_timeout() {
    let app = spawn_app_with(|c| c.uploads.idle_timeout = Duration::from_secs(1)).await;
    let form = format!(
        "POST /login HTTP/1.1\r\nOrigin: {}\r\nAccept-Language: en\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n",
        app.address
    );
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let model = format!(
        "POST /api/v1/models?name=slow.toml HTTP/1.1\r\nAuthorization: Bearer {}\r\n\
         Accept-Language: en\r\nContent-Type: application/toml\r\n",
        sec.token
    );
    for (head, start) in [
        (form, "email=a%40example.org&pass"),
        (model, "[model]\ncode = "),
    ] {
        let mut stalled = stalled_request(&app, &head, start.as_bytes(), 10_000).await;
        let stalled_at = Instant::now();
        let answer = response(&mut stalled, Duration::from_secs(10)).await;
        assert!(stalled_at.elapsed() < Duration::from_secs(5), "{head}");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
}

#[tokio::test]
async fn a_model_file_over_its_limit_is_refused_413_naming_the_limit() {
    let app = spawn_app_with(|_| {}).await;
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/models?name=big.toml"))
        .bearer_auth(&sec.token)
        .header("accept-language", "en")
        .header("content-type", "application/toml")
        .body(format!("# {}\n", "x".repeat(5 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "web.body_too_large", "{problem}");
    assert_eq!(problem["args"]["max"], "4 MiB");
}
