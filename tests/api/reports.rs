//! Programme reports: the secretariat's page, JSON, CSV and XLSX show the same figures,
//! and nobody else gets any of them.

use calamine::{Data, Reader, Xlsx};
use certcase::db::models::{applications, enterprises, rounds, users};
use certcase::domain::access::Role;
use certcase::domain::account::Email;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::panels::world;
use crate::review::{form, reviewers, vote};
use crate::scoring::{assessed, consolidate, submit_all};

/// The applications [`history_written_directly`] writes: the accepted one and the draft.
pub const ACCEPTED_APPLICATION: &str = "01900000-0000-7000-8000-000000000001";
const DRAFT_APPLICATION: &str = "01900000-0000-7000-8000-000000000002";
const ENTERPRISE: &str = "01900000-0000-7000-8000-0000000000e1";

/// The demo round with two applications of one enterprise: one accepted (submitted two
/// days after registration, accepted three days later), one still a draft.
async fn round_with_applications(app: &TestApp, admin_email: String) -> String {
    app.conn(move |c| {
        let round = history_written_directly(c, &admin_email);
        // Written around the workflow: its report summary is rebuilt by hand.
        certcase::db::models::reports::refresh(c, ACCEPTED_APPLICATION.parse().unwrap()).unwrap();
        round
    })
    .await
}

/// The rows of [`round_with_applications`] inserted as a bulk load or a restore would,
/// without the workflow (and so without the report's summaries). Returns the round id.
pub fn history_written_directly(c: &mut certcase::db::DbConn, admin_email: &str) -> String {
    {
        certcase::workflow::demo::seed(c).unwrap();
        let r = rounds::list(c).unwrap()[0].clone();
        let parts = rounds::parts(c, r.id).unwrap();
        let admin = users::find_by_email(c, &Email::parse(admin_email).unwrap())
            .unwrap()
            .unwrap();
        let admin_id = admin.id;
        let t0 = NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        enterprises::insert(
            c,
            &enterprises::NewEnterprise {
                id: ENTERPRISE.parse().unwrap(),
                name_zh: "报表科技有限公司",
                name_en: None,
                credit_code: "91110108MA01REPT00",
                address: "北京",
                contact_name: "张喆",
                contact_email: "zz@example.cn",
                contact_phone: "010-12345678",
                created_at: t0,
            },
            admin_id,
        )
        .unwrap();
        for (id, part, status, level) in [
            (ACCEPTED_APPLICATION, &parts[0], "accepted", 3),
            (DRAFT_APPLICATION, &parts[1], "draft", 2),
        ] {
            applications::insert(
                c,
                &applications::NewApplication {
                    id: id.parse().unwrap(),
                    round_id: r.id,
                    enterprise_id: ENTERPRISE.parse().unwrap(),
                    part_code: part,
                    target_level: level,
                    scope: "核心系统",
                    scope_en: None,
                    contact_name: "张喆",
                    contact_email: "zz@example.cn",
                    status: status.parse().unwrap(),
                    created_at: t0,
                    updated_at: t0,
                },
            )
            .unwrap();
        }
        use certcase::db::schema::application_events as e;
        for (n, (from, to, days)) in [("draft", "submitted", 2), ("submitted", "accepted", 5)]
            .into_iter()
            .enumerate()
        {
            diesel::insert_into(e::table)
                .values((
                    e::id.eq(format!("ev-{n}")),
                    e::application_id.eq(ACCEPTED_APPLICATION),
                    e::from_status.eq(from),
                    e::to_status.eq(to),
                    e::event.eq("test"),
                    e::actor_user_id.eq(&admin.id),
                    e::occurred_at.eq(t0 + Duration::days(days)),
                ))
                .execute(c)
                .unwrap();
        }
        r.id.to_string()
    }
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// Every figure of every table of the JSON is the number in the workbook's sheet of the
/// same place, at the same row and column; the sheets are named by the tables' Chinese
/// titles (the browser asks for no language), never by their keys.
fn assert_xlsx_equals_json(bytes: &[u8], tables: &[Value]) {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names().len(), tables.len());
    let names = book.sheet_names();
    for (i, table) in tables.iter().enumerate() {
        let key = table["key"].as_str().unwrap();
        let title = table["title"]["zh"].as_str().unwrap();
        assert!(
            title.starts_with(names[i].as_str()) && !names[i].contains(key),
            "sheet {i}: {} for {title}",
            names[i]
        );
        let range = book.worksheet_range_at(i).unwrap().unwrap();
        let rows = table["rows"].as_array().unwrap();
        for (r, row) in rows.iter().enumerate() {
            let values = row["values"].as_array().unwrap();
            for (c, v) in values.iter().enumerate() {
                let cell = range.get_value(((r + 2) as u32, (c + 1) as u32)).unwrap();
                assert_eq!(
                    number(cell),
                    v.as_f64().unwrap(),
                    "{key} row {r} column {c}"
                );
            }
        }
    }
}

fn table<'v>(report: &'v Value, key: &str) -> &'v Value {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("no table {key}: {report}"))
}

fn row(table: &Value, label: &str) -> Vec<f64> {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"]["en"] == label)
        .unwrap_or_else(|| panic!("no row {label}: {table}"))["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// The world's round report as the secretariat reads it from the API.
async fn round_report(w: &crate::panels::World<'_>) -> Value {
    let (s, r) = w
        .sec
        .send("GET", &format!("/api/v1/reports?round={}", w.round), None)
        .await;
    assert_eq!(s, 200, "{r}");
    r
}

/// Forms a review panel of three, sends the consolidated application to it and has every
/// member vote to approve or (for want of evidence) to return it. Returns the members.
async fn review<'a>(
    w: &crate::panels::World<'a>,
    a: &crate::scoring::Assessed<'a>,
    approve: bool,
) -> Vec<(crate::panels::Client<'a>, String)> {
    let panel = reviewers(w, 3).await;
    let members: Vec<(String, String)> = panel
        .iter()
        .map(|(c, e)| (c.id.clone(), e.clone()))
        .collect();
    assert_eq!(form(w, &members, 2).await.0, 201);
    let (s, p) = a
        .lead
        .send(
            "POST",
            &format!("/api/v1/applications/{}/send-to-review", a.application),
            None,
        )
        .await;
    assert_eq!(s, 204, "{p}");
    let reasons: &[&str] = if approve { &[] } else { &["证据不足"] };
    for (c, _) in &panel {
        let (s, p) = vote(c, &a.application, approve, reasons).await;
        assert!(s == 200 || s == 409, "{p}");
    }
    panel
}

#[tokio::test]
async fn an_approved_application_shows_in_load_spread_and_levels_and_the_exports_agree() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let first = a.items[0].clone();
    submit_all(&a.lead, &a, |_| 3).await;
    submit_all(&a.b, &a, |_| 3).await;
    // Anna Müller finds the first item at level 1: a spread of 2, flagged.
    submit_all(&a.c, &a, |i| if i == first { 1 } else { 3 }).await;
    let (s, p) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 200, "{p}");
    let panel = review(&w, &a, true).await;
    assert_eq!(w.status(&a.application).await, "approved");

    let report = round_report(&w).await;
    let n = a.items.len() as f64;

    let load = table(&report, "assessor_load");
    assert_eq!(row(load, "李雷")[..3], [1.0, 1.0, 1.0]);
    assert_eq!(row(load, "韩梅梅")[..3], [1.0, 0.0, 1.0]);
    assert_eq!(row(load, "Anna Müller")[..3], [1.0, 0.0, 1.0]);
    assert_eq!(row(load, "all assessors")[..3], [3.0, 1.0, 3.0]);

    let spread = row(table(&report, "score_spread"), "CD");
    assert_eq!(spread[0], n, "items scored");
    assert_eq!(spread[1], n - 1.0, "spread 0");
    assert_eq!(spread[3], 1.0, "spread 2");
    assert_eq!(spread[7], 1.0, "spread ≥ 2");
    assert_eq!(spread[8], n, "consolidated");
    assert_eq!(spread[9], 1.0, "flagged");
    assert_eq!(spread[10], ((100.0 / n) * 100.0).round() / 100.0);

    let achieved = row(table(&report, "achieved_levels"), "CD");
    assert_eq!(achieved[3], 1.0);
    assert_eq!(achieved[6..], [1.0, 3.0]);
    let domains = table(&report, "domain_levels")["rows"].as_array().unwrap();
    assert!(domains.len() > 1, "{domains:?}");
    assert!(domains
        .iter()
        .all(|d| d["label"]["en"].as_str().unwrap().starts_with("CD · ")));
    assert!(
        table(&report, "certificates")["rows"]
            .as_array()
            .unwrap()
            .is_empty(),
        "approved, not yet certified"
    );

    let durations = table(&report, "durations");
    for stage in [
        "in_assessment → scored",
        "scored → in_review",
        "in_review → approved",
    ] {
        assert_eq!(row(durations, stage)[0], 1.0, "{stage}");
    }

    // The same figures on the page, in the CSV and in the workbook; no score in any.
    let browser = app.signed_in(&w.sec.login).await;
    let scope = format!("?round={}", w.round);
    let page = browser
        .get(app.url(&format!("/reports{scope}")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for key in [
        "assessor_load",
        "score_spread",
        "achieved_levels",
        "domain_levels",
    ] {
        let at = page
            .find(&format!("id=\"{key}\""))
            .unwrap_or_else(|| panic!("{key} not on the page"));
        let section = &page[at..];
        let end = section.find("</section>").unwrap();
        assert!(section[..end].contains("<svg "), "{key} has a chart");
    }
    assert!(page.contains("<th>Anna Müller</th>"));
    let csv = crate::helpers::excel_csv(
        browser
            .get(app.url(&format!("/reports/export.csv{scope}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(csv.contains("李雷,1,1,1,"), "{csv}");
    for text in [&page, &csv, &report.to_string()] {
        assert!(!text.contains("COMMENT-BY"), "a score comment leaked");
    }
    let bytes = browser
        .get(app.url(&format!("/reports/export.xlsx{scope}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_xlsx_equals_json(&bytes, report["tables"].as_array().unwrap());

    // Issued, the certificate counts as in force; revoked, as revoked.
    let (s, cert) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/applications/{}/certificate", a.application),
            None,
        )
        .await;
    assert_eq!(s, 201, "{cert}");
    let issued = round_report(&w).await;
    let certificates = table(&issued, "certificates");
    let columns: Vec<&str> = certificates["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["en"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["issued", "revoked", "expired", "in force"]);
    assert_eq!(row(certificates, "CD"), [1.0, 0.0, 0.0, 1.0]);
    let revoke = format!(
        "/api/v1/certificates/{}/revoke",
        cert["number"].as_str().unwrap()
    );
    let (s, p) = w
        .sec
        .send(
            "POST",
            &revoke,
            Some(serde_json::json!({"reason": "scope misstated"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let revoked = round_report(&w).await;
    assert_eq!(
        row(table(&revoked, "certificates"), "CD"),
        [1.0, 1.0, 0.0, 0.0]
    );
    let bytes = browser
        .get(app.url(&format!("/reports/export.xlsx{scope}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_xlsx_equals_json(&bytes, revoked["tables"].as_array().unwrap());

    // Assessors and reviewers see no report.
    for who in [&a.lead, &panel[0].0] {
        let (s, _) = who.send("GET", "/api/v1/reports", None).await;
        assert_eq!(s, 403, "{}", who.name);
        let b = app.signed_in(&who.login).await;
        let res = b.get(app.url("/reports")).send().await.unwrap();
        assert_eq!(res.status(), 403);
    }
}

#[tokio::test]
async fn the_xlsx_and_csv_exports_show_the_page_figures() {
    let app = spawn_app().await;
    let secretariat = app.add_user("秘书处", &[Role::Secretariat]).await;
    let member = app.add_user("报表企业", &[Role::Enterprise]).await;
    let round_id = round_with_applications(&app, member.email.clone()).await;
    let token = app.api_token(&secretariat).await;
    let client = reqwest::Client::new();

    for scope in [format!("?round={round_id}"), String::new()] {
        let report: Value = client
            .get(app.url(&format!("/api/v1/reports{scope}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["applications"], 2);
        let tables = report["tables"].as_array().unwrap();
        let by_part = &tables[0];
        assert_eq!(by_part["key"], "by_part_status");
        let total_row = by_part["rows"].as_array().unwrap().last().unwrap();
        assert_eq!(total_row["values"].as_array().unwrap().last().unwrap(), 2.0);
        let durations = &tables[1]["rows"];
        assert_eq!(
            durations[0]["values"][1], 2.0,
            "registration → submitted, mean days"
        );
        assert_eq!(
            durations[1]["values"][1], 3.0,
            "submitted → accepted, mean days"
        );

        let browser = app.signed_in(&secretariat).await;
        let bytes = browser
            .get(app.url(&format!("/reports/export.xlsx{scope}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_xlsx_equals_json(&bytes, tables);

        let csv = browser
            .get(app.url(&format!("/reports/export.csv{scope}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csv.lines().count() > 10, "{csv}");
        let page = browser
            .get(app.url(&format!("/reports{scope}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<svg "));
        assert!(
            page.contains("<td class=\"num\">3</td>"),
            "mean days on the page"
        );
    }

    // Unknown rounds are 404; enterprises see no report in any form.
    let res = client
        .get(app.url("/api/v1/reports?round=nope"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let enterprise = app.signed_in(&member).await;
    for path in ["/reports", "/reports/export.csv", "/reports/export.xlsx"] {
        let res = enterprise.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
}

/// The report's summaries, kept step by step as scores are submitted, reopened and
/// submitted again and the review returns the result, equal a rebuild from the history.
#[tokio::test]
async fn the_summaries_kept_at_every_step_equal_a_rebuild_from_the_history() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = assessed(&w).await;
    let first = a.items[0].clone();
    let n = a.items.len() as f64;
    let spread = |r: &Value| row(table(r, "score_spread"), "CD");

    // The three score at the same time: each submission refreshes the one summary.
    tokio::join!(
        submit_all(&a.lead, &a, |_| 3),
        submit_all(&a.b, &a, |_| 3),
        submit_all(&a.c, &a, |i| if i == first { 1 } else { 3 }),
    );
    assert_eq!(
        spread(&round_report(&w).await)[3],
        1.0,
        "one item spread by 2"
    );

    // Reopened, Anna Müller's first score is a draft again and no longer counts.
    let reopen = format!(
        "/api/v1/applications/{}/scores/{first}/reopen",
        a.application
    );
    let (s, p) = a
        .lead
        .send(
            "POST",
            &reopen,
            Some(serde_json::json!({"assessor_id": a.c.id})),
        )
        .await;
    assert_eq!(s, 204, "{p}");
    let reopened = spread(&round_report(&w).await);
    assert_eq!((reopened[0], reopened[1], reopened[3]), (n, n, 0.0));

    let (s, p) = crate::scoring::score(
        &a.c,
        &a.application,
        &first,
        serde_json::json!({"level": 2, "submit": true}),
    )
    .await;
    assert_eq!(s, 204, "{p}");
    let resubmitted = spread(&round_report(&w).await);
    assert_eq!((resubmitted[1], resubmitted[2]), (n - 1.0, 1.0));

    let (s, p) = consolidate(&a, |_| 3).await;
    assert_eq!(s, 200, "{p}");
    review(&w, &a, false).await;
    assert_eq!(w.status(&a.application).await, "in_assessment", "returned");

    let kept = round_report(&w).await;
    assert_eq!(row(table(&kept, "durations"), "scored → in_review")[0], 1.0);
    assert_eq!(spread(&kept)[8], n, "the consolidation counts");
    let rebuilt = app
        .conn(|c| certcase::db::write_tx(c, certcase::db::models::reports::refresh_all).unwrap())
        .await;
    assert!(rebuilt >= 4, "{rebuilt} applications");
    assert_eq!(kept, round_report(&w).await);
}
