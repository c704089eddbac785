//! Reads of certificates and their signing keys.

pub use crate::db::models::certificates::{CertificateRow, KeyRow};

use chrono::Utc;

use crate::db::models::certificates as store;
use crate::db::DbConn;
use crate::domain::certificate::CertificatePayload;
use crate::refusal::Refusal;
use crate::workflow::certificates::{verify_number, Issuer};
use crate::workflow::views::certificates::{
    certificate_summary, directory_entry, CertificateSummary, DirectoryEntry,
};

/// Every signing key, oldest first.
pub fn keys(conn: &mut DbConn) -> Result<Vec<KeyRow>, Refusal> {
    Ok(store::keys(conn)?)
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

/// A certificate as the API answers it, its state read from the issuance log.
pub fn summary(
    conn: &mut DbConn,
    issuer: &Issuer,
    row: CertificateRow,
    created: bool,
) -> Result<CertificateSummary, Refusal> {
    let verification = verify_number(conn, &row.number, Utc::now().date_naive())?;
    let url = issuer.verify_url(&row.number);
    Ok(certificate_summary(row, verification, url, created))
}

/// The application's current certificate (the newest, after a scope reduction), as its
/// page shows it.
pub fn summary_of_application(
    conn: &mut DbConn,
    issuer: &Issuer,
    application: crate::domain::ids::ApplicationId,
) -> Result<Option<CertificateSummary>, Refusal> {
    match store::by_application(conn, application)? {
        Some(row) => Ok(Some(summary(conn, issuer, row, false)?)),
        None => Ok(None),
    }
}

/// The public directory on `today`: certificates in force of enterprises that consented,
/// those whose Chinese or English name contains `search` (any case) when one is given,
/// by enterprise and number.
pub fn directory(
    conn: &mut DbConn,
    issuer: &Issuer,
    search: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<Vec<DirectoryEntry>, Refusal> {
    let needle = search
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let mut out: Vec<DirectoryEntry> = store::directory(conn)?
        .into_iter()
        .filter_map(|row| serde_json::from_str::<CertificatePayload>(&row.payload).ok())
        .filter(|p| !p.is_expired_on(today))
        .filter(|p| {
            needle.as_ref().is_none_or(|n| {
                p.enterprise_name_zh.to_lowercase().contains(n)
                    || p.enterprise_name_en.to_lowercase().contains(n)
            })
        })
        .map(|p| {
            let url = issuer.verify_url(&p.certificate_number);
            directory_entry(p, url)
        })
        .collect();
    out.sort_by(|a, b| (&a.enterprise_name_zh, &a.number).cmp(&(&b.enterprise_name_zh, &b.number)));
    Ok(out)
}
