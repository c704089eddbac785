//! `certcase seed --scale small`: the national programme's shape in miniature, built in
//! bulk into an empty database, whose counts add up, whose issuance log and audit chain
//! verify, whose certificates verify, whose evidence downloads, and which is refused on a
//! database that is no longer empty.

use certcase::workflow::national::{self, Scale};

use crate::helpers::{spawn_app, TestApp, TestUser};

const PASSWORD: &str = "national-seed-password-1";

fn seed(app: &TestApp) -> std::process::Output {
    app.binary()
        .args(["seed", "--scale", "small"])
        .env("CERTCASE_SEED_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_small_national_programme_is_consistent_verifies_and_is_built_only_once() {
    let app = spawn_app().await;
    let out = seed(&app);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains(PASSWORD),
        "a given password is not printed: {text}"
    );

    let s = Scale::SMALL;
    let (enterprises, by_status, evidence, files, scores, certificates, log, audit) = app
        .conn(|c| {
            use certcase::db::models as m;
            (
                m::enterprises::count(c).unwrap(),
                m::applications::count_by_status(c).unwrap(),
                m::evidence::counts(c).unwrap().0,
                m::evidence::counts(c).unwrap().1,
                m::scoring::count(c).unwrap(),
                m::certificates::count(c).unwrap(),
                certcase::workflow::certificates::verify_log(c).unwrap(),
                m::audit::verify(c).unwrap(),
            )
        })
        .await;
    assert_eq!(enterprises, s.enterprises as i64);
    let applications: i64 = by_status.iter().map(|(_, n)| n).sum();
    assert_eq!(applications, s.applications as i64);
    assert_eq!(evidence, s.evidence() as i64);
    assert_eq!(files, s.files as i64, "the records share the stored files");
    let count = |status: &str| {
        by_status
            .iter()
            .find(|(st, _)| st.as_str() == status)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    // A quarter certified, and every status of the cycle present.
    assert_eq!(count("certified"), s.applications as i64 / 4);
    for status in [
        "draft",
        "submitted",
        "accepted",
        "in_assessment",
        "scored",
        "in_review",
        "approved",
    ] {
        assert!(count(status) > 0, "{status}: {by_status:?}");
    }
    assert_eq!(certificates, count("certified"));
    assert_eq!(
        log,
        Ok(certificates as usize),
        "one issuance entry per certificate, chained"
    );
    assert!(audit.is_ok(), "the audit chain verifies: {audit:?}");
    let scored = count("scored") + count("in_review") + count("approved") + count("certified");
    assert!(
        scores >= scored * 3,
        "three assessors scored each of {scored}"
    );

    // The binary's own checks agree.
    let verify = app.binary().arg("verify-log").output().unwrap();
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("OK"));

    // A certificate verifies publicly; its enterprise signs in and downloads evidence.
    let (number, application, sha) = app
        .conn(|c| {
            use certcase::db::models as m;
            let cert = m::certificates::log(c).unwrap().remove(0);
            let row = m::certificates::by_number(c, &cert.certificate_number)
                .unwrap()
                .unwrap();
            let evidence = m::evidence::for_application(c, row.application_id).unwrap();
            (
                row.number,
                row.application_id.to_string(),
                evidence[0].clone(),
            )
        })
        .await;
    let res = reqwest::get(app.url(&format!("/api/v1/verify/{number}")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "valid", "{body}");
    // The load signed every certificate's credential too: reading one writes nothing.
    assert_eq!(
        body["credential_status"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
    let credential = reqwest::get(app.url(&format!("/certificates/{number}.json")))
        .await
        .unwrap();
    assert_eq!(credential.status(), 200);

    let enterprise = app.enterprise_of(&application).await;
    let member = app
        .conn(move |c| {
            certcase::db::models::enterprises::get(c, enterprise.parse().unwrap())
                .unwrap()
                .unwrap()
                .contact_email
        })
        .await;
    let token = app
        .api_token(&TestUser {
            email: member,
            password: PASSWORD.into(),
        })
        .await;
    let res = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/v1/applications/{application}/evidence/{}",
            sha.id
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, sha.size_bytes);
    assert!(bytes.starts_with(b"%PDF-"));

    // The secretariat's task list and report pages answer over the whole programme.
    let sec = app
        .api_token(&TestUser {
            email: national::secretariat_email(),
            password: PASSWORD.into(),
        })
        .await;
    for path in ["/api/v1/tasks", "/api/v1/reports", "/api/v1/applications"] {
        let (status, body) = app.call_api(&sec, Some("en"), "GET", path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }

    // A review expert has votes pending in the round in assessment, and sees them.
    let reviewer = app
        .api_token(&TestUser {
            email: national::reviewer_email(0),
            password: PASSWORD.into(),
        })
        .await;
    let (status, body) = app
        .call_api(&reviewer, Some("en"), "GET", "/api/v1/tasks", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let votes_pending = body["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["role"] == "reviewer")
        .flat_map(|s| s["tasks"].as_array().cloned().unwrap_or_default())
        .find(|t| t["task"] == "votes_pending")
        .and_then(|t| t["count"].as_i64());
    // Expert 0 has voted on a third of them (`has_voted`): the rest are pending.
    let pending = votes_pending.unwrap_or_else(|| panic!("{body}"));
    assert!(
        pending > 0 && pending < count("in_review"),
        "{pending} of {}",
        count("in_review")
    );

    // Not twice: the second run refuses, says why, and changes nothing.
    let again = seed(&app);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already holds 50 enterprise(s)"), "{err}");
    let after = app
        .conn(|c| certcase::db::models::enterprises::count(c).unwrap())
        .await;
    assert_eq!(after, s.enterprises as i64);
}
