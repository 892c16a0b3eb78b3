//! Results on disk (JSON, SVG charts) and the live progress line on stderr.

use clap::Args;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone)]
pub struct Output {
    /// Write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Draw SVG charts (latency and throughput over time, latency distribution) into this directory.
    #[arg(long)]
    pub svg_dir: Option<PathBuf>,
    /// File name prefix of the charts (default: the subcommand).
    #[arg(long)]
    pub name: Option<String>,
}

impl Output {
    pub fn write_json<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        if let Some(path) = &self.json {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, serde_json::to_string_pretty(value)? + "\n")?;
            eprintln!("results written to {}", path.display());
        }
        Ok(())
    }

    pub fn svg_dir(&self) -> Option<&Path> {
        let dir = self.svg_dir.as_deref()?;
        std::fs::create_dir_all(dir).ok()?;
        Some(dir)
    }

    pub fn prefix(&self, default: &str) -> String {
        self.name.clone().unwrap_or_else(|| default.to_owned())
    }
}

/// Rewrites the progress line on a terminal; prints a line every call otherwise (CI logs), except the
/// empty "clear" call.
pub fn progress(line: &str) {
    let mut err = std::io::stderr().lock();
    if err.is_terminal() {
        let _ = write!(err, "\r{line:<110}\r");
        if line.is_empty() {
            let _ = write!(err, "\r{:110}\r", "");
        }
    } else if !line.is_empty() {
        let _ = writeln!(err, "{line}");
    }
    let _ = err.flush();
}
