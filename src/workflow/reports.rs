//! Programme reports for the secretariat: one read, one build, shared by the page, the
//! API and the exports so that their figures are the same.
//!
//! A built report is kept in memory per scope (a round, or across rounds) with the
//! stamp of the round counters it was built at (`db::models::reports::stamp`). The
//! counters are bumped by database triggers in the transactions that change what a
//! report reads, so a change made through any instance is seen by every instance's next
//! read; the cache itself holds nothing another instance must know about.

use std::sync::Arc;

use crate::db::models::reports::{self, Stamp};
use crate::db::models::rounds;
use crate::db::DbConn;
use crate::domain::ids::{Named, RoundId};
use crate::domain::report::{build, Report};
use crate::refusal::Refusal;
use crate::workflow::kept::KeptPerStamp;

/// A round's id from the query text: an unknown round, or text that is no round id, is
/// `NotFound`; `None` is the report across rounds.
fn scope(conn: &mut DbConn, round: Option<Named<RoundId>>) -> Result<Option<RoundId>, Refusal> {
    match round {
        Some(named) => {
            let id = named.id().ok_or(Refusal::NotFound)?;
            rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
            Ok(Some(id))
        }
        None => Ok(None),
    }
}

/// The report of one round, or across every round with `None`, as it stands on `today`,
/// built afresh from the summaries.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn report(
    conn: &mut DbConn,
    round: Option<Named<RoundId>>,
    today: chrono::NaiveDate,
) -> Result<Report, Refusal> {
    let round_id = scope(conn, round)?;
    let facts = reports::facts(conn, round_id, today)?;
    Ok(build(&facts, round_id))
}

/// Reports built once and served until a round counter or the day changes: one per
/// scope, stamped with the counters and the day it was built at.
#[derive(Default)]
pub struct ReportCache(KeptPerStamp<Option<RoundId>, (Stamp, chrono::NaiveDate), Report>);

impl ReportCache {
    /// How many reports this cache has built.
    pub fn builds(&self) -> u64 {
        self.0.computations()
    }
}

/// The report of [`report`], from `cache` while nothing it reads has changed.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn cached_report(
    conn: &mut DbConn,
    cache: &ReportCache,
    round: Option<Named<RoundId>>,
    today: chrono::NaiveDate,
) -> Result<Arc<Report>, Refusal> {
    let round_id = scope(conn, round)?;
    cache.0.get(
        conn,
        round_id,
        |conn| Ok((reports::stamp(conn, round_id)?, today)),
        |conn| Ok(build(&reports::facts(conn, round_id, today)?, round_id)),
    )
}
