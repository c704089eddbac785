//! Issuing, rendering, verifying certificates and the secretariat's decisions on them
//! (feature: certs): suspension, reinstatement, withdrawal (revocation) and scope
//! reduction. Each writes the certificate, the issuance-log entry, the audit entry and the
//! e-mail in one transaction; verification tells the state from the issuance log.

use std::io::Write;
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;

use super::applications::move_status;
use super::credentials::{self, StatusBit};
use crate::db::models::applications::{self as apps, ApplicationRow};
use crate::db::models::audit;
use crate::db::models::certificates::{self as store, CertificateRow, KeyRow};
use crate::db::models::credentials as creds_store;
use crate::db::models::{catalog, enterprises, review, rounds, scoring};
use crate::db::{write_tx, DbConn};
use crate::domain::application_status::{Event, Status};
use crate::domain::audit::{Actor, Kind};
use crate::domain::catalog::Bilingual;
use crate::domain::certificate::{
    self as cert, CertificatePayload, DocumentCheck, LogEntry, LogEvent, LogKind,
    SignedCertificate, PAYLOAD_SCHEMA,
};
use crate::domain::certificate_lint::{lint, Approved};
use crate::domain::certificate_status::{self as states, CertEvent, CertState, Limits, Standing};
use crate::domain::credential::{self as vc, IssuerUrls, StatusPurpose};
use crate::domain::ids::{ApplicationId, RoundId, UserId};
use crate::mail::{self, Notification};
use crate::pdf::{self, CertificateView, Fonts, PdfError};
use crate::refusal::{Code, Reason, Refusal};
use crate::workflow::certificate_log::VerifiedLog;

/// Where keys live and what the QR code points at.
#[derive(Debug, Clone)]
pub struct Issuer {
    pub data_dir: PathBuf,
    pub base_url: String,
}

impl Issuer {
    pub fn verify_url(&self, number: &str) -> String {
        format!("{}/verify/{number}", self.base_url.trim_end_matches('/'))
    }

    fn key_path(&self, id: &str) -> PathBuf {
        self.data_dir.join("keys").join(format!("{id}.key"))
    }
}

/// The certificate fonts (see [`crate::pdf::shared_fonts`]).
pub fn fonts() -> Result<&'static Fonts, Refusal> {
    crate::pdf::shared_fonts().map_err(|e| {
        tracing::error!(error = %e, "certificate fonts unreadable");
        Refusal::Invalid(Code::CertificateFontsUnreadable.into())
    })
}

// ---- keys -----------------------------------------------------------------------------

/// A key's id: its fingerprint without the spaces.
pub fn key_id(key: &VerifyingKey) -> String {
    cert::key_fingerprint(key).replace(' ', "")
}

/// The cause is a file or library detail for the operator: it goes to the log.
fn key_error(e: impl std::fmt::Display) -> Refusal {
    tracing::error!(error = %e, "signing key unusable");
    Refusal::Invalid(Code::SigningKeyInvalid.into())
}

/// Makes a key, writes its private half to `keys/<id>.key` (0600) and records the public
/// half; the new key is the current one from now on.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn create_key(conn: &mut DbConn, issuer: &Issuer, actor: &Actor) -> Result<KeyRow, Refusal> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let id = key_id(&key.verifying_key());
    let path = issuer.key_path(&id);
    crate::private_files::create_dir_all(path.parent().expect("keys/ has a parent"))
        .map_err(key_error)?;
    let mut file = crate::private_files::new_file()
        .open(&path)
        .map_err(key_error)?;
    file.write_all(hex::encode(key.to_bytes()).as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(key_error)?;
    let row = store::insert_key(conn, &id, &BASE64.encode(key.verifying_key().as_bytes()))?;
    audit::append(
        conn,
        actor,
        Kind::SigningKeyCreated,
        ("signing_key", &id),
        serde_json::json!({ "seq": row.seq }),
    )?;
    Ok(row)
}

/// `certcase keys rotate`: a new current key; the old ones stay published.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn rotate(conn: &mut DbConn, issuer: &Issuer, actor: &Actor) -> Result<KeyRow, Refusal> {
    write_tx(conn, |conn| {
        store::lock_issuance(conn)?;
        create_key(conn, issuer, actor)
    })
}

pub(super) fn load_private(issuer: &Issuer, row: &KeyRow) -> Result<SigningKey, Refusal> {
    let path = issuer.key_path(&row.id);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| key_error(format!("{}: {e}", path.display())))?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| key_error(format!("{} is not a key", path.display())))?;
    let key = SigningKey::from_bytes(&bytes);
    if key_id(&key.verifying_key()) != row.id {
        return Err(key_error(format!(
            "{} does not hold key {}",
            path.display(),
            row.id
        )));
    }
    Ok(key)
}

/// Every published key as (id, key). A row that does not decode is left out.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn published_keys(conn: &mut DbConn) -> Result<Vec<(String, VerifyingKey)>, Refusal> {
    Ok(store::keys(conn)?
        .into_iter()
        .filter_map(|k| {
            let bytes: [u8; 32] = BASE64.decode(&k.public_key).ok()?.try_into().ok()?;
            Some((k.id, VerifyingKey::from_bytes(&bytes).ok()?))
        })
        .collect())
}

// ---- issuing --------------------------------------------------------------------------

/// Issues the certificate of an approved application dated today, or returns the one it
/// already has (`false`: nothing new).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn issue(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    by: UserId,
    application: ApplicationId,
) -> Result<(CertificateRow, bool), Refusal> {
    issue_on(
        conn,
        issuer,
        actor,
        by,
        application,
        Utc::now().date_naive(),
    )
}

/// As [`issue`], with the issue date given (tests of expiry, back-dated issuance).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn issue_on(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    by: UserId,
    application: ApplicationId,
    issue_date: NaiveDate,
) -> Result<(CertificateRow, bool), Refusal> {
    write_tx(conn, |conn| {
        store::lock_issuance(conn)?;
        if let Some(existing) = store::by_application(conn, application)? {
            return Ok((existing, false));
        }
        let app = apps::get(conn, application)?.ok_or(Refusal::NotFound)?;
        if app.status != Status::Approved {
            return Err(Refusal::Conflict(
                Code::CertificateNeedsApproval.with("status", app.status),
            ));
        }
        let (key_row, key) = signing_key(conn, issuer, actor)?;
        let facts = Facts::read(conn, &app)?;
        let year = facts.round.registration_opens.year();
        let serial = store::next_serial(conn, year, &app.part_code)?;
        let number = cert::certificate_number(year, &app.part_code, serial as u32);
        let renews = super::renewals::renews(conn, app.id)?;
        let payload = CertificatePayload {
            renews: renews.clone(),
            ..facts.payload(&app, &number, issue_date, &key_row.id)
        };
        let (signed, pdf, row) =
            sign_and_store(conn, issuer, &app, &facts, &key, payload, (year, serial))?;
        append_log(
            conn,
            LogKind::Issued,
            &signed.payload,
            Noted {
                pdf_sha256: Some(pdf_sha256(&pdf)),
                related: renews.clone(),
                ..Noted::default()
            },
        )?;
        // A renewal's successor and the old certificate's renewal are one decision.
        if let Some(old) = &renews {
            super::renewals::mark_renewed(conn, actor, old, &number, Utc::now().date_naive())?;
        }
        audit::append(
            conn,
            actor,
            Kind::CertificateIssued,
            ("certificate", &row.id),
            serde_json::json!({
                "number": number,
                "application": app.id,
                "level": signed.payload.level,
                "key_id": key_row.id,
            }),
        )?;
        mail::enqueue_to_enterprise(
            conn,
            app.enterprise_id,
            &Notification::CertificateIssued {
                certificate_id: number.clone(),
                part: app.part_code.clone(),
                level: i32::from(signed.payload.level),
                verify_url: issuer.verify_url(&number),
            },
        )?;
        move_status(conn, &app, &Event::Certify, "certify", None, by)?;
        Ok((row, true))
    })
}

/// The key certificates are signed with: the current one, or a new one at the first issue.
fn signing_key(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
) -> Result<(KeyRow, SigningKey), Refusal> {
    let row = match store::current_key(conn)? {
        Some(k) => k,
        None => create_key(conn, issuer, actor)?,
    };
    let key = load_private(issuer, &row)?;
    Ok((row, key))
}

/// Signs `payload` for `app`, renders the PDF that carries it and its credential, and
/// stores the certificate (serial `numbering.1` of year `numbering.0`) with its credential
/// in force: what an issue and a scope reduction's successor share. The holder printed is
/// the payload's.
fn sign_and_store(
    conn: &mut DbConn,
    issuer: &Issuer,
    app: &ApplicationRow,
    facts: &Facts,
    key: &SigningKey,
    payload: CertificatePayload,
    numbering: (i32, i32),
) -> Result<(SignedCertificate, Vec<u8>, CertificateRow), Refusal> {
    let decision_approved = review::decisions(conn, app.id)?
        .last()
        .is_some_and(|d| d.approved);
    let radar = facts.radar();
    let slot = credentials::next_slot(conn)?;
    let urls = IssuerUrls::new(&issuer.base_url);
    let verify_url = issuer.verify_url(&payload.certificate_number);
    let (holder, credit_code) = (
        payload.enterprise_name_zh.clone(),
        payload.credit_code.clone(),
    );
    let Made {
        signed,
        credential,
        pdf,
    } = sign_and_render(
        payload,
        &Approved {
            part_code: &app.part_code,
            achieved_level: facts.result.achieved_level,
            enterprise_name_zh: &holder,
            credit_code: &credit_code,
            decision_approved,
        },
        key,
        &facts.model.name,
        &verify_url,
        &axes(&radar),
        &CredentialSlot {
            urls: &urls,
            status_index: slot.0,
            created: slot.1,
        },
    )?;
    let (year, serial) = numbering;
    let row = stored_row(&signed, app, year, serial, Utc::now().naive_utc());
    store::insert(conn, &row)?;
    credentials::store(conn, &row.id, slot, credential, &CertState::InForce)?;
    Ok((signed, pdf, row))
}

/// Where a new certificate's credential points and when it is signed: the issuer's URLs,
/// the status index allocated under the issuance lock, and the proof's time.
pub struct CredentialSlot<'a> {
    pub urls: &'a IssuerUrls,
    pub status_index: u64,
    pub created: DateTime<Utc>,
}

/// What issuing makes before anything is stored: the signed payload, the signed W3C
/// credential (JSON text, stored as is) and the PDF that carries both.
pub struct Made {
    pub signed: SignedCertificate,
    pub credential: String,
    pub pdf: Vec<u8>,
}

/// The stored row of a certificate just signed for `app`: its canonical payload and
/// signature, and the copies the lists and the expiry lookups read (number, part, last
/// day of validity).
fn stored_row(
    signed: &SignedCertificate,
    app: &ApplicationRow,
    year: i32,
    serial: i32,
    issued_at: NaiveDateTime,
) -> CertificateRow {
    CertificateRow {
        id: signed.payload.certificate_id.to_string(),
        number: signed.payload.certificate_number.clone(),
        application_id: app.id,
        year,
        part_code: app.part_code.clone(),
        serial,
        payload: String::from_utf8(signed.payload.canonical_bytes()).expect("JSON is UTF-8"),
        signature: signed.signature_b64.clone(),
        key_id: signed.key_id.clone(),
        issued_at,
        revoked_at: None,
        revoke_reason: None,
        suspended_until: None,
        superseded_by: None,
        valid_until: signed.payload.valid_until,
    }
}

/// The part of issuing that needs no database, run inside `issue_on`'s transaction and by
/// the certificate benchmark: the pre-issuance check against the decision, the signature,
/// the Verifiable Credential, and the PDF that embeds both. Rendering here, not only at
/// download, proves before anything is stored that the certificate prints: every
/// character has a glyph and every text fits (a scope of 2,000 characters does not). The
/// PDF is not stored: it renders to the same bytes again from the stored payload and
/// credential; its SHA-256 goes into the issuance log.
pub fn sign_and_render(
    payload: CertificatePayload,
    approved: &Approved<'_>,
    key: &SigningKey,
    model_name: &Bilingual,
    verify_url: &str,
    radar: &[pdf::RadarAxis<'_>],
    slot: &CredentialSlot<'_>,
) -> Result<Made, Refusal> {
    let problems = lint(&payload, approved);
    if !problems.is_empty() {
        return Err(Refusal::Conflict(Code::CertificateLintRefused.with(
            "problems",
            problems.into_iter().map(Reason::from).collect::<Vec<_>>(),
        )));
    }
    let verifying = key.verifying_key();
    let signed = cert::sign(payload, key, &key_id(&verifying)).map_err(key_error)?;
    let credential = vc::credential_json(
        &vc::CredentialInput {
            payload: &signed.payload,
            urls: slot.urls,
            status_index: slot.status_index,
            created: slot.created,
        },
        key,
    );
    let view = certificate_view(model_name, signed, cert::key_fingerprint(&verifying));
    let pdf = render(&view, verify_url, radar, Some(&credential))?;
    Ok(Made {
        signed: view.signed,
        credential,
        pdf,
    })
}

/// The certificate's PDF, carrying its credential (when it has one) and its signed payload
/// as associated files.
fn render(
    view: &CertificateView,
    verify_url: &str,
    radar: &[pdf::RadarAxis<'_>],
    credential: Option<&str>,
) -> Result<Vec<u8>, Refusal> {
    let mut attachments = Vec::with_capacity(2);
    attachments.extend(credential.map(pdf::credential_attachment));
    attachments.push(pdf::payload_attachment(&view.signed).map_err(unprintable)?);
    pdf::render_certificate(view, fonts()?, verify_url, radar, &attachments).map_err(unprintable)
}

/// Hex SHA-256 of an issued PDF, as its issuance entry records it.
fn pdf_sha256(pdf: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(pdf))
}

/// What the PDF shows around the signed payload.
fn certificate_view(
    model_name: &Bilingual,
    signed: SignedCertificate,
    key_fingerprint: String,
) -> CertificateView {
    CertificateView {
        signed,
        programme_title_zh: format!("{}认证证书", model_name.zh),
        programme_title_en: format!("Certificate: {}", model_name.en),
        model_name_zh: model_name.zh.clone(),
        model_name_en: model_name.en.clone(),
        issuer_name_zh: "certcase 认证秘书处".into(),
        issuer_name_en: "certcase Certification Secretariat".into(),
        key_fingerprint,
    }
}

/// What a round's bulk issuance did.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub issued: Vec<String>,
    /// Already issued before: nothing changed.
    pub existing: Vec<String>,
    /// (application id, why not).
    pub refused: Vec<(String, String)>,
}

/// Ids of a round's approved applications, for bulk issuance, and of its certified ones,
/// so that running it again reports every certificate as issued before.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn issuable_in_round(
    conn: &mut DbConn,
    round_id: RoundId,
) -> Result<Vec<ApplicationId>, Refusal> {
    rounds::get(conn, round_id)?.ok_or(Refusal::NotFound)?;
    Ok(store::round_applications(
        conn,
        round_id,
        &[Status::Approved.as_str(), Status::Certified.as_str()],
    )?)
}

/// Issues every approved application of a round, one transaction each; `progress` is told
/// after each one. Certified ones come back as `existing`.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn issue_round(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    by: UserId,
    round_id: RoundId,
    mut progress: impl FnMut(usize, usize),
) -> Result<BulkOutcome, Refusal> {
    let ids = issuable_in_round(conn, round_id)?;
    let mut out = BulkOutcome::default();
    for (i, id) in ids.iter().enumerate() {
        match issue(conn, issuer, actor, by, *id) {
            Ok((row, true)) => out.issued.push(row.number),
            Ok((row, false)) => out.existing.push(row.number),
            Err(Refusal::Database(e)) => return Err(Refusal::Database(e)),
            Err(e) => out.refused.push((id.to_string(), e.to_string())),
        }
        progress(i + 1, ids.len());
    }
    Ok(out)
}

/// What a log entry says beside its kind and certificate.
#[derive(Default, Clone)]
struct Noted {
    reason: Option<String>,
    until: Option<NaiveDate>,
    related: Option<String>,
    /// On an issuance: the SHA-256 of the PDF issued.
    pdf_sha256: Option<String>,
}

fn append_log(
    conn: &mut DbConn,
    kind: LogKind,
    payload: &CertificatePayload,
    noted: Noted,
) -> Result<LogEntry, Refusal> {
    let head = store::log_head(conn)?;
    // Whole seconds: what the entry hash covers and what both databases give back.
    let now = Utc::now();
    let at = now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()));
    let entry = LogEntry::append_with_document(
        head.as_ref(),
        LogEvent {
            kind,
            certificate_number: payload.certificate_number.clone(),
            payload_sha256: payload.sha256_hex(),
            at,
            reason: noted.reason,
            until: noted.until,
            related: noted.related,
        },
        noted.pdf_sha256,
    );
    store::append_log(conn, &entry)?;
    Ok(entry)
}

/// The log entry that says `old` is renewed by `successor`.
pub(crate) fn log_renewal(
    conn: &mut DbConn,
    old: &CertificatePayload,
    successor: &str,
) -> Result<LogEntry, Refusal> {
    append_log(
        conn,
        LogKind::Renewed,
        old,
        Noted {
            related: Some(successor.to_string()),
            ..Noted::default()
        },
    )
}

/// Everything a payload and its PDF are made of, read through the application.
struct Facts {
    enterprise: enterprises::EnterpriseRow,
    round: rounds::RoundRow,
    version: catalog::VersionSummary,
    model: std::sync::Arc<crate::domain::catalog::Model>,
    part: crate::domain::catalog::Part,
    result: scoring::PartResultRow,
}

impl Facts {
    fn read(conn: &mut DbConn, app: &ApplicationRow) -> Result<Facts, Refusal> {
        let enterprise = enterprises::get(conn, app.enterprise_id)?.ok_or(Refusal::NotFound)?;
        let round = rounds::get(conn, app.round_id)?.ok_or(Refusal::NotFound)?;
        let doc = catalog::get_version(conn, round.model_version_id)?.ok_or(Refusal::NotFound)?;
        let part = doc
            .model
            .part(&app.part_code)
            .cloned()
            .ok_or(Refusal::NotFound)?;
        let (_, result) = scoring::consolidation(conn, app.id)?
            .ok_or_else(|| Refusal::Conflict(Code::NoConsolidatedResult.into()))?;
        Ok(Facts {
            enterprise,
            round,
            version: doc.summary,
            model: doc.model,
            part,
            result,
        })
    }

    fn payload(
        &self,
        app: &ApplicationRow,
        number: &str,
        issue_date: NaiveDate,
        key_id: &str,
    ) -> CertificatePayload {
        let level = u8::try_from(self.result.achieved_level).unwrap_or(0);
        let level_name = self.model.levels.iter().find(|l| l.level == level);
        let e = &self.enterprise;
        CertificatePayload {
            schema: PAYLOAD_SCHEMA.into(),
            certificate_number: number.to_string(),
            certificate_id: uuid::Uuid::now_v7(),
            enterprise_name_zh: e.name_zh.clone(),
            enterprise_name_en: e.name_en.clone().unwrap_or_else(|| e.name_zh.clone()),
            credit_code: e.credit_code.clone(),
            model_code: self.model.code.clone(),
            model_version: self.version.version.to_string(),
            part_code: self.part.code.clone(),
            part_name_zh: self.part.name.zh.clone(),
            part_name_en: self.part.name.en.clone(),
            level,
            level_name_zh: level_name.map(|l| l.name.zh.clone()).unwrap_or_default(),
            level_name_en: level_name.map(|l| l.name.en.clone()).unwrap_or_default(),
            round_name_zh: self.round.name_zh.clone(),
            round_name_en: self.round.name_en.clone(),
            scope_zh: app.scope.clone(),
            scope_en: app.scope_en.clone(),
            issue_date,
            valid_until: cert::valid_until(issue_date),
            issuer_key_id: key_id.to_string(),
            supersedes: None,
            renews: None,
        }
    }

    /// The consolidated domain levels of the part, in the part's domain order.
    fn radar(&self) -> Vec<(String, String, f32, f32)> {
        let levels = &self.result.domain_levels;
        let max = self.model.levels.iter().map(|l| l.level).max().unwrap_or(5);
        self.part
            .domains
            .iter()
            .map(|d| {
                (
                    d.name.zh.clone(),
                    d.name.en.clone(),
                    f32::from(levels.get(&d.code).copied().unwrap_or(0)),
                    f32::from(max),
                )
            })
            .collect()
    }
}

fn axes(radar: &[(String, String, f32, f32)]) -> Vec<pdf::RadarAxis<'_>> {
    radar
        .iter()
        .map(|(zh, en, v, m)| (zh.as_str(), en.as_str(), *v, *m))
        .collect()
}

pub(super) fn signed_of(row: &CertificateRow) -> Result<SignedCertificate, Refusal> {
    let payload: CertificatePayload = serde_json::from_str(&row.payload).map_err(|e| {
        tracing::error!(error = %e, number = %row.number, "stored certificate payload unreadable");
        Refusal::Invalid(Code::StoredPayloadInvalid.with("number", &row.number))
    })?;
    Ok(SignedCertificate {
        payload,
        signature_b64: row.signature.clone(),
        key_id: row.key_id.clone(),
    })
}

// ---- download -------------------------------------------------------------------------

/// Who may download a certificate: the secretariat, or a member of its enterprise. Others
/// are told it does not exist.
pub enum Reader {
    Secretariat,
    Enterprise(UserId),
}

/// The certificate's PDF, rendered again from the stored signed payload and credential
/// (the rendering is deterministic, so it is the same file every time).
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn pdf_of(
    conn: &mut DbConn,
    issuer: &Issuer,
    reader: &Reader,
    number: &str,
) -> Result<Vec<u8>, Refusal> {
    let row = store::by_number(conn, number)?.ok_or(Refusal::NotFound)?;
    let app = apps::get(conn, row.application_id)?.ok_or(Refusal::NotFound)?;
    if let Reader::Enterprise(user) = reader {
        if enterprises::membership(conn, *user)? != Some(app.enterprise_id) {
            return Err(Refusal::NotFound);
        }
    }
    let facts = Facts::read(conn, &app)?;
    let signed = signed_of(&row)?;
    let credential = creds_store::of_certificate(conn, &row.id)?.map(|c| c.credential);
    let fingerprint = published_keys(conn)?
        .iter()
        .find(|(id, _)| *id == row.key_id)
        .map(|(_, k)| cert::key_fingerprint(k))
        .unwrap_or_default();
    let view = certificate_view(&facts.model.name, signed, fingerprint);
    let radar = facts.radar();
    let url = issuer.verify_url(number);
    let bytes = render(&view, &url, &axes(&radar), credential.as_deref())?;
    let issued = store::log_of(conn, number)?
        .into_iter()
        .find(|e| e.kind == LogKind::Issued)
        .and_then(|e| e.pdf_sha256);
    let Some(issued) = issued.filter(|h| *h != pdf_sha256(&bytes)) else {
        return Ok(bytes);
    };
    // Issued before PDFs carried the credential: that file, with the payload alone, is
    // the one the log recorded.
    if credential.is_some() {
        let payload_only = render(&view, &url, &axes(&radar), None)?;
        if pdf_sha256(&payload_only) == issued {
            return Ok(payload_only);
        }
    }
    // The rendering is deterministic; a difference means something it draws changed since
    // issue (the base URL, a key's record): the download would not verify as the issued
    // document, which the operator must hear about.
    tracing::error!(
        number,
        "the certificate PDF renders differently from the one issued"
    );
    Ok(bytes)
}

fn unprintable(e: PdfError) -> Refusal {
    Refusal::Invalid(pdf_refusal(e, Code::CertificateUnprintable))
}

/// Why a PDF could not be drawn. A character no font has, or a text too long for the page,
/// is the data's doing and is named with the text; anything else is the server's, goes to
/// the log, and the reader gets the document's own `otherwise` code.
pub fn pdf_refusal(e: PdfError, otherwise: Code) -> Reason {
    match e {
        PdfError::MissingGlyph { ch, text } => Code::PdfMissingGlyph
            .with("char", ch.to_string())
            .with("codepoint", format!("U+{:04X}", u32::from(ch)))
            .with("text", text),
        PdfError::TextTooLong { text } => Code::PdfTextTooLong.with("text", text),
        other => {
            tracing::error!(error = %other, "PDF not drawn");
            otherwise.into()
        }
    }
}

// ---- verification ---------------------------------------------------------------------

/// One decision on a certificate as its issuance-log entry records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// The entry's index in the issuance log (its address for appeals and audits).
    pub index: u64,
    /// issued, revoked (withdrawn), suspended, reinstated, superseded or renewed.
    pub kind: String,
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The last day of a suspension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// The other certificate of a supersession, renewal or a successor's issuance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<String>,
}

impl From<&LogEntry> for HistoryEntry {
    fn from(e: &LogEntry) -> HistoryEntry {
        HistoryEntry {
            index: e.index,
            kind: e.kind.as_str().to_string(),
            at: e.at,
            reason: e.reason.clone(),
            until: e.until,
            related: e.related.clone(),
        }
    }
}

/// The answer to "is this certificate good?". The state comes from the issuance log, not
/// from the certificate's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// valid, suspended, revoked (withdrawn), superseded, expired, unknown, invalid,
    /// unverifiable (the issuance log does not vouch for it; `reason` says why), or, for an
    /// uploaded PDF, not_issued_document (it carries a genuine certificate's signed payload
    /// but is not the PDF certcase issued: edited, re-saved or hand-made).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_since: Option<NaiveDate>,
    /// The last day of the suspension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_until: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspension_reason: Option<String>,
    /// The certificate that replaced this one (narrower scope or renewal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_on: Option<NaiveDate>,
    /// For a renewal: the successor issued after the re-assessment (also in
    /// `superseded_by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewed_by: Option<String>,
    /// Why a presented certificate is invalid or cannot be verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `unverifiable`: not_logged, log_broken, payload_mismatch, signature or
    /// log_inconsistent; for `not_issued_document`: pdf_not_issued; for an uploaded PDF
    /// that is `invalid` because of its embedded credential: credential_mismatch. Pages
    /// word it in the reader's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// For `log_broken`: the first entry out of place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem_index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<CertificatePayload>,
    /// The certificate's decisions, oldest first, from the issuance log; absent for an
    /// unknown or invalid certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// For an uploaded PDF whose payload checks: `issued` (byte for byte the PDF issued),
    /// `not_issued` (with status not_issued_document), or `not_recorded` (issued before
    /// certcase recorded PDF hashes, or bulk-loaded: only the payload was checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The bits of the certificate's Verifiable Credential in the W3C status lists
    /// (revocation, suspension); absent while it has no credential.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_status: Vec<StatusBit>,
}

impl Verification {
    fn unknown() -> Verification {
        Verification {
            status: "unknown".into(),
            revoked_at: None,
            revoke_reason: None,
            suspended_since: None,
            suspended_until: None,
            suspension_reason: None,
            superseded_by: None,
            superseded_on: None,
            renewed_by: None,
            reason: None,
            problem: None,
            problem_index: None,
            payload: None,
            history: Vec::new(),
            document: None,
            credential_status: Vec::new(),
        }
    }

    /// The status-list bits speak for a presented credential: a certificate the log says
    /// is valid whose revocation (suspension) bit is set is revoked (suspended). The log's
    /// other answers stand: a superseded certificate's revocation bit is set too, and it
    /// stays `superseded`.
    fn apply_status_bits(&mut self) {
        let set = |purpose: StatusPurpose| {
            self.credential_status
                .iter()
                .any(|b| b.purpose == purpose.as_str() && b.set)
        };
        if self.status != Standing::Valid.as_str() {
            return;
        }
        if set(StatusPurpose::Revocation) {
            self.status = Standing::Revoked.as_str().into();
        } else if set(StatusPurpose::Suspension) {
            self.status = Standing::Suspended.as_str().into();
        }
    }

    /// A PDF that carries a genuine certificate's signed payload but is not the file
    /// certcase issued for it. Never "valid": the payload is shown so that the reader
    /// knows which certificate to look up by number.
    fn not_issued_document(payload: CertificatePayload) -> Verification {
        Verification {
            status: "not_issued_document".into(),
            reason: Some(
                "the file carries a certificate's signed payload but is not the PDF issued for it"
                    .into(),
            ),
            problem: Some("pdf_not_issued".into()),
            payload: Some(payload),
            document: Some(DocumentCheck::NotIssued.as_str().into()),
            ..Verification::unknown()
        }
    }

    fn invalid(reason: impl Into<String>) -> Verification {
        Verification {
            status: "invalid".into(),
            reason: Some(reason.into()),
            ..Verification::unknown()
        }
    }

    /// Never "valid": the log does not vouch for the certificate. The payload is shown so
    /// that the reader knows which certificate is meant.
    fn unverifiable(
        payload: CertificatePayload,
        problem: &str,
        index: Option<u64>,
        reason: impl Into<String>,
    ) -> Verification {
        Verification {
            status: "unverifiable".into(),
            reason: Some(reason.into()),
            problem: Some(problem.into()),
            problem_index: index,
            payload: Some(payload),
            ..Verification::unknown()
        }
    }
}

/// The state of a certificate with the given signed payload, told by its entries in the
/// issuance log after the chain up to the last of them has been checked, and the entries.
/// The stored row is not consulted beyond the payload and signature handed in.
fn from_log(
    conn: &mut DbConn,
    log: &VerifiedLog,
    signed: SignedCertificate,
    today: NaiveDate,
) -> Result<Verification, Refusal> {
    let payload = signed.payload.clone();
    let number = payload.certificate_number.clone();
    let mine = store::log_of(conn, &number)?;
    let Some(last) = mine.last().map(|e| e.index) else {
        return Ok(Verification::unverifiable(
            payload,
            "not_logged",
            None,
            "the certificate is not in the issuance log",
        ));
    };
    if let Err(i) = log.check(conn, last, &mine)? {
        return Ok(Verification::unverifiable(
            payload,
            "log_broken",
            Some(i as u64),
            format!("the issuance log is broken at entry {i}"),
        ));
    }
    if mine[0].kind != LogKind::Issued || mine[0].payload_sha256 != payload.sha256_hex() {
        return Ok(Verification::unverifiable(
            payload,
            "payload_mismatch",
            None,
            "the certificate differs from the one the issuance log recorded",
        ));
    }
    if let Err(e) = cert::verify(&signed, &published_keys(conn)?) {
        return Ok(Verification::unverifiable(
            payload,
            "signature",
            None,
            e.to_string(),
        ));
    }
    let state = match states::from_log(&mine, payload.valid_until) {
        Ok(state) => state,
        Err(problem) => {
            return Ok(Verification::unverifiable(
                payload,
                "log_inconsistent",
                None,
                problem.to_string(),
            ))
        }
    };
    let standing = state.standing(today, payload.valid_until);
    let last_of = |kind: LogKind| mine.iter().rev().find(|e| e.kind == kind);
    let mut v = Verification {
        status: standing.as_str().into(),
        history: mine.iter().map(HistoryEntry::from).collect(),
        ..Verification::unknown()
    };
    match &state {
        CertState::Withdrawn { .. } => {
            let entry = last_of(LogKind::Revoked);
            v.revoked_at = entry.map(|e| e.at.naive_utc());
            v.revoke_reason = entry.and_then(|e| e.reason.clone());
        }
        CertState::Suspended { since, until } if standing == Standing::Suspended => {
            v.suspended_since = Some(*since);
            v.suspended_until = Some(*until);
            v.suspension_reason = last_of(LogKind::Suspended).and_then(|e| e.reason.clone());
        }
        CertState::Superseded { by, on } => {
            v.superseded_by = Some(by.clone());
            v.superseded_on = Some(*on);
        }
        CertState::Renewed { by, on } => {
            v.superseded_by = Some(by.clone());
            v.superseded_on = Some(*on);
            v.renewed_by = Some(by.clone());
        }
        _ => {}
    }
    v.credential_status = credentials::status_bits(conn, &payload.certificate_id.to_string())?;
    v.payload = Some(payload);
    Ok(v)
}

/// By number. A malformed number answers exactly like an unknown one.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn verify_number(
    conn: &mut DbConn,
    log: &VerifiedLog,
    number: &str,
    today: NaiveDate,
) -> Result<Verification, Refusal> {
    if cert::parse_certificate_number(number).is_none() {
        return Ok(Verification::unknown());
    }
    let Some(row) = store::by_number(conn, number)? else {
        return Ok(Verification::unknown());
    };
    let signed = match signed_of(&row) {
        Ok(signed) => signed,
        Err(_) => {
            return Ok(Verification {
                status: "unverifiable".into(),
                problem: Some("payload_mismatch".into()),
                reason: Some("the stored certificate cannot be read".into()),
                ..Verification::unknown()
            })
        }
    };
    from_log(conn, log, signed, today)
}

/// A presented PDF: its embedded payload and signature against the published keys, then
/// against the issuance log and the stored certificate; its embedded credential, if it
/// carries one, as [`verify_credential`] checks a presented one (the proof, and that it
/// is the credential issued for this very certificate: a swapped or edited one is
/// `invalid`, problem `credential_mismatch`); then the file itself against the SHA-256 its
/// issuance recorded ([`DocumentCheck`]): an edited or hand-made PDF carrying a genuine
/// payload is `not_issued_document`. A certificate whose issuance recorded no PDF hash
/// (issued before, or bulk-loaded) is judged on its payload (and credential) alone, as it
/// was then, and says so (`document: not_recorded`). The status-list bits speak as for a
/// presented credential.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn verify_pdf(
    conn: &mut DbConn,
    log: &VerifiedLog,
    issuer: &Issuer,
    pdf: &[u8],
    today: NaiveDate,
) -> Result<Verification, Refusal> {
    let Some(signed) = pdf::extract_signed_payload(pdf) else {
        return Ok(Verification::invalid(
            "the file holds no readable signed certificate payload",
        ));
    };
    let keys = published_keys(conn)?;
    if let Err(e) = cert::verify(&signed, &keys) {
        return Ok(Verification::invalid(e.to_string()));
    }
    let number = &signed.payload.certificate_number;
    let issuance = store::log_of(conn, number)?.into_iter().find(|e| {
        e.kind == LogKind::Issued
            && e.payload_sha256 == signed.payload.sha256_hex()
            && e.hash == hex::encode(cert::entry_hash(e))
    });
    let row = store::by_number(conn, number)?;
    let (Some(issuance), Some(row)) = (issuance, row) else {
        return Ok(Verification::invalid(
            "the certificate is signed but not recorded in the issuance log",
        ));
    };
    if row.signature != signed.signature_b64 {
        return Ok(Verification::invalid(
            "the certificate is signed but not recorded in the issuance log",
        ));
    }
    let embedded = pdf::extract_credential(pdf);
    if let Some(bytes) = &embedded {
        let urls = IssuerUrls::new(&issuer.base_url);
        if let Err(why) = issued_credential(conn, &urls, &keys, bytes, &row) {
            return Ok(Verification {
                problem: Some("credential_mismatch".into()),
                payload: Some(signed.payload),
                ..Verification::invalid(why)
            });
        }
    }
    let document = DocumentCheck::of(&issuance, pdf);
    if document == DocumentCheck::NotIssued {
        return Ok(Verification::not_issued_document(signed.payload));
    }
    let mut v = from_log(conn, log, signed, today)?;
    v.document = Some(document.as_str().into());
    if embedded.is_some() {
        v.apply_status_bits();
    }
    Ok(v)
}

/// Whether `presented` (a credential's JSON bytes) carries a proof by a published key and
/// is the credential stored for `row`'s certificate; else why not.
fn issued_credential(
    conn: &mut DbConn,
    urls: &IssuerUrls,
    keys: &[(String, VerifyingKey)],
    presented: &[u8],
    row: &CertificateRow,
) -> Result<(), String> {
    let presented: serde_json::Value = serde_json::from_slice(presented)
        .map_err(|_| "the embedded credential is not JSON".to_string())?;
    let checked = vc::check_credential(&presented, urls, keys)
        .map_err(|e| format!("the embedded credential: {e}"))?;
    let stored = creds_store::of_certificate(conn, &row.id)
        .map_err(|e| format!("the issued credential could not be read: {e}"))?
        .and_then(|c| serde_json::from_str::<serde_json::Value>(&c.credential).ok());
    if checked.certificate_number != row.number || stored.as_ref() != Some(&presented) {
        return Err(
            "the embedded credential is signed but is not the one issued for this certificate"
                .into(),
        );
    }
    Ok(())
}

/// A presented Verifiable Credential (JSON): its proof against the published keys, then
/// that it is the credential issued for its certificate, then the certificate's state
/// from the issuance log and its bits in the status lists, which speak for the credential.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn verify_credential(
    conn: &mut DbConn,
    log: &VerifiedLog,
    issuer: &Issuer,
    json: &[u8],
    today: NaiveDate,
) -> Result<Verification, Refusal> {
    let Ok(presented) = serde_json::from_slice::<serde_json::Value>(json) else {
        return Ok(Verification::invalid("the body is not a JSON credential"));
    };
    let urls = IssuerUrls::new(&issuer.base_url);
    let checked = match vc::check_credential(&presented, &urls, &published_keys(conn)?) {
        Ok(checked) => checked,
        Err(e) => return Ok(Verification::invalid(e.to_string())),
    };
    let row = store::by_number(conn, &checked.certificate_number)?;
    let issued = match &row {
        Some(row) => creds_store::of_certificate(conn, &row.id)?,
        None => None,
    };
    let same = issued
        .and_then(|c| serde_json::from_str::<serde_json::Value>(&c.credential).ok())
        .is_some_and(|c| c == presented);
    let (Some(row), true) = (row, same) else {
        return Ok(Verification::invalid(
            "the credential is signed but is not the one issued for its certificate",
        ));
    };
    let mut v = from_log(conn, log, signed_of(&row)?, today)?;
    v.apply_status_bits();
    Ok(v)
}

// ---- decisions ------------------------------------------------------------------------

/// The reason a revocation gives, trimmed; the page checks it before it asks for
/// confirmation, and [`revoke`] again.
pub fn revocation_reason(reason: &str) -> Result<&str, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::Invalid(Code::RevocationReasonMissing.into()));
    }
    if reason.chars().count() > 1000 {
        return Err(Refusal::Invalid(Code::RevocationReasonTooLong.into()));
    }
    Ok(reason)
}

/// The reason of any other decision, trimmed.
pub fn decision_reason(reason: &str) -> Result<&str, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::Invalid(
            Code::CertificateDecisionReasonMissing.into(),
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(Refusal::Invalid(
            Code::CertificateDecisionReasonTooLong.into(),
        ));
    }
    Ok(reason)
}

/// The last day of a suspension as a form or request gives it (`YYYY-MM-DD`).
pub fn suspension_until(text: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Refusal::Invalid(Code::SuspensionUntilInvalid.into()))
}

/// The narrower scope of a reduction: Chinese required, English optional, both trimmed.
pub fn reduced_scope(zh: &str, en: Option<&str>) -> Result<(String, Option<String>), Refusal> {
    let zh = zh.trim();
    let en = en.map(str::trim).filter(|e| !e.is_empty());
    if zh.is_empty() {
        return Err(Refusal::Invalid(Code::CertificateScopeMissing.into()));
    }
    if zh.chars().count() > 2000 || en.is_some_and(|e| e.chars().count() > 2000) {
        return Err(Refusal::Invalid(Code::CertificateScopeTooLong.into()));
    }
    Ok((zh.to_string(), en.map(str::to_string)))
}

/// A certificate read for a decision: its row, signed payload, application, and the state
/// its log entries tell.
pub(crate) struct Subject {
    pub(crate) row: CertificateRow,
    pub(crate) signed: SignedCertificate,
    pub(crate) app: ApplicationRow,
    pub(crate) state: CertState,
}

impl Subject {
    pub(crate) fn read(conn: &mut DbConn, number: &str) -> Result<Subject, Refusal> {
        let row = store::by_number(conn, number)?.ok_or(Refusal::NotFound)?;
        let signed = signed_of(&row)?;
        let entries = store::log_of(conn, number)?;
        let state = states::from_log(&entries, signed.payload.valid_until).map_err(|problem| {
            tracing::error!(%problem, number, "certificate log entries tell no state");
            Refusal::Conflict(Code::CertificateLogInconsistent.with("number", number))
        })?;
        let app = apps::get(conn, row.application_id)?.ok_or(Refusal::NotFound)?;
        Ok(Subject {
            row,
            signed,
            app,
            state,
        })
    }

    /// The state after `event` decided today, or why not.
    pub(crate) fn apply(
        &self,
        event: &CertEvent,
        today: NaiveDate,
        max_suspension: Option<Months>,
    ) -> Result<CertState, Refusal> {
        let limits = Limits {
            valid_until: self.signed.payload.valid_until,
            max_suspension,
        };
        states::apply(&self.state, event, today, limits).map_err(|r| match r {
            Refusal::Conflict(reason) if reason.code == Code::CertificateAlreadyRevoked => {
                Refusal::Conflict(reason.with("number", &self.row.number))
            }
            other => other,
        })
    }
}

/// One secretariat decision that changes a certificate's state without a successor: the
/// event, what the row copies for lists, the log entry's kind and notes, the audit entry
/// and the enterprise's e-mail. The credential's status-list bits follow the new state.
struct Decided<'a> {
    event: CertEvent,
    max_suspension: Option<Months>,
    copy: &'a dyn Fn(&mut DbConn, &CertificateRow) -> Result<(), Refusal>,
    kind: LogKind,
    noted: Noted,
    audit: Kind,
    /// The audit detail; `log_index` is added.
    detail: serde_json::Value,
    mail: &'a dyn Fn(&Subject) -> Notification,
}

/// Takes `d` in one transaction: load the certificate, replay its log, apply the event,
/// append the log entry, audit, mail. Answers the certificate's row after the decision.
fn decide(
    conn: &mut DbConn,
    actor: &Actor,
    number: &str,
    d: &Decided<'_>,
) -> Result<CertificateRow, Refusal> {
    write_tx(conn, |conn| decide_in(conn, actor, number, d))
}

/// [`decide`] inside a transaction already open (an appeal's decision).
fn decide_in(
    conn: &mut DbConn,
    actor: &Actor,
    number: &str,
    d: &Decided<'_>,
) -> Result<CertificateRow, Refusal> {
    store::lock_issuance(conn)?;
    let subject = Subject::read(conn, number)?;
    let after = subject.apply(&d.event, Utc::now().date_naive(), d.max_suspension)?;
    (d.copy)(conn, &subject.row)?;
    credentials::reflect(conn, &subject.row.id, &after)?;
    let entry = append_log(conn, d.kind, &subject.signed.payload, d.noted.clone())?;
    let mut detail = d.detail.clone();
    detail["log_index"] = entry.index.into();
    audit::append(
        conn,
        actor,
        d.audit,
        ("certificate", &subject.row.id),
        detail,
    )?;
    mail::enqueue_to_enterprise(conn, subject.app.enterprise_id, &(d.mail)(&subject))?;
    store::by_number(conn, number)?.ok_or(Refusal::NotFound)
}

/// Withdraws (revokes) a certificate; it stays verifiable, as revoked.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn revoke(
    conn: &mut DbConn,
    actor: &Actor,
    number: &str,
    reason: &str,
) -> Result<CertificateRow, Refusal> {
    let reason = revocation_reason(reason)?;
    let copy = |conn: &mut DbConn, row: &CertificateRow| -> Result<(), Refusal> {
        store::revoke(conn, &row.id, Utc::now().naive_utc(), reason)?;
        store::set_suspended_until(conn, &row.id, None)?;
        Ok(())
    };
    let mail = |s: &Subject| Notification::CertificateRevoked {
        certificate_id: number.to_string(),
        part: s.row.part_code.clone(),
        reason: reason.to_string(),
    };
    decide(
        conn,
        actor,
        number,
        &Decided {
            event: CertEvent::Withdraw,
            max_suspension: None,
            copy: &copy,
            kind: LogKind::Revoked,
            noted: Noted {
                reason: Some(reason.to_string()),
                ..Noted::default()
            },
            audit: Kind::CertificateRevoked,
            detail: serde_json::json!({ "number": number, "reason": reason }),
            mail: &mail,
        },
    )
}

/// Suspends a certificate in force until `until` (its last day), at most
/// `max_suspension` from today.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn suspend(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    number: &str,
    until: NaiveDate,
    reason: &str,
    max_suspension: Months,
) -> Result<CertificateRow, Refusal> {
    let reason = decision_reason(reason)?;
    let copy = |conn: &mut DbConn, row: &CertificateRow| -> Result<(), Refusal> {
        store::set_suspended_until(conn, &row.id, Some(until))?;
        Ok(())
    };
    let mail = |s: &Subject| Notification::CertificateSuspended {
        certificate_id: number.to_string(),
        part: s.row.part_code.clone(),
        reason: reason.to_string(),
        until,
        verify_url: issuer.verify_url(number),
    };
    decide(
        conn,
        actor,
        number,
        &Decided {
            event: CertEvent::Suspend { until },
            max_suspension: Some(max_suspension),
            copy: &copy,
            kind: LogKind::Suspended,
            noted: Noted {
                reason: Some(reason.to_string()),
                until: Some(until),
                ..Noted::default()
            },
            audit: Kind::CertificateSuspended,
            detail: serde_json::json!({ "number": number, "reason": reason, "until": until }),
            mail: &mail,
        },
    )
}

/// The decision that puts a suspended certificate (or, by an upheld appeal, a withdrawn
/// one) back in force; `appeal` names the appeal in the log entry.
fn reinstatement<'a>(
    number: &'a str,
    reason: &'a str,
    appeal: Option<&'a str>,
    copy: &'a dyn Fn(&mut DbConn, &CertificateRow) -> Result<(), Refusal>,
    mail: &'a dyn Fn(&Subject) -> Notification,
) -> Decided<'a> {
    Decided {
        event: match appeal {
            Some(appeal) => CertEvent::ReverseOnAppeal {
                appeal: appeal.to_string(),
            },
            None => CertEvent::Reinstate,
        },
        max_suspension: None,
        copy,
        kind: LogKind::Reinstated,
        noted: Noted {
            reason: Some(reason.to_string()),
            until: None,
            related: appeal.map(str::to_string),
            ..Noted::default()
        },
        audit: Kind::CertificateReinstated,
        detail: match appeal {
            Some(appeal) => {
                serde_json::json!({ "number": number, "reason": reason, "appeal": appeal })
            }
            None => serde_json::json!({ "number": number, "reason": reason }),
        },
        mail,
    }
}

/// Lifts a suspension: the certificate is in force again.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn reinstate(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    number: &str,
    reason: &str,
) -> Result<CertificateRow, Refusal> {
    let reason = decision_reason(reason)?;
    let copy = |conn: &mut DbConn, row: &CertificateRow| -> Result<(), Refusal> {
        store::set_suspended_until(conn, &row.id, None)?;
        Ok(())
    };
    let mail = reinstated_mail(issuer.verify_url(number), number, reason);
    let d = reinstatement(number, reason, None, &copy, &mail);
    decide(conn, actor, number, &d)
}

fn reinstated_mail<'a>(
    verify_url: String,
    number: &'a str,
    reason: &'a str,
) -> impl Fn(&Subject) -> Notification + 'a {
    move |s: &Subject| Notification::CertificateReinstated {
        certificate_id: number.to_string(),
        part: s.row.part_code.clone(),
        reason: reason.to_string(),
        verify_url: verify_url.clone(),
    }
}

/// Carries out an upheld appeal against the suspension or withdrawal recorded at
/// `log_index`: the certificate is in force again, through a reinstatement entry that
/// names the appeal. `false` (nothing changed; the secretariat follows up by hand) when
/// the appealed entry is not the certificate's latest decision, is neither a suspension
/// nor a withdrawal, or the certificate has expired. Runs inside the appeal's decision.
pub(crate) fn reverse_on_appeal(
    conn: &mut DbConn,
    base_url: &str,
    actor: &Actor,
    appealed: (&str, u64),
    appeal: &str,
    reason: &str,
) -> Result<bool, Refusal> {
    let (number, log_index) = appealed;
    store::lock_issuance(conn)?;
    if store::by_number(conn, number)?.is_none() {
        return Ok(false);
    }
    let subject = Subject::read(conn, number)?;
    let reversible = store::log_of(conn, number)?.last().is_some_and(|e| {
        e.index == log_index && matches!(e.kind, LogKind::Suspended | LogKind::Revoked)
    });
    let event = CertEvent::ReverseOnAppeal {
        appeal: appeal.to_string(),
    };
    if !reversible
        || subject
            .apply(&event, Utc::now().date_naive(), None)
            .is_err()
    {
        return Ok(false);
    }
    let copy = |conn: &mut DbConn, row: &CertificateRow| -> Result<(), Refusal> {
        store::set_suspended_until(conn, &row.id, None)?;
        store::clear_revocation(conn, &row.id)?;
        Ok(())
    };
    let verify_url = format!("{}/verify/{number}", base_url.trim_end_matches('/'));
    let mail = reinstated_mail(verify_url, number, reason);
    let d = reinstatement(number, reason, Some(appeal), &copy, &mail);
    decide_in(conn, actor, number, &d)?;
    Ok(true)
}

/// Narrows a certificate's scope: a successor with the new scope, signed now and valid
/// until the old one's last day, supersedes it. Answers the successor.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn reduce_scope(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    number: &str,
    scope: (&str, Option<&str>),
    reason: &str,
) -> Result<CertificateRow, Refusal> {
    let reason = decision_reason(reason)?;
    let (scope_zh, scope_en) = reduced_scope(scope.0, scope.1)?;
    write_tx(conn, |conn| {
        store::lock_issuance(conn)?;
        let subject = Subject::read(conn, number)?;
        let old = &subject.signed.payload;
        if scope_zh == old.scope_zh && scope_en.as_deref() == old.english_scope() {
            return Err(Refusal::Invalid(Code::CertificateScopeUnchanged.into()));
        }
        let app = &subject.app;
        let year = cert::parse_certificate_number(number).map_or(old.issue_date.year(), |p| p.year);
        let serial = store::next_serial(conn, year, &app.part_code)?;
        let successor = cert::certificate_number(year, &app.part_code, serial as u32);
        let today = Utc::now().date_naive();
        let superseded = subject.apply(
            &CertEvent::ReduceScope {
                successor: successor.clone(),
            },
            today,
            None,
        )?;
        let (key_row, key) = signing_key(conn, issuer, actor)?;
        let facts = Facts::read(conn, app)?;
        let payload = CertificatePayload {
            certificate_number: successor.clone(),
            certificate_id: uuid::Uuid::now_v7(),
            scope_zh: scope_zh.clone(),
            scope_en: scope_en.clone(),
            issue_date: today,
            issuer_key_id: key_row.id.clone(),
            supersedes: Some(number.to_string()),
            ..old.clone()
        };
        let (signed, pdf, new_row) =
            sign_and_store(conn, issuer, app, &facts, &key, payload, (year, serial))?;
        store::set_superseded_by(conn, &subject.row.id, &successor)?;
        // The old credential is no longer valid: its revocation bit says so.
        credentials::reflect(conn, &subject.row.id, &superseded)?;
        append_log(
            conn,
            LogKind::Issued,
            &signed.payload,
            Noted {
                related: Some(number.to_string()),
                pdf_sha256: Some(pdf_sha256(&pdf)),
                ..Noted::default()
            },
        )?;
        let entry = append_log(
            conn,
            LogKind::Superseded,
            old,
            Noted {
                reason: Some(reason.to_string()),
                related: Some(successor.clone()),
                ..Noted::default()
            },
        )?;
        audit::append(
            conn,
            actor,
            Kind::CertificateScopeReduced,
            ("certificate", &subject.row.id),
            serde_json::json!({
                "number": number,
                "successor": successor,
                "scope_zh": scope_zh,
                "scope_en": scope_en,
                "reason": reason,
                "log_index": entry.index,
            }),
        )?;
        mail::enqueue_to_enterprise(
            conn,
            app.enterprise_id,
            &Notification::CertificateScopeReduced {
                certificate_id: number.to_string(),
                successor_id: successor.clone(),
                part: app.part_code.clone(),
                scope: scope_zh.clone(),
                reason: reason.to_string(),
                verify_url: issuer.verify_url(&successor),
            },
        )?;
        Ok(new_row)
    })
}

// ---- surveillance ---------------------------------------------------------------------

/// A certificate as a surveillance sees it: its signed payload, application and the state
/// its issuance-log entries tell.
pub(crate) struct Surveilled {
    pub payload: CertificatePayload,
    pub app: ApplicationRow,
    pub state: CertState,
}

pub(crate) fn surveilled(conn: &mut DbConn, number: &str) -> Result<Surveilled, Refusal> {
    let Subject {
        signed, app, state, ..
    } = Subject::read(conn, number)?;
    Ok(Surveilled {
        payload: signed.payload,
        app,
        state,
    })
}

/// Records that a surveillance maintained a certificate in force: an issuance-log entry
/// (the certificate's state does not change) and its audit entry. Called inside the
/// surveillance's conclusion, whose transaction it joins.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn maintain_after_surveillance(
    conn: &mut DbConn,
    actor: &Actor,
    number: &str,
    reason: &str,
) -> Result<LogEntry, Refusal> {
    let reason = decision_reason(reason)?;
    write_tx(conn, |conn| {
        store::lock_issuance(conn)?;
        let subject = Subject::read(conn, number)?;
        subject.apply(
            &CertEvent::MaintainAfterSurveillance,
            Utc::now().date_naive(),
            None,
        )?;
        let entry = append_log(
            conn,
            LogKind::SurveillanceMaintained,
            &subject.signed.payload,
            Noted {
                reason: Some(reason.to_string()),
                ..Noted::default()
            },
        )?;
        audit::append(
            conn,
            actor,
            Kind::CertificateMaintained,
            ("certificate", &subject.row.id),
            serde_json::json!({ "number": number, "reason": reason, "log_index": entry.index }),
        )?;
        Ok(entry)
    })
}

/// `certcase verify-log`: `Err(index)` of the first broken entry.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn verify_log(conn: &mut DbConn) -> Result<Result<usize, usize>, Refusal> {
    let entries = store::log(conn)?;
    Ok(cert::verify_chain(&entries).map(|()| entries.len()))
}

/// Signs the certificates of applications a bulk load (`certcase seed --scale`) recorded
/// as certified, dated `issue_date`, and appends them to the issuance log in one
/// transaction: the same payloads, signatures and log entries as [`issue_on`], without its
/// PDF proof, e-mail and per-certificate audit entry (the load writes one audit entry for
/// itself). Returns how many were issued.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn issue_loaded(
    conn: &mut DbConn,
    issuer: &Issuer,
    actor: &Actor,
    applications: &[ApplicationId],
    issue_date: NaiveDate,
) -> Result<usize, Refusal> {
    write_tx(conn, |conn| {
        store::lock_issuance(conn)?;
        let (key_row, key) = signing_key(conn, issuer, actor)?;
        let mut head = store::log_head(conn)?;
        let mut serials = std::collections::BTreeMap::<(i32, String), i32>::new();
        let mut rows = Vec::with_capacity(applications.len());
        let mut entries = Vec::with_capacity(applications.len());
        let now = Utc::now();
        let at = now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()));
        for id in applications {
            let app = apps::get(conn, *id)?.ok_or(Refusal::NotFound)?;
            if app.status != Status::Certified || store::by_application(conn, app.id)?.is_some() {
                return Err(Refusal::Conflict(
                    Code::CertificateNeedsApproval.with("status", app.status),
                ));
            }
            let facts = Facts::read(conn, &app)?;
            let year = facts.round.registration_opens.year();
            let serial = match serials.entry((year, app.part_code.clone())) {
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    *e.get_mut() += 1;
                    *e.get()
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    *e.insert(store::next_serial(conn, year, &app.part_code)?)
                }
            };
            let number = cert::certificate_number(year, &app.part_code, serial as u32);
            let payload = facts.payload(&app, &number, issue_date, &key_row.id);
            let signed = cert::sign(payload, &key, &key_row.id).map_err(key_error)?;
            let entry = LogEntry::append(
                head.as_ref(),
                LogEvent {
                    kind: LogKind::Issued,
                    certificate_number: number.clone(),
                    payload_sha256: signed.payload.sha256_hex(),
                    at,
                    reason: None,
                    until: None,
                    related: None,
                },
            );
            rows.push(stored_row(&signed, &app, year, serial, now.naive_utc()));
            entries.push(entry.clone());
            head = Some(entry);
        }
        Ok(store::insert_many(conn, &rows, &entries)?)
    })
}
