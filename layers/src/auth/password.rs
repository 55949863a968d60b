//! Passwords: Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes),
//! stored as PHC strings with a random salt. A password is never stored or
//! logged in clear.

use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest password accepted.
pub const MIN_CHARS: usize = 10;
/// Longest password accepted (hashing cost grows with it).
pub const MAX_CHARS: usize = 1024;

/// Refuses a password too short or too long, saying which.
pub fn check_strength(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(Error::InvalidRequest(format!(
            "a password needs at least {MIN_CHARS} characters"
        )));
    }
    if n > MAX_CHARS {
        return Err(Error::InvalidRequest(format!(
            "a password may have at most {MAX_CHARS} characters"
        )));
    }
    Ok(())
}

/// The Argon2id PHC string of `password`, with a fresh random salt.
pub fn hash(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::InvalidRequest(format!("the password cannot be hashed: {e}")))
}

/// Whether `password` matches the stored PHC string (in constant time; a
/// malformed stored hash matches nothing).
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(!a.contains("correct"));
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse battery!", &a));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength(&"x".repeat(MAX_CHARS + 1)).is_err());
        assert!(check_strength("ten chars!").is_ok());
    }
}
