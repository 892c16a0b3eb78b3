//! The `cahoot` binary: parses the command line and hands over to the library.

use cahoot_server::config::Overrides;
use cahoot_server::{Config, init_tracing, launch, shutdown_signal};
use clap::{Args, Parser, Subcommand};
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
    Serve(ServeArgs),
    /// Print the OpenAPI document (JSON) to stdout.
    Openapi,
    /// Manage the token signing keys in the keys directory (`keys_dir`, default `<data_dir>/keys`).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

/// The settings people expect on a server's command line. Each flag wins over its `CAHOOT_*` variable,
/// which wins over the config file; an absent flag leaves the decision to those layers.
#[derive(Args, Debug, Default, PartialEq, Eq)]
struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0 for the LAN. Without the flag: $CAHOOT_HOST, then `host` in the
    /// config file, then 127.0.0.1.
    #[arg(long, value_name = "ADDR")]
    host: Option<String>,
    /// TCP port; 0 = any free port. Without the flag: $CAHOOT_PORT, then `port` in the config file, then
    /// 8080.
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// Directory for the SQLite database and the keys. Without the flag: $CAHOOT_DATA_DIR, then
    /// `data_dir` in the config file, then ./data.
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
}

impl From<ServeArgs> for Overrides {
    fn from(args: ServeArgs) -> Self {
        Overrides {
            host: args.host,
            port: args.port,
            data_dir: args.data_dir,
        }
    }
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
        Command::Serve(args) => {
            let config = Config::load_with(cli.config.as_deref(), &args.into())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            init_tracing(config.log_format);
            tracing::info!(?config, "starting");
            let listener =
                tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
            launch(config, listener, shutdown_signal()).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(argv: &[&str]) -> Result<ServeArgs, clap::Error> {
        match Cli::try_parse_from(argv)?.command {
            Command::Serve(args) => Ok(args),
            _ => panic!("{argv:?} did not parse as serve"),
        }
    }

    #[test]
    fn serve_takes_host_port_and_data_dir() {
        let args = serve_args(&[
            "cahoot",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--data-dir",
            "/srv/cahoot",
        ])
        .unwrap();
        assert_eq!(
            args,
            ServeArgs {
                host: Some("0.0.0.0".into()),
                port: Some(9000),
                data_dir: Some(PathBuf::from("/srv/cahoot")),
            }
        );
    }

    #[test]
    fn serve_without_flags_leaves_every_setting_to_the_other_layers() {
        assert_eq!(
            serve_args(&["cahoot", "serve"]).unwrap(),
            ServeArgs::default()
        );
        assert_eq!(Overrides::from(ServeArgs::default()), Overrides::default());
    }

    #[test]
    fn the_global_config_flag_still_works_after_serve() {
        let cli =
            Cli::try_parse_from(["cahoot", "serve", "--port", "1", "--config", "c.toml"]).unwrap();
        assert_eq!(cli.config, Some(PathBuf::from("c.toml")));
    }

    #[test]
    fn an_invalid_port_is_refused() {
        for bad in ["70000", "http", ""] {
            let err = serve_args(&["cahoot", "serve", "--port", bad]).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{bad}");
        }
    }

    #[test]
    fn the_serve_help_names_the_environment_fallbacks() {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        let help = cmd
            .find_subcommand_mut("serve")
            .unwrap()
            .render_long_help()
            .to_string();
        for var in ["CAHOOT_HOST", "CAHOOT_PORT", "CAHOOT_DATA_DIR"] {
            assert!(help.contains(var), "{var} missing from:\n{help}");
        }
    }
}
