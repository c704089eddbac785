//! Appeals against a decision of the programme: what may be appealed and until when, the
//! appeal's status machine, who may sit on its panel, and what an upheld appeal changes.
//!
//! lodged → panel_formed → upheld | dismissed; lodged or panel_formed → withdrawn by the
//! enterprise. Every change goes through [`apply`].

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::domain::ids::UserId;

/// Days after a decision within which it may be appealed, unless configured otherwise.
pub const DEFAULT_WINDOW_DAYS: i64 = 30;
/// An appeal panel has one to this many members.
pub const MAX_PANEL: usize = 3;
/// Longest reasons text (characters) of an appeal, a decision or a withdrawal.
pub const REASONS_MAX_CHARS: usize = 4000;

/// Which decision of an application's result is appealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultDecision {
    /// The review panel returned the result to the assessment panel.
    Returned,
    /// The level the review approved.
    Level,
}

/// The decision an appeal is about. A certificate decision is named by its certificate
/// number and the index of its entry in the issuance log, so that any decision the log
/// records (a revocation today; a suspension or withdrawal later) can be appealed the
/// same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    ApplicationResult(ResultDecision),
    CertificateDecision { number: String, log_index: u64 },
}

impl Subject {
    /// The name stored in the database and used by the API.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::ApplicationResult(ResultDecision::Returned) => "returned_result",
            Subject::ApplicationResult(ResultDecision::Level) => "level",
            Subject::CertificateDecision { .. } => "certificate_decision",
        }
    }

    /// What upholding the appeal changes.
    pub fn remedy(&self) -> Remedy {
        match self {
            Subject::ApplicationResult(ResultDecision::Returned) => Remedy::Reassess,
            Subject::ApplicationResult(ResultDecision::Level) => Remedy::ReopenLevel,
            Subject::CertificateDecision { .. } => Remedy::ReverseCertificateDecision,
        }
    }
}

/// The consequence an upheld appeal records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// The application goes back to its assessment panel.
    Reassess,
    /// The level decision is reopened for the panel's consolidation.
    ReopenLevel,
    /// The certificate decision is reversed; the secretariat carries it out on the
    /// certificate (a task until the certificate's own reinstatement exists).
    ReverseCertificateDecision,
}

impl Remedy {
    pub fn as_str(self) -> &'static str {
        match self {
            Remedy::Reassess => "reassess",
            Remedy::ReopenLevel => "reopen_level",
            Remedy::ReverseCertificateDecision => "reverse_certificate_decision",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    Lodged,
    PanelFormed,
    Upheld,
    Dismissed,
    Withdrawn,
}

impl AppealStatus {
    pub const ALL: [AppealStatus; 5] = [
        AppealStatus::Lodged,
        AppealStatus::PanelFormed,
        AppealStatus::Upheld,
        AppealStatus::Dismissed,
        AppealStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppealStatus::Lodged => "lodged",
            AppealStatus::PanelFormed => "panel_formed",
            AppealStatus::Upheld => "upheld",
            AppealStatus::Dismissed => "dismissed",
            AppealStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            AppealStatus::Upheld | AppealStatus::Dismissed | AppealStatus::Withdrawn
        )
    }
}

impl fmt::Display for AppealStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AppealStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<AppealStatus, String> {
        AppealStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown appeal status '{s}'"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealEvent {
    FormPanel,
    Decide { upheld: bool, reasons: String },
    Withdraw { reason: String },
}

impl AppealEvent {
    pub fn name(&self) -> &'static str {
        match self {
            AppealEvent::FormPanel => "form_panel",
            AppealEvent::Decide { .. } => "decide",
            AppealEvent::Withdraw { .. } => "withdraw",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppealRefusal {
    #[error("cannot {event} an appeal that is {state}")]
    WrongState {
        event: &'static str,
        state: AppealStatus,
    },
    #[error("reasons are needed")]
    ReasonsMissing,
    #[error("reasons longer than {max} characters")]
    ReasonsTooLong { max: usize },
    /// The decision is older than the window allows.
    #[error("the appeal window closed on {closed_at}")]
    WindowClosed { closed_at: DateTime<Utc> },
    /// The decision appealed has not been taken (or is not the application's).
    #[error("there is no such decision to appeal")]
    NoSuchDecision,
    #[error("this decision is already under appeal")]
    AlreadyAppealed,
}

fn reasons(text: &str) -> Result<(), AppealRefusal> {
    if text.trim().is_empty() {
        return Err(AppealRefusal::ReasonsMissing);
    }
    if text.chars().count() > REASONS_MAX_CHARS {
        return Err(AppealRefusal::ReasonsTooLong {
            max: REASONS_MAX_CHARS,
        });
    }
    Ok(())
}

/// The reasons an appeal is lodged with: given, and not too long.
pub fn check_reasons(text: &str) -> Result<(), AppealRefusal> {
    reasons(text)
}

/// The one transition table.
fn next(state: AppealStatus, event: &AppealEvent) -> Option<AppealStatus> {
    use AppealStatus::*;
    match (state, event) {
        (Lodged, AppealEvent::FormPanel) => Some(PanelFormed),
        (PanelFormed, AppealEvent::Decide { upheld: true, .. }) => Some(Upheld),
        (PanelFormed, AppealEvent::Decide { upheld: false, .. }) => Some(Dismissed),
        (Lodged | PanelFormed, AppealEvent::Withdraw { .. }) => Some(Withdrawn),
        _ => None,
    }
}

/// Whether `event` fits `state` (reasons aside): pages offer only these actions.
pub fn state_allows(state: AppealStatus, event: &AppealEvent) -> bool {
    next(state, event).is_some()
}

/// The status after `event`, or why it is refused.
pub fn apply(state: AppealStatus, event: &AppealEvent) -> Result<AppealStatus, AppealRefusal> {
    let to = next(state, event).ok_or(AppealRefusal::WrongState {
        event: event.name(),
        state,
    })?;
    match event {
        AppealEvent::Decide { reasons: r, .. } | AppealEvent::Withdraw { reason: r } => reasons(r)?,
        AppealEvent::FormPanel => {}
    }
    Ok(to)
}

/// The last instant an appeal against a decision taken at `decided_at` may be lodged.
pub fn window_closes(decided_at: DateTime<Utc>, window_days: i64) -> DateTime<Utc> {
    decided_at + Duration::days(window_days)
}

/// Whether an appeal lodged `now` against a decision of `decided_at` is in time.
pub fn check_window(
    decided_at: DateTime<Utc>,
    now: DateTime<Utc>,
    window_days: i64,
) -> Result<(), AppealRefusal> {
    let closed_at = window_closes(decided_at, window_days);
    if now > closed_at {
        return Err(AppealRefusal::WindowClosed { closed_at });
    }
    Ok(())
}

/// Everyone who took part in the appealed case, by the part they took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseParties {
    /// The application's assessment panel.
    pub assessors: BTreeSet<UserId>,
    /// The review panel of the application's round, and whoever voted on it.
    pub reviewers: BTreeSet<UserId>,
    /// Whoever recorded a decision on the case (status changes, certificate decisions).
    pub deciders: BTreeSet<UserId>,
}

/// How a person took part in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Involvement {
    Assessed,
    Reviewed,
    Decided,
}

impl Involvement {
    pub fn as_str(self) -> &'static str {
        match self {
            Involvement::Assessed => "assessed",
            Involvement::Reviewed => "reviewed",
            Involvement::Decided => "decided",
        }
    }
}

impl CaseParties {
    /// How `person` took part in the case, if at all; the first that applies.
    pub fn involvement(&self, person: UserId) -> Option<Involvement> {
        if self.assessors.contains(&person) {
            Some(Involvement::Assessed)
        } else if self.reviewers.contains(&person) {
            Some(Involvement::Reviewed)
        } else if self.deciders.contains(&person) {
            Some(Involvement::Decided)
        } else {
            None
        }
    }
}

/// One broken rule of an appeal panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealPanelViolation {
    Size {
        members: usize,
    },
    Duplicate {
        person: String,
    },
    /// Not in the assessor registry nor a review member.
    NotEligible {
        person: String,
    },
    Involved {
        person: String,
        how: Involvement,
    },
}

/// A candidate for an appeal panel as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user: UserId,
    pub display_name: String,
    /// In the assessor registry or holding the reviewer role.
    pub eligible: bool,
}

/// Checks a proposed appeal panel: one to [`MAX_PANEL`] distinct eligible people, none of
/// whom assessed, reviewed or decided the case. Every broken rule is reported.
pub fn check_appeal_panel(
    members: &[Candidate],
    parties: &CaseParties,
) -> Result<(), Vec<AppealPanelViolation>> {
    let mut problems = Vec::new();
    let distinct: BTreeSet<UserId> = members.iter().map(|m| m.user).collect();
    if distinct.is_empty() || distinct.len() > MAX_PANEL {
        problems.push(AppealPanelViolation::Size {
            members: distinct.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for m in members {
        if !seen.insert(m.user) {
            problems.push(AppealPanelViolation::Duplicate {
                person: m.display_name.clone(),
            });
            continue;
        }
        if !m.eligible {
            problems.push(AppealPanelViolation::NotEligible {
                person: m.display_name.clone(),
            });
        }
        if let Some(how) = parties.involvement(m.user) {
            problems.push(AppealPanelViolation::Involved {
                person: m.display_name.clone(),
                how,
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use AppealStatus::*;

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + day * 86_400, 0).unwrap()
    }

    fn decide(upheld: bool) -> AppealEvent {
        AppealEvent::Decide {
            upheld,
            reasons: "评审意见与证据不符".into(),
        }
    }

    fn withdraw() -> AppealEvent {
        AppealEvent::Withdraw {
            reason: "已与秘书处沟通".into(),
        }
    }

    #[test]
    fn an_appeal_is_decided_by_its_panel_or_withdrawn_before() {
        assert_eq!(apply(Lodged, &AppealEvent::FormPanel), Ok(PanelFormed));
        assert_eq!(apply(PanelFormed, &decide(true)), Ok(Upheld));
        assert_eq!(apply(PanelFormed, &decide(false)), Ok(Dismissed));
        assert_eq!(apply(Lodged, &withdraw()), Ok(Withdrawn));
        assert_eq!(apply(PanelFormed, &withdraw()), Ok(Withdrawn));
        assert_eq!(
            apply(Lodged, &decide(true)),
            Err(AppealRefusal::WrongState {
                event: "decide",
                state: Lodged
            }),
            "no decision without a panel"
        );
        for closed in [Upheld, Dismissed, Withdrawn] {
            assert!(closed.is_closed());
            for e in [AppealEvent::FormPanel, decide(true), withdraw()] {
                assert!(apply(closed, &e).is_err(), "{e:?} after {closed}");
            }
        }
    }

    #[test]
    fn decisions_and_withdrawals_need_reasons_of_bounded_length() {
        let blank = AppealEvent::Decide {
            upheld: true,
            reasons: " \n".into(),
        };
        assert_eq!(
            apply(PanelFormed, &blank),
            Err(AppealRefusal::ReasonsMissing)
        );
        let long = AppealEvent::Withdraw {
            reason: "长".repeat(REASONS_MAX_CHARS + 1),
        };
        assert_eq!(
            apply(Lodged, &long),
            Err(AppealRefusal::ReasonsTooLong {
                max: REASONS_MAX_CHARS
            })
        );
        assert!(check_reasons(&"长".repeat(REASONS_MAX_CHARS)).is_ok());
    }

    #[test]
    fn the_window_includes_its_last_instant_and_nothing_after() {
        let decided = at(0);
        assert!(check_window(decided, at(30), 30).is_ok());
        assert_eq!(
            check_window(decided, at(30) + Duration::seconds(1), 30),
            Err(AppealRefusal::WindowClosed { closed_at: at(30) })
        );
        assert!(check_window(decided, at(59), 60).is_ok());
    }

    #[test]
    fn each_subject_has_its_remedy_and_stored_name() {
        let returned = Subject::ApplicationResult(ResultDecision::Returned);
        let level = Subject::ApplicationResult(ResultDecision::Level);
        let revoked = Subject::CertificateDecision {
            number: "CAICT-DCMM-2026-CD-0001".into(),
            log_index: 3,
        };
        assert_eq!(returned.remedy(), Remedy::Reassess);
        assert_eq!(level.remedy(), Remedy::ReopenLevel);
        assert_eq!(revoked.remedy(), Remedy::ReverseCertificateDecision);
        assert_eq!(
            [returned.kind(), level.kind(), revoked.kind()],
            ["returned_result", "level", "certificate_decision"]
        );
        for s in AppealStatus::ALL {
            assert_eq!(s.as_str().parse::<AppealStatus>(), Ok(s));
        }
    }

    fn person(n: u8) -> UserId {
        format!("0192f0c0-0000-7000-8000-0000000000{n:02}")
            .parse()
            .unwrap()
    }

    fn candidate(n: u8) -> Candidate {
        Candidate {
            user: person(n),
            display_name: format!("专家{n}"),
            eligible: true,
        }
    }

    #[test]
    fn the_panel_excludes_whoever_assessed_reviewed_or_decided() {
        let parties = CaseParties {
            assessors: [person(1)].into(),
            reviewers: [person(2)].into(),
            deciders: [person(3)].into(),
        };
        assert_eq!(
            check_appeal_panel(&[candidate(4), candidate(5)], &parties),
            Ok(())
        );
        let refused =
            check_appeal_panel(&[candidate(1), candidate(2), candidate(3)], &parties).unwrap_err();
        assert_eq!(
            refused,
            vec![
                AppealPanelViolation::Involved {
                    person: "专家1".into(),
                    how: Involvement::Assessed
                },
                AppealPanelViolation::Involved {
                    person: "专家2".into(),
                    how: Involvement::Reviewed
                },
                AppealPanelViolation::Involved {
                    person: "专家3".into(),
                    how: Involvement::Decided
                },
            ]
        );
    }

    #[test]
    fn the_panel_has_one_to_three_distinct_eligible_members() {
        let parties = CaseParties::default();
        assert_eq!(
            check_appeal_panel(&[], &parties),
            Err(vec![AppealPanelViolation::Size { members: 0 }])
        );
        let four: Vec<_> = (1..=4).map(candidate).collect();
        assert_eq!(
            check_appeal_panel(&four, &parties),
            Err(vec![AppealPanelViolation::Size { members: 4 }])
        );
        let mut stranger = candidate(7);
        stranger.eligible = false;
        assert_eq!(
            check_appeal_panel(&[candidate(1), candidate(1), stranger], &parties),
            Err(vec![
                AppealPanelViolation::Duplicate {
                    person: "专家1".into()
                },
                AppealPanelViolation::NotEligible {
                    person: "专家7".into()
                },
            ])
        );
    }

    fn any_event() -> impl Strategy<Value = AppealEvent> {
        let text = prop_oneof![Just(String::new()), "\\PC{1,12}"];
        prop_oneof![
            Just(AppealEvent::FormPanel),
            (any::<bool>(), text.clone())
                .prop_map(|(upheld, reasons)| AppealEvent::Decide { upheld, reasons }),
            text.prop_map(|reason| AppealEvent::Withdraw { reason }),
        ]
    }

    proptest! {
        /// Nobody involved in the case ever passes the check, whoever sits beside them;
        /// a panel of uninvolved, eligible, distinct people of the right size always does.
        #[test]
        fn no_involved_person_ever_sits_on_the_panel(
            assessors in prop::collection::btree_set(0u8..20, 0..5),
            reviewers in prop::collection::btree_set(0u8..20, 0..5),
            deciders in prop::collection::btree_set(0u8..20, 0..3),
            members in prop::collection::vec(0u8..20, 0..5),
        ) {
            let parties = CaseParties {
                assessors: assessors.iter().map(|n| person(*n)).collect(),
                reviewers: reviewers.iter().map(|n| person(*n)).collect(),
                deciders: deciders.iter().map(|n| person(*n)).collect(),
            };
            let panel: Vec<Candidate> = members.iter().map(|n| candidate(*n)).collect();
            let involved = members.iter().any(|n| {
                assessors.contains(n) || reviewers.contains(n) || deciders.contains(n)
            });
            let distinct: BTreeSet<u8> = members.iter().copied().collect();
            let well_formed = distinct.len() == members.len()
                && (1..=MAX_PANEL).contains(&members.len());
            let verdict = check_appeal_panel(&panel, &parties);
            if involved {
                prop_assert!(verdict.is_err());
            }
            prop_assert_eq!(verdict.is_ok(), well_formed && !involved);
        }

        /// Closed appeals never change again, and a decision only follows a panel.
        #[test]
        fn random_histories_keep_the_rules(events in prop::collection::vec(any_event(), 0..30)) {
            let mut state = Lodged;
            let mut had_panel = false;
            for e in &events {
                if let Ok(to) = apply(state, e) {
                    prop_assert!(!state.is_closed());
                    if matches!(to, Upheld | Dismissed) {
                        prop_assert!(had_panel);
                    }
                    had_panel |= to == PanelFormed;
                    state = to;
                }
                prop_assert_eq!(state_allows(state, e), next(state, e).is_some());
            }
        }
    }
}
