//! Sealing tokens at rest (XChaCha20-Poly1305) with a key only the engine can read: a 0600 key
//! file in the data dir, created on first use, or `WABOX_SEAL_KEY` (32 bytes, base64).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("WABOX_SEAL_KEY must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`)")]
    BadEnvKey,
    #[error("the key file {0} is not 32 bytes: restore it from backup; sealed tokens need it")]
    BadKeyFile(String),
    #[error("the key file {path} is readable by others: run `chmod 600 {path}`")]
    KeyFileOpen { path: String },
    #[error("could not read or create the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("a sealed token could not be opened: the seal key changed or the data is damaged")]
    Open,
}

pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// The key file of a data dir (used unless `WABOX_SEAL_KEY` is set).
    pub fn key_file(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join("keys").join("seal.key")
    }

    /// Where `load` takes the key from, as an admin would name it.
    pub fn key_source(data_dir: &Path) -> String {
        match std::env::var_os("WABOX_SEAL_KEY") {
            Some(_) => "WABOX_SEAL_KEY".to_string(),
            None => Self::key_file(data_dir).display().to_string(),
        }
    }

    /// The engine's sealer: from `WABOX_SEAL_KEY`, else `DATA_DIR/keys/seal.key` (made if absent).
    pub fn load(data_dir: &Path) -> Result<Self, SealError> {
        if let Ok(b64) = std::env::var("WABOX_SEAL_KEY") {
            let key = B64.decode(b64.trim()).map_err(|_| SealError::BadEnvKey)?;
            return Self::from_key(&key).ok_or(SealError::BadEnvKey);
        }
        let path = Self::key_file(data_dir);
        let dir = path.parent().unwrap_or(data_dir).to_path_buf();
        let shown = path.display().to_string();
        let io = |source| SealError::Io {
            path: shown.clone(),
            source,
        };
        match std::fs::read(&path) {
            Ok(key) => {
                let mode = std::fs::metadata(&path).map_err(io)?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(SealError::KeyFileOpen { path: shown });
                }
                Self::from_key(&key).ok_or(SealError::BadKeyFile(shown))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&dir).map_err(io)?;
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(io)?;
                let key: [u8; 32] = rand::random();
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(io)?;
                f.write_all(&key).map_err(io)?;
                f.sync_all().map_err(io)?;
                Self::from_key(&key).ok_or(SealError::BadKeyFile(shown))
            }
            Err(e) => Err(io(e)),
        }
    }

    fn from_key(key: &[u8]) -> Option<Self> {
        if key.len() != 32 {
            return None;
        }
        XChaCha20Poly1305::new_from_slice(key)
            .ok()
            .map(|cipher| Sealer { cipher })
    }

    /// Nonce then ciphertext; a fresh random nonce each time.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce = XNonce::generate();
        // Encryption fails only for plaintexts beyond 2^38 bytes; a token is never that long.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("XChaCha20-Poly1305 encrypts any token-sized input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Open)?;
        let plain = self
            .cipher
            .decrypt(&nonce, ciphertext)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_with_the_same_key_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = Sealer::load(dir.path()).unwrap();
        let sealed = a.seal("EAAGtoken123");
        assert!(!sealed.windows(6).any(|w| w == b"EAAGto"));
        let again = Sealer::load(dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "EAAGtoken123");
        let other = Sealer::load(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(other.open(&sealed).is_err());
        let mode = std::fs::metadata(dir.path().join("keys/seal.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
