//! Certificates as W3C Verifiable Credentials (issue 18): each certificate's credential
//! at `/certificates/{number}.json` verifies against the issuer's controller document;
//! suspension, reinstatement and withdrawal flip its bits in the signed Bitstring Status
//! Lists in the same transaction; `POST /api/v1/verify` takes the credential and reports
//! valid, suspended, revoked, or invalid for a tampered one.

use certcase::domain::audit::Actor;
use certcase::domain::credential::{self as vc, IssuerUrls};
use certcase::domain::data_integrity as di;
use certcase::workflow::certificates::{self as certs, Issuer};
use certcase::workflow::credentials;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::certificates::approved_applications;
use crate::helpers::TestApp;
use crate::panels::world;

async fn issue(w: &crate::panels::World<'_>, application: &str) -> String {
    let (s, c) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/applications/{application}/certificate"),
            None,
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["number"].as_str().unwrap().to_string()
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::get(app.url(path)).await.unwrap()
}

async fn credential(app: &TestApp, number: &str) -> Value {
    let r = get(app, &format!("/certificates/{number}.json")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/vc");
    r.json().await.unwrap()
}

/// `POST /api/v1/verify` with a credential.
async fn present(app: &TestApp, credential: &Value) -> Value {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/vc")
        .body(credential.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The key a verification method names, read from the controller document the way an
/// outside verifier would.
async fn resolve(app: &TestApp, method: &str) -> ed25519_dalek::VerifyingKey {
    let (document, fragment) = method.split_once('#').unwrap();
    assert_eq!(document, app.url("/issuer"));
    let controller: Value = get(app, "/issuer").await.json().await.unwrap();
    let entry = controller["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == method)
        .unwrap_or_else(|| panic!("{method} is not in {controller}"))
        .clone();
    assert_eq!(entry["type"], "Multikey");
    assert_eq!(entry["publicKeyMultibase"], fragment);
    assert!(controller["assertionMethod"]
        .as_array()
        .unwrap()
        .contains(&json!(method)));
    di::parse_multikey(fragment).unwrap()
}

async fn verify_offline(app: &TestApp, secured: &Value) {
    let method = secured["proof"]["verificationMethod"].as_str().unwrap();
    let key = resolve(app, method).await;
    di::verify_proof(secured, |m| (m == method).then_some(key)).unwrap();
}

/// The bit of `credential`'s entry of `purpose`, read from its signed status list.
async fn list_bit(app: &TestApp, credential: &Value, purpose: &str) -> (bool, String) {
    let entry = credential["credentialStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["statusPurpose"] == purpose)
        .unwrap()
        .clone();
    assert_eq!(entry["type"], "BitstringStatusListEntry");
    let r = reqwest::get(entry["statusListCredential"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let list: Value = r.json().await.unwrap();
    verify_offline(app, &list).await;
    assert_eq!(list["type"][1], "BitstringStatusListCredential");
    assert_eq!(list["credentialSubject"]["statusPurpose"], purpose);
    let bits = vc::decode_list(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    assert!(bits.len() * 8 >= 131_072);
    let index: u32 = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
    (vc::bit(&bits, index), etag)
}

fn bits(v: &Value) -> Vec<(String, bool)> {
    v["credential_status"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|b| (b["purpose"].as_str().unwrap().to_string(), b["set"] == true))
        .collect()
}

fn pair(revoked: bool, suspended: bool) -> Vec<(String, bool)> {
    vec![
        ("revocation".into(), revoked),
        ("suspension".into(), suspended),
    ]
}

async fn decide(w: &crate::panels::World<'_>, number: &str, action: &str, body: Value) {
    let (s, c) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/certificates/{number}/{action}"),
            Some(body),
        )
        .await;
    assert_eq!(s, 200, "{action}: {c}");
}

#[tokio::test]
async fn a_credential_verifies_and_its_status_lists_follow_every_decision() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;

    let c = credential(&app, &number).await;
    assert_eq!(
        c["@context"],
        json!([vc::VC_CONTEXT, vc::OB3_CONTEXT]),
        "{c}"
    );
    assert_eq!(
        c["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(c["issuer"]["id"], app.url("/issuer"));
    assert_eq!(c["credentialSubject"]["licenseNumber"], number.as_str());
    assert_eq!(c["proof"]["type"], "DataIntegrityProof");
    assert_eq!(c["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(c["proof"]["proofPurpose"], "assertionMethod");
    assert!(c["proof"]["proofValue"].as_str().unwrap().starts_with('z'));
    assert_eq!(
        credential(&app, &number).await,
        c,
        "served the same each time"
    );
    verify_offline(&app, &c).await;

    // The did:web document lists the same key.
    let did: Value = get(&app, "/.well-known/did.json")
        .await
        .json()
        .await
        .unwrap();
    let urls = IssuerUrls::new(&app.url(""));
    assert_eq!(did["id"], urls.did_web());
    let multikey = c["proof"]["verificationMethod"]
        .as_str()
        .unwrap()
        .split_once('#')
        .unwrap()
        .1
        .to_string();
    assert_eq!(did["verificationMethod"][0]["publicKeyMultibase"], multikey);

    let v = present(&app, &c).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(bits(&v), pair(false, false));
    let by_number: Value = get(&app, &format!("/api/v1/verify/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bits(&by_number), pair(false, false));
    let (set, etag) = list_bit(&app, &c, "suspension").await;
    assert!(!set);

    // An unchanged list answers 304 to its entity tag.
    let list_url = c["credentialStatus"][1]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_string();
    let r = reqwest::Client::new()
        .get(&list_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    // Tampering breaks the proof.
    let mut tampered = c.clone();
    tampered["credentialSubject"]["achievement"]["level"] = json!(5);
    let v = present(&app, &tampered).await;
    assert_eq!(v["status"], "invalid", "{v}");
    let mut tampered = c.clone();
    tampered["validUntil"] = json!("2099-12-31T23:59:59Z");
    assert_eq!(present(&app, &tampered).await["status"], "invalid");
    let mut r = reqwest::Client::new()
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "invalid");
    r = reqwest::Client::new()
        .post(app.url("/api/v1/verify"))
        .header("content-type", "application/json")
        .body(vec![b' '; 300 << 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    // Suspension sets the suspension bit, reinstatement clears it.
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    decide(
        &w,
        &number,
        "suspend",
        json!({"reason": "监督发现问题", "until": until}),
    )
    .await;
    let (set, changed) = list_bit(&app, &c, "suspension").await;
    assert!(set);
    assert_ne!(changed, etag, "a changed list has a new entity tag");
    let v = present(&app, &c).await;
    assert_eq!(
        (v["status"].as_str(), bits(&v)),
        (Some("suspended"), pair(false, true))
    );
    decide(&w, &number, "reinstate", json!({"reason": "整改完成"})).await;
    assert!(!list_bit(&app, &c, "suspension").await.0);
    assert_eq!(present(&app, &c).await["status"], "valid");

    // Withdrawal sets the revocation bit for good.
    decide(&w, &number, "withdraw", json!({"reason": "严重违规"})).await;
    assert!(list_bit(&app, &c, "revocation").await.0);
    let v = present(&app, &c).await;
    assert_eq!(
        (v["status"].as_str(), bits(&v)),
        (Some("revoked"), pair(true, false))
    );

    // Unknown numbers, lists and purposes are not found.
    assert_eq!(
        get(&app, "/certificates/2026-XX-999999.json")
            .await
            .status(),
        404
    );
    assert_eq!(get(&app, "/certificates/nonsense.json").await.status(), 404);
    assert_eq!(
        get(&app, "/credentials/status/revocation/1").await.status(),
        404
    );
    assert_eq!(
        get(&app, "/credentials/status/revocation/01")
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&app, "/credentials/status/expiry/0").await.status(),
        404
    );
}

#[tokio::test]
async fn the_backfill_gives_a_certificate_without_a_credential_the_bits_its_log_tells() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let apps = approved_applications(&w, 2).await;
    let first = issue(&w, &apps[0].application).await;
    let second = issue(&w, &apps[1].application).await;
    let issuer = Issuer {
        data_dir: app.data_dir.clone(),
        base_url: app.url(""),
    };
    {
        let first = first.clone();
        app.conn(move |c| {
            certs::revoke(c, &Actor::console("test"), &first, "withdrawn").unwrap();
        })
        .await;
    }
    // As after a bulk load or for a certificate issued before credentials existed.
    app.conn(|c| {
        diesel::sql_query("DELETE FROM certificate_credentials")
            .execute(c)
            .unwrap();
        diesel::sql_query("DELETE FROM status_lists")
            .execute(c)
            .unwrap();
    })
    .await;
    // A key rotation in between: the new key signs the new credentials, and the controller
    // document lists both keys.
    app.conn(move |c| certs::rotate(c, &issuer, &Actor::console("test")).unwrap())
        .await;
    let controller: Value = get(&app, "/issuer").await.json().await.unwrap();
    assert_eq!(
        controller["verificationMethod"].as_array().unwrap().len(),
        2
    );

    // Reading never writes: until the backfill runs, there is no credential to serve.
    assert_eq!(
        get(&app, &format!("/certificates/{first}.json"))
            .await
            .status(),
        404
    );
    let stored = || {
        app.conn(|c| {
            use diesel::QueryDsl;
            certcase::db::schema::certificate_credentials::table
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
    };
    assert_eq!(stored().await, 0, "a GET wrote nothing");
    let backfill_issuer = Issuer {
        data_dir: app.data_dir.clone(),
        base_url: app.url(""),
    };
    let made = app
        .conn(move |c| credentials::backfill(c, &backfill_issuer).unwrap())
        .await;
    assert_eq!(made, 2);
    assert_eq!(stored().await, 2);
    let again_issuer = Issuer {
        data_dir: app.data_dir.clone(),
        base_url: app.url(""),
    };
    let again = app
        .conn(move |c| credentials::backfill(c, &again_issuer).unwrap())
        .await;
    assert_eq!(again, 0, "once done, the backfill finds nothing");

    let revoked = credential(&app, &first).await;
    verify_offline(&app, &revoked).await;
    assert!(list_bit(&app, &revoked, "revocation").await.0);
    assert_eq!(present(&app, &revoked).await["status"], "revoked");
    let valid = credential(&app, &second).await;
    assert!(!list_bit(&app, &valid, "revocation").await.0);
    assert_ne!(
        revoked["credentialStatus"][0]["statusListIndex"],
        valid["credentialStatus"][0]["statusListIndex"]
    );
    assert_eq!(present(&app, &valid).await["status"], "valid");
}

async fn by_number(app: &TestApp, number: &str) -> Value {
    get(app, &format!("/api/v1/verify/{number}"))
        .await
        .json()
        .await
        .unwrap()
}

/// A certificate that ends without a withdrawal is no longer valid for VC verifiers
/// either: a narrower scope's supersession and a renewal (here of a suspended
/// certificate) set its revocation bit and clear its suspension bit, in the decision's
/// transaction; the successors' credentials are clear. Verification by number still tells
/// which it was.
#[tokio::test]
async fn superseded_and_renewed_certificates_are_revoked_in_the_status_lists() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let apps = approved_applications(&w, 2).await;
    let narrowed = issue(&w, &apps[0].application).await;
    let renewed = issue(&w, &apps[1].application).await;

    let (s, successor) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/certificates/{narrowed}/reduce-scope"),
            Some(json!({"reason": "范围缩小", "scope_zh": "核心交易系统（不含清算）"})),
        )
        .await;
    assert_eq!(s, 201, "{successor}");
    let next = successor["number"].as_str().unwrap().to_string();
    let v = by_number(&app, &narrowed).await;
    assert_eq!(
        (v["status"].as_str(), bits(&v)),
        (Some("superseded"), pair(true, false)),
        "{v}"
    );
    let c = credential(&app, &narrowed).await;
    assert!(list_bit(&app, &c, "revocation").await.0);
    let v = present(&app, &c).await;
    assert_eq!(v["status"], "superseded", "the log says which: {v}");
    assert_eq!(v["superseded_by"], next.as_str(), "{v}");
    let v = by_number(&app, &next).await;
    assert_eq!(
        (v["status"].as_str(), bits(&v)),
        (Some("valid"), pair(false, false)),
        "{v}"
    );

    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(60)).to_string();
    decide(
        &w,
        &renewed,
        "suspend",
        json!({"reason": "监督发现问题", "until": until}),
    )
    .await;
    assert_eq!(bits(&by_number(&app, &renewed).await), pair(false, true));
    let (_, new) = crate::renewal::renew_end_to_end(&w, &renewed).await;
    let v = by_number(&app, &renewed).await;
    assert_eq!(
        (v["status"].as_str(), bits(&v)),
        (Some("superseded"), pair(true, false)),
        "{v}"
    );
    assert_eq!(v["renewed_by"], new.as_str(), "{v}");
    let c = credential(&app, &renewed).await;
    assert!(list_bit(&app, &c, "revocation").await.0);
    assert!(!list_bit(&app, &c, "suspension").await.0);
    let v = by_number(&app, &new).await;
    assert_eq!(
        (v["status"].as_str(), bits(&v)),
        (Some("valid"), pair(false, false)),
        "{v}"
    );
}

/// The Python that runs `tests/vectors/verify_eddsa_jcs.py` (an eddsa-jcs-2022 verifier
/// written apart from certcase on PyPI packages): `CERTCASE_VC_VERIFIER_PYTHON`, else the
/// venv `.ci/run` makes. Without one the test is skipped, unless
/// `CERTCASE_REQUIRE_VC_VERIFIER` is set (CI sets it).
fn independent_verifier() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("CERTCASE_VC_VERIFIER_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv-vc/bin/python")
        });
    if python.exists() {
        return Some(python);
    }
    assert!(
        std::env::var_os("CERTCASE_REQUIRE_VC_VERIFIER").is_none(),
        "no independent verifier at {}",
        python.display()
    );
    eprintln!("skipped: no independent eddsa-jcs-2022 verifier (see .ci/run)");
    None
}

/// Runs the independent verifier on a secured document and a controller document.
fn independently_verified(python: &std::path::Path, secured: &Value, controller: &Value) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let secured_path = dir.path().join("secured.json");
    let controller_path = dir.path().join("controller.json");
    std::fs::write(&secured_path, secured.to_string()).unwrap();
    std::fs::write(&controller_path, controller.to_string()).unwrap();
    let out = std::process::Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/verify_eddsa_jcs.py"
        ))
        .arg(&secured_path)
        .arg(&controller_path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        said == "verified" || said.starts_with("not verified"),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.success()
}

#[tokio::test]
async fn an_independent_verifier_accepts_certcase_credentials_and_status_lists() {
    let Some(python) = independent_verifier() else {
        return;
    };
    // First the W3C test vector, so that the verifier itself is known to be right.
    let vector: Value =
        serde_json::from_str(include_str!("../vectors/eddsa-jcs-2022/signedJCS.json")).unwrap();
    let method = vector["proof"]["verificationMethod"].as_str().unwrap();
    let vector_controller = json!({
        "verificationMethod": [{
            "id": method,
            "type": "Multikey",
            "publicKeyMultibase": method.split_once('#').unwrap().1,
        }],
        "assertionMethod": [method],
    });
    assert!(independently_verified(&python, &vector, &vector_controller));

    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    let c = credential(&app, &number).await;
    let controller: Value = get(&app, "/issuer").await.json().await.unwrap();
    assert!(independently_verified(&python, &c, &controller));
    let list: Value = reqwest::get(
        c["credentialStatus"][0]["statusListCredential"]
            .as_str()
            .unwrap(),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(independently_verified(&python, &list, &controller));
    let mut tampered = c.clone();
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = json!("91110000000000000X");
    assert!(!independently_verified(&python, &tampered, &controller));
}
