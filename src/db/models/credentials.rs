//! The signed credential of each certificate with its status-list index, and the W3C
//! Bitstring Status Lists (issue 18). Bits are read and written whole: one list is 16 KiB.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::certificates::CertificateRow;
use crate::db::schema::{certificate_credentials, certificates, status_lists};
use crate::db::DbConn;
use crate::domain::credential::{self as vc, StatusPurpose};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_credentials)]
pub struct CredentialRow {
    pub certificate_id: String,
    pub status_index: i64,
    /// The signed credential, JSON text.
    pub credential: String,
    pub created_at: NaiveDateTime,
}

pub fn of_certificate(
    conn: &mut DbConn,
    certificate_id: &str,
) -> QueryResult<Option<CredentialRow>> {
    certificate_credentials::table
        .find(certificate_id)
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()
}

/// Up to `limit` certificates that have no credential yet (issued before credentials
/// existed, or bulk-loaded), oldest first.
pub fn certificates_without(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<CertificateRow>> {
    certificates::table
        .left_join(certificate_credentials::table)
        .filter(certificate_credentials::certificate_id.nullable().is_null())
        .order((certificates::issued_at.asc(), certificates::number.asc()))
        .limit(limit)
        .select(CertificateRow::as_select())
        .load(conn)
}

/// The next free status index (callers hold the issuance lock).
pub fn next_status_index(conn: &mut DbConn) -> QueryResult<i64> {
    let max: Option<i64> = certificate_credentials::table
        .select(diesel::dsl::max(certificate_credentials::status_index))
        .first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

pub fn insert(conn: &mut DbConn, row: &CredentialRow) -> QueryResult<()> {
    diesel::insert_into(certificate_credentials::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One status list: its bits, version (the ETag) and time of the last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    pub bits: Vec<u8>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = status_lists)]
struct StatusListRow {
    purpose: String,
    list_number: i32,
    bits: String,
    version: i64,
    updated_at: NaiveDateTime,
}

/// A list that was never written reads as all zeros at version 0.
pub fn status_list(
    conn: &mut DbConn,
    purpose: StatusPurpose,
    list: u32,
) -> QueryResult<Option<StatusList>> {
    let row = status_lists::table
        .find((purpose.as_str(), list as i32))
        .select(StatusListRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(|r| StatusList {
        // A row that does not decode reads as empty: its bits are then all rewritten
        // from the first change on; the list is never served half-read.
        bits: BASE64
            .decode(&r.bits)
            .unwrap_or_else(|_| vec![0; vc::LIST_BYTES]),
        version: r.version,
        updated_at: r.updated_at,
    }))
}

/// Sets or clears one bit; answers whether it changed (then the version grows). Clearing
/// a bit of a list never written writes nothing: it reads as all zeros.
pub fn set_status(
    conn: &mut DbConn,
    purpose: StatusPurpose,
    index: u64,
    value: bool,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let slot = vc::StatusSlot::of_index(index);
    let existing = status_list(conn, purpose, slot.list)?;
    let mut bits = existing
        .as_ref()
        .map(|l| l.bits.clone())
        .unwrap_or_else(|| vec![0; vc::LIST_BYTES]);
    if vc::bit(&bits, slot.position) == value && (existing.is_some() || !value) {
        return Ok(false);
    }
    vc::set_bit(&mut bits, slot.position, value);
    let row = StatusListRow {
        purpose: purpose.as_str().to_string(),
        list_number: slot.list as i32,
        bits: BASE64.encode(&bits),
        version: existing.as_ref().map_or(1, |l| l.version + 1),
        updated_at: at,
    };
    if existing.is_some() {
        diesel::update(status_lists::table.find((purpose.as_str(), slot.list as i32)))
            .set(&row)
            .execute(conn)?;
    } else {
        diesel::insert_into(status_lists::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(true)
}
