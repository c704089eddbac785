//! Password hashing and opaque tokens.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::account::Password;

/// argon2id with the OWASP minimum: 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &Password) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// Checks a password against a stored hash. With no stored hash (unknown account) it
/// still does the same work, so the answer takes as long either way.
pub fn verify_password(password: &Password, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password(&Password::attempt("not a real password")));
    let hash_text = stored.unwrap_or(dummy);
    let Ok(hash) = PasswordHash::new(hash_text) else {
        return false;
    };
    let ok = hasher()
        .verify_password(password.expose().as_bytes(), &hash)
        .is_ok();
    ok && stored.is_some()
}

/// A fresh random token for a cookie, form or bearer header (256 bits, URL-safe).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash_password(&p);
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(&p, Some(&h)));
        assert!(!verify_password(
            &Password::attempt("wrong horse battery"),
            Some(&h)
        ));
        assert!(!verify_password(&p, None));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &new_token()));
    }
}
