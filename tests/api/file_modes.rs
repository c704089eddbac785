//! Everything the server keeps under its data dir is its own account's only: directories
//! 0700, files 0600 (the database and its -wal/-shm, evidence, `.eml` files with live
//! reset links, temporary files, keys).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use certcase::domain::access::Role;

use crate::applications::applicant;
use crate::evidence::{pdf, upload};
use crate::helpers::{browser, spawn_app};

/// Every directory and file under `root`, with its permission bits.
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(p) = todo.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), meta.is_dir(), meta.permissions().mode() & 0o777));
        if meta.is_dir() {
            todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        }
    }
    out
}

#[tokio::test]
async fn the_data_dir_database_evidence_and_mail_are_the_owners_only() {
    let app = spawn_app().await;
    let (_sec, member, _round, app_id) = applicant(&app, "91110108MA01ABE14").await;
    let (status, stored) =
        upload(&member, &app_id, "CD-CM-01", "plan.pdf", pdf(2048), "计划").await;
    assert_eq!(status, 201, "{stored}");
    // A reset link, written out as an .eml file by the mail command.
    let user = app.add_user("张喆", &[Role::Enterprise]).await;
    let res = app
        .submit_form(
            &browser(),
            "/password/forgot",
            "/password/forgot",
            &[("email", user.email.as_str())],
        )
        .await;
    assert!(res.status().is_redirection() || res.status().is_success());
    let out = app
        .binary()
        .args(["mail", "send-pending"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let all = modes(&app.data_dir);
    let has = |suffix: &str| {
        all.iter()
            .any(|(p, _, _)| p.to_string_lossy().ends_with(suffix))
    };
    assert!(has(".eml"), "{all:?}");
    assert!(has("/evidence/tmp"), "{all:?}");
    let sha = stored["sha256"].as_str().unwrap();
    assert!(has(sha), "{all:?}");
    if !crate::helpers::use_postgres() {
        assert!(has("certcase.db"), "{all:?}");
    }
    let open: Vec<_> = all
        .iter()
        .filter(|(_, dir, mode)| *mode != if *dir { 0o700 } else { 0o600 })
        .collect();
    assert!(open.is_empty(), "readable by others: {open:?}");
}
