//! The life of a certificate after issuance. Every change is a secretariat decision that
//! goes through [`apply`]; the state a verifier is told is [`from_log`]'s replay of the
//! issuance log, so no column of the certificate row decides it.
//!
//! in force → suspended (until a date, at most the configured period) → in force again
//! (reinstated) or withdrawn; in force → superseded (a narrower scope, a new certificate)
//! or renewed (a successor after re-assessment); in force or suspended → withdrawn; in
//! force → expired after the last day of validity (derived from the date, not decided).
//!
//! A renewal is recorded when the successor is issued; the re-assessment may outlast the
//! old certificate, so a suspended or even expired one is marked renewed too. A withdrawal
//! is final for the secretariat: only an upheld appeal against the withdrawal (or a
//! suspension) reverses it, and the log entry names the appeal.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::domain::certificate::{LogEntry, LogKind};
use crate::refusal::{Arg, Code, Refusal};

/// Where a certificate stands by the decisions taken on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CertState {
    InForce,
    Suspended {
        since: NaiveDate,
        until: NaiveDate,
    },
    /// Revoked: withdrawn for good.
    Withdrawn {
        on: NaiveDate,
    },
    /// Replaced by a certificate with a narrower scope.
    Superseded {
        by: String,
        on: NaiveDate,
    },
    /// Replaced by its successor after a re-assessment.
    Renewed {
        by: String,
        on: NaiveDate,
    },
}

/// A decision of the secretariat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertEvent {
    Suspend {
        until: NaiveDate,
    },
    Reinstate,
    Withdraw,
    ReduceScope {
        successor: String,
    },
    Renew {
        successor: String,
    },
    /// A surveillance concluded that the certificate stays as it is.
    MaintainAfterSurveillance,
    /// An upheld appeal reverses a suspension or a withdrawal; `appeal` names it in the
    /// log (the `related` of a reinstatement entry).
    ReverseOnAppeal {
        appeal: String,
    },
}

/// What a verifier is told: the decided state, or expiry once the validity has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Valid,
    Suspended,
    /// Withdrawn; the API's word predates withdrawal and stays.
    Revoked,
    Superseded,
    Expired,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Suspended => "suspended",
            Standing::Revoked => "revoked",
            Standing::Superseded => "superseded",
            Standing::Expired => "expired",
        }
    }
}

impl CertState {
    /// The state's name in both languages, for refusals.
    pub fn name(&self) -> Arg {
        let (zh, en) = match self {
            CertState::InForce => ("有效", "in force"),
            CertState::Suspended { .. } => ("暂停", "suspended"),
            CertState::Withdrawn { .. } => ("撤销", "withdrawn"),
            CertState::Superseded { .. } => ("被替代", "superseded"),
            CertState::Renewed { .. } => ("已换证", "renewed"),
        };
        Arg::Translated {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The state as a verifier sees it on `today`. A withdrawal or replacement stays what
    /// it is after the validity ends; in force and suspended certificates expire.
    pub fn standing(&self, today: NaiveDate, valid_until: NaiveDate) -> Standing {
        match self {
            CertState::Withdrawn { .. } => Standing::Revoked,
            CertState::Superseded { .. } | CertState::Renewed { .. } => Standing::Superseded,
            _ if today > valid_until => Standing::Expired,
            CertState::Suspended { .. } => Standing::Suspended,
            CertState::InForce => Standing::Valid,
        }
    }
}

/// The limits a decision is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub valid_until: NaiveDate,
    /// The longest suspension; `None` when replaying decisions already taken (the period
    /// may have been configured differently then).
    pub max_suspension: Option<Months>,
}

/// The one transition function: the state after `event`, decided on `on`.
pub fn apply(
    state: &CertState,
    event: &CertEvent,
    on: NaiveDate,
    limits: Limits,
) -> Result<CertState, Refusal> {
    let not_in = |state: &CertState| {
        Refusal::Conflict(Code::CertificateNotInForce.with("state", state.name()))
    };
    let expired = on > limits.valid_until;
    match (state, event) {
        // A withdrawal is possible after expiry too: it still tells verifiers the truth.
        (CertState::InForce | CertState::Suspended { .. }, CertEvent::Withdraw) => {
            Ok(CertState::Withdrawn { on })
        }
        (CertState::Withdrawn { .. }, CertEvent::Withdraw) => {
            Err(Refusal::Conflict(Code::CertificateAlreadyRevoked.into()))
        }
        (CertState::InForce | CertState::Suspended { .. }, CertEvent::Renew { successor }) => {
            Ok(CertState::Renewed {
                by: successor.clone(),
                on,
            })
        }
        _ if expired => Err(Refusal::Conflict(
            Code::CertificateExpired.with("valid_until", limits.valid_until),
        )),
        (CertState::InForce, CertEvent::Suspend { until }) => {
            if *until <= on {
                return Err(Refusal::Invalid(
                    Code::SuspensionEndsTooSoon.with("date", on),
                ));
            }
            if let Some(months) = limits.max_suspension {
                let latest = on.checked_add_months(months).unwrap_or(NaiveDate::MAX);
                if *until > latest {
                    return Err(Refusal::Invalid(
                        Code::SuspensionTooLong
                            .with("months", i64::from(months.as_u32()))
                            .with("latest", latest),
                    ));
                }
            }
            Ok(CertState::Suspended {
                since: on,
                until: *until,
            })
        }
        (CertState::Suspended { .. }, CertEvent::Reinstate) => Ok(CertState::InForce),
        (CertState::InForce, CertEvent::MaintainAfterSurveillance) => Ok(CertState::InForce),
        (_, CertEvent::Reinstate) => Err(Refusal::Conflict(
            Code::CertificateNotSuspended.with("state", state.name()),
        )),
        (CertState::InForce, CertEvent::ReduceScope { successor }) => Ok(CertState::Superseded {
            by: successor.clone(),
            on,
        }),
        (
            CertState::Suspended { .. } | CertState::Withdrawn { .. },
            CertEvent::ReverseOnAppeal { .. },
        ) => Ok(CertState::InForce),
        (other, _) => Err(not_in(other)),
    }
}

/// Why a certificate's log entries do not tell a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogProblem {
    #[error("the issuance log has no issuance of this certificate")]
    NotIssued,
    #[error("entry {index} records a decision the certificate's state did not allow")]
    Impossible { index: u64 },
    #[error("entry {index} lacks the date or number its kind needs")]
    Incomplete { index: u64 },
}

/// Replays one certificate's log entries, oldest first: the first must be its issuance.
pub fn from_log(entries: &[LogEntry], valid_until: NaiveDate) -> Result<CertState, LogProblem> {
    let Some((first, rest)) = entries.split_first() else {
        return Err(LogProblem::NotIssued);
    };
    if first.kind != LogKind::Issued {
        return Err(LogProblem::NotIssued);
    }
    let limits = Limits {
        valid_until,
        max_suspension: None,
    };
    let mut state = CertState::InForce;
    for entry in rest {
        let incomplete = LogProblem::Incomplete { index: entry.index };
        let related = || entry.related.clone().ok_or(incomplete.clone());
        let event = match entry.kind {
            LogKind::Issued => return Err(LogProblem::Impossible { index: entry.index }),
            LogKind::Revoked => CertEvent::Withdraw,
            LogKind::Suspended => CertEvent::Suspend {
                until: entry.until.ok_or(incomplete.clone())?,
            },
            LogKind::Reinstated => match &entry.related {
                Some(appeal) => CertEvent::ReverseOnAppeal {
                    appeal: appeal.clone(),
                },
                None => CertEvent::Reinstate,
            },
            LogKind::Superseded => CertEvent::ReduceScope {
                successor: related()?,
            },
            LogKind::Renewed => CertEvent::Renew {
                successor: related()?,
            },
            LogKind::SurveillanceMaintained => CertEvent::MaintainAfterSurveillance,
        };
        state = apply(&state, &event, entry.at.date_naive(), limits)
            .map_err(|_| LogProblem::Impossible { index: entry.index })?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::LogEvent;
    use chrono::{DateTime, Duration, Utc};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn limits() -> Limits {
        Limits {
            valid_until: d(2029, 3, 2),
            max_suspension: Some(Months::new(6)),
        }
    }

    fn code(r: Refusal) -> &'static str {
        match r {
            Refusal::Invalid(reason) | Refusal::Conflict(reason) => reason.code.as_str(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_suspension_is_lifted_or_ends_in_withdrawal() {
        let on = d(2026, 5, 1);
        let s = apply(
            &CertState::InForce,
            &CertEvent::Suspend {
                until: d(2026, 11, 1),
            },
            on,
            limits(),
        )
        .unwrap();
        assert_eq!(
            s,
            CertState::Suspended {
                since: on,
                until: d(2026, 11, 1)
            }
        );
        assert_eq!(
            apply(&s, &CertEvent::Reinstate, d(2026, 6, 1), limits()).unwrap(),
            CertState::InForce
        );
        assert_eq!(
            apply(&s, &CertEvent::Withdraw, d(2026, 6, 1), limits()).unwrap(),
            CertState::Withdrawn { on: d(2026, 6, 1) }
        );
        let again = apply(
            &s,
            &CertEvent::Suspend {
                until: d(2026, 8, 1),
            },
            on,
            limits(),
        );
        assert_eq!(code(again.unwrap_err()), "certificate.not_in_force");
    }

    #[test]
    fn a_suspension_ends_after_its_day_and_within_the_period() {
        let on = d(2026, 5, 1);
        let suspend = |until| {
            apply(
                &CertState::InForce,
                &CertEvent::Suspend { until },
                on,
                limits(),
            )
        };
        assert_eq!(
            code(suspend(on).unwrap_err()),
            "certificate.suspension_ends_too_soon"
        );
        assert!(suspend(d(2026, 11, 1)).is_ok(), "six months exactly");
        assert_eq!(
            code(suspend(d(2026, 11, 2)).unwrap_err()),
            "certificate.suspension_too_long"
        );
        let replay = Limits {
            max_suspension: None,
            ..limits()
        };
        assert!(apply(
            &CertState::InForce,
            &CertEvent::Suspend {
                until: d(2027, 11, 2)
            },
            on,
            replay
        )
        .is_ok());
    }

    #[test]
    fn only_withdrawal_follows_expiry_and_nothing_follows_replacement() {
        let after = d(2029, 3, 3);
        for event in [
            CertEvent::Suspend {
                until: d(2029, 4, 1),
            },
            CertEvent::ReduceScope {
                successor: "2029-CD-000002".into(),
            },
            CertEvent::ReverseOnAppeal {
                appeal: "appeal:1".into(),
            },
        ] {
            let r = apply(&CertState::InForce, &event, after, limits());
            assert_eq!(code(r.unwrap_err()), "certificate.expired", "{event:?}");
        }
        assert_eq!(
            apply(
                &CertState::InForce,
                &CertEvent::Renew {
                    successor: "2029-CD-000002".into()
                },
                after,
                limits()
            )
            .unwrap(),
            CertState::Renewed {
                by: "2029-CD-000002".into(),
                on: after
            },
            "a re-assessment that outlasted the certificate still renews it"
        );
        assert_eq!(
            apply(&CertState::InForce, &CertEvent::Withdraw, after, limits()).unwrap(),
            CertState::Withdrawn { on: after }
        );
        let replaced = CertState::Superseded {
            by: "2026-CD-000002".into(),
            on: d(2026, 5, 1),
        };
        assert_eq!(
            code(apply(&replaced, &CertEvent::Withdraw, d(2026, 6, 1), limits()).unwrap_err()),
            "certificate.not_in_force"
        );
        assert_eq!(
            code(apply(&replaced, &CertEvent::Reinstate, d(2026, 6, 1), limits()).unwrap_err()),
            "certificate.not_suspended"
        );
    }

    #[test]
    fn only_an_upheld_appeal_brings_a_withdrawn_certificate_back() {
        let withdrawn = CertState::Withdrawn { on: d(2026, 6, 1) };
        let on = d(2026, 7, 1);
        assert_eq!(
            code(apply(&withdrawn, &CertEvent::Reinstate, on, limits()).unwrap_err()),
            "certificate.not_suspended"
        );
        let appeal = CertEvent::ReverseOnAppeal {
            appeal: "appeal:1".into(),
        };
        assert_eq!(
            apply(&withdrawn, &appeal, on, limits()).unwrap(),
            CertState::InForce
        );
        let suspended = CertState::Suspended {
            since: d(2026, 6, 1),
            until: d(2026, 9, 1),
        };
        assert_eq!(
            apply(&suspended, &appeal, on, limits()).unwrap(),
            CertState::InForce
        );
        assert_eq!(
            code(apply(&CertState::InForce, &appeal, on, limits()).unwrap_err()),
            "certificate.not_in_force"
        );
        let log = entries(&[(LogKind::Revoked, 1), (LogKind::Reinstated, 2)]);
        let mut by_appeal = log.clone();
        by_appeal.truncate(2);
        by_appeal.push(LogEntry::append(
            by_appeal.last(),
            LogEvent {
                kind: LogKind::Reinstated,
                certificate_number: "2026-CD-000001".into(),
                payload_sha256: "ab".repeat(32),
                at: log[2].at,
                reason: Some("appeal upheld".into()),
                until: None,
                related: Some("appeal:1".into()),
            },
        ));
        assert_eq!(from_log(&by_appeal, d(2029, 3, 2)), Ok(CertState::InForce));
    }

    #[test]
    fn verifiers_see_expiry_only_on_certificates_still_standing() {
        let end = d(2029, 3, 2);
        let after = d(2029, 3, 3);
        assert_eq!(CertState::InForce.standing(end, end), Standing::Valid);
        assert_eq!(CertState::InForce.standing(after, end), Standing::Expired);
        let s = CertState::Suspended {
            since: d(2029, 1, 1),
            until: d(2029, 6, 1),
        };
        assert_eq!(s.standing(end, end), Standing::Suspended);
        assert_eq!(s.standing(after, end), Standing::Expired);
        let w = CertState::Withdrawn { on: d(2027, 1, 1) };
        assert_eq!(w.standing(after, end), Standing::Revoked);
        let r = CertState::Renewed {
            by: "x".into(),
            on: end,
        };
        assert_eq!(r.standing(after, end), Standing::Superseded);
    }

    /// Log entries for a certificate issued on 2026-03-02, one per (kind, days later).
    fn entries(steps: &[(LogKind, i64)]) -> Vec<LogEntry> {
        let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
            .unwrap()
            .to_utc();
        let mut log: Vec<LogEntry> = Vec::new();
        let all = std::iter::once((LogKind::Issued, 0)).chain(steps.iter().copied());
        for (kind, days) in all {
            let at = start + Duration::days(days);
            let event = LogEvent {
                kind,
                certificate_number: "2026-CD-000001".into(),
                payload_sha256: "ab".repeat(32),
                at,
                reason: (kind != LogKind::Issued).then(|| "因为 / because".into()),
                until: (kind == LogKind::Suspended).then(|| (at + Duration::days(30)).date_naive()),
                related: matches!(kind, LogKind::Superseded | LogKind::Renewed)
                    .then(|| "2026-CD-000002".into()),
            };
            log.push(LogEntry::append(log.last(), event));
        }
        log
    }

    #[test]
    fn the_log_tells_the_state() {
        let end = d(2029, 3, 2);
        let log = entries(&[
            (LogKind::Suspended, 10),
            (LogKind::Reinstated, 20),
            (LogKind::Superseded, 30),
        ]);
        assert_eq!(
            from_log(&log, end),
            Ok(CertState::Superseded {
                by: "2026-CD-000002".into(),
                on: d(2026, 4, 1)
            })
        );
        assert_eq!(
            from_log(&log[..2], end),
            Ok(CertState::Suspended {
                since: d(2026, 3, 12),
                until: d(2026, 4, 11)
            })
        );
        assert_eq!(from_log(&[], end), Err(LogProblem::NotIssued));
        assert_eq!(from_log(&log[1..], end), Err(LogProblem::NotIssued));
        let twice = entries(&[(LogKind::Revoked, 1), (LogKind::Reinstated, 2)]);
        assert_eq!(
            from_log(&twice, end),
            Err(LogProblem::Impossible { index: 2 })
        );
        let mut bare = entries(&[(LogKind::Suspended, 1)]);
        bare[1].until = None;
        assert_eq!(
            from_log(&bare, end),
            Err(LogProblem::Incomplete { index: 1 })
        );
    }

    #[test]
    fn a_surveillance_maintains_only_a_certificate_in_force() {
        let on = d(2027, 3, 1);
        assert_eq!(
            apply(
                &CertState::InForce,
                &CertEvent::MaintainAfterSurveillance,
                on,
                limits()
            )
            .unwrap(),
            CertState::InForce
        );
        let suspended = CertState::Suspended {
            since: d(2027, 1, 1),
            until: d(2027, 5, 1),
        };
        assert_eq!(
            code(
                apply(
                    &suspended,
                    &CertEvent::MaintainAfterSurveillance,
                    on,
                    limits()
                )
                .unwrap_err()
            ),
            "certificate.not_in_force"
        );
        let log = entries(&[(LogKind::SurveillanceMaintained, 300)]);
        assert_eq!(from_log(&log, d(2029, 3, 2)), Ok(CertState::InForce));
    }

    fn event() -> impl Strategy<Value = CertEvent> {
        prop_oneof![
            (1u64..400).prop_map(|days| CertEvent::Suspend {
                until: d(2026, 3, 2) + chrono::Days::new(days)
            }),
            Just(CertEvent::Reinstate),
            Just(CertEvent::Withdraw),
            Just(CertEvent::ReduceScope {
                successor: "2026-CD-000002".into()
            }),
            Just(CertEvent::Renew {
                successor: "2026-CD-000003".into()
            }),
            Just(CertEvent::MaintainAfterSurveillance),
            Just(CertEvent::ReverseOnAppeal {
                appeal: "appeal:1".into()
            }),
        ]
    }

    proptest! {
        /// Whatever decisions are attempted, in whatever order and on whatever days: a
        /// replaced certificate never stands again, a withdrawn one only by an appeal, a refused decision changes
        /// nothing, a suspension never outlasts the period, and replaying the accepted
        /// decisions from the log gives the same state.
        #[test]
        fn random_decisions_keep_the_rules(
            steps in proptest::collection::vec((event(), 0u64..60), 0..24)
        ) {
            let valid_until = d(2029, 3, 2);
            let mut state = CertState::InForce;
            let mut on = d(2026, 3, 2);
            let mut accepted = Vec::new();
            for (event, gap) in steps {
                on = on + chrono::Days::new(gap);
                let before = state.clone();
                match apply(&state, &event, on, limits()) {
                    Ok(next) => {
                        let replaced = matches!(
                            before,
                            CertState::Superseded { .. } | CertState::Renewed { .. }
                        );
                        prop_assert!(!replaced, "{before:?} left by {event:?}");
                        // A withdrawal is left only by an upheld appeal.
                        if matches!(before, CertState::Withdrawn { .. }) {
                            prop_assert!(
                                matches!(event, CertEvent::ReverseOnAppeal { .. }),
                                "{before:?} left by {event:?}"
                            );
                        }
                        if let CertState::Suspended { since, until } = &next {
                            prop_assert!(*until > *since);
                            prop_assert!(*until <= since.checked_add_months(Months::new(6)).unwrap());
                        }
                        accepted.push((event, on));
                        state = next;
                    }
                    Err(refusal) => prop_assert!(
                        matches!(refusal, Refusal::Invalid(_) | Refusal::Conflict(_)),
                        "{refusal:?}"
                    ),
                }
            }
            let start: DateTime<Utc> = d(2026, 3, 2).and_hms_opt(8, 0, 0).unwrap().and_utc();
            let mut log: Vec<LogEntry> = Vec::new();
            let issued = LogEvent {
                kind: LogKind::Issued,
                certificate_number: "2026-CD-000001".into(),
                payload_sha256: "ab".repeat(32),
                at: start,
                reason: None,
                until: None,
                related: None,
            };
            log.push(LogEntry::append(None, issued));
            for (event, on) in accepted {
                let (kind, until, related) = match event {
                    CertEvent::Suspend { until } => (LogKind::Suspended, Some(until), None),
                    CertEvent::Reinstate => (LogKind::Reinstated, None, None),
                    CertEvent::Withdraw => (LogKind::Revoked, None, None),
                    CertEvent::ReduceScope { successor } => (LogKind::Superseded, None, Some(successor)),
                    CertEvent::Renew { successor } => (LogKind::Renewed, None, Some(successor)),
                    CertEvent::MaintainAfterSurveillance => (LogKind::SurveillanceMaintained, None, None),
                    CertEvent::ReverseOnAppeal { appeal } => (LogKind::Reinstated, None, Some(appeal)),
                };
                let e = LogEvent {
                    kind,
                    certificate_number: "2026-CD-000001".into(),
                    payload_sha256: "ab".repeat(32),
                    at: on.and_hms_opt(8, 0, 0).unwrap().and_utc(),
                    reason: Some("r".into()),
                    until,
                    related,
                };
                log.push(LogEntry::append(log.last(), e));
            }
            prop_assert_eq!(from_log(&log, valid_until), Ok(state.clone()));
            let standing = state.standing(on, valid_until);
            if on > valid_until {
                prop_assert!(standing != Standing::Valid && standing != Standing::Suspended);
            }
        }
    }
}
