//! Assessment rounds (the minimum the catalog needs: a round pins a model version).

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{round_parts, rounds};
use crate::db::DbConn;
use crate::domain::catalog::Bilingual;
use crate::domain::ids::{ModelVersionId, RoundId};

pub struct NewRound<'a> {
    pub name: &'a Bilingual,
    pub model_version: ModelVersionId,
    pub registration: (NaiveDate, NaiveDate),
    pub assessment: (NaiveDate, NaiveDate),
    pub results_on: NaiveDate,
    pub parts: &'a [String],
}

/// Inserts a round published at once (the API's default, and the demo's).
pub fn insert(conn: &mut DbConn, r: &NewRound<'_>) -> QueryResult<RoundId> {
    insert_as(conn, r, true)
}

/// Inserts a round that only the secretariat sees until it is published.
pub fn insert_draft(conn: &mut DbConn, r: &NewRound<'_>) -> QueryResult<RoundId> {
    insert_as(conn, r, false)
}

fn insert_as(conn: &mut DbConn, r: &NewRound<'_>, published: bool) -> QueryResult<RoundId> {
    let id = RoundId::new();
    let now = super::now();
    diesel::insert_into(rounds::table)
        .values((
            rounds::id.eq(id.to_string()),
            rounds::name_zh.eq(&r.name.zh),
            rounds::name_en.eq(&r.name.en),
            rounds::model_version_id.eq(r.model_version.to_string()),
            rounds::registration_opens.eq(r.registration.0),
            rounds::registration_closes.eq(r.registration.1),
            rounds::assessment_starts.eq(r.assessment.0),
            rounds::assessment_ends.eq(r.assessment.1),
            rounds::results_on.eq(r.results_on),
            rounds::created_at.eq(now),
            rounds::published_at.eq(published.then_some(now)),
        ))
        .execute(conn)?;
    insert_parts(conn, id, r.parts)?;
    Ok(id)
}

fn insert_parts(conn: &mut DbConn, id: RoundId, parts: &[String]) -> QueryResult<()> {
    for part in parts {
        diesel::insert_into(round_parts::table)
            .values((
                round_parts::round_id.eq(id.to_string()),
                round_parts::part_code.eq(part),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces a round's names, dates and parts (the model version stays).
pub fn update(conn: &mut DbConn, id: RoundId, r: &NewRound<'_>) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::name_zh.eq(&r.name.zh),
            rounds::name_en.eq(&r.name.en),
            rounds::registration_opens.eq(r.registration.0),
            rounds::registration_closes.eq(r.registration.1),
            rounds::assessment_starts.eq(r.assessment.0),
            rounds::assessment_ends.eq(r.assessment.1),
            rounds::results_on.eq(r.results_on),
        ))
        .execute(conn)?;
    diesel::delete(round_parts::table.filter(round_parts::round_id.eq(id))).execute(conn)?;
    insert_parts(conn, id, r.parts)
}

pub fn publish(conn: &mut DbConn, id: RoundId) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set(rounds::published_at.eq(Some(super::now())))
        .execute(conn)?;
    Ok(())
}

/// How many applications the round has, in any state.
pub fn application_count(conn: &mut DbConn, id: RoundId) -> QueryResult<i64> {
    crate::db::schema::applications::table
        .filter(crate::db::schema::applications::round_id.eq(id))
        .count()
        .get_result(conn)
}

/// The model version a round pins.
pub fn pinned_version(conn: &mut DbConn, id: RoundId) -> QueryResult<Option<ModelVersionId>> {
    rounds::table
        .find(id)
        .select(rounds::model_version_id)
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    rounds::table.count().get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: RoundId,
    pub name_zh: String,
    pub name_en: String,
    pub model_version_id: ModelVersionId,
    pub registration_opens: NaiveDate,
    pub registration_closes: NaiveDate,
    pub assessment_starts: NaiveDate,
    pub assessment_ends: NaiveDate,
    pub results_on: NaiveDate,
    pub created_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<RoundRow>> {
    rounds::table
        .order(rounds::registration_opens.desc())
        .select(RoundRow::as_select())
        .load(conn)
}

pub fn get(conn: &mut DbConn, id: RoundId) -> QueryResult<Option<RoundRow>> {
    rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .optional()
}

/// The part codes of every round, by round, in one query (a programme holds a few rounds
/// a year, so all of them is a short read).
pub fn parts_by_round(
    conn: &mut DbConn,
) -> QueryResult<std::collections::BTreeMap<RoundId, Vec<String>>> {
    let rows: Vec<(RoundId, String)> = round_parts::table
        .order((round_parts::round_id.asc(), round_parts::part_code.asc()))
        .select((round_parts::round_id, round_parts::part_code))
        .load(conn)?;
    let mut out = std::collections::BTreeMap::<RoundId, Vec<String>>::new();
    for (round, part) in rows {
        out.entry(round).or_default().push(part);
    }
    Ok(out)
}

pub fn parts(conn: &mut DbConn, id: RoundId) -> QueryResult<Vec<String>> {
    round_parts::table
        .filter(round_parts::round_id.eq(id))
        .order(round_parts::part_code.asc())
        .select(round_parts::part_code)
        .load(conn)
}
