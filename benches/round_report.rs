//! The round report at national scale: 5,000 enterprises and 12,000 applications with
//! their status history, seeded into SQLite in one transaction. Times, in the same run,
//! the raw query (loading the report's rows) and the whole report page (session lookup,
//! query, build, SVG charts, template), and prints both and their RATIO. Target: the page
//! under 200 ms. Applications from `in_assessment` on have a panel of three of 200
//! assessors and 60,000 submitted scores between them; from `scored` on, consolidated
//! items and a part result with its domain levels; the certified ones a signed-payload
//! certificate (one in ten revoked). The rows are inserted directly, so the report's
//! summaries (kept by the workflow's transactions) are then rebuilt from them once.
//! `CERTCASE_BENCH_DATABASE_URL=postgres://…` (an existing, empty database) runs the same
//! on PostgreSQL.

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use actix_web::{test, web};
use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::QueryResult;

use certcase::config::{Config, Sources};
use certcase::db::{write_tx, DbConn};
use certcase::domain::access::Role;
use certcase::domain::account::{DisplayName, Email, Password};
use certcase::startup;
use certcase::workflow::{sessions, users};

const ENTERPRISES: usize = 5_000;
const APPLICATIONS: usize = 12_000;
const PARTS: [&str; 4] = ["CD", "TO", "SEC", "TOOL"];
/// The path of an application through the states, in order.
const PATH: [&str; 8] = [
    "draft",
    "submitted",
    "accepted",
    "in_assessment",
    "scored",
    "in_review",
    "approved",
    "certified",
];
const RUNS: usize = 20;
const ASSESSORS: usize = 200;
const SCORES: usize = 60_000;
const DOMAINS: [&str; 3] = ["D1", "D2", "D3"];

/// Multi-row INSERTs of generated literals (no user input), 500 rows a statement.
fn bulk(conn: &mut DbConn, head: &str, rows: &[String]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        conn.batch_execute(&format!("{head} VALUES {};", chunk.join(",")))?;
    }
    Ok(())
}

fn seed(conn: &mut DbConn, round_id: &str, actor: &str) -> (usize, usize) {
    let t0 = NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let ts = |t: chrono::NaiveDateTime| t.format("'%Y-%m-%d %H:%M:%S'").to_string();
    write_tx(conn, |conn| -> QueryResult<(usize, usize)> {
        let rows: Vec<String> = (0..ENTERPRISES)
            .map(|i| {
                format!(
                    "('e0000000-0000-4000-8000-{i:012}','企业{i}',NULL,'9111010800{i:08}','北京','张喆','zz@example.cn','010-12345678',NULL,NULL,{})",
                    ts(t0)
                )
            })
            .collect();
        bulk(
            conn,
            "INSERT INTO enterprises (id, name_zh, name_en, credit_code, address, contact_name, \
             contact_email, contact_phone, verified_at, verified_by, created_at)",
            &rows,
        )?;

        let reached: Vec<usize> = (0..APPLICATIONS)
            .map(|k| (k * 7 + k / 13) % PATH.len())
            .collect();
        let created: Vec<_> = (0..APPLICATIONS)
            .map(|k| t0 + Duration::from_secs((k as u64 % 20) * 86_400))
            .collect();
        let rows: Vec<String> = (0..APPLICATIONS)
            .map(|k| {
                format!(
                    "('a0000000-0000-4000-8000-{k:012}','{round_id}','e0000000-0000-4000-8000-{:012}','{}',{},'核心系统','张喆','zz@example.cn','{}',{},{})",
                    k % ENTERPRISES,
                    PARTS[k / ENTERPRISES],
                    k % 5 + 1,
                    PATH[reached[k]],
                    ts(created[k]),
                    ts(created[k])
                )
            })
            .collect();
        bulk(
            conn,
            "INSERT INTO applications (id, round_id, enterprise_id, part_code, target_level, scope, \
             contact_name, contact_email, status, created_at, updated_at)",
            &rows,
        )?;

        let mut events = Vec::new();
        for k in 0..APPLICATIONS {
            let mut at = created[k];
            for step in 1..=reached[k] {
                at += Duration::from_secs(((k + step * 3) % 9 + 1) as u64 * 86_400);
                events.push(format!(
                    "('ev-{k:05}-{step}','a0000000-0000-4000-8000-{k:012}','{}','{}','bench',NULL,'{actor}',{})",
                    PATH[step - 1],
                    PATH[step],
                    ts(at)
                ));
            }
        }
        bulk(
            conn,
            "INSERT INTO application_events (id, application_id, from_status, to_status, event, \
             reason, actor_user_id, occurred_at)",
            &events,
        )?;
        let panels = seed_panels(conn, &reached, &created, actor)?;
        seed_certificates(conn, &reached, &created)?;
        Ok((events.len(), panels))
    })
    .unwrap()
}

/// Assessors, panels, submitted scores, consolidated items and part results, inside the
/// seeding transaction. Returns the number of scores.
fn seed_panels(
    conn: &mut DbConn,
    reached: &[usize],
    created: &[chrono::NaiveDateTime],
    actor: &str,
) -> QueryResult<usize> {
    let ts = |t: chrono::NaiveDateTime| t.format("'%Y-%m-%d %H:%M:%S'").to_string();
    let rows: Vec<String> = (0..ASSESSORS)
        .map(|i| {
            format!(
                "('b0000000-0000-4000-8000-{i:012}','assessor{i}@example.test','评估员{i:03}','-','zh-CN',NULL,{})",
                ts(created[0])
            )
        })
        .collect();
    bulk(
        conn,
        "INSERT INTO users (id, email, display_name, password_hash, lang, disabled_at, created_at)",
        &rows,
    )?;
    // From in_assessment on (index 3 of PATH).
    let assessed: Vec<usize> = (0..APPLICATIONS).filter(|&k| reached[k] >= 3).collect();
    let items = SCORES.div_ceil(assessed.len() * 3);
    let (mut panels, mut seats, mut scores, mut consolidated, mut results) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &k in &assessed {
        let confirmed = created[k] + Duration::from_secs(10 * 86_400);
        panels.push(format!(
            "('a0000000-0000-4000-8000-{k:012}',{},'{actor}')",
            ts(confirmed)
        ));
        for m in 0..3 {
            let who = (k * 3 + m) % ASSESSORS;
            seats.push(format!(
                "('a0000000-0000-4000-8000-{k:012}','b0000000-0000-4000-8000-{who:012}',{})",
                m == 0
            ));
            for i in 0..items {
                if scores.len() == SCORES {
                    break;
                }
                let level = (k + i * 2 + m * (k % 3)) % 6;
                let at = confirmed + Duration::from_secs(((k + m + i) % 15 + 1) as u64 * 86_400);
                scores.push(format!(
                    "('sc-{k:05}-{m}-{i}','a0000000-0000-4000-8000-{k:012}','b0000000-0000-4000-8000-{who:012}','I{i}',{level},NULL,'评语','[]','submitted',{},NULL,NULL,{})",
                    ts(at),
                    ts(at)
                ));
            }
        }
        if reached[k] >= 4 {
            for i in 0..items {
                consolidated.push(format!(
                    "('a0000000-0000-4000-8000-{k:012}','I{i}',{},NULL,'合议',{},'[]')",
                    (k + i) % 6,
                    (k + i) % 4 == 0
                ));
            }
            let domains: Vec<String> = DOMAINS
                .iter()
                .enumerate()
                .map(|(d, code)| format!("\"{code}\":{}", (k + d) % 6))
                .collect();
            results.push(format!(
                "('a0000000-0000-4000-8000-{k:012}',{},{},'weakest_item','[]','{{{}}}','{actor}',{})",
                k % 6,
                k % 5 + 1,
                domains.join(","),
                ts(created[k] + Duration::from_secs(30 * 86_400))
            ));
        }
    }
    bulk(
        conn,
        "INSERT INTO panels (application_id, confirmed_at, confirmed_by)",
        &panels,
    )?;
    bulk(
        conn,
        "INSERT INTO panel_seats (application_id, assessor_id, is_lead)",
        &seats,
    )?;
    bulk(
        conn,
        "INSERT INTO scores (id, application_id, assessor_id, item_code, level, \
         not_applicable_reason, comment, evidence_ids, status, submitted_at, reopened_by, \
         reopened_at, updated_at)",
        &scores,
    )?;
    bulk(
        conn,
        "INSERT INTO consolidated_items (application_id, item_code, level, \
         not_applicable_reason, rationale, flagged, flag_reasons)",
        &consolidated,
    )?;
    bulk(
        conn,
        "INSERT INTO part_results (application_id, achieved_level, target_level, basis, \
         capping_items, domain_levels, consolidated_by, consolidated_at)",
        &results,
    )?;
    Ok(scores.len())
}

/// A certificate for every certified application, with a payload of the real one's size
/// and fields (unsigned: the report reads only its validity). Returns their number.
fn seed_certificates(
    conn: &mut DbConn,
    reached: &[usize],
    created: &[chrono::NaiveDateTime],
) -> QueryResult<usize> {
    let ts = |t: chrono::NaiveDateTime| t.format("'%Y-%m-%d %H:%M:%S'").to_string();
    conn.batch_execute(&format!(
        "INSERT INTO signing_keys (id, seq, public_key, created_at) VALUES ('bench-key', 1, 'AAAA', {});",
        ts(created[0])
    ))?;
    let rows: Vec<String> = (0..APPLICATIONS)
        .filter(|&k| reached[k] == PATH.len() - 1)
        .map(|k| {
            let issued = created[k] + Duration::from_secs(60 * 86_400);
            let day = issued.date();
            let until = day.checked_add_months(chrono::Months::new(36)).unwrap();
            let part = PARTS[k / ENTERPRISES];
            let number = format!("CAICT-2026-{part}-{k:05}");
            let payload = format!(
                r#"{{"achieved_level":{},"certificate_number":"{number}","credit_code":"9111010800{:08}","enterprise_name":"企业{}","issue_date":"{day}","key_id":"bench-key","model":"DevOps","part_code":"{part}","part_name":"{part}","round":"2026","scope":"核心系统","valid_until":"{until}"}}"#,
                k % 5 + 1,
                k % ENTERPRISES,
                k % ENTERPRISES,
            );
            let revoked = if k % 10 == 0 {
                format!("{},'bench'", ts(issued + Duration::from_secs(86_400)))
            } else {
                "NULL,NULL".into()
            };
            format!(
                "('cert-{k:05}','{number}','a0000000-0000-4000-8000-{k:012}',2026,'{part}',{k},'{payload}','-','bench-key',{},{revoked})",
                ts(issued)
            )
        })
        .collect();
    bulk(
        conn,
        "INSERT INTO certificates (id, number, application_id, year, part_code, serial, payload, \
         signature, key_id, issued_at, revoked_at, revoke_reason)",
        &rows,
    )?;
    Ok(rows.len())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let env = move |k: &str| match k {
        "CERTCASE_DATA_DIR" => Some(data.clone()),
        // PostgreSQL instead of SQLite: the URL of an existing, empty database.
        "DATABASE_URL" => std::env::var("CERTCASE_BENCH_DATABASE_URL").ok(),
        _ => None,
    };
    let mut config = Config::from_sources(Sources {
        file: None,
        env: &env,
    })
    .unwrap();
    config.ensure_data_dir().unwrap();
    let pool = startup::prepare(&config).unwrap();
    let (session, round_id) = {
        let mut conn = pool.get().unwrap();
        certcase::workflow::demo::seed(&mut conn).unwrap();
        let round_id = certcase::db::models::rounds::list(&mut conn).unwrap()[0].id;
        let user = users::add_user(
            &mut conn,
            &Email::parse("bench@example.test").unwrap(),
            &DisplayName::parse("秘书处").unwrap(),
            &Password::parse("a long benchmark password").unwrap(),
            &[Role::Secretariat],
        )
        .unwrap();
        let started = Instant::now();
        let (events, scores) = seed(&mut conn, &round_id.to_string(), &user.to_string());
        println!(
            "seeded {ENTERPRISES} enterprises, {APPLICATIONS} applications, {events} status events, {scores} scores in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let started = Instant::now();
        let summarised = write_tx(&mut conn, certcase::db::models::reports::refresh_all).unwrap();
        println!(
            "rebuilt the report summaries of {summarised} applications in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        let session = sessions::start_session(&mut conn, user, "zh-CN", 1).unwrap();
        (session.token, round_id)
    };

    // The raw query: the report's rows, nothing else.
    let mut raw = Vec::new();
    {
        let mut conn = pool.get().unwrap();
        for _ in 0..RUNS {
            let started = Instant::now();
            let today = chrono::Utc::now().date_naive();
            let facts =
                certcase::db::models::reports::facts(&mut conn, Some(round_id), today).unwrap();
            std::hint::black_box(&facts);
            raw.push(started.elapsed());
        }
    }

    // The page: session, query, build, charts, template, over HTTP in-process.
    let state = startup::state(config, pool).unwrap();
    let system = actix_web::rt::System::new();
    let app = system.block_on(test::init_service(startup::build_app(web::Data::new(
        state,
    ))));
    let cookie = format!("certcase_session={session}");
    let path = format!("/reports?round={round_id}");
    let mut page = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let body = system.block_on(async {
            let req = test::TestRequest::get()
                .uri(&path)
                .insert_header(("cookie", cookie.as_str()))
                .to_request();
            let res = test::call_service(&app, req).await;
            assert_eq!(res.status(), 200);
            test::read_body(res).await
        });
        page.push(started.elapsed());
        bytes = body.len();
    }
    let (raw, page) = (median(raw), median(page));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "round report page: {:.1} ms median of {RUNS} ({bytes} bytes); raw query: {:.1} ms",
        ms(page),
        ms(raw)
    );
    println!(
        "RATIO round report page / raw query = {:.2}x; target under 200 ms: {}",
        ms(page) / ms(raw),
        if ms(page) < 200.0 { "met" } else { "MISSED" }
    );
}
