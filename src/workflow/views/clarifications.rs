//! Clarification requests of an application, read by its panel, the secretariat and the
//! enterprise (review members get "not found" before a view is built). Who asked and who
//! answered are left out: the enterprise must not learn which assessor asked.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::scoring::ClarificationRow;
use crate::domain::ids::ClarificationId;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClarificationView {
    pub id: ClarificationId,
    /// Codes of the items the request is about.
    pub items: Vec<String>,
    pub message: String,
    #[schema(value_type = String)]
    pub deadline: NaiveDateTime,
    #[schema(value_type = String)]
    pub requested_at: NaiveDateTime,
    pub answer: Option<String>,
    #[schema(value_type = Option<String>)]
    pub answered_at: Option<NaiveDateTime>,
    /// The items whose evidence the enterprise may change again now.
    pub reopened_items: Vec<String>,
    /// Unanswered and before its deadline: the enterprise may answer it now.
    pub open: bool,
}

/// The view of one request at `now`; `reopened` says whether an item is open for
/// changes now.
pub fn clarification_view(
    row: ClarificationRow,
    reopened: impl Fn(&str) -> bool,
    now: NaiveDateTime,
) -> ClarificationView {
    let items = row.items.0;
    ClarificationView {
        open: row.answer.is_none() && row.deadline > now,
        reopened_items: items.iter().filter(|i| reopened(i)).cloned().collect(),
        id: row.id,
        items,
        message: row.message,
        deadline: row.deadline,
        requested_at: row.requested_at,
        answer: row.answer,
        answered_at: row.answered_at,
    }
}
