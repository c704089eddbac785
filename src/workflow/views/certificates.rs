//! Certificates as lists show them (the round page, the inbox), one certificate as the API
//! and the application page show it, and the public directory.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::db::models::certificates::{CertificateRow, RoundCertificateRow};
use crate::domain::certificate::CertificatePayload;
use crate::workflow::certificates::Verification;

/// One issued certificate: the number links to its PDF and its `/verify` page.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateListing {
    pub number: String,
    pub enterprise_name: String,
    pub part_code: String,
    pub issued_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn certificate_listing(row: RoundCertificateRow) -> CertificateListing {
    let (number, enterprise_name, part_code, issued_at, revoked_at) = row;
    CertificateListing {
        number,
        enterprise_name,
        part_code,
        issued_at,
        revoked_at,
    }
}

/// A certificate as the API answers it and the application page shows it; its state is
/// the one `/verify` tells, read from the issuance log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateSummary {
    pub id: String,
    pub number: String,
    pub application_id: String,
    pub key_id: String,
    pub issued_at: DateTime<Utc>,
    /// valid, suspended, revoked (withdrawn), superseded, expired or unverifiable.
    pub status: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    /// The last day of the current suspension.
    pub suspended_until: Option<NaiveDate>,
    /// The certificate that replaced this one.
    pub superseded_by: Option<String>,
    /// The certificate this one replaced with a narrower scope.
    pub supersedes: Option<String>,
    /// The certificate this one renews after a re-assessment.
    pub renews: Option<String>,
    /// The successor that renewed this one.
    pub renewed_by: Option<String>,
    pub scope_zh: String,
    pub scope_en: Option<String>,
    pub pdf_url: String,
    pub verify_url: String,
    /// False when the application already had this certificate.
    pub created: bool,
}

pub fn certificate_summary(
    row: CertificateRow,
    verification: Verification,
    verify_url: String,
    created: bool,
) -> CertificateSummary {
    let payload = verification.payload;
    CertificateSummary {
        verify_url,
        pdf_url: format!("/certificates/{}.pdf", row.number),
        id: row.id,
        number: row.number,
        application_id: row.application_id.to_string(),
        key_id: row.key_id,
        // Stored as UTC without an offset; the API states it (RFC 3339 `date-time`).
        issued_at: row.issued_at.and_utc(),
        status: verification.status,
        revoked_at: verification.revoked_at.map(|t| t.and_utc()),
        revoke_reason: verification.revoke_reason,
        suspended_until: verification.suspended_until,
        superseded_by: verification.superseded_by,
        renewed_by: verification.renewed_by,
        supersedes: payload.as_ref().and_then(|p| p.supersedes.clone()),
        renews: payload.as_ref().and_then(|p| p.renews.clone()),
        scope_zh: payload
            .as_ref()
            .map(|p| p.scope_zh.clone())
            .unwrap_or_default(),
        scope_en: payload.and_then(|p| p.english_scope().map(str::to_string)),
        created,
    }
}

/// A certificate in force as the public directory lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DirectoryEntry {
    pub number: String,
    pub enterprise_name_zh: String,
    pub enterprise_name_en: String,
    pub part_code: String,
    pub part_name_zh: String,
    pub part_name_en: String,
    pub level: u8,
    pub level_name_zh: String,
    pub level_name_en: String,
    pub scope_zh: String,
    pub scope_en: Option<String>,
    pub issue_date: NaiveDate,
    pub valid_until: NaiveDate,
    pub verify_url: String,
}

pub fn directory_entry(p: CertificatePayload, verify_url: String) -> DirectoryEntry {
    DirectoryEntry {
        scope_en: p.english_scope().map(str::to_string),
        number: p.certificate_number,
        enterprise_name_zh: p.enterprise_name_zh,
        enterprise_name_en: p.enterprise_name_en,
        part_code: p.part_code,
        part_name_zh: p.part_name_zh,
        part_name_en: p.part_name_en,
        level: p.level,
        level_name_zh: p.level_name_zh,
        level_name_en: p.level_name_en,
        scope_zh: p.scope_zh,
        issue_date: p.issue_date,
        valid_until: p.valid_until,
        verify_url,
    }
}
