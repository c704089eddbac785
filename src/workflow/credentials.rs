//! Verifiable Credentials of certificates (issue 18): the signed credential of each
//! certificate, its bits in the revocation and suspension status lists, the signed status
//! list credentials, and the issuer's controller documents.
//!
//! A certificate gets its credential and status index in the transaction that issues it.
//! Certificates issued in bulk (national seed, bulk load) or before credentials existed
//! get theirs on first request, with the bits their issuance log tells.

use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use serde::Serialize;

use super::certificates::{load_private, published_keys, signed_of, Issuer};
use crate::db::models::certificates::{self as store, CertificateRow};
use crate::db::models::credentials::{self as creds, CredentialRow};
use crate::db::{write_tx, DbConn};
use crate::domain::certificate::{self as cert, CertificatePayload};
use crate::domain::certificate_status::{self as states, CertState, Standing};
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

/// Signs and stores the credential of a certificate with the next status index, and sets
/// the bits its state asks for. Run inside the caller's transaction, under the issuance
/// lock.
pub(super) fn issue_for(
    conn: &mut DbConn,
    issuer: &Issuer,
    key: &SigningKey,
    row: &CertificateRow,
    payload: &CertificatePayload,
    bits: (bool, bool),
) -> Result<CredentialRow, Refusal> {
    let index = creds::next_status_index(conn)?;
    let created: DateTime<Utc> = Utc::now().trunc_subsecs(0);
    let urls = IssuerUrls::new(&issuer.base_url);
    let credential = vc::credential_json(
        &CredentialInput {
            payload,
            urls: &urls,
            status_index: index as u64,
            created,
        },
        key,
    );
    let stored = CredentialRow {
        certificate_id: row.id.clone(),
        status_index: index,
        credential,
        created_at: created.naive_utc(),
    };
    creds::insert(conn, &stored)?;
    let (revoked, suspended) = bits;
    for (purpose, set) in [
        (StatusPurpose::Revocation, revoked),
        (StatusPurpose::Suspension, suspended),
    ] {
        if set {
            creds::set_status(conn, purpose, index as u64, true, created.naive_utc())?;
        }
    }
    Ok(stored)
}

/// Sets or clears a certificate's bit, in the caller's transaction (the one that changes
/// the certificate's state). A certificate without a credential yet has no bit: its
/// credential, made later, starts from the state its log then tells.
pub(super) fn mark(
    conn: &mut DbConn,
    certificate_id: &str,
    purpose: StatusPurpose,
    set: bool,
) -> Result<(), Refusal> {
    if let Some(c) = creds::of_certificate(conn, certificate_id)? {
        creds::set_status(
            conn,
            purpose,
            c.status_index as u64,
            set,
            Utc::now().trunc_subsecs(0).naive_utc(),
        )?;
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
/// public, like the certificate's verification. Made on first request for a certificate
/// issued without one.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn credential_of(conn: &mut DbConn, issuer: &Issuer, number: &str) -> Result<String, Refusal> {
    if cert::parse_certificate_number(number).is_none() {
        return Err(Refusal::NotFound);
    }
    let row = store::by_number(conn, number)?.ok_or(Refusal::NotFound)?;
    if let Some(c) = creds::of_certificate(conn, &row.id)? {
        return Ok(c.credential);
    }
    write_tx(conn, |conn| {
        store::lock_issuance(conn)?;
        if let Some(c) = creds::of_certificate(conn, &row.id)? {
            return Ok(c.credential);
        }
        let signed = signed_of(&row)?;
        let entries = store::log_of(conn, number)?;
        let valid_until = signed.payload.valid_until;
        let state = states::from_log(&entries, valid_until).map_err(|problem| {
            tracing::error!(%problem, number, "certificate log entries tell no state");
            Refusal::Conflict(Code::CertificateLogInconsistent.with("number", number))
        })?;
        let revoked = matches!(state, CertState::Withdrawn { .. });
        let suspended = state.standing(Utc::now().date_naive(), valid_until) == Standing::Suspended;
        // A certificate exists, so a key does.
        let key_row = store::current_key(conn)?
            .ok_or_else(|| Refusal::Invalid(Code::SigningKeyInvalid.into()))?;
        let key = load_private(issuer, &key_row)?;
        Ok(issue_for(
            conn,
            issuer,
            &key,
            &row,
            &signed.payload,
            (revoked, suspended),
        )?
        .credential)
    })
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
