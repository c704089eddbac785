//! Who holds a credential, remembered between requests (issue #19: reading the caller
//! was a small page's only query, and on PostgreSQL its round trip cost as much as the
//! page).
//!
//! When a remembered caller is still right: the database keeps a counter
//! (`caller_versions`, migration 000406) that triggers bump in the very transaction that
//! ends a session or token, disables, renames or removes a user, or gives or takes a role.
//! A caller is used only while the counter is as it was when the caller was read. The
//! counter is read again
//! - as soon as this process has committed a write since the last reading
//!   (`db::committed_writes`): a change made here counts from the next request;
//! - otherwise at most `recheck` after the last reading: a change made by another
//!   instance or by the command line counts within that time.
//!
//! A credential that is not found is never remembered (a new session is found at once),
//! and a remembered one is dropped when it expires.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db::models::sessions as store;
use crate::db::{committed_writes, DbConn};
use crate::refusal::Refusal;
use crate::workflow::queries::sessions::Caller;

/// At most this many callers are remembered; reaching it forgets them all (they are read
/// again on their next request), which bounds the memory at a few megabytes.
const CAPACITY: usize = 10_000;

/// A credential, by the hash of its secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    Session(String),
    Token(String),
}

/// The last reading of the counter: its value, when it was read, and how many writes this
/// process had committed just before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reading {
    version: i64,
    at: Instant,
    commits: u64,
}

impl Reading {
    /// Whether the counter need not be read again: nothing was committed here since, and
    /// the reading is younger than `recheck`.
    fn current(&self, now: Instant, commits: u64, recheck: Duration) -> bool {
        self.commits == commits && now.saturating_duration_since(self.at) < recheck
    }

    /// The reading to keep of this one and a newer request's `other` (requests finish in
    /// any order; the counter only grows). A higher counter wins whole; for the same
    /// counter, the later time and the larger commit count are both still true of it.
    fn merge(self, other: Reading) -> Reading {
        match other.version.cmp(&self.version) {
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Equal => Reading {
                version: self.version,
                at: self.at.max(other.at),
                commits: self.commits.max(other.commits),
            },
        }
    }
}

struct Remembered {
    caller: Caller,
    version: i64,
}

#[derive(Default)]
struct State {
    reading: Option<Reading>,
    callers: HashMap<Credential, Remembered>,
}

impl State {
    /// Takes a reading in; callers read at an older counter are forgotten.
    fn read(&mut self, reading: Reading) {
        let merged = match self.reading {
            Some(kept) => kept.merge(reading),
            None => reading,
        };
        if self.reading.map(|r| r.version) != Some(merged.version) {
            self.callers.clear();
        }
        self.reading = Some(merged);
    }

    fn fresh(&self, credential: &Credential, version: i64, now: NaiveDateTime) -> Option<Caller> {
        self.callers
            .get(credential)
            .filter(|r| r.version == version && r.caller.expires_at > now)
            .map(|r| r.caller.clone())
    }
}

pub struct CallerCache {
    /// `Duration::ZERO`: nothing is remembered, every request reads its caller.
    recheck: Duration,
    state: Mutex<State>,
    /// Callers read from the database (tests and benchmarks see the cache work by it).
    reads: AtomicU64,
}

fn locked(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock leaves a state whose every entry is still checked
    // against the counter before use.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CallerCache {
    pub fn new(recheck: Duration) -> CallerCache {
        CallerCache {
            recheck,
            state: Mutex::new(State::default()),
            reads: AtomicU64::new(0),
        }
    }

    /// The caller of `credential` if it is remembered and the counter is known to be
    /// unchanged, without touching the database; `None` means "ask [`caller`]".
    pub fn remembered(&self, credential: &Credential, now: NaiveDateTime) -> Option<Caller> {
        if self.recheck.is_zero() {
            return None;
        }
        let state = locked(&self.state);
        let reading = state.reading?;
        if !reading.current(Instant::now(), committed_writes(), self.recheck) {
            return None;
        }
        state.fresh(credential, reading.version, now)
    }

    /// How many callers were read from the database.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

/// Who holds `credential` at `now` (UTC): the enabled user with their roles and, for a
/// page session, its CSRF token and language; `None` for an unknown, expired, revoked or
/// disabled one. Reads the counter, then the caller only if the cache has none at it.
pub fn caller(
    conn: &mut DbConn,
    cache: &CallerCache,
    credential: &Credential,
    now: NaiveDateTime,
) -> Result<Option<Caller>, Refusal> {
    if cache.recheck.is_zero() {
        cache.reads.fetch_add(1, Ordering::Relaxed);
        return read(conn, credential);
    }
    // The commit count before the counter, the counter before the caller: a change that
    // lands in between makes what is kept look older than it is, never newer.
    let commits = committed_writes();
    let at = Instant::now();
    let version = store::caller_version(conn)?;
    {
        let mut state = locked(&cache.state);
        state.read(Reading {
            version,
            at,
            commits,
        });
        if let Some(caller) = state.fresh(credential, version, now) {
            return Ok(Some(caller));
        }
    }
    cache.reads.fetch_add(1, Ordering::Relaxed);
    let caller = read(conn, credential)?;
    if let Some(found) = &caller {
        let mut state = locked(&cache.state);
        if state.reading.map(|r| r.version) == Some(version) {
            if state.callers.len() >= CAPACITY {
                state.callers.clear();
            }
            state.callers.insert(
                credential.clone(),
                Remembered {
                    caller: found.clone(),
                    version,
                },
            );
        }
    }
    Ok(caller)
}

fn read(conn: &mut DbConn, credential: &Credential) -> Result<Option<Caller>, Refusal> {
    Ok(match credential {
        Credential::Session(hash) => store::session_caller(conn, hash)?,
        Credential::Token(hash) => store::token_caller(conn, hash)?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::access::{Principal, Role};
    use crate::domain::ids::UserId;

    const RECHECK: Duration = Duration::from_millis(100);

    fn reading(version: i64, at: Instant, commits: u64) -> Reading {
        Reading {
            version,
            at,
            commits,
        }
    }

    fn caller(expires_at: NaiveDateTime) -> Caller {
        Caller {
            principal: Principal {
                user_id: UserId::new(),
                email: "li.na@example.cn".into(),
                display_name: "李娜".into(),
                roles: BTreeSet::from([Role::Assessor]),
            },
            session: None,
            expires_at,
        }
    }

    fn noon() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_reading_holds_until_a_local_commit_or_the_recheck_time() {
        let t0 = Instant::now();
        let r = reading(7, t0, 3);
        assert!(r.current(t0, 3, RECHECK));
        assert!(r.current(t0 + RECHECK / 2, 3, RECHECK));
        assert!(!r.current(t0 + RECHECK, 3, RECHECK), "too old");
        assert!(!r.current(t0, 4, RECHECK), "this process wrote since");
    }

    #[test]
    fn readings_that_finish_out_of_order_keep_the_newest_counter() {
        let t0 = Instant::now();
        let older = reading(5, t0 + RECHECK, 9);
        let newer = reading(6, t0, 2);
        assert_eq!(older.merge(newer), newer, "a higher counter wins whole");
        assert_eq!(newer.merge(older), newer, "a lower one is ignored");
        let same = reading(6, t0 + RECHECK, 1);
        assert_eq!(newer.merge(same), reading(6, t0 + RECHECK, 2));
    }

    #[test]
    fn a_new_counter_forgets_every_caller() {
        let t0 = Instant::now();
        let key = Credential::Session("h".into());
        let mut state = State::default();
        state.read(reading(1, t0, 0));
        state.callers.insert(
            key.clone(),
            Remembered {
                caller: caller(noon() + chrono::Duration::hours(1)),
                version: 1,
            },
        );
        assert!(state.fresh(&key, 1, noon()).is_some());
        state.read(reading(1, t0 + RECHECK, 0));
        assert!(
            state.fresh(&key, 1, noon()).is_some(),
            "same counter: still kept"
        );
        state.read(reading(2, t0 + RECHECK, 0));
        assert!(state.callers.is_empty());
    }

    #[test]
    fn an_expired_or_older_caller_is_not_used() {
        let key = Credential::Token("t".into());
        let mut state = State::default();
        state.read(reading(4, Instant::now(), 0));
        state.callers.insert(
            key.clone(),
            Remembered {
                caller: caller(noon()),
                version: 4,
            },
        );
        assert!(state.fresh(&key, 4, noon()).is_none(), "expired at noon");
        assert!(state
            .fresh(&key, 4, noon() - chrono::Duration::seconds(1))
            .is_some());
        assert!(state
            .fresh(&key, 5, noon() - chrono::Duration::seconds(1))
            .is_none());
        assert!(state
            .fresh(&Credential::Session("t".into()), 4, noon())
            .is_none());
    }
}
