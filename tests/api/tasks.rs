//! The home page after sign-in: what each role has to do next, with counts and links,
//! one section per role held; the same list as JSON.

use certcase::domain::access::Role;
use certcase::domain::application_status::Status;
use diesel::RunQueryDsl;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::panels::{person, world, Client, World};
use crate::review::{form, reviewers, scored, vote};
use crate::scoring::{assessed, submit_all};

/// Every panel seat's copy of its application's status (kept by triggers, read by the
/// assessor's task list) as (seats, seats whose copy differs from the application).
async fn seat_status_copies(app: &TestApp) -> (i64, i64) {
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        seats: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        differ: i64,
    }
    app.conn(|c| {
        let n: Counts = diesel::sql_query(
            "SELECT COUNT(*) AS seats, \
               COALESCE(SUM(CASE WHEN s.application_status = a.status THEN 0 ELSE 1 END), 0) \
               AS differ \
             FROM panel_seats s JOIN applications a ON a.id = s.application_id",
        )
        .get_result(c)
        .unwrap();
        (n.seats, n.differ)
    })
    .await
}

/// The applications per (round, status) as counted from `applications`, and as kept in
/// `application_counts` by triggers (rows whose count fell to zero left out).
async fn application_counts(app: &TestApp) -> (CountsByStatus, CountsByStatus) {
    use certcase::db::schema::{application_counts as kept, applications};
    use diesel::dsl::count_star;
    use diesel::prelude::*;
    app.conn(|c| {
        let counted: Vec<(String, String, i64)> = applications::table
            .group_by((applications::round_id, applications::status))
            .select((applications::round_id, applications::status, count_star()))
            .load(c)
            .unwrap();
        let stored: Vec<(String, String, i32)> = kept::table
            .filter(kept::n.ne(0))
            .select((kept::round_id, kept::status, kept::n))
            .load(c)
            .unwrap();
        (
            counted.into_iter().map(|(r, s, n)| ((r, s), n)).collect(),
            stored
                .into_iter()
                .map(|(r, s, n)| ((r, s), i64::from(n)))
                .collect(),
        )
    })
    .await
}

type CountsByStatus = std::collections::BTreeMap<(String, String), i64>;

/// Checks, for every review member, the kept counts of the task list against the
/// definitions: "votes pending" is how many applications their list shows awaiting their
/// vote (every page of it), decisions are counted from the rows.
pub(crate) async fn assert_reviewer_counts_kept(app: &TestApp) {
    #[derive(diesel::QueryableByName)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::Text)]
        user_id: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        decisions: i64,
    }
    app.conn(|c| {
        let counted: Vec<Counted> = diesel::sql_query(
            "WITH members AS (SELECT DISTINCT user_id FROM review_members), \
                  rounds_of AS (SELECT m.user_id, p.round_id FROM review_members m \
                                JOIN review_panels p ON p.id = m.review_panel_id) \
             SELECT u.user_id, \
               (SELECT COUNT(*) FROM review_decisions d JOIN applications a \
                  ON a.id = d.application_id \
                WHERE a.round_id IN (SELECT round_id FROM rounds_of r WHERE r.user_id = u.user_id)) \
               AS decisions \
             FROM members u ORDER BY u.user_id",
        )
        .load(c)
        .unwrap();
        assert!(!counted.is_empty(), "a review panel was formed");
        for m in counted {
            let user: certcase::domain::ids::UserId = m.user_id.parse().unwrap();
            let member = certcase::domain::access::Principal {
                user_id: user,
                email: String::new(),
                display_name: String::new(),
                roles: [Role::Reviewer].into(),
            };
            let mut listed = 0;
            let mut after: Option<String> = None;
            loop {
                let window = certcase::domain::listing::Window::parse(
                    certcase::workflow::review::REVIEW_LIST,
                    2,
                    after.as_deref(),
                    None,
                    Some(2),
                )
                .unwrap();
                let page = certcase::workflow::review::my_reviews(c, &member, true, &window)
                    .unwrap();
                listed += page.rows.len() as i64;
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let scopes = certcase::workflow::review::review_scopes(c, user).unwrap();
            let kept =
                certcase::db::models::tasks::reviewer(c, user, &[Status::InReview], &scopes)
                    .unwrap();
            assert_eq!(
                kept,
                [listed, m.decisions],
                "review member {}: kept [pending, decisions] against listed and counted",
                m.user_id
            );
        }
    })
    .await
}

/// An application of the enterprise for `part` of the demo round, stored in `status`.
async fn application_in(w: &World<'_>, enterprise: &str, part: &str, status: Status) -> String {
    let (round, e, p) = (w.round.clone(), enterprise.to_string(), part.to_string());
    let id = uuid::Uuid::now_v7().to_string();
    let aid = id.clone();
    w.app
        .conn(move |c| {
            let t = certcase::db::models::now();
            certcase::db::models::applications::insert(
                c,
                &certcase::db::models::applications::NewApplication {
                    id: aid.parse().unwrap(),
                    round_id: round.parse().unwrap(),
                    enterprise_id: e.parse().unwrap(),
                    part_code: &p,
                    target_level: 3,
                    scope: "核心交易系统",
                    scope_en: None,
                    contact_name: "张喆",
                    contact_email: "zz@example.cn",
                    status,
                    created_at: t,
                    updated_at: t,
                },
            )
            .unwrap();
        })
        .await;
    id
}

/// The caller's task list: role → task → count.
async fn counts(who: &Client<'_>) -> Vec<(String, Vec<(String, i64)>)> {
    let (s, v) = who.send("GET", "/api/v1/tasks", None).await;
    assert_eq!(s, 200, "{v}");
    v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let tasks = s["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t["task"].as_str().unwrap().to_string(),
                        t["count"].as_i64().unwrap(),
                    )
                })
                .collect();
            (s["role"].as_str().unwrap().to_string(), tasks)
        })
        .collect()
}

async fn count(who: &Client<'_>, role: &str, task: &str) -> i64 {
    let sections = counts(who).await;
    let (_, tasks) = sections
        .iter()
        .find(|(r, _)| r == role)
        .unwrap_or_else(|| panic!("no {role} section in {sections:?}"));
    tasks
        .iter()
        .find(|(t, _)| t == task)
        .unwrap_or_else(|| panic!("no {task} in {tasks:?}"))
        .1
}

async fn home(who: &Client<'_>) -> String {
    let browser = who.app.signed_in(&who.login).await;
    let res = browser.get(who.app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test]
async fn anonymous_visitors_get_the_landing_page_and_a_person_with_two_roles_two_sections() {
    let app = spawn_app().await;
    let res = crate::helpers::browser()
        .get(app.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"verify-link\""), "{html}");
    assert!(!html.contains("id=\"tasks-"), "{html}");

    let both = person(&app, "秘书处兼评审", &[Role::Reviewer, Role::Secretariat]).await;
    let sections = counts(&both).await;
    let roles: Vec<&str> = sections.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles, ["secretariat", "reviewer"]);
    let html = home(&both).await;
    assert!(html.contains("待办事项"), "{html}");
    assert!(html.contains("id=\"tasks-secretariat\""));
    assert!(html.contains("id=\"tasks-reviewer\""));
    assert!(html.contains("待核验的企业"));
    assert!(!html.contains("id=\"tasks-assessor\""));
    assert!(!html.contains("id=\"tasks-enterprise\""));
}

#[tokio::test]
async fn the_secretariat_counts_what_waits_for_it_and_links_to_the_filtered_list() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (e, member) = w
        .enterprise("北京喆堃科技有限公司", &[Role::Enterprise])
        .await;
    let submitted = application_in(&w, &e, "CD", Status::Submitted).await;
    let accepted = application_in(&w, &e, "TO", Status::Accepted).await;
    application_in(&w, &e, "SEC", Status::Scored).await;
    application_in(&w, &e, "TOOL", Status::Approved).await;
    let (other_id, other) = w.enterprise("上海某银行", &[Role::Enterprise]).await;
    application_in(&w, &other_id, "CD", Status::Draft).await;

    let sec = &w.sec;
    assert_eq!(count(sec, "secretariat", "enterprises_to_verify").await, 2);
    assert_eq!(count(sec, "secretariat", "applications_to_accept").await, 1);
    assert_eq!(count(sec, "secretariat", "panels_to_form").await, 1);
    assert_eq!(count(sec, "secretariat", "review_panels_to_form").await, 1);
    assert_eq!(count(sec, "secretariat", "results_to_issue").await, 1);
    assert_eq!(count(sec, "secretariat", "certificates_expiring").await, 0);
    assert_eq!(count(sec, "secretariat", "quorum_alerts").await, 0);

    assert_eq!(count(&member, "enterprise", "results").await, 1);
    assert_eq!(count(&member, "enterprise", "certificates").await, 0);
    // Each enterprise counts its own applications only.
    assert_eq!(count(&member, "enterprise", "drafts").await, 0);
    assert_eq!(count(&other, "enterprise", "drafts").await, 1);
    assert_eq!(count(&other, "enterprise", "results").await, 0);

    // With its panel set, the accepted application no longer waits for one.
    w.seat_panel(&accepted, "TO").await;
    assert_eq!(count(sec, "secretariat", "panels_to_form").await, 0);

    let html = home(sec).await;
    assert!(
        html.contains("href=\"/applications?status=submitted\""),
        "{html}"
    );
    let browser = app.signed_in(&sec.login).await;
    let res = browser
        .get(app.url("/applications?status=submitted"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list = res.text().await.unwrap();
    assert!(list.contains(&submitted), "{list}");
    assert!(!list.contains(&accepted), "{list}");
    assert!(list.contains("id=\"status-filter\""));
    let (counted, kept) = application_counts(&app).await;
    assert_eq!(kept, counted, "the secretariat's counts read these");
}

#[tokio::test]
async fn an_assessor_sees_assigned_applications_with_enterprise_part_level_and_due_date() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    assert_eq!(count(&a.lead, "assessor", "assigned_applications").await, 1);
    assert_eq!(count(&a.lead, "assessor", "scores_not_submitted").await, 1);
    assert_eq!(
        count(&a.lead, "assessor", "clarifications_answered").await,
        0
    );

    let (_, v) = a.lead.send("GET", "/api/v1/tasks", None).await;
    let assigned = &v["sections"][0]["assigned"][0];
    assert_eq!(assigned["application_id"], a.application.as_str());
    assert_eq!(assigned["enterprise"]["zh"], "北京喆堃科技有限公司");
    assert_eq!(assigned["part_code"], "CD");
    assert_eq!(assigned["target_level"], 3);
    let round = w.round.clone();
    let ends = app
        .conn(move |c| {
            certcase::db::models::rounds::get(c, round.parse().unwrap())
                .unwrap()
                .unwrap()
                .assessment_ends
        })
        .await;
    assert_eq!(assigned["due_on"], Value::String(ends.to_string()));

    let html = home(&a.lead).await;
    assert!(html.contains("北京喆堃科技有限公司"), "{html}");
    assert!(html.contains("持续交付"), "the part by its name: {html}");
    assert!(
        !html.contains(&ends.to_string()),
        "the date in local format"
    );

    submit_all(&a.lead, &a, |_| 3).await;
    assert_eq!(count(&a.lead, "assessor", "scores_not_submitted").await, 0);
    assert_eq!(count(&a.b, "assessor", "scores_not_submitted").await, 1);
    assert_eq!(count(&a.lead, "assessor", "assigned_applications").await, 1);
    let (seats, differ) = seat_status_copies(&app).await;
    assert!(seats >= 3, "the panel's seats: {seats}");
    assert_eq!(differ, 0, "a new seat takes its application's status");
}

#[tokio::test]
async fn a_review_member_sees_the_vote_pending_until_cast_and_then_the_decision() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    assert_eq!(
        count(&w.sec, "secretariat", "review_panels_to_form").await,
        1
    );
    let panel = reviewers(&w, 1).await;
    let (s, p) = form(&w, &[(panel[0].0.id.clone(), panel[0].1.clone())], 1).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        count(&w.sec, "secretariat", "review_panels_to_form").await,
        0
    );
    let reviewer = &panel[0].0;
    assert_eq!(count(reviewer, "reviewer", "votes_pending").await, 0);
    assert_reviewer_counts_kept(&app).await;

    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);
    assert_eq!(count(reviewer, "reviewer", "votes_pending").await, 1);
    assert_eq!(count(reviewer, "reviewer", "decisions").await, 0);
    assert_reviewer_counts_kept(&app).await;

    let (s, d) = vote(reviewer, &a.application, true, &[]).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(count(reviewer, "reviewer", "votes_pending").await, 0);
    assert_eq!(count(reviewer, "reviewer", "decisions").await, 1);
    assert_reviewer_counts_kept(&app).await;
    assert_eq!(count(&a.enterprise, "enterprise", "results").await, 1);
    assert_eq!(count(&w.sec, "secretariat", "results_to_issue").await, 1);
    assert_eq!(count(&a.lead, "assessor", "assigned_applications").await, 0);
    let (seats, differ) = seat_status_copies(&app).await;
    assert!(seats >= 3, "the panel's seats: {seats}");
    assert_eq!(
        differ, 0,
        "the seats follow their application's status changes"
    );
    let (counted, kept) = application_counts(&app).await;
    assert!(counted.len() > 1, "{counted:?}");
    assert_eq!(kept, counted, "the counts follow every status change");
}
