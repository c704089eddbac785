//! Operations: a full disk answers 507 and keeps nothing; `/healthz` tells storage trouble;
//! `/metrics` for the monitoring system only; `certcase evidence check`; `certcase backup`
//! and `restore` of a live service; a stopping server finishes the requests in flight.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::applications::applicant;
use crate::evidence::{pdf, upload};
use crate::helpers::{spawn_app, spawn_app_with, spawn_app_with_state, TestApp, TestDatabase};

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

async fn evidence_rows(app: &TestApp) -> i64 {
    app.conn(|c| {
        use certcase::db::schema::evidence_files::dsl::*;
        use diesel::prelude::*;
        evidence_files.count().get_result::<i64>(c).unwrap()
    })
    .await
}

#[tokio::test]
async fn a_full_disk_answers_507_with_its_code_and_keeps_no_file_or_row() {
    let app = spawn_app_with_state(
        |_| {},
        |state| {
            let evidence =
                certcase::storage::Evidence::new(&state.config.data_dir, &state.config.evidence)
                    .unwrap()
                    .failing_writes(std::io::ErrorKind::StorageFull);
            state.evidence = Arc::new(evidence);
        },
    )
    .await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE11").await;
    for lang in ["en", "zh-CN"] {
        let form = reqwest::multipart::Form::new()
            .text("description", "版本控制记录")
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf(3 << 20)).file_name("记录.pdf"),
            );
        let res = reqwest::Client::new()
            .post(app.url(&format!(
                "/api/v1/applications/{app_id}/items/CD-CM-01/evidence"
            )))
            .bearer_auth(&member.token)
            .header("accept-language", lang)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 507);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "evidence.storage_full", "{body}");
        let detail = body["detail"].as_str().unwrap();
        if lang == "en" {
            assert!(detail.contains("no room"), "{detail}");
        } else {
            assert!(detail.contains("存储空间"), "{detail}");
        }
    }
    assert_eq!(evidence_rows(&app).await, 0, "no record");
    assert!(
        files_under(&app.data_dir.join("evidence")).is_empty(),
        "no stored or temporary file"
    );
}

#[tokio::test]
async fn healthz_reports_low_or_unwritable_storage_as_degraded() {
    let app = spawn_app().await;
    let body: Value = reqwest::get(app.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["storage"]["status"], "ok", "{body}");
    assert!(body["storage"]["free_bytes"].as_u64().unwrap() > 0);
    assert_eq!(body["storage"]["floor_bytes"], 512 * 1024 * 1024);

    // A floor above any disk's free space.
    let low = spawn_app_with(|c| c.operations.storage_floor_bytes = u64::MAX / 2).await;
    let res = reqwest::get(low.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200, "pages still work");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["storage"]["status"], "low");
    assert!(body["migration"].is_string(), "the old fields stay");

    // The uploads' directory cannot take a file.
    let tmp = low.data_dir.join("evidence/tmp");
    std::fs::remove_dir_all(&tmp).unwrap();
    std::fs::write(&tmp, b"not a directory").unwrap();
    let body: Value = reqwest::get(low.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["storage"]["status"], "unwritable");
}

async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> (u16, String) {
    let mut req = reqwest::Client::new().get(app.url("/metrics"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn metrics_are_scraped_from_this_machine_or_with_the_token_only() {
    let app = spawn_app().await;
    reqwest::get(app.url("/healthz")).await.unwrap();
    let unknown = format!("/no-such-page-{}", uuid::Uuid::new_v4().simple());
    reqwest::get(app.url(&unknown)).await.unwrap();
    let (status, text) = scrape(&app, &[]).await;
    assert_eq!(status, 200, "{text}");
    for series in [
        r#"certcase_http_requests_total{method="GET",route="/healthz",status="200"}"#,
        r#"certcase_http_requests_total{method="GET",route="(unmatched)",status="404"}"#,
        r#"certcase_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.05"}"#,
        r#"certcase_db_pool_connections{state="max"}"#,
        r#"certcase_db_pool_connections{state="idle"}"#,
        "certcase_db_pool_wait_seconds_count",
        "certcase_db_pool_timeouts_total",
        "certcase_outbox_depth 0",
        "certcase_signin_queue_depth",
    ] {
        assert!(text.contains(series), "{series} missing in:\n{text}");
    }
    assert!(!text.contains(&unknown), "raw paths are not labels");

    // Through a proxy on this machine, the peer is not the scraper.
    let (status, body) = scrape(&app, &[("x-forwarded-for", "203.0.113.9")]).await;
    assert_eq!(status, 403);
    assert!(body.contains("监控指标"), "a coded, worded refusal: {body}");

    let token = "scraper-token-0123456789";
    let guarded = spawn_app_with(|c| c.operations.metrics_token = Some(token.into())).await;
    assert_eq!(scrape(&guarded, &[]).await.0, 403, "the token is needed");
    let wrong = "Bearer scraper-token-9876543210";
    assert_eq!(scrape(&guarded, &[("authorization", wrong)]).await.0, 403);
    let right = format!("Bearer {token}");
    let (status, text) = scrape(&guarded, &[("authorization", &right)]).await;
    assert_eq!(status, 200);
    assert!(text.contains("certcase_http_requests_total"));
}

fn set_age(path: &Path, age: Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

fn stored(data_dir: &Path, sha: &str) -> std::path::PathBuf {
    data_dir
        .join("evidence/sha256")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(sha)
}

fn run(mut cmd: Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn evidence_check_lists_both_kinds_and_fix_removes_only_old_orphans() {
    let app = spawn_app().await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE11").await;
    let kept = pdf(1000);
    let (s, f) = upload(&member, &app_id, "CD-CM-01", "a.pdf", kept.clone(), "记录").await;
    assert_eq!(s, 201, "{f}");
    let lost = pdf(2000);
    let (s, f) = upload(&member, &app_id, "CD-CM-01", "b.pdf", lost.clone(), "记录").await;
    assert_eq!(s, 201, "{f}");
    let lost_sha = hex::encode(Sha256::digest(&lost));
    std::fs::remove_file(stored(&app.data_dir, &lost_sha)).unwrap();

    // Two files nothing refers to: one left by a kill two days ago, one just stored.
    let old_sha = hex::encode(Sha256::digest(b"old orphan"));
    let young_sha = hex::encode(Sha256::digest(b"young orphan"));
    for (sha, age) in [(&old_sha, 48), (&young_sha, 1)] {
        let p = stored(&app.data_dir, sha);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"orphan").unwrap();
        set_age(&p, Duration::from_secs(age * 3600));
    }

    let mut check = app.binary();
    check.args(["evidence", "check"]);
    let (ok, text) = run(check);
    assert!(!ok, "a missing file fails the check: {text}");
    assert!(text.contains("missing file: evidence"), "{text}");
    assert!(text.contains(&lost_sha), "{text}");
    assert!(text.contains(&format!(
        "unreferenced: {}",
        stored(&app.data_dir, &old_sha).display()
    )));
    assert!(text.contains(&young_sha), "{text}");
    assert!(
        text.contains("2 record(s), 3 stored file(s): 1 missing, 2 unreferenced (0 removed)"),
        "{text}"
    );
    assert!(
        stored(&app.data_dir, &old_sha).exists(),
        "nothing removed without --fix"
    );

    let mut fix = app.binary();
    fix.args(["evidence", "check", "--fix"]);
    let (_, text) = run(fix);
    assert!(
        text.contains(&format!(
            "removed: {}",
            stored(&app.data_dir, &old_sha).display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "kept (younger than a day): {}",
            stored(&app.data_dir, &young_sha).display()
        )),
        "{text}"
    );
    assert!(!stored(&app.data_dir, &old_sha).exists());
    assert!(
        stored(&app.data_dir, &young_sha).exists(),
        "an upload may be in flight"
    );
    let kept_sha = hex::encode(Sha256::digest(&kept));
    assert_eq!(
        std::fs::read(stored(&app.data_dir, &kept_sha)).unwrap(),
        kept
    );

    // The lost file put back: nothing is missing any more.
    let p = stored(&app.data_dir, &lost_sha);
    std::fs::write(&p, &lost).unwrap();
    let mut again = app.binary();
    again.args(["evidence", "check"]);
    let (ok, text) = run(again);
    assert!(ok, "{text}");
    assert!(text.contains("0 missing, 1 unreferenced"), "{text}");
}

/// The binary against another data dir and database (the restore target).
fn binary_for(data_dir: &Path, db: &TestDatabase) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certcase"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CERTCASE_DATA_DIR", data_dir)
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .current_dir(data_dir);
    cmd
}

#[tokio::test]
async fn a_live_service_is_backed_up_and_restored_with_everything_verifying() {
    let app = spawn_app().await;
    let w = crate::panels::world(&app).await;
    let approved = crate::certificates::approved_applications(&w, 1).await;
    let (s, cert) = w
        .sec
        .send(
            "POST",
            &format!(
                "/api/v1/applications/{}/certificate",
                approved[0].application
            ),
            None,
        )
        .await;
    assert_eq!(s, 201, "{cert}");
    let number = cert["number"].as_str().unwrap().to_string();
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE11").await;
    let evidence = pdf(150_000);
    let (s, f) = upload(
        &member,
        &app_id,
        "CD-CM-01",
        "a.pdf",
        evidence.clone(),
        "记录",
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let sha = hex::encode(Sha256::digest(&evidence));

    // Online: the server keeps running (and answering) while the backup is made.
    let backup_root = tempfile::tempdir().unwrap();
    let backup = backup_root.path().join("nightly");
    let mut cmd = app.binary();
    cmd.arg("backup").arg(&backup);
    let (ok, text) = run(cmd);
    assert!(ok, "{text}");
    assert!(text.contains("backup written to"), "{text}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "certcase-backup/1");
    assert!(manifest["database"]["sha256"].is_string(), "{manifest}");
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"files/secret.key"), "{files:?}");
    assert!(
        files.iter().any(|f| f.starts_with("files/keys/")),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f.ends_with(&sha)), "{files:?}");
    assert_eq!(
        reqwest::get(app.url("/healthz")).await.unwrap().status(),
        200
    );

    // Into a fresh data dir and database.
    let target_root = tempfile::tempdir().unwrap();
    let target = target_root.path().join("data");
    std::fs::create_dir_all(&target).unwrap();
    let db = TestDatabase::new(&target);
    let mut cmd = binary_for(&target, &db);
    cmd.arg("restore").arg(&backup);
    let (ok, text) = run(cmd);
    assert!(ok, "{text}");
    assert_eq!(
        std::fs::read(target.join("secret.key")).unwrap(),
        std::fs::read(app.data_dir.join("secret.key")).unwrap()
    );
    assert_eq!(std::fs::read(stored(&target, &sha)).unwrap(), evidence);

    for (args, expect) in [
        (vec!["verify-log"], "OK:"),
        (vec!["audit", "verify"], "OK:"),
        (vec!["evidence", "check"], "0 missing, 0 unreferenced"),
    ] {
        let mut cmd = binary_for(&target, &db);
        cmd.args(&args);
        let (ok, text) = run(cmd);
        assert!(ok, "{args:?}: {text}");
        assert!(text.contains(expect), "{args:?}: {text}");
    }
    // The certificate verifies against the restored keys and log.
    let url = db.url.clone();
    let n = number.clone();
    let verdict = tokio::task::spawn_blocking(move || {
        let pool = certcase::db::connect_pool(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let today = chrono::Utc::now().date_naive();
        certcase::workflow::certificates::verify_number(
            &mut conn,
            &certcase::workflow::certificate_log::VerifiedLog::default(),
            &n,
            today,
        )
        .unwrap()
        .status
    })
    .await
    .unwrap();
    assert_eq!(verdict, "valid");

    // A second restore into the now full target is refused, unless forced.
    let mut cmd = binary_for(&target, &db);
    cmd.arg("restore").arg(&backup);
    let (ok, text) = run(cmd);
    assert!(!ok);
    assert!(text.contains("the target is not empty"), "{text}");
    let mut cmd = binary_for(&target, &db);
    cmd.arg("restore").arg("--force").arg(&backup);
    let (ok, text) = run(cmd);
    assert!(ok, "{text}");

    // A changed byte anywhere in the backup: nothing is restored.
    let key_file = files
        .iter()
        .find(|f| f.starts_with("files/keys/"))
        .unwrap()
        .to_string();
    let mut bytes = std::fs::read(backup.join(&key_file)).unwrap();
    bytes[0] ^= 1;
    std::fs::write(backup.join(&key_file), bytes).unwrap();
    let other_root = tempfile::tempdir().unwrap();
    let other = other_root.path().join("data");
    std::fs::create_dir_all(&other).unwrap();
    let other_db = TestDatabase::new(&other);
    let mut cmd = binary_for(&other, &other_db);
    cmd.arg("restore").arg(&backup);
    let (ok, text) = run(cmd);
    assert!(!ok);
    assert!(text.contains("does not match its manifest"), "{text}");
    assert!(text.contains(&key_file), "{text}");
    assert!(!other.join("secret.key").exists(), "nothing was restored");
}

fn serve(data_dir: &Path, db: &TestDatabase, port: u16) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_certcase"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CERTCASE_DATA_DIR", data_dir)
        .env("DATABASE_URL", &db.url)
        .env("CERTCASE_BIND", format!("127.0.0.1:{port}"))
        .env("CERTCASE_SHUTDOWN_TIMEOUT_SECONDS", "20")
        .env("RUST_LOG", "warn")
        .current_dir(data_dir)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_stops() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let db = TestDatabase::new(&data);
    let password = "一个足够长的密码 for shutdown";
    let mut add = binary_for(&data, &db);
    add.args([
        "user",
        "add",
        "--email",
        "ops@example.cn",
        "--role",
        "enterprise",
        "--name",
        "运维",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::null());
    let mut child = add.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = serve(&data, &db, port);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A sign-in whose body arrives slowly: half now, the rest after the signal.
    let body = serde_json::json!({"email": "ops@example.cn", "password": password}).to_string();
    let (first, rest) = body.as_bytes().split_at(10);
    let (first, rest) = (first.to_vec(), rest.to_vec());
    let stream = async_stream(first, rest, Duration::from_millis(1500));
    let slow = tokio::spawn(
        reqwest::Client::new()
            .post(format!("{base}/api/v1/auth/login"))
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .body(reqwest::Body::wrap_stream(stream))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let res = slow
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let token: Value = res.json().await.unwrap();
    assert!(token["token"].is_string(), "{token}");

    // The process ends by itself, cleanly.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut server.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains("certcase stopped"), "{out}");
}

/// Two chunks with a pause between them.
fn async_stream(
    first: Vec<u8>,
    rest: Vec<u8>,
    pause: Duration,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::unfold(0u8, move |step| {
        let (first, rest) = (first.clone(), rest.clone());
        async move {
            match step {
                0 => Some((Ok(first), 1)),
                1 => {
                    tokio::time::sleep(pause).await;
                    Some((Ok(rest), 2))
                }
                _ => None,
            }
        }
    })
}
