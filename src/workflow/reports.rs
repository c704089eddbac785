//! Programme reports for the secretariat: one read, one build, shared by the page, the
//! API and the exports so that their figures are the same.
//!
//! A built report is kept in memory per scope (a round, or across rounds) with the
//! stamp of the round counters it was built at (`db::models::reports::stamp`). The
//! counters are bumped by database triggers in the transactions that change what a
//! report reads, so a change made through any instance is seen by every instance's next
//! read; the cache itself holds nothing another instance must know about.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::db::models::reports::{self, Stamp};
use crate::db::models::rounds;
use crate::db::DbConn;
use crate::domain::ids::{Named, RoundId};
use crate::domain::report::{build, Report};
use crate::refusal::Refusal;

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

/// A report as built, with what it was built at.
struct Built {
    stamp: Stamp,
    today: chrono::NaiveDate,
    report: Arc<Report>,
}

/// Reports built once and served until a round counter or the day changes.
#[derive(Default)]
pub struct ReportCache {
    built: Mutex<HashMap<Option<RoundId>, Built>>,
    /// One lock per scope, held while its report is built: when a change makes the
    /// report stale, the requests that arrive meanwhile wait for one build instead of
    /// each running their own.
    building: Mutex<HashMap<Option<RoundId>, Arc<Mutex<()>>>>,
    /// Reports built so far (tests and benchmarks see the cache work by it).
    builds: AtomicU64,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock left only a stale entry behind: the stamp check
    // still guards every read.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ReportCache {
    fn fresh(
        &self,
        scope: Option<RoundId>,
        stamp: Stamp,
        today: chrono::NaiveDate,
    ) -> Option<Arc<Report>> {
        locked(&self.built)
            .get(&scope)
            .filter(|b| b.stamp == stamp && b.today == today)
            .map(|b| b.report.clone())
    }

    /// How many reports this cache has built.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
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
    // The stamp is read before the facts: a change committed in between makes the entry
    // look older than it is (rebuilt once more), never newer.
    let stamp = reports::stamp(conn, round_id)?;
    if let Some(report) = cache.fresh(round_id, stamp, today) {
        return Ok(report);
    }
    let gate = locked(&cache.building).entry(round_id).or_default().clone();
    let _building = locked(&gate);
    // Another request may have built it while this one waited.
    let stamp = reports::stamp(conn, round_id)?;
    if let Some(report) = cache.fresh(round_id, stamp, today) {
        return Ok(report);
    }
    let facts = reports::facts(conn, round_id, today)?;
    let report = Arc::new(build(&facts, round_id));
    cache.builds.fetch_add(1, Ordering::Relaxed);
    locked(&cache.built).insert(
        round_id,
        Built {
            stamp,
            today,
            report: report.clone(),
        },
    );
    Ok(report)
}
