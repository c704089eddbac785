//! Complaints and the secretariat's investigation notes (feature: complaints). The
//! complainant's link token is kept only as its hash.

use crate::db::one_of::one_of;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{complaint_notes, complaints, users};
use crate::db::DbConn;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::ids::{ComplaintId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaints)]
pub struct ComplaintRow {
    pub id: ComplaintId,
    pub token_hash: String,
    pub complainant_name: String,
    pub complainant_email: String,
    pub lang: String,
    pub about: String,
    pub certificate_number: Option<String>,
    pub enterprise_name: Option<String>,
    pub description: String,
    pub status: ComplaintStatus,
    pub address: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub triage_reason: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub surveillance_requested_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ComplaintRow) -> QueryResult<()> {
    diesel::insert_into(complaints::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// When the complaints from `address` since `since` were filed.
pub fn filed_from(
    conn: &mut DbConn,
    address: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    complaints::table
        .filter(complaints::address.eq(address))
        .filter(complaints::created_at.gt(since))
        .select(complaints::created_at)
        .load(conn)
}

pub fn by_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<ComplaintRow>> {
    complaints::table
        .filter(complaints::token_hash.eq(token_hash))
        .select(ComplaintRow::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: ComplaintId) -> QueryResult<Option<ComplaintRow>> {
    complaints::table
        .find(id)
        .select(ComplaintRow::as_select())
        .first(conn)
        .optional()
}

/// Registered complaints (confirmed ones), newest first; `open` only those not closed.
pub fn list(conn: &mut DbConn, open: bool) -> QueryResult<Vec<ComplaintRow>> {
    let statuses: &[ComplaintStatus] = if open {
        &[ComplaintStatus::Received, ComplaintStatus::Accepted]
    } else {
        &[
            ComplaintStatus::Received,
            ComplaintStatus::Accepted,
            ComplaintStatus::NotAComplaint,
            ComplaintStatus::Answered,
        ]
    };
    complaints::table
        .filter(one_of(complaints::status, statuses))
        .order(complaints::confirmed_at.desc())
        .select(ComplaintRow::as_select())
        .load(conn)
}

/// Moves a complaint from `from` to `to`; false when it was no longer in `from`.
pub fn set_status(
    conn: &mut DbConn,
    id: ComplaintId,
    from: ComplaintStatus,
    to: ComplaintStatus,
) -> QueryResult<bool> {
    let n = diesel::update(
        complaints::table
            .find(id)
            .filter(complaints::status.eq(from)),
    )
    .set((
        complaints::status.eq(to),
        complaints::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn confirmed(conn: &mut DbConn, id: ComplaintId) -> QueryResult<()> {
    diesel::update(complaints::table.find(id))
        .set(complaints::confirmed_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}

pub fn set_triage_reason(conn: &mut DbConn, id: ComplaintId, reason: &str) -> QueryResult<()> {
    diesel::update(complaints::table.find(id))
        .set(complaints::triage_reason.eq(reason))
        .execute(conn)
        .map(|_| ())
}

pub fn set_answer(conn: &mut DbConn, id: ComplaintId, answer: &str) -> QueryResult<()> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::answer.eq(answer),
            complaints::answered_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Flags that a short-notice surveillance is requested; false when it already was.
pub fn request_surveillance(conn: &mut DbConn, id: ComplaintId) -> QueryResult<bool> {
    let n = diesel::update(
        complaints::table
            .find(id)
            .filter(complaints::surveillance_requested_at.is_null()),
    )
    .set((
        complaints::surveillance_requested_at.eq(super::now()),
        complaints::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn add_note(conn: &mut DbConn, id: ComplaintId, author: UserId, body: &str) -> QueryResult<()> {
    diesel::insert_into(complaint_notes::table)
        .values((
            complaint_notes::id.eq(uuid::Uuid::now_v7().to_string()),
            complaint_notes::complaint_id.eq(id),
            complaint_notes::author_id.eq(author),
            complaint_notes::body.eq(body),
            complaint_notes::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone)]
pub struct NoteRow {
    pub author: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// A complaint's notes, oldest first, with their authors' names.
pub fn notes(conn: &mut DbConn, id: ComplaintId) -> QueryResult<Vec<NoteRow>> {
    let rows: Vec<(String, String, NaiveDateTime)> = complaint_notes::table
        .filter(complaint_notes::complaint_id.eq(id))
        .order(complaint_notes::created_at.asc())
        .select((
            complaint_notes::author_id,
            complaint_notes::body,
            complaint_notes::created_at,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (author, body, created_at) in rows {
        let name = users::table
            .find(&author)
            .select(users::display_name)
            .first::<String>(conn)
            .optional()?
            .unwrap_or(author);
        out.push(NoteRow {
            author: name,
            body,
            created_at,
        });
    }
    Ok(out)
}
