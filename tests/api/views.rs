//! What each role sees of the same resource: built by the views in `workflow::views`.

use certcase::domain::access::Role;
use serde_json::{json, Value};

use crate::applications::applicant;
use crate::helpers::{credit_code, spawn_app};

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn an_enterprise_sees_that_it_was_verified_but_not_by_whom() {
    let app = spawn_app().await;
    let member = app.api_for("张喆", Role::Enterprise).await;
    let (status, _) = member
        .send(
            "POST",
            "/api/v1/enterprises",
            Some(json!({
                "name_zh": "北京喆堃科技有限公司", "credit_code": credit_code("91110108MA01KLMN1"),
                "address": "北京市海淀区", "contact_name": "张喆", "contact_email": "zz@example.cn",
                "contact_phone": "010-12345678"
            })),
        )
        .await;
    assert_eq!(status, 201);
    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    let id = mine["id"].as_str().unwrap();
    let sec = app.api_for("秘书处", Role::Secretariat).await;
    let (status, _) = sec
        .send("POST", &format!("/api/v1/enterprises/{id}/verify"), None)
        .await;
    assert_eq!(status, 204);

    let (_, mine) = member.send("GET", "/api/v1/enterprises/mine", None).await;
    assert!(mine["verified_at"].is_string(), "{mine}");
    assert_eq!(mine["verified_by"], Value::Null, "{mine}");

    let (status, all) = sec.send("GET", "/api/v1/enterprises", None).await;
    assert_eq!(status, 200);
    let listed = &all.as_array().unwrap()[0];
    assert_eq!(listed["id"], id);
    assert!(listed["verified_by"].is_string(), "{listed}");
    assert_eq!(keys(listed), keys(&mine), "the same shape for both");
}

#[tokio::test]
async fn the_enterprise_and_the_secretariat_read_the_same_application() {
    let app = spawn_app().await;
    let (sec, member, _, app_id) = applicant(&app, "91110108MA01KLMN2").await;
    let path = format!("/api/v1/applications/{app_id}");

    let (status, by_member) = member.send("GET", &path, None).await;
    assert_eq!(status, 200, "{by_member}");
    let (status, by_secretariat) = sec.send("GET", &path, None).await;
    assert_eq!(status, 200, "{by_secretariat}");
    assert_eq!(by_member, by_secretariat);
    assert_eq!(
        keys(&by_member),
        [
            "contact_email",
            "contact_name",
            "created_at",
            "directory_consent",
            "enterprise_id",
            "history",
            "id",
            "missing_items",
            "not_applicable",
            "part_code",
            "round_id",
            "scope",
            "scope_en",
            "status",
            "target_level",
            "updated_at",
        ]
    );

    let (_, listed) = member.send("GET", "/api/v1/applications", None).await;
    let listed = &listed.as_array().unwrap()[0];
    assert_eq!(listed["id"], app_id.as_str());
    assert_eq!(listed["status"], "draft");
}
