//! The enterprise attaches files to its appeal: stored with their hashes in the evidence
//! store (so `evidence check` counts them as referenced), capped in size, kind and number,
//! only while the appeal is open; every party of the appeal downloads them.

use certcase::domain::access::Role;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::appeals::judged;
use crate::certificates::approved_applications;
use crate::evidence::pdf;
use crate::helpers::{csrf_in, TestApp};
use crate::panels::{person, world, Client};

async fn attach(who: &Client<'_>, appeal: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = reqwest::Client::new()
        .post(
            who.app
                .url(&format!("/api/v1/appeals/{appeal}/attachments")),
        )
        .bearer_auth(&who.token)
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn zip_archive() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("a.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"hello").unwrap();
    w.finish().unwrap().into_inner()
}

async fn evidence_check(app: &TestApp) -> certcase::operations::EvidenceReport {
    let dir = app.data_dir.clone();
    app.conn(move |c| {
        certcase::operations::check_evidence(c, &dir, false, std::time::SystemTime::now()).unwrap()
    })
    .await
}

#[tokio::test]
async fn files_attached_to_an_appeal_are_stored_with_their_hash_and_reach_every_party() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let (s, c) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/applications/{}/certificate", a.application),
            None,
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let number = c["number"].as_str().unwrap().to_string();
    let until = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/certificates/{number}/suspend"),
            Some(json!({"reason": "监督发现问题", "until": until})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let (s, appeal) = a
        .enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{}/appeals", a.application),
            Some(json!({
                "subject": "certificate_decision", "certificate_number": number,
                "log_index": 1, "reasons": "监督发现的问题已整改"
            })),
        )
        .await;
    assert_eq!(s, 201, "{appeal}");
    let id = appeal["id"].as_str().unwrap().to_string();

    let report = pdf(4000);
    let (s, f) = attach(&a.enterprise, &id, "整改报告.pdf", report.clone()).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["sha256"], hex::encode(Sha256::digest(&report)));
    assert_eq!(f["file_name"], "整改报告.pdf");
    assert_eq!(f["content_type"], "application/pdf");

    // Refused: an archive, a file with the wrong content, nothing at all, someone else.
    let (s, p) = attach(&a.enterprise, &id, "all.zip", zip_archive()).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("appeal.attachment_zip")),
        "{p}"
    );
    let (s, p) = attach(&a.enterprise, &id, "fake.pdf", b"MZ not a pdf".to_vec()).await;
    assert_eq!(s, 422, "{p}");
    let (s, _) = attach(&w.sec, &id, "x.pdf", pdf(100)).await;
    assert_eq!(s, 403, "only the enterprise attaches");
    let (other, other_member) = w.enterprise("别家企业", &[Role::Enterprise]).await;
    let _ = other;
    let (s, _) = attach(&other_member, &id, "x.pdf", pdf(100)).await;
    assert_eq!(s, 404, "another enterprise does not learn of the appeal");

    // Every party sees and downloads it; the store counts it as referenced.
    let (s, list) = w
        .sec
        .send("GET", &format!("/api/v1/appeals/{id}/attachments"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (_, seen) = w
        .sec
        .send("GET", &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(seen["attachments"][0]["sha256"], f["sha256"], "{seen}");
    let browser = app.signed_in(&w.sec.login).await;
    let res = browser
        .get(app.url(f["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), report);
    let check = evidence_check(&app).await;
    assert!(check.orphans.is_empty(), "{:?}", check.orphans);
    assert!(check.missing.is_empty(), "{:?}", check.missing);

    // The appeal page lists it and has the enterprise's form, which attaches another.
    let member = app.signed_in(&a.enterprise.login).await;
    let page = member
        .get(app.url(&format!("/appeals/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("整改报告.pdf") && page.contains("附加"),
        "{page}"
    );
    let token = csrf_in(&page);
    let res = member
        .post(app.url(&format!(
            "/appeals/{id}/attachments?csrf_token={}",
            urlencoding(&token)
        )))
        .headers(app.same_origin())
        .multipart(Form::new().part("file", Part::bytes(pdf(500)).file_name("补充.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, list) = a
        .enterprise
        .send("GET", &format!("/api/v1/appeals/{id}/attachments"), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // Once the panel has decided, nothing more is attached.
    let judge = person(&app, "申诉委员", &[Role::Reviewer]).await;
    judged(&w, &id, &judge, false, "整改证据不足").await;
    let (s, p) = attach(&a.enterprise, &id, "late.pdf", pdf(300)).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("appeal.attachments_closed")),
        "{p}"
    );
    let (_, list) = judge
        .send("GET", &format!("/api/v1/appeals/{id}/attachments"), None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2, "the panel sees them too");
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
