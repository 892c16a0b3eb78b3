//! Signing keys and the two kinds of JWT: host access tokens (audience `cahoot-host`) and player tokens
//! (audience `cahoot-player`). HS256 only — the algorithm is fixed by the server, never taken from the token
//! header; `jku`/`x5u`/`jwk` headers are ignored. Every token names its key by `kid`.
//!
//! Keys live as JSON files in the keys directory (`<data_dir>/keys` by default, mode 0600), created on first
//! start and reused afterwards. Rotation: add a newer key file; the newest signs, all verify. Remove the old
//! file once the longest token lifetime has passed (12 hours for player tokens).

use crate::clock::now_ms;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

pub const ISSUER: &str = "cahoot";
pub const HOST_AUDIENCE: &str = "cahoot-host";
pub const PLAYER_AUDIENCE: &str = "cahoot-player";
/// Clock skew tolerated on `exp` and `nbf`, for host and player tokens alike. The instances run on
/// NTP-synchronised clocks (skew well under a second), and the seconds-granular `iat`/`exp` add at most one
/// more; 5 s covers both with margin while keeping a stolen or logged-out token's afterlife short (the
/// logout denylist entry also lives `exp` + this leeway).
pub const LEEWAY_SECS: u64 = 5;
/// 256-bit HMAC keys.
const KEY_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
    #[error("could not sign a token")]
    Signing,
}

/// Claims of a host's access token. All registered claims are required.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    /// Issue instant in milliseconds, compared with the user's `valid_after` so a password change also
    /// ends sessions issued earlier within the same second.
    pub iat_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlayerTokenClaims {
    iss: String,
    aud: String,
    /// The player id.
    sub: String,
    gid: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: String,
}

/// What a valid player token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerClaims {
    pub game_id: String,
    pub player_id: String,
    pub jti: String,
    /// Unix seconds.
    pub exp: u64,
}

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub jti: String,
    pub issued_at_ms: u64,
    pub expires_in: Duration,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    kid: String,
    alg: String,
    /// base64url, no padding.
    secret: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

pub struct Keys {
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<_> = self.verifying.keys().collect();
        kids.sort();
        f.debug_struct("Keys")
            .field("signing_kid", &self.signing_kid)
            .field("verifying_kids", &kids)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Builds keys from `(kid, secret)` pairs; the first signs, all verify.
    pub fn from_secrets(secrets: &[(String, Vec<u8>)]) -> anyhow::Result<Keys> {
        let Some((kid, secret)) = secrets.first() else {
            anyhow::bail!("no signing key");
        };
        if let Some((kid, _)) = secrets.iter().find(|(_, s)| s.len() < KEY_BYTES) {
            anyhow::bail!("key {kid} is shorter than 256 bits");
        }
        Ok(Keys {
            signing_kid: kid.clone(),
            signing: EncodingKey::from_secret(secret),
            verifying: secrets
                .iter()
                .map(|(kid, s)| (kid.clone(), DecodingKey::from_secret(s)))
                .collect(),
        })
    }

    /// Loads every key file in `dir`, generating one when there is none. The newest key signs.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Keys> {
        create_private_dir(dir)?;
        let mut files = read_key_files(dir)?;
        if files.is_empty() {
            write_new_key(dir)?;
            files = read_key_files(dir)?;
        }
        files.sort_by(|a, b| (b.created_at, &b.kid).cmp(&(a.created_at, &a.kid)));
        let secrets = files
            .iter()
            .map(|f| Ok((f.kid.clone(), URL_SAFE_NO_PAD.decode(&f.secret)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Keys::from_secrets(&secrets)
    }

    /// Adds a new signing key to `dir` (key rotation). Instances pick it up at their next start; older
    /// keys keep verifying until they are removed from the directory.
    pub fn add_signing_key(dir: &Path) -> anyhow::Result<PathBuf> {
        create_private_dir(dir)?;
        write_new_key(dir)
    }

    pub fn signing_kid(&self) -> &str {
        &self.signing_kid
    }

    fn header(&self) -> Header {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        header
    }

    pub fn issue_access_token(
        &self,
        user_id: Uuid,
        ttl: Duration,
    ) -> Result<IssuedToken, AuthError> {
        let issued_at_ms = now_ms();
        let iat = issued_at_ms / 1000;
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: HOST_AUDIENCE.into(),
            sub: user_id.to_string(),
            iat,
            nbf: iat,
            exp: iat + ttl.as_secs(),
            jti: Uuid::new_v4().to_string(),
            iat_ms: issued_at_ms,
        };
        let token = jsonwebtoken::encode(&self.header(), &claims, &self.signing)
            .map_err(|_| AuthError::Signing)?;
        Ok(IssuedToken {
            token,
            jti: claims.jti,
            issued_at_ms,
            expires_in: ttl,
        })
    }

    /// Checks signature (by `kid`), algorithm, issuer, audience `cahoot-host` and times. Denylist and the
    /// user's `valid_after` are checked by [`super::verify_access_token`].
    pub fn verify_access_token(&self, token: &str) -> Result<AccessClaims, AuthError> {
        self.decode(token, HOST_AUDIENCE)
    }

    pub fn issue_player_token(
        &self,
        game_id: &str,
        player_id: &str,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let iat = now_ms() / 1000;
        let claims = PlayerTokenClaims {
            iss: ISSUER.into(),
            aud: PLAYER_AUDIENCE.into(),
            sub: player_id.into(),
            gid: game_id.into(),
            iat,
            nbf: iat,
            exp: iat + ttl.as_secs(),
            jti: Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&self.header(), &claims, &self.signing).map_err(|_| AuthError::Signing)
    }

    pub fn verify_player_token(&self, token: &str) -> Result<PlayerClaims, AuthError> {
        let claims: PlayerTokenClaims = self.decode(token, PLAYER_AUDIENCE)?;
        Ok(PlayerClaims {
            game_id: claims.gid,
            player_id: claims.sub,
            jti: claims.jti,
            exp: claims.exp,
        })
    }

    fn decode<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<C, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid)?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or(AuthError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[ISSUER]);
        match jsonwebtoken::decode::<C>(token, key, &validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(AuthError::Expired),
            Err(_) => Err(AuthError::Invalid),
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

fn read_key_files(dir: &Path) -> anyhow::Result<Vec<KeyFile>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path)?;
            let file: KeyFile = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("key file {}: {e}", path.display()))?;
            if file.alg != "HS256" {
                anyhow::bail!("key file {}: unsupported alg {}", path.display(), file.alg);
            }
            files.push(file);
        }
    }
    Ok(files)
}

/// Writes a new random key with mode 0600. `create_new` makes two instances starting together on the
/// same directory safe: the loser finds the winner's file on its next read.
fn write_new_key(dir: &Path) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    let secret: [u8; KEY_BYTES] = rand::random();
    let kid = hex::encode(rand::random::<[u8; 8]>());
    let file = KeyFile {
        kid: kid.clone(),
        alg: "HS256".into(),
        secret: URL_SAFE_NO_PAD.encode(secret),
        created_at: OffsetDateTime::now_utc(),
    };
    let path = dir.join(format!("hs256-{kid}.json"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(&path)?;
    out.write_all(serde_json::to_string_pretty(&file)?.as_bytes())?;
    out.sync_all()?;
    tracing::info!(kid, path = %path.display(), "generated a new token signing key");
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_secrets(&[("k1".into(), vec![7; 32])]).unwrap()
    }

    #[test]
    fn access_tokens_round_trip() {
        let keys = keys();
        let user = Uuid::new_v4();
        let issued = keys
            .issue_access_token(user, Duration::from_secs(60))
            .unwrap();
        let claims = keys.verify_access_token(&issued.token).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!(claims.jti, issued.jti);
        assert_eq!(claims.aud, HOST_AUDIENCE);
    }

    #[test]
    fn player_and_host_tokens_are_not_interchangeable() {
        let keys = keys();
        let player = keys
            .issue_player_token("g1", "p1", Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            keys.verify_access_token(&player).unwrap_err(),
            AuthError::Invalid
        );
        let claims = keys.verify_player_token(&player).unwrap();
        assert_eq!(
            (claims.game_id.as_str(), claims.player_id.as_str()),
            ("g1", "p1")
        );
        let host = keys
            .issue_access_token(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            keys.verify_player_token(&host.token).unwrap_err(),
            AuthError::Invalid
        );
    }

    #[test]
    fn a_rotated_in_key_signs_while_the_old_one_still_verifies() {
        let old = keys();
        let token = old
            .issue_access_token(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        let rotated =
            Keys::from_secrets(&[("k2".into(), vec![9; 32]), ("k1".into(), vec![7; 32])]).unwrap();
        assert!(rotated.verify_access_token(&token.token).is_ok());
        let fresh = rotated
            .issue_access_token(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        let header = jsonwebtoken::decode_header(&fresh.token).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k2"));
        assert_eq!(
            old.verify_access_token(&fresh.token).unwrap_err(),
            AuthError::Invalid
        );
    }

    fn unix_now() -> u64 {
        now_ms() / 1000
    }

    /// A host token signed by `keys` whose `exp` is `exp` (issued a minute before it), so expiry can be
    /// tested without waiting for a clock.
    fn access_token_expiring_at(keys: &Keys, exp: u64) -> String {
        let iat = exp - 60;
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: HOST_AUDIENCE.into(),
            sub: Uuid::new_v4().to_string(),
            iat,
            nbf: iat,
            exp,
            jti: Uuid::new_v4().to_string(),
            iat_ms: iat * 1000,
        };
        jsonwebtoken::encode(&keys.header(), &claims, &keys.signing).unwrap()
    }

    #[test]
    fn an_expired_token_is_accepted_only_within_the_leeway() {
        let keys = keys();
        // 6 s and 2 s stay clear of the 5 s edge even if the clock ticks a second during the test.
        let long_gone = access_token_expiring_at(&keys, unix_now() - 6);
        assert_eq!(
            keys.verify_access_token(&long_gone).unwrap_err(),
            AuthError::Expired
        );
        let just_expired = access_token_expiring_at(&keys, unix_now() - 2);
        assert!(keys.verify_access_token(&just_expired).is_ok());
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Keys::from_secrets(&[("k".into(), vec![1; 16])]).is_err());
    }

    #[test]
    fn keys_are_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keys::load_or_create(dir.path()).unwrap();
        let second = Keys::load_or_create(dir.path()).unwrap();
        assert_eq!(first.signing_kid(), second.signing_kid());
        let token = first
            .issue_access_token(Uuid::new_v4(), Duration::from_secs(60))
            .unwrap();
        assert!(second.verify_access_token(&token.token).is_ok());
    }
}
