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

use std::sync::Arc;

use chrono::NaiveDate;

use crate::db::models::panels as store;
use crate::db::DbConn;
use crate::domain::ids::RoundId;
use crate::refusal::Refusal;
use crate::workflow::kept::KeptPerStamp;
use crate::workflow::panels::{propose, Proposal, ProposalRequest};

/// Proposals computed once and served until the counter or the day changes: one per
/// round and panel size, stamped with the counter and the day it was computed at.
#[derive(Default)]
pub struct ProposalCache(KeptPerStamp<(RoundId, Option<u8>), (i64, NaiveDate), Proposal>);

impl ProposalCache {
    /// How many proposals this cache has computed.
    pub fn computations(&self) -> u64 {
        self.0.computations()
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
        self.0.get(
            conn,
            (round, req.seats),
            |conn| Ok((store::assignment_version(conn)?, today)),
            |conn| propose(conn, round, req, today),
        )
    }
}
