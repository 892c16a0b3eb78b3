//! Nickname filter for a classroom: rustrict's maintained English list (with its false-positive and
//! obfuscation handling: "Scunthorpe", "Cassandra", "f_u_c_k"), plus German, French and Italian lists kept in
//! `profanity/{de,fr,it}.txt`. rustrict has a few non-English words of its own; the lists add the common
//! ones children type.

use rustrict::{Censor, Trie, Type};
use std::sync::LazyLock;

const LISTS: [&str; 3] = [
    include_str!("profanity/de.txt"),
    include_str!("profanity/fr.txt"),
    include_str!("profanity/it.txt"),
];

/// rustrict's words plus ours, built once (a `Censor` needs a `'static` trie).
static TRIE: LazyLock<&'static Trie> = LazyLock::new(|| {
    let mut trie = Trie::default();
    for line in LISTS.iter().flat_map(|list| list.lines()) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        trie.set(line, Type::PROFANE | Type::SEVERE);
    }
    for line in include_str!("profanity/names.txt").lines() {
        if !line.trim().is_empty() && !line.starts_with('#') {
            trie.set(line, Type::NONE);
        }
    }
    Box::leak(Box::new(trie))
});

/// Characters read as word separators, not as look-alike letters.
const SEPARATORS: &str = "()[]{}<>\"'`=/\\,;:";

/// Runs of three or more digits become a space. rustrict reads digits as look-alike letters ("sh1t"), which
/// is right for one or two, but a player number ("p00099", "Player 493") is a number, not hidden letters.
fn without_long_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() >= 3 {
            out.push(' ');
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// Whether a nickname is fit for a classroom's projector, in English, German, French or Italian.
pub fn nickname_is_appropriate(nickname: &str) -> bool {
    // Brackets, quotes and the like separate words in a nickname ("Ana (5b)", `=HYPERLINK("x")`); rustrict
    // would read them as letters (`(` as "c" or "l") and find words that are not there. Spaces around let
    // the whole-word entries match the first and last word.
    // "ß" is spelled "ss" in Switzerland: the lists hold that spelling (rustrict would read "ß" as a "b").
    let separated: String = nickname
        .replace('ß', "ss")
        .chars()
        .map(|c| if SEPARATORS.contains(c) { ' ' } else { c })
        .collect();
    let padded = format!(" {} ", without_long_numbers(&separated));
    let mut censor = Censor::from_str(&padded);
    censor.with_trie(&TRIE);
    // Mild words ("poo", and so "p00", a load-test bot's name) stay allowed: a nickname is refused from
    // moderate severity on, which every entry of our lists has.
    !censor
        .analyze()
        .is(Type::INAPPROPRIATE & Type::MODERATE_OR_HIGHER)
}

#[cfg(test)]
mod tests {
    use super::nickname_is_appropriate as ok;

    #[test]
    fn profanity_is_refused_in_every_classroom_language() {
        let refused = [
            // English
            "fuck",
            "Shithead",
            "f_u_c_k",
            "ASSHOLE",
            "bitch99",
            "sh1t",
            "a55hole",
            "fuck123",
            // German
            "Arschloch",
            "Scheisse",
            "Scheiße",
            "Wichser",
            "Hurensohn",
            "fick dich",
            "Arsch",
            // French
            "Merde",
            "putain",
            "Connard",
            "enculé",
            "Salope",
            "Pute",
            "fdp",
            // Italian
            "Cazzo",
            "Stronzo",
            "Vaffanculo",
            "Minchia",
            "Coglione",
            "Puttana",
            "culo",
        ];
        let missed: Vec<&str> = refused.into_iter().filter(|n| ok(n)).collect();
        assert!(missed.is_empty(), "accepted: {missed:?}");
    }

    #[test]
    fn numbered_names_are_fine() {
        // Load-test bots and classes name players "p00042", "Player 7", "Team 12".
        let refused: Vec<String> = (0..10_000)
            .flat_map(|i| {
                [
                    format!("p{i:05}"),
                    format!("Player {i}"),
                    format!("Team {i}"),
                ]
            })
            .filter(|n| !ok(n))
            .collect();
        assert!(refused.is_empty(), "refused: {refused:?}");
    }

    #[test]
    fn common_names_and_words_are_not_false_positives() {
        let fine = [
            "Cassandra",
            "Scunthorpe",
            "Ada",
            "Connor",
            "Constance",
            "Conrad",
            "Marsch",
            "Barsch",
            "Churer",
            "Computer",
            "Montenegro",
            "Africa",
            "Pacifica",
            "Figaro",
            "Culotte",
            "Huber",
            "Bitesize",
            "Cumberbatch",
            "Dickens",
            "Assunta",
            "Titus",
            "Analisa",
            "Matthias",
            "Chiara",
            "Lukas",
            "Léa",
            "Noé",
            "Zoë",
            "Jürg",
            "Françoise",
            "Niccolò",
            "Sébastien",
            "Hannah",
            "Spasojević",
            "Culinary",
            "Pascal",
            "Pedro",
            "Mia 5b",
            "p00",
            "p01",
            "Player 1",
        ];
        let wrong: Vec<&str> = fine.into_iter().filter(|n| !ok(n)).collect();
        assert!(wrong.is_empty(), "refused: {wrong:?}");
    }
}
