//! A remote engine: its `/api` WebSocket, reached with a token (`wabox login`, or
//! `WABOX_SERVER` and `WABOX_TOKEN`). The session is carried to one end of a Unix socket pair,
//! so that the client speaks to it exactly as to a local engine's socket.

use futures_util::{SinkExt, StreamExt};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use url::Url;

/// How long connecting (TCP, TLS, the upgrade) may take.
const CONNECT_WITHIN: Duration = Duration::from_secs(15);

/// How a session finds out that the engine is gone without a word: a laptop's Wi-Fi that
/// dropped, a NAT that forgot the connection, a host that died. Nothing closes the connection
/// then, and the inbox would show itself connected for as long as TCP takes to give up (many
/// minutes), while no message arrived and every send waited. So the session pings the engine
/// every `ping_every` (the engine's WebSocket answers by itself, whatever it is busy with), and
/// one that has heard nothing from it (an answer, a push, a pong) for `silent_for` ends: the
/// inbox says the connection was lost and connects again, taking up where it stood.
#[derive(Debug, Clone, Copy)]
struct Liveness {
    ping_every: Duration,
    silent_for: Duration,
}

/// The engine pings and gives up as often (`remote_api`): one policy for both ends.
const LIVENESS: Liveness = Liveness {
    ping_every: crate::protocol::SESSION_PING_EVERY,
    silent_for: crate::protocol::SESSION_SILENT_FOR,
};

/// The engine refused the token: trying again with it cannot help.
#[derive(Debug, thiserror::Error)]
#[error(
    "{shown} refused the token (revoked, expired or mistyped): `wabox login {shown}` with a new one"
)]
pub struct TokenRefused {
    pub shown: String,
}

/// Where a remote engine is, and the token to show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    /// As the user gave it: `https://host[:port][/prefix]`.
    pub url: String,
    pub token: String,
}

/// Never the token, even in a debug print.
impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.url)
            .field("token", &"…")
            .finish()
    }
}

/// The `/api` address of a server URL, refusing plain `http://` anywhere but this machine.
pub fn api_url(server: &str) -> anyhow::Result<Url> {
    let mut url = Url::parse(server.trim())
        .map_err(|e| anyhow::anyhow!("{server:?} is not a URL ({e}): give https://HOST"))?;
    let secure = match url.scheme() {
        "https" => true,
        "http" => false,
        other => anyhow::bail!("{server:?}: the engine is reached over https:// (not {other}://)"),
    };
    let host = url
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("{server:?} names no host"))?
        .to_string();
    if !secure && !is_loopback(&host) {
        anyhow::bail!(
            "{server:?}: plain http:// would send the token unencrypted; it is allowed only to this machine (127.0.0.1, ::1, localhost): use https://"
        );
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        anyhow::bail!("{server:?}: give the engine's address alone, https://HOST[:PORT][/PATH]");
    }
    let path = format!("{}/api", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_scheme(if secure { "wss" } else { "ws" })
        .map_err(|_| anyhow::anyhow!("{server:?}: cannot be a WebSocket address"))?;
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The roots a server's certificate is checked against: the system's, and `WABOX_CA_FILE`'s
/// (a private CA's, in PEM).
pub fn tls_config() -> anyhow::Result<rustls::ClientConfig> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = std::env::var_os("WABOX_CA_FILE").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
            .and_then(|certs| certs.collect())
            .map_err(|e| anyhow::anyhow!("WABOX_CA_FILE {}: {e}", path.display()))?;
        anyhow::ensure!(
            !certs.is_empty(),
            "WABOX_CA_FILE {}: no PEM certificate in it",
            path.display()
        );
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| anyhow::anyhow!("WABOX_CA_FILE {}: {e}", path.display()))?;
        }
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "no root certificate to check the engine's against (none in the system's store): name your CA's with WABOX_CA_FILE"
    );
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Connects to the server's `/api` with its token and returns this side's end of the session:
/// lines in, lines out, as a local engine's socket.
pub async fn open(server: &Server) -> anyhow::Result<tokio::net::UnixStream> {
    let url = api_url(&server.url)?;
    let shown = server.url.trim().trim_end_matches('/').to_string();
    let ws = tokio::time::timeout(CONNECT_WITHIN, handshake(&url, &server.token, &shown))
        .await
        .map_err(|_| anyhow::anyhow!("{shown} did not answer within {CONNECT_WITHIN:?}"))??;
    let (ours, theirs) = tokio::net::UnixStream::pair()?;
    tokio::spawn(carry(ws, theirs, LIVENESS));
    Ok(ours)
}

async fn handshake(
    url: &Url,
    token: &str,
    shown: &str,
) -> anyhow::Result<tokio_tungstenite::WebSocketStream<Box<dyn Stream>>> {
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let tcp =
        tokio::net::TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port))
            .await
            .map_err(|e| anyhow::anyhow!("could not reach {shown}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Stream> = if url.scheme() == "wss" {
        let name = rustls::pki_types::ServerName::try_from(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        )
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config()?));
        let tls = connector.connect(name, tcp).await.map_err(|e| {
            anyhow::anyhow!("{shown}: TLS refused ({e}); for a private CA set WABOX_CA_FILE")
        })?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().map_err(|_| {
            anyhow::anyhow!("the token has characters a token never has: `wabox login` again")
        })?,
    );
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let said = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).trim().to_string())
                .unwrap_or_default();
            match response.status().as_u16() {
                401 => Err(TokenRefused {
                    shown: shown.to_string(),
                }
                .into()),
                404 => anyhow::bail!("{shown} has no wabox engine at /api (is the address right?)"),
                status => anyhow::bail!("{shown} answered {status}: {said}"),
            }
        }
        Err(e) => anyhow::bail!("{shown}: {e}"),
    }
}

/// Carries lines between the session and this side's end until either ends, or until the
/// engine has been silent for `liveness.silent_for`.
async fn carry<S>(
    ws: tokio_tungstenite::WebSocketStream<S>,
    end: tokio::net::UnixStream,
    liveness: Liveness,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut to_engine, mut from_engine) = ws.split();
    let (read, mut write) = end.into_split();
    let inbound = async move {
        loop {
            let message = match tokio::time::timeout(liveness.silent_for, from_engine.next()).await
            {
                Ok(Some(Ok(message))) => message,
                Ok(_) => break,
                Err(_) => {
                    tracing::warn!(
                        silent_for = ?liveness.silent_for,
                        "the engine has not answered for a while: the connection is taken for lost"
                    );
                    break;
                }
            };
            match message {
                Message::Text(text) => {
                    let mut line = Vec::with_capacity(text.len() + 1);
                    line.extend_from_slice(text.as_bytes());
                    line.push(b'\n');
                    if write.write_all(&line).await.is_err() {
                        break;
                    }
                }
                Message::Close(frame) => {
                    // The engine said why in a line before (a revoked token); the log keeps it too.
                    if let Some(f) = frame.filter(|f| f.code == CloseCode::Library(4001)) {
                        tracing::warn!(reason = %f.reason, "the engine closed the session: its token was revoked");
                    }
                    break;
                }
                // A pong, or a ping (answered by the WebSocket): the engine is there.
                _ => {}
            }
        }
        let _ = write.shutdown().await;
    };
    let outbound = async move {
        let mut lines = BufReader::new(read).lines();
        let mut ping = tokio::time::interval_at(
            tokio::time::Instant::now() + liveness.ping_every,
            liveness.ping_every,
        );
        loop {
            // `next_line` is cancellation safe: a line half read by a tick is read whole next.
            tokio::select! {
                line = lines.next_line() => match line {
                    Ok(Some(line)) => {
                        if to_engine.send(Message::Text(line.into())).await.is_err() {
                            return;
                        }
                    }
                    _ => break,
                },
                _ = ping.tick() => {
                    if to_engine.send(Message::Ping(Default::default())).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = to_engine.close().await;
    };
    // Either side ending ends the session.
    tokio::select! {
        _ = inbound => {}
        _ = outbound => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_this_machine() {
        assert_eq!(
            api_url("https://inbox.example.com").unwrap().as_str(),
            "wss://inbox.example.com/api"
        );
        assert_eq!(
            api_url("https://example.com:8443/wabox/").unwrap().as_str(),
            "wss://example.com:8443/wabox/api"
        );
        assert_eq!(
            api_url("http://127.0.0.1:9000").unwrap().as_str(),
            "ws://127.0.0.1:9000/api"
        );
        assert_eq!(
            api_url("http://[::1]:9000").unwrap().as_str(),
            "ws://[::1]:9000/api"
        );
        assert_eq!(
            api_url("http://localhost").unwrap().as_str(),
            "ws://localhost/api"
        );
        let refused = api_url("http://inbox.example.com").unwrap_err().to_string();
        assert!(refused.contains("unencrypted"), "{refused}");
        assert!(api_url("ftp://example.com").is_err());
        assert!(api_url("inbox.example.com").is_err());
        assert!(api_url("https://u:p@example.com").is_err());
    }

    /// A WebSocket session with a server on 127.0.0.1 that answers pings (it reads what comes,
    /// which is when the WebSocket answers them) for `answering`, then goes silent: it keeps
    /// the connection open and reads nothing more, as a host whose network went away.
    async fn session_with(answering: Duration, liveness: Liveness) -> tokio::net::UnixStream {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let _ = tokio::time::timeout(answering, async {
                while let Some(Ok(_)) = ws.next().await {}
            })
            .await;
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(ws);
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/api"), tcp)
            .await
            .unwrap();
        let (ours, theirs) = tokio::net::UnixStream::pair().unwrap();
        tokio::spawn(carry(ws, theirs, liveness));
        ours
    }

    /// Whether the session's end is closed (read to its end) within `within`.
    async fn ends_within(end: &mut tokio::net::UnixStream, within: Duration) -> bool {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(within, end.read(&mut buf)).await,
            Ok(Ok(0))
        )
    }

    #[tokio::test]
    async fn an_engine_gone_silent_ends_the_session_and_one_that_answers_keeps_it() {
        let liveness = Liveness {
            ping_every: Duration::from_millis(100),
            silent_for: Duration::from_millis(400),
        };
        // Silent from the start: the session ends once nothing came for 400 ms.
        let mut end = session_with(Duration::ZERO, liveness).await;
        assert!(
            ends_within(&mut end, Duration::from_secs(5)).await,
            "a silent engine's session stayed open"
        );
        // Answering pings (and nothing else) for 2 s, five times the silence allowed: the
        // session lasts, then ends once the engine goes silent.
        let mut end = session_with(Duration::from_secs(2), liveness).await;
        assert!(
            !ends_within(&mut end, Duration::from_millis(1500)).await,
            "a session whose engine answered its pings ended"
        );
        assert!(
            ends_within(&mut end, Duration::from_secs(5)).await,
            "the session outlived its engine's silence"
        );
    }

    #[test]
    fn a_server_never_shows_its_token() {
        let s = Server {
            url: "https://x".into(),
            token: "wabox_secret".into(),
        };
        assert!(!format!("{s:?}").contains("wabox_secret"));
    }
}
