//! TypeScript declarations of the wire format, rendered by ts-rs into one file that the web client imports
//! (`web/src/lib/protocol.gen.ts`). The unit test below fails when the committed file differs from what the
//! Rust types render, so the browser client cannot silently drift from the server;
//! `CAHOOT_UPDATE_CONTRACTS=1 cargo test -p cahoot-protocol typescript` rewrites it.

use crate::{ClientMessage, ErrorCode, PROTOCOL_VERSION, ServerMessage};
use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use ts_rs::{Config, TS, TypeVisitor};

/// Where the rendered file lives, relative to this crate's manifest.
pub const COMMITTED_PATH: &str = "../../web/src/lib/protocol.gen.ts";

const HEADER: &str = "\
// GENERATED from the Rust types of crates/cahoot-protocol by ts-rs. Do not edit by hand:
// regenerate with `make contracts`; `make contracts-check` fails while this file is stale.
";

/// The whole file: every type reachable from the messages both ways and from `ErrorCode`, sorted by name so
/// the output does not depend on field order or visiting order.
pub fn render() -> String {
    // u64 fields (scores, counts, seq) travel as JSON numbers, which `JSON.parse` yields as `number`, not
    // `bigint`; the values stay far below 2^53.
    let cfg = Config::new().with_large_int("number");
    let mut collector = Collector {
        cfg: &cfg,
        seen: HashSet::new(),
        decls: BTreeMap::new(),
    };
    collector.visit::<ClientMessage>();
    collector.visit::<ServerMessage>();
    collector.visit::<ErrorCode>();

    let mut out = String::from(HEADER);
    out.push_str(&format!(
        "\nexport const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n"
    ));
    for decl in collector.decls.values() {
        out.push('\n');
        out.push_str(decl);
        out.push('\n');
    }
    out
}

struct Collector<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collector<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no output path: they are inlined, not declared.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let mut decl = T::docs().unwrap_or_default();
        decl.push_str("export ");
        decl.push_str(&T::decl(self.cfg));
        self.decls.insert(T::ident(self.cfg), decl);
        T::visit_dependencies(self);
    }
}

/// Compares `path` with [`render`]; with `update`, rewrites it instead. The error says how to fix it.
pub fn check(path: &Path, update: bool) -> Result<(), String> {
    let rendered = render();
    if update {
        return std::fs::write(path, &rendered)
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
    }
    let committed = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if committed == rendered {
        return Ok(());
    }
    let first_difference = committed
        .lines()
        .zip(rendered.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(rendered.lines().count()));
    Err(format!(
        "{} is stale (first difference at line {}); regenerate it with `make contracts` \
         (CAHOOT_UPDATE_CONTRACTS=1 cargo test -p cahoot-protocol typescript)",
        path.display(),
        first_difference + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn committed() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED_PATH)
    }

    #[test]
    fn committed_typescript_matches_the_rust_types() {
        let update = std::env::var("CAHOOT_UPDATE_CONTRACTS").is_ok_and(|v| v == "1");
        if let Err(problem) = check(&committed(), update) {
            panic!("{problem}");
        }
    }

    #[test]
    fn a_tampered_copy_is_reported_stale() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("protocol.gen.ts");
        let good = render();
        std::fs::write(&copy, &good).unwrap();
        assert_eq!(check(&copy, false), Ok(()));

        // The drift that motivated the check: a required field made optional by hand.
        let tampered = good.replacen("connected: boolean", "connected?: boolean", 1);
        assert_ne!(
            tampered, good,
            "the rendering no longer has a required `connected`"
        );
        std::fs::write(&copy, &tampered).unwrap();
        let problem = check(&copy, false).unwrap_err();
        assert!(problem.contains("stale"), "{problem}");

        // A type missing at the end (a truncated file) is drift too.
        std::fs::write(&copy, &good[..good.len() / 2]).unwrap();
        assert!(check(&copy, false).is_err());
        assert!(check(&dir.path().join("missing.ts"), false).is_err());
    }

    #[test]
    fn wire_details_come_out_as_the_client_sees_them() {
        let ts = render();
        // Error codes are a closed string union, not `string`.
        assert!(
            ts.contains(r#"export type ErrorCode = "invalid_json" | "invalid_body""#),
            "{ts}"
        );
        for code in ErrorCode::ALL {
            assert!(ts.contains(&format!("\"{code}\"")), "{code} missing");
        }
        // Fields the server always sends are required; fields it omits are optional.
        assert!(ts.contains("connected: boolean"), "{ts}");
        assert!(ts.contains("answered: number"), "{ts}");
        assert!(ts.contains("players?: Array<PlayerSummary>"), "{ts}");
        // u64 counts are plain numbers in JSON.
        assert!(!ts.contains("bigint"), "{ts}");
        // The version the client says hello with is the server's.
        assert!(ts.contains(&format!(
            "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};"
        )));
        // Messages are tagged unions on `type`.
        assert!(ts.contains(r#"{ "type": "kicked" }"#), "{ts}");
    }
}
