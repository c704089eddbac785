//! The assessor's and the reviewer's pages through a browser's eyes: who may open them,
//! what they show at the top, forms that keep what was typed when refused, confirmation
//! of final steps, the clarification loop done through pages only, and the evidence
//! preview's headers.

use certcase::domain::access::Role;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::evidence::pdf;
use crate::helpers::{browser, csrf_in, TestApp};
use crate::panels::{person, world};
use crate::review::{form as form_review_panel, reviewers, scored};
use crate::scoring::{assessed, submit_all};

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, html) = get(app, client, "/").await;
    let token = csrf_in(&html);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    let res = client
        .post(app.url(path))
        .headers(app.same_origin())
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn date_in(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn the_assessment_page_names_the_enterprise_shows_criteria_and_asks_before_a_final_score() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let page = format!("/applications/{}/assessment", a.application);
    let item = a.items[0].clone();

    let lead = app.signed_in(&a.lead.login).await;
    let (s, html) = get(&app, &lead, &page).await;
    assert_eq!(s, 200);
    assert!(html.contains("北京喆堃科技有限公司"), "the enterprise name");
    assert!(html.contains("核心交易系统"), "the scope");
    assert!(
        html.contains("<details>"),
        "the level criteria beside each item"
    );
    assert!(
        html.contains("<option value=\"\">"),
        "an empty choice first"
    );
    assert!(!html.contains(" selected"), "no level is preselected");
    assert!(html.contains("<iframe name=\"preview\" sandbox"));
    assert!(html.contains(&format!(
        "action=\"/applications/{}/clarifications\"",
        a.application
    )));

    // Other parties, as designed.
    let outsider = person(&app, "路人甲", &[Role::Assessor]).await;
    let outsider = app.signed_in(&outsider.login).await;
    assert_eq!(get(&app, &outsider, &page).await.0, 404);
    let enterprise = app.signed_in(&a.enterprise.login).await;
    let (s, html) = get(&app, &enterprise, &page).await;
    assert_eq!(s, 200);
    assert!(
        !html.contains("/scores/"),
        "no scoring form for the enterprise"
    );
    let sec = app.signed_in(&w.sec.login).await;
    assert_eq!(get(&app, &sec, &page).await.0, 200);
    let res = browser().get(app.url(&page)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));

    // The assessor's list: enterprise, part, target, due date, scores not yet submitted.
    let (s, html) = get(&app, &lead, "/assessor/applications").await;
    assert_eq!(s, 200);
    assert!(html.contains("北京喆堃科技有限公司"));
    assert!(
        html.contains(&format!("<td>{}</td>", a.items.len())),
        "{html}"
    );
    assert_eq!(get(&app, &sec, "/assessor/applications").await.0, 403);

    // No level chosen: refused (422), with the comment typed kept beside the item.
    let action = format!("/applications/{}/scores/{item}", a.application);
    let (s, html) = post(
        &app,
        &lead,
        &action,
        &[
            ("level", ""),
            ("comment", "证据充分-保留"),
            ("action", "draft"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("value=\"证据充分-保留\""),
        "the comment is kept"
    );
    assert!(html.contains("role=\"alert\""));

    // A final score asks first; nothing is recorded until confirmed.
    let fields = [("level", "2"), ("comment", "终评"), ("action", "submit")];
    let (s, html) = post(&app, &lead, &action, &fields).await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"confirmed\" value=\"yes\""), "{html}");
    assert!(html.contains("name=\"level\" value=\"2\""));
    let scores = format!("/api/v1/applications/{}/scores", a.application);
    let (_, v) = a.lead.send("GET", &scores, None).await;
    assert_eq!(
        v["own_scores"],
        json!([]),
        "not recorded before confirmation"
    );
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirmed", "yes"));
    let (s, _) = post(&app, &lead, &action, &confirmed).await;
    assert_eq!(s, 303);
    let (_, v) = a.lead.send("GET", &scores, None).await;
    assert_eq!(v["own_scores"][0]["submitted"], true, "{v}");
}

#[tokio::test]
async fn a_consolidation_refused_for_one_missing_rationale_keeps_every_other_choice() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let disputed = a.items[0].clone();
    submit_all(&a.lead, &a, |_| 3).await;
    submit_all(&a.b, &a, |_| 3).await;
    let d = disputed.clone();
    submit_all(&a.c, &a, move |i| if i == d { 1 } else { 3 }).await;

    let lead = app.signed_in(&a.lead.login).await;
    let action = format!("/applications/{}/consolidation", a.application);
    let keys: Vec<(String, String)> = a
        .items
        .iter()
        .flat_map(|i| {
            let rationale = if *i == disputed {
                String::new()
            } else {
                format!("理由-{i}")
            };
            [
                (format!("level_{i}"), "2".to_string()),
                (format!("rationale_{i}"), rationale),
            ]
        })
        .collect();
    let fields: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, html) = post(&app, &lead, &action, &fields).await;
    assert_eq!(s, 422, "{html}");
    for i in a.items.iter().filter(|i| **i != disputed) {
        assert!(html.contains(&format!("value=\"理由-{i}\"")), "{i} kept");
    }
    assert_eq!(
        html.matches("<option value=\"2\" selected>").count(),
        a.items.len(),
        "every level chosen is kept"
    );
    let beside = html
        .find(&format!("id=\"consolidate-{disputed}\""))
        .unwrap();
    let next_row = html[beside..].find("</tr>").unwrap();
    assert!(
        html[beside..beside + next_row].contains("role=\"alert\""),
        "the message is beside the disputed item"
    );
    assert_eq!(w.status(&a.application).await, "in_assessment");

    // With the rationale it asks for confirmation, then consolidates.
    let mut fixed = keys.clone();
    for (k, v) in fixed.iter_mut() {
        if *k == format!("rationale_{disputed}") {
            *v = "讨论后取 2".into();
        }
    }
    let mut fields: Vec<(&str, &str)> = fixed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (s, html) = post(&app, &lead, &action, &fields).await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"confirmed\" value=\"yes\""));
    assert_eq!(w.status(&a.application).await, "in_assessment");
    fields.push(("confirmed", "yes"));
    let (s, _) = post(&app, &lead, &action, &fields).await;
    assert_eq!(s, 303);
    assert_eq!(w.status(&a.application).await, "scored");

    // Sending to review asks too; without a review panel it is refused on the page.
    let send = format!("/applications/{}/send-to-review", a.application);
    let (s, html) = post(&app, &lead, &send, &[]).await;
    assert_eq!(s, 409, "refused before it is confirmed");
    assert!(html.contains("role=\"alert\""));
    let (s, html) = post(&app, &lead, &send, &[("confirmed", "yes")]).await;
    assert_eq!(s, 409);
    assert!(html.contains("role=\"alert\""));
    assert_eq!(w.status(&a.application).await, "scored");
    let members = reviewers(&w, 2).await;
    let listed: Vec<(String, String)> = members
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form_review_panel(&w, &listed, 2).await.0, 201);
    let (s, html) = post(&app, &lead, &send, &[]).await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"confirmed\" value=\"yes\""));
    assert_eq!(w.status(&a.application).await, "scored");
    let (s, _) = post(&app, &lead, &send, &[("confirmed", "yes")]).await;
    assert_eq!(s, 303);
    assert_eq!(w.status(&a.application).await, "in_review");
}

#[tokio::test]
async fn the_clarification_loop_runs_through_pages_and_the_new_evidence_previews_inline() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let asked = a.items[1].clone();
    let lead = app.signed_in(&a.lead.login).await;
    let request = format!("/applications/{}/clarifications", a.application);
    let deadline = date_in(7);

    // No item ticked: refused, with the question and the deadline kept.
    let (s, html) = post(
        &app,
        &lead,
        &request,
        &[("message", "请补充流水线运行记录"), ("deadline", &deadline)],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains(">请补充流水线运行记录</textarea>"));
    assert!(html.contains(&format!("value=\"{deadline}\"")));
    let (s, html) = post(
        &app,
        &lead,
        &request,
        &[
            ("items", &asked),
            ("message", "请补充"),
            ("deadline", "next week"),
        ],
    )
    .await;
    assert_eq!(s, 422, "a deadline that is no date");
    assert!(
        html.contains(&format!("value=\"{asked}\" checked")),
        "ticked kept"
    );
    let (s, _) = post(
        &app,
        &lead,
        &request,
        &[
            ("items", &asked),
            ("message", "请补充流水线运行记录"),
            ("deadline", &deadline),
        ],
    )
    .await;
    assert_eq!(s, 303);

    // The enterprise sees the request on its application page and answers there.
    let enterprise = app.signed_in(&a.enterprise.login).await;
    let detail = format!("/applications/{}", a.application);
    let (s, html) = get(&app, &enterprise, &detail).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"clarifications\""));
    assert!(html.contains("请补充流水线运行记录"));
    let upload_action = format!("/applications/{}/items/{asked}/evidence", a.application);
    assert!(
        html.contains(&upload_action),
        "an upload form for the reopened item"
    );
    assert!(
        html.contains("应专家组澄清要求重新开放，截止") && html.contains("23:59（北京时间）"),
        "the reopening ends at the deadline's end in Beijing time, not in UTC"
    );
    let token = csrf_in(&html);
    for (name, bytes) in [
        ("runs.pdf", pdf(3000)),
        ("notes.txt", b"plain notes".to_vec()),
    ] {
        let form = Form::new()
            .text("description", "运行记录")
            .part("file", Part::bytes(bytes).file_name(name));
        let res = enterprise
            .post(app.url(&format!("{upload_action}?csrf_token={token}")))
            .headers(app.same_origin())
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{name} is taken as a new version");
    }
    let marker = "name=\"clarification_id\" value=\"";
    let cid_at = html.find(marker).unwrap() + marker.len();
    let cid = html[cid_at..cid_at + 36].to_string();
    let answers = format!("/applications/{}/clarification-answers", a.application);
    let (s, html) = post(
        &app,
        &enterprise,
        &answers,
        &[("clarification_id", &cid), ("answer", "  ")],
    )
    .await;
    assert_eq!(s, 422, "an empty answer");
    assert!(html.contains("role=\"alert\""), "{html}");
    let (s, _) = post(
        &app,
        &enterprise,
        &answers,
        &[("clarification_id", &cid), ("answer", "已上传运行记录")],
    )
    .await;
    assert_eq!(s, 303);

    // The lead reads the answer, opens the new evidence, and scores the item with it.
    let page = format!("/applications/{}/assessment", a.application);
    let (_, html) = get(&app, &lead, &page).await;
    assert!(html.contains("已上传运行记录"));
    let (_, files) = a
        .lead
        .send(
            "GET",
            &format!("/api/v1/applications/{}/evidence", a.application),
            None,
        )
        .await;
    let id_of = |name: &str| {
        files
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["display_name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (pdf_id, txt_id) = (id_of("runs.pdf"), id_of("notes.txt"));
    let pdf_url = format!("/applications/{}/evidence/{pdf_id}", a.application);
    assert!(html.contains(&format!("{pdf_url}?inline=1\" target=\"preview\"")));
    let res = lead
        .get(app.url(&format!("{pdf_url}?inline=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline;"));
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["x-frame-options"], "SAMEORIGIN",
        "framed by the scoring page only"
    );
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'self'"));
    let res = lead.get(app.url(&pdf_url)).send().await.unwrap();
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let txt_url = format!("/applications/{}/evidence/{txt_id}?inline=1", a.application);
    let res = lead.get(app.url(&txt_url)).send().await.unwrap();
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"),
        "other types never open inline"
    );

    let action = format!("/applications/{}/scores/{asked}", a.application);
    let (s, _) = post(
        &app,
        &lead,
        &action,
        &[
            ("level", "3"),
            ("evidence", &pdf_id),
            ("action", "submit"),
            ("confirmed", "yes"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (_, v) = a
        .lead
        .send(
            "GET",
            &format!("/api/v1/applications/{}/scores", a.application),
            None,
        )
        .await;
    assert_eq!(v["own_scores"][0]["evidence_ids"], json!([pdf_id]), "{v}");
    let (_, html) = get(&app, &lead, "/assessor/applications").await;
    assert!(html.contains("<td>1</td>"), "one clarification answered");
}

#[tokio::test]
async fn the_review_page_tallies_the_votes_and_a_vote_is_chosen_explained_and_confirmed() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let a = scored(&w).await;
    let members = reviewers(&w, 3).await;
    let listed: Vec<(String, String)> = members
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    let (s, p) = form_review_panel(&w, &listed, 2).await;
    assert_eq!(s, 201, "{p}");
    let (s, p) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{}/send-to-review", a.application),
            None,
        )
        .await;
    assert_eq!(s, 204, "{p}");
    let page = format!("/applications/{}/review", a.application);
    let votes = format!("/applications/{}/votes", a.application);

    // In review, the application leaves the assessors' open work and stays among all
    // their panels.
    let assessor = app.signed_in(&a.lead.login).await;
    let assessed = format!("href=\"/applications/{}/assessment\"", a.application);
    let (_, open) = get(&app, &assessor, "/assessor/applications").await;
    assert!(!open.contains(&assessed), "{open}");
    let (_, all) = get(&app, &assessor, "/assessor/applications?show=all").await;
    assert!(all.contains(&assessed), "{all}");

    let first = app.signed_in(&members[0].0.login).await;
    let (s, html) = get(&app, &first, "/reviewer/applications").await;
    assert_eq!(s, 200);
    assert!(html.contains("北京喆堃科技有限公司"));
    assert!(html.contains(&format!("href=\"{page}\"")));
    let (s, html) = get(&app, &first, &page).await;
    assert_eq!(s, 200);
    assert!(html.contains("北京喆堃科技有限公司") && html.contains("核心交易系统"));
    assert!(html.contains("id=\"tally\""));
    assert!(html.contains(&format!("action=\"{votes}\"")));
    assert!(!html.contains(" checked"), "no vote is preselected");

    // No choice, then a return without reasons: refused, with what was typed kept.
    let (s, html) = post(&app, &first, &votes, &[("reasons", "范围描述不清")]).await;
    assert_eq!(s, 422);
    assert!(html.contains(">范围描述不清</textarea>"));
    let (s, html) = post(
        &app,
        &first,
        &votes,
        &[("vote", "return"), ("reasons", " ")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("value=\"return\" checked"));

    // An approval asks first, then counts.
    let (s, html) = post(&app, &first, &votes, &[("vote", "approve")]).await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"confirmed\" value=\"yes\""));
    let (_, html) = get(&app, &first, &page).await;
    assert!(
        html.contains("<dd>0</dd>"),
        "nothing counted before confirmation"
    );
    let (s, _) = post(
        &app,
        &first,
        &votes,
        &[("vote", "approve"), ("confirmed", "yes")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, html) = get(&app, &first, &page).await;
    assert!(html.contains("id=\"own-vote\""));
    assert!(
        !html.contains(&format!("action=\"{votes}\"")),
        "one vote each"
    );

    // Others: the secretariat reads, the enterprise and the panel may not, a reviewer of
    // no review panel finds nothing, and anonymous visitors sign in first.
    let sec = app.signed_in(&w.sec.login).await;
    let (s, html) = get(&app, &sec, &page).await;
    assert_eq!(s, 200);
    assert!(!html.contains(&format!("action=\"{votes}\"")), "read-only");
    let enterprise = app.signed_in(&a.enterprise.login).await;
    assert_eq!(get(&app, &enterprise, &page).await.0, 403);
    let lead = app.signed_in(&a.lead.login).await;
    assert_eq!(get(&app, &lead, &page).await.0, 403);
    let stranger = person(&app, "外部评审", &[Role::Reviewer]).await;
    let stranger = app.signed_in(&stranger.login).await;
    assert_eq!(get(&app, &stranger, &page).await.0, 404);
    let res = browser().get(app.url(&page)).send().await.unwrap();
    assert_eq!(res.status(), 303);

    // The second approval reaches the quorum: the page shows the outcome.
    let second = app.signed_in(&members[1].0.login).await;
    let (s, _) = post(
        &app,
        &second,
        &votes,
        &[("vote", "approve"), ("confirmed", "yes")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(w.status(&a.application).await, "approved");
    let (_, html) = get(&app, &second, &page).await;
    assert!(html.contains("id=\"outcome\""));
    let third = app.signed_in(&members[2].0.login).await;
    let (_, list) = get(&app, &third, "/reviewer/applications").await;
    assert!(
        !list.contains("北京喆堃科技有限公司"),
        "a decided application awaits no vote"
    );
    let (_, list) = get(&app, &third, "/reviewer/applications?show=all").await;
    assert!(
        list.contains("北京喆堃科技有限公司")
            && list.contains("href=\"/reviewer/applications?show=all\" aria-current=\"page\""),
        "decided applications stay listed among all"
    );
    assert_eq!(
        get(&app, &third, "/reviewer/applications?show=mine")
            .await
            .0,
        400,
        "an unknown filter is refused"
    );
}
