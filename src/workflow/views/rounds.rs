//! Assessment rounds, with whether registration is open right now. Everyone who may see
//! a round sees all of it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::models::rounds::RoundRow;
use crate::domain::calendar::{
    registration_status, Calendars, RegistrationStatus, RegistrationWindow,
};
use crate::domain::ids::RoundId;
use crate::refusal::{registration_refusal, Reason};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub id: RoundId,
    pub name_zh: String,
    pub name_en: String,
    pub model_version_id: String,
    pub registration_opens: String,
    pub registration_closes: String,
    /// The instant registration closes: 23:59:59 Beijing time on the last day.
    pub registration_closes_at: String,
    pub assessment_starts: String,
    pub assessment_ends: String,
    pub results_on: String,
    pub parts: Vec<String>,
    /// open, not_yet_open, closed, holiday or calendar_missing, right now.
    pub registration: &'static str,
    /// Why registration is not open now, if it is not, in the reader's language.
    pub registration_note: Option<String>,
}

/// The round as of `now`; `text` words the reason registration is not open (the
/// caller's language).
pub fn round_view(
    r: RoundRow,
    parts: Vec<String>,
    calendars: &Calendars,
    now: DateTime<Utc>,
    text: impl Fn(&Reason) -> String,
) -> RoundView {
    let window = RegistrationWindow::new(r.registration_opens, r.registration_closes).ok();
    let (status, note, closes_at) = match window {
        Some(w) => {
            let s = registration_status(w, calendars, now);
            let code = match &s {
                RegistrationStatus::Open => "open",
                RegistrationStatus::NotYetOpen { .. } => "not_yet_open",
                RegistrationStatus::Closed { .. } => "closed",
                RegistrationStatus::Holiday { .. } => "holiday",
                RegistrationStatus::CalendarMissing { .. } => "calendar_missing",
            };
            (
                code,
                registration_refusal(&s).map(|r| text(&r)),
                w.closes_at().to_rfc3339(),
            )
        }
        None => ("closed", None, String::new()),
    };
    RoundView {
        id: r.id,
        name_zh: r.name_zh,
        name_en: r.name_en,
        model_version_id: r.model_version_id.to_string(),
        registration_opens: r.registration_opens.to_string(),
        registration_closes: r.registration_closes.to_string(),
        registration_closes_at: closes_at,
        assessment_starts: r.assessment_starts.to_string(),
        assessment_ends: r.assessment_ends.to_string(),
        results_on: r.results_on.to_string(),
        parts,
        registration: status,
        registration_note: note,
    }
}
