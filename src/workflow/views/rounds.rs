//! Assessment rounds, with whether registration is open right now. Everyone who may see
//! a round sees all of it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::models::rounds::RoundRow;
use crate::domain::calendar::{
    registration_status, uncovered_years, Calendars, RegistrationStatus, RegistrationWindow,
};
use crate::domain::ids::RoundId;
use crate::refusal::{registration_refusal, Code, Reason};

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
    /// open, not_yet_open, closed or holiday, right now.
    pub registration: &'static str,
    /// Why registration is not open now, if it is not, in the reader's language.
    pub registration_note: Option<String>,
    /// False for a draft only the secretariat sees.
    pub published: bool,
    /// Years the registration window touches that have no public-holiday calendar.
    pub calendar_missing_years: Vec<i32>,
    /// The warning that those years fall back to weekends only (code `calendar.missing`),
    /// in the reader's language.
    pub calendar_warning: Option<String>,
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
    let missing = window
        .map(|w| uncovered_years(w, calendars))
        .unwrap_or_default();
    let warning = (!missing.is_empty()).then(|| {
        let years = missing.iter().map(i32::to_string).collect::<Vec<_>>();
        text(&Code::CalendarMissing.with("year", years.join(", ")))
    });
    let (status, note, closes_at) = match window {
        Some(w) => {
            let s = registration_status(w, calendars, now);
            let code = match &s {
                RegistrationStatus::Open => "open",
                RegistrationStatus::NotYetOpen { .. } => "not_yet_open",
                RegistrationStatus::Closed { .. } => "closed",
                RegistrationStatus::Holiday { .. } => "holiday",
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
        published: r.published_at.is_some(),
        calendar_missing_years: missing,
        calendar_warning: warning,
    }
}
