//! Typed answers: cleaning what a player typed and comparing it with the accepted answers.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What a player typed, as stored: NFC, trimmed, runs of whitespace collapsed to one space.
/// `None` when nothing is left or it holds control characters.
pub fn clean(typed: &str) -> Option<String> {
    if typed.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return None;
    }
    let nfc: String = typed.nfc().collect();
    let cleaned = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}

/// The comparison key of a typed answer: cleaned, lower-cased, and without diacritics ("Zürich" and
/// "zurich" agree) when `ignore_diacritics`. Two answers are the same answer when their keys are equal.
pub fn key(typed: &str, ignore_diacritics: bool) -> String {
    let cleaned = clean(typed).unwrap_or_default().to_lowercase();
    if ignore_diacritics {
        cleaned
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .nfc()
            .collect()
    } else {
        cleaned.nfc().collect()
    }
}

/// Whether a word-cloud entry is fit for a projector in a classroom (a maintained profanity list).
pub fn is_appropriate(text: &str) -> bool {
    use rustrict::CensorStr;
    !text.is_inappropriate()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_trims_and_collapses_spaces() {
        assert_eq!(clean("  New   York \t").as_deref(), Some("New York"));
        assert_eq!(clean("   "), None);
        assert_eq!(clean("a\u{0007}b"), None);
    }

    #[test]
    fn keys_ignore_case_spaces_and_optionally_diacritics() {
        assert_eq!(key(" ZÜRICH ", true), "zurich");
        assert_eq!(key("Zürich", false), "zürich");
        assert_ne!(key("Zürich", false), key("Zurich", false));
        // U+0065 U+0301 (e + combining acute) and U+00E9 (é) are the same text.
        assert_eq!(key("Caf\u{0065}\u{0301}", false), key("Caf\u{00e9}", false));
        assert_eq!(key("Caf\u{0065}\u{0301}", true), "cafe");
        assert_eq!(key("Ελλάδα", true), "ελλαδα");
    }

    #[test]
    fn profanity_is_filtered() {
        assert!(is_appropriate("photosynthesis"));
        assert!(!is_appropriate("fuck"));
    }
}
