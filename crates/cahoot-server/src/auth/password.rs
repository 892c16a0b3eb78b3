//! Usernames, passwords and Argon2id hashing (OWASP Password Storage: the `argon2` crate's defaults,
//! m = 19 MiB, t = 2, p = 1). Hashing runs on the blocking pool.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::sync::LazyLock;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

static COMMON_PASSWORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && l.chars().count() >= PASSWORD_MIN)
        .map(str::to_lowercase)
        .collect()
});

/// A hash of a random password: verifying against it makes a login for an unknown user take as long as
/// one for a known user.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    hash_now(&hex::encode(random)).unwrap_or_default()
});

/// A valid username: 3–32 characters of `A–Z a–z 0–9 _ . -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, &'static str> {
        let len = raw.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
            return Err("a username has 3 to 32 characters");
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err("a username may contain only letters A–Z, digits and _ . -");
        }
        Ok(Username(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password acceptable for a new account: 8–128 characters (no truncation, no composition rules), not
/// one of the most common passwords, not the username.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(raw: &str, username: &str) -> Result<NewPassword, &'static str> {
        let len = raw.chars().count();
        if len < PASSWORD_MIN {
            return Err("a password needs at least 8 characters");
        }
        if len > PASSWORD_MAX {
            return Err("a password has at most 128 characters");
        }
        let lower = raw.to_lowercase();
        if COMMON_PASSWORDS.contains(&lower) {
            return Err("this password is one of the most common ones; choose another");
        }
        if lower == username.to_lowercase() {
            return Err("the password must not be the username");
        }
        Ok(NewPassword(SecretString::from(raw)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let hash: PasswordHash = Argon2::default().hash_password(password.as_bytes())?;
    Ok(hash.to_string())
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes with Argon2id on the blocking pool.
pub async fn hash(password: &NewPassword) -> anyhow::Result<String> {
    let password = password.0.clone();
    tokio::task::spawn_blocking(move || hash_now(password.expose_secret()))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Verifies `password` against `hash`, or against a dummy hash when there is no user, so both cases take
/// the same time.
pub async fn verify(password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
    let password = SecretString::from(password);
    let hash = hash.map(str::to_owned);
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_now(password.expose_secret(), &hash),
        None => {
            verify_now(password.expose_secret(), &DUMMY_HASH);
            false
        }
    })
    .await?;
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_documented_alphabet_and_length() {
        assert!(Username::parse("ada.l-2_x").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("ada lovelace").is_err());
        assert!(Username::parse("adä").is_err());
    }

    #[test]
    fn passwords_need_eight_to_128_characters_without_composition_rules() {
        assert!(NewPassword::parse("short", "ada").is_err());
        assert!(NewPassword::parse("all lower case words", "ada").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129), "ada").is_err());
        assert!(NewPassword::parse(&"xy".repeat(64), "ada").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(NewPassword::parse("password", "ada").is_err());
        assert!(NewPassword::parse("PassWord1", "ada").is_err());
        assert!(NewPassword::parse("12345678", "ada").is_err());
    }

    #[test]
    fn the_username_is_not_a_password() {
        assert!(NewPassword::parse("Lovelace1815", "lovelace1815").is_err());
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let password = NewPassword::parse("correct horse battery", "ada").unwrap();
        let hash = hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("wrong horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("correct horse battery", None).await.unwrap());
    }
}
