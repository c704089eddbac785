//! The appeal's story: the review panel returns a result, the enterprise appeals, the
//! secretariat forms a panel of people who took no part in the case (those who did are
//! refused), and the panel upholds (the application goes back to its assessment panel) or
//! dismisses it; an appeal after the window is refused.

use certcase::domain::access::Role;
use certcase::domain::audit::Kind;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::groups::kinds_logged;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::panels::{person, world, Client, World};
use crate::review::{form, reviewers, scored, vote};
use crate::scoring::{consolidate, Assessed};

/// A scored application sent to a review panel of one member, who returns it: it is back
/// with its assessment panel. Answers the application and the reviewer.
async fn returned<'a>(w: &World<'a>) -> (Assessed<'a>, Client<'a>) {
    let a = scored(w).await;
    let mut panel = reviewers(w, 1).await;
    let members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    let (s, p) = form(w, &members, 1).await;
    assert_eq!(s, 201, "{p}");
    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);
    let (reviewer, _) = panel.remove(0);
    let (s, d) = vote(&reviewer, &a.application, false, &["CD-CM-01 的证据不足"]).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(w.status(&a.application).await, "in_assessment");
    (a, reviewer)
}

async fn lodge(a: &Assessed<'_>, body: Value) -> (u16, Value) {
    a.enterprise
        .send(
            "POST",
            &format!("/api/v1/applications/{}/appeals", a.application),
            Some(body),
        )
        .await
}

fn returned_result() -> Value {
    json!({"subject": "returned_result", "reasons": "评审退回时未考虑已提交的 CD-CM-01 证据"})
}

async fn set_panel(w: &World<'_>, appeal: &str, members: &[&str]) -> (u16, Value) {
    w.sec
        .send(
            "PUT",
            &format!("/api/v1/appeals/{appeal}/panel"),
            Some(json!({ "members": members })),
        )
        .await
}

/// The secretariat makes `judge` the appeal's panel, who upholds or dismisses it.
pub(crate) async fn judged(
    w: &World<'_>,
    appeal: &str,
    judge: &Client<'_>,
    upheld: bool,
    reasons: &str,
) {
    let (s, p) = set_panel(w, appeal, &[judge.id.as_str()]).await;
    assert_eq!(s, 204, "{p}");
    let (s, p) = judge
        .send(
            "POST",
            &format!("/api/v1/appeals/{appeal}/decision"),
            Some(json!({"upheld": upheld, "reasons": reasons})),
        )
        .await;
    assert_eq!(s, 204, "{p}");
}

/// The recipients (user ids) of the queued messages of one kind.
async fn mailed_to(app: &TestApp, kind: &'static str) -> Vec<String> {
    app.conn(|c| certcase::db::models::mail::all(c).unwrap())
        .await
        .into_iter()
        .filter(|r| r.message_kind == kind)
        .filter_map(|r| r.recipient_user_id.map(|u| u.to_string()))
        .collect()
}

#[tokio::test]
async fn an_upheld_appeal_sends_the_returned_result_back_to_its_assessment_panel() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (a, reviewer) = returned(&w).await;
    // The panel assesses again and consolidates; the enterprise disputes the return.
    let (s, p) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(w.status(&a.application).await, "scored");

    let (s, appeal) = lodge(&a, returned_result()).await;
    assert_eq!(s, 201, "{appeal}");
    assert_eq!(appeal["status"], "lodged");
    assert_eq!(appeal["subject"], "returned_result");
    let id = appeal["id"].as_str().unwrap().to_string();
    assert_eq!(
        mailed_to(&app, "appeal_lodged").await,
        vec![a.enterprise.id.clone()]
    );
    let (s, p) = lodge(&a, returned_result()).await;
    assert_eq!(s, 409, "one appeal per decision: {p}");
    assert_eq!(p["code"], "appeal.already_lodged");

    // The candidates are marked by the part they took in the case.
    let (s, candidates) = w
        .sec
        .send("GET", &format!("/api/v1/appeals/{id}/candidates"), None)
        .await;
    assert_eq!(s, 200, "{candidates}");
    let excluded = |who: &str| {
        candidates
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["user_id"] == who)
            .map(|c| c["excluded"].clone())
    };
    assert_eq!(excluded(&a.lead.id), Some(json!("assessed")));
    assert_eq!(excluded(&reviewer.id), Some(json!("reviewed")));

    // Whoever assessed or reviewed the case is refused, by name.
    for (involved, how) in [
        (&a.lead, "assessed"),
        (&a.c, "assessed"),
        (&reviewer, "reviewed"),
    ] {
        let (s, p) = set_panel(&w, &id, &[&involved.id]).await;
        assert_eq!(s, 422, "{}: {p}", involved.name);
        assert_eq!(p["code"], "appeal.panel_problems");
        let problem = &p["args"]["problems"][0];
        assert_eq!(problem["code"], "appeal.panel_involved", "{p}");
        assert_eq!(problem["args"]["person"], involved.name.as_str());
        assert_eq!(problem["args"]["how"]["en"], how);
    }
    let outsider = person(&app, "未注册人员", &[Role::Enterprise]).await;
    let (s, p) = set_panel(&w, &id, &[&outsider.id]).await;
    assert_eq!(s, 422);
    assert_eq!(
        p["args"]["problems"][0]["code"],
        "appeal.panel_not_eligible"
    );

    let independent = w.assessor("王独立", true, &["CD"], "2099-01-01").await;
    let (s, p) = set_panel(&w, &id, &[&independent.id]).await;
    assert_eq!(s, 204, "{p}");
    assert_eq!(
        mailed_to(&app, "appeal_panel_formed").await,
        vec![a.enterprise.id.clone(), independent.id.clone()]
    );

    // Only a member of the appeal panel decides; others do not even see the appeal.
    let decision = format!("/api/v1/appeals/{id}/decision");
    let upheld = json!({"upheld": true, "reasons": "退回理由与已提交证据不符，应重新评估"});
    assert_eq!(
        a.b.send("POST", &decision, Some(upheld.clone())).await.0,
        404
    );
    let (s, p) = independent
        .send(
            "POST",
            &decision,
            Some(json!({"upheld": true, "reasons": " "})),
        )
        .await;
    assert_eq!(s, 422, "a decision gives reasons: {p}");
    let (s, p) = independent.send("POST", &decision, Some(upheld)).await;
    assert_eq!(s, 204, "{p}");

    assert_eq!(w.status(&a.application).await, "in_assessment");
    let (_, seen) = a
        .enterprise
        .send("GET", &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(seen["status"], "upheld");
    assert_eq!(seen["remedy"], "reassess");
    assert_eq!(seen["follow_up_pending"], false);
    assert_eq!(
        seen["panel"],
        json!([]),
        "the enterprise is not told who sat"
    );
    assert_eq!(seen["panel_size"], 1);
    let (_, detail) = w
        .sec
        .send(
            "GET",
            &format!("/api/v1/applications/{}", a.application),
            None,
        )
        .await;
    let last = detail["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event"], "reopen_on_appeal", "{detail}");
    assert_eq!(last["to_status"], "in_assessment");

    assert_eq!(
        mailed_to(&app, "appeal_decided").await,
        vec![a.enterprise.id.clone(), independent.id.clone()]
    );
    for kind in [
        Kind::AppealLodged,
        Kind::AppealPanelFormed,
        Kind::AppealDecided,
    ] {
        assert_eq!(kinds_logged(&app, kind).await.len(), 1, "{kind:?}");
    }
    // Closed: nothing more happens to it.
    let (s, _) = a
        .enterprise
        .send(
            "POST",
            &format!("/api/v1/appeals/{id}/withdrawal"),
            Some(json!({"reason": "已解决"})),
        )
        .await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn a_dismissed_appeal_changes_nothing_and_the_pages_show_each_party_its_part() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (a, _) = returned(&w).await;
    let (s, appeal) = lodge(&a, returned_result()).await;
    assert_eq!(s, 201, "{appeal}");
    let id = appeal["id"].as_str().unwrap().to_string();

    let count = |list: &Value, task: &str| {
        list["sections"][0]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == task)
            .map(|t| t["count"].clone())
    };
    let list = w.sec.send("GET", "/api/v1/tasks", None).await.1;
    assert_eq!(
        count(&list, "appeals_awaiting_panel"),
        Some(json!(1)),
        "{list}"
    );

    // The secretariat forms the panel on the appeal's page.
    let sec = app.signed_in(&w.sec.login).await;
    let page = format!("/appeals/{id}");
    let html = sec
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("曾参与评估"), "involved people are marked");
    let member = w.assessor("赵公正", true, &["CD"], "2099-01-01").await;
    let res = app
        .submit_form(
            &sec,
            &page,
            &format!("/appeals/{id}/panel"),
            &[("members", &member.id)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let list = w.sec.send("GET", "/api/v1/tasks", None).await.1;
    assert_eq!(
        count(&list, "appeals_awaiting_decision"),
        Some(json!(1)),
        "{list}"
    );

    // The member decides on the page, after confirming.
    let browser = app.signed_in(&member.login).await;
    let fields = [("outcome", "dismissed"), ("reasons", "退回理由成立")];
    let res = app
        .submit_form(&browser, &page, &format!("/appeals/{id}/decision"), &fields)
        .await;
    assert_eq!(res.status(), 200, "asks first");
    assert!(res.text().await.unwrap().contains("申诉驳回"));
    let res = app
        .submit_form(
            &browser,
            &page,
            &format!("/appeals/{id}/decision"),
            &[fields[0], fields[1], ("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status(), 303);

    assert_eq!(w.status(&a.application).await, "in_assessment");
    let (_, seen) = w
        .sec
        .send("GET", &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(seen["status"], "dismissed");
    assert_eq!(seen["remedy"], Value::Null);
    assert_eq!(seen["panel"][0]["name"], "赵公正");
    let enterprise = app.signed_in(&a.enterprise.login).await;
    let html = enterprise
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("申诉驳回") && html.contains("退回理由成立"));
    assert!(
        !html.contains("赵公正"),
        "the enterprise does not see who sat"
    );
    let (s, p) = lodge(&a, returned_result()).await;
    assert_eq!(s, 409, "a decided appeal is not lodged again: {p}");
}

#[tokio::test]
async fn an_appeal_after_the_window_is_refused_with_the_day_it_closed() {
    let app = spawn_app_with(|c| c.appeal_window_days = 10).await;
    let w = world(&app).await;
    let (a, _) = returned(&w).await;
    let (s, p) = lodge(&a, json!({"subject": "level", "reasons": "等级偏低"})).await;
    assert_eq!(s, 409, "no level was approved: {p}");
    assert_eq!(p["code"], "appeal.no_such_decision");
    let (s, p) = lodge(&a, json!({"subject": "weather", "reasons": "x"})).await;
    assert_eq!(s, 422, "{p}");

    // The return was decided eleven days ago.
    app.conn(|c| {
        diesel::sql_query(match certcase::db::backend(c) {
            certcase::db::Backend::Postgres => {
                "UPDATE review_decisions SET decided_at = decided_at - INTERVAL '11 days'"
            }
            certcase::db::Backend::Sqlite => {
                "UPDATE review_decisions SET decided_at = datetime(decided_at, '-11 days')"
            }
        })
        .execute(c)
        .unwrap()
    })
    .await;
    let (s, p) = lodge(&a, returned_result()).await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["code"], "appeal.window_closed");
    assert!(p["args"]["closed_on"].as_str().is_some(), "{p}");
    let (_, mine) = a.enterprise.send("GET", "/api/v1/appeals", None).await;
    assert_eq!(mine, json!([]));
}
