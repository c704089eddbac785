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
