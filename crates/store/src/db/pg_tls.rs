//! TLS to PostgreSQL. `sslmode=require` (or libpq's `verify-ca` and `verify-full`) makes the
//! connection use TLS, with the server's certificate checked against the system's roots and
//! the file `sslrootcert` names, and its name against the host's, as libpq's `verify-full`
//! does: a certificate nobody vouches for is refused, never used unchecked. Without it (no
//! `sslmode`, `prefer`, `disable`) the connection is as before, without TLS: on a Unix socket
//! or a private network, where a server's self-signed certificate (Debian's default) would
//! otherwise refuse the connection.
//!
//! The client takes `sslmode` as `disable`, `prefer` or `require` only and knows no
//! `sslrootcert`: both are read here and the address it is given is the rest. It also reads
//! `tcp_user_timeout` in seconds where libpq reads milliseconds: the address is libpq's, so
//! its milliseconds are turned into the client's seconds here (rounded up).

use std::path::PathBuf;
use tokio_postgres_rustls::MakeRustlsConnect;

/// An address as the client takes it, and the TLS it asks for.
#[derive(Clone)]
pub struct Tls {
    pub conninfo: String,
    /// `None`: no TLS.
    pub connector: Option<MakeRustlsConnect>,
}

/// What an address asks of TLS, read out of it.
#[derive(Debug, PartialEq)]
struct Wanted {
    conninfo: String,
    required: bool,
    root_cert: Option<PathBuf>,
}

/// The address's TLS, its certificates loaded; an error says what is wrong with them.
pub fn prepare(address: &str) -> Result<Tls, String> {
    let wanted = read(address);
    if !wanted.required {
        if wanted.root_cert.is_some() {
            return Err(
                "sslrootcert is set without sslmode=require: say sslmode=require (or \
                        verify-full) for the connection to use TLS"
                    .into(),
            );
        }
        return Ok(Tls {
            conninfo: wanted.conninfo,
            connector: None,
        });
    }
    let mut roots = rustls::RootCertStore::empty();
    // The system's roots; one it cannot read is no reason to refuse the others.
    let system = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(system.certs);
    if let Some(path) = &wanted.root_cert {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect())
            .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "sslrootcert {}: no PEM certificate in it",
                path.display()
            ));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
        }
    }
    if roots.is_empty() {
        return Err(
            "sslmode=require: no root certificate to check the server's against (none \
                    in the system's store): name one with sslrootcert=FILE"
                .into(),
        );
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Tls {
        conninfo: wanted.conninfo,
        connector: Some(MakeRustlsConnect::new(config)),
    })
}

/// Takes `sslrootcert` out of the address and turns libpq's checking modes into `require`.
fn read(address: &str) -> Wanted {
    let address = address.trim();
    let mut required = false;
    let mut root_cert = None;
    let mut keep = |key: &str, value: &str| -> Option<String> {
        match key {
            "sslrootcert" => {
                root_cert = Some(PathBuf::from(value));
                None
            }
            "sslmode" if matches!(value, "require" | "verify-ca" | "verify-full") => {
                required = true;
                Some("require".into())
            }
            // Not a number: as written, for the client to refuse with the key's name.
            "tcp_user_timeout" => Some(match value.parse::<u64>() {
                Ok(ms) => ms.div_ceil(1000).to_string(),
                Err(_) => value.into(),
            }),
            _ => Some(value.into()),
        }
    };
    let conninfo = match split_url(address) {
        Some((base, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .filter_map(|pair| {
                    let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
                    let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                    // A value kept is kept as it was written (still encoded).
                    keep(key, &value).map(|kept| match kept == value {
                        true => pair.to_owned(),
                        false => format!("{key}={kept}"),
                    })
                })
                .collect();
            match pairs.is_empty() {
                true => base.to_owned(),
                false => format!("{base}?{}", pairs.join("&")),
            }
        }
        None => wabox_config::store_url::words(address)
            .filter_map(|(key, value)| {
                keep(key, &value).map(|kept| {
                    let quoted = kept.replace('\\', "\\\\").replace('\'', "\\'");
                    match kept.contains(char::is_whitespace) || quoted != kept || kept.is_empty() {
                        true => format!("{key}='{quoted}'"),
                        false => format!("{key}={kept}"),
                    }
                })
            })
            .collect::<Vec<_>>()
            .join(" "),
    };
    // An address with nothing to take out is given as it was written: the words read here
    // need not know every escape the client does.
    let untouched = root_cert.is_none()
        && !address.contains("sslmode=verify-")
        && !address.contains("tcp_user_timeout");
    Wanted {
        conninfo: if untouched {
            address.to_owned()
        } else {
            conninfo
        },
        required,
        root_cert,
    }
}

/// A `postgres://` URL's part before its query, and the query.
fn split_url(address: &str) -> Option<(&str, &str)> {
    let (scheme, _) = address.split_once("://")?;
    if scheme != "postgres" && scheme != "postgresql" {
        return None;
    }
    Some(address.split_once('?').unwrap_or((address, "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_words_the_client_does_not_know_are_read_out_of_either_form() {
        for (address, conninfo, required, root) in [
            (
                "host=db dbname=wabox sslmode=verify-full sslrootcert=/etc/ca.pem",
                "host=db dbname=wabox sslmode=require",
                true,
                Some("/etc/ca.pem"),
            ),
            (
                "host=db password='two words' sslmode=require",
                "host=db password='two words' sslmode=require",
                true,
                None,
            ),
            (
                "host=/run/postgresql dbname=wabox",
                "host=/run/postgresql dbname=wabox",
                false,
                None,
            ),
            (
                "postgres://u:p%40ss@db:5432/wabox?sslmode=verify-ca&sslrootcert=%2Fetc%2Fmy%20ca.pem&application_name=x",
                "postgres://u:p%40ss@db:5432/wabox?sslmode=require&application_name=x",
                true,
                Some("/etc/my ca.pem"),
            ),
            (
                "postgresql://db/wabox?sslrootcert=/ca.pem",
                "postgresql://db/wabox",
                false,
                Some("/ca.pem"),
            ),
            (
                "postgres://db/wabox?sslmode=prefer",
                "postgres://db/wabox?sslmode=prefer",
                false,
                None,
            ),
            // Nothing to take out: as written.
            (
                r"host=db password='it\'s' sslmode=require",
                r"host=db password='it\'s' sslmode=require",
                true,
                None,
            ),
            // Taken out: the other values written again, escaped as they came.
            (
                r"host=db password='it\'s a \\' sslmode=verify-full sslrootcert='/my ca.pem'",
                r"host=db password='it\'s a \\' sslmode=require",
                true,
                Some("/my ca.pem"),
            ),
            // libpq's milliseconds, in the client's seconds (rounded up).
            (
                "host=db tcp_user_timeout=10000 dbname=wabox",
                "host=db tcp_user_timeout=10 dbname=wabox",
                false,
                None,
            ),
            (
                "postgres://db/wabox?tcp_user_timeout=1500&sslmode=require",
                "postgres://db/wabox?tcp_user_timeout=2&sslmode=require",
                true,
                None,
            ),
        ] {
            assert_eq!(
                read(address),
                Wanted {
                    conninfo: conninfo.into(),
                    required,
                    root_cert: root.map(PathBuf::from),
                },
                "{address}"
            );
        }
    }

    #[test]
    fn a_root_certificate_without_tls_or_that_cannot_be_read_is_refused_with_why() {
        let refused = |address: &str| prepare(address).err().expect(address);
        assert!(refused("host=db sslrootcert=/ca.pem").contains("sslmode=require"));
        let missing = refused("host=db sslmode=require sslrootcert=/nonexistent/ca.pem");
        assert!(missing.contains("/nonexistent/ca.pem"), "{missing}");
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let none = refused(&format!(
            "host=db sslmode=require sslrootcert={}",
            empty.display()
        ));
        assert!(none.contains("no PEM certificate"), "{none}");
        assert!(
            prepare("host=db sslmode=disable")
                .unwrap()
                .connector
                .is_none()
        );
    }
}
