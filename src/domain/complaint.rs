//! Complaints from anyone about a certified enterprise or about the programme: the parsed
//! form, how often one address may file, and the complaint's status machine.
//!
//! unconfirmed → received (the complainant clicked the mailed link) → accepted (under
//! investigation) → answered; received → not_a_complaint (with the reason).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::domain::account::Email;

/// Complaints one client address may file within [`SUBMIT_WINDOW`].
pub const SUBMIT_LIMIT: usize = 3;
pub const SUBMIT_WINDOW: Duration = Duration::hours(1);
/// The mailed confirmation link works this long.
pub const CONFIRM_WITHIN: Duration = Duration::days(7);
pub const TEXT_MAX_CHARS: usize = 4000;
pub const NAME_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintRefusal {
    #[error("a description of the complaint is needed")]
    DescriptionMissing,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("a complaint about an enterprise names its certificate number or its name")]
    EnterpriseNotNamed,
    #[error("unknown subject '{0}'")]
    UnknownSubject(String),
    #[error("too many complaints from this address; try again after {retry_at}")]
    TooOften { retry_at: DateTime<Utc> },
    #[error("cannot {event} a complaint that is {state}")]
    WrongState {
        event: &'static str,
        state: ComplaintStatus,
    },
    #[error("a reason or an answer is needed")]
    TextMissing,
    #[error("the confirmation link has expired")]
    LinkExpired,
}

/// What the complaint is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    /// A certified enterprise, named by a certificate number or by its name (or both).
    Enterprise {
        certificate_number: Option<String>,
        enterprise_name: Option<String>,
    },
    Programme,
}

impl About {
    pub fn kind(&self) -> &'static str {
        match self {
            About::Enterprise { .. } => "enterprise",
            About::Programme => "programme",
        }
    }
}

/// A complaint as filed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintForm {
    pub name: String,
    pub email: Email,
    pub about: About,
    pub description: String,
}

fn bounded(text: &str, max: usize) -> Result<String, ComplaintRefusal> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(ComplaintRefusal::TooLong { max });
    }
    Ok(text.to_string())
}

fn optional(text: Option<&str>) -> Result<Option<String>, ComplaintRefusal> {
    Ok(Some(bounded(text.unwrap_or(""), NAME_MAX_CHARS)?).filter(|t| !t.is_empty()))
}

impl ComplaintForm {
    /// Parses what the form or the API sent; `email` has been parsed by the caller.
    pub fn parse(
        name: &str,
        email: Email,
        about: &str,
        certificate_number: Option<&str>,
        enterprise_name: Option<&str>,
        description: &str,
    ) -> Result<ComplaintForm, ComplaintRefusal> {
        let about = match about {
            "enterprise" => {
                let certificate_number = optional(certificate_number)?;
                let enterprise_name = optional(enterprise_name)?;
                if certificate_number.is_none() && enterprise_name.is_none() {
                    return Err(ComplaintRefusal::EnterpriseNotNamed);
                }
                About::Enterprise {
                    certificate_number,
                    enterprise_name,
                }
            }
            "programme" => About::Programme,
            other => return Err(ComplaintRefusal::UnknownSubject(other.to_string())),
        };
        let description = bounded(description, TEXT_MAX_CHARS)?;
        if description.is_empty() {
            return Err(ComplaintRefusal::DescriptionMissing);
        }
        Ok(ComplaintForm {
            name: bounded(name, NAME_MAX_CHARS)?,
            email,
            about,
            description,
        })
    }
}

/// Whether one more complaint may be filed from an address `now`, given the times of its
/// complaints (any order); refused until the oldest of the last [`SUBMIT_LIMIT`] leaves
/// the window.
pub fn check_rate(now: DateTime<Utc>, earlier: &[DateTime<Utc>]) -> Result<(), ComplaintRefusal> {
    let mut recent: Vec<_> = earlier
        .iter()
        .copied()
        .filter(|t| *t > now - SUBMIT_WINDOW && *t <= now)
        .collect();
    if recent.len() < SUBMIT_LIMIT {
        return Ok(());
    }
    recent.sort_unstable();
    Err(ComplaintRefusal::TooOften {
        retry_at: recent[recent.len() - SUBMIT_LIMIT] + SUBMIT_WINDOW,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Unconfirmed,
    Received,
    Accepted,
    NotAComplaint,
    Answered,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 5] = [
        ComplaintStatus::Unconfirmed,
        ComplaintStatus::Received,
        ComplaintStatus::Accepted,
        ComplaintStatus::NotAComplaint,
        ComplaintStatus::Answered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Unconfirmed => "unconfirmed",
            ComplaintStatus::Received => "received",
            ComplaintStatus::Accepted => "accepted",
            ComplaintStatus::NotAComplaint => "not_a_complaint",
            ComplaintStatus::Answered => "answered",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ComplaintStatus::NotAComplaint | ComplaintStatus::Answered
        )
    }
}

impl fmt::Display for ComplaintStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ComplaintStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<ComplaintStatus, String> {
        ComplaintStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown complaint status '{s}'"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintEvent {
    Confirm,
    Accept,
    Dismiss {
        reason: String,
    },
    /// Investigation notes and the short-notice surveillance flag change nothing of the
    /// status but are only taken while the complaint is under investigation.
    Investigate,
    Answer {
        answer: String,
    },
}

impl ComplaintEvent {
    pub fn name(&self) -> &'static str {
        match self {
            ComplaintEvent::Confirm => "confirm",
            ComplaintEvent::Accept => "accept",
            ComplaintEvent::Dismiss { .. } => "dismiss",
            ComplaintEvent::Investigate => "investigate",
            ComplaintEvent::Answer { .. } => "answer",
        }
    }
}

fn next(state: ComplaintStatus, event: &ComplaintEvent) -> Option<ComplaintStatus> {
    use ComplaintStatus::*;
    match (state, event) {
        (Unconfirmed, ComplaintEvent::Confirm) => Some(Received),
        (Received, ComplaintEvent::Accept) => Some(Accepted),
        (Received, ComplaintEvent::Dismiss { .. }) => Some(NotAComplaint),
        (Accepted, ComplaintEvent::Investigate) => Some(Accepted),
        (Accepted, ComplaintEvent::Answer { .. }) => Some(Answered),
        _ => None,
    }
}

/// Whether `event` fits `state` (texts aside): pages offer only these actions.
pub fn state_allows(state: ComplaintStatus, event: &ComplaintEvent) -> bool {
    next(state, event).is_some()
}

pub fn apply(
    state: ComplaintStatus,
    event: &ComplaintEvent,
) -> Result<ComplaintStatus, ComplaintRefusal> {
    let to = next(state, event).ok_or(ComplaintRefusal::WrongState {
        event: event.name(),
        state,
    })?;
    if let ComplaintEvent::Dismiss { reason: t } | ComplaintEvent::Answer { answer: t } = event {
        check_text(t)?;
    }
    Ok(to)
}

/// A reason, an answer or a note: given and bounded.
pub fn check_text(text: &str) -> Result<(), ComplaintRefusal> {
    if text.trim().is_empty() {
        return Err(ComplaintRefusal::TextMissing);
    }
    bounded(text, TEXT_MAX_CHARS).map(|_| ())
}

/// Whether a confirmation link created at `created_at` still works `now`.
pub fn check_confirmation(
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ComplaintRefusal> {
    if now > created_at + CONFIRM_WITHIN {
        return Err(ComplaintRefusal::LinkExpired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ComplaintStatus::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + min * 60, 0).unwrap()
    }

    fn email() -> Email {
        Email::parse("wang@example.cn").unwrap()
    }

    #[test]
    fn an_enterprise_complaint_names_the_enterprise_somehow() {
        let f = ComplaintForm::parse(
            " 王芳 ",
            email(),
            "enterprise",
            Some(" CAICT-DCMM-2026-CD-0001 "),
            Some(""),
            "证书范围与实际不符",
        )
        .unwrap();
        assert_eq!(f.name, "王芳");
        assert_eq!(
            f.about,
            About::Enterprise {
                certificate_number: Some("CAICT-DCMM-2026-CD-0001".into()),
                enterprise_name: None
            }
        );
        assert_eq!(
            ComplaintForm::parse("", email(), "enterprise", None, Some("  "), "x"),
            Err(ComplaintRefusal::EnterpriseNotNamed)
        );
        assert_eq!(
            ComplaintForm::parse("", email(), "programme", None, None, "  ").unwrap_err(),
            ComplaintRefusal::DescriptionMissing
        );
        assert_eq!(
            ComplaintForm::parse("", email(), "weather", None, None, "x").unwrap_err(),
            ComplaintRefusal::UnknownSubject("weather".into())
        );
        assert_eq!(
            ComplaintForm::parse(
                "",
                email(),
                "programme",
                None,
                None,
                &"长".repeat(TEXT_MAX_CHARS + 1)
            )
            .unwrap_err(),
            ComplaintRefusal::TooLong {
                max: TEXT_MAX_CHARS
            }
        );
    }

    #[test]
    fn three_complaints_an_hour_from_one_address() {
        let two = [at(0), at(10)];
        assert_eq!(check_rate(at(20), &two), Ok(()));
        let three = [at(10), at(0), at(20)];
        assert_eq!(
            check_rate(at(30), &three),
            Err(ComplaintRefusal::TooOften { retry_at: at(60) })
        );
        assert_eq!(check_rate(at(61), &three), Ok(()));
    }

    #[test]
    fn the_path_of_a_complaint() {
        let answered = [
            ComplaintEvent::Confirm,
            ComplaintEvent::Accept,
            ComplaintEvent::Investigate,
            ComplaintEvent::Answer {
                answer: "已安排短期监督审核".into(),
            },
        ]
        .iter()
        .try_fold(Unconfirmed, apply);
        assert_eq!(answered, Ok(Answered));
        assert_eq!(
            apply(
                Received,
                &ComplaintEvent::Dismiss {
                    reason: "属于咨询".into()
                }
            ),
            Ok(NotAComplaint)
        );
        assert_eq!(
            apply(Received, &ComplaintEvent::Dismiss { reason: " ".into() }),
            Err(ComplaintRefusal::TextMissing)
        );
        assert_eq!(
            apply(Unconfirmed, &ComplaintEvent::Accept),
            Err(ComplaintRefusal::WrongState {
                event: "accept",
                state: Unconfirmed
            }),
            "nothing happens before the complainant confirms"
        );
        assert!(apply(Received, &ComplaintEvent::Investigate).is_err());
        for s in ComplaintStatus::ALL {
            assert_eq!(s.as_str().parse::<ComplaintStatus>(), Ok(s));
        }
    }

    #[test]
    fn the_confirmation_link_lasts_seven_days() {
        assert!(check_confirmation(at(0), at(0) + CONFIRM_WITHIN).is_ok());
        assert_eq!(
            check_confirmation(at(0), at(1) + CONFIRM_WITHIN),
            Err(ComplaintRefusal::LinkExpired)
        );
    }

    fn any_event() -> impl Strategy<Value = ComplaintEvent> {
        let text = prop_oneof![Just(String::new()), "\\PC{1,12}"];
        prop_oneof![
            Just(ComplaintEvent::Confirm),
            Just(ComplaintEvent::Accept),
            text.clone()
                .prop_map(|reason| ComplaintEvent::Dismiss { reason }),
            Just(ComplaintEvent::Investigate),
            text.prop_map(|answer| ComplaintEvent::Answer { answer }),
        ]
    }

    proptest! {
        #[test]
        fn closed_complaints_stay_closed_and_nothing_precedes_confirmation(
            events in prop::collection::vec(any_event(), 0..30)
        ) {
            let mut state = Unconfirmed;
            for e in &events {
                if let Ok(to) = apply(state, e) {
                    prop_assert!(!state.is_closed());
                    if state == Unconfirmed {
                        prop_assert_eq!(e, &ComplaintEvent::Confirm);
                    }
                    state = to;
                }
                prop_assert_eq!(state_allows(state, e), next(state, e).is_some());
            }
        }

        #[test]
        fn the_rate_never_allows_more_than_the_limit_in_a_window(
            offsets in prop::collection::vec(0i64..120, 0..12)
        ) {
            let mut filed: Vec<DateTime<Utc>> = Vec::new();
            let mut times: Vec<i64> = offsets;
            times.sort_unstable();
            for t in times {
                if check_rate(at(t), &filed).is_ok() {
                    filed.push(at(t));
                }
            }
            for (i, t) in filed.iter().enumerate() {
                let in_window = filed[..=i].iter().filter(|s| **s > *t - SUBMIT_WINDOW).count();
                prop_assert!(in_window <= SUBMIT_LIMIT);
            }
        }
    }
}
