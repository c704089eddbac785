//! Panels, scoring and review leave their trace (feature: wiring): each step writes
//! exactly one audit entry of its kind, by its actor, and queues mail to exactly the
//! people concerned, in the step's own transaction. A refused step leaves neither. Mail
//! to the enterprise never names assessors or carries scores, comments or vote counts.

use certcase::db::models::{audit, mail as store};
use certcase::domain::access::Role;
use certcase::domain::audit::Kind;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::panels::{person, world, Client, World};
use crate::scoring::{assessed, consolidate, score, submit_all};

async fn entries(app: &TestApp, kind: &str) -> Vec<audit::AuditRow> {
    let kind = kind.to_string();
    app.conn(move |c| {
        let q = audit::Query {
            kind: Some(Kind::parse(&kind).expect("a known kind")),
            ..Default::default()
        };
        audit::export(c, &q).unwrap()
    })
    .await
}

/// Asserts exactly one entry of `kind` about `object`, by `actor`.
async fn one_entry(app: &TestApp, kind: &str, object: &str, actor: &Client<'_>) -> Value {
    let rows: Vec<_> = entries(app, kind)
        .await
        .into_iter()
        .filter(|r| r.object_id == object)
        .collect();
    assert_eq!(rows.len(), 1, "{kind} on {object}: {rows:?}");
    assert_eq!(
        rows[0].actor_user_id.as_deref(),
        Some(actor.id.as_str()),
        "{kind}"
    );
    assert!(!rows[0].address.is_empty(), "{kind} has the client address");
    serde_json::from_str(&rows[0].detail).unwrap()
}

async fn outbox(app: &TestApp) -> Vec<store::OutboxRow> {
    app.conn(|c| store::all(c).unwrap()).await
}

/// The recipients (user ids, sorted) of the queued messages of one kind.
async fn sent_to(app: &TestApp, kind: &str) -> Vec<String> {
    let mut to: Vec<String> = outbox(app)
        .await
        .into_iter()
        .filter(|r| r.message_kind == kind)
        .map(|r| {
            r.recipient_user_id
                .map_or(r.recipient_address, |u| u.to_string())
        })
        .collect();
    to.sort();
    to
}

fn ids(people: &[&Client<'_>]) -> Vec<String> {
    let mut v: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    v.sort();
    v
}

async fn review_panel<'a>(w: &World<'a>, n: usize, quorum: usize) -> Vec<Client<'a>> {
    let mut members = Vec::new();
    let mut people = Vec::new();
    for i in 0..n {
        let (e, _) = w
            .enterprise(&format!("评审企业{i}"), &[Role::Enterprise])
            .await;
        w.accepted(&e, "TO", 2).await;
        let p = person(w.app, &format!("评审专家{i}"), &[Role::Reviewer]).await;
        members.push(json!({"user_id": p.id, "enterprise_id": e}));
        people.push(p);
    }
    let (s, b) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/review-panel", w.round),
            Some(json!({"members": members, "quorum": quorum})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    people
}

#[tokio::test]
async fn every_step_of_a_panel_is_audited_once_and_mails_exactly_the_people_concerned() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let app_id = a.application.clone();

    // Registry: organisations and profiles by the secretariat.
    assert_eq!(entries(&app, "organisation_added").await.len(), 2);
    one_entry(&app, "assessor_profile_saved", &a.b.id, &w.sec).await;

    // The panel: one entry, one assignment to each of its three members.
    let d = one_entry(&app, "panel_set", &app_id, &w.sec).await;
    assert_eq!(d["seats"].as_array().unwrap().len(), 3);
    assert_eq!(
        sent_to(&app, "panel_assignment").await,
        ids(&[&a.lead, &a.b, &a.c])
    );

    // Clarification: asked by the lead, mailed to the enterprise, reminded once, answered.
    let deadline = (chrono::Utc::now() + chrono::Duration::hours(30))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let (s, created) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{app_id}/clarifications"),
            Some(
                json!({"items": [a.items[0]], "message": "请补充流水线配置", "deadline": deadline}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    one_entry(&app, "clarification_requested", &app_id, &a.lead).await;
    assert_eq!(
        sent_to(&app, "clarification_request").await,
        ids(&[&a.enterprise])
    );
    let reminded = app
        .conn(|c| {
            let now = certcase::db::models::now();
            let first = certcase::workflow::panel_notices::remind_clarifications(c, now).unwrap();
            let again = certcase::workflow::panel_notices::remind_clarifications(c, now).unwrap();
            (first, again)
        })
        .await;
    assert_eq!(reminded, (1, 0), "a clarification is reminded of once");
    assert_eq!(
        sent_to(&app, "clarification_reminder").await,
        ids(&[&a.enterprise])
    );
    let (s, b) = a
        .enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{app_id}/clarification-answers"),
            Some(json!({"clarification_id": created["id"], "answer": "已上传新版本"})),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    one_entry(&app, "clarification_answered", &app_id, &a.enterprise).await;
    assert_eq!(
        sent_to(&app, "clarification_answered").await,
        ids(&[&a.lead])
    );

    // Scores: one entry per submitted item; the lead hears once all are in.
    submit_all(&a.lead, &a, |_| 3).await;
    submit_all(&a.b, &a, |_| 3).await;
    assert!(sent_to(&app, "scores_complete").await.is_empty());
    submit_all(&a.c, &a, |_| 2).await;
    assert_eq!(
        entries(&app, "score_submitted").await.len(),
        3 * a.items.len()
    );
    let logged = entries(&app, "score_submitted").await;
    assert!(
        logged.iter().all(|r| !r.detail.contains("level")),
        "the log keeps scores blind"
    );
    assert_eq!(sent_to(&app, "scores_complete").await, ids(&[&a.lead]));

    // The lead reopens one of 韩梅梅's scores: she is told; resubmitting completes again.
    let (s, b) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{app_id}/scores/{}/reopen", a.items[0]),
            Some(json!({"assessor_id": a.b.id})),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let d = one_entry(&app, "score_reopened", &app_id, &a.lead).await;
    assert_eq!(d["assessor_id"], json!(a.b.id));
    assert_eq!(sent_to(&app, "score_reopened").await, ids(&[&a.b]));
    let (s, b) = score(
        &a.b,
        &app_id,
        &a.items[0],
        json!({"level": 3, "comment": "COMMENT-BY-韩梅梅", "submit": true}),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(sent_to(&app, "scores_complete").await.len(), 2);

    let (s, b) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 200, "{b}");
    let d = one_entry(&app, "scores_consolidated", &app_id, &a.lead).await;
    assert_eq!(d["achieved_level"], json!(3));

    // Review: formed, sent, votes requested of each member, decided at the quorum.
    let reviewers = review_panel(&w, 3, 2).await;
    one_entry(&app, "review_panel_formed", &w.round, &w.sec).await;
    let (s, b) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{app_id}/send-to-review"),
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    one_entry(&app, "sent_to_review", &app_id, &a.lead).await;
    assert_eq!(
        sent_to(&app, "review_vote_requested").await,
        ids(&reviewers.iter().collect::<Vec<_>>())
    );
    for r in &reviewers[..2] {
        let (s, b) = r
            .send(
                "POST",
                &format!("/api/v1/applications/{app_id}/votes"),
                Some(json!({"approve": true})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    assert_eq!(entries(&app, "review_vote_cast").await.len(), 2);
    let d = one_entry(&app, "review_decided", &app_id, &reviewers[1]).await;
    assert_eq!(d["approved"], json!(true));
    assert_eq!(sent_to(&app, "review_decided").await, ids(&[&a.lead]));
    assert_eq!(
        sent_to(&app, "application_approved").await,
        ids(&[&a.enterprise]),
        "the approval is mailed once"
    );

    // What the enterprise was mailed names no assessor and carries no score or count.
    let to_enterprise: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|r| {
            r.recipient_user_id.map(|u| u.to_string()).as_deref() == Some(a.enterprise.id.as_str())
        })
        .collect();
    assert!(to_enterprise.len() >= 3);
    for r in &to_enterprise {
        let all = format!("{}\n{}\n{}", r.subject, r.body_text, r.body_html);
        for leak in [
            "李雷",
            "韩梅梅",
            "Anna Müller",
            "COMMENT-BY",
            "评审专家",
            "vote",
            "投票",
            "level",
            "级",
            "2 of",
            "score",
            "评分",
        ] {
            assert!(
                !all.contains(leak),
                "{} leaks {leak}: {all}",
                r.message_kind
            );
        }
    }

    // The chain still verifies, in process and on the command line.
    assert!(app.conn(|c| audit::verify(c).unwrap()).await.is_ok());
    let out = app.binary().args(["audit", "verify"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn a_return_tells_the_lead_with_reasons_and_not_the_enterprise() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    for m in [&a.lead, &a.b, &a.c] {
        submit_all(m, &a, |_| 3).await;
    }
    let (s, b) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 200, "{b}");
    let reviewers = review_panel(&w, 1, 1).await;
    let path = format!("/api/v1/applications/{}", a.application);
    let (s, b) = a
        .lead
        .send("POST", &format!("{path}/send-to-review"), None)
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = reviewers[0]
        .send(
            "POST",
            &format!("{path}/votes"),
            Some(json!({"approve": false, "reasons": ["证据不足以支持三级"]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d = one_entry(&app, "review_decided", &a.application, &reviewers[0]).await;
    assert_eq!(d["approved"], json!(false));
    let rows: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|r| r.message_kind == "review_decided")
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].recipient_user_id.map(|u| u.to_string()).as_deref(),
        Some(a.lead.id.as_str())
    );
    assert!(rows[0].body_text.contains("证据不足以支持三级"));
    assert!(sent_to(&app, "application_approved").await.is_empty());
    assert!(sent_to(&app, "application_returned").await.is_empty());
}

#[tokio::test]
async fn a_refused_step_leaves_no_audit_entry_and_no_mail() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (e, enterprise) = w.enterprise("某企业", &[Role::Enterprise]).await;
    let application = w.accepted(&e, "CD", 3).await;
    let lead = w.assessor("李雷", true, &["CD"], "2099-01-01").await;
    let b = w.assessor("韩梅梅", true, &["CD"], "2099-01-01").await;
    let outbox_before = outbox(&app).await.len();
    let log_before = app.conn(|c| audit::verify(c).unwrap().unwrap()).await;

    // A panel of two is refused: nothing is logged or mailed.
    let (s, body) = w.set_panel(&application, &lead, &[&b]).await;
    assert_eq!(s, 422, "{body}");
    // A round confirmation naming it is refused as a whole.
    let (s, body) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panels", w.round),
            Some(json!({"panels": [{"application_id": application, "seats": [
                {"assessor_id": lead.id, "lead": true}, {"assessor_id": b.id, "lead": false}]}]})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    // A conflict with no reason, an answer to no clarification.
    let (s, body) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/conflicts", b.id),
            Some(json!({"with_id": e, "reason": " "})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    let (s, body) = enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{application}/clarification-answers"),
            Some(json!({"clarification_id": uuid::Uuid::now_v7().to_string(), "answer": "x"})),
        )
        .await;
    assert_eq!(s, 409, "{body}");

    assert_eq!(outbox(&app).await.len(), outbox_before);
    assert_eq!(
        app.conn(|c| audit::verify(c).unwrap().unwrap()).await,
        log_before,
        "no entry was appended"
    );

    // The same conflict with a reason, and employment, are logged once each.
    let (s, body) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/conflicts", b.id),
            Some(json!({"with_id": e, "reason": "曾任顾问"})),
        )
        .await;
    assert_eq!(s, 204, "{body}");
    one_entry(&app, "conflict_declared", &b.id, &w.sec).await;
    let (s, body) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/employment", lead.id),
            Some(json!({"enterprise_id": e, "from": "2020-01-01", "until": "2021-01-01"})),
        )
        .await;
    assert_eq!(s, 204, "{body}");
    one_entry(&app, "employment_recorded", &lead.id, &w.sec).await;
}
