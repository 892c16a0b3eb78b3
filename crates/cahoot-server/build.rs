//! The web UI is embedded from `web/dist` (rust-embed needs the folder at compile time). When the UI has not
//! been built, put a placeholder page there so the server still builds and says what to do.

use std::path::Path;

const PLACEHOLDER: &str = "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>Cahoot</title></head>
<body><h1>Cahoot</h1><p>The web UI is not built; run <code>make run</code>.</p></body>
</html>
";

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dist = Path::new(&manifest).join("../../web/dist");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(&dist).expect("create web/dist");
        std::fs::write(dist.join("index.html"), PLACEHOLDER).expect("write placeholder index.html");
    }
    // Rebuild (re-embed) whenever the built UI changes.
    println!("cargo:rerun-if-changed=../../web/dist");
    println!("cargo:rerun-if-changed=build.rs");
}
