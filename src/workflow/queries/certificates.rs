//! Reads of certificates and their signing keys.

pub use crate::db::models::certificates::{CertificateRow, KeyRow};

use crate::db::models::certificates as store;
use crate::db::DbConn;
use crate::refusal::Refusal;

/// Every signing key, oldest first.
pub fn keys(conn: &mut DbConn) -> Result<Vec<KeyRow>, Refusal> {
    Ok(store::keys(conn)?)
}

/// The certificate issued for an application, revoked or not.
pub fn of_application(
    conn: &mut DbConn,
    application: crate::domain::ids::ApplicationId,
) -> Result<Option<CertificateRow>, Refusal> {
    Ok(store::by_application(conn, application)?)
}

/// The certificates of a round's applications, each with its enterprise's name.
pub fn of_round(
    conn: &mut DbConn,
    round: crate::domain::ids::RoundId,
) -> Result<Vec<crate::workflow::views::certificates::CertificateListing>, Refusal> {
    use crate::db::models::{applications, enterprises};
    let mut out = Vec::new();
    for row in store::of_round(conn, round)? {
        let app = applications::get(conn, row.application_id)?.ok_or(Refusal::NotFound)?;
        let e = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
        out.push(crate::workflow::views::certificates::certificate_listing(
            row, e.name_zh,
        ));
    }
    Ok(out)
}

/// A certificate by its number, revoked or not.
pub fn by_number(conn: &mut DbConn, number: &str) -> Result<Option<CertificateRow>, Refusal> {
    Ok(store::by_number(conn, number)?)
}
