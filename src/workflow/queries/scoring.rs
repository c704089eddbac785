//! Reads of the scoring of an application.

use crate::db::models::{application as apps, now, panels as store};
use crate::db::DbConn;
use crate::domain::access::Principal;
use crate::domain::assessment::item_reopened;
use crate::domain::ids::ApplicationId;
use crate::domain::visibility::Viewer;
use crate::refusal::Refusal;
use crate::workflow::scoring::{clarification_facts, viewer_for};

/// The clarification requests of an application with the items each still has reopened,
/// for its panel, the secretariat and the enterprise; review members get "not found".
pub fn clarifications(
    conn: &mut DbConn,
    who: &Principal,
    application: ApplicationId,
) -> Result<Vec<serde_json::Value>, Refusal> {
    let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
    if let Viewer::Reviewer | Viewer::RecusedReviewer = viewer_for(conn, who, &app)? {
        return Err(Refusal::NotFound);
    }
    let rows = store::clarifications_of(conn, application)?;
    let now = now();
    let facts = clarification_facts(&rows);
    Ok(rows
        .into_iter()
        .map(|c| {
            let items = c.items.0;
            let reopened: Vec<&String> = items
                .iter()
                .filter(|i| item_reopened(&facts, i, now))
                .collect();
            serde_json::json!({ "id": c.id, "items": items, "message": c.message, "deadline": c.deadline,
                "requested_at": c.requested_at, "answer": c.answer, "answered_at": c.answered_at, "reopened_items": reopened })
        })
        .collect())
}
