//! W3C Data Integrity proofs with the cryptosuite `eddsa-jcs-2022` (W3C "Data Integrity
//! EdDSA Cryptosuites v1.0"), and the Multikey and multibase encodings they use. Pure:
//! keys and times are handed in.
//!
//! The algorithm: the proof options (the proof without `proofValue`, with the document's
//! `@context`) and the document without its proof are each canonicalised with JCS
//! (RFC 8785) and hashed with SHA-256; the Ed25519 signature over the two hashes
//! (options first) is the proof value, multibase base58btc (`z` prefix).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const PROOF_TYPE: &str = "DataIntegrityProof";
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
pub const ASSERTION_METHOD: &str = "assertionMethod";

/// The multicodec prefix of an Ed25519 public key (varint of 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// The multicodec prefix of an Ed25519 private key (varint of 0x1300).
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 with the Bitcoin alphabet; leading zero bytes become leading `1`s.
pub fn base58btc_encode(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    // Little-endian base-58 digits of the number the bytes spell.
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for &byte in &bytes[zeros..] {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = String::with_capacity(zeros + digits.len());
    out.push_str(&"1".repeat(zeros));
    out.extend(
        digits
            .iter()
            .rev()
            .map(|d| char::from(BASE58_ALPHABET[*d as usize])),
    );
    out
}

/// The inverse of [`base58btc_encode`]; `None` for a character outside the alphabet.
pub fn base58btc_decode(text: &str) -> Option<Vec<u8>> {
    let zeros = text.bytes().take_while(|c| *c == b'1').count();
    let mut bytes: Vec<u8> = Vec::with_capacity(text.len());
    for c in text.bytes().skip(zeros) {
        let mut carry = BASE58_ALPHABET.iter().position(|a| *a == c)? as u32;
        for byte in bytes.iter_mut() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// Multibase base58btc: `z` then base58btc.
pub fn multibase_z(bytes: &[u8]) -> String {
    format!("z{}", base58btc_encode(bytes))
}

fn from_multibase_z(text: &str) -> Option<Vec<u8>> {
    base58btc_decode(text.strip_prefix('z')?)
}

/// A public key as a Multikey `publicKeyMultibase`: `z` + base58btc(0xed 0x01 ‖ key).
pub fn multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    multibase_z(&bytes)
}

/// Reads a Multikey `publicKeyMultibase` of an Ed25519 key.
pub fn parse_multikey(text: &str) -> Option<VerifyingKey> {
    let bytes = from_multibase_z(text)?;
    let key: [u8; 32] = bytes.strip_prefix(&ED25519_PUB)?.try_into().ok()?;
    VerifyingKey::from_bytes(&key).ok()
}

/// Reads a Multikey `secretKeyMultibase` of an Ed25519 key (the test vectors' key pair).
pub fn parse_secret_multikey(text: &str) -> Option<SigningKey> {
    let bytes = from_multibase_z(text)?;
    let seed: [u8; 32] = bytes.strip_prefix(&ED25519_PRIV)?.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

fn jcs(value: &Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).expect("JSON values canonicalise")
}

/// The proof options of a new proof, before it is signed.
pub fn proof_options(verification_method: &str, created: &str) -> Map<String, Value> {
    let mut options = Map::new();
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("created".into(), created.into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("proofPurpose".into(), ASSERTION_METHOD.into());
    options
}

/// The proof configuration: the options with the document's `@context` (if any).
pub fn proof_config(document: &Value, options: &Map<String, Value>) -> Value {
    let mut config = options.clone();
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    Value::Object(config)
}

/// SHA-256 of the canonical proof configuration, then SHA-256 of the canonical document
/// (without its proof): the 64 bytes that are signed.
pub fn hash_data(unsecured_document: &Value, proof_config: &Value) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(jcs(proof_config)));
    out[32..].copy_from_slice(&Sha256::digest(jcs(unsecured_document)));
    out
}

/// Adds an `eddsa-jcs-2022` proof to a JSON object (any `proof` it had is replaced).
pub fn add_proof(
    mut document: Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Value {
    if let Value::Object(map) = &mut document {
        map.remove("proof");
    }
    let config = proof_config(&document, &proof_options(verification_method, created));
    let signature = key.sign(&hash_data(&document, &config));
    let Value::Object(mut proof) = config else {
        unreachable!("the proof configuration is an object")
    };
    proof.insert(
        "proofValue".into(),
        multibase_z(&signature.to_bytes()).into(),
    );
    if let Value::Object(map) = &mut document {
        map.insert("proof".into(), Value::Object(proof));
    }
    document
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("the document has no single proof")]
    MissingProof,
    #[error("the proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022")]
    UnsupportedProof,
    #[error("the proof's purpose is not assertionMethod")]
    WrongPurpose,
    #[error("the proof's @context differs from the document's")]
    ContextMismatch,
    #[error("the verification method '{0}' is not a published key")]
    UnknownVerificationMethod(String),
    #[error("the proof value is not 64 bytes of multibase base58btc")]
    MalformedProofValue,
    #[error("the proof does not match the document")]
    BadSignature,
}

/// Checks a secured document's `eddsa-jcs-2022` proof with an assertion purpose. `resolve`
/// answers the public key a verification method names (`None`: not one we trust).
/// Answers the verification method that signed.
pub fn verify_proof(
    secured: &Value,
    resolve: impl Fn(&str) -> Option<VerifyingKey>,
) -> Result<String, ProofError> {
    let Value::Object(map) = secured else {
        return Err(ProofError::NotAnObject);
    };
    let Some(Value::Object(proof)) = map.get("proof") else {
        return Err(ProofError::MissingProof);
    };
    if proof.get("type").and_then(Value::as_str) != Some(PROOF_TYPE)
        || proof.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE)
    {
        return Err(ProofError::UnsupportedProof);
    }
    if proof.get("proofPurpose").and_then(Value::as_str) != Some(ASSERTION_METHOD) {
        return Err(ProofError::WrongPurpose);
    }
    // The proof's @context must be the document's (in full here: certcase adds none).
    if proof.get("@context") != map.get("@context") {
        return Err(ProofError::ContextMismatch);
    }
    let method = proof
        .get("verificationMethod")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let key =
        resolve(&method).ok_or_else(|| ProofError::UnknownVerificationMethod(method.clone()))?;
    let signature: [u8; 64] = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .and_then(from_multibase_z)
        .and_then(|b| b.try_into().ok())
        .ok_or(ProofError::MalformedProofValue)?;
    let mut config = proof.clone();
    config.remove("proofValue");
    let mut unsecured = map.clone();
    unsecured.remove("proof");
    let hash = hash_data(&Value::Object(unsecured), &Value::Object(config));
    key.verify_strict(&hash, &Signature::from_bytes(&signature))
        .map_err(|_| ProofError::BadSignature)?;
    Ok(method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #[test]
        fn base58_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            prop_assert_eq!(base58btc_decode(&base58btc_encode(&bytes)), Some(bytes));
        }
    }

    #[test]
    fn base58_known_values() {
        assert_eq!(base58btc_encode(b""), "");
        assert_eq!(base58btc_encode(&[0, 0, 1]), "112");
        assert_eq!(base58btc_encode(b"hello world"), "StV1DL6CwTryKyV");
        assert_eq!(base58btc_decode("0OIl"), None);
    }

    #[test]
    fn multikey_round_trips_and_starts_like_every_ed25519_multikey() {
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let text = multikey(&key);
        assert!(text.starts_with("z6Mk"), "{text}");
        assert_eq!(parse_multikey(&text), Some(key));
        assert_eq!(parse_multikey("u6Mk"), None);
    }

    fn signed() -> (Value, VerifyingKey) {
        let key = SigningKey::from_bytes(&[9; 32]);
        let doc =
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:x", "n": 1});
        (
            add_proof(
                doc,
                &key,
                "https://a.example/issuer#k",
                "2026-01-01T00:00:00Z",
            ),
            key.verifying_key(),
        )
    }

    #[test]
    fn a_proof_verifies_and_any_change_breaks_it() {
        let (doc, key) = signed();
        let resolve = |m: &str| (m == "https://a.example/issuer#k").then_some(key);
        assert_eq!(
            verify_proof(&doc, resolve).as_deref(),
            Ok("https://a.example/issuer#k")
        );
        let mut tampered = doc.clone();
        tampered["n"] = json!(2);
        assert_eq!(
            verify_proof(&tampered, resolve),
            Err(ProofError::BadSignature)
        );
        let mut created = doc.clone();
        created["proof"]["created"] = json!("2026-01-02T00:00:00Z");
        assert_eq!(
            verify_proof(&created, resolve),
            Err(ProofError::BadSignature)
        );
        let mut purpose = doc.clone();
        purpose["proof"]["proofPurpose"] = json!("authentication");
        assert_eq!(
            verify_proof(&purpose, resolve),
            Err(ProofError::WrongPurpose)
        );
        assert_eq!(
            verify_proof(&doc, |_| None),
            Err(ProofError::UnknownVerificationMethod(
                "https://a.example/issuer#k".into()
            ))
        );
        let mut value = doc;
        value["proof"]["proofValue"] = json!("znot58");
        assert_eq!(
            verify_proof(&value, resolve),
            Err(ProofError::MalformedProofValue)
        );
    }
}

/// The W3C vc-di-eddsa test vectors of `eddsa-jcs-2022` (tests/vectors/eddsa-jcs-2022),
/// reproduced byte for byte.
#[cfg(test)]
mod w3c_vectors {
    use super::*;

    macro_rules! vector {
        ($file:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/vectors/eddsa-jcs-2022/",
                $file
            ))
        };
    }

    fn key_pair() -> SigningKey {
        let pair: Value = serde_json::from_str(vector!("keyPair.json")).unwrap();
        let key = parse_secret_multikey(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
        assert_eq!(
            multikey(&key.verifying_key()),
            pair["publicKeyMultibase"].as_str().unwrap(),
            "the public key derives from the private one"
        );
        key
    }

    fn unsecured() -> Value {
        let mut doc: Value = serde_json::from_str(vector!("signedJCS.json")).unwrap();
        doc.as_object_mut().unwrap().remove("proof");
        doc
    }

    #[test]
    fn canonical_document_and_its_hash() {
        let canon = jcs(&unsecured());
        assert_eq!(canon, vector!("canonDocJCS.txt").as_bytes());
        assert_eq!(
            hex::encode(Sha256::digest(&canon)),
            vector!("docHashJCS.txt")
        );
    }

    #[test]
    fn signing_reproduces_the_signed_credential() {
        let key = key_pair();
        let options: Value = serde_json::from_str(vector!("proofConfigJCS.json")).unwrap();
        let config = proof_config(
            &unsecured(),
            &proof_options(
                options["verificationMethod"].as_str().unwrap(),
                options["created"].as_str().unwrap(),
            ),
        );
        assert_eq!(config, options, "the proof configuration");
        let signature = key.sign(&hash_data(&unsecured(), &config));
        assert_eq!(hex::encode(signature.to_bytes()), vector!("sigHexJCS.txt"));
        assert_eq!(
            multibase_z(&signature.to_bytes()),
            vector!("sigBTC58JCS.txt")
        );
        let signed = add_proof(
            unsecured(),
            &key,
            options["verificationMethod"].as_str().unwrap(),
            options["created"].as_str().unwrap(),
        );
        let expected: Value = serde_json::from_str(vector!("signedJCS.json")).unwrap();
        assert_eq!(signed, expected);
        let public = key.verifying_key();
        assert!(verify_proof(&expected, |_| Some(public)).is_ok());
    }

    /// The earlier published set (a `did:key` verification method): its canonical proof
    /// configuration, proof hash and combined hash.
    #[test]
    fn the_earlier_did_key_vectors() {
        let canon = vector!("earlier/proofCanonJCS.txt");
        let config: Value = serde_json::from_str(canon).unwrap();
        assert_eq!(jcs(&config), canon.as_bytes());
        assert_eq!(
            hex::encode(Sha256::digest(canon.as_bytes())),
            vector!("earlier/proofHashJCS.txt")
        );
        let combined = hash_data(&unsecured(), &config);
        assert_eq!(
            hex::encode(combined),
            vector!("earlier/combinedHashJCS.txt")
        );
    }
}
