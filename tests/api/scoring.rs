//! The panel's story: blind scoring, refusals of scores that name what is not theirs,
//! the lead reopening and asking for clarification, and the consolidation.

use certcase::domain::access::Role;
use serde_json::{json, Value};

use crate::evidence::{pdf, upload};
use crate::helpers::{spawn_app, Api};
use crate::panels::{world, Client, World};

pub struct Assessed<'a> {
    pub application: String,
    pub enterprise: Client<'a>,
    pub lead: Client<'a>,
    pub b: Client<'a>,
    pub c: Client<'a>,
    pub items: Vec<String>,
}

/// An application of 北京喆堃 for CD (target 3) with a panel of 李雷 (lead), 韩梅梅 and
/// Anna Müller.
pub async fn assessed<'a>(w: &World<'a>) -> Assessed<'a> {
    assessed_for(w, 3).await
}

/// [`assessed`], with another target level.
pub async fn assessed_for<'a>(w: &World<'a>, target_level: i32) -> Assessed<'a> {
    let (enterprise_id, enterprise) = w
        .enterprise("北京喆堃科技有限公司", &[Role::Enterprise])
        .await;
    let application = w.accepted(&enterprise_id, "CD", target_level).await;
    let (lead, b, c) = w.seat_panel(&application, "CD").await;
    let items = w.items("CD").await;
    Assessed {
        application,
        enterprise,
        lead,
        b,
        c,
        items,
    }
}

pub async fn score(who: &Client<'_>, application: &str, item: &str, body: Value) -> (u16, Value) {
    who.send(
        "PUT",
        &format!("/api/v1/applications/{application}/scores/{item}"),
        Some(body),
    )
    .await
}

/// Submits every item at `level(item)` with a comment naming the assessor.
pub async fn submit_all(who: &Client<'_>, a: &Assessed<'_>, level: impl Fn(&str) -> i64) {
    for item in &a.items {
        let (s, p) = score(who, &a.application, item, json!({"level": level(item), "comment": format!("COMMENT-BY-{}", who.name), "submit": true})).await;
        assert_eq!(s, 204, "{item}: {p}");
    }
}

/// Consolidates every item at `level(item)`, with a rationale.
pub async fn consolidate(a: &Assessed<'_>, level: impl Fn(&str) -> i64) -> (u16, Value) {
    let items: Vec<Value> = a
        .items
        .iter()
        .map(|i| json!({"item": i, "level": level(i), "rationale": "经讨论一致"}))
        .collect();
    a.lead
        .send(
            "POST",
            &format!("/api/v1/applications/{}/consolidation", a.application),
            Some(json!({ "items": items })),
        )
        .await
}

fn leaks(text: &str) -> Vec<&'static str> {
    [
        "李雷",
        "韩梅梅",
        "Anna Müller",
        "COMMENT-BY",
        "assessor_name",
        "progress",
        "others_scores",
        "submitted_items",
    ]
    .into_iter()
    .filter(|s| text.contains(s))
    .collect()
}

#[tokio::test]
async fn scoring_is_blind_until_submitted_and_enterprises_never_see_individual_scores() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let first = a.items[0].clone();
    let path = format!("/api/v1/applications/{}/scores", a.application);

    let (s, _) = score(
        &a.b,
        &a.application,
        &first,
        json!({"level": 2, "comment": "COMMENT-BY-韩梅梅 draft"}),
    )
    .await;
    assert_eq!(s, 204);
    submit_all(&a.c, &a, |_| 3).await;

    // 韩梅梅 has not submitted everything: she sees only her own draft.
    let (s, v) = a.b.send("GET", &path, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["own_submission_complete"], false);
    assert!(v.get("others_scores").is_none(), "{v}");
    assert!(!v.to_string().contains("COMMENT-BY-Anna"), "{v}");
    // Anna has: she sees others' submitted scores, but never 韩梅梅's draft.
    let (_, v) = a.c.send("GET", &path, None).await;
    assert_eq!(v["own_submission_complete"], true);
    assert!(
        !v.to_string().contains("COMMENT-BY-韩梅梅"),
        "drafts stay private: {v}"
    );
    // The lead sees progress (counts, no levels) before submitting, not scores.
    let (_, v) = a.lead.send("GET", &path, None).await;
    assert!(v.get("others_scores").is_none());
    assert_eq!(v["progress"].as_array().unwrap().len(), 3);

    // The enterprise sees nothing of it: no scores, names, counts or averages.
    let (s, v) = a.enterprise.send("GET", &path, None).await;
    assert_eq!(s, 200);
    assert!(leaks(&v.to_string()).is_empty(), "{v}");
    let user = app.add_user("企业另一员工", &[Role::Enterprise]).await;
    let browser = app.signed_in(&user).await;
    let page = browser
        .get(app.url(&format!("/applications/{}/assessment", a.application)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        404,
        "another person's enterprise application is not found"
    );

    // An assessor not on the panel gets 404, as another enterprise does.
    let outsider = w.assessor("局外人", true, &["CD"], "2099-01-01").await;
    assert_eq!(outsider.send("GET", &path, None).await.0, 404);
    assert_eq!(
        score(&outsider, &a.application, &first, json!({"level": 1}))
            .await
            .0,
        404
    );
    let (_, other) = w.enterprise("另一企业", &[Role::Enterprise]).await;
    assert_eq!(other.send("GET", &path, None).await.0, 404);

    // Pages follow the same serializer: 韩梅梅's page shows neither Anna's scores nor her name.
    let hm = app.signed_in(&a.b.login).await;
    let html = hm
        .get(app.url(&format!("/applications/{}/assessment", a.application)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("COMMENT-BY-韩梅梅 draft"),
        "her own draft is on her page"
    );
    assert!(
        !html.contains("COMMENT-BY-Anna") && !html.contains("Anna Müller"),
        "blind until submitted"
    );
    let ent = app.signed_in(&a.enterprise.login).await;
    let html = ent
        .get(app.url(&format!("/applications/{}/assessment", a.application)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(leaks(&html).is_empty(), "{:?}", leaks(&html));
    let member_page = app
        .signed_in(&app.add_user("x", &[Role::Secretariat]).await)
        .await;
    let html = member_page
        .get(app.url(&format!("/applications/{}/assessment", a.application)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Anna Müller"),
        "the secretariat sees who submitted"
    );
    assert!(!html.contains("COMMENT-BY-韩梅梅"), "but not drafts");
}

#[tokio::test]
async fn a_score_naming_another_applications_item_or_evidence_is_refused_and_submitted_is_final() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let item = a.items[0].clone();
    let own = w.evidence(&a.application, &item, &a.enterprise.id).await;
    let (other_enterprise, other_member) = w.enterprise("另一企业", &[Role::Enterprise]).await;
    let other_app = w.accepted(&other_enterprise, "CD", 3).await;
    let foreign = w.evidence(&other_app, &item, &other_member.id).await;

    let (s, p) = score(&a.b, &a.application, "SEC-IAM-01", json!({"level": 2})).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("part CD has no capability item 'SEC-IAM-01'"),
        "{p}"
    );
    let (s, p) = score(
        &a.b,
        &a.application,
        &item,
        json!({"level": 2, "evidence_ids": [foreign]}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("is not evidence of item"),
        "{p}"
    );
    let (s, p) = score(&a.b, &a.application, &item, json!({"level": 4})).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("above the application's target level 3"),
        "{p}"
    );
    let (s, _) = score(
        &a.b,
        &a.application,
        &item,
        json!({"not_applicable_reason": ""}),
    )
    .await;
    assert_eq!(s, 422);

    let (s, p) = score(
        &a.b,
        &a.application,
        &item,
        json!({"level": 2, "evidence_ids": [own], "submit": true}),
    )
    .await;
    assert_eq!(s, 204, "{p}");
    let (s, p) = score(&a.b, &a.application, &item, json!({"level": 3})).await;
    assert_eq!(s, 409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("final unless the lead reopens it"),
        "{p}"
    );

    let reopen = format!(
        "/api/v1/applications/{}/scores/{item}/reopen",
        a.application
    );
    assert_eq!(
        a.c.send("POST", &reopen, Some(json!({"assessor_id": a.b.id})))
            .await
            .0,
        403,
        "only the lead reopens"
    );
    // An assessor id that is not one is refused exactly as one without a score.
    let (s, p) = a
        .lead
        .send("POST", &reopen, Some(json!({"assessor_id": "not-a-uuid"})))
        .await;
    assert_eq!(s, 409, "{p}");
    let unknown = json!({"assessor_id": uuid::Uuid::now_v7().to_string()});
    let (s_unknown, p_unknown) = a.lead.send("POST", &reopen, Some(unknown)).await;
    assert!(p["code"].is_string(), "{p}");
    assert_eq!(
        (s_unknown, &p_unknown["code"]),
        (s, &p["code"]),
        "{p_unknown}"
    );
    assert_eq!(
        a.lead
            .send("POST", &reopen, Some(json!({"assessor_id": a.b.id})))
            .await
            .0,
        204
    );
    assert_eq!(
        score(
            &a.b,
            &a.application,
            &item,
            json!({"level": 3, "submit": true})
        )
        .await
        .0,
        204
    );
    let (_, v) =
        a.b.send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    assert_eq!(v["own_scores"][0]["level"]["achieved"], 3, "{v}");
}

#[tokio::test]
async fn the_lead_asks_for_clarification_which_reopens_the_items_until_answered() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let path = format!("/api/v1/applications/{}/clarifications", a.application);
    let deadline = (chrono::Utc::now() + chrono::Duration::days(7))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let body =
        json!({"items": [a.items[1]], "message": "请补充流水线运行记录", "deadline": deadline});
    assert_eq!(
        a.b.send("POST", &path, Some(body.clone())).await.0,
        403,
        "members do not ask"
    );
    let (s, p) = a
        .lead
        .send(
            "POST",
            &path,
            Some(json!({"items": ["SEC-IAM-01"], "message": "x", "deadline": deadline})),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let (s, created) = a.lead.send("POST", &path, Some(body)).await;
    assert_eq!(s, 201, "{created}");

    let (s, list) = a.enterprise.send("GET", &path, None).await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["reopened_items"], json!([a.items[1]]));
    let answer = format!(
        "/api/v1/applications/{}/clarification-answers",
        a.application
    );
    // A clarification id that is not one is refused exactly as one with no open request.
    let (s, p) = a
        .enterprise
        .send(
            "POST",
            &answer,
            Some(json!({"clarification_id": "not-a-uuid", "answer": "x"})),
        )
        .await;
    assert_eq!(s, 409, "{p}");
    let unknown = json!({"clarification_id": uuid::Uuid::now_v7().to_string(), "answer": "x"});
    let (s_unknown, p_unknown) = a.enterprise.send("POST", &answer, Some(unknown)).await;
    assert!(p["code"].is_string(), "{p}");
    assert_eq!(
        (s_unknown, &p_unknown["code"]),
        (s, &p["code"]),
        "{p_unknown}"
    );
    let (s, _) = a
        .enterprise
        .send(
            "POST",
            &answer,
            Some(json!({"clarification_id": created["id"], "answer": "已上传新版本"})),
        )
        .await;
    assert_eq!(s, 204);
    let (_, list) = a.lead.send("GET", &path, None).await;
    assert_eq!(list[0]["answer"], "已上传新版本");
    assert_eq!(list[0]["reopened_items"], json!([]));
    let (s, _) = a
        .enterprise
        .send(
            "POST",
            &answer,
            Some(json!({"clarification_id": created["id"], "answer": "again"})),
        )
        .await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn a_clarification_request_opens_its_items_for_new_evidence_until_answered() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let (asked, other) = (a.items[1].clone(), a.items[2].clone());
    let member = Api {
        app: &app,
        token: a.enterprise.token.clone(),
    };
    let (s, p) = upload(
        &member,
        &a.application,
        &asked,
        "before.pdf",
        pdf(100),
        "早",
    )
    .await;
    assert_eq!(s, 409, "locked before any request: {p}");

    let deadline = (chrono::Utc::now() + chrono::Duration::days(7))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let (s, created) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{}/clarifications", a.application),
            Some(
                json!({"items": [asked], "message": "请补充流水线运行记录", "deadline": deadline}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{created}");

    let (s, v2) = upload(
        &member,
        &a.application,
        &asked,
        "runs.pdf",
        pdf(2000),
        "运行记录",
    )
    .await;
    assert_eq!(s, 201, "the asked item takes a new version: {v2}");
    assert_eq!(v2["version"], 2, "{v2}");
    let (s, p) = upload(
        &member,
        &a.application,
        &other,
        "other.pdf",
        pdf(10),
        "未要求",
    )
    .await;
    assert_eq!(
        s, 409,
        "an item the request does not name stays locked: {p}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("evidence is locked"),
        "{p}"
    );

    let (s, p) = a
        .enterprise
        .send(
            "POST",
            &format!(
                "/api/v1/applications/{}/clarification-answers",
                a.application
            ),
            Some(json!({"clarification_id": created["id"], "answer": "已上传运行记录"})),
        )
        .await;
    assert_eq!(s, 204, "{p}");
    let (s, p) = upload(
        &member,
        &a.application,
        &asked,
        "late.pdf",
        pdf(10),
        "答复后",
    )
    .await;
    assert_eq!(s, 409, "the answer locks the item again: {p}");
    let (_, files) = a
        .enterprise
        .send(
            "GET",
            &format!("/api/v1/applications/{}/evidence", a.application),
            None,
        )
        .await;
    let versions: Vec<(&str, i64)> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["item_code"].as_str().unwrap(),
                f["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(asked.as_str(), 2)], "{files}");
}

#[tokio::test]
async fn consolidation_waits_for_every_member_flags_spreads_and_derives_the_capped_level() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let capping = a.items[2].clone();
    submit_all(&a.lead, &a, |_| 3).await;
    submit_all(&a.b, &a, |_| 3).await;

    let (s, p) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 409);
    assert!(
        p["detail"].as_str().unwrap().contains("Anna Müller"),
        "names who is missing: {p}"
    );

    let spread = capping.clone();
    submit_all(&a.c, &a, move |i| if i == spread { 1 } else { 3 }).await;
    // The lead now sees everyone's submitted scores.
    let (_, v) = a
        .lead
        .send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    assert_eq!(v["others_scores"].as_array().unwrap().len(), 2);

    let items: Vec<Value> = a
        .items
        .iter()
        .map(|i| json!({"item": i, "level": 3}))
        .collect();
    let (s, p) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{}/consolidation", a.application),
            Some(json!({ "items": items })),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{capping} is flagged for discussion")),
        "{p}"
    );

    let c2 = capping.clone();
    let (s, result) = consolidate(&a, move |i| if i == c2 { 2 } else { 3 }).await;
    assert_eq!(s, 200, "{result}");
    assert_eq!(result["achieved_level"], 2);
    assert_eq!(result["capping_items"], json!([capping]));
    assert_eq!(w.status(&a.application).await, "scored");

    let (_, v) =
        a.b.send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    let flagged: Vec<&Value> = v["consolidation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["flagged"] == true)
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["item"], capping.as_str());
    assert!(
        v["result"]["explanation"]
            .as_str()
            .unwrap()
            .contains(&format!("capped by {capping}")),
        "{v}"
    );
    // Still nothing for the enterprise before approval.
    let (_, v) = a
        .enterprise
        .send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    assert!(
        v.get("result").is_none() && leaks(&v.to_string()).is_empty(),
        "{v}"
    );
}

#[tokio::test]
async fn the_pages_score_and_confirm_panels_through_their_forms() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let item = a.items[0].clone();
    let page = format!("/applications/{}/assessment", a.application);
    let b = app.signed_in(&a.b.login).await;
    let html = b
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(
        "action=\"/applications/{}/scores/{item}\"",
        a.application
    )));
    let token = crate::helpers::csrf_in(&html);
    let res = b
        .post(app.url(&format!("/applications/{}/scores/{item}", a.application)))
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", token.as_str()),
            ("level", "2"),
            ("comment", "表单评分"),
            ("action", "submit"),
            ("confirmed", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, v) =
        a.b.send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    assert_eq!(v["own_scores"][0]["comment"], "表单评分");
    assert_eq!(v["own_scores"][0]["submitted"], true);
    let res = b
        .post(app.url(&format!("/applications/{}/scores/{item}", a.application)))
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", token.as_str()),
            ("level", "1"),
            ("action", "draft"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        409,
        "submitted scores are final on the page too"
    );

    // The assignment board's form confirms the proposal as shown.
    let (e2, _) = w.enterprise("乙证券", &[Role::Enterprise]).await;
    let a2 = w.accepted(&e2, "CD", 3).await;
    let sec = app.signed_in(&w.sec.login).await;
    let html = sec
        .get(app.url(&format!("/rounds/{}/assignment", w.round)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("name=\"seat_{a2}\"")),
        "the board lists the accepted application"
    );
    let (_, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panel-proposal", w.round),
            Some(json!({"seats": 4})),
        )
        .await;
    let panel = &p["panels"][0];
    let token = crate::helpers::csrf_in(&html);
    let mut form = vec![
        ("csrf_token".to_string(), token),
        (
            format!("lead_{a2}"),
            panel["lead"]["id"].as_str().unwrap().to_string(),
        ),
    ];
    for m in panel["members"].as_array().unwrap() {
        form.push((format!("seat_{a2}"), m["id"].as_str().unwrap().to_string()));
    }
    let res = sec
        .post(app.url(&format!("/rounds/{}/assignment", w.round)))
        .headers(app.same_origin())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(w.status(&a2).await, "in_assessment");
}

#[tokio::test]
async fn the_panel_reads_the_applications_evidence_and_other_assessors_do_not() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let item = a.items[0].clone();
    let file = w.evidence(&a.application, &item, &a.enterprise.id).await;
    let listed = |body: &Value| {
        body.as_array()
            .map(|files| files.iter().any(|f| f["id"] == file.as_str()))
            .unwrap_or(false)
    };
    let path = format!("/api/v1/applications/{}/evidence", a.application);
    for member in [&a.lead, &a.b, &a.c, &a.enterprise] {
        let (s, body) = member.send("GET", &path, None).await;
        assert_eq!(s, 200, "{body}");
        assert!(listed(&body), "{body}");
    }
    let outsider = w.assessor("王堃", true, &["CD"], "2099-01-01").await;
    let (s, body) = outsider.send("GET", &path, None).await;
    assert_eq!(s, 404, "an assessor not on the panel: {body}");

    // A reviewer reads it once on the round's review panel, and not before.
    let panel = crate::review::reviewers(&w, 1).await;
    let (reviewer, _) = &panel[0];
    let (s, body) = reviewer.send("GET", &path, None).await;
    assert_eq!(s, 404, "{body}");
    let members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    let (s, body) = crate::review::form(&w, &members, 1).await;
    assert!(s < 300, "{body}");
    let (s, body) = reviewer.send("GET", &path, None).await;
    assert_eq!(s, 200, "{body}");
    assert!(listed(&body), "{body}");
}
