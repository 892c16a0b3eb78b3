//! The `cahoot` binary: parses the command line and hands over to the library.

use cahoot_server::{Config, init_tracing, launch, shutdown_signal};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Cahoot: a live quiz platform.
#[derive(Parser)]
#[command(name = "cahoot", version, about)]
struct Cli {
    /// TOML configuration file (also `CAHOOT_CONFIG`); `CAHOOT_*` environment variables override it.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Print the OpenAPI document (JSON) to stdout.
    Openapi,
    /// Manage the token signing keys in the keys directory (`keys_dir`, default `<data_dir>/keys`).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Create a signing key if the directory has none (run once before starting several instances).
    Init,
    /// Add a new signing key; restart the instances to sign with it. Old keys keep verifying until removed.
    Rotate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            use std::io::Write;
            let json = serde_json::to_string_pretty(cahoot_server::openapi::document())?;
            match writeln!(std::io::stdout().lock(), "{json}") {
                // `cahoot openapi | head` is fine
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
        Command::Keys { action } => {
            let config = Config::load(cli.config.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let dir = config.keys_dir();
            match action {
                KeysAction::Init => {
                    let keys = cahoot_server::auth::Keys::load_or_create(&dir)?;
                    println!("signing key {} in {}", keys.signing_kid(), dir.display());
                }
                KeysAction::Rotate => {
                    let path = cahoot_server::auth::Keys::add_signing_key(&dir)?;
                    println!(
                        "new signing key {}; restart the instances to use it",
                        path.display()
                    );
                }
            }
            Ok(())
        }
        Command::Serve => {
            let config = Config::load(cli.config.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
            init_tracing(config.log_format);
            tracing::info!(?config, "starting");
            let listener =
                tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
            launch(config, listener, shutdown_signal()).await
        }
    }
}
