//! Evidence: an enterprise uploads files per capability item; they are stored by hash,
//! listed, downloaded safely, locked at submission and versioned after a reopening.
//! Every refusal answers with the limit or rule it broke and stores nothing.

use std::io::Write;

use certcase::domain::access::Role;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::applications::{applicant, declare_all_not_applicable};
use crate::helpers::Api;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const MB: usize = 1024 * 1024;

pub(crate) fn pdf(size: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    b.resize(size.max(9), b'x');
    b
}

fn zip_with(entries: &[(&str, usize)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, size) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(&vec![b'a'; *size]).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub(crate) async fn upload(
    api: &Api<'_>,
    app_id: &str,
    item: &str,
    name: &str,
    bytes: Vec<u8>,
    description: &str,
) -> (u16, Value) {
    let form = Form::new()
        .text("description", description.to_string())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = reqwest::Client::new()
        .post(api.app.url(&format!(
            "/api/v1/applications/{app_id}/items/{item}/evidence"
        )))
        .bearer_auth(&api.token)
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn evidence_rows(app: &TestApp) -> i64 {
    app.conn(|c| {
        use certcase::db::schema::evidence_files::dsl::*;
        use diesel::prelude::*;
        evidence_files.count().get_result::<i64>(c).unwrap()
    })
    .await
}

fn stored_path(app: &TestApp, sha: &str) -> std::path::PathBuf {
    app.data_dir
        .join("evidence/sha256")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(sha)
}

#[tokio::test]
async fn uploads_are_stored_by_hash_listed_and_downloaded_as_attachments() {
    let app = spawn_app().await;
    let (sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE11").await;
    let bytes = pdf(300_000);
    let name = "证据 <script>{{7*7}}.pdf";
    let (status, file) = upload(
        &member,
        &app_id,
        "CD-CM-01",
        name,
        bytes.clone(),
        "张喆、王堃、Łukasz、O'Brien 的版本控制记录",
    )
    .await;
    assert_eq!(status, 201, "{file}");
    let sha = hex::encode(Sha256::digest(&bytes));
    assert_eq!(file["sha256"], sha);
    assert_eq!(file["size_bytes"], 300_000);
    assert_eq!(file["media_type"], "application/pdf");
    assert_eq!(file["version"], 1);
    assert_eq!(file["display_name"], name);
    assert_eq!(std::fs::read(stored_path(&app, &sha)).unwrap(), bytes);
    let tmp = app.data_dir.join("evidence/tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "no temporary file is left"
    );

    // Several files per item.
    let (status, second) = upload(
        &member,
        &app_id,
        "CD-CM-01",
        "log.csv",
        b"date,commit\n2026-01-01,abc\n".to_vec(),
        "提交记录",
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["media_type"], "text/csv; charset=utf-8");
    let (status, list) = member
        .send(
            "GET",
            &format!("/api/v1/applications/{app_id}/evidence"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["current"] == true && f["removable"] == true));

    // The secretariat downloads it: an attachment with a safe name, its real type, no sniffing.
    let id = file["id"].as_str().unwrap();
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/applications/{app_id}/evidence/{id}")))
        .bearer_auth(&sec.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment; filename=\""), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E8%AF%81%E6%8D%AE%20%3Cscript%3E"),
        "{cd}"
    );
    assert!(!cd.contains('<') && !cd.contains('{'));
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // Removing a draft's file: the record goes, and the stored file once unreferenced.
    let (status, _) = member
        .send(
            "DELETE",
            &format!("/api/v1/applications/{app_id}/evidence/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(!stored_path(&app, &sha).exists());
    assert_eq!(evidence_rows(&app).await, 1);

    // Each upload, the download and the removal are in the audit log, chained.
    let kinds: Vec<String> = app
        .conn(|c| {
            certcase::db::models::audit::export(c, &certcase::db::models::audit::Query::default())
                .unwrap()
                .into_iter()
                .map(|r| r.kind)
                .filter(|k| k.starts_with("evidence_"))
                .collect()
        })
        .await;
    let count = |k: &str| kinds.iter().filter(|x| x.as_str() == k).count();
    assert_eq!(count("evidence_uploaded"), 2, "{kinds:?}");
    assert_eq!(count("evidence_downloaded"), 1, "{kinds:?}");
    assert_eq!(count("evidence_deleted"), 1, "{kinds:?}");
    let intact = app
        .conn(|c| certcase::db::models::audit::verify(c).unwrap())
        .await;
    assert!(intact.is_ok(), "{intact:?}");
}

#[tokio::test]
async fn every_refusal_names_its_limit_or_rule_and_stores_nothing() {
    let app = spawn_app_with(|c| {
        c.evidence.max_file_bytes = 2 * MB as u64;
        c.evidence.quota_bytes = 5 * MB as u64;
        c.evidence.zip_max_uncompressed_bytes = MB as u64;
    })
    .await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE12").await;
    let item = "CD-CM-01";

    // Too large, seen from Content-Length before any byte is stored.
    let (status, problem) = upload(&member, &app_id, item, "big.pdf", pdf(3 * MB), "大文件").await;
    assert_eq!(status, 413, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("larger than 2 MiB, the limit per file"),
        "{problem}"
    );

    // Too large while streaming (no Content-Length).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = pdf(3 * MB)
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    let form = Form::new().text("description", "流式上传").part(
        "file",
        Part::stream(reqwest::Body::wrap_stream(stream)).file_name("stream.pdf"),
    );
    let res = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/v1/applications/{app_id}/items/{item}/evidence"
        )))
        .bearer_auth(&member.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    // Type by content and extension together.
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let (status, problem) = upload(
        &member,
        &app_id,
        item,
        "report.pdf",
        png.clone(),
        "改名的图片",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("is not a .pdf file"),
        "{problem}"
    );
    let (status, problem) = upload(
        &member,
        &app_id,
        item,
        "tool.exe",
        b"MZ\x90\x00".to_vec(),
        "程序",
    )
    .await;
    assert_eq!(status, 422);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(".exe are not accepted"));
    let (status, _) = upload(
        &member,
        &app_id,
        item,
        "page.html.txt",
        b"<html>\0".to_vec(),
        "x",
    )
    .await;
    assert_eq!(status, 422);

    // ZIP archives: listed, never extracted; unsafe paths and bombs refused.
    for (entries, says) in [
        (vec![("docs/../../evil.sh", 10)], "unsafe path"),
        (vec![("/etc/cron.d/x", 10)], "unsafe path"),
        (vec![("a.bin", MB), ("b.bin", MB / 2)], "at most 1 MiB"),
    ] {
        let (status, problem) = upload(
            &member,
            &app_id,
            item,
            "bundle.zip",
            zip_with(&entries),
            "压缩包",
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    let (status, ok) = upload(
        &member,
        &app_id,
        item,
        "bundle.zip",
        zip_with(&[("docs/a.txt", 5), ("b.txt", 7)]),
        "压缩包",
    )
    .await;
    assert_eq!(status, 201, "{ok}");
    assert_eq!(
        ok["zip_entries"],
        json!([{"name": "docs/a.txt", "size": 5}, {"name": "b.txt", "size": 7}])
    );

    // Form problems and items outside the part.
    let (status, problem) = upload(&member, &app_id, item, "a.pdf", pdf(100), "  ").await;
    assert_eq!(status, 422);
    assert!(problem["detail"].as_str().unwrap().contains("description"));
    let (status, _) = upload(&member, &app_id, "SEC-XX-01", "a.pdf", pdf(100), "x").await;
    assert_eq!(status, 422);

    // The quota counts every file of the application.
    for n in 0..2 {
        let (status, f) = upload(
            &member,
            &app_id,
            item,
            &format!("part{n}.pdf"),
            pdf(2 * MB - 100 - n),
            "分卷",
        )
        .await;
        assert_eq!(status, 201, "{f}");
    }
    let (status, problem) = upload(
        &member,
        &app_id,
        item,
        "more.pdf",
        pdf(2 * MB - 200),
        "超出配额",
    )
    .await;
    assert_eq!(status, 413);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("quota of 5 MiB"),
        "{problem}"
    );

    assert_eq!(
        evidence_rows(&app).await,
        3,
        "only the accepted uploads are recorded"
    );
    assert_eq!(
        std::fs::read_dir(app.data_dir.join("evidence/tmp"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn evidence_is_locked_at_submission_and_a_reopened_item_takes_a_new_version() {
    let app = spawn_app().await;
    let (sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE13").await;
    let (status, v1) = upload(&member, &app_id, "CD-CM-01", "v1.pdf", pdf(1000), "第一版").await;
    assert_eq!(status, 201);
    assert_eq!(
        sec.send(
            "POST",
            &format!(
                "/api/v1/enterprises/{}/verify",
                app.enterprise_of(&app_id).await
            ),
            None
        )
        .await
        .0,
        204
    );
    // Real evidence covers CD-CM-01; the rest is declared not applicable.
    declare_all_not_applicable(&member, &app_id).await;
    let (status, body) = member
        .send(
            "POST",
            &format!("/api/v1/applications/{app_id}/transitions"),
            Some(json!({"action": "submit"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, problem) =
        upload(&member, &app_id, "CD-CM-01", "late.pdf", pdf(1000), "迟到").await;
    assert_eq!(status, 409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("evidence is locked"),
        "{problem}"
    );
    let v1_id = v1["id"].as_str().unwrap().to_string();
    let del = format!("/api/v1/applications/{app_id}/evidence/{v1_id}");
    assert_eq!(member.send("DELETE", &del, None).await.0, 409);

    // A clarification request reopens one item for a while.
    let until = chrono::Utc::now().naive_utc() + chrono::Duration::hours(2);
    let a = app_id.clone();
    let reopened = app
        .conn(move |c| {
            certcase::workflow::evidence::reopen_items(
                c,
                a.parse().unwrap(),
                &["CD-CM-01".to_string()],
                until,
            )
            .unwrap()
        })
        .await;
    assert_eq!(reopened, vec![("CD-CM-01".to_string(), 2)]);
    let (status, v2) = upload(
        &member,
        &app_id,
        "CD-CM-01",
        "v2.pdf",
        pdf(2000),
        "补充材料",
    )
    .await;
    assert_eq!(status, 201, "{v2}");
    assert_eq!(v2["version"], 2);
    let (status, _) = upload(
        &member,
        &app_id,
        "CD-CM-02",
        "other.pdf",
        pdf(10),
        "未重新开放",
    )
    .await;
    assert_eq!(status, 409);

    let (_, list) = sec
        .send(
            "GET",
            &format!("/api/v1/applications/{app_id}/evidence"),
            None,
        )
        .await;
    let versions: Vec<(i64, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["version"].as_i64().unwrap(),
                f["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(1, false), (2, true)]);
    // The submitted version stays readable and cannot be removed; the new one can.
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/applications/{app_id}/evidence/{v1_id}")))
        .bearer_auth(&sec.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, problem) = member.send("DELETE", &del, None).await;
    assert_eq!(status, 409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("was submitted and is kept"));
    let v2_id = v2["id"].as_str().unwrap();
    assert_eq!(
        member
            .send(
                "DELETE",
                &format!("/api/v1/applications/{app_id}/evidence/{v2_id}"),
                None
            )
            .await
            .0,
        204
    );

    // A second reopening gives version 3; the rules of reopening refuse with reasons.
    let a = app_id.clone();
    let outcomes = app
        .conn(move |c| {
            use certcase::workflow::evidence::reopen_items;
            let again =
                reopen_items(c, a.parse().unwrap(), &["CD-CM-01".to_string()], until).unwrap();
            let past = reopen_items(
                c,
                a.parse().unwrap(),
                &["CD-CM-01".to_string()],
                until - chrono::Duration::hours(3),
            )
            .unwrap_err();
            let unknown =
                reopen_items(c, a.parse().unwrap(), &["XX-01".to_string()], until).unwrap_err();
            (again, past.to_string(), unknown.to_string())
        })
        .await;
    assert_eq!(outcomes.0, vec![("CD-CM-01".to_string(), 3)]);
    assert_eq!(outcomes.1, "evidence.reopen_in_past");
    assert_eq!(
        outcomes.2,
        "application.unknown_item (part: CD, item: XX-01)"
    );
}

#[tokio::test]
async fn a_draft_cannot_be_reopened_and_the_submit_rule_needs_every_item() {
    let app = spawn_app().await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE15").await;
    let a = app_id.clone();
    let refused = app
        .conn(move |c| {
            certcase::workflow::evidence::reopen_items(
                c,
                a.parse().unwrap(),
                &["CD-CM-01".to_string()],
                chrono::Utc::now().naive_utc() + chrono::Duration::hours(1),
            )
            .unwrap_err()
            .to_string()
        })
        .await;
    assert!(refused.contains("evidence.cannot_reopen"), "{refused}");
    let (status, _) = upload(&member, &app_id, "CD-CM-01", "v1.pdf", pdf(10), "x").await;
    assert_eq!(status, 201);
    let (_, detail) = member
        .send("GET", &format!("/api/v1/applications/{app_id}"), None)
        .await;
    let missing: Vec<&str> = detail["missing_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!missing.contains(&"CD-CM-01"));
    assert!(missing.contains(&"CD-CM-02"));
}

#[tokio::test]
async fn another_enterprises_evidence_answers_like_a_missing_one() {
    let app = spawn_app().await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE14").await;
    let (_, file) = upload(&member, &app_id, "CD-CM-01", "a.pdf", pdf(100), "x").await;
    let file_id = file["id"].as_str().unwrap();
    let stranger = app.api_for("王堃", Role::Enterprise).await;
    let list = format!("/api/v1/applications/{app_id}/evidence");
    let one = format!("/api/v1/applications/{app_id}/evidence/{file_id}");
    assert_eq!(stranger.send("GET", &list, None).await.0, 404);
    assert_eq!(stranger.send("GET", &one, None).await.0, 404);
    assert_eq!(stranger.send("DELETE", &one, None).await.0, 404);
    let (status, _) = upload(&stranger, &app_id, "CD-CM-01", "b.pdf", pdf(100), "x").await;
    assert_eq!(status, 404);
    // A file id under another application of the same enterprise is not found either.
    let missing = uuid::Uuid::now_v7();
    assert_eq!(
        member
            .send(
                "GET",
                &format!("/api/v1/applications/{missing}/evidence/{file_id}"),
                None
            )
            .await
            .0,
        404
    );
    assert_eq!(evidence_rows(&app).await, 1);
}

#[tokio::test]
async fn an_empty_file_is_refused_whatever_its_type_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE13").await;
    for name in [
        "empty.txt",
        "empty.md",
        "empty.csv",
        "empty.pdf",
        "empty.zip",
    ] {
        let (status, problem) =
            upload(&member, &app_id, "CD-CM-01", name, Vec::new(), "空文件").await;
        assert_eq!(status, 422, "{name}: {problem}");
        assert_eq!(problem["code"], "evidence.empty", "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("is empty"),
            "{problem}"
        );
    }
    assert_eq!(evidence_rows(&app).await, 0);
    let empty_sha = hex::encode(Sha256::digest(b""));
    assert!(!stored_path(&app, &empty_sha).exists());
    assert_eq!(
        std::fs::read_dir(app.data_dir.join("evidence/tmp"))
            .unwrap()
            .count(),
        0
    );
}
