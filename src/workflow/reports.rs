//! Programme reports for the secretariat: one read, one build, shared by the page, the
//! API and the exports so that their figures are the same.

use crate::db::models::{reports, rounds};
use crate::db::DbConn;
use crate::domain::ids::{Named, RoundId};
use crate::domain::report::{build, Report};
use crate::refusal::Refusal;

/// The report of one round, or across every round with `None`, as it stands on `today`.
/// An unknown round, or text that is no round id, is `NotFound`.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn report(
    conn: &mut DbConn,
    round: Option<Named<RoundId>>,
    today: chrono::NaiveDate,
) -> Result<Report, Refusal> {
    let round_id = match round {
        Some(named) => {
            let id = named.id().ok_or(Refusal::NotFound)?;
            rounds::get(conn, id)?.ok_or(Refusal::NotFound)?;
            Some(id)
        }
        None => None,
    };
    let facts = reports::facts(conn, round_id, today)?;
    Ok(build(&facts, round_id))
}
