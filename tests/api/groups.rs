//! Enterprise groups: a tie to a sister company, or a conflict declared with the group,
//! keeps an assessor off the applicant's panel (set by hand or proposed for the round)
//! and a reviewer off its review, until the enterprise leaves the group. Only the
//! secretariat keeps the groups, through the API or the registry page.

use certcase::db::models::audit;
use certcase::domain::access::Role;
use certcase::domain::audit::Kind;
use serde_json::{json, Value};

use crate::helpers::{csrf_in, spawn_app, TestApp};
use crate::panels::{world, Client, World};
use crate::review::{form, in_review_list, reviewers, scored};

const VALID: &str = "2099-12-31";

async fn create_group(w: &World<'_>, name_zh: &str) -> String {
    let (s, body) = w
        .sec
        .send(
            "POST",
            "/api/v1/enterprise-groups",
            Some(json!({"name_zh": name_zh, "name_en": "Jia Group"})),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn join(w: &World<'_>, enterprise: &str, group: &str) -> (u16, Value) {
    w.sec
        .send(
            "PUT",
            &format!("/api/v1/enterprises/{enterprise}/group"),
            Some(json!({ "group_id": group })),
        )
        .await
}

async fn leave(w: &World<'_>, enterprise: &str) -> (u16, Value) {
    w.sec
        .send(
            "DELETE",
            &format!("/api/v1/enterprises/{enterprise}/group"),
            None,
        )
        .await
}

async fn employ(w: &World<'_>, who: &Client<'_>, enterprise: &str, until: Option<String>) {
    let (s, body) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/employment", who.id),
            Some(json!({"enterprise_id": enterprise, "from": "2015-01-01", "until": until})),
        )
        .await;
    assert_eq!(s, 204, "{body}");
}

/// The names seated on the proposed panel of `application` (seats of 3).
async fn proposed(w: &World<'_>, application: &str) -> Vec<String> {
    let p = w.feasible_proposal(3).await;
    let panel = p["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|panel| panel["application_id"] == application)
        .unwrap_or_else(|| panic!("no panel proposed for the application: {p}"));
    panel["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}

/// The audit entries of one kind.
pub async fn kinds_logged(app: &TestApp, kind: Kind) -> Vec<audit::AuditRow> {
    app.conn(move |c| {
        let q = audit::Query {
            kind: Some(kind),
            ..Default::default()
        };
        audit::export(c, &q).unwrap()
    })
    .await
}

#[tokio::test]
async fn ties_to_a_sister_company_or_the_group_keep_an_assessor_off_the_panel_until_the_applicant_leaves(
) {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (applicant, _) = w
        .enterprise("甲集团科技有限公司", &[Role::Enterprise])
        .await;
    let (sister, _) = w
        .enterprise("甲集团金融有限公司", &[Role::Enterprise])
        .await;
    let group = create_group(&w, "甲集团").await;
    for e in [&applicant, &sister] {
        let (s, body) = join(&w, e, &group).await;
        assert_eq!(s, 204, "{body}");
    }
    let (s, groups) = w.sec.send("GET", "/api/v1/enterprise-groups", None).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = groups[0]["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name_zh"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["甲集团科技有限公司", "甲集团金融有限公司"]);

    let application = w.accepted(&applicant, "CD", 3).await;
    let lead = w.assessor("李雷", true, &["CD"], VALID).await;
    let b = w.assessor("韩梅梅", true, &["CD"], VALID).await;
    let sister_employee = w.assessor("钱多多", true, &["CD"], VALID).await;
    employ(&w, &sister_employee, &sister, None).await;
    let long_gone = w.assessor("孙离职", false, &["CD"], VALID).await;
    let three_years_ago = chrono::Utc::now().date_naive() - chrono::Duration::days(3 * 366);
    employ(&w, &long_gone, &sister, Some(three_years_ago.to_string())).await;
    let group_auditor = w.assessor("周审计", false, &["CD"], VALID).await;
    let (s, body) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/conflicts", group_auditor.id),
            Some(json!({"with_id": group, "reason": "集团年报审计师"})),
        )
        .await;
    assert_eq!(s, 204, "a conflict may be declared with a group: {body}");

    let (s, p) = w
        .set_panel(&application, &lead, &[&b, &sister_employee])
        .await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("钱多多 works for this enterprise or its group"),
        "{p}"
    );
    let (s, p) = w
        .set_panel(&application, &lead, &[&b, &group_auditor])
        .await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("周审计 declared a conflict with this enterprise"),
        "{p}"
    );

    // Both would rather assess this application: the optimal proposal would seat them
    // were they not conflicted.
    for a in [&sister_employee, &group_auditor] {
        let (s, body) = a
            .send(
                "PUT",
                &format!("/api/v1/applications/{application}/preference"),
                Some(json!({"preference": "prefer"})),
            )
            .await;
        assert_eq!(s, 204, "{body}");
    }
    let seated = proposed(&w, &application).await;
    assert_eq!(seated.len(), 3, "{seated:?}");
    assert!(
        !seated.contains(&"钱多多".to_string()) && !seated.contains(&"周审计".to_string()),
        "the proposal seats a conflicted assessor: {seated:?}"
    );

    // Out of the group, the ties are gone.
    let (s, body) = leave(&w, &applicant).await;
    assert_eq!(s, 204, "{body}");
    let seated = proposed(&w, &application).await;
    assert!(
        seated.contains(&"钱多多".to_string()) && seated.contains(&"周审计".to_string()),
        "preferred and no longer conflicted: {seated:?}"
    );

    let (s, body) = join(&w, &applicant, &group).await;
    assert_eq!(s, 204, "{body}");
    let (s, p) = w.set_panel(&application, &lead, &[&b, &long_gone]).await;
    assert_eq!(s, 204, "left the sister company 3 years ago: {p}");
    assert_eq!(w.status(&application).await, "in_assessment");

    let (s, p) = w
        .set_panel(&application, &lead, &[&sister_employee, &group_auditor])
        .await;
    assert_eq!(s, 422, "still in the group: {p}");
    let (s, body) = leave(&w, &applicant).await;
    assert_eq!(s, 204, "{body}");
    let (s, p) = w
        .set_panel(&application, &lead, &[&sister_employee, &group_auditor])
        .await;
    assert_eq!(s, 204, "the applicant left the group: {p}");

    let created = kinds_logged(&app, Kind::EnterpriseGroupCreated).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].object_id, group);
    assert_eq!(created[0].actor_user_id.as_deref(), Some(w.sec.id.as_str()));
    let joined = kinds_logged(&app, Kind::EnterpriseJoinedGroup).await;
    assert_eq!(joined.len(), 3, "two enterprises, one of them twice");
    let left = kinds_logged(&app, Kind::EnterpriseLeftGroup).await;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|r| r.object_id == applicant));
}

#[tokio::test]
async fn a_reviewer_from_a_sister_company_recuses() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let applicant = w.app.enterprise_of(&a.application).await;
    let panel = reviewers(&w, 3).await;
    let group = create_group(&w, "喆堃集团").await;
    for e in [&applicant, &panel[0].1] {
        assert_eq!(join(&w, e, &group).await.0, 204);
    }
    let members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    let (s, p) = form(&w, &members, 2).await;
    assert_eq!(s, 201, "{p}");
    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);

    let scores = format!("/api/v1/applications/{}/scores", a.application);
    let sister = &panel[0].0;
    assert_eq!(sister.send("GET", &scores, None).await.0, 404);
    let votes = format!("/api/v1/applications/{}/votes", a.application);
    let ballot = json!({"approve": true});
    assert_eq!(
        sister.send("POST", &votes, Some(ballot.clone())).await.0,
        404
    );
    assert_eq!(panel[1].0.send("GET", &scores, None).await.0, 200);
    assert_eq!(
        in_review_list(&w, sister, &a.application).await,
        [false, false]
    );
    assert_eq!(
        in_review_list(&w, &panel[1].0, &a.application).await,
        [true, true]
    );
    // Each member's "votes pending" count is their list's length, the group's recusal
    // included.
    crate::tasks::assert_reviewer_counts_kept(&app).await;

    // Once the applicant leaves the group, the sister company's reviewer takes part.
    assert_eq!(leave(&w, &applicant).await.0, 204);
    crate::tasks::assert_reviewer_counts_kept(&app).await;
    assert_eq!(sister.send("GET", &scores, None).await.0, 200);
    assert_eq!(
        in_review_list(&w, sister, &a.application).await,
        [true, true]
    );
    let (s, p) = sister.send("POST", &votes, Some(ballot)).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        in_review_list(&w, sister, &a.application).await,
        [false, true],
        "voted: no longer awaiting the vote, still listed"
    );
}

#[tokio::test]
async fn group_changes_are_checked_and_refused_with_a_reason() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (e1, member) = w.enterprise("乙集团一公司", &[Role::Enterprise]).await;
    let g1 = create_group(&w, "乙集团").await;
    let g2 = create_group(&w, "丙集团").await;

    let (s, p) = w
        .sec
        .send(
            "POST",
            "/api/v1/enterprise-groups",
            Some(json!({"name_zh": "乙集团"})),
        )
        .await;
    assert_eq!(s, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("already exists"));
    let (s, p) = w
        .sec
        .send(
            "POST",
            "/api/v1/enterprise-groups",
            Some(json!({"name_zh": "  "})),
        )
        .await;
    assert_eq!(s, 422, "{p}");

    // A group id that is not one is refused exactly as one no group has.
    let (s, p) = join(&w, &e1, "no-such-group").await;
    assert_eq!(s, 422, "{p}");
    let (s_unknown, p_unknown) = join(&w, &e1, &uuid::Uuid::now_v7().to_string()).await;
    assert!(p["code"].is_string(), "{p}");
    assert_eq!(
        (s_unknown, &p_unknown["code"]),
        (s, &p["code"]),
        "{p_unknown}"
    );
    let (s, p) = join(&w, "no-such-enterprise", &g1).await;
    assert_eq!(s, 404, "{p}");
    assert_eq!(join(&w, &e1, &g1).await.0, 204);
    let (s, p) = join(&w, &e1, &g1).await;
    assert_eq!(s, 409, "{p}");
    let (s, p) = join(&w, &e1, &g2).await;
    assert_eq!(s, 409, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("乙集团一公司 belongs to 乙集团; take it out of that group first"),
        "{p}"
    );
    assert_eq!(leave(&w, &e1).await.0, 204);
    let (s, p) = leave(&w, &e1).await;
    assert_eq!(s, 409, "{p}");
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("belongs to no group"));

    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/conflicts", member.id),
            Some(json!({"with_id": "nothing", "reason": "x"})),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("no enterprise, enterprise group or organisation"));

    // Only the secretariat keeps groups, even for its own enterprise.
    let (s, _) = member
        .send(
            "PUT",
            &format!("/api/v1/enterprises/{e1}/group"),
            Some(json!({ "group_id": g1 })),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = member
        .send(
            "POST",
            "/api/v1/enterprise-groups",
            Some(json!({"name_zh": "自建集团"})),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        kinds_logged(&app, Kind::EnterpriseGroupCreated).await.len(),
        2,
        "refusals leave no audit entry"
    );
}

#[tokio::test]
async fn the_secretariat_keeps_groups_on_the_registry_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (e1, _) = w.enterprise("丁集团华东公司", &[Role::Enterprise]).await;
    let sec = app.signed_in(&w.sec.login).await;
    let page = |sec: reqwest::Client, url: String| async move {
        sec.get(url).send().await.unwrap().text().await.unwrap()
    };
    let html = page(sec.clone(), app.url("/assessors")).await;
    let token = csrf_in(&html);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let (sec, url, h) = (sec.clone(), app.url(&path), app.same_origin());
        let mut form = form;
        form.push(("csrf_token", token.clone()));
        async move { sec.post(url).headers(h).form(&form).send().await.unwrap() }
    };

    let res = post(
        "/assessors/groups".into(),
        vec![
            ("name_zh", "丁集团".into()),
            ("name_en", "Ding Group".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, groups) = w.sec.send("GET", "/api/v1/enterprise-groups", None).await;
    let group = groups[0]["id"].as_str().unwrap().to_string();
    assert_eq!(groups[0]["name_en"], "Ding Group");

    let res = post(
        "/assessors/groups/members".into(),
        vec![("enterprise", e1.clone()), ("group_id", group.clone())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let html = page(sec.clone(), app.url("/assessors")).await;
    assert!(html.contains("丁集团 · Ding Group"), "the group is listed");
    assert!(
        html.contains(&format!("/assessors/groups/members/{e1}/remove")),
        "its enterprise can be taken out"
    );
    assert!(
        html.contains(&format!("<option value=\"{group}\">丁集团")),
        "a conflict may be declared with the group"
    );

    let res = post(
        "/assessors/groups/members".into(),
        vec![("enterprise", e1.clone()), ("group_id", group.clone())],
    )
    .await;
    assert_eq!(res.status(), 409, "already in the group");
    let body = res.text().await.unwrap();
    assert!(body.contains("丁集团华东公司 已属于 丁集团"), "{body}");

    let res = post(format!("/assessors/groups/members/{e1}/remove"), vec![]).await;
    assert_eq!(res.status(), 303);
    let (_, groups) = w.sec.send("GET", "/api/v1/enterprise-groups", None).await;
    assert_eq!(groups[0]["enterprises"], json!([]));

    // The page names enterprises by credit code (any case): joining a group, and a
    // conflict with an enterprise.
    let id = e1.clone();
    let code = app
        .conn(move |c| {
            certcase::db::models::enterprises::get(c, id.parse().unwrap())
                .unwrap()
                .unwrap()
                .credit_code
        })
        .await;
    let res = post(
        "/assessors/groups/members".into(),
        vec![
            ("enterprise", code.to_lowercase()),
            ("group_id", group.clone()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, groups) = w.sec.send("GET", "/api/v1/enterprise-groups", None).await;
    assert_eq!(groups[0]["enterprises"][0]["id"], e1.as_str());
    let assessor = w.assessor("孙悦", true, &["CD"], "2099-01-01").await;
    let res = post(
        "/assessors/conflicts".into(),
        vec![
            ("user_id", assessor.id.clone()),
            ("enterprise", code.clone()),
            ("with_id", String::new()),
            ("reason", "曾任其顾问".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, registry) = w.sec.send("GET", "/api/v1/assessors", None).await;
    let entries = registry
        .as_array()
        .or(registry["assessors"].as_array())
        .unwrap();
    let entry = entries
        .iter()
        .find(|a| a["user_id"] == assessor.id.as_str())
        .unwrap();
    assert_eq!(entry["conflicts"][0]["with_id"], e1.as_str(), "{entry}");
    assert_eq!(entry["conflicts"][0]["reason"], "曾任其顾问");
}
