//! How much of the issuance log a certificate's state may rest on, remembered between
//! views (issue #19: every view of a certificate walked the hash chain from its first
//! entry, 3,000 entries at national scale, 16–26 ms of each application page and of
//! `/verify/{number}` for a late certificate).
//!
//! What is checked on each view:
//! - the whole chain, from its first entry to its last, when this process has not walked
//!   it in the last [`WALK_EVERY`], or when anything below does not hold; the walk names
//!   the first broken entry;
//! - otherwise, from the entry where the last walk (or its continuation) ended, the
//!   *anchor*: that entry still stored with the hash the walk found and still sealed;
//!   the entries after it up to the certificate's last, linked on from it; and each of
//!   the certificate's own entries still sealed (hashing to what it stores) and still
//!   linked to from the entry after it.
//!
//! The trade-off, decided for #19: a certificate's entry before the anchor that someone
//! rewrites and reseals *together with* the entry after it (and maybe more, short of the
//! anchor) is noticed by the next walk, at most [`WALK_EVERY`] later, not at once. Any
//! other change is noticed at once: an entry of the certificate edited, or resealed
//! alone; the anchor changed; a break after the anchor. A break in another certificate's
//! entries is noticed at once by that certificate's views and by the next walk.
//! `certcase verify-log` walks the whole log whenever it is run. Each instance keeps its
//! own anchor; nothing needs sharing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::db::models::certificates as store;
use crate::db::DbConn;
use crate::domain::certificate::{sealed, verify_chain, verify_continuation, LogEntry};
use crate::refusal::Refusal;

/// How long a walk of the whole chain vouches for the entries it walked.
pub const WALK_EVERY: Duration = Duration::from_secs(60);

/// The last entry known to be linked to the first, and when the chain was last walked.
#[derive(Debug, Clone)]
struct Anchor {
    index: u64,
    hash: String,
    walked_at: Instant,
}

/// The anchor of this process's last walk of the issuance log.
#[derive(Default)]
pub struct VerifiedLog {
    anchor: Mutex<Option<Anchor>>,
    /// Walks from the first entry so far (tests see the anchor work by it).
    walks: AtomicU64,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock left at most an older anchor: still a verified one.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl VerifiedLog {
    /// How many times the chain was walked from its first entry.
    pub fn walks(&self) -> u64 {
        self.walks.load(Ordering::Relaxed)
    }

    /// Whether the log through entry `last` vouches for a certificate whose entries are
    /// `mine` (read from the log, oldest first): `Ok(Err(index))` names the first broken
    /// entry.
    pub fn check(
        &self,
        conn: &mut DbConn,
        last: u64,
        mine: &[LogEntry],
    ) -> Result<Result<(), usize>, Refusal> {
        let now = Instant::now();
        let anchor = locked(&self.anchor)
            .clone()
            .filter(|a| now.saturating_duration_since(a.walked_at) < WALK_EVERY);
        if let Some(anchor) = anchor {
            if self.continues(conn, &anchor, last, mine)? {
                return Ok(Ok(()));
            }
        }
        self.walk(conn, now)
    }

    /// The check from the anchor; `false` when anything does not hold (the walk then
    /// tells where the log is broken, or finds it intact after a restore).
    fn continues(
        &self,
        conn: &mut DbConn,
        anchor: &Anchor,
        last: u64,
        mine: &[LogEntry],
    ) -> Result<bool, Refusal> {
        let through = last.max(anchor.index);
        let entries = store::log_between(conn, anchor.index, through)?;
        let Some((at_anchor, newer)) = entries.split_first() else {
            return Ok(false);
        };
        let anchor_kept =
            at_anchor.index == anchor.index && at_anchor.hash == anchor.hash && sealed(at_anchor);
        if !anchor_kept || verify_continuation(Some((anchor.index, &anchor.hash)), newer).is_err() {
            return Ok(false);
        }
        if !mine.iter().all(sealed) || !linked_on(conn, anchor, &entries, mine)? {
            return Ok(false);
        }
        if let Some(end) = newer.last() {
            self.remember(Anchor {
                index: end.index,
                hash: end.hash.clone(),
                walked_at: anchor.walked_at,
            });
        }
        Ok(true)
    }

    /// Walks the whole log, not only up to the certificate's last entry: that entry
    /// resealed is seen only from the entry after it.
    fn walk(&self, conn: &mut DbConn, now: Instant) -> Result<Result<(), usize>, Refusal> {
        self.walks.fetch_add(1, Ordering::Relaxed);
        let chain = store::log(conn)?;
        let verdict = verify_chain(&chain);
        if let (Ok(()), Some(end)) = (verdict, chain.last()) {
            self.remember(Anchor {
                index: end.index,
                hash: end.hash.clone(),
                walked_at: now,
            });
        }
        Ok(verdict)
    }

    /// Keeps the newer walk, and of the same walk the further entry.
    fn remember(&self, new: Anchor) {
        let mut kept = locked(&self.anchor);
        let better = match kept.as_ref() {
            None => true,
            Some(old) => {
                new.walked_at > old.walked_at
                    || (new.walked_at == old.walked_at && new.index > old.index)
            }
        };
        if better {
            *kept = Some(new);
        }
    }
}

/// Whether the entry after each of `mine` still names it as the one before: a
/// certificate's entry resealed alone no longer is. Entries from the anchor on are
/// at hand; the others are read.
fn linked_on(
    conn: &mut DbConn,
    anchor: &Anchor,
    from_anchor: &[LogEntry],
    mine: &[LogEntry],
) -> Result<bool, Refusal> {
    let wanted: Vec<u64> = mine
        .iter()
        .map(|e| e.index + 1)
        .filter(|i| *i <= anchor.index)
        .collect();
    let read = if wanted.is_empty() {
        Vec::new()
    } else {
        store::log_at(conn, &wanted)?
    };
    let next_of = |e: &LogEntry| {
        read.iter()
            .chain(from_anchor)
            .find(|n| n.index == e.index + 1)
    };
    Ok(mine.iter().all(|e| match next_of(e) {
        Some(next) => next.prev_hash == e.hash,
        // The log's last entry, or one after a removal that the walk will name.
        None => e.index >= from_anchor.last().map_or(anchor.index, |l| l.index),
    }))
}
