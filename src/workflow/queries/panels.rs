//! Reads of the assessor registry and the panels.

pub use crate::db::models::panels::{AssessorFilter, OrganisationRow, SeatRow};

use crate::db::models::{applications as apps, panels as store, users};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::ids::{ApplicationId, UserId};
use crate::refusal::Refusal;
use crate::workflow::views::applications::assigned_application_view;
use crate::workflow::views::AssignedApplicationView;

/// Assessor organisations: CAICT and the external certified-assessor organisations.
pub fn organisations(conn: &mut DbConn) -> Result<Vec<OrganisationRow>, Refusal> {
    Ok(store::organisations(conn)?)
}

/// (user id, name) of everyone holding the assessor or reviewer role, once each.
pub fn assessors_and_reviewers(conn: &mut DbConn) -> Result<Vec<(UserId, String)>, Refusal> {
    let mut people = users::people_with_role(conn, Role::Assessor)?;
    people.extend(users::people_with_role(conn, Role::Reviewer)?);
    people.sort();
    people.dedup();
    Ok(people)
}

/// The seats of an application's panel.
pub fn seats(conn: &mut DbConn, application: ApplicationId) -> Result<Vec<SeatRow>, Refusal> {
    Ok(store::seats(conn, application)?)
}

/// The applications on whose panel the person sits.
pub fn my_applications(
    conn: &mut DbConn,
    who: &Principal,
) -> Result<Vec<AssignedApplicationView>, Refusal> {
    let mut out = Vec::new();
    for (app_id, lead) in store::seats_of(conn, who.user_id)? {
        if let Some(a) = apps::get(conn, app_id)? {
            out.push(assigned_application_view(a, lead));
        }
    }
    Ok(out)
}
