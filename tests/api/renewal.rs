//! Renewal (issue #17): before a certificate expires its enterprise is invited (mail and
//! task line) to apply for re-assessment of the same part; the application names the
//! certificate it renews; issuing the approved re-assessment's certificate marks the old
//! one renewed in the same transaction, and `/verify` says so on both. The reminder of a
//! suspension's end is mailed once, and an upheld appeal reinstates a withdrawn
//! certificate.

use certcase::domain::access::Role;
use certcase::workflow::certificates as certs;
use certcase::workflow::renewals::{send_reminders, Reminders, Sent};
use chrono::{Days, NaiveDate, Utc};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::appeals::judged;
use crate::certificates::{
    approved_applications, check, check_file, decided, download, issued_number as issue,
};
use crate::helpers::TestApp;
use crate::panels::{person, world, Client, World};
use crate::review::reviewers;
use crate::scoring::{consolidate, submit_all, Assessed};
use crate::surveillance::kinds;

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

async fn text(app: &TestApp, sql: String) -> Vec<String> {
    app.conn(move |c| {
        diesel::sql_query(sql)
            .load::<Text>(c)
            .unwrap()
            .into_iter()
            .map(|t| t.value)
            .collect()
    })
    .await
}

async fn by_hand(app: &TestApp, sql: String) {
    app.conn(move |c| {
        diesel::sql_query(sql).execute(c).unwrap();
    })
    .await;
}

/// How many messages of `kind` the outbox holds for one person.
async fn mailed(app: &TestApp, kind: &str, to: &Client<'_>) -> usize {
    text(
        app,
        format!(
            "SELECT id AS value FROM outbox WHERE message_kind = '{kind}' \
             AND recipient_user_id = '{}'",
            to.id
        ),
    )
    .await
    .len()
}

async fn valid_until(app: &TestApp, number: &str) -> NaiveDate {
    let v = check(app, number).await;
    v["payload"]["valid_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn run_job(app: &TestApp, today: NaiveDate) -> Sent {
    app.conn(move |c| send_reminders(c, &Reminders::default(), today).unwrap())
        .await
}

/// The count of a task line of the first section of someone's task list.
async fn task(who: &Client<'_>, name: &str) -> Option<i64> {
    let (_, tasks) = who.send("GET", "/api/v1/tasks", None).await;
    tasks["sections"][0]["tasks"]
        .as_array()?
        .iter()
        .find(|t| t["task"] == name)
        .and_then(|t| t["count"].as_i64())
}

/// A member of the enterprise that holds certificate `number`, signed in to the API.
async fn holder<'a>(w: &World<'a>, number: &str) -> Client<'a> {
    let member = person(w.app, "换证联系人", &[Role::Enterprise]).await;
    let enterprise = text(
        w.app,
        format!(
            "SELECT a.enterprise_id AS value FROM certificates c \
             JOIN applications a ON a.id = c.application_id WHERE c.number = '{number}'"
        ),
    )
    .await
    .remove(0);
    let user = member.id.clone();
    w.app
        .conn(move |c| {
            certcase::db::models::enterprises::add_member(
                c,
                user.parse().unwrap(),
                enterprise.parse().unwrap(),
            )
            .unwrap()
        })
        .await;
    member
}

/// A published round open for registration today, for `part`.
async fn new_round(w: &World<'_>, part: &str) -> String {
    let version = w.app.caict_version().await;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let d = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let (s, round) = w
        .sec
        .send(
            "POST",
            "/api/v1/rounds",
            Some(json!({
                "model_version_id": version, "name_zh": "复评换证轮次", "name_en": "Re-assessment round",
                "registration_opens": d(-3), "registration_closes": d(3), "assessment_starts": d(10),
                "assessment_ends": d(40), "results_on": d(60), "parts": [part]
            })),
        )
        .await;
    assert_eq!(s, 201, "{round}");
    round["id"].as_str().unwrap().to_string()
}

/// `member` applies in `round` for re-assessment of `part`, naming certificate `renews`.
async fn apply_to_renew(
    member: &Client<'_>,
    round: &str,
    part: &str,
    renews: &str,
) -> (u16, Value) {
    member
        .send(
            "POST",
            &format!("/api/v1/rounds/{round}/applications"),
            Some(json!({
                "part_code": part, "target_level": 3, "scope": "核心交易系统", "contact_name": "张喆",
                "contact_email": "zz@example.cn", "renews": renews
            })),
        )
        .await
}

/// Renews certificate `number` end to end and answers (renewal application, successor):
/// a member of its enterprise applies in a new round for re-assessment of the same part
/// naming the certificate, the application is accepted (by hand: acceptance has its own
/// tests), scored by a fresh panel, approved by the round's review panel and issued. The
/// old certificate is then renewed by the successor.
pub(crate) async fn renew_end_to_end(w: &World<'_>, number: &str) -> (String, String) {
    let app = w.app;
    let part = text(
        app,
        format!("SELECT part_code AS value FROM certificates WHERE number = '{number}'"),
    )
    .await
    .remove(0);
    let member = holder(w, number).await;
    let round = new_round(w, &part).await;
    let (s, created) = apply_to_renew(&member, &round, &part, number).await;
    assert_eq!(s, 201, "{created}");
    let application = created["id"].as_str().unwrap().to_string();
    by_hand(
        app,
        format!("UPDATE applications SET status = 'accepted' WHERE id = '{application}'"),
    )
    .await;

    let tag = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let lead = w
        .assessor(
            &format!("复评组长{tag}"),
            true,
            &[part.as_str()],
            "2099-01-01",
        )
        .await;
    let b = w
        .assessor(
            &format!("复评组员{tag}"),
            true,
            &[part.as_str()],
            "2099-01-01",
        )
        .await;
    let c = w
        .assessor(
            &format!("Re-assessor {tag}"),
            false,
            &[part.as_str()],
            "2099-01-01",
        )
        .await;
    let (s, p) = w.set_panel(&application, &lead, &[&b, &c]).await;
    assert_eq!(s, 204, "{p}");
    let assessed = Assessed {
        application: application.clone(),
        enterprise: member,
        items: w.items(&part).await,
        lead,
        b,
        c,
    };
    for m in [&assessed.lead, &assessed.b, &assessed.c] {
        submit_all(m, &assessed, |_| 3).await;
    }
    let (s, p) = consolidate(&assessed, |_| 3).await;
    assert_eq!(s, 200, "{p}");

    let panel = reviewers(w, 1).await;
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{round}/review-panel"),
            Some(json!({
                "members": [{"user_id": panel[0].0.id, "enterprise_id": panel[0].1}],
                "quorum": 1
            })),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let send = format!("/api/v1/applications/{application}/send-to-review");
    assert_eq!(assessed.lead.send("POST", &send, None).await.0, 204);
    let (s, d) = crate::review::vote(&panel[0].0, &application, true, &[]).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(w.status(&application).await, "approved");

    let successor = issue(w, &application).await;
    (application, successor)
}

#[tokio::test]
async fn an_approved_re_assessment_issues_a_successor_that_renews_the_certificate() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let old = issue(&w, &a.application).await;

    let (renewal, new) = renew_end_to_end(&w, &old).await;
    assert_ne!(old, new);

    // The old certificate is renewed by the new one, as the log tells it.
    let v = check(&app, &old).await;
    assert_eq!(v["status"], "superseded", "{v}");
    assert_eq!(v["renewed_by"], new.as_str(), "{v}");
    assert_eq!(v["superseded_by"], new.as_str(), "{v}");
    assert_eq!(kinds(&v), ["issued", "renewed"]);
    assert_eq!(v["history"][1]["related"], new.as_str());

    // The successor is in force and says, signed, which certificate it renews.
    let n = check(&app, &new).await;
    assert_eq!(n["status"], "valid", "{n}");
    assert_eq!(n["payload"]["renews"], old.as_str(), "{n}");
    assert_eq!(n["history"][0]["related"], old.as_str());
    let issued_log = app.conn(|c| certs::verify_log(c).unwrap()).await;
    assert_eq!(
        issued_log,
        Ok(3),
        "issued, issued, renewed: the chain is intact"
    );

    // The application page and the PDF say the same; the PDF verifies with its renewal.
    let (s, a_page) = w
        .sec
        .send("GET", &format!("/api/v1/applications/{renewal}"), None)
        .await;
    assert_eq!(s, 200, "{a_page}");
    let (s, pdf) = download(&app, &w.sec.login, &new).await;
    assert_eq!(s, 200);
    let (s, by_file) = check_file(&app, pdf).await;
    assert_eq!(
        (s, by_file["status"].as_str()),
        (200, Some("valid")),
        "{by_file}"
    );
    assert_eq!(by_file["payload"]["renews"], old.as_str());

    // The public page tells a verifier in Chinese where the renewed certificate went.
    let page = reqwest::get(app.url(&format!("/verify/{old}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已换证，新证书") && page.contains(&new),
        "{page}"
    );
    let page = reqwest::get(app.url(&format!("/verify/{new}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("续期的证书") && page.contains(&old), "{page}");

    let audited = text(
        &app,
        "SELECT kind AS value FROM audit_log WHERE kind = 'certificate_renewed'".into(),
    )
    .await;
    assert_eq!(audited.len(), 1);

    // Nothing follows a renewal: the old one is neither renewed nor suspended again.
    let again = holder(&w, &old).await;
    let round = new_round(&w, "CD").await;
    let (s, p) = apply_to_renew(&again, &round, "CD", &old).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("renewal.not_standing")),
        "{p}"
    );
}

#[tokio::test]
async fn a_renewal_names_a_standing_certificate_of_the_same_enterprise_and_part() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let both = approved_applications(&w, 2).await;
    let mine = issue(&w, &both[0].application).await;
    let theirs = issue(&w, &both[1].application).await;
    let member = holder(&w, &mine).await;
    let round = new_round(&w, "CD").await;
    let before = text(&app, "SELECT id AS value FROM applications".into())
        .await
        .len();

    for (part, renews, status, code) in [
        ("CD", "2026-CD-999999", 422, "renewal.certificate_unknown"),
        ("CD", "not a number", 422, "renewal.certificate_unknown"),
        ("CD", theirs.as_str(), 422, "renewal.certificate_unknown"),
    ] {
        let (s, p) = apply_to_renew(&member, &round, part, renews).await;
        assert_eq!(
            (s, p["code"].as_str()),
            (status, Some(code)),
            "{renews}: {p}"
        );
    }
    // Another part of the same enterprise is not a renewal of this certificate.
    let other_round = new_round(&w, "SEC").await;
    let (s, p) = apply_to_renew(&member, &other_round, "SEC", &mine).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("renewal.part_differs")),
        "{p}"
    );
    // A withdrawn certificate is not renewed: a new certification starts afresh.
    decided(&w.sec, &theirs, "withdraw", json!({"reason": "监督不合格"})).await;
    let theirs_member = holder(&w, &theirs).await;
    let (s, p) = apply_to_renew(&theirs_member, &round, "CD", &theirs).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("renewal.not_standing")),
        "{p}"
    );
    let after = text(&app, "SELECT id AS value FROM applications".into())
        .await
        .len();
    assert_eq!(after, before, "a refused renewal writes nothing");
    assert!(text(
        &app,
        "SELECT application_id AS value FROM renewal_applications".into()
    )
    .await
    .is_empty());

    // The page form refuses it beside the field, in the reader's language.
    let browser = app.signed_in(&member.login).await;
    let res = app
        .submit_form(
            &browser,
            "/applications",
            &format!("/rounds/{round}/applications"),
            &[
                ("part_code", "CD"),
                ("target_level", "3"),
                ("scope", "核心交易系统"),
                ("contact_name", "张喆"),
                ("contact_email", "zz@example.cn"),
                ("renews", &theirs),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("贵企业没有编号为"), "{body}");

    // The certificate's page offers the re-assessment; the link fills in the form.
    let page = browser
        .get(app.url(&format!("/applications/{}", both[0].application)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = format!("/applications?renews={mine}#apply");
    assert!(page.contains(&link), "{page}");
    let form = browser
        .get(app.url(&format!("/applications?renews={mine}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(&format!(
            "name=\"renews\" maxlength=\"40\" value=\"{mine}\""
        )),
        "{form}"
    );
}

#[tokio::test]
async fn invitations_go_out_90_and_30_days_before_expiry_once_each() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    let end = valid_until(&app, &number).await;
    let member = holder(&w, &number).await;
    assert_eq!(task(&member, "certificates_to_renew").await, Some(0));

    assert_eq!(run_job(&app, end - Days::new(91)).await.invitations, 0);
    assert_eq!(run_job(&app, end - Days::new(90)).await.invitations, 1);
    // Run again, and by two instances at once: nothing more.
    let (x, y) = tokio::join!(
        run_job(&app, end - Days::new(90)),
        run_job(&app, end - Days::new(85))
    );
    assert_eq!(x.invitations + y.invitations, 0);
    assert_eq!(mailed(&app, "renewal_invitation", &member).await, 1);
    assert_eq!(task(&member, "certificates_to_renew").await, Some(1));

    assert_eq!(run_job(&app, end - Days::new(30)).await.invitations, 1);
    assert_eq!(run_job(&app, end - Days::new(29)).await.invitations, 0);
    assert_eq!(mailed(&app, "renewal_invitation", &member).await, 2);
    let body = text(
        &app,
        "SELECT body_text AS value FROM outbox WHERE message_kind = 'renewal_invitation'".into(),
    )
    .await;
    assert!(
        body.iter()
            .all(|b| b.contains(&number) && b.contains(&format!("renews={number}"))),
        "{body:?}"
    );
    // After expiry nothing is sent.
    assert_eq!(run_job(&app, end + Days::new(1)).await.invitations, 0);

    // Once the enterprise has applied for the renewal the task line is done.
    let round = new_round(&w, "CD").await;
    let (s, p) = apply_to_renew(&member, &round, "CD", &number).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(task(&member, "certificates_to_renew").await, Some(0));
    // A second renewal of the same certificate is refused while the first is under way.
    let round = new_round(&w, "CD").await;
    let (s, p) = apply_to_renew(&member, &round, "CD", &number).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("renewal.already_applied")),
        "{p}"
    );
}

#[tokio::test]
async fn the_end_of_a_suspension_is_reminded_of_once() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    let today = Utc::now().date_naive();
    let until = today + Days::new(20);
    decided(
        &w.sec,
        &number,
        "suspend",
        json!({"reason": "监督发现问题", "until": until.to_string()}),
    )
    .await;

    assert_eq!(run_job(&app, today).await.suspensions, 0, "20 days left");
    assert_eq!(run_job(&app, until - Days::new(14)).await.suspensions, 1);
    assert_eq!(run_job(&app, until - Days::new(10)).await.suspensions, 0);
    assert_eq!(run_job(&app, until).await.suspensions, 0);
    assert_eq!(mailed(&app, "suspension_ending", &a.enterprise).await, 1);
    // The secretariat's task line counts it within its window.
    assert_eq!(task(&w.sec, "suspensions_ending").await, Some(0));
}

#[tokio::test]
async fn an_upheld_appeal_against_a_withdrawal_puts_the_certificate_back_in_force() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    decided(&w.sec, &number, "withdraw", json!({"reason": "监督不合格"})).await;
    // The secretariat cannot reinstate a withdrawn certificate itself.
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/certificates/{number}/reinstate"),
            Some(json!({"reason": "弄错了"})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (409, Some("certificate.not_suspended")),
        "{p}"
    );
    let v = check(&app, &number).await;
    let index = v["history"][1]["index"].as_u64().unwrap();

    let (s, appeal) = a
        .enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{}/appeals", a.application),
            Some(json!({
                "subject": "certificate_decision", "certificate_number": number,
                "log_index": index, "reasons": "撤销所依据的监督结论有误"
            })),
        )
        .await;
    assert_eq!(s, 201, "{appeal}");
    let id = appeal["id"].as_str().unwrap().to_string();
    let judge = person(&app, "申诉委员", &[Role::Reviewer]).await;
    judged(&w, &id, &judge, true, "监督结论不成立").await;

    let v = check(&app, &number).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(kinds(&v), ["issued", "revoked", "reinstated"]);
    assert_eq!(v["history"][2]["related"], format!("appeal:{id}"));
    let (_, seen) = w
        .sec
        .send("GET", &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(seen["follow_up_pending"], false, "{seen}");
    assert_eq!(
        app.conn(|c| certs::verify_log(c).unwrap()).await,
        Ok(3),
        "the chain is intact"
    );
}

/// The expiry lookups read the certificate's `valid_until` column: issuing copies it from
/// the signed payload, and the migration that added it fills it from the payloads of the
/// certificates issued before (run down and up again here on both databases).
#[tokio::test]
async fn the_last_day_of_validity_is_a_column_filled_from_the_signed_payload() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = approved_applications(&w, 1).await.remove(0);
    let number = issue(&w, &a.application).await;
    let signed = valid_until(&app, &number).await;
    let column = format!(
        "SELECT CAST(valid_until AS TEXT) AS value FROM certificates WHERE number = '{number}'"
    );
    assert_eq!(text(&app, column.clone()).await, [signed.to_string()]);

    app.conn(|c| {
        use diesel::connection::SimpleConnection;
        let (down, up) = match c {
            certcase::db::DbConn::Sqlite(_) => (
                include_str!(
                    "../../migrations/sqlite/2026-12-08-000400_certificate_valid_until/down.sql"
                ),
                include_str!(
                    "../../migrations/sqlite/2026-12-08-000400_certificate_valid_until/up.sql"
                ),
            ),
            certcase::db::DbConn::Postgres(_) => (
                include_str!(
                    "../../migrations/postgres/2026-12-08-000400_certificate_valid_until/down.sql"
                ),
                include_str!(
                    "../../migrations/postgres/2026-12-08-000400_certificate_valid_until/up.sql"
                ),
            ),
        };
        c.batch_execute(down).unwrap();
        c.batch_execute(up).unwrap();
    })
    .await;
    assert_eq!(text(&app, column).await, [signed.to_string()]);

    // The renewal job finds the certificate by the column: 90 days before its end, not 91.
    assert_eq!(run_job(&app, signed - Days::new(91)).await.invitations, 0);
    assert_eq!(run_job(&app, signed - Days::new(90)).await.invitations, 1);
}
