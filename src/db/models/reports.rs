//! The facts programme reports are built from: applications without their enterprise or
//! contact, each with its summary; panel seats with the last submitted score; part
//! results, certificates and round names.
//!
//! The summaries (`report_applications`, `report_seats`) are the report's own rows:
//! [`refresh`] rebuilds an application's from its status changes, submitted scores,
//! panel and consolidation, and every function that writes one of those calls it in the
//! same transaction, so a report never reads the 60,000 scores of a national round.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use crate::db::schema::{
    application_events, applications, certificates, consolidated_items, panel_seats, panels,
    part_results, report_applications, report_seats, report_versions, rounds, scores, users,
};
use crate::db::sql_types::Json;
use crate::db::DbConn;
use crate::domain::application_status::Status;
use crate::domain::ids::{ApplicationId, RoundId, UserId};
use crate::domain::report::{
    summarise, turnaround, ApplicationFact, ApplicationSummary, CertificateFact, EventFact, Facts,
    PartResultFact, RoundFact, ScoreFact, SeatFact, SurveillanceFact,
};
use crate::domain::scoring::ScoreStatus;
use crate::domain::surveillance::SurveillanceStatus;

/// A summary as stored: one column per stage time and per spread.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = report_applications)]
struct SummaryRow {
    application_id: ApplicationId,
    seconds_to_submitted: Option<i64>,
    seconds_to_accepted: Option<i64>,
    seconds_to_in_assessment: Option<i64>,
    seconds_to_scored: Option<i64>,
    seconds_to_in_review: Option<i64>,
    seconds_to_approved: Option<i64>,
    seconds_to_certified: Option<i64>,
    items_spread_0: i32,
    items_spread_1: i32,
    items_spread_2: i32,
    items_spread_3: i32,
    items_spread_4: i32,
    items_spread_5: i32,
    consolidated_items: i32,
    flagged_items: i32,
}

impl SummaryRow {
    fn new(application_id: ApplicationId, s: &ApplicationSummary) -> SummaryRow {
        let [seconds_to_submitted, seconds_to_accepted, seconds_to_in_assessment, seconds_to_scored, seconds_to_in_review, seconds_to_approved, seconds_to_certified] =
            s.reached_after;
        let [items_spread_0, items_spread_1, items_spread_2, items_spread_3, items_spread_4, items_spread_5] =
            s.items_by_spread;
        SummaryRow {
            application_id,
            seconds_to_submitted,
            seconds_to_accepted,
            seconds_to_in_assessment,
            seconds_to_scored,
            seconds_to_in_review,
            seconds_to_approved,
            seconds_to_certified,
            items_spread_0,
            items_spread_1,
            items_spread_2,
            items_spread_3,
            items_spread_4,
            items_spread_5,
            consolidated_items: s.consolidated_items,
            flagged_items: s.flagged_items,
        }
    }

    fn summary(self) -> ApplicationSummary {
        ApplicationSummary {
            reached_after: [
                self.seconds_to_submitted,
                self.seconds_to_accepted,
                self.seconds_to_in_assessment,
                self.seconds_to_scored,
                self.seconds_to_in_review,
                self.seconds_to_approved,
                self.seconds_to_certified,
            ],
            items_by_spread: [
                self.items_spread_0,
                self.items_spread_1,
                self.items_spread_2,
                self.items_spread_3,
                self.items_spread_4,
                self.items_spread_5,
            ],
            consolidated_items: self.consolidated_items,
            flagged_items: self.flagged_items,
        }
    }
}

/// A seat as stored in the report: who sat, whether as lead, and their turnaround.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = report_seats)]
struct SeatRow {
    round_id: RoundId,
    application_id: ApplicationId,
    assessor_id: UserId,
    is_lead: bool,
    turnaround_seconds: Option<i64>,
}

/// Rebuilds the report's rows of one application from its current status changes,
/// submitted scores, consolidation and panel. Call it inside the transaction that
/// changed any of them.
pub fn refresh(conn: &mut DbConn, application: ApplicationId) -> QueryResult<()> {
    refresh_many(conn, &[application])
}

/// Applications whose report rows [`refresh_all`] rebuilds with one statement per table:
/// a few hundred keeps every statement's parameters (16 a summary) well within both
/// databases' limits and bounds memory.
const REFRESH_SLICE: usize = 500;

/// Rebuilds the report's rows of `ids` with a few statements whatever their number: one
/// query per source table for all of them, the summaries computed here, and multi-row
/// inserts on PostgreSQL (`insert_all`).
fn refresh_many(conn: &mut DbConn, ids: &[ApplicationId]) -> QueryResult<()> {
    // Takes the applications' row locks first (SQLite already holds the write lock): two
    // assessors scoring at once on PostgreSQL would otherwise both delete and both
    // insert the same summary. The second then reads the first one's scores. The update
    // also bumps the rounds' report versions (triggers of migration 000035).
    diesel::update(applications::table.filter(applications::id.eq_any(ids)))
        .set(applications::round_id.eq(applications::round_id))
        .execute(conn)?;
    let heads: Vec<(ApplicationId, RoundId, chrono::NaiveDateTime)> = applications::table
        .filter(applications::id.eq_any(ids))
        .select((
            applications::id,
            applications::round_id,
            applications::created_at,
        ))
        .load(conn)?;
    if heads.len() != ids.len() {
        return Err(diesel::result::Error::NotFound);
    }
    let mut events: HashMap<ApplicationId, Vec<EventFact>> = HashMap::new();
    for (application_id, to_status, occurred_at) in application_events::table
        .filter(application_events::application_id.eq_any(ids))
        .select((
            application_events::application_id,
            application_events::to_status,
            application_events::occurred_at,
        ))
        .load::<(ApplicationId, Status, chrono::NaiveDateTime)>(conn)?
    {
        events.entry(application_id).or_default().push(EventFact {
            to_status,
            occurred_at,
        });
    }
    let mut submitted: HashMap<ApplicationId, Vec<ScoreFact>> = HashMap::new();
    for (application_id, assessor_id, item_code, level, at) in scores::table
        .filter(scores::application_id.eq_any(ids))
        .filter(scores::status.eq(ScoreStatus::Submitted))
        .select((
            scores::application_id,
            scores::assessor_id,
            scores::item_code,
            scores::level,
            scores::submitted_at,
        ))
        .load::<(
            ApplicationId,
            UserId,
            String,
            Option<i32>,
            Option<chrono::NaiveDateTime>,
        )>(conn)?
    {
        if let Some(submitted_at) = at {
            submitted
                .entry(application_id)
                .or_default()
                .push(ScoreFact {
                    assessor_id,
                    item_code,
                    level,
                    submitted_at,
                });
        }
    }
    let mut flags: HashMap<ApplicationId, Vec<bool>> = HashMap::new();
    for (application_id, flagged) in consolidated_items::table
        .filter(consolidated_items::application_id.eq_any(ids))
        .select((
            consolidated_items::application_id,
            consolidated_items::flagged,
        ))
        .load::<(ApplicationId, bool)>(conn)?
    {
        flags.entry(application_id).or_default().push(flagged);
    }
    let mut seats: HashMap<ApplicationId, Vec<(UserId, bool, chrono::NaiveDateTime)>> =
        HashMap::new();
    for (application_id, assessor, is_lead, confirmed_at) in panel_seats::table
        .inner_join(panels::table)
        .filter(panel_seats::application_id.eq_any(ids))
        .select((
            panel_seats::application_id,
            panel_seats::assessor_id,
            panel_seats::is_lead,
            panels::confirmed_at,
        ))
        .load::<(ApplicationId, UserId, bool, chrono::NaiveDateTime)>(conn)?
    {
        seats
            .entry(application_id)
            .or_default()
            .push((assessor, is_lead, confirmed_at));
    }

    let mut summary_rows = Vec::with_capacity(heads.len());
    let mut seat_rows = Vec::new();
    for (application, round_id, created_at) in heads {
        let scored = submitted.remove(&application).unwrap_or_default();
        let summary = summarise(
            created_at,
            &events.remove(&application).unwrap_or_default(),
            &scored,
            &flags.remove(&application).unwrap_or_default(),
        );
        summary_rows.push(SummaryRow::new(application, &summary));
        for (assessor, is_lead, confirmed_at) in seats.remove(&application).unwrap_or_default() {
            seat_rows.push(SeatRow {
                round_id,
                application_id: application,
                assessor_id: assessor,
                is_lead,
                turnaround_seconds: turnaround(confirmed_at, &scored, assessor),
            });
        }
    }
    diesel::delete(
        report_applications::table.filter(report_applications::application_id.eq_any(ids)),
    )
    .execute(conn)?;
    diesel::delete(report_seats::table.filter(report_seats::application_id.eq_any(ids)))
        .execute(conn)?;
    super::insert_all!(conn, report_applications::table, &summary_rows)?;
    super::insert_all!(conn, report_seats::table, &seat_rows)?;
    Ok(())
}

/// Rebuilds the report's rows of every application, in the caller's transaction: after
/// the migration that introduced them, and for rows written without [`refresh`] (bulk
/// loads). A slice of [`REFRESH_SLICE`] applications at a time, a few statements each.
/// Returns the number of applications.
pub fn refresh_all(conn: &mut DbConn) -> QueryResult<usize> {
    let ids: Vec<ApplicationId> = applications::table
        .select(applications::id)
        .order(applications::id.asc())
        .load(conn)?;
    for slice in ids.chunks(REFRESH_SLICE) {
        refresh_many(conn, slice)?;
    }
    Ok(ids.len())
}

/// The facts of one round, or of every round with `None`, as they stand on `today`.
pub fn facts(
    conn: &mut DbConn,
    round: Option<RoundId>,
    today: chrono::NaiveDate,
) -> QueryResult<Facts> {
    let mut round_query = rounds::table
        .order((rounds::registration_opens.desc(), rounds::id.asc()))
        .select((rounds::id, rounds::name_zh, rounds::name_en))
        .into_boxed();
    let mut app_query = applications::table
        .left_join(report_applications::table)
        .select((
            (
                applications::id,
                applications::round_id,
                applications::part_code,
                applications::status,
                applications::target_level,
            ),
            Option::<SummaryRow>::as_select(),
        ))
        .into_boxed();
    let mut seat_query = report_seats::table
        .select((
            report_seats::assessor_id,
            report_seats::is_lead,
            report_seats::turnaround_seconds,
        ))
        .into_boxed();
    let mut result_query = part_results::table
        .inner_join(applications::table.on(applications::id.eq(part_results::application_id)))
        .select((
            part_results::application_id,
            part_results::achieved_level,
            part_results::domain_levels,
        ))
        .into_boxed();
    let mut certificate_query = certificates::table
        .inner_join(applications::table.on(applications::id.eq(certificates::application_id)))
        .select((
            certificates::application_id,
            certificates::issued_at,
            certificates::valid_until,
            certificates::revoked_at,
        ))
        .into_boxed();
    if let Some(r) = round {
        certificate_query = certificate_query.filter(applications::round_id.eq(r));
        round_query = round_query.filter(rounds::id.eq(r));
        app_query = app_query.filter(applications::round_id.eq(r));
        seat_query = seat_query.filter(report_seats::round_id.eq(r));
        result_query = result_query.filter(applications::round_id.eq(r));
    }
    let rounds = round_query
        .load::<(RoundId, String, String)>(conn)?
        .into_iter()
        .map(|(id, name_zh, name_en)| RoundFact {
            id,
            name_zh,
            name_en,
        })
        .collect();
    let applications: Vec<ApplicationFact> = app_query
        .load::<(
            (ApplicationId, RoundId, String, Status, i32),
            Option<SummaryRow>,
        )>(conn)?
        .into_iter()
        .map(
            |((id, round_id, part_code, status, target_level), summary)| ApplicationFact {
                id,
                round_id,
                part_code,
                status,
                target_level,
                summary: summary.map(SummaryRow::summary).unwrap_or_default(),
            },
        )
        .collect();
    let seat_rows = seat_query.load::<(UserId, bool, Option<i64>)>(conn)?;
    // Names once per assessor rather than once per seat.
    let names: HashMap<UserId, String> = users::table
        .filter(
            users::id.eq_any(
                report_seats::table
                    .select(report_seats::assessor_id)
                    .distinct(),
            ),
        )
        .select((users::id, users::display_name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let seats = seat_rows
        .into_iter()
        .map(|(assessor_id, is_lead, turnaround_seconds)| SeatFact {
            assessor_name: names.get(&assessor_id).cloned().unwrap_or_default(),
            assessor_id,
            is_lead,
            turnaround_seconds,
        })
        .collect();
    let results = result_query
        .load::<(ApplicationId, i32, Json<BTreeMap<String, i32>>)>(conn)?
        .into_iter()
        .map(|(application_id, achieved_level, domains)| PartResultFact {
            application_id,
            achieved_level,
            domain_levels: domains.0,
        })
        .collect();
    let certificates = certificate_query
        .load::<(
            ApplicationId,
            chrono::NaiveDateTime,
            chrono::NaiveDate,
            Option<chrono::NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(
            |(application_id, issued_at, valid_until, revoked_at)| CertificateFact {
                application_id,
                issued_at,
                valid_until,
                revoked_at,
            },
        )
        .collect();
    let in_scope: std::collections::HashSet<ApplicationId> =
        applications.iter().map(|a| a.id).collect();
    let surveillances = crate::db::schema::surveillances::table
        .select((
            crate::db::schema::surveillances::application_id,
            crate::db::schema::surveillances::due_on,
            crate::db::schema::surveillances::status,
        ))
        .load::<(ApplicationId, chrono::NaiveDate, SurveillanceStatus)>(conn)?
        .into_iter()
        .filter(|(app, _, _)| in_scope.contains(app))
        .map(|(application_id, due_on, status)| SurveillanceFact {
            application_id,
            due_on,
            concluded: status == SurveillanceStatus::Concluded,
        })
        .collect();
    Ok(Facts {
        rounds,
        applications,
        seats,
        results,
        certificates,
        surveillances,
        today,
    })
}

/// Where what a report reads stands: the round's counter (bumped by the triggers of
/// migration `2026-12-08-000035_fast_report_versions` in every transaction that changes
/// it), or for the report across rounds every round's counter summed up with their
/// number. Counters only grow, so a change anywhere changes the stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub rounds: i64,
    pub versions: i64,
}

/// The stamp of one round's report, or of the report across rounds with `None`. Read it
/// before the facts: a change committed in between then makes the cached report look
/// older than it is (rebuilt once more), never newer.
pub fn stamp(conn: &mut DbConn, round: Option<RoundId>) -> QueryResult<Stamp> {
    let mut query = report_versions::table
        .select(report_versions::version)
        .into_boxed();
    if let Some(r) = round {
        query = query.filter(report_versions::round_id.eq(r));
    }
    // A programme has tens of rounds: summing here is simpler than SUM's numeric type.
    let versions: Vec<i64> = query.load(conn)?;
    Ok(Stamp {
        rounds: versions.len() as i64,
        versions: versions.iter().sum(),
    })
}
