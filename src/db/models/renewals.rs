//! Renewals (feature: renewals): which application renews which certificate, and the
//! reminders the background job has sent about certificates (renewal invitations,
//! suspensions ending).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{applications, certificate_reminders, certificates, renewal_applications};
use crate::db::DbConn;
use crate::domain::application_status::Status;
use crate::domain::ids::{ApplicationId, EnterpriseId};

pub fn insert(
    conn: &mut DbConn,
    application: ApplicationId,
    renews: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(renewal_applications::table)
        .values((
            renewal_applications::application_id.eq(application),
            renewal_applications::renews_number.eq(renews),
            renewal_applications::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The certificate number an application renews, if it is a renewal.
pub fn renews(conn: &mut DbConn, application: ApplicationId) -> QueryResult<Option<String>> {
    renewal_applications::table
        .find(application)
        .select(renewal_applications::renews_number)
        .first(conn)
        .optional()
}

/// The statuses in which a renewal application is no longer under way.
const ENDED: [Status; 3] = [Status::Withdrawn, Status::Rejected, Status::Certified];

/// Whether an application renewing `number` is under way (neither withdrawn, rejected
/// nor certified).
pub fn under_way(conn: &mut DbConn, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        renewal_applications::table
            .inner_join(
                applications::table.on(applications::id.eq(renewal_applications::application_id)),
            )
            .filter(renewal_applications::renews_number.eq(number))
            .filter(applications::status.ne_all(ENDED)),
    ))
    .get_result(conn)
}

/// Records a reminder as sent; `false` when it was recorded before (by this or another
/// instance of the job): the caller then sends nothing.
pub fn claim_reminder(
    conn: &mut DbConn,
    number: &str,
    occasion: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let sent: bool = diesel::select(diesel::dsl::exists(
        certificate_reminders::table
            .filter(certificate_reminders::certificate_number.eq(number))
            .filter(certificate_reminders::occasion.eq(occasion)),
    ))
    .get_result(conn)?;
    if sent {
        return Ok(false);
    }
    // Two instances racing past the check: the primary key refuses the second insert
    // and its transaction (with its mail) is rolled back.
    diesel::insert_into(certificate_reminders::table)
        .values((
            certificate_reminders::certificate_number.eq(number),
            certificate_reminders::occasion.eq(occasion),
            certificate_reminders::sent_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The occasions recorded for a certificate.
pub fn occasions(conn: &mut DbConn, number: &str) -> QueryResult<Vec<String>> {
    certificate_reminders::table
        .filter(certificate_reminders::certificate_number.eq(number))
        .select(certificate_reminders::occasion)
        .load(conn)
}

/// Numbers of the certificates, neither withdrawn nor replaced (as their rows say), whose
/// last day of validity lies between `from` and `to`, both included (index
/// `certificates_valid_until`), so that the job does not load every certificate.
pub fn standing_with_validity_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<String>> {
    certificates::table
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::superseded_by.is_null())
        .filter(certificates::valid_until.between(from, to))
        .order(certificates::number.asc())
        .select(certificates::number)
        .load(conn)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many certificates of the enterprise the job has invited to renewal that are
/// neither withdrawn nor replaced, still valid on `today`, and not yet being renewed.
pub fn invited_count(
    conn: &mut DbConn,
    enterprise: EnterpriseId,
    today: NaiveDate,
) -> QueryResult<i64> {
    // The statuses are this module's constants, not input: safe to write into the SQL.
    let ended = ENDED
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = |p: [&str; 2]| {
        format!(
            "SELECT COUNT(*) AS n FROM certificates c \
             JOIN applications a ON a.id = c.application_id \
             WHERE a.enterprise_id = {} AND c.revoked_at IS NULL AND c.superseded_by IS NULL \
             AND c.valid_until >= {} \
             AND EXISTS (SELECT 1 FROM certificate_reminders r \
                 WHERE r.certificate_number = c.number AND r.occasion LIKE 'renewal_%') \
             AND NOT EXISTS (SELECT 1 FROM renewal_applications ra \
                 JOIN applications ra_app ON ra_app.id = ra.application_id \
                 WHERE ra.renews_number = c.number AND ra_app.status NOT IN ({ended}))",
            p[0], p[1]
        )
    };
    let enterprise = enterprise.to_string();
    let count: Count = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql(["?", "?"]))
            .bind::<diesel::sql_types::Text, _>(enterprise)
            .bind::<diesel::sql_types::Date, _>(today)
            .get_result(c)?,
        DbConn::Postgres(c) => diesel::sql_query(sql(["$1", "$2"]))
            .bind::<diesel::sql_types::Text, _>(enterprise)
            .bind::<diesel::sql_types::Date, _>(today)
            .get_result(c)?,
    };
    Ok(count.n)
}
