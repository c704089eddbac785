//! Certificates as lists show them: the round page (secretariat) and the inbox.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::certificates::CertificateRow;

/// One issued certificate: the number links to its PDF and its `/verify` page.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateListing {
    pub number: String,
    pub enterprise_name: String,
    pub part_code: String,
    pub issued_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn certificate_listing(row: CertificateRow, enterprise_name: String) -> CertificateListing {
    CertificateListing {
        number: row.number,
        enterprise_name,
        part_code: row.part_code,
        issued_at: row.issued_at,
        revoked_at: row.revoked_at,
    }
}
