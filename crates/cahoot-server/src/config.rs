//! Typed, layered configuration: defaults → optional TOML file → `CAHOOT_*` environment variables →
//! command-line flags (`cahoot serve --host/--port/--data-dir`), each layer overriding the one before.
//!
//! The embedded default needs no configuration at all: `cahoot serve` listens on 127.0.0.1:8080, keeps its
//! SQLite database and keys in `./data` and runs the live store in-process.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable naming the TOML file (the `--config` flag wins over it).
pub const CONFIG_FILE_ENV: &str = "CAHOOT_CONFIG";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub host: String,
    /// 0 = any free port (the bound port is printed at start).
    pub port: u16,
    /// Database file, keys and other local state of embedded mode.
    pub data_dir: PathBuf,
    /// `sqlite://…` (default `sqlite://<data_dir>/cahoot.db`) or `postgres://…`. May hold a password.
    pub database_url: Option<SecretString>,
    /// `memory` (in-process) or `redis://…` (also `rediss://`, `valkey://`) for Valkey. May hold a password.
    pub live_url: SecretString,
    /// The origin browsers use to reach the app (`https://quiz.example.org`); when unset, a request's own
    /// origin is derived from its `Host` header (and `X-Forwarded-Proto` behind a trusted proxy).
    pub public_origin: Option<String>,
    /// Trust `X-Forwarded-For` (last hop) and `X-Forwarded-Proto` — only behind our own HAProxy.
    pub trust_proxy: bool,
    /// Where the signing keys live; default `<data_dir>/keys`.
    pub keys_dir: Option<PathBuf>,
    pub access_token_ttl_secs: u64,
    pub refresh_idle_secs: u64,
    pub refresh_absolute_secs: u64,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    /// Largest accepted image upload (`POST /api/images`); that route alone has this limit instead of
    /// `max_body_bytes`.
    pub max_image_bytes: usize,
    /// Total size of the (re-encoded) images one host may keep.
    pub image_quota_bytes: u64,
    /// Number of images one host may keep.
    pub image_quota_count: u64,
    /// Login attempts allowed per client address per 15 minutes (see `auth::throttle`).
    pub login_limit_per_address: u64,
    /// Registrations allowed per client address per hour.
    pub register_limit_per_address: u64,
    /// Seconds between a shutdown signal and closing the listener, while `/readyz` already answers 503
    /// (lets the load balancer drain this instance).
    pub drain_secs: u64,
    /// Upper bound for graceful shutdown after the listener closed; open connections are then dropped.
    pub shutdown_timeout_secs: u64,
    /// The "get ready" countdown before each question's answers open (ms, 0 = none, at most 10 s): the
    /// question is read first, then the clock starts. Fixed per game when it is created.
    pub question_lead_in_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            live_url: SecretString::from("memory"),
            public_origin: None,
            trust_proxy: false,
            keys_dir: None,
            access_token_ttl_secs: 900,
            refresh_idle_secs: 86_400 * 3,
            refresh_absolute_secs: 86_400 * 14,
            log_format: LogFormat::Pretty,
            max_body_bytes: 64 * 1024,
            max_image_bytes: 2 * 1024 * 1024,
            image_quota_bytes: 50 * 1024 * 1024,
            image_quota_count: 500,
            login_limit_per_address: 100,
            register_limit_per_address: 50,
            drain_secs: 0,
            shutdown_timeout_secs: 10,
            question_lead_in_ms: 3_000,
        }
    }
}

/// Settings given on the command line; they override every other layer. `None` = not given, so the
/// layers below decide (an absent flag must not reset a value from the environment or the file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Loads defaults, then the TOML file (`file`, else `$CAHOOT_CONFIG`, if any), then `CAHOOT_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        Config::load_with(file, &Overrides::default())
    }

    /// Like [`Config::load`], with command-line `overrides` as the last (strongest) layer.
    pub fn load_with(
        file: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Config, Box<figment::Error>> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(CONFIG_FILE_ENV).map(PathBuf::from));
        let mut figment = Figment::new();
        if let Some(file) = file {
            if !file.is_file() {
                let msg = format!("config file {} not found", file.display());
                return Err(Box::new(figment::Error::from(msg)));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let config: Config = figment
            .merge(Env::prefixed("CAHOOT_").ignore(&["config"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), Box<figment::Error>> {
        let fail = |msg: &str| Err(Box::new(figment::Error::from(msg.to_owned())));
        if self.access_token_ttl_secs == 0 || self.access_token_ttl_secs > 900 {
            return fail("access_token_ttl_secs must be between 1 and 900 (15 minutes)");
        }
        if self.refresh_absolute_secs > 86_400 * 14 {
            return fail("refresh_absolute_secs must be at most 14 days");
        }
        if self.refresh_idle_secs == 0 || self.refresh_idle_secs > self.refresh_absolute_secs {
            return fail("refresh_idle_secs must be between 1 and refresh_absolute_secs");
        }
        if self.max_body_bytes < 1024 {
            return fail("max_body_bytes must be at least 1024");
        }
        if self.max_image_bytes < 1024 {
            return fail("max_image_bytes must be at least 1024");
        }
        if self.question_lead_in_ms > 10_000 {
            return fail("question_lead_in_ms must be at most 10000 (10 seconds)");
        }
        Ok(())
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> SecretString {
        match &self.database_url {
            Some(url) => url.clone(),
            None => {
                let path = self.data_dir.join("cahoot.db");
                SecretString::from(format!("sqlite://{}", path.display()))
            }
        }
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.keys_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys"))
    }

    pub fn access_token_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.access_token_ttl_secs)
    }
}

/// Redacts the URLs (they may carry passwords); everything else is printed.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = |url: &SecretString| {
            let url = url.expose_secret();
            format!("{}:[redacted]", url.split(':').next().unwrap_or(""))
        };
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("database_url", &scheme(&self.database_url()))
            .field("live_url", &scheme(&self.live_url))
            .field("public_origin", &self.public_origin)
            .field("trust_proxy", &self.trust_proxy)
            .field("keys_dir", &self.keys_dir())
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_idle_secs", &self.refresh_idle_secs)
            .field("refresh_absolute_secs", &self.refresh_absolute_secs)
            .field("log_format", &self.log_format)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_image_bytes", &self.max_image_bytes)
            .field("image_quota_bytes", &self.image_quota_bytes)
            .field("image_quota_count", &self.image_quota_count)
            .field("login_limit_per_address", &self.login_limit_per_address)
            .field(
                "register_limit_per_address",
                &self.register_limit_per_address,
            )
            .field("drain_secs", &self.drain_secs)
            .field("shutdown_timeout_secs", &self.shutdown_timeout_secs)
            .field("question_lead_in_ms", &self.question_lead_in_ms)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_need_no_configuration() {
        Jail::expect_with(|_| {
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.port, 8080);
            assert_eq!(config.host, "127.0.0.1");
            assert_eq!(
                config.database_url().expose_secret(),
                "sqlite://./data/cahoot.db"
            );
            assert_eq!(config.live_url.expose_secret(), "memory");
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "port = 9000\nhost = \"0.0.0.0\"\ntrust_proxy = true",
            )?;
            jail.set_env("CAHOOT_CONFIG", "c.toml");
            jail.set_env("CAHOOT_PORT", "9100");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.port, 9100);
            assert_eq!(config.host, "0.0.0.0");
            assert!(config.trust_proxy);
            Ok(())
        });
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "port = 9000\nhost = \"10.0.0.1\"\ndata_dir = \"/from/file\"",
            )?;
            jail.set_env("CAHOOT_CONFIG", "c.toml");
            jail.set_env("CAHOOT_PORT", "9100");
            jail.set_env("CAHOOT_HOST", "10.0.0.2");
            let flags = Overrides {
                port: Some(9200),
                ..Overrides::default()
            };
            let config = Config::load_with(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(config.port, 9200, "flag over env and file");
            assert_eq!(config.host, "10.0.0.2", "env over file without a flag");
            assert_eq!(
                config.data_dir,
                PathBuf::from("/from/file"),
                "file over default"
            );
            assert_eq!(config.keys_dir(), PathBuf::from("/from/file/keys"));
            Ok(())
        });
    }

    #[test]
    fn every_flag_overrides_its_setting_and_leaves_the_others_alone() {
        Jail::expect_with(|jail| {
            jail.set_env("CAHOOT_HOST", "0.0.0.0");
            jail.set_env("CAHOOT_PORT", "9100");
            jail.set_env("CAHOOT_DATA_DIR", "/from/env");
            jail.set_env("CAHOOT_DRAIN_SECS", "5");
            let flags = Overrides {
                host: Some("::1".into()),
                port: Some(0),
                data_dir: Some(PathBuf::from("/from/flag")),
            };
            let config = Config::load_with(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(
                (config.host.as_str(), config.port, config.data_dir.as_path()),
                ("::1", 0, Path::new("/from/flag"))
            );
            assert_eq!(
                config.database_url().expose_secret(),
                "sqlite:///from/flag/cahoot.db"
            );
            assert_eq!(
                config.drain_secs, 5,
                "settings without a flag keep their layer"
            );
            // No flags at all: the environment decides, as before.
            let config =
                Config::load_with(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!((config.host.as_str(), config.port), ("0.0.0.0", 9100));
            Ok(())
        });
    }

    #[test]
    fn debug_output_redacts_database_passwords() {
        let config = Config {
            database_url: Some("postgres://cahoot:hunter2@db/cahoot".into()),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("postgres:[redacted]"));
    }

    #[test]
    fn an_access_token_lifetime_over_fifteen_minutes_is_refused() {
        Jail::expect_with(|jail| {
            jail.set_env("CAHOOT_ACCESS_TOKEN_TTL_SECS", "3600");
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }
}
