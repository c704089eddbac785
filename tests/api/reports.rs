//! Programme reports: the secretariat's page, JSON, CSV and XLSX show the same figures,
//! and nobody else gets any of them.

use calamine::{Data, Reader, Xlsx};
use certcase::db::models::{application, enterprise, round, user};
use certcase::domain::access::Role;
use certcase::domain::account::Email;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

/// The demo round with two applications of one enterprise: one accepted (submitted two
/// days after registration, accepted three days later), one still a draft.
async fn round_with_applications(app: &TestApp, admin_email: String) -> String {
    app.conn(move |c| {
        certcase::workflow::demo::seed(c).unwrap();
        let r = round::list(c).unwrap()[0].clone();
        let parts = round::parts(c, &r.id).unwrap();
        let admin = user::find_by_email(c, &Email::parse(&admin_email).unwrap())
            .unwrap()
            .unwrap();
        let admin_id: certcase::domain::ids::UserId = admin.id.parse().unwrap();
        let t0 = NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        enterprise::insert(
            c,
            &enterprise::NewEnterprise {
                id: "ent-1",
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
            ("app-1", &parts[0], "accepted", 3),
            ("app-2", &parts[1], "draft", 2),
        ] {
            application::insert(
                c,
                &application::NewApplication {
                    id,
                    round_id: &r.id,
                    enterprise_id: "ent-1",
                    part_code: part,
                    target_level: level,
                    scope: "核心系统",
                    contact_name: "张喆",
                    contact_email: "zz@example.cn",
                    status,
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
                    e::application_id.eq("app-1"),
                    e::from_status.eq(from),
                    e::to_status.eq(to),
                    e::event.eq("test"),
                    e::actor_user_id.eq(&admin.id),
                    e::occurred_at.eq(t0 + Duration::days(days)),
                ))
                .execute(c)
                .unwrap();
        }
        r.id
    })
    .await
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
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
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        assert_eq!(book.sheet_names().len(), tables.len());
        for table in tables {
            let key = table["key"].as_str().unwrap();
            let range = book.worksheet_range(key).unwrap();
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
