//! `connect dashboard --test`: every path the internet must reach, tried through the public URL
//! the way a browser or Kapso would, so that a reverse proxy forwarding only `/webhook` is named
//! before a signup dies on it; and `/healthz`, which must stay private, tried too.

use std::time::Duration;
use wabox_config::Config;
use wabox_protocol::PathCheck;

/// The listener's public paths besides `/webhook` (tried by the handshake), with what each is
/// for. `/c/` is a prefix: a short link's code follows it.
pub const PUBLIC_PATHS: &[(&str, &str)] = &[
    ("/oauth/callback", "Meta's Embedded Signup comes back here"),
    ("/kapso/success", "Kapso's setup link comes back here"),
    (
        "/kapso/failed",
        "Kapso's setup link comes back here when it fails",
    ),
    (
        "/kapso/webhook",
        "Kapso forwards the numbers' webhooks here",
    ),
    ("/c/", "the short links of QR codes"),
    (
        "/api",
        "agents' inboxes and commands from elsewhere (`wabox login`) come here, as a WebSocket",
    ),
];

/// Tries each public path, then `/healthz` (only when a public URL is configured: the loopback
/// stand-in reaches everything by design).
pub async fn try_all(config: &Config, public: &str) -> Vec<PathCheck> {
    let Ok(http) = wabox_cloud::http_client(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    else {
        return vec![PathCheck {
            path: "/".into(),
            ok: false,
            detail: "could not build an HTTP client".into(),
        }];
    };
    let mut checks = Vec::new();
    for (path, what) in PUBLIC_PATHS {
        let check = match *path {
            "/kapso/webhook" if config.kapso.webhook_secret.is_none() => PathCheck {
                path: path.to_string(),
                ok: true,
                detail: "not tried: no [kapso] webhook_secret, so nothing is forwarded here".into(),
            },
            // Unsigned: the engine answers 401, which nothing else in front of it would.
            "/kapso/webhook" => {
                let answer = http.post(format!("{public}{path}")).body("{}").send().await;
                judge(path, what, answer, |status, _| status == 401).await
            }
            // Without a token: the engine's 401, which names `wabox login`.
            "/api" => {
                let answer = http.get(format!("{public}{path}")).send().await;
                judge(path, what, answer, |status, body| {
                    status == 401 && body.contains("wabox login")
                })
                .await
            }
            "/c/" => {
                let answer = http.get(format!("{public}/c/wabox-test")).send().await;
                judge(path, what, answer, |_, body| is_ours(body)).await
            }
            _ => {
                let answer = http.get(format!("{public}{path}")).send().await;
                judge(path, what, answer, |_, body| is_ours(body)).await
            }
        };
        checks.push(check);
    }
    if config.public_url.is_some() {
        let answer = http.get(format!("{public}/healthz")).send().await;
        let exposed = match answer {
            Ok(a) if a.status().is_success() => {
                a.text().await.unwrap_or_default().contains("\"journaled\"")
            }
            _ => false,
        };
        checks.push(PathCheck {
            path: "/healthz".into(),
            ok: !exposed,
            detail: if exposed {
                "answers from the internet: keep it private (publish only the paths above)".into()
            } else {
                "private, as it should be".into()
            },
        });
    }
    checks
}

/// The small page the engine answers its browser paths with (`<title>wabox: …`).
fn is_ours(body: &str) -> bool {
    body.contains("<title>wabox:")
}

async fn judge(
    path: &str,
    what: &str,
    answer: reqwest::Result<reqwest::Response>,
    reached: impl Fn(u16, &str) -> bool,
) -> PathCheck {
    let (ok, detail) = match answer {
        Err(e) if e.is_connect() => (false, "nothing answered".to_string()),
        Err(e) if e.is_timeout() => (false, "no answer in 10 s".to_string()),
        Err(_) => (false, "the request failed".to_string()),
        Ok(a) => {
            let status = a.status().as_u16();
            let body = a.text().await.unwrap_or_default();
            if reached(status, &body) {
                (true, "reaches this engine".to_string())
            } else {
                (
                    false,
                    format!(
                        "answered HTTP {status}, not from this engine: the reverse proxy does \
                         not forward {path} ({what})"
                    ),
                )
            }
        }
    };
    PathCheck {
        path: path.to_string(),
        ok,
        detail,
    }
}
