//! The binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::TestDatabase;

fn certcase(data_dir: &std::path::Path, db: &TestDatabase) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certcase"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CERTCASE_DATA_DIR", data_dir)
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .current_dir(data_dir);
    cmd
}

#[test]
fn help_explains_every_command_in_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_certcase"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for command in ["serve", "migrate", "seed", "user"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(command))
            .unwrap_or_else(|| panic!("{command} not in help"));
        assert!(
            line.len() > command.len() + 10,
            "{command} has a description"
        );
    }
}

#[test]
fn users_are_added_from_stdin_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path());
    let mut child = certcase(dir.path(), &db)
        .args([
            "user",
            "add",
            "--email",
            "Zhang.Zhe@Example.CN",
            "--role",
            "enterprise",
            "--role",
            "assessor",
            "--name",
            "张喆",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("一个足够长的密码 with spaces\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("added zhang.zhe@example.cn"));

    let again = certcase(dir.path(), &db)
        .args([
            "user",
            "add",
            "--email",
            "zhang.zhe@example.cn",
            "--role",
            "enterprise",
            "--name",
            "张喆",
        ])
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert!(!again.status.success());

    let short = certcase(dir.path(), &db)
        .args([
            "user",
            "add",
            "--email",
            "x@example.cn",
            "--role",
            "enterprise",
            "--name",
            "X",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 12"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );

    let disabled = certcase(dir.path(), &db)
        .args(["user", "disable", "--email", "zhang.zhe@example.cn"])
        .output()
        .unwrap();
    assert!(disabled.status.success());
    let unknown = certcase(dir.path(), &db)
        .args(["user", "disable", "--email", "nobody@example.cn"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
}

#[test]
fn bad_configuration_stops_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path());
    let out = certcase(dir.path(), &db)
        .env("CERTCASE_BIND", "everywhere")
        .args(["serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("CERTCASE_BIND"), "{err}");

    std::fs::write(dir.path().join("certcase.toml"), "pool_size = \"many\"\n").unwrap();
    let out = certcase(dir.path(), &db)
        .args(["migrate"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("certcase.toml") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn migrate_and_seed_work_on_an_empty_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    std::fs::create_dir_all(&data).unwrap();
    let db = TestDatabase::new(&data);
    let out = certcase(&data, &db).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = certcase(&data, &db)
        .args(["seed", "--catalog", "--demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("secretariat@demo.certcase.test"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("secret.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Runs the binary off the test's runtime thread; (exit code, stdout, stderr).
async fn run(app: &crate::helpers::TestApp, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = app.binary();
    cmd.args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn published_key_ids(app: &crate::helpers::TestApp) -> Vec<String> {
    let keys: serde_json::Value = reqwest::get(app.url("/.well-known/certcase-keys.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_operator_issues_a_round_rotates_the_key_and_checks_the_issuance_log() {
    use crate::certificates::{approved_applications, check, check_file, download};
    use diesel::RunQueryDsl;

    let app = crate::helpers::spawn_app().await;
    let w = crate::panels::world(&app).await;
    let approved = approved_applications(&w, 2).await;
    let (e, _) = w
        .enterprise(
            "尚未获批企业",
            &[certcase::domain::access::Role::Enterprise],
        )
        .await;
    let pending = w.accepted(&e, "CD", 2).await;
    let sec = w.sec.login.email.clone();

    let (code, _, err) = run(
        &app,
        &[
            "certificates",
            "issue",
            "--round",
            &w.round,
            "--as",
            &approved[0].enterprise.login.email,
        ],
    )
    .await;
    assert_eq!(code, Some(1));
    assert!(err.contains("is not in the secretariat"), "{err}");

    let issue = ["certificates", "issue", "--round", &w.round, "--as", &sec];
    let (code, out, err) = run(&app, &issue).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("2 issued, 0 already issued, 0 refused"),
        "{out}"
    );
    let numbers: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("issued "))
        .map(String::from)
        .collect();
    assert_eq!(numbers.len(), 2, "{out}");
    for (a, number) in approved.iter().zip(&numbers) {
        assert_eq!(w.status(&a.application).await, "certified");
        assert_eq!(check(&app, number).await["status"], "valid");
    }
    assert_eq!(w.status(&pending).await, "accepted", "only approved ones");

    let (code, out, _) = run(&app, &issue).await;
    assert_eq!(code, Some(0));
    assert!(
        out.contains("0 issued, 2 already issued, 0 refused"),
        "{out}"
    );
    let log = app
        .conn(|c| certcase::db::models::certificates::log(c).unwrap())
        .await;
    assert_eq!(log.len(), 2, "the second run logged nothing");

    // A new key; the old one stays published and its certificates stay valid.
    let before = published_key_ids(&app).await;
    assert_eq!(before.len(), 1);
    let (_, old_pdf) = download(&app, &approved[0].enterprise.login, &numbers[0]).await;
    let (code, out, err) = run(&app, &["keys", "rotate"]).await;
    assert_eq!(code, Some(0), "{err}");
    let after = published_key_ids(&app).await;
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], before[0]);
    assert!(
        out.contains(&format!("new signing key {}", after[1])),
        "{out}"
    );
    assert!(app.data_dir.join(format!("keys/{}.key", after[1])).exists());
    let (s, v) = check_file(&app, old_pdf).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("valid")), "{v}");
    assert_eq!(v["payload"]["issuer_key_id"], before[0].as_str());

    // The log: intact, then one row rewritten behind the application's back.
    let revoke = format!("/api/v1/certificates/{}/revoke", numbers[1]);
    let (s, _) = w
        .sec
        .send("POST", &revoke, Some(serde_json::json!({"reason": "撤回"})))
        .await;
    assert_eq!(s, 200);
    let (code, out, _) = run(&app, &["verify-log"]).await;
    assert_eq!(code, Some(0));
    assert!(out.starts_with("OK: 3 issuance log entries"), "{out}");
    app.conn(|c| {
        let drop = match certcase::db::backend(c) {
            certcase::db::Backend::Sqlite => "DROP TRIGGER issuance_log_no_update",
            certcase::db::Backend::Postgres => {
                "DROP TRIGGER issuance_log_append_only ON issuance_log"
            }
        };
        diesel::sql_query(drop).execute(c).unwrap();
        diesel::sql_query(
            "UPDATE issuance_log SET certificate_number = '2026-CD-999999' WHERE idx = 1",
        )
        .execute(c)
        .unwrap();
    })
    .await;
    let (code, out, _) = run(&app, &["verify-log"]).await;
    assert_eq!(code, Some(1));
    assert_eq!(out.trim(), "BROKEN at index 1");
}

/// A database upgraded from before the report summaries gets them filled in by
/// `migrate`; rows restored around the workflow get theirs from `reports rebuild`.
#[test]
fn summaries_are_filled_in_by_the_upgrade_and_by_reports_rebuild() {
    use certcase::db::schema::report_applications as summaries;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path());
    let run = |args: &[&str]| {
        let out = certcase(dir.path(), &db).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["seed", "--catalog"]);
    let pool = certcase::db::connect_pool(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    // The database as the release before the summaries left it, with its history.
    let backend = if crate::helpers::use_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let down = std::fs::read_to_string(format!(
        "{}/migrations/{backend}/2026-12-04-000010_report_summaries/down.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    conn.batch_execute(&down).unwrap();
    conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE version = '20261204000010'")
        .unwrap();
    crate::reports::history_written_directly(&mut conn, "secretariat@demo.certcase.test");
    let submitted = |conn: &mut certcase::db::DbConn| -> Option<Option<i64>> {
        summaries::table
            .find(crate::reports::ACCEPTED_APPLICATION)
            .select(summaries::seconds_to_submitted)
            .first(conn)
            .optional()
            .unwrap()
    };

    assert!(run(&["migrate"]).contains("1 migration(s) applied"));
    assert_eq!(
        submitted(&mut conn),
        Some(Some(2 * 86_400)),
        "submitted on day 2"
    );

    diesel::delete(summaries::table).execute(&mut conn).unwrap();
    assert_eq!(submitted(&mut conn), None);
    assert!(
        run(&["reports", "rebuild"]).contains("rebuilt the report summaries of 2 application(s)")
    );
    assert_eq!(submitted(&mut conn), Some(Some(2 * 86_400)));
}
