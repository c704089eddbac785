//! Certificates as signed data: what a certificate states, its canonical bytes (RFC 8785
//! JSON canonicalisation), the Ed25519 signature over them, certificate numbers, and the
//! hash-chained issuance log. Pure: keys and clocks are handed in, nothing is stored here.
//!
//! An offline verifier needs only the published public keys: it canonicalises the payload
//! (sorted keys, no whitespace; the payload holds only strings and integers) and checks the
//! Ed25519 signature over those bytes.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Months, NaiveDate, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Names the payload format; part of the signed bytes, so a verifier never reads a payload
/// of another shape as this one.
pub const PAYLOAD_SCHEMA: &str = "certcase.certificate/1";

/// How long a certificate is valid.
pub const VALIDITY: Months = Months::new(36);

/// What a certificate states, exactly as it is signed. Unknown fields are refused when
/// reading one back: a field that the signature does not cover must not reach a verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificatePayload {
    pub schema: String,
    pub certificate_number: String,
    pub certificate_id: Uuid,
    pub enterprise_name_zh: String,
    pub enterprise_name_en: String,
    /// Unified social credit code (统一社会信用代码).
    pub credit_code: String,
    pub model_code: String,
    pub model_version: String,
    pub part_code: String,
    pub part_name_zh: String,
    pub part_name_en: String,
    pub level: u8,
    pub level_name_zh: String,
    pub level_name_en: String,
    pub round_name_zh: String,
    pub round_name_en: String,
    pub scope_zh: String,
    /// The English scope; absent when the application gave none. Certificates issued
    /// before applications had one carry a copy of the Chinese scope here, and their
    /// signed bytes stay exactly as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_en: Option<String>,
    pub issue_date: NaiveDate,
    pub valid_until: NaiveDate,
    pub issuer_key_id: String,
    /// The certificate this one replaces with a narrower scope; absent on every other
    /// certificate, so that the signed bytes of those stay as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// The certificate this one renews after a re-assessment; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<String>,
}

impl CertificatePayload {
    /// The RFC 8785 form: the bytes that are signed and hashed.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical(self)
    }

    /// Hex SHA-256 of the canonical bytes, as recorded in the issuance log.
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_bytes()))
    }

    /// The English scope to print, if there is one that says more than the Chinese:
    /// an early certificate's copy of the Chinese scope does not count.
    pub fn english_scope(&self) -> Option<&str> {
        self.scope_en.as_deref().filter(|en| *en != self.scope_zh)
    }

    /// Expired from the day after `valid_until`.
    pub fn is_expired_on(&self, today: NaiveDate) -> bool {
        today > self.valid_until
    }
}

/// The last day of validity of a certificate issued on `issue_date` (29 February rolls
/// back to 28 February).
pub fn valid_until(issue_date: NaiveDate) -> NaiveDate {
    issue_date
        .checked_add_months(VALIDITY)
        .expect("a date three years on is representable")
}

/// A payload with its signature, as embedded in the PDF and answered by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCertificate {
    pub payload: CertificatePayload,
    /// Standard base64 (with padding) of the 64-byte Ed25519 signature.
    pub signature_b64: String,
    pub key_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the payload names issuer key '{payload}' but key '{signing}' was given")]
    KeyIdMismatch { payload: String, signing: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("unknown payload schema '{0}'")]
    UnsupportedSchema(String),
    #[error("no published key has id '{0}'")]
    UnknownKeyId(String),
    #[error("the signature names key '{signature}' but the payload names key '{payload}'")]
    KeyIdMismatch { signature: String, payload: String },
    #[error("the signature is not 64 bytes of base64")]
    MalformedSignature,
    #[error("the signature does not match the payload")]
    BadSignature,
}

/// Signs the canonical payload. The key id must be the one the payload names, so that the
/// signed bytes say which key vouches for them.
pub fn sign(
    payload: CertificatePayload,
    key: &SigningKey,
    key_id: &str,
) -> Result<SignedCertificate, SignError> {
    if payload.issuer_key_id != key_id {
        return Err(SignError::KeyIdMismatch {
            payload: payload.issuer_key_id,
            signing: key_id.to_string(),
        });
    }
    let signature = key.sign(&payload.canonical_bytes());
    Ok(SignedCertificate {
        payload,
        signature_b64: BASE64.encode(signature.to_bytes()),
        key_id: key_id.to_string(),
    })
}

/// Checks a signed certificate against the published keys. Revocation and expiry are the
/// log's and the calendar's business, not this function's.
pub fn verify(
    cert: &SignedCertificate,
    published_keys: &[(String, VerifyingKey)],
) -> Result<(), VerifyError> {
    if cert.payload.schema != PAYLOAD_SCHEMA {
        return Err(VerifyError::UnsupportedSchema(cert.payload.schema.clone()));
    }
    let key = published_keys
        .iter()
        .find(|(id, _)| *id == cert.key_id)
        .map(|(_, key)| key)
        .ok_or_else(|| VerifyError::UnknownKeyId(cert.key_id.clone()))?;
    if cert.payload.issuer_key_id != cert.key_id {
        return Err(VerifyError::KeyIdMismatch {
            signature: cert.key_id.clone(),
            payload: cert.payload.issuer_key_id.clone(),
        });
    }
    let bytes: [u8; 64] = BASE64
        .decode(&cert.signature_b64)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VerifyError::MalformedSignature)?;
    // Strict verification also refuses malleable signatures and weak keys.
    key.verify_strict(
        &cert.payload.canonical_bytes(),
        &Signature::from_bytes(&bytes),
    )
    .map_err(|_| VerifyError::BadSignature)
}

/// A short, human-comparable fingerprint of a public key: the first 64 bits of the SHA-256
/// of its 32 bytes, as four groups of upper-case hex ("3F2A 9C01 77B2 0D4E").
pub fn key_fingerprint(key: &VerifyingKey) -> String {
    let digest = hex::encode_upper(&Sha256::digest(key.as_bytes())[..8]);
    digest
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A human-readable, unique certificate number: round year, part code, serial within the
/// year and part, e.g. `2026-CD-000123`.
pub fn certificate_number(year: i32, part_code: &str, serial: u32) -> String {
    format!("{year:04}-{part_code}-{serial:06}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateNumberParts {
    pub year: i32,
    pub part_code: String,
    pub serial: u32,
}

/// Reads a certificate number back. Part codes may contain hyphens (`[A-Z0-9-]+`), so the
/// year is what precedes the first hyphen and the serial what follows the last.
pub fn parse_certificate_number(text: &str) -> Option<CertificateNumberParts> {
    let (year, rest) = text.split_once('-')?;
    let (part_code, serial) = rest.rsplit_once('-')?;
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let part_ok = !part_code.is_empty()
        && part_code.len() <= 16
        && !part_code.starts_with('-')
        && !part_code.ends_with('-')
        && part_code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if !(digits(year, 4, 4) && digits(serial, 6, 9) && part_ok) {
        return None;
    }
    Some(CertificateNumberParts {
        year: year.parse().ok()?,
        part_code: part_code.to_string(),
        serial: serial.parse().ok()?,
    })
}

/// What an issuance-log entry records. `Revoked` is the withdrawal of a certificate (its
/// stored name predates the other decisions and stays, so old entries hash as before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    Issued,
    Revoked,
    /// Suspended until `until`.
    Suspended,
    /// A suspension lifted: in force again.
    Reinstated,
    /// Replaced by `related`, a certificate with a narrower scope.
    Superseded,
    /// Replaced by `related`, its successor after a re-assessment.
    Renewed,
    /// A surveillance found the certificate should stay in force as it is.
    SurveillanceMaintained,
}

impl LogKind {
    pub const ALL: [LogKind; 7] = [
        LogKind::Issued,
        LogKind::Revoked,
        LogKind::Suspended,
        LogKind::Reinstated,
        LogKind::Superseded,
        LogKind::Renewed,
        LogKind::SurveillanceMaintained,
    ];

    /// The name stored in the database and hashed into the entry.
    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Issued => "issued",
            LogKind::Revoked => "revoked",
            LogKind::Suspended => "suspended",
            LogKind::Reinstated => "reinstated",
            LogKind::Superseded => "superseded",
            LogKind::Renewed => "renewed",
            LogKind::SurveillanceMaintained => "surveillance_maintained",
        }
    }

    pub fn parse(text: &str) -> Option<LogKind> {
        LogKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub kind: LogKind,
    pub certificate_number: String,
    pub payload_sha256: String,
    pub at: DateTime<Utc>,
    /// Why the secretariat decided; `None` for issuance.
    pub reason: Option<String>,
    /// The last day of a suspension.
    pub until: Option<NaiveDate>,
    /// The other certificate of a supersession or renewal (the successor on the old
    /// certificate's entry, the predecessor on the successor's issuance).
    pub related: Option<String>,
}

/// One row of the issuance log. `hash` seals the entry itself, so that altering any row,
/// the last one included, is found at that row; `prev_hash` links it to the row before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub index: u64,
    pub kind: LogKind,
    pub certificate_number: String,
    pub payload_sha256: String,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
    pub until: Option<NaiveDate>,
    pub related: Option<String>,
    /// On an issuance: hex SHA-256 of the certificate PDF as issued (the rendering is
    /// deterministic). Absent on other kinds and on issuances recorded before PDFs were
    /// hashed, or without a PDF (bulk loads); see [`DocumentCheck`].
    pub pdf_sha256: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an entry's hash covers: all but the hash. Time is hashed at whole seconds so
/// that a database storing microseconds (or none) gives back an entry with the same hash.
/// Fields an entry does not have are left out, so entries written before `until` and
/// `related` existed hash exactly as they did.
#[derive(Serialize)]
struct HashedEntry<'a> {
    index: u64,
    kind: LogKind,
    certificate_number: &'a str,
    payload_sha256: &'a str,
    at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pdf_sha256: Option<&'a str>,
    prev_hash: &'a str,
}

/// SHA-256 of the entry's canonical bytes, `hash` excluded.
pub fn entry_hash(entry: &LogEntry) -> [u8; 32] {
    let hashed = HashedEntry {
        index: entry.index,
        kind: entry.kind,
        certificate_number: &entry.certificate_number,
        payload_sha256: &entry.payload_sha256,
        at: entry.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        reason: entry.reason.as_deref(),
        until: entry.until,
        related: entry.related.as_deref(),
        pdf_sha256: entry.pdf_sha256.as_deref(),
        prev_hash: &entry.prev_hash,
    };
    Sha256::digest(canonical(&hashed)).into()
}

impl LogEntry {
    /// Places `event` after `prev` (`None` for the first entry) and seals it.
    pub fn append(prev: Option<&LogEntry>, event: LogEvent) -> LogEntry {
        LogEntry::append_with_document(prev, event, None)
    }

    /// As [`LogEntry::append`], recording an issuance with the hex SHA-256 of the PDF
    /// issued, under the entry's hash.
    pub fn append_with_document(
        prev: Option<&LogEntry>,
        event: LogEvent,
        pdf_sha256: Option<String>,
    ) -> LogEntry {
        let mut entry = LogEntry {
            index: prev.map_or(0, |p| p.index + 1),
            kind: event.kind,
            certificate_number: event.certificate_number,
            payload_sha256: event.payload_sha256,
            at: event.at,
            reason: event.reason,
            until: event.until,
            related: event.related,
            pdf_sha256,
            prev_hash: prev.map_or_else(|| GENESIS_HASH.to_string(), |p| p.hash.clone()),
            hash: String::new(),
        };
        entry.hash = hex::encode(entry_hash(&entry));
        entry
    }
}

/// Walks the log from its first entry (index 0). `Err` carries the index of the first
/// entry that is out of place, altered, or not linked to the one before it. Removing
/// entries from the end cannot be seen from the log alone; publishing the head hash can.
pub fn verify_chain(entries: &[LogEntry]) -> Result<(), usize> {
    verify_continuation(None, entries)
}

/// Walks `entries` as the continuation of a chain already verified through `after` (the
/// index and hash of its last entry; `None`: from the first entry, as [`verify_chain`]).
/// `Err` carries the log index of the first entry that is out of place, altered, or not
/// linked to the one before it.
pub fn verify_continuation(after: Option<(u64, &str)>, entries: &[LogEntry]) -> Result<(), usize> {
    let (mut index, mut expected_prev) = match after {
        None => (0, GENESIS_HASH),
        Some((last, hash)) => (last + 1, hash),
    };
    for entry in entries {
        let intact = entry.index == index
            && entry.prev_hash == expected_prev
            && entry.hash == hex::encode(entry_hash(entry));
        if !intact {
            return Err(index as usize);
        }
        expected_prev = &entry.hash;
        index += 1;
    }
    Ok(())
}

/// Whether an entry still hashes to the hash it stores (its own content unaltered, or
/// altered and resealed, which only the link from the next entry shows).
pub fn sealed(entry: &LogEntry) -> bool {
    entry.hash == hex::encode(entry_hash(entry))
}

/// Whether a presented certificate PDF is the document certcase issued: its SHA-256
/// against the one its issuance entry recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentCheck {
    /// Byte for byte the PDF issued.
    Issued,
    /// Another file carrying the same signed payload: edited, re-saved or hand-made.
    /// Never "valid".
    NotIssued,
    /// The issuance recorded no PDF hash (issued before PDFs were hashed, or bulk-loaded):
    /// only the payload can be checked, as it was then.
    NotRecorded,
}

impl DocumentCheck {
    /// `issuance` is the certificate's issuance entry; `pdf` the presented file.
    pub fn of(issuance: &LogEntry, pdf: &[u8]) -> DocumentCheck {
        match &issuance.pdf_sha256 {
            None => DocumentCheck::NotRecorded,
            Some(recorded) if *recorded == hex::encode(Sha256::digest(pdf)) => {
                DocumentCheck::Issued
            }
            Some(_) => DocumentCheck::NotIssued,
        }
    }

    /// The name answered by the API (`document`).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentCheck::Issued => "issued",
            DocumentCheck::NotIssued => "not_issued",
            DocumentCheck::NotRecorded => "not_recorded",
        }
    }
}

/// RFC 8785. Cannot fail for the types above: their map keys are field names.
fn canonical<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).expect("structs with string keys canonicalise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;
    use serde_json::Value;

    fn payload(key_id: &str) -> CertificatePayload {
        let issue_date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        CertificatePayload {
            schema: PAYLOAD_SCHEMA.into(),
            certificate_number: certificate_number(2026, "CD", 123),
            certificate_id: Uuid::parse_str("0195f3a2-7c1e-7b3d-9a41-2f6d8e0c5b17").unwrap(),
            enterprise_name_zh: "张喆王堃科技有限公司".into(),
            enterprise_name_en: "Łukasz & O'Brien <script> Ltd.".into(),
            credit_code: "91110108MA01ABCD2X".into(),
            model_code: "caict-devops".into(),
            model_version: "2025.1".into(),
            part_code: "CD".into(),
            part_name_zh: "持续交付".into(),
            part_name_en: "Continuous Delivery".into(),
            level: 3,
            level_name_zh: "全面级".into(),
            level_name_en: "Comprehensive".into(),
            round_name_zh: "2026年第一批".into(),
            round_name_en: "2026 Round 1".into(),
            scope_zh: "软件研发与交付".into(),
            scope_en: Some("Software development and delivery".into()),
            issue_date,
            valid_until: valid_until(issue_date),
            issuer_key_id: key_id.into(),
            supersedes: None,
            renews: None,
        }
    }

    fn issued() -> (SignedCertificate, Vec<(String, VerifyingKey)>) {
        let key = SigningKey::generate(&mut OsRng);
        let other = SigningKey::generate(&mut OsRng);
        let cert = sign(payload("k2026"), &key, "k2026").unwrap();
        let published = vec![
            ("k2025".to_string(), other.verifying_key()),
            ("k2026".to_string(), key.verifying_key()),
        ];
        (cert, published)
    }

    /// Applies `edit` to the certificate's JSON form, as someone editing a PDF would.
    fn tampered(cert: &SignedCertificate, edit: impl FnOnce(&mut Value)) -> SignedCertificate {
        let mut json = serde_json::to_value(cert).unwrap();
        edit(&mut json);
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_signed_certificate_verifies_against_the_published_keys() {
        let (cert, published) = issued();
        assert_eq!(verify(&cert, &published), Ok(()));
        let json = serde_json::to_string(&cert).unwrap();
        let back: SignedCertificate = serde_json::from_str(&json).unwrap();
        assert_eq!(verify(&back, &published), Ok(()));
    }

    #[test]
    fn changing_any_payload_field_invalidates_the_signature() {
        let (cert, published) = issued();
        let fields: Vec<String> = match serde_json::to_value(&cert.payload).unwrap() {
            Value::Object(map) => map.keys().cloned().collect(),
            _ => unreachable!(),
        };
        assert_eq!(fields.len(), 21);
        for field in fields {
            let changed = tampered(&cert, |json| {
                let value = &mut json["payload"][field.as_str()];
                *value = match value.take() {
                    Value::Number(n) => (n.as_u64().unwrap() + 1).into(),
                    Value::String(s) if field.ends_with("_date") || field == "valid_until" => {
                        let date: NaiveDate = s.parse().unwrap();
                        date.succ_opt().unwrap().to_string().into()
                    }
                    Value::String(s) if field == "certificate_id" => s.replace('7', "8").into(),
                    Value::String(s) => format!("{s}x").into(),
                    other => panic!("unexpected value {other}"),
                };
            });
            let expected = match field.as_str() {
                "schema" => VerifyError::UnsupportedSchema(format!("{PAYLOAD_SCHEMA}x")),
                "issuer_key_id" => VerifyError::KeyIdMismatch {
                    signature: "k2026".into(),
                    payload: "k2026x".into(),
                },
                _ => VerifyError::BadSignature,
            };
            assert_eq!(verify(&changed, &published), Err(expected), "field {field}");
        }
    }

    /// A certificate as issued before applications had an English scope: its payload
    /// carries the Chinese scope again as `scope_en`. It was signed over its own canonical
    /// JSON, built here without this crate's types, and must still verify.
    #[test]
    fn a_certificate_with_the_copied_scope_of_before_still_verifies() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let payload = serde_json::json!({
            "schema": PAYLOAD_SCHEMA,
            "certificate_number": "2026-CD-000001",
            "certificate_id": "0195f3a2-7c1e-7b3d-9a41-2f6d8e0c5b17",
            "enterprise_name_zh": "张喆科技",
            "enterprise_name_en": "张喆科技",
            "credit_code": "91110108MA01ABCD2X",
            "model_code": "caict-devops",
            "model_version": "2025.1",
            "part_code": "CD",
            "part_name_zh": "持续交付",
            "part_name_en": "Continuous Delivery",
            "level": 3,
            "level_name_zh": "全面级",
            "level_name_en": "Comprehensive",
            "round_name_zh": "2026年第一批",
            "round_name_en": "2026 Round 1",
            "scope_zh": "核心交易系统",
            "scope_en": "核心交易系统",
            "issue_date": "2026-03-02",
            "valid_until": "2029-03-02",
            "issuer_key_id": "k2026",
        });
        let signature = key.sign(&serde_json_canonicalizer::to_vec(&payload).unwrap());
        let stored = serde_json::json!({
            "payload": payload,
            "signature_b64": BASE64.encode(signature.to_bytes()),
            "key_id": "k2026",
        });
        let cert: SignedCertificate = serde_json::from_value(stored).unwrap();
        let published = [("k2026".to_string(), key.verifying_key())];
        assert_eq!(verify(&cert, &published), Ok(()));
        assert_eq!(cert.payload.scope_en.as_deref(), Some("核心交易系统"));
        assert_eq!(cert.payload.english_scope(), None, "a copy is not English");
        assert_eq!(
            serde_json::to_value(&cert.payload).unwrap(),
            payload,
            "read back, the payload is the one that was signed"
        );
    }

    #[test]
    fn without_an_english_scope_the_field_is_absent_and_adding_one_breaks_the_signature() {
        let key = SigningKey::generate(&mut OsRng);
        let published = vec![("k2026".to_string(), key.verifying_key())];
        let mut bare = payload("k2026");
        bare.scope_en = None;
        let cert = sign(bare, &key, "k2026").unwrap();
        let json = serde_json::to_value(&cert).unwrap();
        assert!(json["payload"].get("scope_en").is_none(), "{json}");
        let back: SignedCertificate = serde_json::from_value(json).unwrap();
        assert_eq!(verify(&back, &published), Ok(()));
        assert_eq!(back.payload.english_scope(), None);

        let added = tampered(&cert, |json| {
            json["payload"]["scope_en"] = "Everything".into();
        });
        assert_eq!(verify(&added, &published), Err(VerifyError::BadSignature));
        let with = sign(payload("k2026"), &key, "k2026").unwrap();
        assert_eq!(
            with.payload.english_scope(),
            Some("Software development and delivery")
        );
        let dropped = tampered(&with, |json| {
            json["payload"].as_object_mut().unwrap().remove("scope_en");
        });
        assert_eq!(verify(&dropped, &published), Err(VerifyError::BadSignature));
    }

    #[test]
    fn changing_one_signature_byte_invalidates_it() {
        let (cert, published) = issued();
        for i in [0, 31, 63] {
            let mut bytes = BASE64.decode(&cert.signature_b64).unwrap();
            bytes[i] ^= 0x01;
            let changed = SignedCertificate {
                signature_b64: BASE64.encode(&bytes),
                ..cert.clone()
            };
            assert_eq!(verify(&changed, &published), Err(VerifyError::BadSignature));
        }
        let truncated = SignedCertificate {
            signature_b64: cert.signature_b64[..40].to_string(),
            ..cert.clone()
        };
        assert_eq!(
            verify(&truncated, &published),
            Err(VerifyError::MalformedSignature)
        );
        let garbage = SignedCertificate {
            signature_b64: "not base64!".into(),
            ..cert
        };
        assert_eq!(
            verify(&garbage, &published),
            Err(VerifyError::MalformedSignature)
        );
    }

    #[test]
    fn changing_the_key_id_gives_its_reason() {
        let (cert, published) = issued();
        let unknown = SignedCertificate {
            key_id: "k2099".into(),
            ..cert.clone()
        };
        assert_eq!(
            verify(&unknown, &published),
            Err(VerifyError::UnknownKeyId("k2099".into()))
        );
        // Pointing at another published key: the payload still names the signing key.
        let other = SignedCertificate {
            key_id: "k2025".into(),
            ..cert.clone()
        };
        assert_eq!(
            verify(&other, &published),
            Err(VerifyError::KeyIdMismatch {
                signature: "k2025".into(),
                payload: "k2026".into()
            })
        );
        // Both moved to the other key: the other key did not sign these bytes.
        let both = tampered(&cert, |json| {
            json["key_id"] = "k2025".into();
            json["payload"]["issuer_key_id"] = "k2025".into();
        });
        assert_eq!(verify(&both, &published), Err(VerifyError::BadSignature));
        assert_eq!(
            verify(&cert, &published[..1]),
            Err(VerifyError::UnknownKeyId("k2026".into()))
        );
    }

    #[test]
    fn a_key_cannot_sign_a_payload_naming_another_key() {
        let key = SigningKey::generate(&mut OsRng);
        assert_eq!(
            sign(payload("k2025"), &key, "k2026"),
            Err(SignError::KeyIdMismatch {
                payload: "k2025".into(),
                signing: "k2026".into()
            })
        );
    }

    #[test]
    fn fields_the_signature_does_not_cover_are_refused() {
        let (cert, _) = issued();
        let mut json = serde_json::to_value(&cert).unwrap();
        json["payload"]["note"] = "added later".into();
        assert!(serde_json::from_value::<SignedCertificate>(json).is_err());
    }

    #[test]
    fn the_payload_is_canonical_json() {
        let text = String::from_utf8(payload("k1").canonical_bytes()).unwrap();
        assert!(text.starts_with(r#"{"certificate_id":"0195f3a2-7c1e-7b3d-9a41-2f6d8e0c5b17","certificate_number":"2026-CD-000123","credit_code":"#));
        assert!(text.contains(r#""enterprise_name_en":"Łukasz & O'Brien <script> Ltd.","enterprise_name_zh":"张喆王堃科技有限公司""#));
        assert!(text.contains(r#""issue_date":"2026-03-02","issuer_key_id":"k1","level":3,"#));
        assert!(text.ends_with(r#""valid_until":"2029-03-02"}"#));
        assert_eq!(payload("k1").sha256_hex().len(), 64);
    }

    #[test]
    fn canonicalisation_follows_the_rfc_8785_examples() {
        // RFC 8785 section 3.2.2.
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let value: Value = serde_json::from_str(input).unwrap();
        assert_eq!(
            String::from_utf8(canonical(&value)).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        // Section 3.2.3: keys sort by UTF-16 code units, so the emoji (a surrogate pair,
        // 0xD83D) comes before U+FB33 although its code point is larger.
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let value: Value = serde_json::from_str(input).unwrap();
        assert_eq!(
            String::from_utf8(canonical(&value)).unwrap(),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\
             \"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
        // Chinese keys sort by code unit too.
        let value: Value = serde_json::from_str(r#"{"王":1,"张":2,"b":3,"A":4}"#).unwrap();
        assert_eq!(
            canonical(&value),
            r#"{"A":4,"b":3,"张":2,"王":1}"#.as_bytes()
        );
    }

    #[test]
    fn certificate_numbers_are_readable_and_read_back() {
        assert_eq!(certificate_number(2026, "CD", 123), "2026-CD-000123");
        assert_eq!(
            certificate_number(2026, "SEC-DEV", 1_234_567),
            "2026-SEC-DEV-1234567"
        );
        for (year, part, serial) in [
            (2026, "CD", 123),
            (2031, "SEC-DEV", 1),
            (2027, "TO", 999_999),
        ] {
            let parsed = parse_certificate_number(&certificate_number(year, part, serial)).unwrap();
            assert_eq!(
                (parsed.year, parsed.part_code.as_str(), parsed.serial),
                (year, part, serial)
            );
        }
        for bad in [
            "",
            "2026",
            "2026-CD",
            "26-CD-000123",
            "2026-cd-000123",
            "2026--000123",
            "2026-CD-123",
            "2026-CD-00012a",
            "2026-CD--000123",
            "２０２６-CD-000123",
            "2026-CD-000123 ",
            "2026-<script>-000123",
        ] {
            assert_eq!(parse_certificate_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn certificates_are_valid_for_three_years() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(valid_until(d(2026, 3, 2)), d(2029, 3, 2));
        assert_eq!(valid_until(d(2028, 2, 29)), d(2031, 2, 28));
        let p = payload("k");
        assert!(!p.is_expired_on(d(2029, 3, 2)));
        assert!(p.is_expired_on(d(2029, 3, 3)));
    }

    fn log_of(n: usize) -> Vec<LogEntry> {
        let start = DateTime::parse_from_rfc3339("2026-03-02T08:00:00.123456Z")
            .unwrap()
            .to_utc();
        let mut log: Vec<LogEntry> = Vec::new();
        for i in 0..n {
            let revoked = i % 4 == 3;
            let event = LogEvent {
                kind: if revoked {
                    LogKind::Revoked
                } else {
                    LogKind::Issued
                },
                certificate_number: certificate_number(2026, "CD", (i + 1) as u32),
                payload_sha256: hex::encode(Sha256::digest(i.to_string())),
                at: start + chrono::Duration::minutes(i as i64),
                reason: revoked.then(|| "证书信息有误 / wrong details".to_string()),
                until: None,
                related: None,
            };
            log.push(LogEntry::append(log.last(), event));
        }
        log
    }

    #[test]
    fn an_intact_log_verifies() {
        let log = log_of(10);
        assert_eq!(log[0].prev_hash, GENESIS_HASH);
        assert_eq!(log[3].prev_hash, log[2].hash);
        assert_eq!(verify_chain(&log), Ok(()));
        assert_eq!(verify_chain(&[]), Ok(()));
    }

    #[test]
    fn the_log_hash_survives_a_database_that_drops_sub_seconds() {
        let mut log = log_of(3);
        for entry in &mut log {
            entry.at -= chrono::Duration::microseconds(123_456);
        }
        assert_eq!(verify_chain(&log), Ok(()));
    }

    #[test]
    fn altering_a_row_is_found_at_that_row() {
        type Edit = fn(&mut LogEntry);
        let edits: [Edit; 8] = [
            |e| e.kind = LogKind::Issued,
            |e| e.certificate_number.push('9'),
            |e| e.payload_sha256 = GENESIS_HASH.into(),
            |e| e.at += chrono::Duration::seconds(1),
            |e| e.reason = None,
            |e| e.index += 1,
            |e| e.prev_hash = GENESIS_HASH.into(),
            |e| e.pdf_sha256 = Some("cd".repeat(32)),
        ];
        for (n, edit) in edits.iter().enumerate() {
            let mut log = log_of(8);
            edit(&mut log[7]);
            assert_eq!(verify_chain(&log), Err(7), "edit {n} on the last row");
        }
        let mut log = log_of(8);
        log[2].certificate_number = "2026-CD-999999".into();
        assert_eq!(verify_chain(&log), Err(2));
        // Resealing the altered row breaks the link from the next one.
        log[2].hash = hex::encode(entry_hash(&log[2]));
        assert_eq!(verify_chain(&log), Err(3));
        // A removed row or a reordering is out of place.
        let mut log = log_of(8);
        log.remove(4);
        assert_eq!(verify_chain(&log), Err(4));
        let mut log = log_of(8);
        log.swap(5, 6);
        assert_eq!(verify_chain(&log), Err(5));
    }

    proptest::proptest! {
        /// Walking on from any verified entry finds what walking from the first finds:
        /// the same first broken entry, or none, whatever row is altered and how.
        #[test]
        fn a_continuation_finds_what_the_whole_walk_finds(
            len in 2usize..24,
            split in 0usize..23,
            altered in 0usize..24,
            edit in 0usize..4,
            reseal: bool,
        ) {
            let split = split % (len - 1);
            let altered = altered % len;
            let mut log = log_of(len);
            let anchor = (log[split].index, log[split].hash.clone());
            if altered > split {
                let e = &mut log[altered];
                match edit {
                    0 => e.kind = LogKind::Suspended,
                    1 => e.reason = Some("x".into()),
                    2 => e.prev_hash = GENESIS_HASH.into(),
                    _ => e.index += 1,
                }
                if reseal {
                    e.hash = hex::encode(entry_hash(e));
                }
            }
            let whole = verify_chain(&log);
            let on = verify_continuation(Some((anchor.0, &anchor.1)), &log[split + 1..]);
            proptest::prop_assert_eq!(whole, on);
            if altered <= split {
                proptest::prop_assert_eq!(whole, Ok(()));
            } else if !reseal {
                proptest::prop_assert_eq!(whole, Err(altered));
            }
            proptest::prop_assert!(log[..=split].iter().all(sealed));
        }
    }

    /// A PDF hash recorded at issuance is sealed with the entry; an entry without one
    /// (issued before PDFs were hashed) tells the verifier that only its payload can be
    /// checked.
    #[test]
    fn the_issued_pdf_hash_is_sealed_and_decides_the_document_check() {
        let event = log_of(1).remove(0);
        let pdf = b"%PDF-1.7 the issued certificate";
        let issued = LogEntry::append_with_document(
            None,
            LogEvent {
                kind: LogKind::Issued,
                certificate_number: event.certificate_number.clone(),
                payload_sha256: event.payload_sha256.clone(),
                at: event.at,
                reason: None,
                until: None,
                related: None,
            },
            Some(hex::encode(Sha256::digest(pdf))),
        );
        assert_eq!(verify_chain(std::slice::from_ref(&issued)), Ok(()));
        assert_ne!(
            issued.hash, event.hash,
            "the PDF hash is under the entry hash"
        );
        assert_eq!(DocumentCheck::of(&issued, pdf), DocumentCheck::Issued);
        assert_eq!(
            DocumentCheck::of(&issued, b"%PDF-1.7 the issued certificatf"),
            DocumentCheck::NotIssued
        );
        assert_eq!(DocumentCheck::of(&issued, b""), DocumentCheck::NotIssued);
        assert_eq!(DocumentCheck::of(&event, pdf), DocumentCheck::NotRecorded);
        let mut forged = issued.clone();
        forged.pdf_sha256 = Some(hex::encode(Sha256::digest(b"another file")));
        assert_eq!(verify_chain(&[forged]), Err(0));
    }

    /// Entries written before `until` and `related` existed were hashed over the fields
    /// they had; they must hash the same now, or `verify-log` would fail old logs.
    #[test]
    fn entries_without_the_new_fields_hash_as_before() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
            .unwrap()
            .to_utc();
        let entry = LogEntry::append(
            None,
            LogEvent {
                kind: LogKind::Revoked,
                certificate_number: "2026-CD-000001".into(),
                payload_sha256: "ab".repeat(32),
                at,
                reason: Some("wrong".into()),
                until: None,
                related: None,
            },
        );
        let before = serde_json::json!({
            "index": 0,
            "kind": "revoked",
            "certificate_number": "2026-CD-000001",
            "payload_sha256": "ab".repeat(32),
            "at": "2026-03-02T08:00:00Z",
            "reason": "wrong",
            "prev_hash": GENESIS_HASH,
        });
        assert_eq!(entry.hash, hex::encode(Sha256::digest(canonical(&before))));

        let mut suspended = entry.clone();
        suspended.kind = LogKind::Suspended;
        suspended.until = NaiveDate::from_ymd_opt(2026, 6, 1);
        suspended.related = Some("2026-CD-000002".into());
        let sealed = hex::encode(entry_hash(&suspended));
        suspended.until = NaiveDate::from_ymd_opt(2026, 9, 1);
        assert_ne!(
            sealed,
            hex::encode(entry_hash(&suspended)),
            "until is sealed"
        );
        suspended.until = NaiveDate::from_ymd_opt(2026, 6, 1);
        suspended.related = None;
        assert_ne!(
            sealed,
            hex::encode(entry_hash(&suspended)),
            "related is sealed"
        );
    }

    #[test]
    fn log_kinds_read_back_from_their_names() {
        for kind in LogKind::ALL {
            assert_eq!(LogKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                Value::String(kind.as_str().into())
            );
        }
        assert_eq!(LogKind::parse("withdrawn"), None);
    }

    #[test]
    fn a_successor_names_its_predecessor_under_the_signature() {
        let key = SigningKey::generate(&mut OsRng);
        let published = vec![("k2026".to_string(), key.verifying_key())];
        let mut successor = payload("k2026");
        successor.supersedes = Some("2026-CD-000001".into());
        let cert = sign(successor, &key, "k2026").unwrap();
        assert_eq!(verify(&cert, &published), Ok(()));
        let moved = tampered(&cert, |json| {
            json["payload"]["supersedes"] = "2026-CD-000002".into();
        });
        assert_eq!(verify(&moved, &published), Err(VerifyError::BadSignature));
    }

    #[test]
    fn key_fingerprints_are_short_and_stable() {
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let fp = key_fingerprint(&key);
        assert_eq!(fp.len(), 19);
        assert_eq!(fp, key_fingerprint(&key));
        assert!(fp.split(' ').all(|g| g.len() == 4));
    }
}
