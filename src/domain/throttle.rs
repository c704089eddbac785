//! Login throttling. Failures are counted per attempted e-mail (whether or not such an
//! account exists, so a lockout reveals nothing) and per client address.

use chrono::{DateTime, Duration, Utc};

/// Failures within [`WINDOW`] before the account name is locked.
pub const ACCOUNT_LIMIT: usize = 5;
/// Failures within [`WINDOW`] before the client address is blocked for every account.
pub const ADDRESS_LIMIT: usize = 20;
pub const WINDOW: Duration = Duration::minutes(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused until this instant; the caller answers with the same message either way.
    LockedUntil(DateTime<Utc>),
}

/// Decides whether a login may be tried now, from the failure times (any order) of the
/// account name and of the address during the last [`WINDOW`].
pub fn check(
    now: DateTime<Utc>,
    account_failures: &[DateTime<Utc>],
    address_failures: &[DateTime<Utc>],
) -> Verdict {
    let a = lock_end(now, account_failures, ACCOUNT_LIMIT);
    let b = lock_end(now, address_failures, ADDRESS_LIMIT);
    match a.max(b) {
        Some(until) => Verdict::LockedUntil(until),
        None => Verdict::Allowed,
    }
}

/// With `limit` or more failures in the window, the lock lasts until the oldest of the
/// last `limit` failures leaves the window.
fn lock_end(now: DateTime<Utc>, failures: &[DateTime<Utc>], limit: usize) -> Option<DateTime<Utc>> {
    let mut recent: Vec<_> = failures
        .iter()
        .copied()
        .filter(|t| *t > now - WINDOW && *t <= now)
        .collect();
    if recent.len() < limit {
        return None;
    }
    recent.sort_unstable();
    Some(recent[recent.len() - limit] + WINDOW)
}

/// True when this failure is the one that starts a lock (recorded as a lockout event).
pub fn starts_lock(now: DateTime<Utc>, failures_before: &[DateTime<Utc>]) -> bool {
    let recent = failures_before
        .iter()
        .filter(|t| **t > now - WINDOW && **t <= now)
        .count();
    recent + 1 == ACCOUNT_LIMIT
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + min * 60, 0).unwrap()
    }

    #[test]
    fn five_failures_lock_the_account_for_the_rest_of_the_window() {
        let now = at(10);
        let four: Vec<_> = (0..4).map(at).collect();
        assert_eq!(check(now, &four, &[]), Verdict::Allowed);
        let five: Vec<_> = (0..5).map(at).collect();
        assert_eq!(check(now, &five, &[]), Verdict::LockedUntil(at(15)));
        assert_eq!(check(at(16), &five, &[]), Verdict::Allowed);
        assert!(starts_lock(now, &four));
        assert!(!starts_lock(now, &five));
    }

    #[test]
    fn an_address_is_blocked_after_twenty_failures_over_any_accounts() {
        let twenty: Vec<_> = (0..20).map(|_| at(1)).collect();
        assert_eq!(check(at(2), &[], &twenty), Verdict::LockedUntil(at(16)));
    }

    proptest! {
        #[test]
        fn fewer_than_the_limit_never_locks_and_locks_always_end(
            mins in proptest::collection::vec(-30i64..30, 0..40), now in 0i64..30
        ) {
            let failures: Vec<_> = mins.iter().filter(|m| **m <= now).map(|m| at(*m)).collect();
            let now = at(now);
            let recent = failures.iter().filter(|t| **t > now - WINDOW && **t <= now).count();
            match check(now, &failures, &[]) {
                Verdict::Allowed => prop_assert!(recent < ACCOUNT_LIMIT),
                Verdict::LockedUntil(until) => {
                    prop_assert!(recent >= ACCOUNT_LIMIT);
                    prop_assert!(until > now && until <= now + WINDOW);
                    prop_assert_eq!(check(until, &failures, &[]), Verdict::Allowed);
                }
            }
        }
    }
}
