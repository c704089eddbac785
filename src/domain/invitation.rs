//! Single-use links (enterprise invitations, password resets): when they expire and
//! whether one may still be used.

use chrono::{Duration, NaiveDateTime};

pub const INVITATION_DAYS: i64 = 7;
pub const PASSWORD_RESET_HOURS: i64 = 1;

pub fn invitation_expiry(now: NaiveDateTime) -> NaiveDateTime {
    now + Duration::days(INVITATION_DAYS)
}

pub fn reset_expiry(now: NaiveDateTime) -> NaiveDateTime {
    now + Duration::hours(PASSWORD_RESET_HOURS)
}

/// Reset links sent to one account within an hour; further requests send nothing, so
/// the form cannot be used to flood someone's mailbox.
pub const RESETS_PER_HOUR: i64 = 3;

pub fn may_send_reset(sent_in_last_hour: i64) -> bool {
    sent_in_last_hour < RESETS_PER_HOUR
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Used,
    Expired,
}

impl std::fmt::Display for LinkRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkRefusal::Used => "this link was already used; each link works once",
            LinkRefusal::Expired => "this link has expired; ask for a new one",
        })
    }
}

/// A link may be used once, strictly before it expires.
pub fn check_link(
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), LinkRefusal> {
    if used_at.is_some() {
        return Err(LinkRefusal::Used);
    }
    if now >= expires_at {
        return Err(LinkRefusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_790_000_000 + s, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn an_invitation_lasts_seven_days_and_a_reset_one_hour() {
        assert_eq!(invitation_expiry(t(0)) - t(0), Duration::days(7));
        assert_eq!(reset_expiry(t(0)) - t(0), Duration::hours(1));
    }

    #[test]
    fn at_most_three_reset_mails_an_hour() {
        assert!(may_send_reset(0) && may_send_reset(2));
        assert!(!may_send_reset(3));
    }

    #[test]
    fn used_wins_over_expired_and_the_expiry_instant_is_too_late() {
        assert_eq!(check_link(t(10), Some(t(1)), t(20)), Err(LinkRefusal::Used));
        assert_eq!(check_link(t(10), None, t(10)), Err(LinkRefusal::Expired));
        assert_eq!(check_link(t(10), None, t(9)), Ok(()));
    }

    proptest! {
        #[test]
        fn an_unused_link_works_exactly_before_its_expiry(e in -1000i64..1000, n in -1000i64..1000) {
            prop_assert_eq!(check_link(t(e), None, t(n)).is_ok(), n < e);
        }
    }
}
