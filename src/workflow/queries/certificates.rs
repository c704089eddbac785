//! Reads of certificates and their signing keys.

pub use crate::db::models::certificates::{CertificateRow, DirectoryFilter, KeyRow};

use chrono::Utc;

use crate::db::models::certificates as store;
use crate::db::models::KeysetAt;
use crate::db::DbConn;
use crate::domain::catalog::Bilingual;
use crate::domain::certificate::CertificatePayload;
use crate::domain::listing::{assemble, Cursor, Page, Window};
use crate::refusal::Refusal;
use crate::workflow::certificate_log::VerifiedLog;
use crate::workflow::certificates::{verify_number, Issuer};
use crate::workflow::views::certificates::{
    certificate_listing, certificate_summary, directory_entry, CertificateListing,
    CertificateSummary, DirectoryEntry,
};

/// Every signing key, oldest first.
pub fn keys(conn: &mut DbConn) -> Result<Vec<KeyRow>, Refusal> {
    Ok(store::keys(conn)?)
}

/// The round page's list of the round's certificates, in its cursors.
pub const ROUND_CERTIFICATES_LIST: &str = "round-certificates";

/// A page of the certificates of a round's applications by number, each with its
/// enterprise's name, and how many the round has.
pub fn of_round(
    conn: &mut DbConn,
    round: crate::domain::ids::RoundId,
    window: &Window,
) -> Result<(Page<CertificateListing>, i64), Refusal> {
    let at = KeysetAt {
        key: window.cursor().map(|c| c.parts()[0].clone()),
        backwards: window.backwards(),
        fetch: window.limit.fetch(),
    };
    let rows = store::of_round_page(conn, round, &at)?
        .into_iter()
        .map(certificate_listing)
        .collect();
    let page = assemble(
        ROUND_CERTIFICATES_LIST,
        window,
        rows,
        |c: &CertificateListing| Cursor::new(vec![c.number.clone()]),
    );
    Ok((page, store::count_in_round(conn, round)?))
}

/// A certificate by its number, revoked or not.
pub fn by_number(conn: &mut DbConn, number: &str) -> Result<Option<CertificateRow>, Refusal> {
    Ok(store::by_number(conn, number)?)
}

/// A certificate as the API answers it, its state read from the issuance log.
pub fn summary(
    conn: &mut DbConn,
    log: &VerifiedLog,
    issuer: &Issuer,
    row: CertificateRow,
    created: bool,
) -> Result<CertificateSummary, Refusal> {
    let verification = verify_number(conn, log, &row.number, Utc::now().date_naive())?;
    let url = issuer.verify_url(&row.number);
    Ok(certificate_summary(row, verification, url, created))
}

/// The application's current certificate (the newest, after a scope reduction), as its
/// page shows it.
pub fn summary_of_application(
    conn: &mut DbConn,
    log: &VerifiedLog,
    issuer: &Issuer,
    application: crate::domain::ids::ApplicationId,
) -> Result<Option<CertificateSummary>, Refusal> {
    match store::by_application(conn, application)? {
        Some(row) => Ok(Some(summary(conn, log, issuer, row, false)?)),
        None => Ok(None),
    }
}

/// The name of the directory in its cursors (whose one part is a certificate number).
pub const DIRECTORY_LIST: &str = "directory";

/// One page of the public directory on `today`: certificates in force of enterprises
/// that consented, narrowed by `filter`, by number.
pub fn directory(
    conn: &mut DbConn,
    issuer: &Issuer,
    filter: &DirectoryFilter,
    window: &Window,
    today: chrono::NaiveDate,
) -> Result<Page<DirectoryEntry>, Refusal> {
    let at = KeysetAt {
        key: window.cursor().map(|c| c.parts()[0].clone()),
        backwards: window.backwards(),
        fetch: window.limit.fetch(),
    };
    let in_force: Vec<CertificatePayload> = store::directory_page(conn, filter, today, &at)?
        .into_iter()
        .filter_map(|row| serde_json::from_str::<CertificatePayload>(&row.payload).ok())
        .collect();
    let page = assemble(
        DIRECTORY_LIST,
        window,
        in_force,
        |p: &CertificatePayload| Cursor::new(vec![p.certificate_number.clone()]),
    );
    Ok(page.map(|p| {
        let url = issuer.verify_url(&p.certificate_number);
        directory_entry(p, url)
    }))
}

/// The parts the directory lists on `today`, by code, named as their certificates name
/// them: the choices of its part filter.
pub fn directory_parts(
    conn: &mut DbConn,
    today: chrono::NaiveDate,
) -> Result<Vec<(String, Bilingual)>, Refusal> {
    Ok(store::directory_parts(conn, today)?
        .iter()
        .filter_map(|payload| serde_json::from_str::<CertificatePayload>(payload).ok())
        .map(|p| {
            let name = Bilingual {
                zh: p.part_name_zh,
                en: p.part_name_en,
            };
            (p.part_code, name)
        })
        .collect())
}
