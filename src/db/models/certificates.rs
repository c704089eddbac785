//! Signing keys (public halves), certificates and the append-only issuance log
//! (feature: certs). The log is only ever inserted into; the database refuses the rest.

use crate::db::one_of::one_of;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{certificates, issuance_log, signing_keys};
use crate::db::DbConn;
use crate::domain::certificate::{LogEntry, LogKind};
use crate::domain::ids::{ApplicationId, RoundId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct KeyRow {
    pub id: String,
    pub seq: i32,
    /// Standard base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub created_at: NaiveDateTime,
}

pub fn keys(conn: &mut DbConn) -> QueryResult<Vec<KeyRow>> {
    signing_keys::table
        .order(signing_keys::seq.asc())
        .select(KeyRow::as_select())
        .load(conn)
}

/// The newest key: the one new certificates are signed with.
pub fn current_key(conn: &mut DbConn) -> QueryResult<Option<KeyRow>> {
    signing_keys::table
        .order(signing_keys::seq.desc())
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_key(conn: &mut DbConn, id: &str, public_key: &str) -> QueryResult<KeyRow> {
    let seq: Option<i32> = signing_keys::table
        .select(diesel::dsl::max(signing_keys::seq))
        .first(conn)?;
    let row = KeyRow {
        id: id.to_string(),
        seq: seq.unwrap_or(0) + 1,
        public_key: public_key.to_string(),
        created_at: super::now(),
    };
    diesel::insert_into(signing_keys::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub id: String,
    pub number: String,
    pub application_id: ApplicationId,
    pub year: i32,
    pub part_code: String,
    pub serial: i32,
    /// The payload's canonical JSON.
    pub payload: String,
    pub signature: String,
    pub key_id: String,
    pub issued_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
    /// Copies of the log's last suspension and supersession, for lists and the task list;
    /// verification reads the log.
    pub suspended_until: Option<NaiveDate>,
    pub superseded_by: Option<String>,
    /// The payload's last day of validity, for the lookups by expiry (index
    /// `certificates_valid_until`).
    pub valid_until: NaiveDate,
}

pub fn insert(conn: &mut DbConn, row: &CertificateRow) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The application's current certificate: the newest, as a scope reduction adds a
/// successor to the one it replaces.
pub fn by_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::application_id.eq(application))
        .order((certificates::issued_at.desc(), certificates::serial.desc()))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()
}

/// Every certificate of the application, oldest first: the one issued and the successors
/// scope reductions added.
pub fn of_application(
    conn: &mut DbConn,
    application: ApplicationId,
) -> QueryResult<Vec<CertificateRow>> {
    certificates::table
        .filter(certificates::application_id.eq(application))
        .order((certificates::issued_at.asc(), certificates::serial.asc()))
        .select(CertificateRow::as_select())
        .load(conn)
}

pub fn by_number(conn: &mut DbConn, number: &str) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()
}

/// The next free serial of a year and part.
pub fn next_serial(conn: &mut DbConn, year: i32, part_code: &str) -> QueryResult<i32> {
    let max: Option<i32> = certificates::table
        .filter(certificates::year.eq(year))
        .filter(certificates::part_code.eq(part_code))
        .select(diesel::dsl::max(certificates::serial))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Marks a certificate revoked unless it already is; false when it was.
pub fn revoke(conn: &mut DbConn, id: &str, at: NaiveDateTime, reason: &str) -> QueryResult<bool> {
    let n = diesel::update(certificates::table.find(id))
        .filter(certificates::revoked_at.is_null())
        .set((
            certificates::revoked_at.eq(at),
            certificates::revoke_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Copies a suspension's last day (or `None` once lifted) onto the row.
pub fn set_suspended_until(
    conn: &mut DbConn,
    id: &str,
    until: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set(certificates::suspended_until.eq(until))
        .execute(conn)
        .map(|_| ())
}

/// Clears the revocation copied onto the row, when an upheld appeal reverses it.
pub fn clear_revocation(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::revoked_at.eq(None::<NaiveDateTime>),
            certificates::revoke_reason.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Copies the successor's number onto the replaced certificate's row.
pub fn set_superseded_by(conn: &mut DbConn, id: &str, successor: &str) -> QueryResult<()> {
    diesel::update(certificates::table.find(id))
        .set(certificates::superseded_by.eq(successor))
        .execute(conn)
        .map(|_| ())
}

/// Certificates whose suspension (as copied onto the row) ends on or before `by`,
/// neither withdrawn nor replaced, soonest first.
pub fn suspensions_ending(conn: &mut DbConn, by: NaiveDate) -> QueryResult<Vec<CertificateRow>> {
    certificates::table
        .filter(certificates::suspended_until.le(by))
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::superseded_by.is_null())
        .order((
            certificates::suspended_until.asc(),
            certificates::number.asc(),
        ))
        .select(CertificateRow::as_select())
        .load(conn)
}

/// Serialises issuance and revocation on PostgreSQL, so that two transactions neither
/// issue twice for one application nor append two entries with the same index. SQLite's
/// write transactions (`BEGIN IMMEDIATE`) are serial already.
pub fn lock_issuance(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query("LOCK TABLE issuance_log IN SHARE ROW EXCLUSIVE MODE").execute(c)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = issuance_log)]
struct LogRow {
    idx: i64,
    kind: String,
    certificate_number: String,
    payload_sha256: String,
    at: NaiveDateTime,
    reason: Option<String>,
    prev_hash: String,
    hash: String,
    effective_until: Option<NaiveDate>,
    related_number: Option<String>,
    pdf_sha256: Option<String>,
}

impl LogRow {
    /// A kind the code does not write reads as an issuance and then fails the hash check,
    /// so a changed kind is found like any other change.
    fn into_entry(self) -> LogEntry {
        LogEntry {
            // A negative index cannot be in place; u64::MAX makes the walk say so.
            index: u64::try_from(self.idx).unwrap_or(u64::MAX),
            kind: LogKind::parse(&self.kind).unwrap_or(LogKind::Issued),
            certificate_number: self.certificate_number,
            payload_sha256: self.payload_sha256,
            at: DateTime::<Utc>::from_naive_utc_and_offset(self.at, Utc),
            reason: self.reason,
            until: self.effective_until,
            related: self.related_number,
            pdf_sha256: self.pdf_sha256,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

pub fn log_head(conn: &mut DbConn) -> QueryResult<Option<LogEntry>> {
    Ok(issuance_log::table
        .order(issuance_log::idx.desc())
        .select(LogRow::as_select())
        .first(conn)
        .optional()?
        .map(LogRow::into_entry))
}

pub fn append_log(conn: &mut DbConn, entry: &LogEntry) -> QueryResult<()> {
    diesel::insert_into(issuance_log::table)
        .values(LogRow::from(entry))
        .execute(conn)
        .map(|_| ())
}

impl From<&LogEntry> for LogRow {
    fn from(entry: &LogEntry) -> LogRow {
        LogRow {
            idx: entry.index as i64,
            kind: entry.kind.as_str().to_string(),
            certificate_number: entry.certificate_number.clone(),
            payload_sha256: entry.payload_sha256.clone(),
            at: entry.at.naive_utc(),
            reason: entry.reason.clone(),
            prev_hash: entry.prev_hash.clone(),
            hash: entry.hash.clone(),
            effective_until: entry.until,
            related_number: entry.related.clone(),
            pdf_sha256: entry.pdf_sha256.clone(),
        }
    }
}

pub fn log(conn: &mut DbConn) -> QueryResult<Vec<LogEntry>> {
    Ok(issuance_log::table
        .order(issuance_log::idx.asc())
        .select(LogRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LogRow::into_entry)
        .collect())
}

/// The log's entries `from` through `through`, both included, in order: what continues a
/// chain verified up to `from` (issue #19: walking the whole log on every view of a
/// certificate read 3,000 entries at national scale).
pub fn log_between(conn: &mut DbConn, from: u64, through: u64) -> QueryResult<Vec<LogEntry>> {
    let index = |i: u64| i64::try_from(i).unwrap_or(i64::MAX);
    Ok(issuance_log::table
        .filter(issuance_log::idx.between(index(from), index(through)))
        .order(issuance_log::idx.asc())
        .select(LogRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LogRow::into_entry)
        .collect())
}

/// The log's entries at `indices` (those that exist), in order.
pub fn log_at(conn: &mut DbConn, indices: &[u64]) -> QueryResult<Vec<LogEntry>> {
    let indices: Vec<i64> = indices
        .iter()
        .map(|i| i64::try_from(*i).unwrap_or(i64::MAX))
        .collect();
    Ok(issuance_log::table
        .filter(issuance_log::idx.eq_any(indices))
        .order(issuance_log::idx.asc())
        .select(LogRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LogRow::into_entry)
        .collect())
}

/// The log entries of one certificate, oldest first.
pub fn log_of(conn: &mut DbConn, number: &str) -> QueryResult<Vec<LogEntry>> {
    Ok(issuance_log::table
        .filter(issuance_log::certificate_number.eq(number))
        .order(issuance_log::idx.asc())
        .select(LogRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LogRow::into_entry)
        .collect())
}

/// Ids of a round's applications in any of the statuses, oldest first.
pub fn round_applications(
    conn: &mut DbConn,
    round: RoundId,
    statuses: &[&str],
) -> QueryResult<Vec<ApplicationId>> {
    use crate::db::schema::applications;
    applications::table
        .filter(applications::round_id.eq(round))
        .filter(one_of(applications::status, statuses))
        .order(applications::created_at.asc())
        .select(applications::id)
        .load(conn)
}

/// One window of a round's certificates by number (descending when `backwards`), with
/// what the round page lists of each and the enterprise's Chinese name, in one query (one
/// range of `certificates_round_number`): a past national round has 3,000 certificates,
/// and listing them all with two lookups each made its page a megabyte and 770 ms.
pub fn of_round_page(
    conn: &mut DbConn,
    round: RoundId,
    at: &super::KeysetAt<String>,
) -> QueryResult<Vec<RoundCertificateRow>> {
    use crate::db::schema::{applications, enterprises};
    let q = certificates::table
        .inner_join(applications::table.on(applications::id.eq(certificates::application_id)))
        .inner_join(enterprises::table.on(enterprises::id.eq(applications::enterprise_id)))
        .filter(certificates::round_id.eq(round))
        .into_boxed();
    super::keyset_window!(q, at, asc certificates::number)
        .select((
            certificates::number,
            enterprises::name_zh,
            certificates::part_code,
            certificates::issued_at,
            certificates::revoked_at,
        ))
        .load(conn)
}

/// A line of a round's certificates: number, enterprise (Chinese name), part, issued and
/// revoked at.
pub type RoundCertificateRow = (String, String, String, NaiveDateTime, Option<NaiveDateTime>);

/// How many certificates a round's applications have.
pub fn count_in_round(conn: &mut DbConn, round: RoundId) -> QueryResult<i64> {
    certificates::table
        .filter(certificates::round_id.eq(round))
        .count()
        .get_result(conn)
}

/// The certificates of an enterprise's applications, by number.
pub fn of_enterprise(
    conn: &mut DbConn,
    enterprise: crate::domain::ids::EnterpriseId,
) -> QueryResult<Vec<CertificateRow>> {
    use crate::db::schema::applications;
    certificates::table
        .filter(
            certificates::application_id.eq_any(
                applications::table
                    .filter(applications::enterprise_id.eq(enterprise))
                    .select(applications::id),
            ),
        )
        .order(certificates::number.asc())
        .select(CertificateRow::as_select())
        .load(conn)
}

/// Inserts many certificates and their issuance-log entries, which the caller chained
/// onto [`log_head`] (bulk loads, under [`lock_issuance`]).
pub fn insert_many(
    conn: &mut DbConn,
    rows: &[CertificateRow],
    entries: &[LogEntry],
) -> QueryResult<usize> {
    let log: Vec<LogRow> = entries.iter().map(LogRow::from).collect();
    super::insert_all!(conn, certificates::table, rows)?;
    super::insert_all!(conn, issuance_log::table, &log)?;
    Ok(rows.len())
}

/// How many certificates there are.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    certificates::table.count().get_result(conn)
}

/// What a page of the directory is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    /// Part of the enterprise's name (any case), or the start of its credit code.
    pub search: Option<String>,
    /// Only certificates of this part.
    pub part: Option<String>,
}

/// The certificates the public directory lists on `today`: of applications whose
/// enterprise consented, neither withdrawn, suspended nor replaced (by the copies on the
/// row) nor expired.
fn in_directory<'a>(today: NaiveDate) -> certificates::BoxedQuery<'a, crate::db::MultiBackend> {
    certificates::table.filter(listed_on(today)).into_boxed()
}

/// The condition of [`in_directory`], for queries a boxed one cannot make (grouped).
fn listed_on<'a>(
    today: NaiveDate,
) -> Box<
    dyn BoxableExpression<
            certificates::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        > + 'a,
> {
    use crate::db::schema::applications;
    Box::new(
        certificates::application_id
            .eq_any(
                applications::table
                    .filter(applications::directory_consent.eq(true))
                    .select(applications::id),
            )
            .and(certificates::revoked_at.is_null())
            .and(certificates::suspended_until.is_null())
            .and(certificates::superseded_by.is_null())
            .and(certificates::valid_until.ge(today)),
    )
}

/// The payload of the first certificate (by number) of each part the directory lists on
/// `today`, by part code: what the directory's part filter offers, named as certified.
pub fn directory_parts(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<String>> {
    use diesel::dsl::min;
    // Two queries whatever the number of parts (one a part was a round trip each).
    let firsts: Vec<(String, Option<String>)> = certificates::table
        .filter(listed_on(today))
        .group_by(certificates::part_code)
        .select((certificates::part_code, min(certificates::number)))
        .order(certificates::part_code.asc())
        .load(conn)?;
    let numbers: Vec<String> = firsts.into_iter().filter_map(|(_, n)| n).collect();
    certificates::table
        .filter(certificates::number.eq_any(numbers))
        .order(certificates::part_code.asc())
        .select(certificates::payload)
        .load(conn)
}

/// One window of [`in_directory`], by number (descending when `backwards`), past the
/// number `at.key` (index `certificates_part_number` with a part, else the unique index
/// on `number`).
pub fn directory_page(
    conn: &mut DbConn,
    filter: &DirectoryFilter,
    today: NaiveDate,
    at: &super::KeysetAt<String>,
) -> QueryResult<Vec<CertificateRow>> {
    use crate::db::schema::{applications, enterprises};
    let mut q = in_directory(today);
    if let Some(text) = &filter.search {
        q = q.filter(
            certificates::application_id.eq_any(
                applications::table
                    .filter(
                        applications::enterprise_id.eq_any(
                            enterprises::table
                                .filter(super::enterprise_matches!(text))
                                .select(enterprises::id),
                        ),
                    )
                    .select(applications::id),
            ),
        );
    }
    if let Some(p) = &filter.part {
        q = q.filter(certificates::part_code.eq(p.clone()));
    }
    super::keyset_window!(q, at, asc certificates::number)
        .select(CertificateRow::as_select())
        .load(conn)
}
