//! The documentation keeps up with the code: a contract that is only in the code is one a client cannot
//! rely on.

use cahoot_protocol::ErrorCode;

const PROTOCOL_MD: &str = include_str!("../../../docs/protocol.md");

/// The rows of the "Error codes" table: the first cell of each, backticks removed.
fn documented_codes() -> Vec<String> {
    let table = PROTOCOL_MD
        .split("\n### Error codes\n")
        .nth(1)
        .expect("docs/protocol.md has an `### Error codes` section");
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .filter_map(|row| row.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`').to_owned())
        .collect()
}

#[test]
fn every_error_code_has_a_row_in_the_protocol_error_table() {
    let documented = documented_codes();
    let missing: Vec<&str> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !documented.iter().any(|d| d == c))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/protocol.md § Error codes lacks a row for: {missing:?}"
    );
}

#[test]
fn the_protocol_error_table_lists_no_code_the_server_does_not_have() {
    let unknown: Vec<String> = documented_codes()
        .into_iter()
        .filter(|d| !ErrorCode::ALL.iter().any(|c| c.as_str() == d))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/protocol.md § Error codes lists codes ErrorCode lacks: {unknown:?}"
    );
}
