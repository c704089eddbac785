//! The review panel's story: formed from evaluated enterprises (through the API or the
//! round page), recusal, quorum and majority, a return to the assessment panel with
//! reasons, and exactly one decision under 20 simultaneous votes.

use certcase::domain::access::Role;
use certcase::domain::audit::Kind;
use serde_json::{json, Value};

use crate::groups::kinds_logged;
use crate::helpers::{csrf_in, spawn_app};
use crate::panels::{person, world, Client, World};
use crate::scoring::{assessed, consolidate, submit_all, Assessed};

/// A scored application of the demo round.
pub(crate) async fn scored<'a>(w: &World<'a>) -> Assessed<'a> {
    let a = assessed(w).await;
    for m in [&a.lead, &a.b, &a.c] {
        submit_all(m, &a, |_| 3).await;
    }
    let (s, p) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 200, "{p}");
    a
}

/// `n` reviewers, each from their own evaluated enterprise (an accepted application).
/// Whether the review member's list page shows the application, in the view of those
/// awaiting their vote and in the view of all.
pub async fn in_review_list(w: &World<'_>, member: &Client<'_>, application: &str) -> [bool; 2] {
    let page = w.app.signed_in(&member.login).await;
    let mut out = [false; 2];
    for (i, query) in ["", "?show=all"].into_iter().enumerate() {
        let html = page
            .get(w.app.url(&format!("/reviewer/applications{query}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        out[i] = html.contains(&format!("href=\"/applications/{application}/review\""));
    }
    out
}

pub async fn reviewers<'a>(w: &World<'a>, n: usize) -> Vec<(Client<'a>, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let (e, _) = w
            .enterprise(&format!("评审企业{i}"), &[Role::Enterprise])
            .await;
        w.accepted(&e, "TO", 2).await;
        out.push((
            person(w.app, &format!("评审专家{i}"), &[Role::Reviewer]).await,
            e,
        ));
    }
    out
}

pub async fn form(w: &World<'_>, members: &[(String, String)], quorum: usize) -> (u16, Value) {
    let members: Vec<Value> = members
        .iter()
        .map(|(u, e)| json!({"user_id": u, "enterprise_id": e}))
        .collect();
    w.sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/review-panel", w.round),
            Some(json!({"members": members, "quorum": quorum})),
        )
        .await
}

pub async fn vote(
    who: &Client<'_>,
    application: &str,
    approve: bool,
    reasons: &[&str],
) -> (u16, Value) {
    who.send(
        "POST",
        &format!("/api/v1/applications/{application}/votes"),
        Some(json!({"approve": approve, "reasons": reasons})),
    )
    .await
}

/// The secretariat records that `assessor` has a conflict with `party` (a competitor).
/// Moves the application to `status` as a use case would write it, nothing else.
async fn set_status(app: &crate::helpers::TestApp, application: &str, status: &'static str) {
    use certcase::db::schema::applications;
    use diesel::prelude::*;
    let id = application.to_string();
    app.conn(move |c| {
        diesel::update(applications::table.filter(applications::id.eq(id)))
            .set(applications::status.eq(status))
            .execute(c)
            .unwrap();
    })
    .await;
}

async fn declare_conflict(w: &World<'_>, assessor: &str, party: &str) {
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{assessor}/conflicts"),
            Some(json!({"with_id": party, "reason": "竞争对手"})),
        )
        .await;
    assert_eq!(s, 204, "{p}");
}

#[tokio::test]
async fn recused_members_neither_see_nor_vote_and_a_return_goes_back_to_the_panel_with_reasons() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    let (s, p) = a.lead.send("POST", &send, None).await;
    assert_eq!(s, 409, "no review panel yet: {p}");

    let panel = reviewers(&w, 3).await;
    // A member from the applicant itself, and one with a declared conflict.
    let applicant = w.app.enterprise_of(&a.application).await;
    let own = person(&app, "本企业专家", &[Role::Reviewer]).await;
    let declared = &panel[2].0;
    declare_conflict(&w, &declared.id, &applicant).await;
    let (unevaluated, _) = w.enterprise("未参评企业", &[Role::Enterprise]).await;
    let (s, p) = form(&w, &[(own.id.clone(), unevaluated)], 1).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("is not an evaluated enterprise"),
        "{p}"
    );

    let mut members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    members.push((own.id.clone(), applicant.clone()));
    let (s, p) = form(&w, &members, 5).await;
    assert_eq!(s, 422, "quorum above the members: {p}");
    let (s, p) = form(&w, &members, 2).await;
    assert_eq!(s, 201, "{p}");

    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);
    assert_eq!(w.status(&a.application).await, "in_review");

    let scores = format!("/api/v1/applications/{}/scores", a.application);
    for recused in [&own, declared] {
        assert_eq!(
            recused.send("GET", &scores, None).await.0,
            404,
            "{} cannot see it",
            recused.name
        );
        assert_eq!(
            vote(recused, &a.application, true, &[]).await.0,
            404,
            "{} cannot vote",
            recused.name
        );
    }
    for recused in [&own, declared] {
        assert_eq!(
            in_review_list(&w, recused, &a.application).await,
            [false, false],
            "{} does not list it",
            recused.name
        );
    }
    assert_eq!(
        in_review_list(&w, &panel[0].0, &a.application).await,
        [true, true]
    );
    let reviewer = &panel[0].0;
    let (s, v) = reviewer.send("GET", &scores, None).await;
    assert_eq!(s, 200);
    assert!(
        v["consolidation"].is_array() && v["result"]["achieved_level"] == 3,
        "{v}"
    );
    assert!(
        !v.to_string().contains("COMMENT-BY") && !v.to_string().contains("李雷"),
        "{v}"
    );

    // The decision view shows the consolidation and its rationale, no individual score.
    let page = format!("/applications/{}/assessment", a.application);
    let browser = app.signed_in(&reviewer.login).await;
    let html = browser
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("经讨论一致"), "the rationale is shown");
    let review_page = format!("/applications/{}/review", a.application);
    assert!(
        html.contains(&format!("href=\"{review_page}\"")),
        "a link to vote"
    );
    let vote_form = browser
        .get(app.url(&review_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(vote_form.contains(&format!("action=\"/applications/{}/votes\"", a.application)));
    assert!(
        !html.contains("COMMENT-BY") && !html.contains("李雷"),
        "no individual scores or names"
    );
    let recused_page = app.signed_in(&own.login).await;
    assert_eq!(
        recused_page
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let (s, _) = vote(reviewer, &a.application, false, &[]).await;
    assert_eq!(s, 422, "a return needs reasons");
    let (s, d) = vote(reviewer, &a.application, false, &["CD-CM-01 的证据不足"]).await;
    assert_eq!(s, 200);
    assert_eq!(d["decision"], Value::Null, "below quorum");
    crate::tasks::assert_reviewer_counts_kept(&app).await;
    // Leaving review without a decision (as a reopening on appeal does) closes the open
    // vote in the kept counts, and coming back to review in the same cycle reopens it.
    for status in ["in_assessment", "in_review"] {
        set_status(&app, &a.application, status).await;
        crate::tasks::assert_reviewer_counts_kept(&app).await;
    }
    assert_eq!(
        vote(reviewer, &a.application, true, &[]).await.0,
        409,
        "one vote each"
    );
    let second = app.signed_in(&panel[1].0.login).await;
    let res = app
        .submit_form(
            &second,
            &page,
            &format!("/applications/{}/votes", a.application),
            &[("vote", "approve"), ("reasons", ""), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status(), 303, "a tie returns the application");
    assert_eq!(w.status(&a.application).await, "in_assessment");
    let (_, detail) = w
        .sec
        .send(
            "GET",
            &format!("/api/v1/applications/{}", a.application),
            None,
        )
        .await;
    let history = detail["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["event"] == "return" && h["reason"] == "CD-CM-01 的证据不足"),
        "{detail}"
    );
    assert_eq!(history.last().unwrap()["to_status"], "in_assessment");
    crate::tasks::assert_reviewer_counts_kept(&app).await;
}

#[tokio::test]
async fn twenty_simultaneous_approvals_lead_to_exactly_one_decision() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let panel = reviewers(&w, 20).await;
    let members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form(&w, &members, 5).await.0, 201);
    assert_eq!(
        a.lead
            .send(
                "POST",
                &format!("/api/v1/applications/{}/send-to-review", a.application),
                None
            )
            .await
            .0,
        204
    );

    let votes = panel
        .iter()
        .map(|(c, _)| vote(c, &a.application, true, &[]));
    let results = futures_util::future::join_all(votes).await;
    let decided = results
        .iter()
        .filter(|(s, d)| *s == 200 && d["decision"] == "approved")
        .count();
    let refused = results.iter().filter(|(s, _)| *s == 409).count();
    assert!(
        results.iter().all(|(s, _)| *s == 200 || *s == 409),
        "{results:?}"
    );
    assert_eq!(decided, 1, "{results:?}");
    assert!(refused >= 1);
    let id = a.application.clone();
    let decisions = app
        .conn(move |c| certcase::db::models::review::decisions(c, id.parse().unwrap()).unwrap())
        .await;
    assert_eq!(decisions.len(), 1);
    assert!(decisions[0].approved);
    assert_eq!(w.status(&a.application).await, "approved");

    // Approved: the enterprise now sees the consolidated result, and only that.
    let (s, v) = a
        .enterprise
        .send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["result"]["achieved_level"], 3);
    assert!(v["result"]["domain_levels"].as_object().unwrap().len() > 1);
    for secret in [
        "李雷",
        "韩梅梅",
        "COMMENT-BY",
        "rationale",
        "flag",
        "progress",
        "others_scores",
    ] {
        assert!(!v.to_string().contains(secret), "{secret} leaked: {v}");
    }
}

#[tokio::test]
async fn the_secretariat_forms_the_review_panel_on_the_round_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let panel = reviewers(&w, 2).await;
    let round_page = format!("/rounds/{}", w.round);
    let sec = app.signed_in(&w.sec.login).await;
    let html = sec
        .get(app.url(&round_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("本轮尚未组建评审组。"),
        "pages default to Chinese"
    );
    for (reviewer, _) in &panel {
        assert!(html.contains(&format!("name=\"member\" value=\"{}\"", reviewer.id)));
    }
    let token = csrf_in(&html);
    let submit = |fields: Vec<(String, String)>| {
        let (sec, url, h) = (
            sec.clone(),
            app.url(&format!("{round_page}/review-panel")),
            app.same_origin(),
        );
        let mut fields = fields;
        fields.push(("csrf_token".into(), token.clone()));
        async move { sec.post(url).headers(h).form(&fields).send().await.unwrap() }
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    for (reviewer, enterprise) in &panel {
        fields.push(("member".into(), reviewer.id.clone()));
        fields.push((format!("enterprise_{}", reviewer.id), enterprise.clone()));
    }

    let mut too_many = fields.clone();
    too_many.extend([
        ("quorum".into(), "3".into()),
        ("majority".into(), "2/3".into()),
    ]);
    let res = submit(too_many).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("法定人数应为 1 至成员人数（2），而不是 3"),
        "the refusal is on the page: {body}"
    );
    assert!(
        body.contains(&format!(
            "name=\"member\" value=\"{}\" checked",
            panel[1].0.id
        )),
        "the form keeps what was filled in"
    );

    let mut bad_majority = fields.clone();
    bad_majority.extend([
        ("quorum".into(), "2".into()),
        ("majority".into(), "half".into()),
    ]);
    let res = submit(bad_majority).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("the majority is a fraction such as 2&#x2F;3, not &#x27;half&#x27;"),
        "{body}"
    );

    // The page names an expert's enterprise by its credit code; one that names no
    // enterprise is refused with the expert's name, as typed.
    let mut unknown = fields.clone();
    unknown[1].1 = "91110000NOSUCH0000".into();
    unknown.extend([
        ("quorum".into(), "2".into()),
        ("majority".into(), "2/3".into()),
    ]);
    let res = submit(unknown).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("评审专家0：没有该企业"), "{body}");
    assert!(
        body.contains("value=\"91110000NOSUCH0000\""),
        "kept as typed"
    );
    let e0: String = panel[0].1.clone();
    let code = app
        .conn(move |c| {
            certcase::db::models::enterprises::get(c, e0.parse().unwrap())
                .unwrap()
                .unwrap()
                .credit_code
        })
        .await;
    fields[1].1 = code.to_lowercase();

    fields.extend([
        ("quorum".into(), "2".into()),
        ("majority".into(), "2/3".into()),
    ]);
    let res = submit(fields).await;
    assert_eq!(res.status(), 303);
    let html = sec
        .get(app.url(&round_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("法定票数（作出决定所需票数）: 2 · 通过需超过 2/3 的票数"),
        "{html}"
    );
    for i in 0..2 {
        assert!(html.contains(&format!("<td>评审专家{i}</td><td>评审企业{i}</td>")));
    }
    let formed = kinds_logged(&app, Kind::ReviewPanelFormed).await;
    assert_eq!(formed.len(), 1);
    assert_eq!(formed[0].object_id, w.round);

    // Others see the round, not the review panel, and may not form it.
    let assessor = person(&app, "评估员", &[Role::Assessor]).await;
    let browser = app.signed_in(&assessor.login).await;
    let html = browser
        .get(app.url(&round_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("review-panel"));
    let res = browser
        .post(app.url(&format!("{round_page}/review-panel")))
        .headers(app.same_origin())
        .form(&[
            ("csrf_token", csrf_in(&html)),
            ("member", assessor.id.clone()),
            ("quorum", "1".into()),
            ("majority", "1/2".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(kinds_logged(&app, Kind::ReviewPanelFormed).await.len(), 1);
}

/// The recipients (user ids, sorted) of the queued messages of one kind.
async fn mailed(app: &crate::helpers::TestApp, kind: &'static str) -> Vec<String> {
    let mut to: Vec<String> = app
        .conn(|c| certcase::db::models::mail::all(c).unwrap())
        .await
        .into_iter()
        .filter(|r| r.message_kind == kind)
        .filter_map(|r| r.recipient_user_id.map(|u| u.to_string()))
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn recusals_never_shrink_the_quorum_the_application_waits_for_members() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let applicant = w.app.enterprise_of(&a.application).await;
    // Quorum 2 and four members, three of them recused by a declared conflict.
    let panel = reviewers(&w, 5).await;
    for (recused, _) in &panel[1..4] {
        declare_conflict(&w, &recused.id, &applicant).await;
    }
    let four: Vec<(String, String)> = panel[..4]
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form(&w, &four, 2).await.0, 201);
    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);
    // Every secretariat account is told, once.
    let told = mailed(&app, "review_members_needed").await;
    assert!(told.contains(&w.sec.id), "{told:?}");
    let mut once = told.clone();
    once.dedup();
    assert_eq!(once, told);

    // The one eligible member's approval is kept but decides nothing.
    let only = &panel[0].0;
    let (s, d) = vote(only, &a.application, true, &[]).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["decision"], Value::Null);
    assert_eq!(w.status(&a.application).await, "in_review");
    assert!(kinds_logged(&app, Kind::ReviewDecided).await.is_empty());
    assert_eq!(
        mailed(&app, "review_members_needed").await,
        told,
        "told once"
    );

    // The review page says why, in the reader's language; the enterprise is not told.
    let page = format!("/applications/{}/assessment", a.application);
    for (who, says) in [
        (&only.login, "只有 1 名成员可以对该申请投票，少于法定人数 2"),
        (
            &w.sec.login,
            "只有 1 名成员可以对该申请投票，少于法定人数 2",
        ),
    ] {
        let html = app
            .signed_in(who)
            .await
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(says), "{html}");
    }
    let english = app.signed_in(&only.login).await;
    let res = app
        .submit_form(&english, "/", "/lang", &[("lang", "en")])
        .await;
    assert_eq!(res.status(), 303);
    let html = english
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("recusals leave 1 members of the review panel able to vote on this application, fewer than the quorum of 2"),
        "{html}"
    );
    let enterprise = app.signed_in(&a.enterprise.login).await;
    let html = enterprise
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("review-waiting"), "{html}");
    // The secretariat's inbox lists it.
    let inbox = app
        .signed_in(&w.sec.login)
        .await
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("评审委员会需要增加成员"), "{inbox}");

    // Re-formed still too small: told again, for the new panel.
    assert_eq!(form(&w, &four, 2).await.0, 201);
    assert_eq!(
        mailed(&app, "review_members_needed").await.len(),
        2 * told.len()
    );

    // A fifth member: the kept approval and theirs make the quorum.
    let five: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form(&w, &five, 2).await.0, 201);
    assert_eq!(
        mailed(&app, "review_members_needed").await.len(),
        2 * told.len()
    );
    let (s, d) = vote(&panel[4].0, &a.application, true, &[]).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["decision"], "approved", "{d}");
    assert_eq!(w.status(&a.application).await, "approved");
}

#[tokio::test]
async fn a_re_formed_panel_decides_at_once_on_the_votes_kept_while_it_was_short() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let applicant = w.app.enterprise_of(&a.application).await;
    let panel = reviewers(&w, 2).await;
    declare_conflict(&w, &panel[1].0.id, &applicant).await;
    let both: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form(&w, &both, 2).await.0, 201);
    let send = format!("/api/v1/applications/{}/send-to-review", a.application);
    assert_eq!(a.lead.send("POST", &send, None).await.0, 204);
    let (s, d) = vote(&panel[0].0, &a.application, true, &[]).await;
    assert_eq!((s, &d["decision"]), (200, &Value::Null), "{d}");
    assert_eq!(w.status(&a.application).await, "in_review");

    // The secretariat re-forms the panel with a quorum its eligible member can meet: the
    // approval already cast decides, in the same transaction, by the secretariat's hand.
    assert_eq!(form(&w, &both, 1).await.0, 201);
    assert_eq!(w.status(&a.application).await, "approved");
    let decided = kinds_logged(&app, Kind::ReviewDecided).await;
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert_eq!(decided[0].actor_user_id.as_deref(), Some(w.sec.id.as_str()));
    crate::tasks::assert_reviewer_counts_kept(&app).await;
}
