//! The life of an application for one part of a model. Every status change goes through
//! [`apply`]; handlers never set a status themselves, so the rules live in one table.
//!
//! draft → submitted → accepted → in_assessment → scored → in_review → approved → certified;
//! in_review → returned → in_assessment (again); an upheld appeal reopens a scored,
//! reviewed or approved result for the assessment panel; withdrawn and rejected from the
//! states listed in [`apply`].

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    /// The secretariat has checked the application is complete and in scope.
    Accepted,
    InAssessment,
    Scored,
    InReview,
    Approved,
    /// Sent back by the review panel; the panel assesses it again.
    Returned,
    Certified,
    Withdrawn,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Draft,
        Status::Submitted,
        Status::Accepted,
        Status::InAssessment,
        Status::Scored,
        Status::InReview,
        Status::Approved,
        Status::Returned,
        Status::Certified,
        Status::Withdrawn,
        Status::Rejected,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::InAssessment => "in_assessment",
            Status::Scored => "scored",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Returned => "returned",
            Status::Certified => "certified",
            Status::Withdrawn => "withdrawn",
            Status::Rejected => "rejected",
        }
    }

    /// No event leaves these states.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Certified | Status::Withdrawn | Status::Rejected
        )
    }

    /// How a refusal describes the state: "an application that is {phrase}".
    pub fn phrase(self) -> &'static str {
        match self {
            Status::Draft => "a draft",
            Status::InAssessment => "in assessment",
            Status::InReview => "in review",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown application status '{s}'"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Submit,
    /// The secretariat's completeness and scope check.
    Accept,
    Reject {
        reason: String,
    },
    /// Also used to assess a returned application again; the caller keeps the review
    /// panel's reasons with the history.
    StartAssessment,
    CompleteScoring,
    SendToReview,
    Approve,
    Return {
        reasons: Vec<String>,
    },
    Certify,
    Withdraw {
        reason: String,
    },
    /// An appeal panel upheld an appeal against the result: the assessment panel takes
    /// it up again (and consolidates anew).
    ReopenOnAppeal,
}

impl Event {
    /// How a refusal names the event: "cannot {verb} an application …".
    pub fn verb(&self) -> &'static str {
        match self {
            Event::Submit => "submit",
            Event::Accept => "accept",
            Event::Reject { .. } => "reject",
            Event::StartAssessment => "start the assessment of",
            Event::CompleteScoring => "complete the scoring of",
            Event::SendToReview => "send to review",
            Event::Approve => "approve",
            Event::Return { .. } => "return",
            Event::Certify => "certify",
            Event::Withdraw { .. } => "withdraw",
            Event::ReopenOnAppeal => "reopen on appeal",
        }
    }

    /// Rejections, returns and withdrawals are told to the other party, so they need a why.
    fn has_reason(&self) -> bool {
        let given = |r: &String| !r.trim().is_empty();
        match self {
            Event::Reject { reason } | Event::Withdraw { reason } => given(reason),
            Event::Return { reasons } => !reasons.is_empty() && reasons.iter().all(given),
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The event does not fit the status the application is in (a conflict, HTTP 409).
    #[error("cannot {verb} an application that is {}; it must be {}", state.phrase(), either(allowed))]
    WrongState {
        verb: &'static str,
        state: Status,
        /// The statuses the event would fit.
        allowed: Vec<Status>,
    },
    /// The request is incomplete rather than in conflict, so a form can ask for the reason.
    #[error("a reason is needed to {verb} an application")]
    ReasonMissing { verb: &'static str },
}

/// "a draft, submitted or accepted".
fn either(statuses: &[Status]) -> String {
    let phrases: Vec<&str> = statuses.iter().map(|s| s.phrase()).collect();
    match phrases.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The one transition table.
fn next(state: Status, event: &Event) -> Option<Status> {
    use Status::*;
    match (state, event) {
        (Draft, Event::Submit) => Some(Submitted),
        (Submitted, Event::Accept) => Some(Accepted),
        (Accepted | Returned, Event::StartAssessment) => Some(InAssessment),
        (InAssessment, Event::CompleteScoring) => Some(Scored),
        (Scored, Event::SendToReview) => Some(InReview),
        (InReview, Event::Approve) => Some(Approved),
        (InReview, Event::Return { .. }) => Some(Returned),
        (Approved, Event::Certify) => Some(Certified),
        (Submitted | Accepted, Event::Reject { .. }) => Some(Rejected),
        (Draft | Submitted | Accepted | InAssessment | Returned, Event::Withdraw { .. }) => {
            Some(Withdrawn)
        }
        (Scored | InReview | Approved, Event::ReopenOnAppeal) => Some(InAssessment),
        _ => None,
    }
}

/// Whether `event` may happen in `state` at all (a missing reason aside): pages offer
/// only the actions this allows.
pub fn state_allows(state: Status, event: &Event) -> bool {
    next(state, event).is_some()
}

/// The status after `event`, or why the event is refused in `state`.
pub fn apply(state: Status, event: &Event) -> Result<Status, Refusal> {
    let Some(to) = next(state, event) else {
        let allowed = Status::ALL
            .into_iter()
            .filter(|s| next(*s, event).is_some())
            .collect();
        return Err(Refusal::WrongState {
            verb: event.verb(),
            state,
            allowed,
        });
    };
    if !event.has_reason() {
        return Err(Refusal::ReasonMissing { verb: event.verb() });
    }
    Ok(to)
}

/// The parties that cause status changes. A panel lead is an assessor leading the
/// application's panel; the review panel acts by a recorded decision, not by one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Enterprise,
    Secretariat,
    PanelLead,
    ReviewPanel,
    AppealPanel,
}

pub fn actor_may(actor: Actor, event: &Event) -> bool {
    match event {
        Event::Submit | Event::Withdraw { .. } => actor == Actor::Enterprise,
        Event::Accept | Event::Reject { .. } | Event::StartAssessment | Event::Certify => {
            actor == Actor::Secretariat
        }
        Event::CompleteScoring | Event::SendToReview => actor == Actor::PanelLead,
        Event::Approve | Event::Return { .. } => actor == Actor::ReviewPanel,
        Event::ReopenOnAppeal => actor == Actor::AppealPanel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Status::*;

    fn reject() -> Event {
        Event::Reject {
            reason: "out of scope".into(),
        }
    }
    fn withdraw() -> Event {
        Event::Withdraw {
            reason: "we will apply next round".into(),
        }
    }
    fn return_() -> Event {
        Event::Return {
            reasons: vec!["CD-CM-01: no evidence for level 3".into()],
        }
    }

    #[test]
    fn the_whole_path_to_a_certificate_including_one_return() {
        let path = [
            (Event::Submit, Submitted),
            (Event::Accept, Accepted),
            (Event::StartAssessment, InAssessment),
            (Event::CompleteScoring, Scored),
            (Event::SendToReview, InReview),
            (return_(), Returned),
            (Event::StartAssessment, InAssessment),
            (Event::CompleteScoring, Scored),
            (Event::SendToReview, InReview),
            (Event::Approve, Approved),
            (Event::Certify, Certified),
        ];
        let mut state = Draft;
        for (event, expected) in path {
            state = apply(state, &event).unwrap();
            assert_eq!(state, expected, "after {event:?}");
        }
        assert!(state.is_terminal());
    }

    #[test]
    fn withdrawal_and_rejection_from_exactly_the_allowed_states() {
        for s in [Draft, Submitted, Accepted, InAssessment, Returned] {
            assert_eq!(apply(s, &withdraw()), Ok(Withdrawn), "withdraw from {s}");
        }
        for s in [Submitted, Accepted] {
            assert_eq!(apply(s, &reject()), Ok(Rejected), "reject from {s}");
        }
        for s in [Scored, InReview, Approved, Certified, Withdrawn, Rejected] {
            assert!(apply(s, &withdraw()).is_err(), "withdraw from {s}");
        }
        for s in [
            Draft,
            InAssessment,
            Scored,
            InReview,
            Approved,
            Returned,
            Certified,
            Withdrawn,
            Rejected,
        ] {
            assert!(apply(s, &reject()).is_err(), "reject from {s}");
        }
    }

    #[test]
    fn refusals_name_the_state_and_what_it_must_be() {
        let refused = [
            (InAssessment, Event::Approve, "cannot approve an application that is in assessment; it must be in review"),
            (Draft, Event::Accept, "cannot accept an application that is a draft; it must be submitted"),
            (Submitted, Event::Submit, "cannot submit an application that is submitted; it must be a draft"),
            (Draft, Event::StartAssessment, "cannot start the assessment of an application that is a draft; it must be accepted or returned"),
            (Scored, Event::CompleteScoring, "cannot complete the scoring of an application that is scored; it must be in assessment"),
            (InAssessment, Event::SendToReview, "cannot send to review an application that is in assessment; it must be scored"),
            (Scored, return_(), "cannot return an application that is scored; it must be in review"),
            (InReview, Event::Certify, "cannot certify an application that is in review; it must be approved"),
            (Returned, Event::Certify, "cannot certify an application that is returned; it must be approved"),
            (InReview, reject(), "cannot reject an application that is in review; it must be submitted or accepted"),
            (Certified, withdraw(), "cannot withdraw an application that is certified; it must be a draft, submitted, accepted, in assessment or returned"),
            (Rejected, Event::Submit, "cannot submit an application that is rejected; it must be a draft"),
        ];
        for (state, event, message) in refused {
            assert_eq!(apply(state, &event).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn rejections_returns_and_withdrawals_need_a_reason() {
        let blank = [
            (
                Submitted,
                Event::Reject {
                    reason: "  ".into(),
                },
            ),
            (InReview, Event::Return { reasons: vec![] }),
            (
                InReview,
                Event::Return {
                    reasons: vec!["ok".into(), "\t".into()],
                },
            ),
            (
                Draft,
                Event::Withdraw {
                    reason: String::new(),
                },
            ),
        ];
        for (state, event) in blank {
            assert_eq!(
                apply(state, &event),
                Err(Refusal::ReasonMissing { verb: event.verb() })
            );
        }
        assert_eq!(
            apply(Draft, &Event::Withdraw { reason: " ".into() })
                .unwrap_err()
                .to_string(),
            "a reason is needed to withdraw an application"
        );
    }

    #[test]
    fn names_round_trip_for_storage() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert_eq!(InAssessment.as_str(), "in_assessment");
        assert!("In Review".parse::<Status>().is_err());
    }

    #[test]
    fn each_event_has_one_kind_of_actor() {
        use Actor::*;
        let table = [
            (Event::Submit, Enterprise),
            (withdraw(), Enterprise),
            (Event::Accept, Secretariat),
            (reject(), Secretariat),
            (Event::StartAssessment, Secretariat),
            (Event::Certify, Secretariat),
            (Event::CompleteScoring, PanelLead),
            (Event::SendToReview, PanelLead),
            (Event::Approve, ReviewPanel),
            (return_(), ReviewPanel),
            (Event::ReopenOnAppeal, AppealPanel),
        ];
        for (event, only) in table {
            for actor in [Enterprise, Secretariat, PanelLead, ReviewPanel, AppealPanel] {
                assert_eq!(
                    actor_may(actor, &event),
                    actor == only,
                    "{actor:?} {event:?}"
                );
            }
        }
    }

    fn any_event() -> impl Strategy<Value = Event> {
        let reason = prop_oneof![Just(String::new()), Just(" ".to_string()), "\\PC{1,20}"];
        prop_oneof![
            Just(Event::Submit),
            Just(Event::Accept),
            reason.clone().prop_map(|reason| Event::Reject { reason }),
            Just(Event::StartAssessment),
            Just(Event::CompleteScoring),
            Just(Event::SendToReview),
            Just(Event::Approve),
            prop::collection::vec(reason.clone(), 0..3)
                .prop_map(|reasons| Event::Return { reasons }),
            Just(Event::Certify),
            reason.prop_map(|reason| Event::Withdraw { reason }),
            Just(Event::ReopenOnAppeal),
        ]
    }

    proptest! {
        /// A page offers an action exactly when the machine would take it with a reason.
        #[test]
        fn state_allows_agrees_with_apply(
            state in prop::sample::select(Status::ALL.to_vec()),
            event in any_event(),
        ) {
            let refused_for_state = matches!(apply(state, &event), Err(Refusal::WrongState { .. }));
            prop_assert_eq!(state_allows(state, &event), !refused_for_state);
        }

        #[test]
        fn random_histories_keep_the_rules(events in prop::collection::vec(any_event(), 0..60)) {
            let mut state = Draft;
            for event in &events {
                if let Ok(to) = apply(state, event) {
                    prop_assert!(!state.is_terminal(), "{} left terminal {}", event.verb(), state);
                    if to == Certified {
                        prop_assert_eq!(state, Approved);
                    }
                    state = to;
                }
            }
        }

        #[test]
        fn terminal_states_accept_nothing(event in any_event()) {
            for s in Status::ALL.into_iter().filter(|s| s.is_terminal()) {
                prop_assert!(apply(s, &event).is_err());
            }
        }
    }
}
