//! Surveillances of certificates in force: the plan rows, their selected items, their
//! assessors and the assessors' scores (feature: surveillances).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::one_of::one_of_names;
use crate::db::schema::{
    applications, enterprise_members, surveillance_assessors, surveillance_items,
    surveillance_scores, surveillances,
};
use crate::db::DbConn;
use crate::domain::ids::{ApplicationId, ComplaintId, SurveillanceId, UserId};
use crate::domain::surveillance::SurveillanceStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveillances)]
pub struct SurveillanceRow {
    pub id: SurveillanceId,
    pub certificate_number: String,
    pub application_id: ApplicationId,
    pub origin: String,
    pub complaint_id: Option<ComplaintId>,
    pub due_on: NaiveDate,
    pub status: SurveillanceStatus,
    pub planned_by: UserId,
    pub planned_at: NaiveDateTime,
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    pub log_index: Option<i64>,
    pub successor_number: Option<String>,
    pub concluded_by: Option<UserId>,
    pub concluded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveillance_items)]
pub struct ItemRow {
    pub surveillance_id: SurveillanceId,
    pub item_code: String,
    pub evidence_version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveillance_scores)]
pub struct ScoreRow {
    pub surveillance_id: SurveillanceId,
    pub item_code: String,
    pub assessor_id: UserId,
    pub level: i32,
    pub note: String,
    pub scored_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &SurveillanceRow, items: &[ItemRow]) -> QueryResult<()> {
    diesel::insert_into(surveillances::table)
        .values(row)
        .execute(conn)?;
    // One row at a time: batch inserts are not available on the connection enum.
    for item in items {
        diesel::insert_into(surveillance_items::table)
            .values(item)
            .execute(conn)?;
    }
    Ok(())
}

pub fn get(conn: &mut DbConn, id: SurveillanceId) -> QueryResult<Option<SurveillanceRow>> {
    surveillances::table
        .find(id)
        .select(SurveillanceRow::as_select())
        .first(conn)
        .optional()
}

/// Every surveillance, soonest due first; `open` only those not concluded.
pub fn list(conn: &mut DbConn, open: bool) -> QueryResult<Vec<SurveillanceRow>> {
    let mut q = surveillances::table
        .select(SurveillanceRow::as_select())
        .order((surveillances::due_on.asc(), surveillances::id.asc()))
        .into_boxed();
    if open {
        q = q.filter(surveillances::status.ne(SurveillanceStatus::Concluded));
    }
    q.load(conn)
}

/// The surveillances not concluded whose due day lies before `today`, soonest due first.
pub fn overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<SurveillanceRow>> {
    surveillances::table
        .filter(surveillances::status.ne(SurveillanceStatus::Concluded))
        .filter(surveillances::due_on.lt(today))
        .order((surveillances::due_on.asc(), surveillances::id.asc()))
        .select(SurveillanceRow::as_select())
        .load(conn)
}

/// The surveillances of one certificate (by the number it had when planned), oldest first.
pub fn of_certificate(conn: &mut DbConn, number: &str) -> QueryResult<Vec<SurveillanceRow>> {
    surveillances::table
        .filter(surveillances::certificate_number.eq(number))
        .order(surveillances::due_on.asc())
        .select(SurveillanceRow::as_select())
        .load(conn)
}

/// The surveillances of an application's certificates, oldest first.
pub fn of_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<SurveillanceRow>> {
    surveillances::table
        .filter(surveillances::application_id.eq(application))
        .order(surveillances::due_on.asc())
        .select(SurveillanceRow::as_select())
        .load(conn)
}

/// The open surveillances a user assesses.
pub fn assigned_to(conn: &mut DbConn, user: UserId) -> QueryResult<Vec<SurveillanceRow>> {
    surveillances::table
        .filter(
            surveillances::id.eq_any(
                surveillance_assessors::table
                    .filter(surveillance_assessors::user_id.eq(user))
                    .select(surveillance_assessors::surveillance_id),
            ),
        )
        .order(surveillances::due_on.asc())
        .select(SurveillanceRow::as_select())
        .load(conn)
}

pub fn items(conn: &mut DbConn, id: SurveillanceId) -> QueryResult<Vec<ItemRow>> {
    surveillance_items::table
        .filter(surveillance_items::surveillance_id.eq(id))
        .order(surveillance_items::item_code.asc())
        .select(ItemRow::as_select())
        .load(conn)
}

pub fn assessors(conn: &mut DbConn, id: SurveillanceId) -> QueryResult<Vec<UserId>> {
    surveillance_assessors::table
        .filter(surveillance_assessors::surveillance_id.eq(id))
        .order(surveillance_assessors::user_id.asc())
        .select(surveillance_assessors::user_id)
        .load(conn)
}

/// Replaces the assessors.
pub fn set_assessors(conn: &mut DbConn, id: SurveillanceId, users: &[UserId]) -> QueryResult<()> {
    diesel::delete(
        surveillance_assessors::table.filter(surveillance_assessors::surveillance_id.eq(id)),
    )
    .execute(conn)?;
    for u in users {
        diesel::insert_into(surveillance_assessors::table)
            .values((
                surveillance_assessors::surveillance_id.eq(id),
                surveillance_assessors::user_id.eq(*u),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn scores(conn: &mut DbConn, id: SurveillanceId) -> QueryResult<Vec<ScoreRow>> {
    surveillance_scores::table
        .filter(surveillance_scores::surveillance_id.eq(id))
        .order((
            surveillance_scores::item_code.asc(),
            surveillance_scores::assessor_id.asc(),
        ))
        .select(ScoreRow::as_select())
        .load(conn)
}

/// Records an assessor's score of an item, replacing an earlier one.
pub fn put_score(conn: &mut DbConn, row: &ScoreRow) -> QueryResult<()> {
    diesel::delete(
        surveillance_scores::table
            .filter(surveillance_scores::surveillance_id.eq(row.surveillance_id))
            .filter(surveillance_scores::item_code.eq(&row.item_code))
            .filter(surveillance_scores::assessor_id.eq(row.assessor_id)),
    )
    .execute(conn)?;
    diesel::insert_into(surveillance_scores::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Moves a surveillance from `from` to `to`; false when it was no longer in `from`.
pub fn set_status(
    conn: &mut DbConn,
    id: SurveillanceId,
    from: SurveillanceStatus,
    to: SurveillanceStatus,
) -> QueryResult<bool> {
    let n = diesel::update(
        surveillances::table
            .find(id)
            .filter(surveillances::status.eq(from)),
    )
    .set((
        surveillances::status.eq(to),
        surveillances::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What a conclusion records beside the status.
pub struct Conclusion<'a> {
    pub outcome: &'a str,
    pub reason: &'a str,
    pub log_index: Option<i64>,
    pub successor: Option<&'a str>,
    pub by: UserId,
}

pub fn conclude(conn: &mut DbConn, id: SurveillanceId, c: &Conclusion<'_>) -> QueryResult<()> {
    diesel::update(surveillances::table.find(id))
        .set((
            surveillances::outcome.eq(c.outcome),
            surveillances::outcome_reason.eq(c.reason),
            surveillances::log_index.eq(c.log_index),
            surveillances::successor_number.eq(c.successor),
            surveillances::concluded_by.eq(c.by),
            surveillances::concluded_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The evidence version a surveillance of this application's `item` opens: after every
/// version already uploaded or reopened.
pub fn next_evidence_version(
    conn: &mut DbConn,
    application: ApplicationId,
    item: &str,
) -> QueryResult<i32> {
    use crate::db::schema::{evidence_files, evidence_reopenings};
    use diesel::dsl::max;
    let uploaded: Option<i32> = evidence_files::table
        .filter(evidence_files::application_id.eq(application))
        .filter(evidence_files::item_code.eq(item))
        .select(max(evidence_files::version))
        .first(conn)?;
    let reopened: Option<i32> = evidence_reopenings::table
        .filter(evidence_reopenings::application_id.eq(application))
        .filter(evidence_reopenings::item_code.eq(item))
        .select(max(evidence_reopenings::version))
        .first(conn)?;
    let planned: Option<i32> = surveillance_items::table
        .filter(
            surveillance_items::surveillance_id.eq_any(
                surveillances::table
                    .filter(surveillances::application_id.eq(application))
                    .select(surveillances::id),
            ),
        )
        .filter(surveillance_items::item_code.eq(item))
        .select(max(surveillance_items::evidence_version))
        .first(conn)?;
    Ok([uploaded, reopened, planned]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(1)
        + 1)
}

/// The open (not concluded) surveillance of an application that selected `item`, with the evidence
/// version it opened.
pub fn open_for_item(
    conn: &mut DbConn,
    application: ApplicationId,
    item: &str,
) -> QueryResult<Option<(SurveillanceRow, i32)>> {
    let open: Vec<SurveillanceRow> = surveillances::table
        .filter(surveillances::application_id.eq(application))
        .filter(surveillances::status.ne(SurveillanceStatus::Concluded))
        .select(SurveillanceRow::as_select())
        .load(conn)?;
    for row in open {
        let version: Option<i32> = surveillance_items::table
            .filter(surveillance_items::surveillance_id.eq(row.id))
            .filter(surveillance_items::item_code.eq(item))
            .select(surveillance_items::evidence_version)
            .first(conn)
            .optional()?;
        if let Some(v) = version {
            return Ok(Some((row, v)));
        }
    }
    Ok(None)
}

/// Whether `user` assesses an open or concluded surveillance of the application.
pub fn assesses_application(
    conn: &mut DbConn,
    user: UserId,
    application: ApplicationId,
) -> QueryResult<bool> {
    let n: i64 = surveillance_assessors::table
        .filter(surveillance_assessors::user_id.eq(user))
        .filter(
            surveillance_assessors::surveillance_id.eq_any(
                surveillances::table
                    .filter(surveillances::application_id.eq(application))
                    .select(surveillances::id),
            ),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// How many surveillances in `statuses` `user` assesses with a selected item they have
/// not scored yet (the assessor's task count), in one query.
pub fn count_to_score(
    conn: &mut DbConn,
    user: UserId,
    statuses: &[SurveillanceStatus],
) -> QueryResult<i64> {
    use diesel::dsl::{exists, not};
    let mine = surveillance_assessors::table
        .filter(surveillance_assessors::surveillance_id.eq(surveillances::id))
        .filter(surveillance_assessors::user_id.eq(user));
    let my_score = surveillance_scores::table
        .filter(surveillance_scores::surveillance_id.eq(surveillance_items::surveillance_id))
        .filter(surveillance_scores::item_code.eq(surveillance_items::item_code))
        .filter(surveillance_scores::assessor_id.eq(user));
    let unscored = surveillance_items::table
        .filter(surveillance_items::surveillance_id.eq(surveillances::id))
        .filter(not(exists(my_score)));
    surveillances::table
        .filter(one_of_names(surveillances::status, statuses))
        .filter(exists(mine))
        .filter(exists(unscored))
        .count()
        .get_result(conn)
}

/// How many surveillances not concluded there are of the applications of `user`'s
/// enterprise (the enterprise's task count), in one query.
pub fn count_open_of_member(conn: &mut DbConn, user: UserId) -> QueryResult<i64> {
    surveillances::table
        .filter(surveillances::status.ne(SurveillanceStatus::Concluded))
        .filter(
            surveillances::application_id.eq_any(
                applications::table
                    .filter(
                        applications::enterprise_id.eq_any(
                            enterprise_members::table
                                .filter(enterprise_members::user_id.eq(user))
                                .select(enterprise_members::enterprise_id),
                        ),
                    )
                    .select(applications::id),
            ),
        )
        .count()
        .get_result(conn)
}
