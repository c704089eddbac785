//! Evidence file records and item reopenings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{evidence_files, evidence_reopenings};
use crate::db::sql_types::Json;
use crate::db::DbConn;
use crate::domain::evidence::{Reopening, ZipEntry};
use crate::domain::ids::{ApplicationId, EvidenceId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evidence_files)]
pub struct EvidenceRow {
    pub id: EvidenceId,
    pub application_id: ApplicationId,
    pub item_code: String,
    pub version: i32,
    pub description: String,
    pub display_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub content_sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: NaiveDateTime,
    /// The entries of a ZIP archive.
    pub zip_entries: Option<Json<Vec<ZipEntry>>>,
}

pub fn insert(conn: &mut DbConn, row: &EvidenceRow) -> QueryResult<()> {
    diesel::insert_into(evidence_files::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Every record's id, application and content hash, for `certcase evidence check` and
/// `backup` (which files the records need).
pub fn contents(conn: &mut DbConn) -> QueryResult<Vec<(EvidenceId, ApplicationId, String)>> {
    evidence_files::table
        .order(evidence_files::content_sha256.asc())
        .select((
            evidence_files::id,
            evidence_files::application_id,
            evidence_files::content_sha256,
        ))
        .load(conn)
}

/// Every file of an application, by item, then version, then upload time.
pub fn for_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<EvidenceRow>> {
    evidence_files::table
        .filter(evidence_files::application_id.eq(application))
        .order((
            evidence_files::item_code.asc(),
            evidence_files::version.asc(),
            evidence_files::id.asc(),
        ))
        .select(EvidenceRow::as_select())
        .load(conn)
}

/// One file, looked up within its application only.
pub fn get(
    conn: &mut DbConn,
    application: ApplicationId,
    id: EvidenceId,
) -> QueryResult<Option<EvidenceRow>> {
    evidence_files::table
        .filter(evidence_files::application_id.eq(application))
        .filter(evidence_files::id.eq(id))
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConn, id: EvidenceId) -> QueryResult<()> {
    diesel::delete(evidence_files::table.find(id))
        .execute(conn)
        .map(|_| ())
}

pub fn bytes_used(conn: &mut DbConn, application: ApplicationId) -> QueryResult<i64> {
    let sizes: Vec<i64> = evidence_files::table
        .filter(evidence_files::application_id.eq(application))
        .select(evidence_files::size_bytes)
        .load(conn)?;
    Ok(sizes.into_iter().sum())
}

pub fn references(conn: &mut DbConn, sha256: &str) -> QueryResult<i64> {
    let evidence: i64 = evidence_files::table
        .filter(evidence_files::content_sha256.eq(sha256))
        .count()
        .get_result(conn)?;
    // Appeal attachments are kept in the same store.
    Ok(evidence + super::appeals::attachment_references(conn, sha256)?)
}

/// The latest reopening of an item, if any.
pub fn latest_reopening(
    conn: &mut DbConn,
    application: ApplicationId,
    item: &str,
) -> QueryResult<Option<Reopening>> {
    let row: Option<(i32, NaiveDateTime)> = evidence_reopenings::table
        .filter(evidence_reopenings::application_id.eq(application))
        .filter(evidence_reopenings::item_code.eq(item))
        .order(evidence_reopenings::version.desc())
        .select((
            evidence_reopenings::version,
            evidence_reopenings::open_until,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(version, until)| Reopening { version, until }))
}

/// Items reopened for an application: (item, version, until), latest per item.
pub fn reopenings(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<(String, i32, NaiveDateTime)>> {
    let rows: Vec<(String, i32, NaiveDateTime)> = evidence_reopenings::table
        .filter(evidence_reopenings::application_id.eq(application))
        .order((
            evidence_reopenings::item_code.asc(),
            evidence_reopenings::version.desc(),
        ))
        .select((
            evidence_reopenings::item_code,
            evidence_reopenings::version,
            evidence_reopenings::open_until,
        ))
        .load(conn)?;
    let mut latest: Vec<(String, i32, NaiveDateTime)> = Vec::new();
    for r in rows {
        if latest.last().map(|l| &l.0) != Some(&r.0) {
            latest.push(r);
        }
    }
    Ok(latest)
}

pub fn insert_reopening(
    conn: &mut DbConn,
    application: ApplicationId,
    item: &str,
    version: i32,
    until: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(evidence_reopenings::table)
        .values((
            evidence_reopenings::id.eq(uuid::Uuid::now_v7().to_string()),
            evidence_reopenings::application_id.eq(application),
            evidence_reopenings::item_code.eq(item),
            evidence_reopenings::version.eq(version),
            evidence_reopenings::open_until.eq(until),
            evidence_reopenings::reopened_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Ends at `at` the reopenings of `items` that are still open then.
pub fn close_reopenings(
    conn: &mut DbConn,
    application: ApplicationId,
    items: &[String],
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        evidence_reopenings::table
            .filter(evidence_reopenings::application_id.eq(application))
            .filter(evidence_reopenings::item_code.eq_any(items))
            .filter(evidence_reopenings::open_until.gt(at)),
    )
    .set(evidence_reopenings::open_until.eq(at))
    .execute(conn)
    .map(|_| ())
}

/// Inserts many evidence records whose files are stored already (bulk loads).
pub fn insert_many(conn: &mut DbConn, rows: &[EvidenceRow]) -> QueryResult<usize> {
    super::insert_all!(conn, evidence_files::table, rows)
}

/// How many evidence records there are, and how many distinct stored files they use.
pub fn counts(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let rows = evidence_files::table.count().get_result(conn)?;
    let files = evidence_files::table
        .select(evidence_files::content_sha256)
        .distinct()
        .load::<String>(conn)?
        .len();
    Ok((rows, files as i64))
}
