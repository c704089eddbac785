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
