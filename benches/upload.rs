//! Upload of a 1 GiB file through the HTTP endpoint of the real server (release build,
//! a child process), streamed from a generator, never held in memory. Compared in the
//! same run with a plain SHA-256-and-write of the same bytes to the same disk (RATIO =
//! upload throughput / plain throughput), and the server's peak resident memory (VmHWM).
//! Run: `cargo bench --bench upload`. Targets: RATIO >= 0.5, VmHWM < 64 MB.

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use certcase::config::{Config, Sources};
use certcase::domain::access::Role;
use certcase::domain::account::{DisplayName, Email, Password};
use certcase::workflow::users;

const TOTAL: usize = 1 << 30;
const CHUNK: usize = 1 << 20;
const PASSWORD: &str = "a long benchmark password";

/// The i-th chunk of the generated file: a PDF header, then bytes that vary per chunk.
fn chunk(i: usize) -> Bytes {
    let mut b = vec![(i % 251) as u8; CHUNK];
    if i == 0 {
        b[..9].copy_from_slice(b"%PDF-1.7\n");
    }
    Bytes::from(b)
}

/// A valid credit code (GB 32100-2015) from a 17-character body.
fn credit_code(body: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: usize = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| ALPHABET.iter().position(|a| *a == c).unwrap() * w)
        .sum();
    format!("{body}{}", ALPHABET[(31 - sum % 31) % 31] as char)
}

fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn call(base: &str, token: &str, path: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

async fn token(base: &str, email: &str) -> String {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().unwrap().to_string()
}

fn main() {
    let dir =
        tempfile::tempdir_in(std::env::var("CERTCASE_BENCH_DIR").unwrap_or(".".into())).unwrap();
    let data = dir.path().join("data");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data_text = data.display().to_string();
    let env = move |k: &str| match k {
        "CERTCASE_DATA_DIR" => Some(data_text.clone()),
        _ => None,
    };
    let mut config = Config::from_sources(Sources {
        file: None,
        env: &env,
    })
    .unwrap();
    config.ensure_data_dir().unwrap();
    let version = {
        let pool = certcase::startup::prepare(&config).unwrap();
        let mut conn = pool.get().unwrap();
        for (email, role) in [
            ("sec@example.test", Role::Secretariat),
            ("ent@example.test", Role::Enterprise),
        ] {
            users::add_user(
                &mut conn,
                &Email::parse(email).unwrap(),
                &DisplayName::parse("张喆").unwrap(),
                &Password::parse(PASSWORD).unwrap(),
                &[role],
            )
            .unwrap();
        }
        let id = certcase::db::models::catalog::find_model_id(&mut conn, "caict-devops")
            .unwrap()
            .unwrap();
        certcase::db::models::catalog::latest_version(&mut conn, id)
            .unwrap()
            .unwrap()
            .id
    };

    let mut server = Command::new(env!("CARGO_BIN_EXE_certcase"))
        .env("CERTCASE_DATA_DIR", &data)
        .env("CERTCASE_BIND", format!("127.0.0.1:{port}"))
        .env("CERTCASE_EVIDENCE_MAX_FILE_MB", "2048")
        .env("CERTCASE_EVIDENCE_QUOTA_MB", "4096")
        .env("RUST_LOG", "warn")
        .arg("serve")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let upload_secs = rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let sec = token(&base, "sec@example.test").await;
        let ent = token(&base, "ent@example.test").await;
        let today = chrono::Utc::now().date_naive();
        let d = |days: i64| (today + chrono::Duration::days(days)).to_string();
        let round = call(&base, &sec, "/api/v1/rounds", json!({
            "model_version_id": version, "name_zh": "基准", "name_en": "Benchmark",
            "registration_opens": d(-3), "registration_closes": d(3), "assessment_starts": d(10),
            "assessment_ends": d(40), "results_on": d(60), "parts": ["CD"]
        }))
        .await;
        call(&base, &ent, "/api/v1/enterprises", json!({
            "name_zh": "基准科技", "credit_code": credit_code("91110108MA01ABF13"), "address": "北京",
            "contact_name": "张喆", "contact_email": "zz@example.cn", "contact_phone": "010-1"
        }))
        .await;
        let application = call(&base, &ent, &format!("/api/v1/rounds/{}/applications", round["id"].as_str().unwrap()), json!({
            "part_code": "CD", "target_level": 3, "scope": "基准", "contact_name": "张喆", "contact_email": "zz@example.cn"
        }))
        .await;
        let body = futures_util::stream::iter((0..TOTAL / CHUNK).map(|i| Ok::<_, std::io::Error>(chunk(i))));
        let file = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(body), TOTAL as u64)
            .file_name("benchmark.pdf");
        let form = reqwest::multipart::Form::new().text("description", "1 GiB").part("file", file);
        let started = Instant::now();
        let res = reqwest::Client::new()
            .post(format!(
                "{base}/api/v1/applications/{}/items/CD-CM-01/evidence",
                application["id"].as_str().unwrap()
            ))
            .bearer_auth(&ent)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let secs = started.elapsed().as_secs_f64();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, 201, "{text}");
        secs
    });
    let peak_kb = peak_rss_kb(server.id());
    let _ = server.kill();
    let _ = server.wait();

    // The same bytes, hashed and written to the same disk, fsynced, in this process.
    let started = Instant::now();
    let plain_path = dir.path().join("plain.bin");
    let mut f = std::fs::File::create(&plain_path).unwrap();
    let mut hasher = Sha256::new();
    for i in 0..TOTAL / CHUNK {
        let c = chunk(i);
        hasher.update(&c);
        f.write_all(&c).unwrap();
    }
    f.sync_all().unwrap();
    let _ = hasher.finalize();
    let plain_secs = started.elapsed().as_secs_f64();

    let mib = (TOTAL / CHUNK) as f64;
    println!(
        "upload through HTTP: {:.1} MiB/s ({upload_secs:.2} s)",
        mib / upload_secs
    );
    println!(
        "plain sha256+write: {:.1} MiB/s ({plain_secs:.2} s)",
        mib / plain_secs
    );
    println!("RATIO {:.2} (target >= 0.50)", plain_secs / upload_secs);
    println!(
        "server peak RSS (VmHWM) {:.1} MB (target < 64 MB)",
        peak_kb as f64 / 1024.0
    );
}
