//! Values read back from text columns: a stored status that is not one of the enum's, or
//! JSON that does not parse, fails the request with a 500 (the cause in the log), never a
//! panic and never a silent default.

use certcase::db::sql_types::Json;
use certcase::domain::access::Role;
use certcase::domain::application_status::Status;
use diesel::dsl::sql;
use diesel::result::Error;
use diesel::sql_types::{Nullable, Text};
use diesel::{IntoSql, RunQueryDsl};

use crate::helpers::spawn_app;
use crate::panels::world;

#[tokio::test]
async fn typed_values_are_written_and_read_back() {
    let app = spawn_app().await;
    let (some, none, json) = app
        .conn(|c| {
            (
                diesel::select(Some(Status::InReview).into_sql::<Nullable<Text>>())
                    .get_result::<Option<Status>>(c)
                    .unwrap(),
                diesel::select(None::<Status>.into_sql::<Nullable<Text>>())
                    .get_result::<Option<Status>>(c)
                    .unwrap(),
                diesel::select(Json(vec!["CD-CM-01".to_string()]).into_sql::<Text>())
                    .get_result::<String>(c)
                    .unwrap(),
            )
        })
        .await;
    assert_eq!((some, none), (Some(Status::InReview), None));
    assert_eq!(json, r#"["CD-CM-01"]"#);
}

#[tokio::test]
async fn an_unknown_status_is_a_read_error() {
    let app = spawn_app().await;
    let (known, unknown) = app
        .conn(|c| {
            (
                diesel::select(sql::<Text>("'in_review'")).get_result::<Status>(c),
                diesel::select(sql::<Text>("'lost'")).get_result::<Status>(c),
            )
        })
        .await;
    assert_eq!(known.unwrap(), Status::InReview);
    let Err(Error::DeserializationError(cause)) = unknown else {
        panic!("read as {unknown:?}");
    };
    // PostgreSQL wraps the cause with the column's name.
    assert!(format!("{cause:?}").contains("lost"), "{cause:?}");
}

#[tokio::test]
async fn corrupt_json_is_a_read_error() {
    let app = spawn_app().await;
    let (whole, cut) = app
        .conn(|c| {
            (
                diesel::select(sql::<Text>(r#"'["CD-CM-01"]'"#)).get_result::<Json<Vec<String>>>(c),
                diesel::select(sql::<Text>(r#"'["CD-CM-01"'"#)).get_result::<Json<Vec<String>>>(c),
            )
        })
        .await;
    assert_eq!(whole.unwrap().0, vec!["CD-CM-01".to_string()]);
    assert!(
        matches!(cut, Err(Error::DeserializationError(_))),
        "read as {cut:?}"
    );
}

#[tokio::test]
async fn a_corrupt_row_fails_the_request_and_the_server_carries_on() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (enterprise, member) = w.enterprise("甲公司", &[Role::Enterprise]).await;
    let application = w.accepted(&enterprise, "CD", 3).await;
    let clarifications = format!("/api/v1/applications/{application}/clarifications");
    let (id, by) = (application.clone(), member.id.clone());
    app.conn(move |c| {
        diesel::sql_query(format!(
            "INSERT INTO clarifications (id, application_id, items, message, deadline, \
             requested_by, requested_at) VALUES ('c1', '{id}', '[\"CD-CM-01\"', 'why?', \
             '2030-01-01 00:00:00', '{by}', '2026-01-01 00:00:00')"
        ))
        .execute(c)
        .unwrap();
    })
    .await;
    let (status, body) = member.send("GET", &clarifications, None).await;
    assert_eq!(status, 500, "{body}");

    let detail = format!("/api/v1/applications/{application}");
    let (status, body) = member.send("GET", &detail, None).await;
    assert_eq!(status, 200, "{body}");
    let id = application.clone();
    app.conn(move |c| {
        diesel::sql_query(format!(
            "UPDATE applications SET status = 'lost' WHERE id = '{id}'"
        ))
        .execute(c)
        .unwrap();
    })
    .await;
    let (status, body) = member.send("GET", &detail, None).await;
    assert_eq!(status, 500, "{body}");

    let (status, _) = member.send("GET", "/healthz", None).await;
    assert_eq!(status, 200);
}
