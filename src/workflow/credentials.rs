//! Verifiable Credentials of certificates (issue 18): the signed credential of each
//! certificate, its bits in the revocation and suspension status lists, the signed status
//! list credentials, and the issuer's controller documents.
//!
//! A certificate gets its credential and status index in the transaction that issues it,
//! before its PDF is rendered (the PDF carries it). Certificates issued without one
//! (bulk loads, or before credentials existed) get theirs from [`backfill`], which
//! start-up and the bulk load run: reading a credential never writes.

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use serde::Serialize;

use super::certificates::{load_private, published_keys, signed_of, Issuer};
use crate::db::models::certificates::{self as store, CertificateRow};
use crate::db::models::credentials::{self as creds, CredentialRow};
use crate::db::{write_tx, DbConn};
use crate::domain::certificate as cert;
use crate::domain::certificate_status::{self as states, CertState};
use crate::domain::credential::{
    self as vc, CredentialInput, IssuerUrls, StatusPurpose, StatusSlot,
};
use crate::refusal::{Code, Refusal};

/// One of a credential's status-list bits, as verification reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusBit {
    /// `revocation` or `suspension`.
    pub purpose: String,
    /// The status list (`/credentials/status/{purpose}/{list}`).
    pub list: u32,
    /// The credential's `statusListIndex` in that list.
    pub index: u32,
    /// Set: revoked, or suspended.
    pub set: bool,
}

/// Where a new credential's bits go and when it is signed: the next status index (the
/// caller holds the issuance lock) and now, in whole seconds.
pub(super) fn next_slot(conn: &mut DbConn) -> Result<(u64, DateTime<Utc>), Refusal> {
    let index = creds::next_status_index(conn)?;
    Ok((index as u64, Utc::now().trunc_subsecs(0)))
}

/// Stores a credential signed in the caller's transaction, and sets the bits `state` asks
/// for.
pub(super) fn store(
    conn: &mut DbConn,
    certificate_id: &str,
    (status_index, created): (u64, DateTime<Utc>),
    credential: String,
    state: &CertState,
) -> Result<CredentialRow, Refusal> {
    let stored = CredentialRow {
        certificate_id: certificate_id.to_string(),
        status_index: status_index as i64,
        credential,
        created_at: created.naive_utc(),
    };
    creds::insert(conn, &stored)?;
    // A new index's bits are clear: only a set one is written.
    if vc::status_of(state) != (false, false) {
        reflect(conn, certificate_id, state)?;
    }
    Ok(stored)
}

/// Sets both of a certificate's bits to what its state tells ([`vc::status_of`]), in the
/// caller's transaction: the one that changes the state. A certificate without a
/// credential yet has no bits; the backfill gives it the ones its log then tells.
pub(super) fn reflect(
    conn: &mut DbConn,
    certificate_id: &str,
    state: &CertState,
) -> Result<(), Refusal> {
    let Some(c) = creds::of_certificate(conn, certificate_id)? else {
        return Ok(());
    };
    let (revoked, suspended) = vc::status_of(state);
    let at = Utc::now().trunc_subsecs(0).naive_utc();
    for (purpose, set) in [
        (StatusPurpose::Revocation, revoked),
        (StatusPurpose::Suspension, suspended),
    ] {
        creds::set_status(conn, purpose, c.status_index as u64, set, at)?;
    }
    Ok(())
}

/// The bits of a certificate's credential; empty when it has none yet.
pub(super) fn status_bits(
    conn: &mut DbConn,
    certificate_id: &str,
) -> Result<Vec<StatusBit>, Refusal> {
    let Some(c) = creds::of_certificate(conn, certificate_id)? else {
        return Ok(Vec::new());
    };
    let slot = StatusSlot::of_index(c.status_index as u64);
    let mut bits = Vec::new();
    for purpose in StatusPurpose::ALL {
        let list = creds::status_list(conn, purpose, slot.list)?;
        bits.push(StatusBit {
            purpose: purpose.as_str().into(),
            list: slot.list,
            index: slot.position,
            set: list.is_some_and(|l| vc::bit(&l.bits, slot.position)),
        });
    }
    Ok(bits)
}

/// The signed credential of a certificate, JSON text (`/certificates/{number}.json`):
/// public, like the certificate's verification. Reads only: a certificate the backfill has
/// not reached yet is not found.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn credential_of(conn: &mut DbConn, number: &str) -> Result<String, Refusal> {
    if cert::parse_certificate_number(number).is_none() {
        return Err(Refusal::NotFound);
    }
    let row = store::by_number(conn, number)?.ok_or(Refusal::NotFound)?;
    match creds::of_certificate(conn, &row.id)? {
        Some(c) => Ok(c.credential),
        None => {
            tracing::warn!(
                number,
                "certificate without a credential: run the backfill (restart)"
            );
            Err(Refusal::NotFound)
        }
    }
}

/// Certificates one backfill transaction signs credentials for.
const BACKFILL_BATCH: i64 = 500;

/// Gives every certificate without a credential (bulk-loaded, or issued before credentials
/// existed) its credential and status index, with the bits its issuance log tells, signed
/// with the current key. Batches of [`BACKFILL_BATCH`], one transaction each under the
/// issuance lock; answers how many were made. Start-up runs it (a no-op once done), and
/// so does the bulk load after its certificates.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn backfill(conn: &mut DbConn, issuer: &Issuer) -> Result<usize, Refusal> {
    let mut made = 0;
    loop {
        let n = write_tx(conn, |conn| -> Result<usize, Refusal> {
            store::lock_issuance(conn)?;
            let rows = creds::certificates_without(conn, BACKFILL_BATCH)?;
            if rows.is_empty() {
                return Ok(0);
            }
            // A certificate exists, so a key does.
            let key_row = store::current_key(conn)?
                .ok_or_else(|| Refusal::Invalid(Code::SigningKeyInvalid.into()))?;
            let key = load_private(issuer, &key_row)?;
            for row in &rows {
                issue_for(conn, issuer, &key, row)?;
            }
            Ok(rows.len())
        })?;
        if n == 0 {
            return Ok(made);
        }
        made += n;
    }
}

/// Signs and stores the credential of a certificate issued without one, with the bits its
/// issuance log tells. Inside the backfill's transaction.
fn issue_for(
    conn: &mut DbConn,
    issuer: &Issuer,
    key: &SigningKey,
    row: &CertificateRow,
) -> Result<CredentialRow, Refusal> {
    let signed = signed_of(row)?;
    let entries = store::log_of(conn, &row.number)?;
    let state = states::from_log(&entries, signed.payload.valid_until).map_err(|problem| {
        tracing::error!(%problem, number = %row.number, "certificate log entries tell no state");
        Refusal::Conflict(Code::CertificateLogInconsistent.with("number", &row.number))
    })?;
    let slot = next_slot(conn)?;
    let urls = IssuerUrls::new(&issuer.base_url);
    let credential = vc::credential_json(
        &CredentialInput {
            payload: &signed.payload,
            urls: &urls,
            status_index: slot.0,
            created: slot.1,
        },
        key,
    );
    store(conn, &row.id, slot, credential, &state)
}

/// A signed status list credential and its entity tag.
#[derive(Debug, Clone)]
pub struct StatusListDocument {
    pub json: String,
    /// Changes with the bits and with the signing key.
    pub etag: String,
}

/// `/credentials/status/{purpose}/{list}`: the list, signed with the current key. A list
/// no credential points into yet is not found.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn status_list(
    conn: &mut DbConn,
    issuer: &Issuer,
    purpose: &str,
    list: &str,
) -> Result<StatusListDocument, Refusal> {
    let purpose = StatusPurpose::parse(purpose).ok_or(Refusal::NotFound)?;
    // Only the canonical spelling of a number ("1", not "01" or "+1"): one URL per list.
    let canonical =
        list.bytes().all(|b| b.is_ascii_digit()) && (list == "0" || !list.starts_with('0'));
    let list: u32 = list
        .parse()
        .ok()
        .filter(|_| canonical)
        .ok_or(Refusal::NotFound)?;
    let next = creds::next_status_index(conn)? as u64;
    let last_list = StatusSlot::of_index(next.saturating_sub(1)).list;
    if list > last_list {
        return Err(Refusal::NotFound);
    }
    let key_row = store::current_key(conn)?.ok_or(Refusal::NotFound)?;
    let key = load_private(issuer, &key_row)?;
    let stored = creds::status_list(conn, purpose, list)?;
    let (bits, version, updated) = match stored {
        Some(l) => (l.bits, l.version, l.updated_at),
        None => (vec![0; vc::LIST_BYTES], 0, key_row.created_at),
    };
    let updated = DateTime::<Utc>::from_naive_utc_and_offset(updated, Utc).trunc_subsecs(0);
    let urls = IssuerUrls::new(&issuer.base_url);
    let credential = vc::status_list_credential(&urls, purpose, list, &bits, updated, &key);
    Ok(StatusListDocument {
        json: serde_json::to_string_pretty(&credential).expect("JSON values serialise"),
        etag: format!("\"{}-{list}-{version}-{}\"", purpose.as_str(), key_row.id),
    })
}

/// The issuer's controller document (`/issuer`): every key, rotated ones too.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn controller_document(
    conn: &mut DbConn,
    issuer: &Issuer,
) -> Result<serde_json::Value, Refusal> {
    let urls = IssuerUrls::new(&issuer.base_url);
    Ok(vc::controller_document(&urls, &published_keys(conn)?))
}

/// The same keys as the `did:web` document (`/.well-known/did.json`).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn did_document(conn: &mut DbConn, issuer: &Issuer) -> Result<serde_json::Value, Refusal> {
    let urls = IssuerUrls::new(&issuer.base_url);
    Ok(vc::did_document(&urls, &published_keys(conn)?))
}
