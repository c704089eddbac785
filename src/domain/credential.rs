//! A certificate as a W3C Verifiable Credential (VC Data Model 2.0, Open Badges 3.0
//! `OpenBadgeCredential`) secured with an `eddsa-jcs-2022` proof; the issuer's controller
//! document (Multikeys, also as `did:web`); and the W3C Bitstring Status Lists that say
//! whether a credential is revoked or suspended. Pure: keys, times and bits are handed in.
//!
//! The credential sits beside the signed payload of [`super::certificate`], which stays
//! valid; both state the same facts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{json, Value};

use super::certificate::CertificatePayload;
use super::certificate_status::CertState;
use super::data_integrity::{self as di, ProofError};

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// Entries of one status list: the minimum the Bitstring Status List specification asks
/// for, so that one credential's index says little about how many were issued.
pub const LIST_SIZE: u32 = 131_072;
/// The bytes of one list (one bit per entry).
pub const LIST_BYTES: usize = (LIST_SIZE / 8) as usize;

/// The two lists every credential has an entry in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    Revocation,
    Suspension,
}

impl StatusPurpose {
    pub const ALL: [StatusPurpose; 2] = [StatusPurpose::Revocation, StatusPurpose::Suspension];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }

    pub fn parse(text: &str) -> Option<StatusPurpose> {
        StatusPurpose::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// The bits a certificate's state sets in its credential's entries: (revocation,
/// suspension). Every decision that changes the state writes both in its transaction.
///
/// - Withdrawn: revocation set, suspension cleared.
/// - Superseded (a narrower scope) or renewed: revocation set, suspension cleared. The
///   credential is no longer valid for good (its successor has a credential of its own),
///   and "revoked" is what a VC verifier understands as that; `/verify` still says which.
/// - Suspended: suspension set, also after the suspension's last day has passed without a
///   decision (the certificate stays suspended until the secretariat reinstates or
///   withdraws it, as verification by number says).
/// - In force: neither. Expiry sets nothing: the credential's `validUntil` says it.
pub fn status_of(state: &CertState) -> (bool, bool) {
    match state {
        CertState::Withdrawn { .. } | CertState::Superseded { .. } | CertState::Renewed { .. } => {
            (true, false)
        }
        CertState::Suspended { .. } => (false, true),
        CertState::InForce => (false, false),
    }
}

/// Where a credential's bit is: the list number and the position in it. A credential's
/// status index counts from 0 over all credentials; list `n` holds indexes
/// `n * LIST_SIZE ..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusSlot {
    pub list: u32,
    pub position: u32,
}

impl StatusSlot {
    pub fn of_index(index: u64) -> StatusSlot {
        StatusSlot {
            list: (index / u64::from(LIST_SIZE)) as u32,
            position: (index % u64::from(LIST_SIZE)) as u32,
        }
    }
}

/// The bit at `position`; position 0 is the left-most (most significant) bit of byte 0.
pub fn bit(bits: &[u8], position: u32) -> bool {
    let byte = bits.get((position / 8) as usize).copied().unwrap_or(0);
    byte & (0x80 >> (position % 8)) != 0
}

/// Sets or clears the bit at `position` (a short list grows to [`LIST_BYTES`]).
pub fn set_bit(bits: &mut Vec<u8>, position: u32, value: bool) {
    if bits.len() < LIST_BYTES {
        bits.resize(LIST_BYTES, 0);
    }
    let mask = 0x80u8 >> (position % 8);
    let byte = &mut bits[(position / 8) as usize];
    if value {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
}

/// `encodedList`: GZIP of the bits, multibase base64url without padding (`u` prefix).
pub fn encode_list(bits: &[u8]) -> String {
    use std::io::Write;
    let mut full = bits.to_vec();
    full.resize(LIST_BYTES.max(bits.len()), 0);
    // No file name and time zero in the header: the same bits always encode the same.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&full).expect("writing to memory");
    let zipped = gz.finish().expect("writing to memory");
    format!("u{}", BASE64URL.encode(zipped))
}

/// The bits of an `encodedList`; `None` if it is not multibase base64url GZIP.
pub fn decode_list(encoded: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let zipped = BASE64URL.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice())
        .take(16 * LIST_BYTES as u64)
        .read_to_end(&mut bits)
        .ok()?;
    Some(bits)
}

/// The URLs of the issuer's documents, all under the configured base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerUrls {
    base: String,
}

impl IssuerUrls {
    pub fn new(base_url: &str) -> IssuerUrls {
        IssuerUrls {
            base: base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The issuer's id and its controller document.
    pub fn issuer(&self) -> String {
        format!("{}/issuer", self.base)
    }

    /// A key's verification method: the controller document's URL, `#`, the Multikey.
    pub fn verification_method(&self, key: &VerifyingKey) -> String {
        format!("{}#{}", self.issuer(), di::multikey(key))
    }

    /// The signed credential of a certificate (`/certificates/{number}.json`).
    pub fn credential(&self, number: &str) -> String {
        format!("{}/certificates/{number}.json", self.base)
    }

    pub fn status_list(&self, purpose: StatusPurpose, list: u32) -> String {
        format!(
            "{}/credentials/status/{}/{list}",
            self.base,
            purpose.as_str()
        )
    }

    /// `did:web` of the base URL: the host (a port's colon percent-encoded), then each
    /// path segment after a colon; the document is at `/.well-known/did.json` only when
    /// the base URL has no path.
    pub fn did_web(&self) -> String {
        let rest = self
            .base
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&self.base);
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut did = format!("did:web:{}", host.replace(':', "%3A"));
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            did.push(':');
            did.push_str(segment);
        }
        did
    }
}

/// Date-times as the credentials write them: UTC, whole seconds, `Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Language-tagged values (VC Data Model 2.0 §11.1): Chinese, and English when there is
/// English.
fn bilingual(zh: &str, en: &str) -> Value {
    if en.trim().is_empty() {
        return json!([{ "@value": zh, "@language": "zh-CN" }]);
    }
    json!([
        { "@value": zh, "@language": "zh-CN" },
        { "@value": en, "@language": "en" },
    ])
}

/// What a credential is made of besides the signed payload.
#[derive(Debug, Clone)]
pub struct CredentialInput<'a> {
    pub payload: &'a CertificatePayload,
    pub urls: &'a IssuerUrls,
    /// The credential's index in the status lists, allocated at issue.
    pub status_index: u64,
    /// When the credential was signed (the proof's `created`).
    pub created: DateTime<Utc>,
}

/// The issuer profile (Open Badges 3.0 `Profile`).
fn issuer_profile(urls: &IssuerUrls) -> Value {
    json!({
        "id": urls.issuer(),
        "type": ["Profile"],
        "name": "certcase 认证秘书处 / certcase Certification Secretariat",
    })
}

/// The credential before its proof.
pub fn unsigned_credential(input: &CredentialInput<'_>) -> Value {
    let p = input.payload;
    let urls = input.urls;
    let slot = StatusSlot::of_index(input.status_index);
    let status: Vec<Value> = StatusPurpose::ALL
        .into_iter()
        .map(|purpose| {
            let list = urls.status_list(purpose, slot.list);
            json!({
                "id": format!("{list}#{}", slot.position),
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.as_str(),
                "statusListIndex": slot.position.to_string(),
                "statusListCredential": list,
            })
        })
        .collect();
    let scope_en = p.english_scope().unwrap_or_default();
    json!({
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": format!("urn:uuid:{}", p.certificate_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": bilingual(
            &format!("{} {} 认证证书 {}", p.part_name_zh, p.level_name_zh, p.certificate_number),
            &format!("{} {} certificate {}", p.part_name_en, p.level_name_en, p.certificate_number),
        ),
        "issuer": issuer_profile(urls),
        "validFrom": format!("{}T00:00:00Z", p.issue_date),
        "validUntil": format!("{}T23:59:59Z", p.valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": bilingual(&p.enterprise_name_zh, &p.enterprise_name_en),
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "identifier",
                "hashed": false,
                "identityHash": p.credit_code,
            }],
            "licenseNumber": p.certificate_number,
            "achievement": {
                "id": format!(
                    "urn:certcase:achievement:{}:{}:{}:{}",
                    p.model_code, p.model_version, p.part_code, p.level
                ),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": bilingual(
                    &format!("{} {}", p.part_name_zh, p.level_name_zh),
                    &format!("{} {}", p.part_name_en, p.level_name_en),
                ),
                "description": bilingual(&p.scope_zh, scope_en),
                "criteria": {
                    "narrative": bilingual(
                        &format!(
                            "经 {} 评估，达到 {} {} 版 {} 部分第 {} 级（{}）的要求。",
                            p.round_name_zh, p.model_code, p.model_version, p.part_code,
                            p.level, p.level_name_zh
                        ),
                        &format!(
                            "Assessed in {} as meeting level {} ({}) of part {} of {} version {}.",
                            p.round_name_en, p.level, p.level_name_en, p.part_code,
                            p.model_code, p.model_version
                        ),
                    ),
                },
                "part": p.part_code,
                "level": p.level,
            },
        },
        "credentialStatus": status,
    })
}

/// The signed credential of a certificate as JSON text: what `/certificates/{number}.json`
/// answers and what a PDF may carry. Ed25519 is deterministic, so the same input and key
/// always give the same text.
pub fn credential_json(input: &CredentialInput<'_>, key: &SigningKey) -> String {
    let signed = di::add_proof(
        unsigned_credential(input),
        key,
        &input.urls.verification_method(&key.verifying_key()),
        &timestamp(input.created),
    );
    serde_json::to_string_pretty(&signed).expect("JSON values serialise")
}

/// A signed Bitstring Status List credential of one purpose and list.
pub fn status_list_credential(
    urls: &IssuerUrls,
    purpose: StatusPurpose,
    list: u32,
    bits: &[u8],
    updated: DateTime<Utc>,
    key: &SigningKey,
) -> Value {
    let id = urls.status_list(purpose, list);
    let unsigned = json!({
        "@context": [VC_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.issuer(),
        "validFrom": timestamp(updated),
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encode_list(bits),
        },
    });
    di::add_proof(
        unsigned,
        key,
        &urls.verification_method(&key.verifying_key()),
        &timestamp(updated),
    )
}

/// One key of the controller document: its id and public key.
pub type PublishedKey = (String, VerifyingKey);

fn verification_methods(controller: &str, keys: &[PublishedKey]) -> (Vec<Value>, Vec<Value>) {
    let methods = keys
        .iter()
        .map(|(_, key)| {
            json!({
                "id": format!("{controller}#{}", di::multikey(key)),
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": di::multikey(key),
            })
        })
        .collect();
    let refs = keys
        .iter()
        .map(|(_, key)| json!(format!("{controller}#{}", di::multikey(key))))
        .collect();
    (methods, refs)
}

/// The issuer's controller document (W3C Controlled Identifiers): every key that signs or
/// has signed, oldest first, as a Multikey usable for assertions.
pub fn controller_document(urls: &IssuerUrls, keys: &[PublishedKey]) -> Value {
    let id = urls.issuer();
    let (methods, refs) = verification_methods(&id, keys);
    json!({
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": id,
        "alsoKnownAs": [urls.did_web()],
        "verificationMethod": methods,
        "assertionMethod": refs,
    })
}

/// The same keys as the `did:web` document of the base URL.
pub fn did_document(urls: &IssuerUrls, keys: &[PublishedKey]) -> Value {
    let id = urls.did_web();
    let (methods, refs) = verification_methods(&id, keys);
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": id,
        "alsoKnownAs": [urls.issuer()],
        "verificationMethod": methods,
        "assertionMethod": refs,
    })
}

/// What a presented credential says about itself once its proof holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCredential {
    pub certificate_number: String,
    /// The list and position of each purpose, as its `credentialStatus` names them.
    pub status: Vec<(StatusPurpose, StatusSlot)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error("the credential is not a certcase certificate credential")]
    NotACertificate,
}

/// Checks a presented credential's proof against the published keys (each resolved under
/// this issuer's controller document) and reads the number and status entries.
pub fn check_credential(
    credential: &Value,
    urls: &IssuerUrls,
    keys: &[PublishedKey],
) -> Result<CheckedCredential, CredentialError> {
    di::verify_proof(credential, |method| {
        keys.iter()
            .map(|(_, key)| key)
            .find(|key| urls.verification_method(key) == method)
            .copied()
    })?;
    let number = credential
        .pointer("/credentialSubject/licenseNumber")
        .and_then(Value::as_str)
        .ok_or(CredentialError::NotACertificate)?;
    let mut status = Vec::new();
    for entry in credential
        .get("credentialStatus")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let purpose = entry
            .get("statusPurpose")
            .and_then(Value::as_str)
            .and_then(StatusPurpose::parse);
        let position = entry
            .get("statusListIndex")
            .and_then(Value::as_str)
            .and_then(|i| i.parse::<u32>().ok())
            .filter(|i| *i < LIST_SIZE);
        let list = entry
            .get("statusListCredential")
            .and_then(Value::as_str)
            .and_then(|url| {
                StatusPurpose::ALL.into_iter().find_map(|p| {
                    let prefix = urls.status_list(p, 0);
                    let prefix = prefix.strip_suffix('0')?;
                    url.strip_prefix(prefix)?.parse::<u32>().ok()
                })
            });
        match (purpose, position, list) {
            (Some(purpose), Some(position), Some(list)) => {
                status.push((purpose, StatusSlot { list, position }))
            }
            _ => return Err(CredentialError::NotACertificate),
        }
    }
    Ok(CheckedCredential {
        certificate_number: number.to_string(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use proptest::prelude::*;
    use uuid::Uuid;

    pub(crate) fn payload() -> CertificatePayload {
        CertificatePayload {
            schema: super::super::certificate::PAYLOAD_SCHEMA.into(),
            certificate_number: "2026-CD-000007".into(),
            certificate_id: Uuid::from_u128(7),
            enterprise_name_zh: "示例科技有限公司".into(),
            enterprise_name_en: "Example Technology Co., Ltd.".into(),
            credit_code: "91350100M000100Y43".into(),
            model_code: "DCMM".into(),
            model_version: "2018".into(),
            part_code: "CD".into(),
            part_name_zh: "数据战略".into(),
            part_name_en: "Data strategy".into(),
            level: 3,
            level_name_zh: "稳健级".into(),
            level_name_en: "Robust".into(),
            round_name_zh: "2026 春季".into(),
            round_name_en: "Spring 2026".into(),
            scope_zh: "数据管理".into(),
            scope_en: None,
            issue_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2029, 3, 1).unwrap(),
            issuer_key_id: "K".into(),
            supersedes: None,
            renews: None,
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[3; 32])
    }

    #[test]
    fn every_state_tells_both_bits() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
        let by = || "2026-CD-000008".to_string();
        for (state, bits) in [
            (CertState::InForce, (false, false)),
            (
                CertState::Suspended {
                    since: d(3),
                    until: d(5),
                },
                (false, true),
            ),
            (CertState::Withdrawn { on: d(4) }, (true, false)),
            (CertState::Superseded { by: by(), on: d(4) }, (true, false)),
            (CertState::Renewed { by: by(), on: d(4) }, (true, false)),
        ] {
            assert_eq!(status_of(&state), bits, "{state:?}");
        }
    }

    #[test]
    fn a_credential_verifies_names_its_certificate_and_its_status_entries() {
        let urls = IssuerUrls::new("https://cert.example/");
        let p = payload();
        let input = CredentialInput {
            payload: &p,
            urls: &urls,
            status_index: u64::from(LIST_SIZE) + 5,
            created: Utc.with_ymd_and_hms(2026, 3, 1, 2, 3, 4).unwrap(),
        };
        let text = credential_json(&input, &key());
        assert_eq!(text, credential_json(&input, &key()), "deterministic");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["proof"]["created"], "2026-03-01T02:03:04Z");
        assert_eq!(
            value["proof"]["verificationMethod"],
            format!(
                "https://cert.example/issuer#{}",
                di::multikey(&key().verifying_key())
            )
        );
        assert_eq!(value["validUntil"], "2029-03-01T23:59:59Z");
        let keys = [("K".to_string(), key().verifying_key())];
        let checked = check_credential(&value, &urls, &keys).unwrap();
        assert_eq!(checked.certificate_number, "2026-CD-000007");
        let slot = StatusSlot {
            list: 1,
            position: 5,
        };
        assert_eq!(
            checked.status,
            vec![
                (StatusPurpose::Revocation, slot),
                (StatusPurpose::Suspension, slot)
            ]
        );
        // Another issuer's URLs do not resolve this issuer's keys.
        let other = IssuerUrls::new("https://elsewhere.example");
        assert!(check_credential(&value, &other, &keys).is_err());
        let mut tampered = value.clone();
        tampered["credentialSubject"]["licenseNumber"] = json!("2026-CD-000008");
        assert_eq!(
            check_credential(&tampered, &urls, &keys),
            Err(CredentialError::Proof(ProofError::BadSignature))
        );
    }

    #[test]
    fn did_web_encodes_port_and_path() {
        assert_eq!(
            IssuerUrls::new("https://cert.example").did_web(),
            "did:web:cert.example"
        );
        assert_eq!(
            IssuerUrls::new("http://127.0.0.1:8080/").did_web(),
            "did:web:127.0.0.1%3A8080"
        );
        assert_eq!(
            IssuerUrls::new("https://x.example/a/b").did_web(),
            "did:web:x.example:a:b"
        );
    }

    #[test]
    fn the_status_list_credential_carries_at_least_131072_bits() {
        let mut bits = Vec::new();
        set_bit(&mut bits, 0, true);
        set_bit(&mut bits, 131_071, true);
        let urls = IssuerUrls::new("https://cert.example");
        let list = status_list_credential(
            &urls,
            StatusPurpose::Revocation,
            0,
            &bits,
            Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            &key(),
        );
        let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
        let decoded = decode_list(encoded).unwrap();
        assert_eq!(decoded.len() * 8, 131_072);
        assert!(bit(&decoded, 0) && bit(&decoded, 131_071) && !bit(&decoded, 1));
        assert_eq!(decoded[0], 0x80, "index 0 is the left-most bit");
        let keys = [("K".to_string(), key().verifying_key())];
        assert!(di::verify_proof(&list, |m| keys
            .iter()
            .map(|(_, k)| *k)
            .find(|k| urls.verification_method(k) == m))
        .is_ok());
    }

    proptest! {
        #[test]
        fn set_bits_read_back(positions in proptest::collection::btree_set(0u32..LIST_SIZE, 0..40)) {
            let mut bits = Vec::new();
            for p in &positions {
                set_bit(&mut bits, *p, true);
            }
            let decoded = decode_list(&encode_list(&bits)).unwrap();
            for p in (0..LIST_SIZE).step_by(997).chain(positions.iter().copied()) {
                prop_assert_eq!(bit(&decoded, p), positions.contains(&p));
            }
            for p in &positions {
                set_bit(&mut bits, *p, false);
            }
            prop_assert!(bits.iter().all(|b| *b == 0));
        }

        #[test]
        fn slots_cover_every_index_once(index in 0u64..10_000_000) {
            let slot = StatusSlot::of_index(index);
            prop_assert!(slot.position < LIST_SIZE);
            prop_assert_eq!(u64::from(slot.list) * u64::from(LIST_SIZE) + u64::from(slot.position), index);
        }
    }
}
