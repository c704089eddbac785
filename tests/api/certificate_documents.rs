//! The certificate PDF carries its credential (pdf18): the SHA-256 of the PDF issued is
//! recorded in the issuance log at issue, downloads render the same bytes again, and an
//! uploaded PDF verifies as valid only when it is that very file. An edited PDF (visible
//! text changed through lopdf, or a byte changed in place with the cross-reference table
//! still right) and a hand-made PDF carrying a copied, genuinely signed payload answer
//! "not the issued document", in the API and on the page in both languages. Certificates
//! whose issuance recorded no PDF hash are judged on their payload, and say so.
//!
//! The PDF also carries the certificate's signed W3C credential (`credential.json`, the
//! one `/certificates/{number}.json` serves): a PDF whose credential was swapped for
//! another certificate's or edited is `invalid` (problem `credential_mismatch`), also when
//! no PDF hash was recorded; the issued PDF answers with its credential's status bits.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use diesel::RunQueryDsl;
use lopdf::{dictionary, Document, Object, Stream, StringFormat};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::certificates::{
    approved, approved_applications, check_file, download, issued_number, replace_attachment,
};
use crate::helpers::TestApp;
use crate::panels::world;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The issued PDF with the glyph codes of its first shown string in reverse order: the
/// page prints other characters, everything else stays.
fn with_visible_text_changed(pdf: &[u8]) -> Vec<u8> {
    let mut doc = Document::load_mem(pdf).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let mut content = doc.get_and_decode_page_content(page).unwrap();
    let shown = content
        .operations
        .iter_mut()
        .find(|op| op.operator == "Tj" || op.operator == "TJ")
        .expect("the page shows text");
    let text = match &mut shown.operands[0] {
        Object::String(bytes, _) => bytes,
        Object::Array(items) => match items.iter_mut().find(|i| matches!(i, Object::String(..))) {
            Some(Object::String(bytes, _)) => bytes,
            _ => panic!("no string in TJ"),
        },
        other => panic!("unexpected operand {other:?}"),
    };
    let before = text.clone();
    let mut codes: Vec<[u8; 2]> = text.chunks(2).map(|c| [c[0], c[1]]).collect();
    codes.reverse();
    *text = codes.concat();
    assert_ne!(*text, before, "the first string has two different glyphs");
    doc.change_page_content(page, content.encode().unwrap())
        .unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// One byte of the uncompressed XMP changed in place: same length, so the
/// cross-reference table still points at every object.
fn with_a_byte_changed(pdf: &[u8], number: &str) -> Vec<u8> {
    let needle = format!("<cc:CertificateNumber>{number}");
    let at = pdf
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the XMP names the certificate");
    let mut edited = pdf.to_vec();
    let last = at + needle.len() - 1;
    edited[last] = if edited[last] == b'9' { b'8' } else { b'9' };
    assert!(Document::load_mem(&edited).is_ok(), "still a readable PDF");
    edited
}

/// The PDF with the bytes of its embedded `credential.json` replaced by `json`,
/// saved again by lopdf (the payload stays).
fn with_credential(pdf: &[u8], json: &[u8]) -> Vec<u8> {
    replace_attachment(pdf, "credential.json", json)
}

/// The credential with a signed claim changed: its proof no longer holds.
fn edited_credential(json: &[u8]) -> Vec<u8> {
    let mut c: Value = serde_json::from_slice(json).unwrap();
    c["validUntil"] = Value::from("2099-12-31T23:59:59Z");
    serde_json::to_vec_pretty(&c).unwrap()
}

fn assert_credential_mismatch(v: &Value, what: &str) {
    assert_eq!(v["status"], "invalid", "{what}: {v}");
    assert_eq!(v["problem"], "credential_mismatch", "{what}: {v}");
    assert!(v.get("history").is_none(), "{what}: no state told: {v}");
}

async fn served_credential(app: &TestApp, number: &str) -> Vec<u8> {
    let r = reqwest::get(app.url(&format!("/certificates/{number}.json")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

/// A PDF made by hand: one page with a line of text, carrying `json` as an associated
/// file named `certificate.json` (as certcase's do), or, with `in_info`, as the base64
/// information-dictionary entry of certificates rendered before.
fn hand_made(json: &[u8], in_info: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content = b"BT /F1 24 Tf 72 500 Td (Certificate of DevOps Capability) Tj ET".to_vec();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 842.into(), 595.into()],
        "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    let mut info = dictionary! { "Title" => Object::string_literal("Certificate") };
    if in_info {
        info.set(
            "CertcasePayload",
            Object::String(BASE64.encode(json).into_bytes(), StringFormat::Literal),
        );
    } else {
        let file_id = doc.add_object(Stream::new(
            dictionary! { "Type" => "EmbeddedFile", "Subtype" => "application/json" },
            json.to_vec(),
        ));
        let spec_id = doc.add_object(dictionary! {
            "Type" => "Filespec",
            "F" => Object::string_literal("certificate.json"),
            "UF" => Object::string_literal("certificate.json"),
            "AFRelationship" => "Data",
            "EF" => dictionary! { "F" => file_id },
        });
        catalog.set(
            "Names",
            dictionary! { "EmbeddedFiles" => dictionary! {
                "Names" => vec![Object::string_literal("certificate.json"), spec_id.into()],
            } },
        );
        catalog.set("AF", vec![Object::from(spec_id)]);
    }
    let catalog_id = doc.add_object(catalog);
    let info_id = doc.add_object(info);
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The `/verify` page's answer to an uploaded file, through its form, in `lang`.
async fn upload_page(app: &TestApp, pdf: Vec<u8>, lang: &str) -> String {
    let browser = crate::helpers::browser();
    let token = app.csrf_from(&browser, "/verify").await;
    let form = reqwest::multipart::Form::new().part(
        "pdf",
        reqwest::multipart::Part::bytes(pdf)
            .file_name("certificate.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = browser
        .post(app.url(&format!("/verify?csrf_token={token}")))
        .headers(app.same_origin())
        .header("accept-language", lang)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn assert_not_issued(v: &Value, number: &str, what: &str) {
    assert_eq!(v["status"], "not_issued_document", "{what}: {v}");
    assert_eq!(v["problem"], "pdf_not_issued", "{what}: {v}");
    assert_eq!(v["document"], "not_issued", "{what}: {v}");
    assert_eq!(v["payload"]["certificate_number"], number, "{what}: {v}");
    assert!(v.get("history").is_none(), "{what}: no state told: {v}");
}

#[tokio::test]
async fn only_the_pdf_issued_verifies_as_the_issued_document() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let number = issued_number(&w, &a.application).await;

    // Recorded at issue; every download renders the very same bytes.
    let (s, pdf) = download(&app, &a.enterprise.login, &number).await;
    assert_eq!(s, 200);
    let log = app
        .conn(|c| certcase::db::models::certificates::log(c).unwrap())
        .await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].pdf_sha256.as_deref(),
        Some(sha256_hex(&pdf).as_str())
    );
    assert_eq!(download(&app, &w.sec.login, &number).await.1, pdf);
    let chain = app
        .conn(|c| certcase::workflow::certificates::verify_log(c).unwrap())
        .await;
    assert_eq!(chain, Ok(1), "the hash is sealed in an intact chain");

    let (s, v) = check_file(&app, pdf.clone()).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("valid")), "{v}");
    assert_eq!(v["document"], "issued", "{v}");
    // The file carries the credential, byte for byte as served, under the recorded hash.
    assert_eq!(
        certcase::pdf::extract_credential(&pdf),
        Some(served_credential(&app, &number).await)
    );

    let edited = with_visible_text_changed(&pdf);
    let embedded = certcase::pdf::extract_signed_payload(&edited).unwrap();
    assert_eq!(certcase::pdf::extract_signed_payload(&pdf), Some(embedded));
    let (s, v) = check_file(&app, edited).await;
    assert_eq!(s, 200);
    assert_not_issued(&v, &number, "visible text changed");

    let (_, v) = check_file(&app, with_a_byte_changed(&pdf, &number)).await;
    assert_not_issued(&v, &number, "one byte changed in place");

    let json = serde_json::to_vec(&certcase::pdf::extract_signed_payload(&pdf).unwrap()).unwrap();
    for in_info in [false, true] {
        let copy = hand_made(&json, in_info);
        let (_, v) = check_file(&app, copy.clone()).await;
        assert_not_issued(
            &v,
            &number,
            &format!("hand-made, payload in info: {in_info}"),
        );
    }

    // The page words it in the reader's language, and points to the check by number.
    let zh = upload_page(&app, hand_made(&json, false), "zh-CN").await;
    assert!(
        zh.contains("verdict-not_issued_document") && zh.contains("非签发原件"),
        "{zh}"
    );
    assert!(zh.contains("不是签发的 PDF 原件"), "{zh}");
    assert!(zh.contains(&format!("href=\"/verify/{number}\"")), "{zh}");
    assert!(
        !zh.contains("NOT THE ISSUED"),
        "no English on the zh-CN page"
    );
    let en = upload_page(&app, hand_made(&json, false), "en").await;
    assert!(en.contains("NOT THE ISSUED DOCUMENT"), "{en}");
    let ok = upload_page(&app, pdf.clone(), "zh-CN").await;
    assert!(
        ok.contains("verdict-valid") && ok.contains("正是该证书签发的 PDF 原件"),
        "{ok}"
    );
}

/// Rewrites the (only) issuance entry of the log with `pdf_sha256`, sealed again, as an
/// older certcase wrote it.
async fn rewrite_issuance_hash(app: &TestApp, pdf_sha256: Option<String>) {
    app.conn(move |c| {
        use certcase::db::models::certificates as store;
        let mut entry = store::log(c).unwrap().remove(0);
        entry.pdf_sha256 = pdf_sha256;
        entry.hash = hex::encode(certcase::domain::certificate::entry_hash(&entry));
        let drop = match certcase::db::backend(c) {
            certcase::db::Backend::Sqlite => "DROP TRIGGER issuance_log_no_delete",
            certcase::db::Backend::Postgres => {
                "DROP TRIGGER issuance_log_append_only ON issuance_log"
            }
        };
        diesel::sql_query(drop).execute(c).unwrap();
        diesel::sql_query("DELETE FROM issuance_log")
            .execute(c)
            .unwrap();
        store::append_log(c, &entry).unwrap();
    })
    .await;
}

/// A certificate issued before PDFs carried the credential: its log recorded the hash of
/// the rendering with the payload alone, and its downloads still give that very file (the
/// credential the backfill gave it is served as JSON).
#[tokio::test]
async fn a_pdf_issued_before_it_carried_the_credential_downloads_as_issued() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let number = issued_number(&w, &a.application).await;
    // The rendering of then: no credential to embed.
    app.conn(|c| {
        diesel::sql_query("DELETE FROM certificate_credentials")
            .execute(c)
            .unwrap();
    })
    .await;
    let (_, then) = download(&app, &w.sec.login, &number).await;
    assert_eq!(certcase::pdf::extract_credential(&then), None);
    assert!(certcase::pdf::extract_signed_payload(&then).is_some());
    rewrite_issuance_hash(&app, Some(sha256_hex(&then))).await;
    let issuer = certcase::workflow::certificates::Issuer {
        data_dir: app.data_dir.clone(),
        base_url: app.url(""),
    };
    let made = app
        .conn(move |c| certcase::workflow::credentials::backfill(c, &issuer).unwrap())
        .await;
    assert_eq!(made, 1);
    served_credential(&app, &number).await;

    let (_, now) = download(&app, &a.enterprise.login, &number).await;
    assert_eq!(now, then, "the file the log recorded");
    let (_, v) = check_file(&app, now).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["document"], "issued", "{v}");
}

/// An issuance recorded before PDFs were hashed has no `pdf_sha256`: its PDF is judged on
/// the payload as it was then, and the answer says the file itself was not checked.
#[tokio::test]
async fn a_certificate_issued_before_pdf_hashes_is_judged_on_its_payload() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved(&w).await;
    let number = issued_number(&w, &a.application).await;
    let (_, pdf) = download(&app, &w.sec.login, &number).await;

    // Rewrite the log as it was before: the entry without the hash, sealed again.
    rewrite_issuance_hash(&app, None).await;
    let chain = app
        .conn(|c| certcase::workflow::certificates::verify_log(c).unwrap())
        .await;
    assert_eq!(chain, Ok(1));

    let (_, v) = check_file(&app, pdf.clone()).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["document"], "not_recorded", "{v}");
    let edited = with_visible_text_changed(&pdf);
    let (_, v) = check_file(&app, edited).await;
    assert_eq!(v["status"], "valid", "only the payload can be checked: {v}");
    assert_eq!(v["document"], "not_recorded", "{v}");
    let zh = upload_page(&app, pdf.clone(), "zh-CN").await;
    assert!(zh.contains("尚未记录每份 PDF 的指纹"), "{zh}");

    // Without a hash to compare, the embedded credential still has to be the issued one.
    let credential = certcase::pdf::extract_credential(&pdf).unwrap();
    let (_, v) = check_file(&app, with_credential(&pdf, &edited_credential(&credential))).await;
    assert_credential_mismatch(&v, "edited credential, no hash recorded");
    let (_, v) = check_file(&app, with_credential(&pdf, &credential)).await;
    assert_eq!(v["status"], "valid", "the same credential re-saved: {v}");
}

/// The credential embedded in a PDF is checked as a presented one is: another
/// certificate's genuine credential, or an edited one, makes the file invalid; the issued
/// file answers with its credential's bits in the status lists.
#[tokio::test]
async fn a_pdf_whose_credential_was_swapped_or_edited_is_not_valid() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let apps = approved_applications(&w, 2).await;
    let first = issued_number(&w, &apps[0].application).await;
    let second = issued_number(&w, &apps[1].application).await;
    let (s, pdf) = download(&app, &w.sec.login, &first).await;
    assert_eq!(s, 200);
    let credential = served_credential(&app, &first).await;
    assert_eq!(
        certcase::pdf::extract_credential(&pdf).as_ref(),
        Some(&credential)
    );

    let other = served_credential(&app, &second).await;
    let (_, v) = check_file(&app, with_credential(&pdf, &other)).await;
    assert_credential_mismatch(&v, "another certificate's credential");
    assert!(
        v["reason"].as_str().unwrap().contains("not the one issued"),
        "{v}"
    );
    let (_, v) = check_file(&app, with_credential(&pdf, &edited_credential(&credential))).await;
    assert_credential_mismatch(&v, "edited credential");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("embedded credential"),
        "{v}"
    );
    let zh = upload_page(&app, with_credential(&pdf, &other), "zh-CN").await;
    assert!(zh.contains("不是为该证书签发的凭证"), "{zh}");

    let (_, v) = check_file(&app, pdf.clone()).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["credential_status"][0]["set"], false, "{v}");
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/certificates/{first}/withdraw"),
            Some(serde_json::json!({"reason": "严重违规"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let (_, v) = check_file(&app, pdf).await;
    assert_eq!(v["status"], "revoked", "{v}");
    assert_eq!(v["document"], "issued", "{v}");
    assert_eq!(
        (
            v["credential_status"][0]["purpose"].as_str(),
            v["credential_status"][0]["set"].as_bool()
        ),
        (Some("revocation"), Some(true)),
        "{v}"
    );
}
