//! Scores, clarification requests and the consolidation of an application (feature:
//! scoring). Child rows are always read through their application.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::one_of::one_of;

use crate::db::schema::{clarifications, consolidated_items, part_results, scores};
use crate::db::sql_types::Json;
use crate::db::DbConn;
use crate::domain::ids::{ApplicationId, ClarificationId, UserId};
use crate::domain::scoring::{Basis, FlagReason, ScoreStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scores)]
pub struct ScoreRow {
    pub id: String,
    pub application_id: ApplicationId,
    pub assessor_id: UserId,
    pub item_code: String,
    pub level: Option<i32>,
    pub not_applicable_reason: Option<String>,
    pub comment: String,
    pub evidence_ids: Json<Vec<String>>,
    pub status: ScoreStatus,
    pub submitted_at: Option<NaiveDateTime>,
    pub reopened_by: Option<UserId>,
    pub reopened_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn scores_of_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<ScoreRow>> {
    scores::table
        .filter(scores::application_id.eq(application))
        .order((scores::item_code.asc(), scores::assessor_id.asc()))
        .select(ScoreRow::as_select())
        .load(conn)
}

pub fn score(
    conn: &mut DbConn,
    application: ApplicationId,
    assessor: UserId,
    item: &str,
) -> QueryResult<Option<ScoreRow>> {
    scores::table
        .filter(scores::application_id.eq(application))
        .filter(scores::assessor_id.eq(assessor))
        .filter(scores::item_code.eq(item))
        .select(ScoreRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a score, replacing the assessor's previous one for the item, and refreshes the
/// report's rows of the application.
pub fn save_score(conn: &mut DbConn, s: &ScoreRow) -> QueryResult<()> {
    diesel::delete(
        scores::table
            .filter(scores::application_id.eq(&s.application_id))
            .filter(scores::assessor_id.eq(&s.assessor_id))
            .filter(scores::item_code.eq(&s.item_code)),
    )
    .execute(conn)?;
    diesel::insert_into(scores::table).values(s).execute(conn)?;
    super::reports::refresh(conn, s.application_id)
}

/// Makes a submitted score a draft again; false if it was not submitted.
pub fn reopen_score(
    conn: &mut DbConn,
    application: ApplicationId,
    assessor: UserId,
    item: &str,
    by: UserId,
) -> QueryResult<bool> {
    let now = super::now();
    let n = diesel::update(
        scores::table
            .filter(scores::application_id.eq(application))
            .filter(scores::assessor_id.eq(assessor))
            .filter(scores::item_code.eq(item))
            .filter(scores::status.eq(ScoreStatus::Submitted)),
    )
    .set((
        scores::status.eq(ScoreStatus::Draft),
        scores::reopened_by.eq(Some(by)),
        scores::reopened_at.eq(Some(now)),
        scores::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        super::reports::refresh(conn, application)?;
    }
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clarifications)]
pub struct ClarificationRow {
    pub id: ClarificationId,
    pub application_id: ApplicationId,
    /// Codes of the items the request is about.
    pub items: Json<Vec<String>>,
    pub message: String,
    pub deadline: NaiveDateTime,
    pub requested_by: UserId,
    pub requested_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<UserId>,
    pub answered_at: Option<NaiveDateTime>,
}

pub fn insert_clarification(conn: &mut DbConn, c: &ClarificationRow) -> QueryResult<()> {
    diesel::insert_into(clarifications::table)
        .values(c)
        .execute(conn)
        .map(|_| ())
}

/// How many scores the assessor has submitted on each of these applications.
pub fn submitted_counts(
    conn: &mut DbConn,
    assessor: UserId,
    applications: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, i64)>> {
    scores::table
        .filter(scores::assessor_id.eq(assessor))
        .filter(one_of(scores::application_id, applications))
        .filter(scores::status.eq(ScoreStatus::Submitted))
        .group_by(scores::application_id)
        .select((scores::application_id, diesel::dsl::count_star()))
        .load(conn)
}

/// The clarification requests on these applications: (application, answered).
pub fn clarifications_answered(
    conn: &mut DbConn,
    applications: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, bool)>> {
    clarifications::table
        .filter(one_of(clarifications::application_id, applications))
        .select((
            clarifications::application_id,
            clarifications::answered_at.is_not_null(),
        ))
        .load(conn)
}

pub fn clarifications_of(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<ClarificationRow>> {
    clarifications::table
        .filter(clarifications::application_id.eq(application))
        .order(clarifications::id.asc())
        .select(ClarificationRow::as_select())
        .load(conn)
}

/// Records the answer; false when the request is not this application's or is answered.
pub fn answer_clarification(
    conn: &mut DbConn,
    application: ApplicationId,
    id: ClarificationId,
    answer: &str,
    by: UserId,
) -> QueryResult<bool> {
    let n = diesel::update(
        clarifications::table
            .filter(clarifications::id.eq(id))
            .filter(clarifications::application_id.eq(application))
            .filter(clarifications::answered_at.is_null()),
    )
    .set((
        clarifications::answer.eq(Some(answer)),
        clarifications::answered_by.eq(Some(by)),
        clarifications::answered_at.eq(Some(super::now())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consolidated_items)]
pub struct ConsolidatedRow {
    pub application_id: ApplicationId,
    pub item_code: String,
    pub level: Option<i32>,
    pub not_applicable_reason: Option<String>,
    pub rationale: String,
    pub flagged: bool,
    pub flag_reasons: Json<Vec<FlagReason>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = part_results)]
pub struct PartResultRow {
    pub application_id: ApplicationId,
    pub achieved_level: i32,
    pub target_level: i32,
    pub basis: Basis,
    pub capping_items: Json<Vec<String>>,
    /// Domain code → consolidated level.
    pub domain_levels: Json<BTreeMap<String, u8>>,
    pub consolidated_by: UserId,
    pub consolidated_at: NaiveDateTime,
}

/// Replaces the consolidation of an application (and its report summary).
pub fn save_consolidation(
    conn: &mut DbConn,
    items: &[ConsolidatedRow],
    result: &PartResultRow,
) -> QueryResult<()> {
    let app = &result.application_id;
    diesel::delete(consolidated_items::table.filter(consolidated_items::application_id.eq(app)))
        .execute(conn)?;
    diesel::delete(part_results::table.find(app)).execute(conn)?;
    for i in items {
        diesel::insert_into(consolidated_items::table)
            .values(i)
            .execute(conn)?;
    }
    diesel::insert_into(part_results::table)
        .values(result)
        .execute(conn)?;
    super::reports::refresh(conn, *app)
}

pub fn consolidation(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Option<(Vec<ConsolidatedRow>, PartResultRow)>> {
    let Some(result) = part_results::table
        .find(application)
        .select(PartResultRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let items = consolidated_items::table
        .filter(consolidated_items::application_id.eq(application))
        .order(consolidated_items::item_code.asc())
        .select(ConsolidatedRow::as_select())
        .load(conn)?;
    Ok(Some((items, result)))
}

/// Inserts many scores, consolidated items and part results (bulk loads; the report
/// summaries are rebuilt afterwards).
pub fn insert_many(
    conn: &mut DbConn,
    scores_rows: &[ScoreRow],
    items: &[ConsolidatedRow],
    results: &[PartResultRow],
) -> QueryResult<usize> {
    super::insert_all!(conn, scores::table, scores_rows)?;
    super::insert_all!(conn, consolidated_items::table, items)?;
    super::insert_all!(conn, part_results::table, results)
}

/// How many scores there are.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    scores::table.count().get_result(conn)
}
