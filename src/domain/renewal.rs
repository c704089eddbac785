//! Renewal and reminders before a date: when an enterprise is invited to apply for the
//! re-assessment of a certificate that is running out, which application may renew which
//! certificate, and when a suspension's end is reminded of. Pure: dates and states are
//! handed in.
//!
//! The rules decided here:
//! - Invitations go out at configurable thresholds before the last day of validity (90 and
//!   30 days unless configured). Each (certificate, threshold) is sent once; a job that did
//!   not run for a while sends only the most urgent threshold reached, not a backlog.
//! - A certificate is due for an invitation while it stands (in force or suspended) and
//!   has not expired, and no application renewing it is under way.
//! - An application renews certificate X when X belongs to the applying enterprise, is for
//!   the same part, stands (in force or suspended: a re-assessment is also the way out of a
//!   suspension) and has not expired. At issuance, X is marked renewed even if it expired
//!   meanwhile (the assessment may outlast it): the verifier is sent to the successor.

use chrono::NaiveDate;

use crate::domain::certificate_status::CertState;
use crate::refusal::{Code, Refusal};

/// The invitation thresholds unless configured, in days before the last day of validity.
pub const DEFAULT_INVITATION_DAYS: [u32; 2] = [90, 30];

/// Days before a suspension's last day at which the enterprise is reminded, unless
/// configured.
pub const DEFAULT_SUSPENSION_REMINDER_DAYS: u32 = 14;

/// The largest threshold a configuration may give (a certificate is valid three years).
pub const MAX_THRESHOLD_DAYS: u32 = 365;

/// Invitation thresholds: distinct, each 1..=365 days, largest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds(Vec<u32>);

impl Thresholds {
    /// `Err` names what is wrong, for the configuration error.
    pub fn new(mut days: Vec<u32>) -> Result<Thresholds, String> {
        if days.is_empty() {
            return Err("give at least one number of days".into());
        }
        if let Some(bad) = days.iter().find(|d| !(1..=MAX_THRESHOLD_DAYS).contains(*d)) {
            return Err(format!(
                "{bad} is not between 1 and {MAX_THRESHOLD_DAYS} days"
            ));
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        let before = days.len();
        days.dedup();
        if days.len() != before {
            return Err("a number of days appears twice".into());
        }
        Ok(Thresholds(days))
    }

    pub fn days(&self) -> &[u32] {
        &self.0
    }

    /// The earliest day before `valid_until` on which an invitation can be due.
    pub fn first_day(&self, valid_until: NaiveDate) -> NaiveDate {
        valid_until - chrono::Days::new(u64::from(self.0[0]))
    }
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds::new(DEFAULT_INVITATION_DAYS.to_vec()).expect("the defaults are valid")
    }
}

/// The name under which a sent reminder is recorded (one per certificate and occasion).
pub fn renewal_occasion(threshold: u32) -> String {
    format!("renewal_{threshold}")
}

/// A suspension's end is reminded of once per suspension: a later suspension of the same
/// certificate ends on another day.
pub fn suspension_occasion(until: NaiveDate) -> String {
    format!("suspension_ends_{until}")
}

/// Whether a certificate is standing for the purpose of a renewal.
fn stands(state: &CertState) -> bool {
    matches!(state, CertState::InForce | CertState::Suspended { .. })
}

/// The threshold whose invitation is due on `today`, if any: the smallest threshold
/// reached (fewest days left), unless already `sent`. `None` when the certificate has
/// expired or no longer stands.
pub fn invitation_due(
    state: &CertState,
    valid_until: NaiveDate,
    today: NaiveDate,
    thresholds: &Thresholds,
    sent: &[u32],
) -> Option<u32> {
    if !stands(state) || today > valid_until {
        return None;
    }
    let days_left = (valid_until - today).num_days();
    let reached = thresholds
        .days()
        .iter()
        .copied()
        .filter(|t| days_left <= i64::from(*t))
        .min()?;
    (!sent.contains(&reached)).then_some(reached)
}

/// Whether the enterprise is reminded on `today` of a suspension that ends on `until`
/// (its last day): from `days` before it up to the day itself.
pub fn suspension_reminder_due(until: NaiveDate, today: NaiveDate, days: u32) -> bool {
    today <= until && (until - today).num_days() <= i64::from(days)
}

/// The certificate an application names as the one it renews, as the use case read it.
pub struct Renewed<'a> {
    pub number: &'a str,
    pub part_code: &'a str,
    pub state: &'a CertState,
    pub valid_until: NaiveDate,
    /// Whether the certificate belongs to the applying enterprise.
    pub same_enterprise: bool,
    /// Whether another application renewing it is under way.
    pub renewal_under_way: bool,
}

/// Whether an application for `part_code` may renew `cert` on `today`.
pub fn check_renewal(cert: &Renewed<'_>, part_code: &str, today: NaiveDate) -> Result<(), Refusal> {
    if !cert.same_enterprise {
        // Told like an unknown number: nobody learns of another enterprise's certificate.
        return Err(Refusal::Invalid(
            Code::RenewalCertificateUnknown.with("number", cert.number),
        ));
    }
    if cert.part_code != part_code {
        return Err(Refusal::Invalid(
            Code::RenewalPartDiffers
                .with("number", cert.number)
                .with("certificate_part", cert.part_code)
                .with("part", part_code),
        ));
    }
    if !stands(cert.state) {
        return Err(Refusal::Conflict(
            Code::RenewalNotStanding
                .with("number", cert.number)
                .with("state", cert.state.name()),
        ));
    }
    if today > cert.valid_until {
        return Err(Refusal::Conflict(
            Code::RenewalCertificateExpired
                .with("number", cert.number)
                .with("valid_until", cert.valid_until),
        ));
    }
    if cert.renewal_under_way {
        return Err(Refusal::Conflict(
            Code::RenewalAlreadyApplied.with("number", cert.number),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn code(r: Refusal) -> &'static str {
        match r {
            Refusal::Invalid(reason) | Refusal::Conflict(reason) => reason.code.as_str(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn thresholds_are_distinct_bounded_and_largest_first() {
        assert_eq!(Thresholds::default().days(), &[90, 30]);
        assert_eq!(
            Thresholds::new(vec![7, 60, 30]).unwrap().days(),
            &[60, 30, 7]
        );
        assert!(Thresholds::new(vec![]).is_err());
        assert!(Thresholds::new(vec![0]).is_err());
        assert!(Thresholds::new(vec![366]).is_err());
        assert!(Thresholds::new(vec![30, 30]).is_err());
    }

    #[test]
    fn invitations_go_out_at_90_then_30_days_and_once_each() {
        let end = d(2029, 3, 2);
        let t = Thresholds::default();
        let due = |today, sent: &[u32]| invitation_due(&CertState::InForce, end, today, &t, sent);
        assert_eq!(due(d(2028, 12, 1), &[]), None, "91 days left");
        assert_eq!(due(d(2028, 12, 2), &[]), Some(90), "90 days left");
        assert_eq!(due(d(2028, 12, 2), &[90]), None, "sent already");
        assert_eq!(due(d(2029, 1, 30), &[90]), None, "31 days left");
        assert_eq!(due(d(2029, 1, 31), &[90]), Some(30));
        assert_eq!(due(d(2029, 3, 2), &[90, 30]), None, "the last day");
        assert_eq!(
            due(d(2029, 3, 2), &[]),
            Some(30),
            "no backlog: the most urgent only"
        );
        assert_eq!(due(d(2029, 3, 3), &[]), None, "expired");
    }

    #[test]
    fn only_standing_certificates_are_invited() {
        let end = d(2029, 3, 2);
        let t = Thresholds::default();
        let suspended = CertState::Suspended {
            since: d(2028, 11, 1),
            until: d(2029, 1, 1),
        };
        assert_eq!(
            invitation_due(&suspended, end, d(2029, 1, 1), &t, &[]),
            Some(90)
        );
        for gone in [
            CertState::Withdrawn { on: d(2028, 1, 1) },
            CertState::Superseded {
                by: "2026-CD-000002".into(),
                on: d(2028, 1, 1),
            },
            CertState::Renewed {
                by: "2028-CD-000009".into(),
                on: d(2028, 1, 1),
            },
        ] {
            assert_eq!(invitation_due(&gone, end, d(2029, 1, 1), &t, &[]), None);
        }
    }

    #[test]
    fn a_suspension_is_reminded_of_from_its_window_to_its_last_day() {
        let until = d(2026, 9, 30);
        assert!(!suspension_reminder_due(until, d(2026, 9, 15), 14));
        assert!(suspension_reminder_due(until, d(2026, 9, 16), 14));
        assert!(suspension_reminder_due(until, until, 14));
        assert!(!suspension_reminder_due(until, d(2026, 10, 1), 14));
        assert_ne!(
            suspension_occasion(until),
            suspension_occasion(d(2026, 10, 1)),
            "each suspension has its own reminder"
        );
    }

    #[test]
    fn an_application_renews_a_standing_certificate_of_its_enterprise_and_part() {
        let state = CertState::InForce;
        let ok = Renewed {
            number: "2026-CD-000001",
            part_code: "CD",
            state: &state,
            valid_until: d(2029, 3, 2),
            same_enterprise: true,
            renewal_under_way: false,
        };
        let today = d(2029, 1, 1);
        assert!(check_renewal(&ok, "CD", today).is_ok());
        let suspended = CertState::Suspended {
            since: d(2028, 12, 1),
            until: d(2029, 2, 1),
        };
        assert!(check_renewal(
            &Renewed {
                state: &suspended,
                ..ok
            },
            "CD",
            today
        )
        .is_ok());
        let other = Renewed {
            same_enterprise: false,
            ..ok
        };
        assert_eq!(
            code(check_renewal(&other, "CD", today).unwrap_err()),
            "renewal.certificate_unknown"
        );
        assert_eq!(
            code(check_renewal(&ok, "DS", today).unwrap_err()),
            "renewal.part_differs"
        );
        let withdrawn = CertState::Withdrawn { on: d(2028, 1, 1) };
        assert_eq!(
            code(
                check_renewal(
                    &Renewed {
                        state: &withdrawn,
                        ..ok
                    },
                    "CD",
                    today
                )
                .unwrap_err()
            ),
            "renewal.not_standing"
        );
        assert_eq!(
            code(check_renewal(&ok, "CD", d(2029, 3, 3)).unwrap_err()),
            "renewal.certificate_expired"
        );
        let twice = Renewed {
            renewal_under_way: true,
            ..ok
        };
        assert_eq!(
            code(check_renewal(&twice, "CD", today).unwrap_err()),
            "renewal.already_applied"
        );
    }

    proptest! {
        /// Whatever days the job runs on, each threshold is sent at most once, never
        /// before its day, never after expiry, and the first invitation comes no earlier
        /// than the largest threshold.
        #[test]
        fn a_daily_or_sparse_job_sends_each_threshold_at_most_once(
            gaps in proptest::collection::vec(1u64..40, 1..60),
            days in proptest::collection::vec(1u32..200, 1..4),
        ) {
            let mut days = days;
            days.sort_unstable();
            days.dedup();
            let t = Thresholds::new(days).unwrap();
            let end = d(2029, 3, 2);
            let mut today = d(2028, 6, 1);
            let mut sent: Vec<u32> = Vec::new();
            for gap in gaps {
                today = today + chrono::Days::new(gap);
                if let Some(th) = invitation_due(&CertState::InForce, end, today, &t, &sent) {
                    prop_assert!(!sent.contains(&th));
                    prop_assert!(today <= end);
                    prop_assert!((end - today).num_days() <= i64::from(th));
                    prop_assert!(today >= t.first_day(end));
                    sent.push(th);
                }
            }
        }
    }
}
