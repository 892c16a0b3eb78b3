//! Game PINs and nicknames: parse, don't validate.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const NICKNAME_MAX: usize = 20;
/// Longest pupil identifier (a class-list name such as "Müller Anna 5b").
pub const PUPIL_ID_MAX: usize = 40;

/// A six-digit game PIN, 100000..=999999 (no leading zero, so it reads the same when typed as a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GamePin(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a game PIN is six digits")]
    BadPin,
    #[error("a nickname must not be empty")]
    NicknameEmpty,
    #[error("a nickname has at most {NICKNAME_MAX} characters")]
    NicknameTooLong,
    #[error("a nickname must not contain control characters")]
    NicknameControl,
    #[error("that nickname is not allowed; choose another one")]
    NicknameInappropriate,
    #[error("a pupil identifier must not be empty")]
    PupilIdEmpty,
    #[error("a pupil identifier has at most {PUPIL_ID_MAX} characters")]
    PupilIdTooLong,
    #[error("a pupil identifier must not contain control characters")]
    PupilIdControl,
}

impl GamePin {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let s = s.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0') {
            return Err(NameError::BadPin);
        }
        s.parse().map(GamePin).map_err(|_| NameError::BadPin)
    }

    /// Maps any random number onto the PIN space; the caller supplies the randomness.
    pub fn from_random(n: u32) -> Self {
        GamePin(100_000 + n % 900_000)
    }
}

impl fmt::Display for GamePin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<String> for GamePin {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        GamePin::parse(&s)
    }
}

impl From<GamePin> for String {
    fn from(p: GamePin) -> String {
        p.to_string()
    }
}

/// A player's display name: trimmed, 1–20 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nickname(String);

impl Nickname {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        let s = s.trim();
        let len = s.chars().count();
        if len == 0 {
            Err(NameError::NicknameEmpty)
        } else if len > NICKNAME_MAX {
            Err(NameError::NicknameTooLong)
        } else if s.chars().any(char::is_control) {
            Err(NameError::NicknameControl)
        } else {
            Ok(Nickname(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Nicknames are unique within a game case-insensitively; this is the key that decides.
    pub fn uniqueness_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl Nickname {
    /// A nickname a player may take: [`Nickname::parse`] plus the classroom word filter (English, German,
    /// French, Italian; see [`crate::profanity`]). The join path uses this; stored names only `parse`.
    pub fn parse_for_join(s: &str) -> Result<Self, NameError> {
        let nickname = Nickname::parse(s)?;
        if crate::profanity::nickname_is_appropriate(nickname.as_str()) {
            Ok(nickname)
        } else {
            Err(NameError::NicknameInappropriate)
        }
    }
}

/// How the host knows a player: a name from the class list, typed at join when the host asks for it.
/// Trimmed, NFC, inner whitespace collapsed, 1–40 characters, no control characters. Shown to the host only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PupilId(String);

impl PupilId {
    pub fn parse(s: &str) -> Result<Self, NameError> {
        use unicode_normalization::UnicodeNormalization;
        if s.chars().any(char::is_control) {
            return Err(NameError::PupilIdControl);
        }
        let nfc: String = s.nfc().collect();
        let cleaned = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = cleaned.chars().count();
        if len == 0 {
            Err(NameError::PupilIdEmpty)
        } else if len > PUPIL_ID_MAX {
            Err(NameError::PupilIdTooLong)
        } else {
            Ok(PupilId(cleaned))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PupilId {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        PupilId::parse(&s)
    }
}

impl From<PupilId> for String {
    fn from(p: PupilId) -> String {
        p.0
    }
}

impl fmt::Display for Nickname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Nickname {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        Nickname::parse(&s)
    }
}

impl From<Nickname> for String {
    fn from(n: Nickname) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pupil_ids_are_trimmed_nfc_and_at_most_40_characters() {
        assert_eq!(
            PupilId::parse("  Müller   Anna 5b ").unwrap().as_str(),
            "Müller Anna 5b"
        );
        // U+0065 U+0301 (e + combining acute) becomes U+00E9.
        assert_eq!(
            PupilId::parse("Le\u{0301}a").unwrap().as_str(),
            "L\u{00e9}a"
        );
        assert_eq!(
            PupilId::parse(&"é".repeat(40))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            40
        );
        assert_eq!(
            PupilId::parse(&"x".repeat(41)),
            Err(NameError::PupilIdTooLong)
        );
        assert_eq!(PupilId::parse("   "), Err(NameError::PupilIdEmpty));
        assert_eq!(PupilId::parse("a\u{0007}b"), Err(NameError::PupilIdControl));
        assert_eq!(PupilId::parse("a\nb"), Err(NameError::PupilIdControl));
    }

    #[test]
    fn joining_nicknames_pass_the_word_filter() {
        assert!(Nickname::parse_for_join("Cassandra").is_ok());
        assert_eq!(
            Nickname::parse_for_join("Arschloch"),
            Err(NameError::NicknameInappropriate)
        );
        assert_eq!(Nickname::parse_for_join(""), Err(NameError::NicknameEmpty));
    }

    #[test]
    fn pins_are_six_digits_without_leading_zero() {
        assert_eq!(GamePin::parse("123456").unwrap().to_string(), "123456");
        assert_eq!(GamePin::parse(" 999999 ").unwrap().to_string(), "999999");
        for bad in [
            "", "12345", "1234567", "012345", "12a456", "-12345", "+12345",
        ] {
            assert_eq!(GamePin::parse(bad), Err(NameError::BadPin), "{bad}");
        }
    }

    #[test]
    fn random_pins_are_valid() {
        for n in [0, 1, 899_999, 900_000, u32::MAX] {
            let pin = GamePin::from_random(n);
            assert_eq!(GamePin::parse(&pin.to_string()), Ok(pin));
        }
    }

    #[test]
    fn nicknames_are_trimmed_and_bounded() {
        assert_eq!(Nickname::parse("  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(Nickname::parse("   "), Err(NameError::NicknameEmpty));
        assert!(Nickname::parse(&"é".repeat(20)).is_ok());
        assert_eq!(
            Nickname::parse(&"x".repeat(21)),
            Err(NameError::NicknameTooLong)
        );
        assert_eq!(Nickname::parse("a\u{7}b"), Err(NameError::NicknameControl));
    }

    #[test]
    fn uniqueness_ignores_case() {
        assert_eq!(
            Nickname::parse("ADA").unwrap().uniqueness_key(),
            Nickname::parse("ada").unwrap().uniqueness_key()
        );
    }
}
