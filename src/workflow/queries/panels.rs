//! Reads of the assessor registry and the panels.

use serde::Serialize;

pub use crate::db::models::panels::{OrganisationRow, SeatRow};

use crate::db::models::{application as apps, panels as store};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::application_status::Status;
use crate::domain::ids::ApplicationId;
use crate::refusal::Refusal;

/// Assessor organisations: CAICT and the external certified-assessor organisations.
pub fn organisations(conn: &mut DbConn) -> Result<Vec<OrganisationRow>, Refusal> {
    Ok(store::organisations(conn)?)
}

/// (user id, name) of everyone holding the assessor or reviewer role, once each.
pub fn assessors_and_reviewers(conn: &mut DbConn) -> Result<Vec<(String, String)>, Refusal> {
    let mut people = store::people_with_role(conn, Role::Assessor)?;
    people.extend(store::people_with_role(conn, Role::Reviewer)?);
    people.sort();
    people.dedup();
    Ok(people)
}

/// The seats of an application's panel.
pub fn seats(conn: &mut DbConn, application: ApplicationId) -> Result<Vec<SeatRow>, Refusal> {
    Ok(store::seats(conn, application)?)
}

#[derive(Serialize)]
pub struct MyApplication {
    pub id: String,
    pub part_code: String,
    pub target_level: i32,
    pub status: Status,
    pub lead: bool,
}

/// The applications on whose panel the person sits.
pub fn my_applications(conn: &mut DbConn, who: &Principal) -> Result<Vec<MyApplication>, Refusal> {
    let mut out = Vec::new();
    for (app_id, lead) in store::seats_of(conn, &who.user_id.to_string())? {
        if let Some(a) = apps::get(conn, app_id)? {
            out.push(MyApplication {
                id: a.id.to_string(),
                part_code: a.part_code,
                target_level: a.target_level,
                status: a.status,
                lead,
            });
        }
    }
    Ok(out)
}
