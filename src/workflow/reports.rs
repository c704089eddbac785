//! Programme reports for the secretariat: one read, one build, shared by the page, the
//! API and the exports so that their figures are the same.

use crate::db::models::{reports, rounds};
use crate::db::DbConn;
use crate::domain::report::{build, Report};
use crate::refusal::Refusal;

/// The report of one round, or across every round with `None`, as it stands on `today`.
/// An unknown round is `NotFound`.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn report(
    conn: &mut DbConn,
    round_id: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<Report, Refusal> {
    if let Some(id) = round_id {
        // A malformed round id names no round, as an unknown one does.
        let id = id.parse().map_err(|_| Refusal::NotFound)?;
        rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
    }
    let facts = reports::facts(conn, round_id, today)?;
    Ok(build(&facts, round_id))
}
