//! Reads of the scoring of an application.

use crate::db::models::{applications as apps, now, scoring as store};
use crate::db::DbConn;
use crate::domain::access::Principal;
use crate::domain::assessment::item_reopened;
use crate::domain::ids::ApplicationId;
use crate::domain::visibility::Viewer;
use crate::refusal::Refusal;
use crate::workflow::scoring::{clarification_facts, viewer_for};
use crate::workflow::views::clarifications::clarification_view;
use crate::workflow::views::ClarificationView;

/// The clarification requests of an application with the items each still has reopened,
/// for its panel, the secretariat and the enterprise; review members get "not found".
pub fn clarifications(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<Vec<ClarificationView>, Refusal> {
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    if let Viewer::Reviewer | Viewer::RecusedReviewer = viewer_for(conn, who, &app)? {
        return Err(Refusal::NotFound);
    }
    let rows = store::clarifications_of(conn, application)?;
    let now = now();
    let facts = clarification_facts(&rows);
    Ok(rows
        .into_iter()
        .map(|c| clarification_view(c, |item| item_reopened(&facts, item, now), now))
        .collect())
}
