//! Secrets handed to clients: API tokens (`lk_…`), session ids and one-time
//! set-up tokens. Each is 32 bytes from the operating system's CSPRNG; only
//! its SHA-256 hash is stored, so the log and the database hold nothing a
//! client could present.

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// The prefix of an API token, so a leaked one is easy to recognise.
pub const PREFIX: &str = "lk_";

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `n` random bytes from the OS, hex.
fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // The OS generator failing is not something to carry on from.
    #[expect(clippy::expect_used, reason = "no secret can be made without the OS generator")]
    OsRng.try_fill_bytes(&mut buf).expect("the OS random generator failed");
    hex(&buf)
}

/// A new secret with `prefix`: 256 random bits.
pub fn generate(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(32))
}

/// A new API token, `lk_` and 64 hex digits.
pub fn new_token() -> String {
    generate(PREFIX)
}

/// A short public id for a token (`tok_` and 12 hex digits), to list and revoke it.
pub fn new_id() -> String {
    format!("tok_{}", random_hex(6))
}

/// SHA-256 of a secret, hex: what is stored and looked up.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `s` looks like something [`generate`] made with `prefix`.
pub fn well_formed(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_stored_as_their_hash() {
        let a = new_token();
        let b = new_token();
        assert!(well_formed(&a, PREFIX), "{a}");
        assert_ne!(a, b);
        let h = digest(&a);
        assert_eq!(h.len(), 64);
        assert_eq!(h, digest(&a));
        assert_ne!(h, digest(&b));
        assert!(!h.contains(&a[3..]));
        assert!(!well_formed("lk_xyz", PREFIX));
        assert!(new_id().starts_with("tok_"));
    }

    #[test]
    fn sha256_of_a_known_string() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
