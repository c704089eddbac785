//! The assignment board's proposal, remembered between views (issue #19: solving the
//! optimal assignment of a national round, 1,200 applications over 300 assessors, took
//! 130 ms of every view of the board and of every API proposal).
//!
//! When a remembered proposal is still right: the database keeps a counter
//! (`assignment_versions`, migration 000410) that triggers bump in the very transaction
//! that changes anything `panels::propose` reads: applications added, removed or moved
//! between statuses, the applicants' names and groups, the registry (profiles,
//! organisations, declared conflicts, employment, assessors' names), preferences and
//! panel seats. A proposal is used only while the counter, the day (certifications and
//! employment end on a date) and the panel size are those it was computed for. The
//! counter is read on every use, so a change made through any instance or the command
//! line is seen at once; the cache holds nothing another instance must know about.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::NaiveDate;

use crate::db::models::panels as store;
use crate::db::DbConn;
use crate::domain::ids::RoundId;
use crate::refusal::Refusal;
use crate::workflow::panels::{propose, Proposal, ProposalRequest};

/// What a proposal was computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    round: RoundId,
    seats: Option<u8>,
    today: NaiveDate,
}

/// Proposals computed once and served until the counter or the day changes.
#[derive(Default)]
pub struct ProposalCache {
    /// Per key, the counter value it was computed at and the proposal. Entries of an
    /// older counter can never be used again and are dropped whenever one is added, so
    /// the map holds at most one entry per round, panel size and day asked since the
    /// last change.
    computed: Mutex<HashMap<Key, (i64, Arc<Proposal>)>>,
    /// One lock per round, held while its proposal is computed: the views that arrive
    /// meanwhile wait for that one instead of each solving the same assignment.
    computing: Mutex<HashMap<RoundId, Arc<Mutex<()>>>>,
    /// Proposals computed so far (tests and benchmarks see the cache work by it).
    computations: AtomicU64,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock left at most a stale entry: the counter check still
    // guards every read.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ProposalCache {
    fn fresh(&self, key: &Key, version: i64) -> Option<Arc<Proposal>> {
        locked(&self.computed)
            .get(key)
            .filter(|(at, _)| *at == version)
            .map(|(_, p)| p.clone())
    }

    /// How many proposals this cache has computed.
    pub fn computations(&self) -> u64 {
        self.computations.load(Ordering::Relaxed)
    }

    /// The proposal of [`propose`], from the cache while nothing it reads has changed.
    #[tracing::instrument(skip_all, err(Display, level = "info"))]
    pub fn propose(
        &self,
        conn: &mut DbConn,
        round: RoundId,
        req: &ProposalRequest,
        today: NaiveDate,
    ) -> Result<Arc<Proposal>, Refusal> {
        let key = Key {
            round,
            seats: req.seats,
            today,
        };
        // The counter is read before the facts: a change committed in between makes the
        // entry look older than it is (computed once more), never newer.
        let version = store::assignment_version(conn)?;
        if let Some(p) = self.fresh(&key, version) {
            return Ok(p);
        }
        let gate = locked(&self.computing).entry(round).or_default().clone();
        let _computing = locked(&gate);
        let version = store::assignment_version(conn)?;
        if let Some(p) = self.fresh(&key, version) {
            return Ok(p);
        }
        let proposal = Arc::new(propose(conn, round, req, today)?);
        self.computations.fetch_add(1, Ordering::Relaxed);
        let mut computed = locked(&self.computed);
        computed.retain(|_, (at, _)| *at >= version);
        computed.insert(key, (version, proposal.clone()));
        Ok(proposal)
    }
}
